package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/scheduler"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
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

// BenchmarkBelowMinimumRun100k: one below-minimum run end to end, as a
// replica's tick does it, on real Redis: claim the run, read the community
// (members, ledger, upcoming activities), choose the members below the
// minimum, write their reminders and queue them in the outbox. The
// community has 100,000 members imported in batches, half of them below the
// minimum of one (the other half checked in once this year). Each iteration
// is the next minute's run of a schedule of every minute, so each queues
// 50,000 new messages. It also reports, from Redis's SLOWLOG, the longest
// any single command held Redis during the runs: everyone else waits that
// long.
func BenchmarkBelowMinimumRun100k(b *testing.B) {
	storagetest.SkipUnless(b, "SLOWLOG of one server", "single")
	const members100k = 100_000
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	var clk clock
	clk.Set(now)
	st := storagetest.NewStoreOptions(b, storage.Options{Now: clk.Now})
	ctx := b.Context()
	c := ll.Community{ID: "big", Name: "大社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 1,
		Created: now.Add(-30 * 24 * time.Hour)}
	if err := st.CreateCommunity(ctx, c, nil); err != nil {
		b.Fatal(err)
	}
	ms := make([]ll.Member, 0, members100k)
	for len(ms) < members100k {
		batch := make([]ll.Member, 5000)
		for i := range batch {
			k := len(ms) + i
			batch[i] = ll.Member{TelegramID: 100_000 + int64(k), Name: "王建国", Unit: "中国工商银行东安支行",
				Language: []string{"zh", "en"}[k%2]}
		}
		got, err := st.ImportMembers(ctx, c.ID, batch, now, nil)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, got...)
	}
	a, err := st.CreateActivity(ctx, ll.Activity{Community: c.ID, Title: "路灯检修", Place: "19 栋门口",
		Start: now.Add(-time.Hour), End: now.Add(time.Hour), CreatedBy: "M1", Created: now.Add(-24 * time.Hour)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 3 {
		start := now.Add(time.Duration(i+1) * 48 * time.Hour)
		if _, err := st.CreateActivity(ctx, ll.Activity{Community: c.ID, Title: "社区义诊", Place: "活动中心",
			Start: start, End: start.Add(2 * time.Hour), Capacity: 50, CreatedBy: "M1", Created: now}, nil); err != nil {
			b.Fatal(err)
		}
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		errs = make(chan error, 16)
	)
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(ms); i = int(next.Add(1) - 1) {
				if i%2 == 1 {
					continue
				}
				if _, _, err := st.CheckIn(ctx, c.ID, ms[i].ID, ll.CheckIn{Code: a.Code, Method: ll.MethodCode}, now); err != nil {
					errs <- fmt.Errorf("check in %s: %w", ms[i].ID, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	sch := scheduler.Schedules{BelowMinimum: specs(b, "* * * * *")}
	s, err := scheduler.New(scheduler.Config{Store: st, Outbox: st, Texts: handlers.Texts{}, Schedules: sch,
		Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	// The first tick records the job's start; the runs come after it.
	if err := s.Tick(ctx); err != nil {
		b.Fatal(err)
	}
	raw := storagetest.Client(b)
	if err := raw.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
		b.Skipf("CONFIG SET: %v", err)
	}
	raw.ConfigSet(ctx, "slowlog-max-len", "100000")
	defer raw.ConfigSet(context.Background(), "slowlog-log-slower-than", "10000")
	var (
		longest    time.Duration
		longestCmd string
		queued     int64
		cpu        float64
		over20     int
	)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		clk.Advance(time.Minute)
		raw.SlowLogReset(ctx)
		before := s.Stats().Messages
		cpuBefore := redisCPU(b, raw)
		b.StartTimer()
		if err := s.Tick(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if got := s.Stats().Messages - before; got != members100k/2 {
			b.Fatalf("run queued %d messages, want %d", got, members100k/2)
		}
		queued += s.Stats().Messages - before
		cpu += redisCPU(b, raw) - cpuBefore
		logs, err := raw.SlowLogGet(ctx, -1).Result()
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range logs {
			if strings.EqualFold(fmt.Sprint(l.Args[0]), "slowlog") {
				continue // the benchmark's own reset, freeing the last run's log
			}
			if l.Duration > 20*time.Millisecond {
				over20++
			}
			if l.Duration > longest {
				// A script's name is its arguments: the slow log keeps 32.
				longest, longestCmd = l.Duration, fmt.Sprint(l.Args[0], " with ", len(l.Args), " arguments kept, the last ", l.Args[len(l.Args)-1])
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(longest.Seconds()*1e3, "longest-cmd-ms")
	b.ReportMetric(cpu*1e3/float64(b.N), "redis-cpu-ms/op")
	b.ReportMetric(float64(over20)/float64(b.N), "cmds-over-20ms/op")
	b.ReportMetric(float64(queued)/float64(b.N), "messages/op")
	b.Logf("longest command: %s, %v", longestCmd, longest)
}

// redisCPU is the CPU time the Redis server has used (INFO cpu, sys + user),
// in seconds.
func redisCPU(b *testing.B, raw redis.UniversalClient) float64 {
	b.Helper()
	s, err := raw.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
			x, _ := strconv.ParseFloat(v, 64)
			total += x
		}
	}
	return total
}
