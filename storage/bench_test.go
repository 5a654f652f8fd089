package storage_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// claimBench prepares a community with 1000 members and enough unlimited
// posts for b.N claims; next returns a (post, member) pair never claimed
// before. The counter starts at zero.
func claimBench(b *testing.B) (s *storage.Store, next func() (string, string), n *storagetest.Counter) {
	s, n = storagetest.NewCountedStore(b)
	if err := s.LoadScripts(ctx); err != nil {
		b.Fatal(err)
	}
	newCommunity(b, s, "dongan")
	ms := importMembers(b, s, "dongan", 1000)
	posts := make([]string, b.N/len(ms)+1)
	for i := range posts {
		posts[i] = newPost(b, s, "dongan", 0).ID
	}
	var i atomic.Int64
	next = func() (string, string) {
		k := int(i.Add(1) - 1)
		return posts[k/len(ms)], ms[k%len(ms)].ID
	}
	n.Reset()
	return s, next, n
}

// BenchmarkClaim is one member claiming one post, each time a new pair.
func BenchmarkClaim(b *testing.B) {
	s, next, n := claimBench(b)
	b.ResetTimer()
	for range b.N {
		p, m := next()
		if _, changed, err := s.Claim(ctx, "dongan", p, m, t0); err != nil || !changed {
			b.Fatalf("Claim(%s, %s) = %v, %v", p, m, changed, err)
		}
	}
	b.ReportMetric(float64(n.RoundTrips())/float64(b.N), "roundtrips/op")
}

// BenchmarkClaimParallel is BenchmarkClaim from GOMAXPROCS goroutines.
func BenchmarkClaimParallel(b *testing.B) {
	s, next, n := claimBench(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, m := next()
			if _, _, err := s.Claim(ctx, "dongan", p, m, t0); err != nil {
				b.Errorf("Claim(%s, %s) = %v", p, m, err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.RoundTrips())/float64(b.N), "roundtrips/op")
}

// BenchmarkMember reads one member.
func BenchmarkMember(b *testing.B) {
	s, n := storagetest.NewCountedStore(b)
	newCommunity(b, s, "dongan")
	ms := importMembers(b, s, "dongan", 100)
	n.Reset()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Member(ctx, "dongan", ms[i%len(ms)].ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n.RoundTrips())/float64(b.N), "roundtrips/op")
}

// BenchmarkRegister registers a new user through a community invite.
func BenchmarkRegister(b *testing.B) {
	s, n := storagetest.NewCountedStore(b)
	if err := s.LoadScripts(ctx); err != nil {
		b.Fatal(err)
	}
	newCommunity(b, s, "dongan")
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	n.Reset()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Register(ctx, inv, ll.Member{TelegramID: int64(1e9 + i), Name: fmt.Sprint("User ", i)}, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n.RoundTrips())/float64(b.N), "roundtrips/op")
}
