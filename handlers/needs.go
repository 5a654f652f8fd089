package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Needs (SPEC section 10): a resident asks through the need link or /need
// (a guided flow that works for someone who is no member), the committee
// publishes or declines from /needs, members take a need with one tap, the
// taker says /done and the asker confirms. app.Needs owns the rules; these
// handlers word the answers, carry the buttons and tell the other side.
//
// What a resident typed is escaped wherever it is shown, and only ever sent
// to private chats: the asker's, the committee's and the members'.

// The intake flow: "text", then "extra" (a photo, a location or [Skip]).
const (
	flowNeed        = "need"
	flowNeedDecline = "ndecl" // one step, "reason", after the board's [Decline]
	stepNeedText    = "text"
	stepNeedExtra   = "extra"
)

// Callback kinds of needs (documented in callbacks.go).
const (
	cbNeedTake    = "nt" // nt:<community>:N4 (or nt:N4: the presser's own community) take N4 (a member of its community; any message that carries it)
	cbNeedPublish = "np" // np:N4 publish N4 with the defaults (committee)
	cbNeedDecline = "nd" // nd:N4 decline N4: asks for the reason (committee)
	cbNeedApprove = "na" // na:N4 approve N4 awaiting the committee (committee)
	cbNeedSolved  = "ns" // ns:<community>:N4 the asker confirms N4 solved
	cbNeedNotYet  = "nn" // nn:<community>:N4 the asker says N4 is not solved yet
)

// listNeeds is the committee's needs board.
const listNeeds = "nb"

// needLink is the deep link residents open to ask the community for help.
func (c *call) needLink(community string) string {
	if c.h.cfg.BotUsername == "" {
		return "/start need_" + community
	}
	return "https://t.me/" + c.h.cfg.BotUsername + "?start=need_" + community
}

// needStart answers /start need_<community>: the intake flow for it.
func (c *call) needStart(community string) []ll.Reply {
	if !ll.ValidCommunityID(community) {
		return c.say("start.bad_link")
	}
	comm, err := c.h.app.Needs.OpenLink(c.ctx, c.actor(), community)
	if err != nil {
		return c.fail(err, community)
	}
	return c.startNeedFlow(comm)
}

// cmdNeed answers /need: the intake flow for the community of the need link
// the caller opened last, else their own.
func (c *call) cmdNeed() []ll.Reply {
	if !c.req.Private {
		return c.say("need.private")
	}
	comm, err := c.h.app.Needs.AskCommunity(c.ctx, c.actor())
	if ll.ErrorDetail(err) == "need_link" {
		return c.say("need.no_community")
	}
	if err != nil {
		return c.fail(err, "")
	}
	return c.startNeedFlow(comm)
}

// startNeedFlow asks for the need's text.
func (c *call) startNeedFlow(comm ll.Community) []ll.Reply {
	if _, err := c.startFlow(flowNeed, stepNeedText, map[string]string{"c": comm.ID}); err != nil {
		return c.fail(err, "")
	}
	return c.say("need.ask_text", comm.Name, ll.MaxNeedTextLen)
}

// needFlowText takes the text, then a photo or location, of the intake flow.
func (c *call) needFlowText(f *ll.Flow) []ll.Reply {
	switch f.Step {
	case stepNeedText:
		text := strings.TrimSpace(c.req.Text)
		if c.req.Location != nil || c.req.PhotoID != "" && text == "" {
			return c.say("need.text_first")
		}
		if err := app.CheckNeedText(text); err != nil {
			return c.say("need.text_invalid", ll.MaxNeedTextLen)
		}
		f.Step, f.Data["x"] = stepNeedExtra, text
		if c.req.PhotoID != "" { // a photo with the text as its caption: done in one message
			f.Data["ph"] = c.req.PhotoID
			return c.createNeed(f)
		}
		if err := c.saveFlow(f); err != nil {
			return c.fail(err, "")
		}
		return []ll.Reply{{Text: c.t("need.ask_extra"), Buttons: [][]ll.Button{{flowButton(f, c.t("button.skip"), "skip")}}}}
	case stepNeedExtra:
		switch {
		case c.req.PhotoID != "":
			f.Data["ph"] = c.req.PhotoID
		case c.req.Location != nil:
			f.Data["lat"] = strconv.FormatFloat(c.req.Location.Latitude, 'f', 6, 64)
			f.Data["lon"] = strconv.FormatFloat(c.req.Location.Longitude, 'f', 6, 64)
		case isSkip(c.req.Text):
		default:
			return []ll.Reply{{Text: c.t("need.ask_extra"), Buttons: [][]ll.Button{{flowButton(f, c.t("button.skip"), "skip")}}}}
		}
		return c.createNeed(f)
	}
	return c.abandonFlow(ll.ErrStale)
}

