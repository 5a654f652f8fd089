package storage_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// obRate is a rate high enough that the token bucket never limits a test
// that is not about it.
const obRate = 100000

// obStore is a store whose clock (the default due time) stands at t0.
func obStore(t *testing.T) *storage.Store {
	return storagetest.NewStoreOptions(t, storage.Options{Now: func() time.Time { return t0 }})
}

func msg(id string, chat int64) ll.OutMessage {
	return ll.OutMessage{ID: id, ChatID: chat, Kind: ll.OutDirect, Reply: ll.Reply{Text: "hello " + id}}
}

// claimAll claims until nothing more is ready at now.
func claimAll(t *testing.T, s *storage.Store, now time.Time) []ll.Delivery {
	t.Helper()
	var out []ll.Delivery
	for {
		ds, _, err := s.ClaimDeliveries(ctx, now, 100, obRate, time.Minute)
		if err != nil {
			t.Fatalf("ClaimDeliveries = %v", err)
		}
		if len(ds) == 0 {
			return out
		}
		out = append(out, ds...)
	}
}

func ids(ds []ll.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Message.ID)
	}
	return out
}

func ack(t *testing.T, s *storage.Store, d ll.Delivery, a ll.Ack, now time.Time) {
	t.Helper()
	if err := s.AckDelivery(ctx, d, a, now); err != nil {
		t.Fatalf("AckDelivery(%s, %s) = %v", d.Message.ID, a.Status, err)
	}
}

func status(t *testing.T, s *storage.Store, now time.Time) ll.OutboxStatus {
	t.Helper()
	st, err := s.OutboxStatus(ctx, now)
	if err != nil {
		t.Fatalf("OutboxStatus = %v", err)
	}
	return st
}

func TestOutboxEnqueueClaimAck(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	n, err := s.Enqueue(ctx, msg("a", 1), msg("b", 2), msg("a", 1))
	if err != nil || n != 2 {
		t.Fatalf("Enqueue(a, b, a) = %d, %v; want 2 added", n, err)
	}
	if n, _ := s.Enqueue(ctx, msg("a", 1)); n != 0 {
		t.Errorf("Enqueue(a) again added %d, want 0", n)
	}
	if st := status(t, s, t0); st.Queued != 2 || st.Chats != 2 || st.Enqueued != 2 {
		t.Errorf("status after enqueue = %+v", st)
	}
	ds := claimAll(t, s, t0)
	if len(ds) != 2 || ds[0].Message.Reply.Text != "hello "+ds[0].Message.ID || ds[0].Token != 1 {
		t.Fatalf("claimed %+v, want a and b with their replies", ds)
	}
	if st := status(t, s, t0); st.InFlight != 2 || st.Queued != 0 {
		t.Errorf("status with two in flight = %+v", st)
	}
	for _, d := range ds {
		ack(t, s, d, ll.Ack{Status: ll.AckSent, MessageID: 7}, t0)
	}
	st := status(t, s, t0)
	if st.InFlight != 0 || st.Queued != 0 || st.Sent != 2 || st.Chats != 0 {
		t.Errorf("status after acks = %+v", st)
	}
	// A delivered id is remembered: enqueueing it again is a no-op.
	if n, _ := s.Enqueue(ctx, msg("a", 1)); n != 0 {
		t.Errorf("Enqueue(a) after delivery added %d, want 0", n)
	}
	if ds := claimAll(t, s, t0.Add(time.Hour)); len(ds) != 0 {
		t.Errorf("claimed %v after everything was sent", ids(ds))
	}
	// Acking again is harmless.
	ack(t, s, ds[0], ll.Ack{Status: ll.AckSent}, t0)
	if st := status(t, s, t0); st.Sent != 2 {
		t.Errorf("sent = %d after a repeated ack, want 2", st.Sent)
	}
}

