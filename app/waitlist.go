package app

import (
	"context"
	"slices"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// WaitlistStore is what Waitlist reads and writes.
type WaitlistStore interface {
	MemberReader
	// Activity returns one activity with Signups filled in; ErrNotFound if unknown.
	Activity(ctx context.Context, community, id string) (ll.Activity, error)
	// SignUp adds the member in one atomic step, never beyond capacity
	// (seats offered and seats owed to the waitlist count as taken), and
	// takes a seat offered to the member.
	SignUp(ctx context.Context, community, activityID, memberID string, now time.Time) (a ll.Activity, changed bool, err error)
	// JoinWaitlist puts the member on the activity's waitlist (Step statuses ok,
	// held, signed, offered, room, unlimited).
	JoinWaitlist(ctx context.Context, community, activityID, memberID string, now time.Time) (ll.WaitStep, error)
	// Release frees the member's sign-up, offered seat or waitlist place and
	// offers a freed seat in the same step (withdrew, passed, left, noop).
	Release(ctx context.Context, community, activityID, memberID string, now time.Time) (ll.WaitStep, error)
	// TakeSeat turns the member's live offer into a sign-up (ok, held).
	TakeSeat(ctx context.Context, community, activityID, memberID string, now time.Time) (ll.WaitStep, error)
	// Confirm records that a member signed up will come.
	Confirm(ctx context.Context, community, activityID, memberID string, now time.Time) (changed bool, err error)
	// Waitlist returns the activity's waitlist, offers and confirmations.
	Waitlist(ctx context.Context, community, activityID string) (ll.WaitlistState, error)
	// NoShows returns how many activities the member signed up for and missed.
	NoShows(ctx context.Context, community, memberID string) (int, error)
}

// Waitlist is the members' side of full activities (SPEC section 10): the
// sign-up that offers the waitlist, joining and leaving it, taking the seat
// offered, and the answers to the reminder ([✅ I'll come] / [❌ Can't
// come]); and the committee's view of it (the roster's waitlist and
// confirmations, a member's no-shows). The store makes each step in one
// script and returns the seats it offered: a front end tells those members
// (Offer.MessageID names the message, so it is queued once).
//
// A member's own steps are not audited, as sign-ups are not; the seat
// offers, their expiry and the no-shows are (action "waitlist").
type Waitlist struct {
	store WaitlistStore
}

// SignUpResult is what a press of [Sign up] did, as a value a front end
// words (a broadcast's edited message shows it: "✅ signed up — 7/10").
type SignUpResult struct {
	Outcome  ll.SignUpOutcome
	Activity ll.Activity // without its check-in code; Signups as of the step
	Position int         // the member's place on the waitlist (Waitlisted), from 1
	// Offers are the seats offered to others in the same step (to tell them).
	Offers []ll.Offer
	// Owed (Full, Waitlisted) is how many seats offers hold or members wait
	// for: a full activity may show fewer sign-ups than its capacity.
	Owed int
}

// Seats is the activity's sign-ups and capacity after the step.
func (r SignUpResult) Seats() (signups, capacity int) { return r.Activity.Signups, r.Activity.Capacity }

// SignUp signs the actor up for an activity of their community, never
// beyond its capacity: Outcome SignedUp (a seat offered to them is taken so
// too), AlreadySignedUp, or, when it is full, Full or Waitlisted (they are
// on its waitlist already, at Position) — a front end then offers [Join the
// waitlist]. Errors: ErrNotMember; ErrNotFound; ECONFLICT ReasonCancelled
// or ReasonEnded.
func (w *Waitlist) SignUp(ctx context.Context, ac Actor, id string) (SignUpResult, error) {
	m, err := self(ctx, w.store, ac)
	if err != nil {
		return SignUpResult{}, err
	}
	a, changed, err := w.store.SignUp(ctx, m.Community, id, m.ID, ac.Now)
	switch {
	case err == nil && changed:
		return SignUpResult{Outcome: ll.SignedUp, Activity: memberView(a)}, nil
	case err == nil:
		return SignUpResult{Outcome: ll.AlreadySignedUp, Activity: memberView(a)}, nil
	case ll.ErrorCode(err) != ll.EFULL:
		return SignUpResult{}, err
	}
	return w.full(ctx, *m, id)
}

// full is the result of a sign-up that found no seat: Full, or Waitlisted
// with the member's place.
func (w *Waitlist) full(ctx context.Context, m ll.Member, id string) (SignUpResult, error) {
	a, err := w.store.Activity(ctx, m.Community, id)
	if err != nil {
		return SignUpResult{}, err
	}
	st, err := w.store.Waitlist(ctx, m.Community, id)
	if err != nil {
		return SignUpResult{}, err
	}
	r := SignUpResult{Outcome: ll.Full, Activity: memberView(a), Owed: len(st.Offers) + len(st.Waiting)}
	if i := slices.Index(st.Waiting, m.ID); i >= 0 {
		r.Outcome, r.Position = ll.Waitlisted, i+1
	}
	return r, nil
}

// Join puts the actor on the waitlist of a full activity of their
// community, ordered by time; joining again changes nothing (Waitlisted,
// the same Position). When a seat is free for them after all (or the
// activity has no capacity) it signs them up instead (SignedUp); signed up
// already is AlreadySignedUp; a seat offered to them is SeatOffered (take
// it). Errors: ErrNotMember; ErrNotFound; ECONFLICT ReasonCancelled or
// ReasonEnded.
func (w *Waitlist) Join(ctx context.Context, ac Actor, id string) (SignUpResult, error) {
	m, err := self(ctx, w.store, ac)
	if err != nil {
		return SignUpResult{}, err
	}
	st, err := w.store.JoinWaitlist(ctx, m.Community, id, m.ID, ac.Now)
	if err != nil {
		return SignUpResult{}, err
	}
	switch st.Status {
	case ll.StepRoom, ll.StepUnlimited:
		return w.SignUp(ctx, ac, id)
	}
	a, err := w.store.Activity(ctx, m.Community, id)
	if err != nil {
		return SignUpResult{}, err
	}
	r := SignUpResult{Activity: memberView(a), Position: st.Position}
	switch st.Status {
	case ll.StepSigned:
		r.Outcome = ll.AlreadySignedUp
	case ll.StepOffered:
		r.Outcome = ll.SeatOffered
	default:
		r.Outcome = ll.Waitlisted
	}
	return r, nil
}

// ReleaseResult is what Leave or CantCome did: Step.Status is
// ll.StepWithdrew, StepPassed, StepLeft or StepNoop, and Step.Offers the
// seats offered to others in the same step (to tell them).
type ReleaseResult struct {
	Step     ll.WaitStep
	Activity ll.Activity // without its check-in code
}

// Leave frees what the actor holds in an activity of their community: their
// sign-up (withdrawn: the seat goes to the first waiting, in the same
// step), else the seat offered to them (passed on to the next), else their
// place on the waitlist; StepNoop when none. Errors: ErrNotMember;
// ErrNotFound.
func (w *Waitlist) Leave(ctx context.Context, ac Actor, id string) (ReleaseResult, error) {
	m, err := self(ctx, w.store, ac)
	if err != nil {
		return ReleaseResult{}, err
	}
	st, err := w.store.Release(ctx, m.Community, id, m.ID, ac.Now)
	if err != nil {
		return ReleaseResult{}, err
	}
	a, err := w.store.Activity(ctx, m.Community, id)
	if err != nil {
		return ReleaseResult{}, err
	}
	return ReleaseResult{Step: st, Activity: memberView(a)}, nil
}

// CantCome is [❌ Can't come] on the reminder: the actor's sign-up is
// withdrawn and the seat offered to the first waiting, as Leave does.
func (w *Waitlist) CantCome(ctx context.Context, ac Actor, id string) (ReleaseResult, error) {
	return w.Leave(ctx, ac, id)
}

// Take takes the seat offered to the actor: SignedUp (or AlreadySignedUp
// when signed up before), never beyond the capacity, checked with the offer
// in one step. Errors: ECONFLICT ReasonNoOffer when no seat is offered to
// them now (the offer expired or was passed on: the next member may have it,
// in the result's Offers; the error comes with the result), ReasonCancelled,
// ReasonEnded; EFULL ReasonActivity (the capacity was lowered); ErrNotMember;
// ErrNotFound.
func (w *Waitlist) Take(ctx context.Context, ac Actor, id string) (SignUpResult, error) {
	m, err := self(ctx, w.store, ac)
	if err != nil {
		return SignUpResult{}, err
	}
	st, err := w.store.TakeSeat(ctx, m.Community, id, m.ID, ac.Now)
	r := SignUpResult{Outcome: ll.SignedUp, Offers: st.Offers}
	if st.Status == ll.StepHeld {
		r.Outcome = ll.AlreadySignedUp
	}
	if err != nil && len(st.Offers) == 0 {
		return r, err
	}
	// Signed up, or refused after passing an expired offer on: the
	// activity words the result and the offers made.
	a, aerr := w.store.Activity(ctx, m.Community, id)
	if aerr == nil {
		r.Activity = memberView(a)
	}
	if err != nil {
		return r, err
	}
	return r, aerr
}

// Confirm is [✅ I'll come] on the reminder: it records that the actor,
// signed up, will come; changed is false when they said so before. Errors:
// ECONFLICT ReasonNotSignedUp, ReasonCancelled, ReasonEnded; ErrNotMember;
// ErrNotFound.
func (w *Waitlist) Confirm(ctx context.Context, ac Actor, id string) (ll.Activity, bool, error) {
	m, err := self(ctx, w.store, ac)
	if err != nil {
		return ll.Activity{}, false, err
	}
	changed, err := w.store.Confirm(ctx, m.Community, id, m.ID, ac.Now)
	if err != nil {
		return ll.Activity{}, false, err
	}
	a, err := w.store.Activity(ctx, m.Community, id)
	return memberView(a), changed, err
}

// State returns the waitlist, the live offers and the confirmations of an
// activity of the scope's community, for the roster.
func (w *Waitlist) State(ctx context.Context, sc *Scope, id string) (ll.WaitlistState, error) {
	return w.store.Waitlist(ctx, sc.Community.ID, id)
}

// NoShows returns how many activities a member of the scope's community
// signed up for and did not come to, for the member card.
func (w *Waitlist) NoShows(ctx context.Context, sc *Scope, memberID string) (int, error) {
	return w.store.NoShows(ctx, sc.Community.ID, memberID)
}