// needFlowPress takes [Skip] of the intake flow.
func (c *call) needFlowPress(f *ll.Flow, value string) []ll.Reply {
	if f.Step != stepNeedExtra || value != "skip" {
		return c.stale()
	}
	rs := c.createNeed(f)
	for i := range rs {
		rs[i].Edit = i == 0
	}
	return rs
}

// createNeed stores the need of the intake flow f, once whatever is
// retried (the flow's nonce is its token), and ends the flow.
func (c *call) createNeed(f *ll.Flow) []ll.Reply {
	d := app.NeedDraft{Community: f.Data["c"], Text: f.Data["x"], PhotoID: f.Data["ph"], Lang: c.lang, Token: f.Data["n"]}
	if f.Data["lat"] != "" {
		lat, _ := strconv.ParseFloat(f.Data["lat"], 64)
		lon, _ := strconv.ParseFloat(f.Data["lon"], 64)
		d.Location = &ll.GeoPoint{Latitude: lat, Longitude: lon}
	}
	n, _, err := c.h.app.Needs.Ask(c.ctx, c.actor(), d)
	if err != nil {
		if ll.ErrorCode(err) == ll.EFULL || ll.ErrorCode(err) == ll.ENOTFOUND {
			_ = c.endFlow()
		}
		return c.fail(err, "")
	}
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end need flow", "user", c.req.UserID, "err", err)
	}
	return c.say("need.created", n.ID)
}

// needStatus words a need's status.
func needStatus(lang string, n ll.Need) string {
	if n.Pending {
		return tr(lang, "need.status.pending")
	}
	return tr(lang, "need.status."+n.Status)
}

// needLine is one need on the committee's board or /pending: id, status,
// takers of helpers, due date, skills, and the text (escaped, shortened).
func needLine(lang string, n ll.Need, loc *time.Location) string {
	var b strings.Builder
	b.WriteString("<b>" + n.ID + "</b> · " + needStatus(lang, n))
	if n.Status != ll.NeedNew {
		b.WriteString(fmt.Sprintf(" · %d/%d", len(n.Takers), n.Helpers))
	}
	if !n.Due.IsZero() {
		b.WriteString(" · " + tr(lang, "need.due", n.Due.In(loc).Format(time.DateOnly)))
	}
	if len(n.Skills) > 0 {
		b.WriteString(" · " + escape(strings.Join(n.Skills, ", ")))
	}
	if n.PhotoID != "" {
		b.WriteString(" · 📷")
	}
	if n.Location != nil {
		b.WriteString(" · 📍")
	}
	b.WriteString("\n" + escape(truncate(n.Text, 300)))
	return b.String()
}

// needs answers /needs: the board, new needs first.
func (c *call) needs() []ll.Reply {
	r, err := c.needsPage(1)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{r}
}

// needsPage renders one page of the board, with [Publish] and [Decline] on
// new needs and [Approve] on those awaiting the committee.
func (c *call) needsPage(page int) (ll.Reply, error) {
	sc := c.scope
	board, err := c.h.app.Needs.Board(c.ctx, sc)
	if err != nil {
		return ll.Reply{}, err
	}
	if len(board) == 0 {
		return ll.Reply{Text: c.t("needs.none", c.needLink(sc.Community.ID))}, nil
	}
	from, to, shown, pages := pageBounds(len(board), page)
	loc := sc.Community.Location()
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(c.t("needs.title", len(board)))
	for _, n := range board[from:to] {
		b.WriteString("\n\n" + needLine(c.lang, n, loc))
		switch {
		case n.Status == ll.NeedNew:
			rows = append(rows, []ll.Button{
				{Text: c.t("button.need_publish", n.ID), Data: callback{kind: cbNeedPublish, id: n.ID}.encode()},
				{Text: c.t("button.need_decline", n.ID), Data: callback{kind: cbNeedDecline, id: n.ID}.encode()},
			})
		case n.Pending:
			rows = append(rows, []ll.Button{{Text: c.t("button.need_approve", n.ID), Data: callback{kind: cbNeedApprove, id: n.ID}.encode()}})
		}
	}
	b.WriteString("\n\n" + c.t("needs.hint"))
	b.WriteString(c.pageFooter(shown, pages))
	rows = appendRow(rows, navRow(listNeeds, shown, pages, ""))
	return ll.Reply{Text: b.String(), Buttons: rows}, nil
}