func TestOutboxValidation(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	for _, m := range []ll.OutMessage{
		{ID: "", ChatID: 1, Kind: ll.OutDirect, Reply: ll.Reply{Text: "x"}},
		{ID: "a b", ChatID: 1, Kind: ll.OutDirect, Reply: ll.Reply{Text: "x"}},
		{ID: "x", ChatID: 0, Kind: ll.OutDirect, Reply: ll.Reply{Text: "x"}},
		{ID: "x", ChatID: 1, Kind: "", Reply: ll.Reply{Text: "x"}},
		{ID: "x", ChatID: 1, Kind: ll.OutDirect},
		{ID: "x", ChatID: 1, Kind: ll.OutDigest, Reply: ll.Reply{Text: "x"}, Quiet: &ll.QuietHours{Start: 60, End: 120}, Zone: "Mars/Base"},
	} {
		if _, err := s.Enqueue(ctx, m); ll.ErrorCode(err) != ll.EINVALID {
			t.Errorf("Enqueue(%+v) = %v, want EINVALID", m, err)
		}
	}
	if _, _, err := s.ClaimDeliveries(ctx, t0, 1, 0, time.Minute); ll.ErrorCode(err) != ll.EINVALID {
		t.Errorf("ClaimDeliveries with rate 0 = %v, want EINVALID", err)
	}
	if err := s.AckDelivery(ctx, ll.Delivery{}, ll.Ack{Status: "maybe"}, t0); ll.ErrorCode(err) != ll.EINVALID {
		t.Errorf("AckDelivery with a bad status = %v, want EINVALID", err)
	}
}

// TestOutboxChatPacing: one message a second to a private chat, one every
// three seconds to a group, in order; other chats are not held up.
func TestOutboxChatPacing(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	const private, group = 42, -100500
	var in []ll.OutMessage
	for i := range 3 {
		in = append(in, msg(fmt.Sprintf("p%d", i), private), msg(fmt.Sprintf("g%d", i), group))
	}
	in = append(in, msg("other", 43))
	if _, err := s.Enqueue(ctx, in...); err != nil {
		t.Fatal(err)
	}
	var got []string
	for step := 0; step <= 70; step++ { // 7 s in steps of 100 ms
		now := t0.Add(time.Duration(step) * 100 * time.Millisecond)
		for _, d := range claimAll(t, s, now) {
			got = append(got, fmt.Sprintf("%s@%dms", d.Message.ID, now.Sub(t0).Milliseconds()))
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, now)
		}
	}
	want := []string{"p0@0ms", "g0@0ms", "other@0ms", "p1@1000ms", "p2@2000ms", "g1@3000ms", "g2@6000ms"}
	if fmt.Sprint(sortedByTime(got)) != fmt.Sprint(sortedByTime(want)) {
		t.Errorf("deliveries = %v, want %v", got, want)
	}
}

// sortedByTime orders "id@ms" entries by time, then id, for comparison.
func sortedByTime(xs []string) map[string]bool {
	out := map[string]bool{}
	for _, x := range xs {
		out[x] = true
	}
	return out
}

// TestOutboxRetryAfterHoldsOneChat: a 429 holds its chat for retry_after
// while the other chats go on; a repeated 429 halves the rate.
func TestOutboxRetryAfterHoldsOneChat(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	if _, err := s.Enqueue(ctx, msg("slow1", 1), msg("slow2", 1), msg("fast1", 2), msg("fast2", 2)); err != nil {
		t.Fatal(err)
	}
	ds := claimAll(t, s, t0)
	if len(ds) != 2 {
		t.Fatalf("claimed %v, want one per chat", ids(ds))
	}
	for _, d := range ds {
		if d.Message.ChatID == 1 {
			ack(t, s, d, ll.Ack{Status: ll.AckRetryAfter, RetryAfter: 30 * time.Second}, t0)
		} else {
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, t0)
		}
	}
	if got := ids(claimAll(t, s, t0.Add(time.Second))); fmt.Sprint(got) != "[fast2]" {
		t.Errorf("claimed %v one second later, want [fast2] (chat 1 is held)", got)
	}
	if got := ids(claimAll(t, s, t0.Add(29*time.Second))); len(got) != 0 {
		t.Errorf("claimed %v before retry_after ran out", got)
	}
	ds = claimAll(t, s, t0.Add(30*time.Second))
	if fmt.Sprint(ids(ds)) != "[slow1]" {
		t.Fatalf("claimed %v when retry_after ran out, want [slow1] first, in order", ids(ds))
	}
	if st := status(t, s, t0.Add(30*time.Second)); st.RateLimited != 1 || st.RateFactor != 1 {
		t.Errorf("after one 429: %+v, want rate factor 1", st)
	}
}

