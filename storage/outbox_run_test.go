package storage_test

import (
	"fmt"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// runMessages are n below-minimum reminders of one run, due at due, with
// two texts between them (by the member's figures), expiring a day later.
func runMessages(n int, due time.Time) []ll.OutMessage {
	msgs := make([]ll.OutMessage, n)
	for i := range msgs {
		mid := fmt.Sprintf("M%d", i)
		msgs[i] = ll.OutMessage{ID: "below-minimum:dongan:1:" + mid, ChatID: int64(5000 + i), Kind: ll.OutBelowMinimum,
			Community: "dongan", Member: mid, Lang: "zh", Due: due, Expires: due.Add(24 * time.Hour),
			Reply: ll.Reply{Text: fmt.Sprintf("你今年参加了 %d 次，最少 2 次", i%2)}}
	}
	return msgs
}

// TestOutboxRunWaitsUntilDue: a run's messages wait in one hash until
// they are due (here, held by quiet hours), are not claimed before, and are
// then each delivered once; enqueueing the run again, before or after
// delivery, adds nothing.
func TestOutboxRunWaitsUntilDue(t *testing.T) {
	t.Parallel()
	const n = 1200 // several scripts' batches
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
	due := t0.Add(2 * time.Hour)
	msgs := runMessages(n, due)
	if added, err := s.EnqueueRun(ctx, "below-minimum:dongan:1", msgs); err != nil || added != n {
		t.Fatalf("EnqueueRun = %d, %v; want %d", added, err, n)
	}
	if added, err := s.EnqueueRun(ctx, "below-minimum:dongan:1", msgs); err != nil || added != 0 {
		t.Fatalf("EnqueueRun again = %d, %v; want 0", added, err)
	}
	if st := status(t, s, t0); st.Queued != n {
		t.Errorf("status with the run waiting = queued %d; want %d", st.Queued, n)
	}
	ds, wait, err := s.ClaimDeliveries(ctx, t0, 100, obRate, time.Minute)
	if err != nil || len(ds) != 0 || wait != 2*time.Hour {
		t.Fatalf("ClaimDeliveries before due = %d, wait %v, %v; want none, wait 2h", len(ds), wait, err)
	}
	seen := map[string]bool{}
	for round := 0; len(seen) < n && round < 100; round++ {
		for _, d := range claimAll(t, s, due) {
			if seen[d.Message.ID] {
				t.Fatalf("%s claimed twice", d.Message.ID)
			}
			seen[d.Message.ID] = true
			var want ll.OutMessage
			for _, m := range msgs {
				if m.ID == d.Message.ID {
					want = m
				}
			}
			if d.Message.Kind != ll.OutBelowMinimum || d.Message.Broadcast != "" || d.Message.ChatID != want.ChatID ||
				d.Message.Member != want.Member || d.Message.Reply.Text != want.Reply.Text || !d.Message.Due.Equal(due) ||
				!d.Message.Expires.Equal(want.Expires) || d.Message.Lang != "zh" || d.Progress != nil {
				t.Fatalf("claimed %+v; want %+v", d.Message, want)
			}
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, due)
		}
	}
	if len(seen) != n {
		t.Fatalf("delivered %d of %d", len(seen), n)
	}
	if added, err := s.EnqueueRun(ctx, "below-minimum:dongan:1", msgs); err != nil || added != 0 {
		t.Fatalf("EnqueueRun after delivery = %d, %v; want 0", added, err)
	}
	if st := status(t, s, due); st.Queued != 0 || st.Sent != n || st.Enqueued != n {
		t.Errorf("status after delivery = %+v; want none queued, %d sent and enqueued", st, n)
	}
	if keys := storagetest.Keys(t, storagetest.Client(t), p+"{ob}:b[op]*"); len(keys) != 0 {
		t.Errorf("keys left: %v; want none (the run's hash and bodies go)", keys)
	}
}

// TestOutboxRunRetriedAfterACrash: a run that stopped after its first
// batches (a replica crashed) and is enqueued again in full by the replica
// that takes it over adds only what was missing, and nothing already
// delivered goes twice.
func TestOutboxRunRetriedAfterACrash(t *testing.T) {
	t.Parallel()
	const n = 1500
	s := obStore(t)
	msgs := runMessages(n, t0)
	if added, err := s.EnqueueRun(ctx, "below-minimum:dongan:1", msgs[:700]); err != nil || added != 700 {
		t.Fatalf("EnqueueRun of the first part = %d, %v; want 700", added, err)
	}
	delivered := map[string]int{}
	for _, d := range claimAll(t, s, t0) {
		delivered[d.Message.ID]++
		ack(t, s, d, ll.Ack{Status: ll.AckSent}, t0)
	}
	if len(delivered) == 0 {
		t.Fatal("nothing delivered of the first part")
	}
	if added, err := s.EnqueueRun(ctx, "below-minimum:dongan:1", msgs); err != nil || added != n-700 {
		t.Fatalf("EnqueueRun retried = %d, %v; want %d", added, err, n-700)
	}
	for round := 0; round < 100; round++ {
		ds := claimAll(t, s, t0.Add(time.Duration(round+1)*time.Second))
		if len(ds) == 0 {
			break
		}
		for _, d := range ds {
			delivered[d.Message.ID]++
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, t0)
		}
	}
	if len(delivered) != n {
		t.Errorf("delivered %d distinct messages; want %d", len(delivered), n)
	}
	for id, k := range delivered {
		if k != 1 {
			t.Errorf("%s delivered %d times", id, k)
		}
	}
}

func TestOutboxRunValidation(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	for _, run := range []string{"", "a b", "x{ob}"} {
		if _, err := s.EnqueueRun(ctx, run, runMessages(1, t0)); ll.ErrorCode(err) != ll.EINVALID {
			t.Errorf("EnqueueRun(%q) = %v; want EINVALID", run, err)
		}
	}
	bad := runMessages(2, t0)
	bad[1].ChatID = 0
	if _, err := s.EnqueueRun(ctx, "r1", bad); ll.ErrorCode(err) != ll.EINVALID {
		t.Errorf("EnqueueRun with a message without a chat = %v; want EINVALID", err)
	}
	if st := status(t, s, t0); st.Queued != 0 {
		t.Errorf("queued %d after invalid runs; want 0", st.Queued)
	}
}