// needLinkCmd answers /needlink: the link and a QR poster to print.
func (c *call) needLinkCmd() []ll.Reply {
	sc := c.scope
	link := c.needLink(sc.Community.ID)
	rs := c.say("needlink.text", sc.Community.Name, link)
	if c.h.cfg.BotUsername == "" || c.h.render == nil {
		return append(rs, ll.Reply{Text: c.t("needlink.no_username")})
	}
	png, err := c.h.render.QRCodePNG(link, needPosterSize)
	if err != nil {
		c.h.log.Error("need link QR code", "community", sc.Community.ID, "err", err)
		return rs
	}
	return append(rs, ll.Reply{
		Text: c.t("needlink.poster", sc.Community.Name, link),
		File: &ll.File{Name: "need-" + sc.Community.ID + ".png", MIME: "image/png", Data: png, Photo: true},
	})
}

// needPosterSize is the side of the need link's QR poster, in pixels: large
// enough to print on A4 and scan from across a stairwell.
const needPosterSize = 1024

// cmdPublish answers /publish N4 [<audience>] [helpers=<n>] [due=<YYYY-MM-DD>].
func (c *call) cmdPublish() []ll.Reply {
	words := strings.Fields(c.req.Args)
	o, err := app.ParsePublishArgs(words[1:])
	if err != nil {
		return append(c.fail(err, ""), c.usage("publish")...)
	}
	o.Again = true
	return c.publishNeed(words[0], o)
}

// publishNeedDefault is the board's [Publish]: the defaults, a new need only.
func (c *call) publishNeedDefault(id string) []ll.Reply {
	return c.publishNeed(id, app.PublishOptions{})
}

// publishNeed publishes a need and queues its announcements, each with the
// take button.
func (c *call) publishNeed(id string, o app.PublishOptions) []ll.Reply {
	sc := c.scope
	loc := sc.Community.Location()
	o.Lang = c.lang
	p, err := c.h.app.Needs.Publish(c.ctx, sc, c.h.cfg.Outbox, id, o, func(m ll.Member, n ll.Need) (ll.Reply, string) {
		lang := memberLanguage(m, sc.Community, c.h.cfg.DefaultLanguage)
		return NeedAnnouncement(lang, sc.Community, n), lang
	})
	if err != nil {
		return c.fail(err, ll.NormalizeID('N', id))
	}
	n := p.Need
	rs := c.say("need.published", n.ID, len(p.Messages), p.Audience, n.Helpers, n.Due.In(loc).Format(time.DateOnly))
	if c.h.cfg.Outbox == nil {
		for i, m := range p.Recipients {
			rs = append(rs, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: p.Messages[i].Reply.Text, Buttons: p.Messages[i].Reply.Buttons})
		}
	}
	return rs
}

// NeedAnnouncement is need n's announcement to a member of comm in lang,
// as /publish and the Mini App's [Publish] send it: the community, the
// need's id, helpers wanted and due day (in the community's zone), its text
// and skills (escaped), and the take button (NeedTakeButton), whose press
// does the same on any message that carries it.
func NeedAnnouncement(lang string, comm ll.Community, n ll.Need) ll.Reply {
	header := tr(lang, "need.announce", comm.Name, n.ID, n.Helpers, n.Due.In(comm.Location()).Format(time.DateOnly))
	text := header + "\n\n" + escape(n.Text)
	if len(n.Skills) > 0 {
		text += "\n" + tr(lang, "need.skills", strings.Join(n.Skills, ", ")) // tr escapes it
	}
	return ll.Reply{Text: text, Buttons: [][]ll.Button{{NeedTakeButton(lang, n.Community, n.ID)}}}
}

// NeedTakeButton is the [我来 I'll take it] button of need id of
// community, for any message that should carry it (an announcement, a
// broadcast that acts): "nt:<community>:<id>", so that a member of another
// community pressing it (a message kept from before a move) takes nothing.
func NeedTakeButton(lang, community, id string) ll.Button {
	return ll.Button{Text: tr(lang, "button.need_take"), Data: callback{kind: cbNeedTake, who: community, id: id}.encode()}
}

