package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Outbox is where a broadcast goes: one message per recipient and a
// progress message, delivered later at the bot's shared rate.
// *storage.Store implements it.
type Outbox interface {
	// EnqueueBroadcast stores the broadcast and its messages; it is
	// idempotent by broadcast and message id (a double tap on [Send] adds
	// nothing). created is true for the call that created it.
	EnqueueBroadcast(ctx context.Context, b ll.Broadcast, msgs []ll.OutMessage) (created bool, added int, err error)
}

// The /broadcast flow: aud (audience buttons, or a typed audience) → text →
// ok ([Send] / [Cancel]). The pending broadcast (community, audience, text,
// and the broadcast id that makes [Send] idempotent) is kept in the flow, so
// a [Send] is honoured only by the flow's nonce and step, and only after the
// caller's committee role is checked again.
const (
	flowBroadcast  = "bcast"
	stepBcAudience = "aud"
	stepBcText     = "text"
	stepBcConfirm  = "ok"
)

// maxBroadcastLen leaves room for the header within one Telegram message.
const maxBroadcastLen = 3500

// Audience kinds (SPEC section 3).
const (
	audAll      = "all"
	audTeam     = "team"
	audBuilding = "building"
	audSkill    = "skill"
	audActivity = "activity"
	audBelow    = "below-minimum"
	audNoPost   = "no-post"
	audUnit     = "unit"
)

// audience is whom a broadcast goes to.
type audience struct {
	kind string
	arg  string // team:T2, building:19, skill:law, activity:A7, unit:<unit>
}

// String is the canonical form, as shown and audited: "team:T2".
func (a audience) String() string {
	if a.arg == "" {
		return a.kind
	}
	return a.kind + ":" + a.arg
}

// parseAudience reads all, team:<id>, building:<b>, skill:<s>,
// activity:<id>, below-minimum, no-post or unit:<unit> (also with "：" and a
// few Chinese and shorter names).
func parseAudience(s string) (audience, error) {
	s = strings.TrimSpace(strings.Replace(s, "：", ":", 1))
	kind, arg, _ := strings.Cut(s, ":")
	kind, arg = strings.ToLower(strings.TrimSpace(kind)), strings.TrimSpace(arg)
	bad := ll.Invalid("audience", "unknown audience %q", s)
	switch kind {
	case "all", "全部", "所有":
		kind = audAll
	case "below-minimum", "below", "belowminimum", "未达标":
		kind = audBelow
	case "no-post", "nopost", "未认领":
		kind = audNoPost
	case "team", "服务队":
		kind, arg = audTeam, ll.NormalizeID('T', arg)
	case "activity", "活动":
		kind, arg = audActivity, ll.NormalizeID('A', arg)
	case "building", "bldg", "楼栋":
		kind = audBuilding
	case "skill", "技能":
		kind = audSkill
	case "unit", "单位":
		kind = audUnit
	default:
		return audience{}, bad
	}
	switch kind {
	case audAll, audBelow, audNoPost:
		if arg != "" {
			return audience{}, bad
		}
	default:
		if arg == "" || utf8.RuneCountInString(arg) > ll.MaxUnitLen || strings.ContainsAny(arg, "\n\r") {
			return audience{}, bad
		}
	}
	return audience{kind: kind, arg: arg}, nil
}

// broadcast answers /broadcast: with an audience and a text it shows the
// recipient count with [Send] / [Cancel]; with less it guides.
func (c *call) broadcast() []ll.Reply {
	args := strings.TrimSpace(c.req.Args)
	if args == "" {
		return c.startBroadcastFlow()
	}
	audText, text := splitAudience(args)
	aud, err := parseAudience(audText)
	if err != nil {
		return []ll.Reply{{Text: c.t("invalid.audience") + "\n\n" + c.t("usage.broadcast")}}
	}
	if text == "" {
		f, err := c.startFlow(flowBroadcast, stepBcText, map[string]string{"c": c.scope.Community.ID, "aud": aud.String()})
		if err != nil {
			return c.fail(err, "")
		}
		return []ll.Reply{c.askBroadcastText(f)}
	}
	return c.confirmBroadcast(nil, aud, text)
}

