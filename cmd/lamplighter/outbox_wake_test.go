package main

import (
	"context"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/scheduler"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestWakingOutboxWakesForRuns: the scheduler queues its cron runs
// through EnqueueRun, which the serving outbox must have (not only the
// store's, promoted) so that the sender is woken for them too.
func TestWakingOutboxWakesForRuns(t *testing.T) {
	woken := 0
	w := &wakingOutbox{Store: storagetest.NewStore(t), wake: func() { woken++ }}
	var ro scheduler.RunOutbox = w
	m := ll.OutMessage{ID: "below-minimum:dongan:1:M1", ChatID: 42, Kind: ll.OutBelowMinimum, Community: "dongan",
		Member: "M1", Due: time.Now(), Reply: ll.Reply{Text: "hi"}}
	if n, err := ro.EnqueueRun(context.Background(), "below-minimum:dongan:1", []ll.OutMessage{m}); err != nil || n != 1 {
		t.Fatalf("EnqueueRun = %d, %v; want 1", n, err)
	}
	if n, err := ro.EnqueueRun(context.Background(), "below-minimum:dongan:1", []ll.OutMessage{m}); err != nil || n != 0 {
		t.Fatalf("EnqueueRun again = %d, %v; want 0", n, err)
	}
	if woken != 1 {
		t.Errorf("sender woken %d times; want once (for the run that added a message)", woken)
	}
}