// needTakePress answers a press of a need's take button on whatever message
// carries it: one store step takes it (helpers wanted is a capacity, a
// double tap takes once and answers the same), the presser's own message
// is edited to show the result and the count, and the asker is told, by the
// helper's name and unit only, that help is coming.
func (c *call) needTakePress(community, id string) []ll.Reply {
	if !c.hasMembership() {
		c.public = true
		return c.toastErr(ll.ErrNotMember, "")
	}
	line, took, tell, err := c.takeNeed(community, id)
	switch {
	case c.stalePointer(err):
		return c.notMember()
	case err != nil:
		return c.toastErr(err, id)
	}
	text := line
	if took {
		text += "\n" + c.t("need.yours_hint", id)
	}
	return append([]ll.Reply{{Text: text, Edit: true, CallbackAnswer: plain(line)}}, tell...)
}

// takeNeed takes need id (of community, "" for the caller's own) for the
// caller through app.Needs.Take and words the outcome for any message that
// carries a take button (an announcement, a broadcast that acts): line is
// "✅ N4 is yours (1/2)" or "N4 is already taken (2/2)", took whether the
// caller holds it now, tell the message to the asker on a first take (the
// helper's name and unit only). err is any other refusal, unworded.
func (c *call) takeNeed(community, id string) (line string, took bool, tell []ll.Reply, err error) {
	r, err := c.h.app.Needs.Take(c.ctx, c.actor(), community, id)
	switch {
	case ll.ErrorDetail(err) == ll.ReasonNeedTaken:
		return c.t("need.already_taken", id, r.Takers, r.Helpers), false, nil, nil
	case err != nil:
		return "", false, nil, err
	}
	line = c.t("need.yours", id, r.Takers, r.Helpers)
	if r.Changed && r.Asker != 0 {
		lang := r.AskerLang
		if !ll.ValidLanguage(lang) {
			lang = c.h.cfg.DefaultLanguage
		}
		unit := r.TakerUnit
		if unit == "" {
			unit = "—"
		}
		tell = append(tell, ll.Reply{ChatID: r.Asker, ToLabel: tr(lang, "need.asker_label", id),
			Text: tr(lang, "need.help_coming", id, or(r.TakerName, "—"), unit, r.Takers, r.Helpers)})
	}
	return line, true, tell, nil
}

// cmdDecline answers /decline N4 <reason>.
func (c *call) cmdDecline() []ll.Reply {
	args := splitArgs(c.req.Args, 2)
	if len(args) < 2 {
		return c.usage("decline")
	}
	return c.declineNeed(args[0], args[1])
}

// declineNeed declines a need and tells its asker why.
func (c *call) declineNeed(id, reason string) []ll.Reply {
	n, changed, err := c.h.app.Needs.Decline(c.ctx, c.scope, id, reason)
	if err != nil {
		return c.fail(err, ll.NormalizeID('N', id))
	}
	if !changed {
		return c.say("need.declined_already", n.ID)
	}
	rs := c.say("need.declined", n.ID)
	if n.AskerID == 0 { // the asker was forgotten
		return rs
	}
	return append(rs, c.toAsker(n, "need.declined_told", n.ID, n.Reason))
}

// toAsker is a message to n's asker in their language.
func (c *call) toAsker(n ll.Need, id string, args ...any) ll.Reply {
	lang := n.AskerLang
	if !ll.ValidLanguage(lang) {
		lang = c.h.cfg.DefaultLanguage
	}
	return ll.Reply{ChatID: n.AskerID, ToLabel: tr(lang, "need.asker_label", n.ID), Text: tr(lang, id, args...)}
}

// startNeedDecline asks for the reason after the board's [Decline].
func (c *call) startNeedDecline(id string) []ll.Reply {
	sc := c.scope
	n, err := c.h.app.Needs.Get(c.ctx, sc, id)
	if err != nil {
		return c.toastErr(err, id)
	}
	if _, err := c.startFlow(flowNeedDecline, "reason", map[string]string{"c": sc.Community.ID, "s": n.ID}); err != nil {
		return c.toastErr(err, "")
	}
	return []ll.Reply{{Text: c.t("need.decline_ask", n.ID) + "\n" + c.t("flow.cancel_hint"), CallbackAnswer: "✎"}}
}

// needDeclineText takes the reason of [Decline].
func (c *call) needDeclineText(f *ll.Flow) []ll.Reply {
	if err := c.flowScope(f); err != nil {
		return c.abandonFlow(err)
	}
	reason := strings.TrimSpace(c.req.Text)
	if err := ll.CheckText("reason", reason, app.MaxDecisionReasonLen, true); err != nil {
		return append(c.fail(err, ""), ll.Reply{Text: c.t("need.decline_ask", f.Data["s"])})
	}
	if err := c.endFlow(); err != nil {
		return c.fail(err, "")
	}
	return c.declineNeed(f.Data["s"], reason)
}

