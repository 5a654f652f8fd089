package storage_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// memoryUsage sums MEMORY USAGE over every key under prefix, in total and by
// kind of key (the key without prefix and last ":" part). It skips the test
// when the Redis cannot measure.
func memoryUsage(t *testing.T, raw redis.UniversalClient, prefix string) (total int64, keys int, perKind map[string]int64) {
	t.Helper()
	if err := raw.MemoryUsage(ctx, prefix+"{c:dongan}:seq", 0).Err(); err != nil {
		t.Skipf("the test Redis cannot measure memory (MEMORY USAGE: %v)", err)
	}
	names := storagetest.Keys(t, raw, prefix+"*") // every master's keys on a cluster
	cmds := make([]*redis.IntCmd, len(names))
	if _, err := raw.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range names {
			cmds[i] = p.MemoryUsage(ctx, k, 0)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	perKind = map[string]int64{}
	for i, k := range names {
		b := cmds[i].Val()
		total += b
		kind := strings.TrimPrefix(k, prefix)
		if i := strings.LastIndexAny(kind, ":"); i > 0 {
			kind = kind[:i]
		}
		if strings.HasPrefix(kind, "{u:") {
			kind = "{u:*}"
		}
		perKind[kind] += b
	}
	return total, len(names), perKind
}

// TestMemoryPerMemberLedger measures a typical member with two
// participations: the member of TestMemoryPerMember (hash, index entries,
// user record, a claim, a team) who also
//   - activities: checked in to one of 20 activities with its code and was
//     entered by hand at another (asserted: at most 1 KiB a member);
//   - service: checked in to one activity and had a service record approved,
//     the record (about 30 characters of Chinese text) included.
func TestMemoryPerMemberLedger(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"activities", "service"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			const n = 1000
			p := storagetest.Prefix()
			s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
			newCommunity(t, s, "dongan")
			in := make([]ll.Member, n)
			for i := range in {
				in[i] = ll.Member{TelegramID: 5_000_000_000 + int64(i), Name: "王建国", Unit: "中国工商银行东安支行", Building: "19-2-301",
					Skills: []string{"法律咨询", "电工"}, Language: "zh"}
			}
			ms, err := s.ImportMembers(ctx, "dongan", in, t0, nil)
			if err != nil {
				t.Fatal(err)
			}
			posts := make([]ll.Post, 20)
			acts := make([]ll.Activity, 20)
			for i := range posts {
				posts[i] = newPost(t, s, "dongan", 0)
				acts[i] = newActivity(t, s, "dongan", t0.Add(time.Duration(i)*24*time.Hour), 0)
			}
			team, _ := s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "党员服务队"}, nil)
			eachMember(t, ms, func(i int, m ll.Member) error {
				if _, _, err := s.Claim(ctx, "dongan", posts[i%len(posts)].ID, m.ID, t0.Add(time.Duration(i)*time.Second)); err != nil {
					return err
				}
				if _, err := s.JoinTeam(ctx, "dongan", team.ID, m.ID); err != nil {
					return err
				}
				return s.SetUserLanguage(ctx, m.TelegramID, "zh")
			})
			raw := storagetest.Client(t)
			base, _, _ := memoryUsage(t, raw, p)

			eachMember(t, ms, func(i int, m ll.Member) error {
				a := acts[i%len(acts)]
				if _, _, err := s.CheckIn(ctx, "dongan", m.ID, byCode(a.Code), a.Start.Add(time.Duration(i)*time.Second)); err != nil {
					return err
				}
				by := ms[(i+1)%n].ID
				if kind == "activities" {
					b := acts[(i+1)%len(acts)]
					_, err := s.Attend(ctx, "dongan", b.ID, m.ID, by, "", b.End, nil)
					return err
				}
				r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: m.ID, Text: "为19号楼修好了32盏路灯，清理了绿化带里的垃圾",
					Created: t0.Add(time.Duration(i) * time.Second)})
				if err != nil {
					return err
				}
				_, _, err = s.Decide(ctx, "dongan", r.ID, true, by, "", t0.Add(time.Hour), nil)
				return err
			})
			total, keys, perKind := memoryUsage(t, raw, p)
			per := total / n
			t.Logf("%d members with a claim, a team and two participations (%s): %d keys, %d bytes, %d bytes per member "+
				"(%d without the ledger, %d for the ledger); by key kind: %v",
				n, kind, keys, total, per, base/n, (total-base)/n, perKind)
			limit := int64(1024)
			if storagetest.Mode() == storagetest.ModeCluster {
				// A cluster node also links each key into its slot's key
				// list: MEMORY USAGE counts 16 more bytes a key (Redis 7.0).
				limit += 16 * int64(keys) / n
			}
			if kind == "activities" && per > limit {
				t.Errorf("memory per member with two participations = %d bytes, want at most %d", per, limit)
			}
		})
	}
}

