package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lamplighter-bot/lamplighter"
)

// Defaults of SenderConfig.
const (
	DefaultRate = 25.0 // messages a second for the whole bot (LAMPLIGHTER_RATE)
	// PaidBroadcastRate is Telegram's limit for messages sent with
	// allow_paid_broadcast: the rate of broadcasts when
	// LAMPLIGHTER_PAID_BROADCAST is on.
	PaidBroadcastRate    = 1000.0
	DefaultSenderWorkers = 8
	DefaultLease         = 2 * time.Minute
	DefaultIdle          = time.Second
	// busyPoll bounds the wait between two claims while deliveries are in
	// flight.
	busyPoll = 50 * time.Millisecond
)

// Queue is the outbox as a sender sees it. *storage.Store implements it;
// every method is safe for concurrent use by many senders and replicas.
type Queue interface {
	// ClaimDeliveries leases up to max due messages, at most one per chat,
	// pacing all senders together at rate messages a second. wait says how
	// long until claiming again is worth it when nothing was claimed (-1:
	// nothing queued).
	ClaimDeliveries(ctx context.Context, now time.Time, max int, rate float64, lease time.Duration) (ds []lamplighter.Delivery, wait time.Duration, err error)
	// AckDelivery records the outcome of a delivery.
	AckDelivery(ctx context.Context, d lamplighter.Delivery, a lamplighter.Ack, now time.Time) error
}

// PaidQueue is a Queue that can pace a broadcast's messages apart, at a
// paid rate (allow_paid_broadcast). *storage.Store implements it.
type PaidQueue interface {
	Queue
	// ClaimDeliveriesPaid is ClaimDeliveries where a broadcast's messages
	// draw on a bucket of their own at paidRate and come with Paid set.
	ClaimDeliveriesPaid(ctx context.Context, now time.Time, max int, rate, paidRate float64, lease time.Duration) (ds []lamplighter.Delivery, wait time.Duration, err error)
}

// Deliverer sends one message that is not an immediate reply. *Telegram
// implements it (Deliver); tests wrap it.
type Deliverer interface {
	Deliver(ctx context.Context, m Outgoing) (int, error)
}

// SenderConfig configures a Sender. Queue and Deliverer are required.
type SenderConfig struct {
	Queue     Queue
	Deliverer Deliverer

	Rate float64 // messages a second, shared by every replica; DefaultRate when 0
	// PaidRate, when > 0 (PaidBroadcastRate with LAMPLIGHTER_PAID_BROADCAST),
	// sends a broadcast's messages, and only those, with
	// allow_paid_broadcast at up to this many a second besides Rate; the
	// Queue must then be a PaidQueue.
	PaidRate float64
	Workers  int           // deliveries at once; DefaultSenderWorkers when 0
	Lease    time.Duration // how long a claimed message is ours; DefaultLease when 0
	Idle     time.Duration // longest wait between two looks at an idle outbox; DefaultIdle when 0

	// Progress renders a broadcast's progress message from its counters
	// (handlers.ProgressReply); a terse language-neutral line when nil.
	Progress func(lamplighter.BroadcastProgress) lamplighter.Reply

	// OnFailure, when set, is told about a message that will not be
	// delivered: its chat is unreachable, or it failed for the last time
	// (Attempt+1 == MaxAttempts). cmd uses it to tell a community's
	// secretary that the notice chat refuses the bot's messages.
	OnFailure   func(ctx context.Context, m lamplighter.OutMessage, err error)
	MaxAttempts int // the outbox's limit (storage.OutboxMaxAttempts); 0: no OnFailure for failures

	Now    func() time.Time                                 // time.Now when nil
	Sleep  func(ctx context.Context, d time.Duration) error // every wait; a real sleep when nil
	Logger *slog.Logger                                     // slog.Default() when nil
}

// SenderStats counts what a Sender did since it was made.
type SenderStats struct {
	Claimed, Sent, RateLimited, Unreachable, Failed, Deferred, AckErrors int64
}

// Sender delivers the outbox: it claims due messages (as the shared rate
// allows), hands each to the Deliverer on a bounded pool of workers, and
// acknowledges the outcome. Any number of Senders, in one process or in
// several replicas, may run against one outbox.
type Sender struct {
	cfg   SenderConfig
	log   *slog.Logger
	wake  chan struct{}
	stats struct {
		claimed, sent, rateLimited, unreachable, failed, deferred, ackErrors atomic.Int64
	}
}