// splitAudience splits /broadcast's arguments into the audience and the
// text. An audience with spaces is quoted (unit:"Bank of China" text) or
// ended by " | " (unit:Bank of China | text); otherwise it is the first word.
func splitAudience(args string) (aud, text string) {
	if a, t, ok := strings.Cut(args, " | "); ok {
		return strings.TrimSpace(a), strings.TrimSpace(t)
	}
	if kind, rest, ok := strings.Cut(args, ":"); ok && !strings.ContainsFunc(kind, isSpace) {
		for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}} {
			if v, ok := strings.CutPrefix(rest, q[0]); ok {
				if arg, after, ok := strings.Cut(v, q[1]); ok {
					return kind + ":" + arg, strings.TrimSpace(after)
				}
			}
		}
	}
	parts := splitArgs(args, 2)
	if len(parts) < 2 {
		return args, ""
	}
	return parts[0], parts[1]
}

// startBroadcastFlow asks for the audience.
func (c *call) startBroadcastFlow() []ll.Reply {
	f, err := c.startFlow(flowBroadcast, stepBcAudience, map[string]string{"c": c.scope.Community.ID})
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{
		Text: c.t("broadcast.ask_audience") + "\n" + c.t("flow.cancel_hint"),
		Buttons: [][]ll.Button{
			{flowButton(f, c.label("button.aud_all"), audAll)},
			{flowButton(f, c.label("button.aud_below"), audBelow)},
			{flowButton(f, c.label("button.aud_nopost"), audNoPost)},
		},
	}}
}

// askBroadcastText asks for the text of the broadcast.
func (c *call) askBroadcastText(f *ll.Flow) ll.Reply {
	return ll.Reply{Text: c.t("broadcast.ask_text", f.Data["aud"]) + "\n" + c.t("flow.cancel_hint")}
}

// checkBroadcastText validates the text to broadcast.
func (c *call) checkBroadcastText(text string) []ll.Reply {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return c.say("broadcast.no_text")
	case n > maxBroadcastLen:
		return c.say("broadcast.too_long", n, maxBroadcastLen)
	}
	if err := checkFreeText("text", text, maxBroadcastLen, true); err != nil {
		return c.fail(err, "")
	}
	return nil
}

// confirmBroadcast counts the recipients and, if there are any, keeps the
// pending broadcast in the flow f (a new one when nil) and asks to confirm.
func (c *call) confirmBroadcast(f *ll.Flow, aud audience, text string) []ll.Reply {
	text = strings.TrimSpace(text)
	if rs := c.checkBroadcastText(text); rs != nil {
		return rs
	}
	sc := c.scope
	to, skipped, err := c.recipients(sc.Community, aud)
	if err != nil {
		return c.fail(err, aud.arg)
	}
	if len(to) == 0 {
		if f != nil {
			if err := c.endFlow(); err != nil {
				return c.fail(err, "")
			}
		}
		return c.say("broadcast.nobody", aud.String(), skipped)
	}
	data := map[string]string{"c": sc.Community.ID, "aud": aud.String(), "text": text, "bid": broadcastID(sc.Community.ID)}
	if f == nil {
		if f, err = c.startFlow(flowBroadcast, stepBcConfirm, data); err != nil {
			return c.fail(err, "")
		}
	} else {
		data["n"] = f.Data["n"]
		f.Step, f.Data = stepBcConfirm, data
		if err := c.saveFlow(f); err != nil {
			return c.fail(err, "")
		}
	}
	var b strings.Builder
	b.WriteString(c.t("broadcast.confirm", aud.String(), len(to)))
	if skipped > 0 {
		b.WriteString("\n" + c.t("broadcast.skipped", skipped))
	}
	b.WriteString("\n\n" + c.t("broadcast.preview") + "\n" + c.t("broadcast.header", sc.Community.Name) + "\n" + escape(text))
	return []ll.Reply{{Text: b.String(), Buttons: [][]ll.Button{{
		flowButton(f, c.label("button.send"), "send"),
		flowButton(f, c.label("button.cancel"), "cancel"),
	}}}}
}

// broadcastID is a new broadcast id: the community and 10 random characters.
func broadcastID(community string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return community + "-" + string(b[:])
}

