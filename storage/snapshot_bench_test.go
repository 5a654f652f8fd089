package storage_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// BenchmarkReminderLoad100k reads what a reminder run reads before it
// chooses (scheduler's snapshot): Members, then CommunityLedger, of one
// community of 100,000 members shaped like scheduler's bigSnapshot: a third
// with no participation, a third with one, a third with two, half holding a
// post. The choosing itself is scheduler's BenchmarkSelectBelowMinimum100k.
// It also reports the longest any one command held Redis meanwhile, since
// every other user waits that long.
func BenchmarkReminderLoad100k(b *testing.B) {
	const members100k = 100_000
	s, n := storagetest.NewCountedStore(b)
	newCommunity(b, s, "dongan")
	ms := make([]ll.Member, 0, members100k)
	for len(ms) < members100k {
		batch := make([]ll.Member, 5000)
		for i := range batch {
			batch[i] = ll.Member{TelegramID: 100_000 + int64(len(ms)+i), Name: "王建国", Unit: "中国工商银行东安支行", Language: "zh"}
		}
		got, err := s.ImportMembers(ctx, "dongan", batch, t0, nil)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, got...)
	}
	a1, a2 := newActivity(b, s, "dongan", t0, 0), newActivity(b, s, "dongan", t0, 0)
	posts := make([]ll.Post, 40)
	for i := range posts {
		posts[i] = newPost(b, s, "dongan", 0)
	}
	wantParts := 0
	for i := range ms {
		wantParts += i % 3
	}
	eachMember(b, ms, func(i int, m ll.Member) error {
		for _, a := range []ll.Activity{a1, a2}[:i%3] {
			if _, _, err := s.CheckIn(ctx, "dongan", m.ID, byCode(a.Code), t0); err != nil {
				return err
			}
		}
		if i%2 == 0 {
			_, _, err := s.Claim(ctx, "dongan", posts[i%len(posts)].ID, m.ID, t0)
			return err
		}
		return nil
	})
	raw := storagetest.Client(b)
	logged, err := raw.SlowLogGet(ctx, -1).Result()
	if err != nil {
		b.Fatal(err)
	}
	var seen int64 = -1
	for _, l := range logged {
		seen = max(seen, l.ID)
	}
	n.Reset()
	b.ResetTimer()
	var members, ledger time.Duration
	for range b.N {
		t1 := time.Now()
		got, err := s.Members(ctx, "dongan")
		if err != nil || len(got) != members100k {
			b.Fatalf("Members = %d, %v", len(got), err)
		}
		t2 := time.Now()
		ps, cs, err := s.CommunityLedger(ctx, "dongan")
		if err != nil || len(ps) != wantParts || len(cs) != members100k/2 {
			b.Fatalf("CommunityLedger = %d, %d, %v", len(ps), len(cs), err)
		}
		members, ledger = members+t2.Sub(t1), ledger+time.Since(t2)
	}
	b.StopTimer()
	// The longest that one command (a script) held Redis, from the slow log
	// (which records commands of 10 ms or more by default): 0 when none did.
	logged, err = raw.SlowLogGet(ctx, -1).Result()
	if err != nil {
		b.Fatal(err)
	}
	var longest time.Duration
	for _, l := range logged {
		if l.ID > seen {
			longest = max(longest, l.Duration)
		}
	}
	b.ReportMetric(float64(n.RoundTrips())/float64(b.N), "roundtrips/op")
	b.ReportMetric(longest.Seconds()*1e3, "longest-cmd-ms")
	b.ReportMetric(members.Seconds()*1e3/float64(b.N), "members-ms/op")
	b.ReportMetric(ledger.Seconds()*1e3/float64(b.N), "ledger-ms/op")
}