// cmdDone answers /done N4 [note], sent alone or as the caption of a photo:
// the asker is asked to confirm, or the committee when the asker cannot be.
func (c *call) cmdDone() []ll.Reply {
	args := splitArgs(c.req.Args, 2)
	note := ""
	if len(args) > 1 {
		note = args[1]
	}
	res, err := c.h.app.Needs.Done(c.ctx, c.actor(), args[0], note)
	if err != nil {
		return c.fail(err, ll.NormalizeID('N', args[0]))
	}
	n := res.Need
	if !res.Changed {
		return c.say("need.done_already", n.ID)
	}
	if res.Committee {
		rs := c.say("need.done_committee", n.ID)
		told, err := c.tellNeedCommittee(n.Community, "need.pending_told", n.ID)
		if err != nil {
			c.h.log.Warn("tell the committee of a need awaiting it", "need", n.ID, "err", err)
		}
		return append(rs, told...)
	}
	rs := c.say("need.done_asked", n.ID)
	lang := n.AskerLang
	if !ll.ValidLanguage(lang) {
		lang = c.h.cfg.DefaultLanguage
	}
	var taker ll.Member
	if m, err := c.self(); err == nil {
		taker = *m
	}
	ask := NeedConfirmAsk(lang, n, taker)
	if c.req.PhotoID != "" {
		ask.File = &ll.File{TelegramID: c.req.PhotoID, Photo: true, Name: "done.jpg", MIME: "image/jpeg"}
	}
	return append(rs, ask)
}

// NeedConfirmAsk is the message to need n's asker (n.AskerID) in lang
// once taker said it is done, as /done and the Mini App's [Mark done] send
// it: who did it (the taker's name and unit only, escaped; "—" for a taker
// not known), the note, and the [✅ Solved] / [❌ Not yet] buttons
// ("ns:<community>:<id>", "nn:<community>:<id>").
func NeedConfirmAsk(lang string, n ll.Need, taker ll.Member) ll.Reply {
	who := "—"
	if taker.ID != "" {
		who = or(taker.Name, "—") + " (" + or(taker.Unit, "—") + ")"
	}
	text := tr(lang, "need.confirm_ask", n.ID, who, ll.NeedConfirmDays) // tr escapes the strings
	if n.DoneNote != "" {
		text += "\n" + tr(lang, "need.note", n.DoneNote)
	}
	return ll.Reply{ChatID: n.AskerID, ToLabel: tr(lang, "need.asker_label", n.ID), Text: text, Buttons: [][]ll.Button{{
		{Text: tr(lang, "button.need_solved"), Data: callback{kind: cbNeedSolved, who: n.Community, id: n.ID}.encode()},
		{Text: tr(lang, "button.need_not_yet"), Data: callback{kind: cbNeedNotYet, who: n.Community, id: n.ID}.encode()},
	}}}
}

// tellNeedCommittee is a message to each reachable committee member of the
// community (but the caller), in their language.
func (c *call) tellNeedCommittee(community, id string, args ...any) ([]ll.Reply, error) {
	comm, err := c.h.store.Community(c.ctx, community)
	if err != nil {
		return nil, err
	}
	ms, err := c.h.app.Needs.Committee(c.ctx, community)
	if err != nil {
		return nil, err
	}
	var out []ll.Reply
	for _, m := range ms {
		if m.TelegramID == c.req.UserID {
			continue
		}
		lang := memberLanguage(m, comm, c.h.cfg.DefaultLanguage)
		out = append(out, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: tr(lang, id, args...)})
	}
	return out, nil
}

// needConfirmPress answers the asker's [✅ Solved] or [❌ Not yet].
func (c *call) needConfirmPress(community, id string, solved bool) []ll.Reply {
	n, changed, err := c.h.app.Needs.Confirm(c.ctx, c.actor(), community, id, solved)
	switch {
	case ll.ErrorDetail(err) == ll.ReasonSelf:
		rs := []ll.Reply{{Text: c.t("need.own_committee", id), Edit: true, CallbackAnswer: "✓"}}
		told, terr := c.tellNeedCommittee(community, "need.pending_told", id)
		if terr != nil {
			c.h.log.Warn("tell the committee of a need awaiting it", "need", id, "err", terr)
		}
		return append(rs, told...)
	case err != nil:
		return c.toastErr(err, id)
	}
	if !changed {
		return []ll.Reply{{Text: c.t("need.answered", n.ID, needStatus(c.lang, n)), Edit: true, CallbackAnswer: "✓"}}
	}
	msg := "need.thanks"
	told := "need.solved_told"
	if !solved {
		msg, told = "need.not_yet_noted", "need.not_yet_told"
	}
	rs := []ll.Reply{{Text: c.t(msg, n.ID), Edit: true, CallbackAnswer: "✓"}}
	return append(rs, c.tellTakers(n, told, n.ID)...)
}

