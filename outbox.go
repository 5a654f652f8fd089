package lamplighter

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Kinds of outbox messages. Every message that is not an immediate reply to
// the user's own request goes through the outbox (SPEC section 5); its kind
// says where it came from, for the status counters and for quiet hours.
const (
	OutDirect           = "direct"        // to someone other than the requester: role changes, approval outcomes, notices
	OutBroadcast        = "broadcast"     // one recipient of a /broadcast
	OutProgress         = "progress"      // a broadcast's progress message in its sender's chat
	OutBelowMinimum     = "below-minimum" // reminder: below the yearly minimum
	OutNoPost           = "no-post"       // reminder: fewer posts than the post minimum
	OutDigest           = "digest"        // the committee's weekly digest
	OutEscalation       = "escalation"    // the committee's year-end escalation
	OutActivityReminder = "activity"      // reminder before an activity, to those signed up
)

// Scheduled reports whether kind is a scheduled reminder or digest, which
// quiet hours hold (broadcasts, notices and replies they do not).
func Scheduled(kind string) bool {
	switch kind {
	case OutBelowMinimum, OutNoPost, OutDigest, OutEscalation, OutActivityReminder:
		return true
	}
	return false
}

// MaxOutMessageIDLen bounds an outbox message id.
const MaxOutMessageIDLen = 200

// OutMessage is one message in the outbox: stored durably before anything
// else happens to it, then delivered at most once unless it was in flight
// when a sender crashed.
type OutMessage struct {
	// ID identifies the message; enqueueing an id that is queued, or was
	// delivered in the last few days, does nothing. A reminder's id is
	// kind:community:scheduled-run:member, a broadcast's bc:<broadcast>:<member>.
	ID     string `json:"id"`
	ChatID int64  `json:"chat"`
	// Reply is what to send (Reply.ChatID is ignored: ChatID above decides).
	// A progress message's Reply is rendered at delivery from its broadcast's
	// counters and is empty here.
	Reply     Reply  `json:"reply"`
	Kind      string `json:"kind"`
	Community string `json:"community,omitempty"`
	Member    string `json:"member,omitempty"`    // recipient's member id, when a member
	Broadcast string `json:"broadcast,omitempty"` // the broadcast it belongs to

	// Due is when the message may go, at the earliest (zero: at once).
	Due time.Time `json:"due"`
	// Expires, when set, is when the message stops mattering: one not sent
	// by then is dropped and counted (an activity reminder after the start).
	Expires time.Time `json:"expires,omitempty"`
	// Lang is "zh" or "en", the language of labels the adapter adds.
	Lang string `json:"lang,omitempty"`
	// Quiet, when set, holds the message while its quiet hours last in
	// Zone (scheduled reminders and digests only).
	Quiet *QuietHours `json:"quiet,omitempty"`
	Zone  string      `json:"zone,omitempty"`

	// Template, when set, is what to send instead of Reply: its parts that
	// Parts selects (bit i: part i) with Values in their slots (Content).
	// The messages of one reminder run share one Template, which the outbox
	// stores once (storage.Store.EnqueueRun).
	Template *Template `json:"-"`
	Parts    uint64    `json:"-"`
	Values   []string  `json:"-"`
}

// Content is what m sends: its Template rendered with its Parts and Values
// when it has one, else its Reply.
func (m *OutMessage) Content() Reply {
	if m.Template != nil {
		return m.Template.Render(m.Parts, m.Values)
	}
	return m.Reply
}

// Validate reports the first problem with m as an EINVALID *Error.
func (m *OutMessage) Validate() error {
	switch {
	case m.ID == "" || len(m.ID) > MaxOutMessageIDLen || strings.ContainsAny(m.ID, " \t\r\n"):
		return Invalid("id", "outbox message id must be 1-%d characters without spaces", MaxOutMessageIDLen)
	case m.ChatID == 0:
		return Invalid("chat", "outbox message %s has no chat", m.ID)
	case m.Kind == "":
		return Invalid("kind", "outbox message %s has no kind", m.ID)
	case m.Kind == OutProgress && m.Broadcast == "":
		return Invalid("broadcast", "progress message %s names no broadcast", m.ID)
	case m.Template != nil && !m.Template.validate(m.Parts):
		return Invalid("reply", "outbox message %s selects no text or parts its template does not have", m.ID)
	case m.Template == nil && m.Kind != OutProgress && strings.TrimSpace(m.Reply.Text) == "" && m.Reply.File == nil && m.Reply.SetMenu == "":
		return Invalid("reply", "outbox message %s has nothing to send", m.ID)
	}
	if m.Quiet != nil {
		if err := m.Quiet.Validate(); err != nil {
			return err
		}
		if _, err := zone(m.Zone); err != nil {
			return Invalid("zone", "outbox message %s: unknown time zone %q", m.ID, m.Zone)
		}
	}
	return nil
}

// zones caches loaded time zones by name: time.LoadLocation reads the zone
// database every time, and the outbox checks the zone of every message.
var zones sync.Map

// zone is time.LoadLocation with a cache; the empty name is an error.
func zone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "" {
		return nil, fmt.Errorf("no time zone")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// Held reports whether m must wait at instant now because of its quiet
// hours, and until when.
func (m *OutMessage) Held(now time.Time) (until time.Time, held bool) {
	if m.Quiet == nil || !Scheduled(m.Kind) {
		return time.Time{}, false
	}
	loc, err := zone(m.Zone)
	if err != nil {
		return time.Time{}, false
	}
	return m.Quiet.Until(now, loc)
}

// Broadcast is a committee member's message to an audience, sent as one
// outbox message per recipient and followed in one progress message in the
// sender's chat.
type Broadcast struct {
	ID        string    `json:"id"` // unique; enqueueing it again does nothing
	Community string    `json:"community"`
	By        string    `json:"by"`       // audit actor: member id or tg:<id>
	ChatID    int64     `json:"chat"`     // where the progress message goes
	Lang      string    `json:"lang"`     // of the progress message
	Audience  string    `json:"audience"` // as typed: all, team:T2, below-minimum…
	Total     int       `json:"total"`    // recipients
	Created   time.Time `json:"created"`
}

// BroadcastProgress is what a broadcast's progress message shows: counters
// kept by the outbox as each message reaches its end.
type BroadcastProgress struct {
	ID          string
	Community   string
	Audience    string
	Lang        string
	Total       int
	Sent        int
	Failed      int // gave up after retries (dead letters)
	Unreachable int // blocked the bot or no longer exist
	Expired     int
	MessageID   int // the progress message once sent, 0 before
}

// Done is how many messages reached an end, delivered or not.
func (p BroadcastProgress) Done() int { return p.Sent + p.Failed + p.Unreachable + p.Expired }

// Finished reports whether every message reached an end.
func (p BroadcastProgress) Finished() bool { return p.Done() >= p.Total }

// Percent is the share of messages that reached an end, 0-100.
func (p BroadcastProgress) Percent() int {
	if p.Total <= 0 {
		return 100
	}
	return min(100, p.Done()*100/p.Total)
}

// Delivery is a message a sender claimed from the outbox: it holds a lease on
// it until it acknowledges the outcome (or the lease runs out and any sender
// may claim it again).
type Delivery struct {
	Message OutMessage
	Attempt int   // earlier failed attempts (not counting 429s)
	Token   int64 // identifies this claim; a late ack of an older claim is ignored
	// Paid is set for a broadcast's message claimed against the paid
	// broadcast rate: it goes with allow_paid_broadcast.
	Paid bool
	// Progress holds the broadcast's counters at claim time for an
	// OutProgress message, nil otherwise.
	Progress *BroadcastProgress
}

// Outcomes of a delivery attempt.
const (
	AckSent        = "sent"        // Telegram accepted it: delete it
	AckRetryAfter  = "retry"       // 429: hold the chat for RetryAfter, slow the sender
	AckUnreachable = "unreachable" // 403 or chat not found: drop it (and the chat's queue), never retry
	AckFailed      = "failed"      // anything else: back off and retry, then dead-letter
	AckDeferred    = "deferred"    // not attempted (quiet hours): wait until Until
)

// Ack is the outcome of one delivery, reported back to the outbox.
type Ack struct {
	Status     string
	MessageID  int           // AckSent: the Telegram message id (progress messages keep it)
	RetryAfter time.Duration // AckRetryAfter
	Until      time.Time     // AckDeferred
	Reason     string        // AckFailed, AckUnreachable: kept with a dead letter
	// Rendered is, for a progress message, how many of its broadcast's
	// messages had reached an end in the text that was sent.
	Rendered int
}

// DeadLetter is a message the outbox gave up on after its last attempt.
type DeadLetter struct {
	Message  OutMessage
	Attempts int
	Reason   string
	Died     time.Time
}

// OutboxStatus is a snapshot of the outbox.
type OutboxStatus struct {
	Queued   int           // messages waiting (not in flight), held ones included
	Chats    int           // chats with a message waiting
	InFlight int           // claimed by a sender, not yet acknowledged
	Dead     int           // dead letters
	Oldest   time.Duration // age of the oldest message waiting or in flight, 0 when none
	Overdue  time.Duration // how long the most overdue chat has been ready, 0 when none
	// Counters since the outbox was created.
	Enqueued, Sent, Unreachable, Expired, Failed, RateLimited, Deferred, Reclaimed int64
	// RateFactor is the share of the configured rate the sender may use now
	// (1 normally; halved by repeated 429s, recovering over time).
	RateFactor float64
}

// String is a one-line summary for logs.
func (s OutboxStatus) String() string {
	return fmt.Sprintf("queued=%d chats=%d in_flight=%d dead=%d oldest=%s sent=%d unreachable=%d expired=%d",
		s.Queued, s.Chats, s.InFlight, s.Dead, s.Oldest, s.Sent, s.Unreachable, s.Expired)
}
