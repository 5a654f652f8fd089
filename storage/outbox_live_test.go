package storage_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// TestOutboxLiveCounts: Queued and Oldest follow the messages waiting or
// in flight through sending, dead letters and requeueing, without a zset
// entry per message, and a message queued by an older version (its JSON in
// j, its id in the all zset) is counted, delivered and cleaned up.
func TestOutboxLiveCounts(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	now := t0
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return now }})
	raw := storagetest.Client(t)
	if _, err := s.Enqueue(ctx, msg("a", 1), msg("b", 2)); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(time.Minute)
	if _, err := s.Enqueue(ctx, msg("c", 3)); err != nil {
		t.Fatal(err)
	}
	// An older version's message: JSON in j, its id in all.
	old := p + "{ob}:"
	if err := raw.HSet(ctx, old+"m:old", "j", `{"id":"old","chat":4,"reply":{"Text":"from before"},"kind":"direct","due":"2025-03-01T09:00:00Z"}`,
		"chat", "4", "sc", t0.UnixMilli()*1024, "kind", "direct", "att", 0, "cl", 0).Err(); err != nil {
		t.Fatal(err)
	}
	raw.ZAdd(ctx, old+"q:4", redisZ(float64(t0.UnixMilli()*1024), "old"))
	raw.ZAdd(ctx, old+"ready", redisZ(float64(t0.UnixMilli()), "4"))
	raw.ZAdd(ctx, old+"all", redisZ(float64(t0.Add(-time.Minute).UnixMilli()), "old"))

	at := t0.Add(2 * time.Minute)
	if st := status(t, s, at); st.Queued != 4 || st.Oldest != 3*time.Minute {
		t.Errorf("status = queued %d, oldest %s; want 4, 3m (the older version's message)", st.Queued, st.Oldest)
	}
	var failing ll.Delivery
	for _, d := range claimAll(t, s, at) {
		switch d.Message.ID {
		case "old":
			if d.Message.Reply.Text != "from before" || d.Message.ChatID != 4 {
				t.Errorf("the older version's message claimed as %+v", d.Message)
			}
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, at)
		case "c":
			failing = d
		default:
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, at)
		}
	}
	if st := status(t, s, at); st.Queued != 0 || st.InFlight != 1 || st.Oldest != time.Minute {
		t.Errorf("with c in flight: queued %d, in flight %d, oldest %s; want 0, 1, 1m", st.Queued, st.InFlight, st.Oldest)
	}
	d := failing
	for k := range storage.OutboxMaxAttempts {
		ack(t, s, d, ll.Ack{Status: ll.AckFailed, Reason: "x"}, at)
		at = at.Add(time.Duration(k+1) * time.Hour)
		if again := claimAll(t, s, at); len(again) == 1 {
			d = again[0]
		}
	}
	if st := status(t, s, at); st.Queued != 0 || st.InFlight != 0 || st.Dead != 1 || st.Oldest != 0 {
		t.Errorf("with c dead: %+v; want nothing queued, one dead", st)
	}
	now = at
	if n, err := s.Requeue(ctx, at); err != nil || n != 1 {
		t.Fatalf("Requeue = %d, %v", n, err)
	}
	if st := status(t, s, at.Add(time.Second)); st.Queued != 1 || st.Dead != 0 || st.Oldest != time.Second {
		t.Errorf("after Requeue: %+v; want one queued since the requeue", st)
	}
	for _, d := range claimAll(t, s, at) {
		ack(t, s, d, ll.Ack{Status: ll.AckSent}, at)
	}
	if st := status(t, s, at); st.Queued != 0 || st.Oldest != 0 {
		t.Errorf("after all sent: %+v", st)
	}
	if keys := storagetest.Keys(t, raw, p+"{ob}:e*"); len(keys) != 0 {
		t.Errorf("live counts left behind: %v", keys)
	}
}

func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }
