package handlers

import (
	"errors"
	"math"
	"strings"
	"unicode"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Check-in (SPEC section 2): the activity's code while check-in is open
// (from 30 minutes before the start to 2 hours after the end), or a live
// location within the activity's radius in that window. A dropped pin or a
// forwarded location never counts. app.CheckIns decides (the activity a live
// location is at, the radius, pins and forwards); the Store makes the
// check-in atomic and once-only and counts wrong codes; the handlers say why
// a check-in is refused.

// flowCheckIn is the guided /checkin: one step, "code", answered with a code
// or a live location.
const flowCheckIn = "ci"

// WrongCodeCounter is implemented by a LedgerStore that can tell how many
// wrong check-in codes a member may still send in the current hour. When the
// store implements it, a refused code says how many tries are left;
// otherwise it names the limit (app.CheckIns.WrongCodesLeft asks it).
type WrongCodeCounter = app.WrongCodeCounter

// cmdCheckIn checks in with the code in the arguments; without one it
// starts the guided check-in.
func (c *call) cmdCheckIn() []ll.Reply {
	if c.req.Args == "" {
		return c.startCheckInFlow()
	}
	rs, _ := c.checkInCode(c.req.Args)
	return rs
}

// checkInStart answers the ci_<code> deep link of an activity's QR code.
func (c *call) checkInStart(code string) []ll.Reply {
	if !c.hasMembership() {
		return c.say("checkin.register_first")
	}
	rs, _ := c.checkInCode(code)
	return rs
}

// normalizeCode keeps the digits of a typed code (full-width digits too,
// spaces dropped); ok is false for anything else.
func normalizeCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case unicode.IsSpace(r) || r == '-':
		default:
			return "", false
		}
	}
	code := b.String()
	if len(code) < 4 || len(code) > 10 {
		return "", false
	}
	return code, true
}

// checkInCode checks the member in with a code. done is true when the member
// is checked in (now or before).
func (c *call) checkInCode(typed string) (rs []ll.Reply, done bool) {
	code, ok := normalizeCode(typed)
	if !ok {
		return c.say("checkin.bad_code"), false
	}
	a, changed, st, err := c.h.app.CheckIns.ByCode(c.ctx, c.actor(), code)
	if c.stalePointer(err) {
		return c.notMember(), false
	}
	if err != nil {
		return c.checkInRefused(err, a, code), false
	}
	method := ll.MethodCode
	if a.CheckInMode() == ll.CheckInRotating {
		method = ll.MethodRotating
	}
	return c.checkedIn(a, changed, st, method, -1), true
}

// checkedIn answers a check-in that the Store recorded (changed) or had
// recorded before; a new one shows st, the member's standing for the year
// that the Store read in the same step.
func (c *call) checkedIn(a ll.Activity, changed bool, st ll.Standing, method string, distance int) []ll.Reply {
	if !changed {
		return c.say("checkin.already", a.ID, a.Title)
	}
	how := c.methodName(method)
	if distance >= 0 {
		how = c.t("checkin.distance", how, distance)
	}
	return text(c.t("checkin.done", a.ID, a.Title, rawHTML(how)) + "\n" + c.standingLine(st))
}

// checkInRefused says why the Store refused a check-in. a is what the Store
// returned with the error (it may be empty); code is the code tried, if any.
func (c *call) checkInRefused(err error, a ll.Activity, code string) []ll.Reply {
	var amb *ll.AmbiguousCodeError
	if errors.As(err, &amb) {
		return c.say("checkin.ambiguous", strings.Join(amb.Activities, ", "))
	}
	var e *ll.Error
	if !errors.As(err, &e) {
		return c.fail(err, "")
	}
	switch {
	case e.Code == ll.EINVALID && e.Detail == "code":
		msg := c.t("checkin.wrong_code", code)
		if left, ok := c.wrongCodesLeft(); ok && left > 0 {
			msg += "\n" + c.t("checkin.tries_left", left)
		} else if ok {
			msg += "\n" + c.t("checkin.tries_none", ll.MaxWrongCodesPerHour)
		} else {
			msg += "\n" + c.t("checkin.tries_limit", ll.MaxWrongCodesPerHour)
		}
		return text(msg)
	case e.Code == ll.EFORBIDDEN && e.Detail == "too_many_codes":
		return c.say("checkin.too_many", ll.MaxWrongCodesPerHour)
	case e.Code == ll.ECONFLICT && (e.Detail == "not_open" || e.Detail == "cancelled"):
		if a.ID == "" {
			return c.fail(err, "")
		}
		return c.windowRefusal(a)
	}
	return c.fail(err, a.ID)
}

// windowRefusal says that a is cancelled, or when its check-in opens or closed.
func (c *call) windowRefusal(a ll.Activity) []ll.Reply {
	comm, err := c.h.store.Community(c.ctx, a.Community)
	if err != nil {
		return c.fail(err, "")
	}
	loc := comm.Location()
	opens, closes := a.CheckInWindow()
	switch {
	case a.Cancelled:
		return c.say("checkin.cancelled", a.ID, a.Title)
	case c.now.Before(opens):
		return c.say("checkin.not_yet", a.ID, a.Title, opens.In(loc).Format("2006-01-02 15:04"), closes.In(loc).Format("2006-01-02 15:04"))
	}
	return c.say("checkin.closed", a.ID, a.Title, closes.In(loc).Format("2006-01-02 15:04"))
}

// wrongCodesLeft asks, when the store can tell, how many wrong codes the
// member may still send this hour.
func (c *call) wrongCodesLeft() (int, bool) {
	n, ok, err := c.h.app.CheckIns.WrongCodesLeft(c.ctx, c.actor())
	if err != nil {
		c.h.log.Warn("wrong codes left", "member", c.actor().Self().MemberID, "err", err)
		return 0, false
	}
	return n, ok
}

