// Package scheduler sends Lamplighter's reminders (SPEC section 4): members
// below the yearly minimum, members without a post, the committee's weekly
// digest and year-end escalation, and reminders before activities.
//
// It uses robfig/cron only to parse schedules (cron.ParseStandard) and
// computes each run's scheduled time itself from Schedule.Next, in its own
// loop: every replica runs a Scheduler, and each run is claimed in Redis by
// its scheduled time, so that it goes once across replicas and restarts; the
// last run of each job is stored, so that a run missed while every replica
// was down is caught up once at start. Communities created at run time, by
// any replica, are picked up on the next tick.
//
// The scheduler chooses recipients and builds the messages (texts through
// the Texts interface, which cmd fills with the handlers' catalog) and puts
// them in the outbox; the outbox sender delivers them.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Defaults of Config.
const (
	DefaultInterval    = 30 * time.Second
	DefaultCatchUp     = 7 * 24 * time.Hour
	DefaultLease       = 10 * time.Minute
	DefaultReminderTTL = 24 * time.Hour
	// DefaultParallel is how many communities a tick works on at once: a
	// community's run mostly waits on Redis (reading its members and ledger,
	// queueing its reminders), and on a cluster the communities' slots are
	// on different masters, so a few at once keep every master busy.
	DefaultParallel = 4
	// newCommunity is how recent a community must be for its first runs to
	// count from its creation rather than from the first tick that sees it.
	newCommunity = time.Hour
)

// cronJobs are the reminders on cron schedules, in the order they run.
var cronJobs = []string{ll.OutDigest, ll.OutEscalation, ll.OutBelowMinimum, ll.OutNoPost}

// Store is what the scheduler reads, and the run markers it keeps.
// *storage.Store implements it.
type Store interface {
	Communities(ctx context.Context) ([]ll.Community, error)
	Members(ctx context.Context, community string) ([]ll.Member, error)
	Posts(ctx context.Context, community string) ([]ll.Post, error)
	Activities(ctx context.Context, community string) ([]ll.Activity, error)
	SignedUp(ctx context.Context, community, activityID string) ([]string, error)
	CommunityLedger(ctx context.Context, community string) ([]ll.Participation, []ll.Claim, error)
	PendingServices(ctx context.Context, community string) ([]ll.ServiceRecord, error)

	// ClaimRun claims a scheduled run for lease: true for one caller only.
	ClaimRun(ctx context.Context, community, job string, scheduled time.Time, lease time.Duration) (bool, error)
	// FinishRun marks a run done for keep and, with last, records it as the
	// job's last run.
	FinishRun(ctx context.Context, community, job string, scheduled time.Time, keep time.Duration, last bool) error
	// LastRuns returns the last finished run of each job of a community.
	LastRuns(ctx context.Context, community string) (map[string]time.Time, error)
	// InitLastRun records at as the job's last run unless one is recorded,
	// and returns the recorded one.
	InitLastRun(ctx context.Context, community, job string, at time.Time) (time.Time, error)
}

// Outbox takes the reminders. *storage.Store implements it; Enqueue is
// idempotent by message id.
type Outbox interface {
	Enqueue(ctx context.Context, msgs ...ll.OutMessage) (added int, err error)
}

// RunOutbox is an Outbox that also takes a whole run's messages at once:
// EnqueueRun, idempotent by message id like Enqueue, keeps them until they
// are due at a few commands a message (*storage.Store implements it). The
// scheduler queues the cron runs through it when the outbox has it.
type RunOutbox interface {
	Outbox
	EnqueueRun(ctx context.Context, run string, msgs []ll.OutMessage) (added int, err error)
}

// Texts writes the reminders in a language ("zh" or "en"): Telegram HTML
// with any buttons. handlers.Texts implements it, so that the reminders
// share the conversation's catalog and its button encodings.
//
// A reminder does not name its recipient: the scheduler writes each
// distinct text once (by language and figures) and gives it to every member
// it fits, which keeps a run for 100,000 members fast; with Texts that are
// also TemplateTexts (templates.go), it writes one template a language and
// gives each member its parts and figures instead.
type Texts interface {
	// BelowMinimum tells a member where they stand (s.Total of s.Minimum,
	// daysLeft in the year) with upcoming activities to sign up for.
	BelowMinimum(lang string, c ll.Community, m ll.Member, s ll.Standing, daysLeft int, upcoming []ll.Activity) ll.Reply
	// NoPost tells a member holding fewer posts than the minimum about open
	// posts to claim.
	NoPost(lang string, c ll.Community, m ll.Member, held int, open []ll.Post) ll.Reply
	// Digest is the committee's weekly digest.
	Digest(lang string, d ll.Digest) ll.Reply
	// Escalation lists the members still below the minimum of year near its end.
	Escalation(lang string, c ll.Community, below []ll.MemberStanding, year, daysLeft int) ll.Reply
	// ActivityReminder reminds one signed-up member of an activity starting
	// in about offset, with check-in instructions.
	ActivityReminder(lang string, c ll.Community, a ll.Activity, offset time.Duration) ll.Reply
}

