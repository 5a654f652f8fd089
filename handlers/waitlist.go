package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Waitlists and confirm-or-release (SPEC section 10): a sign-up on a full
// activity offers [Join the waitlist]; a freed seat is offered to the first
// waiting with [Take the seat] / [Pass]; the 24-hour reminder carries
// [✅ I'll come] / [❌ Can't come]. The rules are app.Waitlist's; this file
// words them and tells the members a seat was offered to.

// confirmOffset: an activity reminder this long or longer before the start
// carries [✅ I'll come] / [❌ Can't come] (the 24-hour one by default).
const confirmOffset = 24 * time.Hour

// offerOutbox is the outbox that takes seat offers: *storage.Store. With
// one, an offer's message is queued by its id (ll.Offer.MessageID), so the
// scheduler's sweep, a retry or another replica never sends it twice;
// without one (the demo, the console) it is a reply to its recipient.
type offerOutbox interface {
	Enqueue(ctx context.Context, msgs ...ll.OutMessage) (added int, err error)
}

// signUpResult words what a sign-up did: the card when signed up, the
// waitlist's button when full.
func (c *call) signUpResult(r app.SignUpResult) []ll.Reply {
	a := r.Activity
	switch r.Outcome {
	case ll.AlreadySignedUp:
		return c.say("signup.already", a.ID, a.Title)
	case ll.Full:
		msg := c.t("waitlist.full", a.ID, a.Title, rawHTML(c.signupsText(a)))
		if a.Capacity > 0 && a.Signups < a.Capacity {
			msg = c.t("waitlist.full_owed", a.ID, a.Title, rawHTML(c.signupsText(a)), r.Owed)
		}
		return text(msg,
			[]ll.Button{{Text: c.label("button.waitlist", a.ID), Data: callback{kind: cbWaitJoin, id: a.ID}.encode()}})
	case ll.Waitlisted:
		return text(c.t("waitlist.on", a.ID, a.Title, r.Position, ll.OfferWindow.Hours()),
			[]ll.Button{{Text: c.label("button.leave_waitlist", a.ID), Data: callback{kind: cbWithdraw, id: a.ID}.encode()}})
	case ll.SeatOffered:
		return text(c.t("waitlist.offered_yours", a.ID, a.Title), c.offerButtons(a.ID))
	}
	comm, err := c.h.store.Community(c.ctx, a.Community)
	if err != nil {
		return c.fail(err, "")
	}
	card, err := c.activityCard(a, comm, false)
	if err != nil {
		return c.fail(err, "")
	}
	return text(c.t("signup.done", a.ID) + "\n\n" + card + "\n\n" + c.t("signup.hint", a.ID))
}

