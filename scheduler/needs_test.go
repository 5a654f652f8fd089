package scheduler_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/scheduler"
)

// TestNeedRemindersOnceAcrossReplicas: two replicas tick at the same
// moments; the taker of a need is reminded once, the day before its due
// date, held by quiet hours; the committee is told once when it is overdue.
func TestNeedRemindersOnceAcrossReplicas(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 10, 0, 0, 0, shanghai))
	f.community("dongan", "Asia/Shanghai")
	ms := f.members("dongan", 3, 1, 7600) // M1 committee, M2 and M3 members
	n, _, err := f.st.CreateNeed(f.ctx, ll.Need{Community: "dongan", Text: "gate", AskerID: 99, Created: f.clock.Now()}, "t")
	if err != nil {
		t.Fatal(err)
	}
	n.Helpers, n.Due = 1, time.Date(2026, 3, 5, 23, 59, 59, 0, shanghai)
	if _, _, err := f.st.PublishNeed(f.ctx, n, false, 0, f.clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.TakeNeedAs(f.ctx, ll.User{TelegramID: ms[1].TelegramID, Community: "dongan", MemberID: ms[1].ID}, n.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	q, _ := ll.ParseQuietHours("21:00-08:00")
	h := handlers.New(f.st, handlers.Config{Now: f.clock.Now})
	replica := func() *scheduler.Scheduler {
		return f.scheduler(scheduler.Schedules{Quiet: q}, func(c *scheduler.Config) { c.Needs = h })
	}
	a, b := replica(), replica()
	f.tickAt(time.Date(2026, 3, 3, 10, 0, 0, 0, shanghai), a, b)
	if msgs := f.take(); len(msgs) != 0 {
		t.Fatalf("two days before: %+v", msgs)
	}
	// Just after midnight the day before, in quiet hours.
	f.tickAt(time.Date(2026, 3, 4, 0, 0, 30, 0, shanghai), a, b)
	f.tickAt(time.Date(2026, 3, 4, 0, 1, 0, 0, shanghai), b, a)
	msgs := f.take()
	if len(msgs) != 1 || msgs[0].ChatID != ms[1].TelegramID {
		t.Fatalf("reminders = %+v, want one to the taker", msgs)
	}
	if want := time.Date(2026, 3, 4, 8, 0, 0, 0, shanghai); !msgs[0].Due.Equal(want) {
		t.Errorf("reminder due %s, want %s (after quiet hours)", msgs[0].Due, want)
	}
	f.tickAt(time.Date(2026, 3, 6, 10, 0, 0, 0, shanghai), a, b)
	f.tickAt(time.Date(2026, 3, 6, 10, 1, 0, 0, shanghai), b, a)
	msgs = f.take()
	if len(msgs) != 1 || msgs[0].ChatID != ms[0].TelegramID {
		t.Fatalf("overdue notices = %+v, want one to the committee member", msgs)
	}
}