// Config configures a Scheduler. Store, Outbox and Texts are required.
type Config struct {
	Store     Store
	Outbox    Outbox
	Texts     Texts
	Schedules Schedules // DefaultSchedules() for the defaults

	Interval    time.Duration // between two ticks; DefaultInterval when 0
	CatchUp     time.Duration // how old a missed run may be and still be caught up; DefaultCatchUp when 0
	Lease       time.Duration // a run claimed by a replica that died is retried after; DefaultLease when 0
	ReminderTTL time.Duration // a reminder undelivered this long after its due time is dropped; DefaultReminderTTL when 0
	Parallel    int           // communities a tick works on at once; DefaultParallel when 0

	// Needs, when set, is asked on every tick what is due about each
	// community's needs (SPEC section 10; needs.go).
	Needs NeedSweeper

	Now    func() time.Time                                 // time.Now when nil
	Sleep  func(ctx context.Context, d time.Duration) error // a real sleep when nil
	Logger *slog.Logger                                     // slog.Default() when nil
}

// Stats counts what a Scheduler did since it was made.
type Stats struct {
	Ticks    int64
	Runs     int64 // runs this scheduler claimed and completed
	Messages int64 // messages it added to the outbox
	Late     int64 // activity reminders not sent because the activity had started
	Errors   int64
}

// Scheduler runs the reminders. Any number of Schedulers, in one process
// or in several replicas, may run against one Redis: each run goes once.
type Scheduler struct {
	cfg Config
	log *slog.Logger

	ticks, runs, messages, late, errs atomic.Int64

	mu   sync.Mutex
	done map[string]time.Time // activity runs this process settled, by key, with their time
}

// New checks cfg and returns a Scheduler ready to Run.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil || cfg.Outbox == nil || cfg.Texts == nil {
		return nil, errors.New("scheduler: a store, an outbox and texts are required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.CatchUp <= 0 {
		cfg.CatchUp = DefaultCatchUp
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.ReminderTTL <= 0 {
		cfg.ReminderTTL = DefaultReminderTTL
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
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
	if err := cfg.Schedules.Quiet.Validate(); err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	return &Scheduler{cfg: cfg, log: cfg.Logger, done: map[string]time.Time{}}, nil
}

// Stats returns the scheduler's counters; safe to call at any time.
func (s *Scheduler) Stats() Stats {
	return Stats{Ticks: s.ticks.Load(), Runs: s.runs.Load(), Messages: s.messages.Load(), Late: s.late.Load(), Errors: s.errs.Load()}
}

// Run ticks until ctx is cancelled, then returns nil. The first tick, at
// once, catches up the runs missed while no replica ran. Failures are
// logged and retried on the next tick.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler tick", "err", err)
		}
		if ctx.Err() != nil || s.cfg.Sleep(ctx, s.cfg.Interval) != nil {
			return nil
		}
	}
}