// TestOutboxRepeated429 halves the rate when 429s come one after another,
// and lets it recover later.
func TestOutboxRepeated429(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	if _, err := s.Enqueue(ctx, msg("a", 1), msg("b", 2)); err != nil {
		t.Fatal(err)
	}
	ds := claimAll(t, s, t0)
	ack(t, s, ds[0], ll.Ack{Status: ll.AckRetryAfter, RetryAfter: time.Second}, t0)
	ack(t, s, ds[1], ll.Ack{Status: ll.AckRetryAfter, RetryAfter: time.Second}, t0.Add(2*time.Second))
	now := t0.Add(2 * time.Second)
	if st := status(t, s, now); st.RateLimited != 2 || st.RateFactor != 0.5 {
		t.Errorf("after a repeated 429: rate limited %d, factor %v; want 2, 0.5", st.RateLimited, st.RateFactor)
	}
	later := now.Add(2 * time.Minute)
	claimAll(t, s, later)
	if st := status(t, s, later); st.RateFactor != 1 {
		t.Errorf("rate factor two minutes later = %v, want 1", st.RateFactor)
	}
}

// TestOutboxLease: a message whose sender died is claimed again once its
// lease runs out; the dead sender's late ack of a failure is ignored.
func TestOutboxLease(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	if _, err := s.Enqueue(ctx, msg("m", 5)); err != nil {
		t.Fatal(err)
	}
	first, _, err := s.ClaimDeliveries(ctx, t0, 10, obRate, time.Minute)
	if err != nil || len(first) != 1 {
		t.Fatalf("claim = %v, %v", first, err)
	}
	if ds := claimAll(t, s, t0.Add(59*time.Second)); len(ds) != 0 {
		t.Errorf("claimed %v while the lease holds", ids(ds))
	}
	again := claimAll(t, s, t0.Add(61*time.Second))
	if len(again) != 1 || again[0].Token != first[0].Token+1 {
		t.Fatalf("claimed %+v after the lease ran out, want m with a new token", again)
	}
	if st := status(t, s, t0.Add(61*time.Second)); st.Reclaimed != 1 || st.InFlight != 1 {
		t.Errorf("status = %+v, want 1 reclaimed, 1 in flight", st)
	}
	ack(t, s, first[0], ll.Ack{Status: ll.AckFailed, Reason: "late"}, t0.Add(62*time.Second))
	if st := status(t, s, t0.Add(62*time.Second)); st.InFlight != 1 || st.Failed != 0 {
		t.Errorf("a stale ack changed the outbox: %+v", st)
	}
	ack(t, s, again[0], ll.Ack{Status: ll.AckSent}, t0.Add(62*time.Second))
	if st := status(t, s, t0.Add(62*time.Second)); st.Sent != 1 || st.InFlight != 0 || st.Queued != 0 {
		t.Errorf("status after ack = %+v", st)
	}
}

