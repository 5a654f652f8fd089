package storage_test

import (
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// BenchmarkAudienceCount100k counts broadcast audiences of a community of
// 100,000 members: reading every member and filtering them (what the
// broadcast confirmation did before the counters) against the counters
// (AudienceCount), and the one-time build of the counters of a community
// from before them (RebuildAudienceCounts).
func BenchmarkAudienceCount100k(b *testing.B) {
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(b, storage.Options{Prefix: p})
	buildLarge(b, s)
	b.Run("fullscan", func(b *testing.B) {
		for b.Loop() {
			ms, err := s.Members(ctx, largeCommunity)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, m := range ms {
				if m.Active() && strings.EqualFold(m.Unit, "ICBC 7") {
					n++
				}
			}
		}
	})
	for _, aud := range [][2]string{{"all", ""}, {"unit", "icbc 7"}, {"building", "17号楼"}, {"skill", "first aid"}} {
		b.Run("counters/"+aud[0], func(b *testing.B) {
			c, n := storagetest.Client(b), storagetest.CountingHook()
			c.AddHook(n)
			s := storage.New(c, storage.Options{Prefix: p})
			if _, _, _, err := s.AudienceCount(ctx, largeCommunity, aud[0], aud[1]); err != nil {
				b.Fatal(err)
			}
			n.Reset()
			for b.Loop() {
				if _, skipped, ok, err := s.AudienceCount(ctx, largeCommunity, aud[0], aud[1]); err != nil || !ok || skipped == 0 {
					b.Fatalf("AudienceCount(%s) = %d, %v, %v", aud, skipped, ok, err)
				}
			}
			b.ReportMetric(float64(n.RoundTrips())/float64(b.N), "roundtrips/op")
		})
	}
	b.Run("rebuild", func(b *testing.B) {
		raw := storagetest.Client(b)
		for b.Loop() {
			if err := raw.Del(ctx, p+"{c:"+largeCommunity+"}:aud").Err(); err != nil {
				b.Fatal(err)
			}
			if err := s.RebuildAudienceCounts(ctx, largeCommunity); err != nil {
				b.Fatal(err)
			}
		}
	})
}
