package handlers

import (
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// settings shows the community's settings or sets one of them.
func (c *call) settings() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 2)
	if len(args) == 0 {
		return text(c.settingsCard(sc.community) + "\n\n" + c.t("usage.settings"))
	}
	key := strings.ToLower(args[0])
	if key == "notice" && len(args) == 1 {
		return c.startNoticeFlow()
	}
	if len(args) < 2 {
		return c.usage("settings")
	}
	comm := sc.community
	val := args[1]
	switch key {
	case "minimum":
		n, err := strconv.Atoi(val)
		if err != nil {
			return c.fail(ll.Invalid("minimum", "not a number"), "")
		}
		comm.Minimum = n
	case "postminimum":
		n, err := strconv.Atoi(val)
		if err != nil {
			return c.fail(ll.Invalid("postminimum", "not a number"), "")
		}
		comm.PostMinimum = n
	case "timezone", "tz":
		if strings.EqualFold(val, "Local") {
			// time.LoadLocation accepts it, but it means the server's zone.
			return c.fail(ll.Invalid("timezone", "not a zone name"), "")
		}
		key = "timezone"
		comm.TimeZone = val
	case "language", "lang":
		key = "language"
		comm.Language = strings.ToLower(val)
	case "notice":
		chat, ok := parseChatID(val)
		if !ok {
			return c.fail(ll.Invalid("notice", "not a chat id"), "")
		}
		comm.NoticeChat = chat
	default:
		return c.usage("settings")
	}
	if err := comm.Validate(); err != nil {
		return c.fail(err, "")
	}
	if err := c.h.store.SaveCommunity(c.ctx, comm, sc.audit("settings", key, val)); err != nil {
		return c.fail(err, "")
	}
	sc.community = comm
	return text(c.t("settings.saved") + "\n\n" + c.settingsCard(comm))
}

// parseChatID accepts a Telegram chat id, or off/none/0 for no chat.
func parseChatID(s string) (int64, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none", "0", "无", "关闭":
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return n, true
}

// settingsCard lists a community's settings.
func (c *call) settingsCard(comm ll.Community) string {
	notice := c.t("settings.no_notice")
	if comm.NoticeChat != 0 {
		notice = "<code>" + strconv.FormatInt(comm.NoticeChat, 10) + "</code>"
	}
	return c.t("settings.card", comm.TimeZone, comm.Language,
		comm.Minimum, comm.PostMinimum, rawHTML(notice))
}

// startNoticeFlow waits for a message forwarded from the notice chat.
func (c *call) startNoticeFlow() []ll.Reply {
	if _, err := c.startFlow(flowNotice, "fwd", map[string]string{"c": c.scope.community.ID}); err != nil {
		return c.fail(err, "")
	}
	return c.say("notice.ask")
}

// noticeText takes the forwarded message (or a typed chat id) and sets the
// community's notice chat.
func (c *call) noticeText(f *ll.Flow) []ll.Reply {
	sc, err := c.committee()
	if err != nil {
		return c.abandonFlow(err)
	}
	if sc.community.ID != f.Data["c"] {
		return c.abandonFlow(ll.ErrStale)
	}
	chat := c.req.ForwardedFromChat
	if chat == 0 {
		n, ok := parseChatID(c.req.Text)
		if !ok || n == 0 {
			return c.say("notice.ask")
		}
		chat = n
	}
	comm := sc.community
	comm.NoticeChat = chat
	if err := c.h.store.SaveCommunity(c.ctx, comm, sc.audit("settings", "notice", strconv.FormatInt(chat, 10))); err != nil {
		return c.fail(err, "")
	}
	sc.community = comm
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end notice flow", "user", c.req.UserID, "err", err)
	}
	return text(c.t("settings.saved") + "\n\n" + c.settingsCard(comm))
}