// eachMember runs f for every member from 16 goroutines and fails t on the
// first error.
func eachMember(t testing.TB, ms []ll.Member, f func(i int, m ll.Member) error) {
	t.Helper()
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		errs = make(chan error, 16)
	)
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(ms); i = int(next.Add(1) - 1) {
				if err := f(i, ms[i]); err != nil {
					errs <- fmt.Errorf("%s: %w", ms[i].ID, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

// checkInBench prepares a community with 1000 members and enough activities,
// all open at t0, for b.N check-ins; next returns a (code, member) pair never
// checked in before. The counter starts at zero.
func checkInBench(b *testing.B) (s *storage.Store, next func() (string, string), n *storagetest.Counter) {
	s, n = storagetest.NewCountedStore(b)
	if err := s.LoadScripts(ctx); err != nil {
		b.Fatal(err)
	}
	newCommunity(b, s, "dongan")
	ms := importMembers(b, s, "dongan", 1000)
	codes := make([]string, b.N/len(ms)+1)
	for i := range codes {
		codes[i] = newActivity(b, s, "dongan", t0, 0).Code
	}
	var i atomic.Int64
	next = func() (string, string) {
		k := int(i.Add(1) - 1)
		return codes[k/len(ms)], ms[k%len(ms)].ID
	}
	n.Reset()
	return s, next, n
}

func reportCheckIns(b *testing.B, n *storagetest.Counter) {
	b.ReportMetric(float64(n.RoundTrips())/float64(b.N), "roundtrips/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkins/s")
}

// BenchmarkCheckIn is one member checking in by code, each time a new
// (activity, member) pair.
func BenchmarkCheckIn(b *testing.B) {
	s, next, n := checkInBench(b)
	b.ResetTimer()
	for range b.N {
		code, m := next()
		if _, changed, err := s.CheckIn(ctx, "dongan", m, byCode(code), t0); err != nil || !changed {
			b.Fatalf("CheckIn(%s, %s) = %v, %v", code, m, changed, err)
		}
	}
	reportCheckIns(b, n)
}

// BenchmarkCheckInParallel is BenchmarkCheckIn from GOMAXPROCS goroutines.
func BenchmarkCheckInParallel(b *testing.B) {
	s, next, n := checkInBench(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			code, m := next()
			if _, _, err := s.CheckIn(ctx, "dongan", m, byCode(code), t0); err != nil {
				b.Errorf("CheckIn(%s, %s) = %v", code, m, err)
				return
			}
		}
	})
	reportCheckIns(b, n)
}

// BenchmarkCommunityLedger reads the ledger of 10,000 members with two
// participations and a claim each.
func BenchmarkCommunityLedger(b *testing.B) {
	const members = 10_000
	s, n := storagetest.NewCountedStore(b)
	newCommunity(b, s, "dongan")
	ms := importMembers(b, s, "dongan", members)
	a1, a2 := newActivity(b, s, "dongan", t0, 0), newActivity(b, s, "dongan", t0, 0)
	p := newPost(b, s, "dongan", 0)
	eachMember(b, ms, func(_ int, m ll.Member) error {
		for _, a := range []ll.Activity{a1, a2} {
			if _, _, err := s.CheckIn(ctx, "dongan", m.ID, byCode(a.Code), t0); err != nil {
				return err
			}
		}
		_, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0)
		return err
	})
	n.Reset()
	b.ResetTimer()
	for range b.N {
		ps, cs, err := s.CommunityLedger(ctx, "dongan")
		if err != nil || len(ps) != 2*members || len(cs) != members {
			b.Fatalf("CommunityLedger = %d, %d, %v", len(ps), len(cs), err)
		}
	}
	b.ReportMetric(float64(n.RoundTrips())/float64(b.N), "roundtrips/op")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e6/members, "µs/member")
}