// TestOutboxUnreachable drops the message and the rest of its chat's queue,
// once, never to be retried.
func TestOutboxUnreachable(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	if _, err := s.Enqueue(ctx, msg("x1", 9), msg("x2", 9), msg("x3", 9), msg("y", 10)); err != nil {
		t.Fatal(err)
	}
	for _, d := range claimAll(t, s, t0) {
		if d.Message.ChatID == 9 {
			ack(t, s, d, ll.Ack{Status: ll.AckUnreachable, Reason: "403"}, t0)
		}
	}
	if ds := claimAll(t, s, t0.Add(30*time.Second)); len(ds) != 0 {
		t.Errorf("claimed %v after the chat was found unreachable", ids(ds))
	}
	st := status(t, s, t0.Add(30*time.Second))
	if st.Unreachable != 3 || st.InFlight != 1 || st.Queued != 0 {
		t.Errorf("status = %+v, want 3 unreachable and y in flight", st)
	}
	if n, _ := s.Enqueue(ctx, msg("x2", 9)); n != 0 {
		t.Errorf("re-enqueueing a dropped message added %d", n)
	}
}

// TestOutboxBackoffAndDeadLetters: failures back off exponentially, then the
// message becomes a dead letter with its reason; Requeue puts it back.
func TestOutboxBackoffAndDeadLetters(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	if _, err := s.Enqueue(ctx, msg("bad", 3), msg("good", 3)); err != nil {
		t.Fatal(err)
	}
	now := t0
	var waits []time.Duration
	var last time.Time
	for attempt := 1; attempt <= storage.OutboxMaxAttempts; attempt++ {
		var d ll.Delivery
		for d.Message.ID != "bad" {
			ds := claimAll(t, s, now)
			for _, x := range ds {
				if x.Message.ID == "bad" {
					d = x
				} else {
					ack(t, s, x, ll.Ack{Status: ll.AckSent}, now)
				}
			}
			if d.Message.ID == "" {
				now = now.Add(time.Second)
			}
		}
		if d.Attempt != attempt-1 {
			t.Fatalf("attempt %d: Delivery.Attempt = %d", attempt, d.Attempt)
		}
		if attempt > 1 {
			waits = append(waits, now.Sub(last))
		}
		last = now
		ack(t, s, d, ll.Ack{Status: ll.AckFailed, Reason: fmt.Sprintf("boom %d", attempt)}, now)
	}
	for i, w := range waits {
		want := storage.OutboxBackoff << i
		if w < want || w > want+time.Second {
			t.Errorf("wait before attempt %d = %s, want %s", i+2, w, want)
		}
	}
	st := status(t, s, now)
	if st.Dead != 1 || st.Queued != 0 || st.Sent != 1 || st.Failed != storage.OutboxMaxAttempts {
		t.Errorf("status = %+v, want 1 dead, good sent", st)
	}
	dead, err := s.DeadLetters(ctx, 0)
	if err != nil || len(dead) != 1 || dead[0].Message.ID != "bad" || dead[0].Reason != fmt.Sprintf("boom %d", storage.OutboxMaxAttempts) ||
		dead[0].Attempts != storage.OutboxMaxAttempts || !dead[0].Died.Equal(now) {
		t.Fatalf("DeadLetters = %+v, %v", dead, err)
	}
	if ds := claimAll(t, s, now.Add(24*time.Hour)); len(ds) != 0 {
		t.Errorf("a dead letter was claimed: %v", ids(ds))
	}
	n, err := s.Requeue(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("Requeue = %d, %v", n, err)
	}
	now = now.Add(time.Second) // the chat's pace after the last attempt
	ds := claimAll(t, s, now)
	if len(ds) != 1 || ds[0].Attempt != 0 {
		t.Fatalf("after Requeue claimed %+v, want bad with attempts reset", ds)
	}
	if st := status(t, s, now); st.Dead != 0 || st.InFlight != 1 {
		t.Errorf("status after requeue = %+v", st)
	}
}