// cmdWaitlist joins the waitlist of the activity in the arguments.
func (c *call) cmdWaitlist() []ll.Reply {
	id, err := activityArg(c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	return c.joinWaitlist(id)
}

// joinWaitlist puts the member on activity id's waitlist ([Join the waitlist]).
func (c *call) joinWaitlist(id string) []ll.Reply {
	r, err := c.h.app.Waitlist.Join(c.ctx, c.actor(), id)
	if err != nil {
		return c.fail(err, id)
	}
	return c.signUpResult(r)
}

// cmdTake takes the seat of the activity in the arguments offered to the member.
func (c *call) cmdTake() []ll.Reply {
	if ll.NormalizeID('N', c.req.Args) != "" {
		return c.cmdTakeNeed() // /take N4: a need (needs.go)
	}
	id, err := activityArg(c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	return c.takeSeat(id)
}

// takeSeat is [Take the seat]: the seat offered to the member becomes
// their sign-up, or the refusal says the offer is gone.
func (c *call) takeSeat(id string) []ll.Reply {
	r, err := c.h.app.Waitlist.Take(c.ctx, c.actor(), id)
	told := c.tellOffers(r.Offers, r.Activity)
	if err != nil {
		return append(c.fail(err, id), told...)
	}
	if r.Outcome == ll.AlreadySignedUp {
		return append(c.say("signup.already", r.Activity.ID, r.Activity.Title), told...)
	}
	return append(text(c.t("waitlist.taken", r.Activity.ID, r.Activity.Title, rawHTML(c.signupsText(r.Activity)))+
		"\n\n"+c.t("signup.hint", r.Activity.ID)), told...)
}

// release words what Leave or CantCome did and tells the members a seat
// was offered to.
func (c *call) release(id string, cantCome bool) []ll.Reply {
	var (
		r   app.ReleaseResult
		err error
	)
	if cantCome {
		r, err = c.h.app.Waitlist.CantCome(c.ctx, c.actor(), id)
	} else {
		r, err = c.h.app.Waitlist.Leave(c.ctx, c.actor(), id)
	}
	if err != nil {
		return c.fail(err, id)
	}
	var rs []ll.Reply
	switch r.Step.Status {
	case ll.StepWithdrew:
		if cantCome {
			rs = c.say("confirm.cant_come", id)
		} else {
			rs = c.say("withdraw.done", id)
		}
	case ll.StepPassed:
		rs = c.say("waitlist.passed", id)
	case ll.StepLeft:
		rs = c.say("waitlist.left", id)
	default:
		rs = c.say("withdraw.none", id)
	}
	return append(rs, c.tellOffers(r.Step.Offers, r.Activity)...)
}

// confirmComing is [✅ I'll come].
func (c *call) confirmComing(id string) []ll.Reply {
	a, _, err := c.h.app.Waitlist.Confirm(c.ctx, c.actor(), id)
	if err != nil {
		return c.fail(err, id)
	}
	return c.say("confirm.coming", a.ID, a.Title)
}

// offerButtons are the buttons of a seat offer.
func (c *call) offerButtons(id string) []ll.Button {
	return []ll.Button{
		{Text: c.label("button.take_seat", id), Data: callback{kind: cbTakeSeat, id: id}.encode()},
		{Text: c.label("button.pass_seat"), Data: callback{kind: cbPassSeat, id: id}.encode()},
	}
}

// tellOffers tells the members the seats of activity a were offered to:
// queued in the outbox by the offer's id when there is one (no reply then),
// else as replies to them. A failure to queue is logged: the scheduler's
// sweep queues every live offer again, under the same id.
func (c *call) tellOffers(offers []ll.Offer, a ll.Activity) []ll.Reply {
	if len(offers) == 0 {
		return nil
	}
	comm, err := c.h.store.Community(c.ctx, offers[0].Community)
	if err != nil {
		c.h.log.Warn("seat offers: community", "community", offers[0].Community, "err", err)
		return nil
	}
	var (
		rs   []ll.Reply
		msgs []ll.OutMessage
	)
	for _, o := range offers {
		if o.TelegramID == 0 || o.Activity != a.ID {
			continue // no chat; or another activity (the sweep tells them)
		}
		lang := o.Language
		if !ll.ValidLanguage(lang) {
			lang = memberLanguage(ll.Member{}, comm, c.h.cfg.DefaultLanguage)
		}
		r := Texts{}.SeatOffer(lang, comm, a, o)
		msgs = append(msgs, o.Message(r))
		r.ChatID, r.ToLabel = o.TelegramID, o.Member
		rs = append(rs, r)
	}
	ob, ok := c.h.cfg.Outbox.(offerOutbox)
	if !ok || len(msgs) == 0 {
		return rs
	}
	if _, err := ob.Enqueue(c.ctx, msgs...); err != nil {
		c.h.log.Warn("seat offers: enqueue; the sweep retries", "activity", a.ID, "err", err)
	}
	return nil
}

// SeatOffer tells a member on the waitlist that a seat of activity a is
// theirs if they take it before o.Expires, with [Take the seat] / [Pass].
func (Texts) SeatOffer(lang string, c ll.Community, a ll.Activity, o ll.Offer) ll.Reply {
	k := writer(lang)
	loc := c.Location()
	var b strings.Builder
	b.WriteString(k.t("waitlist.offer", a.ID, a.Title))
	b.WriteString("\n🕘 " + whenText(a, loc))
	if a.Place != "" {
		b.WriteString(" · 📍 " + escape(a.Place))
	}
	b.WriteString("\n\n" + k.t("waitlist.offer_until", o.Expires.In(loc).Format("01-02 15:04")))
	return ll.Reply{Text: b.String(), Buttons: [][]ll.Button{k.offerButtons(a.ID)}}
}

// confirmButtons are the buttons of the 24-hour reminder.
func (c *call) confirmButtons(id string) []ll.Button {
	return []ll.Button{
		{Text: c.label("button.coming"), Data: callback{kind: cbComing, id: id}.encode()},
		{Text: c.label("button.cant_come"), Data: callback{kind: cbCantCome, id: id}.encode()},
	}
}

// noShowLine is the member card's count of no-shows, "" when none or when
// it cannot be read (logged).
func (c *call) noShowLine(memberID string) string {
	n, err := c.h.app.Waitlist.NoShows(c.ctx, c.scope, memberID)
	if err != nil {
		c.h.log.Warn("no-shows", "member", memberID, "err", err)
		return ""
	}
	return "\n" + c.t("member.noshows", n)
}

// rosterWaitlist are the roster's lines about confirmations, the waitlist
// and the seats offered now. mark gives the suffix of a member signed up.
func (c *call) rosterWaitlist(id string, names memberIndex, loc *time.Location) (mark func(string) string, lines []string, err error) {
	w, err := c.h.app.Waitlist.State(c.ctx, c.scope, id)
	if err != nil {
		return nil, nil, err
	}
	mark = func(mid string) string {
		if at, ok := w.Confirmed[mid]; ok {
			return " · " + c.t("roster.confirmed", at.In(loc).Format("01-02 15:04"))
		}
		return ""
	}
	if len(w.Waiting) == 0 && len(w.Offers) == 0 {
		return mark, nil, nil
	}
	lines = append(lines, "", c.t("roster.waitlist", len(w.Waiting)))
	for _, o := range w.Offers {
		lines = append(lines, escape(names.display(o.Member))+" · "+c.t("roster.offered", o.Expires.In(loc).Format("01-02 15:04")))
	}
	for i, mid := range w.Waiting {
		lines = append(lines, c.t("roster.waiting", i+1, names.display(mid)))
	}
	return mark, lines, nil
}

// waitlistPress answers the waitlist's and the reminder's buttons, for the
// presser's own membership as stored now.
func (c *call) waitlistPress(cb callback) []ll.Reply {
	if !c.hasMembership() {
		c.public = true
		return c.toastErr(ll.ErrNotMember, "")
	}
	var rs []ll.Reply
	switch cb.kind {
	case cbWaitJoin:
		rs = c.joinWaitlist(cb.id)
	case cbTakeSeat:
		rs = c.takeSeat(cb.id)
	case cbPassSeat:
		rs = c.release(cb.id, false)
	case cbComing:
		rs = c.confirmComing(cb.id)
	default:
		rs = c.release(cb.id, true)
	}
	return withToast(rs)
}

// waitingFor is who waits for a seat of activity id, or holds an offer of
// one, for a cancellation to tell; nil when it cannot be read (logged).
func (c *call) waitingFor(id string) []string {
	w, err := c.h.app.Waitlist.State(c.ctx, c.scope, id)
	if err != nil {
		if !errors.Is(err, ll.ErrNotFound) {
			c.h.log.Warn("waitlist before a cancellation", "activity", id, "err", err)
		}
		return nil
	}
	ids := make([]string, 0, len(w.Offers)+len(w.Waiting))
	for _, o := range w.Offers {
		ids = append(ids, o.Member)
	}
	return append(ids, w.Waiting...)
}

// tellWaiting tells the members who waited for a seat of the cancelled
// activity a.
func (c *call) tellWaiting(a ll.Activity, ids []string, reason string) []ll.Reply {
	if len(ids) == 0 {
		return nil
	}
	loc := c.scope.Community.Location()
	told, err := c.tellMembers(c.scope.Community, ids, func(lang string) string {
		msg := tr(lang, "waitlist.cancel_told", a.ID, a.Title, whenText(a, loc))
		if reason != "" {
			msg += "\n" + tr(lang, "activity.reason", reason)
		}
		return msg
	})
	if err != nil {
		c.h.log.Warn("tell the waitlist of a cancellation", "activity", a.ID, "err", err)
	}
	return told
}
