package handlers

import (
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// settings shows the community's settings or sets one of them.
func (c *call) settings() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 2)
	if len(args) == 0 {
		return text(c.settingsCard(sc.Community) + "\n\n" + c.t("usage.settings"))
	}
	key := strings.ToLower(args[0])
	if key == "notice" && len(args) == 1 {
		return c.startNoticeFlow()
	}
	if len(args) < 2 {
		return c.usage("settings")
	}
	comm, err := c.h.app.Settings.Set(c.ctx, sc, args[0], args[1])
	if err != nil {
		if ll.ErrorCode(err) == ll.EINVALID && ll.ErrorDetail(err) == "setting" {
			return c.usage("settings")
		}
		return c.fail(err, "")
	}
	return text(c.t("settings.saved") + "\n\n" + c.settingsCard(comm))
}

// settingsCard lists a community's settings.
func (c *call) settingsCard(comm ll.Community) string {
	notice := c.t("settings.no_notice")
	if comm.NoticeChat != 0 {
		notice = "<code>" + strconv.FormatInt(comm.NoticeChat, 10) + "</code>"
	}
	return c.t("settings.card", comm.TimeZone, comm.Language,
		comm.Minimum, comm.PostMinimum, rawHTML(notice)) + "\n" + c.t("settings.evalfrom", or(comm.EvalFrom, ll.DefaultEvalFrom))
}

// startNoticeFlow waits for a message forwarded from the notice chat.
func (c *call) startNoticeFlow() []ll.Reply {
	if _, err := c.startFlow(flowNotice, "fwd", map[string]string{"c": c.scope.Community.ID}); err != nil {
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
	if sc.Community.ID != f.Data["c"] {
		return c.abandonFlow(ll.ErrStale)
	}
	chat := c.req.ForwardedFromChat
	if chat == 0 {
		n, ok := app.ParseChatID(c.req.Text)
		if !ok || n == 0 {
			return c.say("notice.ask")
		}
		chat = n
	}
	comm, err := c.h.app.Settings.Set(c.ctx, sc, app.SettingNotice, strconv.FormatInt(chat, 10))
	if err != nil {
		return c.fail(err, "")
	}
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end notice flow", "user", c.req.UserID, "err", err)
	}
	return text(c.t("settings.saved") + "\n\n" + c.settingsCard(comm))
}