// TestOutboxExpiry drops a message not sent by its expiry, counted.
func TestOutboxExpiry(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	m := msg("late", 4)
	m.Due = t0.Add(time.Hour)
	m.Expires = t0.Add(30 * time.Minute)
	keep := msg("keep", 4)
	keep.Due = t0.Add(time.Hour)
	if _, err := s.Enqueue(ctx, m, keep); err != nil {
		t.Fatal(err)
	}
	if got := ids(claimAll(t, s, t0.Add(time.Hour))); fmt.Sprint(got) != "[keep]" {
		t.Errorf("claimed %v, want only keep", got)
	}
	if st := status(t, s, t0.Add(time.Hour)); st.Expired != 1 {
		t.Errorf("expired = %d, want 1", st.Expired)
	}
}

// TestOutboxDeferred puts a message back until a time without counting an
// attempt.
func TestOutboxDeferred(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	if _, err := s.Enqueue(ctx, msg("q", 6)); err != nil {
		t.Fatal(err)
	}
	ds := claimAll(t, s, t0)
	ack(t, s, ds[0], ll.Ack{Status: ll.AckDeferred, Until: t0.Add(8 * time.Hour)}, t0)
	if ds := claimAll(t, s, t0.Add(8*time.Hour-time.Second)); len(ds) != 0 {
		t.Errorf("claimed %v before the deferral ended", ids(ds))
	}
	ds = claimAll(t, s, t0.Add(8*time.Hour))
	if len(ds) != 1 || ds[0].Attempt != 0 {
		t.Errorf("claimed %+v at the end of the deferral, want q with no attempt counted", ds)
	}
}

// TestOutboxRate: the token bucket paces all senders together at the rate.
func TestOutboxRate(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	var in []ll.OutMessage
	for i := range 500 {
		in = append(in, msg(fmt.Sprintf("r%d", i), int64(1000+i)))
	}
	if _, err := s.Enqueue(ctx, in...); err != nil {
		t.Fatal(err)
	}
	const rate = 20.0
	claimed := 0
	var mu sync.Mutex
	for step := range 100 { // 10 s in 100 ms steps, two senders each step
		now := t0.Add(time.Duration(step) * 100 * time.Millisecond)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				ds, _, err := s.ClaimDeliveries(ctx, now, 50, rate, time.Minute)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				claimed += len(ds)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	// 10 s at 20/s after an initial burst of 0.2 s worth.
	if claimed < 190 || claimed > 205 {
		t.Errorf("claimed %d messages in 10 s at %v/s, want about 200", claimed, rate)
	}
}

// TestOutboxConcurrentClaims races many senders over many messages: each is
// claimed exactly once.
func TestOutboxConcurrentClaims(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	var in []ll.OutMessage
	for i := range 1000 {
		in = append(in, msg(fmt.Sprintf("c%d", i), int64(i%200+1)))
	}
	if _, err := s.Enqueue(ctx, in...); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for step := 0; step < 400; step++ {
				now := t0.Add(time.Duration(step) * 250 * time.Millisecond)
				ds, _, err := s.ClaimDeliveries(ctx, now, 10, obRate, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				for _, d := range ds {
					mu.Lock()
					seen[d.Message.ID]++
					mu.Unlock()
					if err := s.AckDelivery(ctx, d, ll.Ack{Status: ll.AckSent}, now); err != nil {
						t.Error(err)
					}
				}
			}
			_ = w
		})
	}
	wg.Wait()
	if len(seen) != 1000 {
		t.Errorf("%d messages delivered, want 1000", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s claimed %d times", id, n)
		}
	}
}