// tellTakers is a message to each taker of n with a Telegram id, in their
// language.
func (c *call) tellTakers(n ll.Need, id string, args ...any) []ll.Reply {
	comm, err := c.h.store.Community(c.ctx, n.Community)
	if err != nil {
		c.h.log.Warn("tell the takers of a need", "need", n.ID, "err", err)
		return nil
	}
	ms, err := c.h.app.Needs.Takers(c.ctx, n)
	if err != nil {
		c.h.log.Warn("tell the takers of a need", "need", n.ID, "err", err)
	}
	var out []ll.Reply
	for _, m := range ms {
		if m.TelegramID == 0 || !m.Active() {
			continue
		}
		lang := memberLanguage(m, comm, c.h.cfg.DefaultLanguage)
		out = append(out, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: tr(lang, id, args...)})
	}
	return out
}

// pendingNeeds is the part of /pending about needs awaiting the committee,
// with [Approve] on each; ok is false when there is none.
func (c *call) pendingNeeds() (ll.Reply, bool) {
	sc := c.scope
	ns, err := c.h.app.Needs.Pending(c.ctx, sc)
	if err != nil {
		c.h.log.Warn("needs awaiting the committee", "community", sc.Community.ID, "err", err)
		return ll.Reply{}, false
	}
	if len(ns) == 0 {
		return ll.Reply{}, false
	}
	loc := sc.Community.Location()
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(c.t("needs.pending_title", len(ns)))
	for i, n := range ns {
		if i == pageSize {
			b.WriteString("\n\n" + c.t("needs.more", len(ns)-pageSize))
			break
		}
		b.WriteString("\n\n" + needLine(c.lang, n, loc))
		if n.DoneNote != "" {
			b.WriteString("\n" + c.t("need.note", truncate(n.DoneNote, 200)))
		}
		rows = append(rows, []ll.Button{{Text: c.t("button.need_approve", n.ID), Data: callback{kind: cbNeedApprove, id: n.ID}.encode()}})
	}
	return ll.Reply{Text: b.String(), Buttons: rows}, true
}

// approveNeed approves a need awaiting the committee and tells its takers
// and its asker.
func (c *call) approveNeed(id string) []ll.Reply {
	n, changed, err := c.h.app.Needs.Approve(c.ctx, c.scope, id)
	if ll.ErrorDetail(err) == ll.ReasonSelf {
		return c.say("need.own_approval", ll.NormalizeID('N', id))
	}
	if err != nil {
		return c.fail(err, ll.NormalizeID('N', id))
	}
	if !changed {
		return c.say("need.answered", n.ID, needStatus(c.lang, n))
	}
	rs := c.say("need.approved", n.ID, len(n.Takers))
	rs = append(rs, c.tellTakers(n, "need.solved_told", n.ID)...)
	if n.AskerID == 0 { // the asker was forgotten
		return rs
	}
	return append(rs, c.toAsker(n, "need.solved_asker", n.ID))
}

// cmdRelease answers /release N4: published again, the old takers told.
func (c *call) cmdRelease() []ll.Reply {
	n, old, err := c.h.app.Needs.Release(c.ctx, c.scope, strings.TrimSpace(c.req.Args))
	if err != nil {
		return c.fail(err, ll.NormalizeID('N', c.req.Args))
	}
	if len(old) == 0 {
		return c.say("need.release_none", n.ID)
	}
	rs := c.say("need.released", n.ID, len(old))
	comm := c.scope.Community
	for _, m := range old {
		if m.TelegramID == 0 || !m.Active() {
			continue
		}
		lang := memberLanguage(m, comm, c.h.cfg.DefaultLanguage)
		rs = append(rs, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: tr(lang, "need.released_told", n.ID)})
	}
	return rs
}

