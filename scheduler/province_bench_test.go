package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/scheduler"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// BenchmarkProvince is the province of SPEC section 13 on the tests' local
// Redis Cluster of three masters (STORAGETEST_MODE=cluster):
// PROVINCE_MEMBERS members (default 1,000,000) in PROVINCE_COMMUNITIES
// communities (default 1,000), each community with an activity that half
// of its members checked in to, and a below-minimum schedule. It reports
// Redis memory per member (used_memory summed over the masters, less what
// they used before, divided by the members), the keys and memory of each
// master and how far they stray from the mean, and then times one planning
// pass: a scheduler Tick over every community, which reads each one's
// members, ledger and activities, chooses the members below the minimum
// and queues their reminders.
//
//	STORAGETEST_MODE=cluster go test ./scheduler -run '^$' -bench Province -benchtime 1x -timeout 60m
func BenchmarkProvince(b *testing.B) {
	storagetest.SkipUnless(b, "the memory of each master of a cluster", storagetest.ModeCluster)
	members := envInt(b, "PROVINCE_MEMBERS", 1_000_000)
	communities := envInt(b, "PROVINCE_COMMUNITIES", 1_000)
	per := members / communities
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	var clk clock
	clk.Set(now)
	st := storagetest.NewStoreOptions(b, storage.Options{Now: clk.Now})
	ctx := b.Context()
	cluster, ok := storagetest.Client(b).(*redis.ClusterClient)
	if !ok {
		b.Fatal("not a cluster client")
	}
	before := nodeFigures(b, ctx, cluster)

	setupStart := time.Now()
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		errs = make(chan error, 8)
	)
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < communities; i = int(next.Add(1) - 1) {
				if err := provinceCommunity(ctx, st, i, per, now); err != nil {
					errs <- err
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
	b.Logf("set up %d members in %d communities in %v", per*communities, communities, time.Since(setupStart).Round(time.Second))

	after := nodeFigures(b, ctx, cluster)
	var used, keys int64
	for addr, f := range after {
		used += f.used - before[addr].used
		keys += f.keys
	}
	var mems, counts []float64
	for _, addr := range slices.Sorted(maps.Keys(after)) {
		f := after[addr]
		mem := f.used - before[addr].used
		mems, counts = append(mems, float64(mem)), append(counts, float64(f.keys))
		b.Logf("master %s: %d keys, %.1f MB", addr, f.keys, float64(mem)/1e6)
	}

	s, err := scheduler.New(scheduler.Config{Store: st, Outbox: st, Texts: handlers.Texts{},
		Schedules: scheduler.Schedules{BelowMinimum: specs(b, "* * * * *")}, Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Tick(ctx); err != nil { // records each job's start; the runs come after it
		b.Fatal(err)
	}
	var queued, passMem int64
	passCPU := map[string]float64{}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		clk.Advance(time.Minute)
		was := s.Stats().Messages
		cpu0, mem0 := nodeCPU(b, ctx, cluster), nodeFigures(b, ctx, cluster)
		b.StartTimer()
		if err := s.Tick(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu1, mem1 := nodeCPU(b, ctx, cluster), nodeFigures(b, ctx, cluster)
		passMem = 0
		for addr := range cpu1 {
			passCPU[addr] = cpu1[addr] - cpu0[addr]
			passMem += mem1[addr].used - mem0[addr].used
		}
		queued = s.Stats().Messages - was
		if want := int64(communities * (per / 2)); queued != want {
			b.Fatalf("a planning pass queued %d reminders, want %d", queued, want)
		}
		b.StartTimer()
	}
	// Reported after the loop: ResetTimer drops metrics reported before it.
	var busiest float64
	for _, addr := range slices.Sorted(maps.Keys(passCPU)) {
		b.Logf("master %s: %.2f s of CPU during the last pass", addr, passCPU[addr])
		busiest = max(busiest, passCPU[addr])
	}
	b.ReportMetric(busiest, "busiest-master-cpu-s")
	b.ReportMetric(float64(passMem)/float64(max(queued, 1)), "pass-bytes/reminder")
	b.ReportMetric(float64(queued), "reminders/op")
	b.ReportMetric(float64(used)/float64(per*communities), "bytes/member")
	b.ReportMetric(float64(keys)/float64(per*communities), "keys/member")
	b.ReportMetric(100*spread(mems), "%mem-spread")
	b.ReportMetric(100*spread(counts), "%keys-spread")
}

// provinceCommunity creates community i of the province with per members,
// an activity running at now, and half of the members checked in to it.
func provinceCommunity(ctx context.Context, st *storage.Store, i, per int, now time.Time) error {
	c := ll.Community{ID: fmt.Sprintf("c%04d", i), Name: "社区" + strconv.Itoa(i), TimeZone: "Asia/Shanghai", Language: "zh",
		Minimum: 1, Created: now.Add(-30 * 24 * time.Hour)}
	if err := st.CreateCommunity(ctx, c, nil); err != nil {
		return err
	}
	batch := make([]ll.Member, per)
	for k := range batch {
		batch[k] = ll.Member{TelegramID: int64(10_000_000 + i*per + k), Name: "王建国", Unit: "中国工商银行东安支行",
			Building: strconv.Itoa(k%40) + "号楼", Language: []string{"zh", "en"}[k%2]}
	}
	ms, err := st.ImportMembers(ctx, c.ID, batch, now.Add(-24*time.Hour), nil)
	if err != nil {
		return fmt.Errorf("import into %s: %w", c.ID, err)
	}
	a, err := st.CreateActivity(ctx, ll.Activity{Community: c.ID, Title: "路灯检修", Place: "19 栋门口",
		Start: now.Add(-time.Hour), End: now.Add(time.Hour), CreatedBy: "M1", Created: now.Add(-24 * time.Hour)}, nil)
	if err != nil {
		return err
	}
	for k := 0; k < len(ms); k += 2 {
		if _, _, err := st.CheckIn(ctx, c.ID, ms[k].ID, ll.CheckIn{Code: a.Code, Method: ll.MethodCode}, now); err != nil {
			return fmt.Errorf("check in %s/%s: %w", c.ID, ms[k].ID, err)
		}
	}
	return nil
}

// nodeFigure is what one master holds.
type nodeFigure struct{ used, keys int64 }

// nodeFigures reads used_memory and DBSIZE of every master.
func nodeFigures(b *testing.B, ctx context.Context, c *redis.ClusterClient) map[string]nodeFigure {
	b.Helper()
	var mu sync.Mutex
	out := map[string]nodeFigure{}
	err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		info, err := n.Info(ctx, "memory").Result()
		if err != nil {
			return err
		}
		keys, err := n.DBSize(ctx).Result()
		if err != nil {
			return err
		}
		used := infoInt(info, "used_memory")
		mu.Lock()
		out[n.Options().Addr] = nodeFigure{used: used, keys: keys}
		mu.Unlock()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// nodeCPU reads the CPU time (used_cpu_sys + used_cpu_user, seconds) of
// every master.
func nodeCPU(b *testing.B, ctx context.Context, c *redis.ClusterClient) map[string]float64 {
	b.Helper()
	var mu sync.Mutex
	out := map[string]float64{}
	err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		info, err := n.Info(ctx, "cpu").Result()
		if err != nil {
			return err
		}
		var cpu float64
		for line := range strings.SplitSeq(info, "\r\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
				x, _ := strconv.ParseFloat(v, 64)
				cpu += x
			}
		}
		mu.Lock()
		out[n.Options().Addr] = cpu
		mu.Unlock()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func infoInt(info, field string) int64 {
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// spread is how far the largest and the smallest of xs stray from their
// mean, as a share of it (0.2: within 20%).
func spread(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	if mean == 0 {
		return 0
	}
	return max(slices.Max(xs)-mean, mean-slices.Min(xs)) / mean
}

func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