// TestOutboxBroadcastProgress: a broadcast is enqueued once whatever the
// retries, and its progress message follows the counters to the end.
func TestOutboxBroadcastProgress(t *testing.T) {
	t.Parallel()
	clock := t0
	s := storagetest.NewStoreOptions(t, storage.Options{Now: func() time.Time { return clock }})
	b := ll.Broadcast{ID: "dongan-b1", Community: "dongan", By: "M1", ChatID: 100, Lang: "en", Audience: "all"}
	var rcpt []ll.OutMessage
	for i := range 5 {
		rcpt = append(rcpt, ll.OutMessage{ID: fmt.Sprintf("bc:dongan-b1:M%d", i+2), ChatID: int64(200 + i), Reply: ll.Reply{Text: "hi"}})
	}
	created, added, err := s.EnqueueBroadcast(ctx, b, rcpt)
	if err != nil || !created || added != 5 {
		t.Fatalf("EnqueueBroadcast = %v, %d, %v", created, added, err)
	}
	created, added, err = s.EnqueueBroadcast(ctx, b, rcpt)
	if err != nil || created || added != 0 {
		t.Fatalf("EnqueueBroadcast again = %v, %d, %v; want nothing added", created, added, err)
	}
	if _, _, err := s.EnqueueBroadcast(ctx, ll.Broadcast{ID: "bad id"}, rcpt); ll.ErrorCode(err) != ll.EINVALID {
		t.Errorf("EnqueueBroadcast with a bad id = %v", err)
	}

	var progress []ll.BroadcastProgress
	outcomes := []string{ll.AckSent, ll.AckSent, ll.AckUnreachable, ll.AckSent, ll.AckSent}
	i := 0
	for step := 0; step < 200; step++ {
		clock = t0.Add(time.Duration(step) * 250 * time.Millisecond)
		for _, d := range claimAll(t, s, clock) {
			switch {
			case d.Message.Kind == ll.OutProgress:
				if d.Progress == nil || d.Message.Broadcast != b.ID || d.Message.ChatID != 100 {
					t.Fatalf("progress delivery %+v", d)
				}
				progress = append(progress, *d.Progress)
				ack(t, s, d, ll.Ack{Status: ll.AckSent, MessageID: 555, Rendered: d.Progress.Done()}, clock)
			default:
				if d.Message.Broadcast != b.ID || d.Message.Kind != ll.OutBroadcast {
					t.Fatalf("recipient delivery %+v", d.Message)
				}
				ack(t, s, d, ll.Ack{Status: outcomes[i%len(outcomes)]}, clock)
				i++
			}
		}
	}
	if len(progress) < 2 {
		t.Fatalf("progress messages %+v, want at least the first and the last", progress)
	}
	if p := progress[0]; p.Total != 5 || p.Done() != 0 || p.MessageID != 0 || p.Audience != "all" || p.Lang != "en" {
		t.Errorf("first progress = %+v", p)
	}
	last := progress[len(progress)-1]
	if !last.Finished() || last.Sent != 4 || last.Unreachable != 1 || last.MessageID != 555 {
		t.Errorf("last progress = %+v, want 4 sent, 1 unreachable, editing message 555", last)
	}
	got, err := s.BroadcastProgress(ctx, b.ID)
	if err != nil || got.Sent != 4 || got.Total != 5 {
		t.Errorf("BroadcastProgress = %+v, %v", got, err)
	}
	if _, err := s.BroadcastProgress(ctx, "nope"); !errors.Is(err, ll.ErrNotFound) {
		t.Errorf("BroadcastProgress(nope) = %v, want ErrNotFound", err)
	}
}

func TestScheduleRuns(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	run := t0.Add(time.Hour)
	ok, err := s.ClaimRun(ctx, "dongan", "digest", run, time.Minute)
	if err != nil || !ok {
		t.Fatalf("ClaimRun = %v, %v", ok, err)
	}
	if ok, _ := s.ClaimRun(ctx, "dongan", "digest", run, time.Minute); ok {
		t.Errorf("a second ClaimRun of the same run succeeded")
	}
	if ok, _ := s.ClaimRun(ctx, "dongan", "digest", run.Add(time.Hour), time.Minute); !ok {
		t.Errorf("ClaimRun of another run failed")
	}
	got, err := s.InitLastRun(ctx, "dongan", "digest", t0)
	if err != nil || !got.Equal(t0) {
		t.Errorf("InitLastRun = %v, %v; want %v", got, err, t0)
	}
	if err := s.FinishRun(ctx, "dongan", "digest", run, time.Hour, true); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, "dongan", "digest", t0.Add(30*time.Minute), time.Hour, true); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, "dongan", "act:A1:1h0m0s", t0, time.Hour, false); err != nil {
		t.Fatal(err)
	}
	last, err := s.LastRuns(ctx, "dongan")
	if err != nil || len(last) != 1 || !last["digest"].Equal(run) {
		t.Errorf("LastRuns = %v, %v; want digest at %v only (an earlier run does not move it back)", last, err, run)
	}
	if got, _ := s.InitLastRun(ctx, "dongan", "digest", t0); !got.Equal(run) {
		t.Errorf("InitLastRun over a recorded run = %v, want %v", got, run)
	}
	if ok, _ := s.ClaimRun(ctx, "dongan", "digest", run, time.Minute); ok {
		t.Errorf("ClaimRun of a finished run succeeded")
	}
	if _, err := s.ClaimRun(ctx, "Bad Id", "digest", run, time.Minute); !errors.Is(err, ll.ErrNotFound) {
		t.Errorf("ClaimRun in a malformed community = %v", err)
	}
}

