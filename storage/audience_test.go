package storage_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
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

// TestMemoryPerQueuedAttachedMessage: a broadcast that carries an object's
// card and button to 10,000 members still costs under 300 bytes of outbox
// per recipient: the card and the button are part of the one reply the
// recipients of a language share (the button names the broadcast, not the
// recipient), stored once.
func TestMemoryPerQueuedAttachedMessage(t *testing.T) {
	t.Parallel()
	const n = 10000
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
	b := ll.Broadcast{ID: "dongan-k3j4h5g6f7", Community: "dongan", By: "M1", ChatID: 5_000_000_000, Lang: "zh", Audience: "all"}
	card := "\n\n<b>A7</b> 垃圾分类宣传\n🕘 03-07 09:00–11:00 (2h)\n📍 社区广场\n报名：12/40"
	msgs := make([]ll.OutMessage, n)
	for i := range msgs {
		mid := fmt.Sprintf("M%d", 10000+i)
		lang := "zh"
		if i%10 == 0 {
			lang = "en"
		}
		msgs[i] = ll.OutMessage{ID: "bc:" + b.ID + ":" + mid, ChatID: 5_100_000_000 + int64(i), Kind: ll.OutBroadcast,
			Community: "dongan", Member: mid, Lang: lang, Reply: ll.Reply{Text: "📢 <b>东安社区</b>\n\n" + broadcastText + card + lang,
				Buttons: [][]ll.Button{{{Text: "✋ 报名 A7 垃圾分类宣传", Data: "ba:k3j4h5g6f7:A7"}}}}}
	}
	if _, added, err := s.EnqueueBroadcast(ctx, b, msgs); err != nil || added != n {
		t.Fatalf("EnqueueBroadcast = %d, %v", added, err)
	}
	per, kinds := queuedMemory(t, p, n)
	t.Logf("a broadcast with a card and its button to %d members: %d bytes of {ob} keys per queued message; by key kind: %v", n, per, kinds)
	limit := int64(300)
	if storagetest.Mode() == storagetest.ModeCluster {
		limit += 16
	}
	if per > limit {
		t.Errorf("memory per queued message = %d bytes, want at most %d", per, limit)
	}
	if bodies := storagetest.Keys(t, storagetest.Client(t), p+"{ob}:body:*"); len(bodies) != 2 {
		t.Errorf("%d bodies stored, want 2 (one a language): the card is not stored once", len(bodies))
	}
}