// cmdReply answers /reply N4 <text>: relayed between the asker and the
// takers through the bot, neither seeing the other's Telegram account.
func (c *call) cmdReply() []ll.Reply {
	args := splitArgs(c.req.Args, 2)
	if len(args) < 2 {
		return c.usage("reply")
	}
	r, err := c.h.app.Needs.Relay(c.ctx, c.actor(), args[0], args[1])
	if err != nil {
		return c.fail(err, ll.NormalizeID('N', args[0]))
	}
	n := r.Need
	text := escape(strings.TrimSpace(args[1]))
	var rs []ll.Reply
	if r.FromAsk {
		comm, err := c.h.store.Community(c.ctx, n.Community)
		if err != nil {
			return c.fail(err, "")
		}
		for _, m := range r.Takers {
			lang := memberLanguage(m, comm, c.h.cfg.DefaultLanguage)
			rs = append(rs, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: tr(lang, "need.relay_from_asker", n.ID, rawHTML(text), n.ID)})
		}
	} else {
		lang := r.Language
		if !ll.ValidLanguage(lang) {
			lang = c.h.cfg.DefaultLanguage
		}
		who := r.From.Name
		rs = append(rs, ll.Reply{ChatID: n.AskerID, ToLabel: tr(lang, "need.asker_label", n.ID),
			Text: tr(lang, "need.relay_from_taker", n.ID, or(who, "—"), rawHTML(text), n.ID)})
	}
	return append([]ll.Reply{{Text: c.t("need.relayed", n.ID, len(rs))}}, rs...)
}

// needCallback answers the needs' buttons.
func (c *call) needCallback(cb callback) []ll.Reply {
	switch cb.kind {
	case cbNeedTake:
		return c.needTakePress(cb.who, cb.id)
	case cbNeedSolved, cbNeedNotYet:
		return c.needConfirmPress(cb.who, cb.id, cb.kind == cbNeedSolved)
	}
	if _, err := c.committee(); err != nil {
		c.public = true
		return c.toastErr(err, "")
	}
	switch cb.kind {
	case cbNeedPublish:
		return withToast(c.publishNeedDefault(cb.id))
	case cbNeedDecline:
		return c.startNeedDecline(cb.id)
	case cbNeedApprove:
		return withToast(c.approveNeed(cb.id))
	}
	return c.stale()
}

// decodeNeedCallback reads the data of a needs button (after its kind).
func decodeNeedCallback(kind, rest string) (callback, bool) {
	cb := callback{kind: kind}
	if comm, id, ok := strings.Cut(rest, ":"); ok && kind == cbNeedTake {
		if !ll.ValidCommunityID(comm) || ll.NormalizeID('N', id) != id {
			return callback{}, false
		}
		cb.who, cb.id = comm, id
		return cb, true
	}
	switch kind {
	case cbNeedSolved, cbNeedNotYet:
		comm, id, ok := strings.Cut(rest, ":")
		if !ok || !ll.ValidCommunityID(comm) || ll.NormalizeID('N', id) != id {
			return callback{}, false
		}
		cb.who, cb.id = comm, id
	default:
		if ll.NormalizeID('N', rest) != rest {
			return callback{}, false
		}
		cb.id = rest
	}
	return cb, true
}