// onLocation answers a location sent outside any guided flow: a live
// location checks the member in; a pin or a forwarded location is refused
// with how to share a live one; so are a location less accurate than the
// activity's radius (wait for a better fix) and a position too far from
// the member's previous one to be real (ignored; app.CheckIns audits it).
//
// A later position of a live location (Location.Update) is answered only when
// it checks the member in now: Telegram sends one every few seconds, and a
// member walking towards the activity should hear once, on arrival.
func (c *call) onLocation() []ll.Reply {
	rs, done := c.checkInLocation()
	if c.req.Location.Update && !done {
		return nil
	}
	return rs
}

// checkInLocation checks the member in by the request's location. done is
// true when the member is checked in (now or before).
func (c *call) checkInLocation() (rs []ll.Reply, done bool) {
	l := c.req.Location
	if !l.Live && c.req.ReplyToMessageID != 0 && (c.isCommitteeMember() || c.admin) {
		// Most likely meant for an activity's message; the Store cannot
		// tell which activity a message showed, so point at the command.
		return c.say("activity.location_by_reply"), false
	}
	res, err := c.h.app.CheckIns.ByLocation(c.ctx, c.actor(), *l)
	a := res.Activity
	switch {
	case err == nil:
	case ll.ErrorCode(err) == ll.ENOTMEMBER && c.member == nil:
		return c.say("checkin.register_first"), false
	case ll.ErrorDetail(err) == ll.ReasonNotLive && l.Forwarded:
		return c.say("checkin.forwarded"), false
	case ll.ErrorDetail(err) == ll.ReasonNotLive:
		return c.say("checkin.pin"), false
	case ll.ErrorDetail(err) == ll.ReasonNoPlace:
		return c.say("checkin.no_place"), false
	case ll.ErrorDetail(err) == ll.ReasonTooFar:
		return c.say("checkin.too_far", a.ID, a.Title, int(res.Distance+0.5), int(a.Radius())), false
	case ll.ErrorDetail(err) == ll.ReasonInaccurate:
		return c.say("checkin.inaccurate", a.ID, a.Title, int(math.Ceil(l.Accuracy)), int(a.Radius())), false
	case ll.ErrorDetail(err) == ll.ReasonJump:
		return c.say("checkin.jump", int(res.Speed+0.5), int(app.MaxLiveSpeed)), false
	default:
		return c.checkInRefused(err, a, ""), false
	}
	if !res.Changed && l.Update {
		return nil, true // already checked in: later positions say nothing more
	}
	return c.checkedIn(a, res.Changed, res.Standing, ll.MethodLocation, int(res.Distance+0.5)), true
}

// startCheckInFlow starts the guided check-in: it explains how to share a live
// location and waits for that or a typed code. It shows no "share location"
// keyboard button on purpose: Telegram's request_location button sends a
// one-off location, which cannot be told apart from a pin dropped anywhere on
// the map, so it could never check anyone in (SPEC: only a live location counts).
func (c *call) startCheckInFlow() []ll.Reply {
	if _, err := c.startFlow(flowCheckIn, "code", map[string]string{"c": c.actor().Self().Community}); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{Text: c.t("checkin.ask") + "\n" + c.t("flow.cancel_hint")}}
}

// checkInFlowText takes a code or a location in the guided check-in. A
// refusal keeps the flow for another try.
func (c *call) checkInFlowText(f *ll.Flow) []ll.Reply {
	if !c.hasMembership() || c.actor().Self().Community != f.Data["c"] {
		return c.abandonFlow(ll.ErrNotMember)
	}
	var (
		rs   []ll.Reply
		done bool
	)
	switch {
	case c.req.Location != nil:
		rs, done = c.checkInLocation()
	case strings.TrimSpace(c.req.Text) != "":
		rs, done = c.checkInCode(c.req.Text)
	default:
		rs = c.say("checkin.ask")
	}
	if !done {
		if c.req.Location != nil && c.req.Location.Update {
			return nil // a live position still out of reach: keep waiting quietly
		}
		return rs
	}
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end check-in flow", "user", c.req.UserID, "err", err)
	}
	rs[0].RemoveKeyboard = true
	return rs
}

// standing is the member's standing for year: participations that count,
// and posts held at the year's end (now, for the current year).
func (c *call) standing(m ll.Member, comm ll.Community, year int) (ll.Standing, error) {
	sc, err := c.committee()
	if err != nil {
		return ll.Standing{}, err
	}
	ps, claims, err := c.h.app.Lookups.Standing(c.ctx, sc, m, year)
	if err != nil {
		return ll.Standing{}, err
	}
	return c.standingFrom(ps, claims, comm, year), nil
}

// standingFrom is a member's standing for year from their participations
// and claims: posts held at the year's end (now, for the current year).
func (c *call) standingFrom(ps []ll.Participation, claims []ll.Claim, comm ll.Community, year int) ll.Standing {
	at := ll.YearEnd(year, comm.Location())
	if c.now.Before(at) {
		at = c.now
	}
	return ll.ComputeStanding(ps, year, ll.PostsHeldAt(claims, at), comm)
}

// standingLine is "2026: 1/2 participations · posts 1/1 · not yet compliant"
// in the caller's language.
func (c *call) standingLine(s ll.Standing) string {
	return standingLineIn(c.lang, s)
}

// standingLineIn is standingLine in lang, for messages to someone else.
func standingLineIn(lang string, s ll.Standing) string {
	verdict := tr(lang, "standing.compliant")
	if !s.Compliant {
		verdict = tr(lang, "standing.not_compliant")
	}
	return tr(lang, "standing.line", s.Year, s.Total, s.Minimum, s.Posts, s.PostMinimum, rawHTML(verdict))
}