// TestOutboxRoundTrips pins the cost of the outbox's hot path.
func TestOutboxRoundTrips(t *testing.T) {
	t.Parallel()
	s, n := storagetest.NewCountedStore(t)
	if err := s.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	var in []ll.OutMessage
	for i := range 300 {
		m := msg(fmt.Sprintf("rt%d", i), int64(i+1))
		m.Due = t0
		in = append(in, m)
	}
	n.Reset()
	if _, err := s.Enqueue(ctx, in...); err != nil {
		t.Fatal(err)
	}
	if got := n.RoundTrips(); got != 1 {
		t.Errorf("Enqueue of 300 messages took %d round trips, want 1", got)
	}
	n.Reset()
	ds, _, err := s.ClaimDeliveries(ctx, t0, 50, obRate, time.Minute)
	if err != nil || len(ds) != 50 {
		t.Fatalf("claim = %d, %v", len(ds), err)
	}
	if got := n.RoundTrips(); got != 1 {
		t.Errorf("ClaimDeliveries of 50 took %d round trips, want 1", got)
	}
	n.Reset()
	ack(t, s, ds[0], ll.Ack{Status: ll.AckSent}, t0)
	if got := n.RoundTrips(); got != 1 {
		t.Errorf("AckDelivery took %d round trips, want 1", got)
	}
}

// TestOutboxCluster runs every outbox and schedule operation on a three-node
// Redis Cluster, which refuses a script whose keys span slots.
func TestOutboxCluster(t *testing.T) {
	t.Parallel()
	cl, err := storagetest.StartCluster(3)
	if errors.Is(err, storagetest.ErrNoRedisServer) {
		t.Skip("redis-server is not on PATH: the cluster test needs it")
	}
	if err != nil {
		t.Fatalf("StartCluster = %v", err)
	}
	defer cl.Stop()
	s, err := storage.Connect(ctx, storage.Config{ClusterAddrs: cl.Addrs(), Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatalf("Connect(cluster) = %v", err)
	}
	defer s.Close()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s on a cluster = %v", what, err)
		}
	}
	var in []ll.OutMessage
	for i := range 20 {
		in = append(in, msg(fmt.Sprintf("k%d", i), int64(i%5+1)))
	}
	_, err = s.Enqueue(ctx, in...)
	must("Enqueue", err)
	_, _, err = s.EnqueueBroadcast(ctx, ll.Broadcast{ID: "b1", ChatID: 99, Lang: "zh"},
		[]ll.OutMessage{{ID: "bc:b1:M1", ChatID: 50, Reply: ll.Reply{Text: "x"}}})
	must("EnqueueBroadcast", err)
	outcomes := []string{ll.AckSent, ll.AckRetryAfter, ll.AckFailed, ll.AckDeferred, ll.AckUnreachable}
	for step := range 20 {
		now := t0.Add(time.Duration(step) * 10 * time.Second)
		ds, _, err := s.ClaimDeliveries(ctx, now, 100, obRate, time.Minute)
		must("ClaimDeliveries", err)
		for i, d := range ds {
			must("AckDelivery", s.AckDelivery(ctx, d, ll.Ack{Status: outcomes[(i+step)%len(outcomes)], RetryAfter: time.Second,
				Until: now.Add(time.Second), Reason: "x"}, now))
		}
	}
	_, err = s.Requeue(ctx, t0)
	must("Requeue", err)
	_, err = s.OutboxStatus(ctx, t0)
	must("OutboxStatus", err)
	_, err = s.DeadLetters(ctx, 10)
	must("DeadLetters", err)
	_, err = s.BroadcastProgress(ctx, "b1")
	must("BroadcastProgress", err)
	for _, c := range []string{"dongan", "beilin", "xiguan"} {
		_, err = s.ClaimRun(ctx, c, "digest", t0, time.Minute)
		must("ClaimRun", err)
		must("FinishRun", s.FinishRun(ctx, c, "digest", t0, time.Hour, true))
		_, err = s.LastRuns(ctx, c)
		must("LastRuns", err)
		_, err = s.InitLastRun(ctx, c, "no-post", t0)
		must("InitLastRun", err)
	}
}