// broadcastText passes a typed answer to the /broadcast flow.
func (c *call) broadcastText(f *ll.Flow) []ll.Reply {
	if _, err := c.committee(); err != nil || c.scope.Community.ID != f.Data["c"] {
		return c.abandonFlow(ll.ErrForbidden)
	}
	switch f.Step {
	case stepBcAudience:
		aud, err := parseAudience(c.req.Text)
		if err != nil {
			return c.say("invalid.audience")
		}
		f.Step, f.Data["aud"] = stepBcText, aud.String()
		if err := c.saveFlow(f); err != nil {
			return c.fail(err, "")
		}
		return []ll.Reply{c.askBroadcastText(f)}
	case stepBcText:
		aud, err := parseAudience(f.Data["aud"])
		if err != nil {
			return c.abandonFlow(ll.ErrStale)
		}
		return c.confirmBroadcast(f, aud, c.req.Text)
	}
	return c.say("flow.press_button")
}

// broadcastPress takes a button of the /broadcast flow: an audience, or
// [Send] / [Cancel]. The caller's committee role is checked again now.
func (c *call) broadcastPress(f *ll.Flow, value string) []ll.Reply {
	sc, err := c.committee()
	if err != nil {
		return c.toastErr(err, "")
	}
	if sc.Community.ID != f.Data["c"] {
		return c.stale()
	}
	switch {
	case f.Step == stepBcAudience && (value == audAll || value == audBelow || value == audNoPost):
		f.Step, f.Data["aud"] = stepBcText, value
		if err := c.saveFlow(f); err != nil {
			return c.toastErr(err, "")
		}
		r := c.askBroadcastText(f)
		r.CallbackAnswer = "✓"
		return []ll.Reply{r}
	case f.Step == stepBcConfirm && value == "cancel":
		if err := c.endFlow(); err != nil {
			return c.toastErr(err, "")
		}
		return []ll.Reply{{Text: c.t("broadcast.cancelled"), Edit: true}}
	case f.Step == stepBcConfirm && value == "send":
		return c.sendBroadcast(f)
	}
	return c.stale()
}

// sendBroadcast enqueues the pending broadcast of flow f: one message per
// recipient as of now, and its progress message in the caller's chat.
func (c *call) sendBroadcast(f *ll.Flow) []ll.Reply {
	sc := c.scope
	aud, err := parseAudience(f.Data["aud"])
	if err != nil || f.Data["bid"] == "" {
		return c.abandonFlow(ll.ErrStale)
	}
	to, skipped, err := c.recipients(sc.Community, aud)
	if err != nil {
		return c.toastErr(err, aud.arg)
	}
	if len(to) == 0 {
		if err := c.endFlow(); err != nil {
			return c.toastErr(err, "")
		}
		return []ll.Reply{{Text: c.t("broadcast.nobody", aud.String(), skipped), Edit: true}}
	}
	text := f.Data["text"]
	id := f.Data["bid"]
	header := map[string]string{}
	msgs := make([]ll.OutMessage, 0, len(to))
	var direct []ll.Reply
	for _, m := range to {
		lang := memberLanguage(m, sc.Community, c.h.cfg.DefaultLanguage)
		if header[lang] == "" {
			header[lang] = tr(lang, "broadcast.header", sc.Community.Name) + "\n\n"
		}
		r := ll.Reply{Text: header[lang] + escape(text)}
		msgs = append(msgs, ll.OutMessage{ID: "bc:" + id + ":" + m.ID, ChatID: m.TelegramID, Reply: r,
			Kind: ll.OutBroadcast, Community: sc.Community.ID, Member: m.ID, Lang: lang})
		direct = append(direct, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: r.Text})
	}
	b := ll.Broadcast{ID: id, Community: sc.Community.ID, By: sc.Actor, ChatID: c.req.ChatID, Lang: c.lang,
		Audience: aud.String(), Total: len(msgs), Created: c.now}
	if c.h.cfg.Outbox != nil {
		if _, _, err := c.h.cfg.Outbox.EnqueueBroadcast(c.ctx, b, msgs); err != nil {
			return c.toastErr(err, "")
		}
	}
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end broadcast flow", "user", c.req.UserID, "err", err)
	}
	entry := sc.Audit("broadcast", id, fmt.Sprintf("%s: %d recipient(s)", aud, len(msgs)))
	if err := c.h.store.Audit(c.ctx, *entry); err != nil {
		c.h.log.Error("audit broadcast", "broadcast", id, "err", err)
	}
	rs := []ll.Reply{{Text: c.t("broadcast.sending", len(msgs), aud.String(), id), Edit: true, CallbackAnswer: "✓"}}
	if c.h.cfg.Outbox == nil {
		// Without an outbox (the demo, the console) the messages are
		// replies to their recipients, shown as "→ M3 (name): …".
		rs = append(rs, direct...)
	}
	return rs
}

