package scheduler_test

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/scheduler"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// bigSnapshot is one community of n members: a third with no participation
// this year, a third with one, a third with two or more (plus last year's,
// which do not count), half holding a post, and 8 upcoming activities.
func bigSnapshot(n int, now time.Time) *scheduler.Snapshot {
	c := ll.Community{ID: "big", Name: "大社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1}
	sn := &scheduler.Snapshot{Community: c, SignedUp: map[string][]string{}}
	sn.Members = make([]ll.Member, n)
	for i := range sn.Members {
		id := fmt.Sprintf("M%d", i+1)
		sn.Members[i] = ll.Member{ID: id, Community: c.ID, TelegramID: 100000 + int64(i), Name: "王建国", Unit: "中国工商银行东安支行",
			Status: ll.StatusActive, Language: []string{"zh", "en"}[i%2]}
		for k := 0; k < i%3; k++ {
			sn.Participations = append(sn.Participations, ll.Participation{Community: c.ID, Member: id, Kind: ll.KindActivity,
				Ref: fmt.Sprintf("A%d", k+1), Date: "2026-02-1" + fmt.Sprint(k), Method: ll.MethodCode})
		}
		sn.Participations = append(sn.Participations, ll.Participation{Community: c.ID, Member: id, Kind: ll.KindService,
			Ref: "S1", Date: "2025-06-01", Method: ll.MethodApproval})
		if i%2 == 0 {
			sn.Claims = append(sn.Claims, ll.Claim{Post: fmt.Sprintf("P%d", i%40+1), Member: id, Claimed: now.Add(-24 * time.Hour)})
		}
	}
	for i := range 8 {
		a := ll.Activity{ID: fmt.Sprintf("A%d", 100+i), Title: "路灯检修", Place: "19 栋门口", Start: now.Add(time.Duration(i+1) * 48 * time.Hour),
			Capacity: 50, Signups: 10}
		a.End = a.Start.Add(2 * time.Hour)
		sn.Upcoming = append(sn.Upcoming, a)
		for j := range 10 {
			sn.SignedUp[a.ID] = append(sn.SignedUp[a.ID], fmt.Sprintf("M%d", j*97+i+1))
		}
	}
	for i := range 10 {
		sn.OpenPosts = append(sn.OpenPosts, ll.Post{ID: fmt.Sprintf("P%d", i+1), Title: "法律援助岗", Mode: ll.ModeClaimed})
	}
	return sn
}

func benchScheduler(b testing.TB, st *storage.Store) *scheduler.Scheduler {
	s, err := scheduler.New(scheduler.Config{Store: st, Outbox: st, Texts: handlers.Texts{}, Schedules: scheduler.DefaultSchedules(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSelectBelowMinimum100k: choosing the members below the minimum
// among 100,000 (standings from the ledger in memory).
func BenchmarkSelectBelowMinimum100k(b *testing.B) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	sn := bigSnapshot(100000, now)
	b.ResetTimer()
	for b.Loop() {
		if got := len(sn.BelowMinimum(now)); got != 66667 {
			b.Fatalf("%d below, want 66667", got)
		}
	}
}

// BenchmarkBelowMinimumMessages100k: choosing and writing the reminders
// (texts with [Sign up] buttons, in each member's language) for 100,000.
func BenchmarkBelowMinimumMessages100k(b *testing.B) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	sn := bigSnapshot(100000, now)
	s := benchScheduler(b, storagetest.NewStore(b))
	b.ResetTimer()
	for b.Loop() {
		if got := len(s.BelowMinimumMessages(sn, now, now)); got != 66667 {
			b.Fatalf("%d messages, want 66667", got)
		}
	}
}

// BenchmarkBelowMinimumEnqueue100k: choosing, writing and putting in the
// outbox (real Redis) the reminders for 100,000 members.
func BenchmarkBelowMinimumEnqueue100k(b *testing.B) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	sn := bigSnapshot(100000, now)
	for b.Loop() {
		b.StopTimer()
		st := storagetest.NewStore(b)
		s := benchScheduler(b, st)
		b.StartTimer()
		start := time.Now()
		msgs := s.BelowMinimumMessages(sn, now, now)
		selected := time.Since(start)
		n, err := st.Enqueue(b.Context(), msgs...)
		if err != nil || n != len(msgs) {
			b.Fatalf("Enqueue = %d, %v", n, err)
		}
		b.ReportMetric(float64(selected.Milliseconds()), "select-ms")
		b.ReportMetric(float64(n), "messages")
	}
}
