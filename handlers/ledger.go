package handlers

import (
	"errors"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/record"
)

// The ledger on a member's card, and the committee's corrections: a manual
// participation (/attend) and voiding a wrong one (/void). Both are audited
// by the Store in the same step as the change, and both show in the
// member's entries, voided ones marked with who voided them and why.

// lastEntries is how many entries /me shows.
const lastEntries = 5

// cardLedger is the ledger part of a member's card: this year's
// participations against the minimum, posts against the post minimum,
// compliant or not, how this year's participations were verified (SPEC
// section 9), days left in the year (all in the community's zone), and the
// last entries, each with its method.
func (c *call) cardLedger(cd ll.Card) string {
	today := c.now.In(cd.Community.Location())
	var b strings.Builder
	b.WriteString("\n" + c.standingLine(c.standingFrom(cd.Participations, cd.Claims, cd.Community, today.Year())))
	if by := record.CountMethods(cd.Participations, today.Year()); by.Total() > 0 {
		b.WriteString("\n" + c.t("card.methods", by.Strong(), by.Total(), rawHTML(c.methodCounts(by))))
	}
	b.WriteString("\n" + c.t("card.days_left", today.Year(), daysLeft(today)))
	ps := cd.Participations
	if len(ps) == 0 {
		b.WriteString("\n" + c.t("card.no_entries"))
		return b.String()
	}
	last := ps[max(0, len(ps)-lastEntries):]
	b.WriteString("\n" + c.t("card.last_entries", len(last)))
	for i := len(last) - 1; i >= 0; i-- {
		b.WriteString("\n• " + c.entryLine(last[i]))
	}
	return b.String()
}

// entryLine is one participation: date, reference, title, how it was
// verified (marked ✓ when strongly) and by whom, the note, and for a voided
// one who voided it and why.
func (c *call) entryLine(p ll.Participation) string {
	line := p.Date + " · <b>" + escape(p.Ref) + "</b> " + escape(truncate(p.Title, 60)) + " · " + c.methodLabel(p.Method)
	if p.VerifiedBy != "" {
		line += " " + c.t("entry.by", p.VerifiedBy)
	}
	if p.Note != "" {
		line += " — " + escape(truncate(p.Note, 60))
	}
	if p.Voided {
		line = "✖ " + line + " · " + c.t("entry.voided", or(p.VoidedBy, "—"), truncate(p.VoidReason, 80))
	}
	return line
}

// methodName names a participation method (SPEC section 9) in the caller's
// language; a method it does not know is shown as recorded.
func (c *call) methodName(method string) string {
	switch method {
	case ll.MethodRotating, ll.MethodCode, ll.MethodLocation, ll.MethodScan,
		ll.MethodApproval, ll.MethodConfirmed, ll.MethodManual:
		return c.t("method." + method)
	}
	return escape(method)
}

// strongMark marks evidence that cannot be forwarded or entered alone
// (ll.StrongMethod); weak evidence goes unmarked.
const strongMark = "✓"

// methodLabel is methodName, marked with strongMark when the method is strong.
func (c *call) methodLabel(method string) string {
	if ll.StrongMethod(method) {
		return strongMark + " " + c.methodName(method)
	}
	return c.methodName(method)
}

// methodCounts is a breakdown's methods in use, in record.Methods order,
// each labelled and counted: "✓ rotating code 2 · code 1".
func (c *call) methodCounts(by record.Breakdown) string {
	var parts []string
	for _, mc := range by.Listed() {
		if mc.Count > 0 {
			parts = append(parts, c.methodLabel(mc.Method)+" "+strconv.Itoa(mc.Count))
		}
	}
	return strings.Join(parts, " · ")
}

// yearEntries lists all of a member's entries of the current year for the
// committee (from their card), split over several messages when long.
func (c *call) yearEntries(cd ll.Card) []ll.Reply {
	m := cd.Member
	year := c.now.In(cd.Community.Location()).Year()
	var lines []string
	for _, p := range cd.Participations {
		if p.Year() == year {
			lines = append(lines, "• "+c.entryLine(p))
		}
	}
	if len(lines) == 0 {
		return c.say("entries.none", m.ID, year)
	}
	var rs []ll.Reply
	for _, chunk := range chunks(c.t("entries.title", m.ID, year, len(lines)), lines) {
		rs = append(rs, ll.Reply{Text: chunk})
	}
	return rs
}

// attend records a manual participation: "/attend A7 M3 [note]".
func (c *call) attend() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 3)
	if len(args) < 2 {
		return c.usage("attend")
	}
	id, err := activityArg(args[0])
	if err != nil {
		return c.fail(err, "")
	}
	note := ""
	if len(args) > 2 {
		note = args[2]
	}
	if err := app.CheckReason("note", note, false); err != nil {
		return c.fail(err, "")
	}
	m, err := c.h.app.Members.Resolve(c.ctx, sc, args[1])
	if err != nil {
		return c.fail(err, args[1])
	}
	a, changed, err := c.h.app.Ledger.Attend(c.ctx, sc, id, m.ID, note)
	var e *ll.Error
	if errors.As(err, &e) && e.Code == ll.ECONFLICT && e.Detail == "not_open" {
		opens, _ := a.CheckInWindow()
		return c.say("attend.not_yet", a.ID, a.Title, opens.In(sc.Community.Location()).Format("2006-01-02 15:04"))
	}
	if err != nil {
		return c.fail(err, id)
	}
	if !changed {
		return c.say("attend.already", m.DisplayName(), a.ID, a.Title)
	}
	rs := c.say("attend.done", m.DisplayName(), a.ID, a.Title)
	loc := sc.Community.Location()
	told, err := c.tellMembers(sc.Community, []string{m.ID}, func(lang string) string {
		return tr(lang, "attend.told", a.ID, a.Title, whenText(a, loc))
	})
	if err != nil {
		c.h.log.Warn("tell an attended member", "member", m.ID, "err", err)
	}
	return append(rs, told...)
}

// void voids a member's participation for an activity or a service record:
// "/void A7 M3 <reason>".
func (c *call) void() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 3)
	if len(args) < 3 {
		return c.usage("void")
	}
	ref := ll.NormalizeID('A', args[0])
	if ref == "" {
		ref = ll.NormalizeID('S', args[0])
	}
	if ref == "" {
		return c.fail(ll.Invalid("ref", "not an activity or service id"), "")
	}
	reason := args[2]
	if err := app.CheckReason("reason", reason, true); err != nil {
		return c.fail(err, "")
	}
	m, err := c.h.app.Members.Resolve(c.ctx, sc, args[1])
	if err != nil {
		return c.fail(err, args[1])
	}
	err = c.h.app.Ledger.Void(c.ctx, sc, ref, m.ID, reason)
	if ll.ErrorCode(err) == ll.ENOTFOUND && ll.ErrorDetail(err) == "participation" {
		return c.say("void.none", m.DisplayName(), ref)
	}
	if err != nil {
		return c.fail(err, ref)
	}
	rs := c.say("void.done", m.DisplayName(), ref, reason)
	told, err := c.tellMembers(sc.Community, []string{m.ID}, func(lang string) string {
		return tr(lang, "void.told", ref, reason)
	})
	if err != nil {
		c.h.log.Warn("tell a voided member", "member", m.ID, "err", err)
	}
	return append(rs, told...)
}
