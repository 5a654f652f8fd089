package lamplighter

import (
	"strconv"
	"time"
)

// Waitlists and confirm-or-release (SPEC section 10): a full activity keeps
// a waitlist ordered by when each member joined it; a seat that frees is
// offered to the first one waiting, for OfferWindow or until OfferCutoff
// before the start, whichever is earlier; an unanswered offer passes on.

// OutSeatOffer is the outbox kind of a message offering a freed seat. Quiet
// hours do not hold it (Scheduled is false): an offer lasts two hours at
// most, and the member asked to be told.
const OutSeatOffer = "offer"

// Rules of seat offers.
const (
	OfferWindow = 2 * time.Hour // how long an offered seat waits for its member
	OfferCutoff = time.Hour     // no offer lasts past this long before the start
)

// OfferExpiry is when an offer made at now for an activity starting at
// start runs out: OfferWindow after now or OfferCutoff before start,
// whichever is earlier. It is not after now when no offer can be made any
// more.
func OfferExpiry(now, start time.Time) time.Time {
	exp := now.Add(OfferWindow)
	if cut := start.Add(-OfferCutoff); cut.Before(exp) {
		exp = cut
	}
	return exp
}

// Offer is a freed seat offered to a member on the waitlist. Seq numbers
// the activity's offers from 1: each offer is made once, by one script, and
// its message id (MessageID) is derived from it, so that a retry or another
// replica queues the message once.
type Offer struct {
	Community  string
	Activity   string
	Member     string
	TelegramID int64  // 0 when the member has none (then no message)
	Language   string // the member's language, "" when unknown
	Seq        int
	Expires    time.Time
}

// MessageID is the outbox id of the offer's message.
func (o Offer) MessageID() string {
	return "offer:" + o.Community + ":" + o.Activity + ":" + strconv.Itoa(o.Seq)
}

// SignUpOutcome says what a press of [Sign up] (or /signup) did.
type SignUpOutcome string

// The outcomes of a sign-up.
const (
	SignedUp        SignUpOutcome = "signed_up"  // the member has a seat now (a seat offered to them included)
	AlreadySignedUp SignUpOutcome = "already"    // they had one already: nothing changed
	Full            SignUpOutcome = "full"       // no seat: they may join the waitlist
	Waitlisted      SignUpOutcome = "waitlisted" // they are on the waitlist (joined now, or before)
)

// WaitlistState is an activity's waitlist as the roster shows it.
type WaitlistState struct {
	Waiting        []string             // member ids, first in line first
	Offers         []Offer              // the seats offered now (Member, Seq, Expires)
	Confirmed      map[string]time.Time // members signed up who answered "I'll come", and when
	NoShowsCounted bool                 // the no-shows of the activity were counted (after its check-in closed)
}

// SeatOffered is the outcome of a sign-up by a member a seat is offered to
// who has not taken it yet (JoinWaitlist): [Take the seat] takes it.
const SeatOffered SignUpOutcome = "offered"

// WaitStep is what one waitlist step in the store did: its Status (one of
// the Step constants), the member's place on the waitlist when they have
// one (from 1), the activity's sign-ups and capacity after the step, and
// the seats it offered to others in the same step (to tell them).
type WaitStep struct {
	Status   string
	Position int
	Signups  int
	Capacity int
	Offers   []Offer
}

// Statuses of a WaitStep.
const (
	StepOK        = "ok"        // done: joined the waitlist, took the seat
	StepHeld      = "held"      // nothing changed: on the waitlist, or signed up, already
	StepSigned    = "signed"    // (join) signed up already
	StepOffered   = "offered"   // (join) a seat is offered to them now
	StepRoom      = "room"      // (join) the activity has a seat for them: sign up instead
	StepUnlimited = "unlimited" // (join) no capacity limit: sign up instead
	StepWithdrew  = "withdrew"  // (release) their sign-up went
	StepPassed    = "passed"    // (release) they passed the seat offered to them
	StepLeft      = "left"      // (release) they left the waitlist
	StepNoop      = "noop"      // (release) they held nothing
)

// Message is the outbox message of the offer, saying r: its id is
// MessageID (queued once, whoever queues it), it is dropped undelivered
// once the offer expires, and quiet hours do not hold it.
func (o Offer) Message(r Reply) OutMessage {
	return OutMessage{ID: o.MessageID(), ChatID: o.TelegramID, Reply: r, Kind: OutSeatOffer,
		Community: o.Community, Member: o.Member, Expires: o.Expires, Lang: o.Language}
}
