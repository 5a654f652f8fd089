package scheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/scheduler"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// crashingOutbox queues only the first part of a run's messages and then
// fails, as a replica that died midway through a run would leave it.
type crashingOutbox struct {
	st   *storage.Store
	part int
}

func (o *crashingOutbox) Enqueue(ctx context.Context, msgs ...ll.OutMessage) (int, error) {
	n, _ := o.st.Enqueue(ctx, msgs[:min(o.part, len(msgs))]...)
	return n, errors.New("replica died")
}

func (o *crashingOutbox) EnqueueRun(ctx context.Context, run string, msgs []ll.OutMessage) (int, error) {
	n, _ := o.st.EnqueueRun(ctx, run, msgs[:min(o.part, len(msgs))])
	return n, errors.New("replica died")
}

// TestRunInterruptedMidwayGoesOnce: a replica queues part of a large run
// (more than one batch) and dies before finishing it; some of those
// reminders are delivered meanwhile; once its claim runs out, another
// replica runs it again, and every member gets the reminder exactly once.
func TestRunInterruptedMidwayGoesOnce(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	f.community("dongan", "Asia/Shanghai")
	ms := f.members("dongan", 1300, 0, 9000)
	sch := scheduler.Schedules{BelowMinimum: specs(t, "0 10 * * 1")}
	// The claim's lease is a Redis expiry, in real time: a second here.
	dying := f.scheduler(sch, func(c *scheduler.Config) {
		c.Outbox, c.Lease = &crashingOutbox{st: f.st, part: 600}, time.Second
	})
	other := f.scheduler(sch, func(c *scheduler.Config) { c.Lease = time.Second })
	f.tick(dying)
	f.tick(other)

	f.clock.Set(time.Date(2026, 3, 2, 2, 0, 30, 0, time.UTC)) // 10:00:30 in Shanghai, Monday
	if err := dying.Tick(f.ctx); err == nil {
		t.Fatal("Tick of the dying replica = nil; want its outbox's error")
	}
	f.tick(other) // the run is claimed by the dying replica: nothing
	got := map[string]int{}
	for _, m := range f.take() {
		got[m.Member]++
	}
	if len(got) != 600 {
		t.Fatalf("delivered %d before the retry; want the 600 queued", len(got))
	}
	time.Sleep(1100 * time.Millisecond)
	f.clock.Advance(time.Minute)
	f.tick(other)
	for _, m := range f.take() {
		got[m.Member]++
	}
	if len(got) != len(ms) {
		t.Errorf("%d members reminded; want %d", len(got), len(ms))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s reminded %d times", id, n)
		}
	}
	f.clock.Advance(time.Hour)
	f.tick(other)
	if extra := f.take(); len(extra) != 0 {
		t.Errorf("%d more reminders after the run was done", len(extra))
	}
}