// TestOutboxSharedBodies: messages with the same reply share one stored
// body, which goes when the last of them is done; a dead letter keeps it.
func TestOutboxSharedBodies(t *testing.T) {
	t.Parallel()
	prefix := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: prefix, Now: func() time.Time { return t0 }})
	rdb := storagetest.Client(t)
	bodies := func() int {
		// storagetest.Keys scans every master: KEYS on a cluster client asks one node.
		return len(storagetest.Keys(t, rdb, prefix+"{ob}:body:*"))
	}
	var in []ll.OutMessage
	for i := range 120 {
		m := ll.OutMessage{ID: fmt.Sprintf("s%d", i), ChatID: int64(i + 1), Kind: ll.OutNoPost,
			Reply: ll.Reply{Text: "<b>Claim a post</b>", Buttons: [][]ll.Button{{{Text: "✋ P3", Data: "c:P3"}}}}}
		if i%40 == 0 {
			m.Reply.Text = "other"
		}
		in = append(in, m)
	}
	if _, err := s.Enqueue(ctx, in...); err != nil {
		t.Fatal(err)
	}
	if n := bodies(); n != 2 {
		t.Fatalf("%d stored bodies for 120 messages with 2 distinct replies", n)
	}
	ds := claimAll(t, s, t0)
	if len(ds) != 120 || ds[1].Message.Reply.Text != "<b>Claim a post</b>" || ds[1].Message.Reply.Buttons[0][0].Data != "c:P3" {
		t.Fatalf("claimed %d, second %+v", len(ds), ds[1].Message.Reply)
	}
	for i, d := range ds {
		if i != 5 {
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, t0)
		}
	}
	d, at := ds[5], t0
	for k := range storage.OutboxMaxAttempts {
		ack(t, s, d, ll.Ack{Status: ll.AckFailed, Reason: "x"}, at)
		at = t0.Add(time.Duration(k+1) * time.Hour)
		if again := claimAll(t, s, at); len(again) == 1 {
			d = again[0]
		}
	}
	if n := bodies(); n != 1 {
		t.Errorf("%d bodies left with one dead letter, want 1", n)
	}
	dead, err := s.DeadLetters(ctx, 0)
	if err != nil || len(dead) != 1 || dead[0].Message.Reply.Text != "<b>Claim a post</b>" {
		t.Fatalf("DeadLetters = %+v, %v", dead, err)
	}
	if _, err := s.Requeue(ctx, t0.Add(20*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, d := range claimAll(t, s, t0.Add(21*time.Hour)) {
		ack(t, s, d, ll.Ack{Status: ll.AckSent}, t0.Add(21*time.Hour))
	}
	if n := bodies(); n != 0 {
		t.Errorf("%d bodies left after every message was sent", n)
	}
}