// NeedSweep words what a sweep of a community's needs claimed (see
// app.Needs.Sweep) as outbox messages: the takers' reminder the day before
// the due date, the committee's notices of overdue needs and of needs whose
// asker did not answer. Each message id names the need and the event, so a
// retry queues nothing twice. The scheduler calls it on every tick.
func (h *Handlers) NeedSweep(ctx context.Context, comm ll.Community, now time.Time) ([]ll.OutMessage, error) {
	sw, err := h.app.Needs.Sweep(ctx, comm.ID, now)
	if err != nil {
		return nil, err
	}
	var out []ll.OutMessage
	loc := comm.Location()
	for _, n := range sw.Remind {
		ms, err := h.app.Needs.Takers(ctx, n)
		if err != nil {
			return out, err
		}
		for _, m := range ms {
			if m.TelegramID == 0 || !m.Active() {
				continue
			}
			lang := memberLanguage(m, comm, h.cfg.DefaultLanguage)
			out = append(out, ll.OutMessage{ID: fmt.Sprintf("need-remind:%s:%s:%d:%s", comm.ID, n.ID, n.Due.UnixMilli(), m.ID),
				ChatID: m.TelegramID, Kind: ll.OutDirect, Community: comm.ID, Member: m.ID, Lang: lang,
				Reply: ll.Reply{Text: tr(lang, "need.remind", n.ID, n.Due.In(loc).Format(time.DateOnly), n.ID)}})
		}
	}
	for _, n := range sw.Expired {
		if n.AskerID == 0 {
			continue
		}
		lang := n.AskerLang
		if !ll.ValidLanguage(lang) {
			lang = memberLanguage(ll.Member{}, comm, h.cfg.DefaultLanguage)
		}
		out = append(out, ll.OutMessage{ID: fmt.Sprintf("need-expired:%s:%s", comm.ID, n.ID), ChatID: n.AskerID,
			Kind: ll.OutDirect, Community: comm.ID, Lang: lang,
			Reply: ll.Reply{Text: tr(lang, "need.expired_told", n.ID)}})
	}
	if len(sw.Overdue) == 0 && len(sw.Waited) == 0 {
		return out, nil
	}
	committee, err := h.app.Needs.Committee(ctx, comm.ID)
	if err != nil {
		return out, err
	}
	for _, m := range committee {
		lang := memberLanguage(m, comm, h.cfg.DefaultLanguage)
		for _, n := range sw.Overdue {
			out = append(out, ll.OutMessage{ID: fmt.Sprintf("need-overdue:%s:%s:%d:%s", comm.ID, n.ID, n.Due.UnixMilli(), m.ID),
				ChatID: m.TelegramID, Kind: ll.OutDirect, Community: comm.ID, Member: m.ID, Lang: lang,
				Reply: ll.Reply{Text: tr(lang, "need.overdue", n.ID, n.Due.In(loc).Format(time.DateOnly), n.ID)}})
		}
		for _, n := range sw.Waited {
			out = append(out, ll.OutMessage{ID: fmt.Sprintf("need-waited:%s:%s:%d:%s", comm.ID, n.ID, n.DoneAt.UnixMilli(), m.ID),
				ChatID: m.TelegramID, Kind: ll.OutDirect, Community: comm.ID, Member: m.ID, Lang: lang,
				Reply: ll.Reply{Text: tr(lang, "need.waited", n.ID, ll.NeedConfirmDays)}})
		}
	}
	return out, nil
}

// needErrorText words the refusals of needs; ok is false for any other error.
func (c *call) needErrorText(e *ll.Error, subject string) (string, bool) {
	subject = or(subject, "—")
	switch e.Detail {
	case ll.ReasonNeedLimit:
		return c.t("error.need_limit", ll.MaxOpenNeeds), true
	case ll.ReasonNeedTaken:
		return c.t("error.need_taken", subject), true
	case ll.ReasonNeedState:
		return c.t("error.need_state", subject), true
	case ll.ReasonNeedHelpers:
		return c.t("error.need_helpers", subject), true
	case ll.ReasonNotTaker:
		return c.t("error.not_taker", subject), true
	case ll.ReasonNotAsker:
		return c.t("error.not_asker", subject), true
	}
	if e.Code == ll.EINVALID {
		switch e.Detail {
		case "need":
			return c.t("invalid.need"), true
		case "helpers":
			return c.t("invalid.helpers", ll.MaxNeedHelpers), true
		case "due":
			return c.t("invalid.due", ll.MaxNeedDueDays), true
		case "arguments":
			return c.t("invalid.publish_args"), true
		}
	}
	if e.Code == ll.ENOTFOUND && e.Detail == "need" {
		return c.t("error.not_found_id", subject), true
	}
	return "", false
}

// needFiguresText words a year's needs figures with message id.
func needFiguresText(lang, id string, year int, f ll.NeedFigures) string {
	median := "—"
	if f.MedianDays >= 0 {
		median = strconv.FormatFloat(f.MedianDays, 'f', -1, 64)
	}
	return tr(lang, id, year, f.Received, f.Solved, median)
}

// needsReportLine is /report's line about the year's needs: received,
// solved, median days to solve.
func (c *call) needsReportLine(year int) string {
	sc := c.scope
	loc := sc.Community.Location()
	from := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	f, err := c.h.app.Needs.Figures(c.ctx, sc.Community.ID, from, from.AddDate(1, 0, 0))
	if err != nil {
		c.h.log.Warn("needs figures", "community", sc.Community.ID, "err", err)
		return ""
	}
	return needFiguresText(c.lang, "report.needs", year, f)
}

// cmdTakeNeed answers /take N4 (the waitlist's /take passes a need id on):
// the same as pressing the need's take button, for a member who has no
// message with it (the console, the demo).
func (c *call) cmdTakeNeed() []ll.Reply {
	rs := c.needTakePress("", strings.TrimSpace(c.req.Args))
	for i := range rs {
		rs[i].Edit, rs[i].CallbackAnswer = false, ""
	}
	return rs
}