// NewSender checks cfg and returns a sender ready to Run.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Queue == nil || cfg.Deliverer == nil {
		return nil, errors.New("sender: a queue and a deliverer are required")
	}
	if cfg.Rate < 0 {
		return nil, fmt.Errorf("sender: rate %v must be positive", cfg.Rate)
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.PaidRate < 0 {
		return nil, fmt.Errorf("sender: paid rate %v must be positive", cfg.PaidRate)
	}
	if _, ok := cfg.Queue.(PaidQueue); cfg.PaidRate > 0 && !ok {
		return nil, errors.New("sender: a paid rate needs a queue that paces paid broadcasts (PaidQueue)")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultSenderWorkers
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Idle <= 0 {
		cfg.Idle = DefaultIdle
	}
	if cfg.Progress == nil {
		cfg.Progress = terseProgress
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Sender{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1)}, nil
}

// Wake tells the sender that messages were just queued, so that it looks
// at the outbox now rather than after its idle wait. Senders of other
// replicas find them on their next look. It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// idle waits d, or until ctx is done or Wake is called.
func (s *Sender) idle(ctx context.Context, d time.Duration) {
	if d <= busyPoll {
		_ = s.cfg.Sleep(ctx, d)
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.wake:
			cancel()
		case <-ctx.Done():
		}
	}()
	_ = s.cfg.Sleep(ctx, d)
}

// Stats returns the sender's counters; safe to call at any time.
func (s *Sender) Stats() SenderStats {
	return SenderStats{
		Claimed: s.stats.claimed.Load(), Sent: s.stats.sent.Load(), RateLimited: s.stats.rateLimited.Load(),
		Unreachable: s.stats.unreachable.Load(), Failed: s.stats.failed.Load(), Deferred: s.stats.deferred.Load(),
		AckErrors: s.stats.ackErrors.Load(),
	}
}

// Run delivers until ctx is cancelled, then stops claiming, lets the
// deliveries in hand finish and be acknowledged (with a context that is no
// longer cancelled), and returns nil. An unavailable outbox is logged and
// retried with backoff, never returned.
func (s *Sender) Run(ctx context.Context) error {
	work := context.WithoutCancel(ctx)
	var (
		wg    sync.WaitGroup
		busy  atomic.Int64
		freed = make(chan struct{}, 1)
	)
	defer wg.Wait()
	var backoff time.Duration
	for ctx.Err() == nil {
		free := s.cfg.Workers - int(busy.Load())
		if free <= 0 {
			select {
			case <-freed:
			case <-ctx.Done():
			}
			continue
		}
		ds, wait, err := s.claim(ctx, free)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			backoff = nextBackoff(backoff)
			s.log.Warn("outbox: claim failed; retrying", "err", err, "wait", backoff)
			_ = s.cfg.Sleep(ctx, backoff)
			continue
		}
		backoff = 0
		s.stats.claimed.Add(int64(len(ds)))
		for _, d := range ds {
			busy.Add(1)
			wg.Go(func() {
				defer func() {
					busy.Add(-1)
					select {
					case freed <- struct{}{}:
					default:
					}
				}()
				s.deliver(work, d)
			})
		}
		if len(ds) > 0 {
			continue
		}
		switch {
		case wait < 0 || wait > s.cfg.Idle:
			wait = s.cfg.Idle
		case wait < time.Millisecond:
			wait = time.Millisecond
		}
		if busy.Load() > 0 {
			// A delivery that ends may free a worker or bring a 429.
			wait = min(wait, busyPoll)
		}
		s.idle(ctx, wait)
	}
	return nil
}

// claim leases up to max messages, at the paid rate too when there is one.
func (s *Sender) claim(ctx context.Context, max int) ([]lamplighter.Delivery, time.Duration, error) {
	if s.cfg.PaidRate > 0 {
		return s.cfg.Queue.(PaidQueue).ClaimDeliveriesPaid(ctx, s.cfg.Now(), max, s.cfg.Rate, s.cfg.PaidRate, s.cfg.Lease)
	}
	return s.cfg.Queue.ClaimDeliveries(ctx, s.cfg.Now(), max, s.cfg.Rate, s.cfg.Lease)
}

