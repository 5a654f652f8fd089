package storage_test

import (
	"fmt"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TestOutboxPaidBroadcastBucket: with a paid rate, a broadcast's messages
// draw on a bucket of their own (and come marked Paid), while other
// messages and the progress message keep to the free rate.
func TestOutboxPaidBroadcastBucket(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	var direct []ll.OutMessage
	for i := range 20 {
		direct = append(direct, msg(fmt.Sprintf("d%d", i), int64(100+i)))
	}
	if _, err := s.Enqueue(ctx, direct...); err != nil {
		t.Fatal(err)
	}
	b := ll.Broadcast{ID: "dongan-paid", Community: "dongan", By: "M1", ChatID: 99, Lang: "en", Audience: "all"}
	var rcpt []ll.OutMessage
	for i := range 300 {
		rcpt = append(rcpt, ll.OutMessage{ID: fmt.Sprintf("bc:dongan-paid:M%d", i), ChatID: int64(1000 + i), Reply: ll.Reply{Text: "hi"}})
	}
	if _, _, err := s.EnqueueBroadcast(ctx, b, rcpt); err != nil {
		t.Fatal(err)
	}
	const free, paid = 20.0, 1000.0 // buckets of 2 and 100 tokens (0.1 s)
	count := func(now time.Time) (nFree, nPaid int) {
		ds, _, err := s.ClaimDeliveriesPaid(ctx, now, 1000, free, paid, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			isBroadcast := d.Message.Kind == ll.OutBroadcast
			if d.Paid != isBroadcast {
				t.Errorf("%s (%s) claimed with Paid %v", d.Message.ID, d.Message.Kind, d.Paid)
			}
			if d.Paid {
				nPaid++
			} else {
				nFree++
			}
		}
		return nFree, nPaid
	}
	if f, p := count(t0); f != 2 || p != 100 {
		t.Errorf("first claim: %d free, %d paid; want 2 and 100 (the buckets' bursts)", f, p)
	}
	// A second later: 20 free tokens (capped at the burst of 2), 1,000 paid
	// (capped at 100).
	if f, p := count(t0.Add(time.Second)); f != 2 || p != 100 {
		t.Errorf("a second later: %d free, %d paid; want 2 and 100", f, p)
	}
	// Without a paid rate, broadcasts share the free bucket and are not paid.
	ds, _, err := s.ClaimDeliveries(ctx, t0.Add(2*time.Second), 1000, free, time.Minute)
	if err != nil || len(ds) != 2 {
		t.Fatalf("ClaimDeliveries without a paid rate = %d, %v; want 2", len(ds), err)
	}
	for _, d := range ds {
		if d.Paid {
			t.Errorf("%s claimed paid without a paid rate", d.Message.ID)
		}
	}
	if _, _, err := s.ClaimDeliveriesPaid(ctx, t0, 1, free, -1, time.Minute); err == nil {
		t.Error("ClaimDeliveriesPaid with a negative paid rate: no error")
	}
}