// recipients returns the community's active members in the audience who can
// be reached on Telegram, and how many more are in it but cannot be.
func (c *call) recipients(comm ll.Community, aud audience) (to []ll.Member, skipped int, err error) {
	all, err := c.h.store.Members(c.ctx, comm.ID)
	if err != nil {
		return nil, 0, fmt.Errorf("members of %s: %w", comm.ID, err)
	}
	var in func(m ll.Member) bool
	switch aud.kind {
	case audAll:
		in = func(ll.Member) bool { return true }
	case audBuilding:
		in = func(m ll.Member) bool { return strings.EqualFold(strings.TrimSpace(m.Building), aud.arg) }
	case audUnit:
		in = func(m ll.Member) bool { return strings.EqualFold(strings.TrimSpace(m.Unit), aud.arg) }
	case audSkill:
		in = func(m ll.Member) bool {
			for _, s := range m.Skills {
				if strings.EqualFold(s, aud.arg) {
					return true
				}
			}
			return false
		}
	case audTeam:
		t, err := c.h.store.Team(c.ctx, comm.ID, aud.arg)
		if err != nil {
			return nil, 0, err
		}
		in = setOf(t.Members)
	case audActivity:
		if _, err := c.h.store.Activity(c.ctx, comm.ID, aud.arg); err != nil {
			return nil, 0, err
		}
		ids, err := c.h.store.SignedUp(c.ctx, comm.ID, aud.arg)
		if err != nil {
			return nil, 0, err
		}
		in = setOf(ids)
	case audBelow, audNoPost:
		st, err := c.standings(comm, all)
		if err != nil {
			return nil, 0, err
		}
		if aud.kind == audBelow {
			in = func(m ll.Member) bool { s := st[m.ID]; return s.Total < s.Minimum }
		} else {
			in = func(m ll.Member) bool { s := st[m.ID]; return s.Posts < s.PostMinimum }
		}
	default:
		return nil, 0, ll.Invalid("audience", "unknown audience")
	}
	for _, m := range all {
		if !m.Active() || !in(m) {
			continue
		}
		if m.TelegramID == 0 || m.Unreachable {
			skipped++
			continue
		}
		to = append(to, m)
	}
	return to, skipped, nil
}

// setOf is membership in a list of member ids.
func setOf(ids []string) func(ll.Member) bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return func(m ll.Member) bool { return set[m.ID] }
}

// standings computes this year's standing of every active member of comm,
// from the community's ledger in one read.
func (c *call) standings(comm ll.Community, members []ll.Member) (map[string]ll.Standing, error) {
	parts, claims, err := c.h.store.CommunityLedger(c.ctx, comm.ID)
	if err != nil {
		return nil, fmt.Errorf("ledger of %s: %w", comm.ID, err)
	}
	year := c.now.In(comm.Location()).Year()
	prefix := strconv.Itoa(year) + "-"
	byMember := map[string][]ll.Participation{}
	for _, p := range parts {
		if strings.HasPrefix(p.Date, prefix) {
			byMember[p.Member] = append(byMember[p.Member], p)
		}
	}
	claimsOf := map[string][]ll.Claim{}
	for _, cl := range claims {
		claimsOf[cl.Member] = append(claimsOf[cl.Member], cl)
	}
	out := make(map[string]ll.Standing, len(members))
	for _, m := range members {
		if m.Active() {
			out[m.ID] = ll.ComputeStanding(byMember[m.ID], year, ll.PostsHeldAt(claimsOf[m.ID], c.now), comm)
		}
	}
	return out, nil
}