// deliver sends one claimed message and acknowledges the outcome.
func (s *Sender) deliver(ctx context.Context, d lamplighter.Delivery) {
	m := d.Message
	log := s.log.With("message", m.ID, "chat_id", m.ChatID, "kind", m.Kind)
	if until, held := m.Held(s.cfg.Now()); held {
		s.stats.deferred.Add(1)
		s.ack(ctx, d, lamplighter.Ack{Status: lamplighter.AckDeferred, Until: until}, log)
		return
	}
	out := Outgoing{ChatID: m.ChatID, Reply: m.Content(), Lang: m.Lang, Paid: d.Paid && m.Kind == lamplighter.OutBroadcast}
	rendered := 0
	if m.Kind == lamplighter.OutProgress {
		p := lamplighter.BroadcastProgress{ID: m.Broadcast, Lang: m.Lang}
		if d.Progress != nil {
			p = *d.Progress
		}
		if !lamplighter.ValidLanguage(p.Lang) {
			p.Lang = m.Lang
		}
		out.Reply = s.cfg.Progress(p)
		out.Reply.Edit = p.MessageID != 0
		out.EditMessageID = p.MessageID
		rendered = p.Done()
	}
	id, err := s.cfg.Deliverer.Deliver(ctx, out)
	a := lamplighter.Ack{Status: lamplighter.AckSent, MessageID: id, Rendered: rendered}
	var ra *RetryAfterError
	switch {
	case err == nil:
		s.stats.sent.Add(1)
	case errors.As(err, &ra):
		s.stats.rateLimited.Add(1)
		a = lamplighter.Ack{Status: lamplighter.AckRetryAfter, RetryAfter: ra.After}
		log.Info("outbox: rate limited; holding the chat", "retry_after", ra.After)
	case errors.Is(err, ErrUnreachable):
		s.stats.unreachable.Add(1)
		a = lamplighter.Ack{Status: lamplighter.AckUnreachable, Reason: s.redact(err)}
		log.Info("outbox: chat unreachable; dropping its messages", "err", a.Reason)
		s.failed(ctx, m, err)
	default:
		s.stats.failed.Add(1)
		a = lamplighter.Ack{Status: lamplighter.AckFailed, Reason: s.redact(err)}
		log.Warn("outbox: delivery failed", "attempt", d.Attempt+1, "err", a.Reason)
		if s.cfg.MaxAttempts > 0 && d.Attempt+1 >= s.cfg.MaxAttempts {
			s.failed(ctx, m, err)
		}
	}
	s.ack(ctx, d, a, log)
}

// ack records the outcome, retrying a few times: a message Telegram took
// but the outbox did not hear about goes out again after its lease.
func (s *Sender) ack(ctx context.Context, d lamplighter.Delivery, a lamplighter.Ack, log *slog.Logger) {
	var wait time.Duration
	for attempt := 1; ; attempt++ {
		err := s.cfg.Queue.AckDelivery(ctx, d, a, s.cfg.Now())
		if err == nil {
			return
		}
		if attempt == 5 {
			s.stats.ackErrors.Add(1)
			log.Error("outbox: acknowledgement lost; the message may go out again when its lease ends", "status", a.Status, "err", err)
			return
		}
		wait = nextBackoff(wait)
		if s.cfg.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// failed tells OnFailure about a message that will not be delivered, with
// the error's text redacted.
func (s *Sender) failed(ctx context.Context, m lamplighter.OutMessage, err error) {
	if s.cfg.OnFailure == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("outbox: OnFailure panicked", "panic", r)
		}
	}()
	s.cfg.OnFailure(ctx, m, &redactedError{msg: s.redact(err), err: err})
}

// redactedError is an error whose text has the bot token removed; it
// unwraps to the original, so errors.Is and errors.As still see it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Unwrap() error { return e.err }

// redact is the error text to keep and log: without the bot token when the
// deliverer is the Telegram adapter.
func (s *Sender) redact(err error) string {
	if t, ok := s.cfg.Deliverer.(*Telegram); ok {
		return t.clean(err)
	}
	return err.Error()
}

// terseProgress is the progress line used when no renderer is configured.
func terseProgress(p lamplighter.BroadcastProgress) lamplighter.Reply {
	return lamplighter.Reply{Text: fmt.Sprintf("📣 %d/%d (%d%%) ✓%d ✗%d ⛔%d",
		p.Done(), p.Total, p.Percent(), p.Sent, p.Failed+p.Expired, p.Unreachable)}
}