// Tick does what is due now in every community: each cron job's latest
// scheduled run not done yet (within the catch-up window), and the activity
// reminders due, working on up to Config.Parallel communities at once. It
// returns the errors met, after trying every community.
func (s *Scheduler) Tick(ctx context.Context) error {
	s.ticks.Add(1)
	now := s.cfg.Now()
	cs, err := s.cfg.Store.Communities(ctx)
	if err != nil {
		s.errs.Add(1)
		return fmt.Errorf("list communities: %w", err)
	}
	// Communities are independent (each run is claimed on its own), so up
	// to Parallel of them are worked on at once; the errors come back in the
	// communities' order.
	errs := make([]error, len(cs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.cfg.Parallel, len(cs)) {
		wg.Go(func() {
			for i := range next {
				if err := s.community(ctx, cs[i], now); err != nil {
					s.errs.Add(1)
					errs[i] = fmt.Errorf("community %s: %w", cs[i].ID, err)
				}
			}
		})
	}
	for i := range cs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	s.prune(now)
	return errors.Join(errs...)
}

// community runs what is due in one community.
func (s *Scheduler) community(ctx context.Context, c ll.Community, now time.Time) error {
	loc := c.Location()
	lasts, err := s.cfg.Store.LastRuns(ctx, c.ID)
	if err != nil {
		return err
	}
	sn := &loader{st: s.cfg.Store, ctx: ctx, c: c, now: now}
	var errs []error
	for _, job := range cronJobs {
		specs := s.cfg.Schedules.specs(job)
		if len(specs) == 0 {
			continue
		}
		last, ok := lasts[job]
		if !ok {
			start := now
			if !c.Created.IsZero() && c.Created.Before(now) && now.Sub(c.Created) < newCommunity {
				start = c.Created
			}
			if last, err = s.cfg.Store.InitLastRun(ctx, c.ID, job, start); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		since := now.Add(-s.cfg.CatchUp)
		if last.After(since) {
			since = last
		}
		var due time.Time
		for _, sp := range specs {
			if t, ok := sp.Latest(since, now, loc); ok && t.After(due) {
				due = t
			}
		}
		if due.IsZero() {
			continue
		}
		if err := s.cronRun(ctx, sn, job, due, last); err != nil {
			errs = append(errs, fmt.Errorf("%s run of %s: %w", job, due.In(loc).Format(time.DateTime), err))
		}
	}
	if len(s.cfg.Schedules.ActivityOffsets) > 0 {
		if err := s.activityReminders(ctx, sn); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.waitlists(ctx, sn); err != nil { // seat offers and no-shows (offers.go)
		errs = append(errs, err)
	}
	if err := s.needs(ctx, c, now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// keep is how long a run marker outlives its run: well past any catch-up.
func (s *Scheduler) keep() time.Duration { return 2*s.cfg.CatchUp + 24*time.Hour }

// cronRun claims the run of job scheduled at due and, if this scheduler got
// it, enqueues its messages and marks it done. prev is the job's run before.
func (s *Scheduler) cronRun(ctx context.Context, sn *loader, job string, due, prev time.Time) error {
	ok, err := s.cfg.Store.ClaimRun(ctx, sn.c.ID, job, due, s.cfg.Lease)
	if err != nil || !ok {
		return err
	}
	var msgs []ll.OutMessage
	switch job {
	case ll.OutBelowMinimum:
		msgs, err = s.belowMinimum(sn, due)
	case ll.OutNoPost:
		msgs, err = s.noPost(sn, due)
	case ll.OutDigest:
		msgs, err = s.digest(sn, due, prev)
	case ll.OutEscalation:
		msgs, err = s.escalation(sn, due)
	}
	if err == nil {
		err = s.enqueueRun(ctx, job+":"+sn.c.ID+":"+runID(due), msgs)
	}
	if err != nil {
		// The claim runs out after the lease; the next tick of any replica
		// tries again, and the messages already queued are not repeated.
		return err
	}
	s.runs.Add(1)
	s.log.Info("reminders queued", "community", sn.c.ID, "job", job, "run", due, "messages", len(msgs))
	return s.cfg.Store.FinishRun(ctx, sn.c.ID, job, due, s.keep(), true)
}

// enqueue puts messages in the outbox.
func (s *Scheduler) enqueue(ctx context.Context, msgs []ll.OutMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	n, err := s.cfg.Outbox.Enqueue(ctx, msgs...)
	s.messages.Add(int64(n))
	return err
}

// enqueueRun puts the messages of the cron run named run in the outbox,
// through EnqueueRun when the outbox has it.
func (s *Scheduler) enqueueRun(ctx context.Context, run string, msgs []ll.OutMessage) error {
	ro, ok := s.cfg.Outbox.(RunOutbox)
	if !ok {
		return s.enqueue(ctx, msgs)
	}
	if len(msgs) == 0 {
		return nil
	}
	n, err := ro.EnqueueRun(ctx, run, msgs)
	s.messages.Add(int64(n))
	return err
}

// activityReminders queues, for each activity, the reminder of the
// shortest offset whose time has come, unless done already. One whose
// activity has started is counted as late and not sent.
func (s *Scheduler) activityReminders(ctx context.Context, sn *loader) error {
	acts, err := sn.activities()
	if err != nil {
		return err
	}
	now, c := sn.now, sn.c
	var errs []error
	for _, a := range acts {
		if a.Cancelled || a.Start.Before(now.Add(-s.cfg.CatchUp)) {
			continue
		}
		var (
			offset time.Duration
			fire   time.Time
		)
		for _, o := range s.cfg.Schedules.ActivityOffsets { // longest first
			if t := a.Start.Add(-o); !t.After(now) {
				offset, fire = o, t
			}
		}
		if fire.IsZero() || fire.Before(now.Add(-s.cfg.CatchUp)) {
			continue
		}
		job := "act:" + a.ID + ":" + offset.String()
		key := c.ID + "/" + job + "/" + strconv.FormatInt(fire.UnixMilli(), 10)
		if s.settled(key) {
			continue
		}
		ok, err := s.cfg.Store.ClaimRun(ctx, c.ID, job, fire, s.cfg.Lease)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			s.settle(key, fire)
			continue
		}
		msgs, late, err := s.activityMessages(sn, a, offset, fire)
		if err == nil {
			err = s.enqueue(ctx, msgs)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reminder of %s: %w", a.ID, err))
			continue
		}
		if late > 0 {
			s.late.Add(int64(late))
			s.log.Info("activity reminders too late; not sent", "community", c.ID, "activity", a.ID, "offset", offset, "members", late)
		}
		if err := s.cfg.Store.FinishRun(ctx, c.ID, job, fire, s.keep(), false); err != nil {
			errs = append(errs, err)
			continue
		}
		s.runs.Add(1)
		s.settle(key, fire)
	}
	return errors.Join(errs...)
}

// settled reports whether this process already saw the activity run key done.
func (s *Scheduler) settled(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.done[key]
	return ok
}

func (s *Scheduler) settle(key string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done[key] = at
}

// prune forgets settled activity runs older than any that may still come up.
func (s *Scheduler) prune(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, at := range s.done {
		if at.Before(now.Add(-s.cfg.CatchUp - maxOffset)) {
			delete(s.done, k)
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
