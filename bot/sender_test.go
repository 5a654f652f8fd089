package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// clock is the tests' injected clock: time moves only when a sender sleeps,
// by the time it asked to sleep; a sleep really waits 20µs only, to let the
// other goroutines run. testing/synctest's fake time does not fit here: the
// senders talk to a real redis-server and an httptest Bot API over sockets,
// which are not durably blocking, so time in a bubble would never move.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	time.Sleep(20 * time.Microsecond) // let the other goroutines run
	return ctx.Err()
}

// attempt is one delivery the recording deliverer saw.
type attempt struct {
	chat       int64
	at         time.Time
	kind       string // "ok", "429", "unreachable", "error"
	retryAfter time.Duration
	text       string
}

// recorder wraps the Telegram adapter and records every delivery with the
// injected clock's time; after, when set, is called after each success.
type recDeliverer struct {
	next  bot.Deliverer
	clock *clock
	after func(n int64)

	ok atomic.Int64
	mu sync.Mutex
	at []attempt
}

func (r *recDeliverer) Deliver(ctx context.Context, m bot.Outgoing) (int, error) {
	start := r.clock.Now()
	id, err := r.next.Deliver(ctx, m)
	a := attempt{chat: m.ChatID, at: start, kind: "ok", text: m.Reply.Text}
	var ra *bot.RetryAfterError
	switch {
	case err == nil:
	case errors.As(err, &ra):
		a.kind, a.retryAfter = "429", ra.After
	case errors.Is(err, bot.ErrUnreachable):
		a.kind = "unreachable"
	default:
		a.kind = "error"
	}
	r.mu.Lock()
	r.at = append(r.at, a)
	r.mu.Unlock()
	if err == nil {
		n := r.ok.Add(1)
		if r.after != nil {
			r.after(n)
		}
	}
	return id, err
}

func (r *recDeliverer) attempts() []attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]attempt(nil), r.at...)
}

// outboxEnv is an outbox on the test Redis with a fake Bot API and an
// injected clock.
type outboxEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *clock
	store *storage.Store
	srv   *telegramtest.Server
	users *memStore
}

func newOutboxEnv(t *testing.T) *outboxEnv {
	e := &outboxEnv{t: t, ctx: context.Background(), clock: newClock(), srv: telegramtest.NewServer(t), users: newMemStore()}
	e.store = storagetest.NewStoreOptions(t, storage.Options{Now: e.clock.Now})
	return e
}

// telegram returns a new Telegram adapter on the fake server whose waits
// use the injected clock.
func (e *outboxEnv) telegram() *bot.Telegram {
	cfg := config(e.srv, &recorder{}, e.users, &sleeps{})
	cfg.Sleep = e.clock.Sleep
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return tg
}

// sender starts a sender on q delivering through d; stop cancels it and
// waits for Run to return.
func (e *outboxEnv) sender(q bot.Queue, d bot.Deliverer, edit func(*bot.SenderConfig)) (s *bot.Sender, stop func()) {
	cfg := bot.SenderConfig{Queue: q, Deliverer: d, Rate: 5000, Workers: 8, Lease: time.Minute,
		Now: e.clock.Now, Sleep: e.clock.Sleep, Logger: testLogger()}
	if edit != nil {
		edit(&cfg)
	}
	s, err := bot.NewSender(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					e.t.Errorf("Sender.Run = %v", err)
				}
			case <-time.After(10 * time.Second):
				e.t.Fatal("Sender.Run did not return after cancel")
			}
		})
	}
	e.t.Cleanup(stop)
	return s, stop
}

func (e *outboxEnv) status() lamplighter.OutboxStatus {
	st, err := e.store.OutboxStatus(e.ctx, e.clock.Now())
	if err != nil {
		e.t.Fatalf("OutboxStatus = %v", err)
	}
	return st
}

// drained waits until nothing is queued or in flight.
func (e *outboxEnv) drained() {
	e.srv.Wait("an empty outbox", func() bool {
		st := e.status()
		return st.Queued == 0 && st.InFlight == 0
	})
}

// broadcast enqueues a broadcast to chats first..first+n-1 with its
// progress message in chat 99.
func (e *outboxEnv) broadcast(id string, first int64, n int) {
	msgs := make([]lamplighter.OutMessage, n)
	for i := range msgs {
		msgs[i] = lamplighter.OutMessage{ID: fmt.Sprintf("bc:%s:M%d", id, i+1), ChatID: first + int64(i),
			Reply: lamplighter.Reply{Text: "Street-light check on Saturday"}}
	}
	_, added, err := e.store.EnqueueBroadcast(e.ctx, lamplighter.Broadcast{ID: id, Community: "dongan", By: "M1",
		ChatID: progressChat, Lang: "en", Audience: "all"}, msgs)
	if err != nil || added != n {
		e.t.Fatalf("EnqueueBroadcast = %d, %v", added, err)
	}
}

const progressChat = 99

// sentPerChat counts the successful sendMessage calls per chat.
func sentPerChat(srv *telegramtest.Server) map[int64]int {
	out := map[int64]int{}
	for _, c := range srv.Calls("sendMessage") {
		if c.ErrorCode == 0 {
			out[c.ChatID]++
		}
	}
	return out
}

// crashQueue is the outbox seen by a sender that dies: once crashed, it
// claims nothing and every acknowledgement is lost.
type crashQueue struct {
	bot.Queue
	crashed atomic.Bool
	mu      sync.Mutex
	lost    map[int64]bool // chats whose delivered message was never acknowledged
}

func (q *crashQueue) ClaimDeliveries(ctx context.Context, now time.Time, max int, rate float64, lease time.Duration) ([]lamplighter.Delivery, time.Duration, error) {
	if q.crashed.Load() {
		return nil, 0, errors.New("process died")
	}
	return q.Queue.ClaimDeliveries(ctx, now, max, rate, lease)
}

func (q *crashQueue) AckDelivery(ctx context.Context, d lamplighter.Delivery, a lamplighter.Ack, now time.Time) error {
	if q.crashed.Load() {
		q.mu.Lock()
		if a.Status == lamplighter.AckSent {
			q.lost[d.Message.ChatID] = true
		}
		q.mu.Unlock()
		return nil
	}
	return q.Queue.AckDelivery(ctx, d, a, now)
}

// TestSenderCrashMidBroadcast stops a sender abruptly in the middle of a
// 2,000-message broadcast (its deliveries in flight finish, their acks are
// lost) and starts another: every recipient gets the message exactly once,
// except the ones in flight at the crash, which get it at most twice.
func TestSenderCrashMidBroadcast(t *testing.T) {
	e := newOutboxEnv(t)
	const n, first = 2000, 10001
	e.broadcast("b1", first, n)

	q := &crashQueue{Queue: e.store, lost: map[int64]bool{}}
	var stopFirst func()
	crashAt := make(chan struct{})
	rec := &recDeliverer{next: e.telegram(), clock: e.clock, after: func(sent int64) {
		if sent == 700 {
			q.crashed.Store(true)
			close(crashAt)
		}
	}}
	_, stopFirst = e.sender(q, rec, nil)
	select {
	case <-crashAt:
	case <-time.After(10 * time.Second):
		t.Fatal("the first sender did not deliver 700 messages")
	}
	stopFirst()
	if got := len(sentPerChat(e.srv)); got < 700 || got >= n {
		t.Fatalf("%d recipients served before the crash, want 700 or a few more", got)
	}

	// The dead sender's leases run out; another sender (another replica,
	// or the same after a restart) finishes the job.
	e.clock.Advance(time.Minute + time.Second)
	rec2 := &recDeliverer{next: e.telegram(), clock: e.clock}
	e.sender(e.store, rec2, nil)
	e.drained()

	per := sentPerChat(e.srv)
	dups := 0
	for chat := int64(first); chat < first+n; chat++ {
		switch c := per[chat]; {
		case c == 1:
		case c == 2 && q.lost[chat]:
			dups++
		default:
			t.Errorf("chat %d got the broadcast %d times (in flight at the crash: %v)", chat, c, q.lost[chat])
		}
	}
	t.Logf("in flight at the crash: %d; delivered twice: %d", len(q.lost), dups)
	if len(q.lost) > 8+1 { // at most one per worker, plus the progress message
		t.Errorf("%d messages were in flight at the crash with 8 workers", len(q.lost))
	}
	st := e.status()
	if st.Sent < n || st.Queued != 0 || st.InFlight != 0 || st.Dead != 0 {
		t.Errorf("outbox after the broadcast: %+v", st)
	}

	// One progress message, edited as delivery went on, at most every 3 s
	// by the injected clock, ending at 100%.
	var edits []attempt
	for _, a := range append(rec.attempts(), rec2.attempts()...) {
		if a.chat == progressChat && a.kind == "ok" {
			edits = append(edits, a)
		}
	}
	sent := e.srv.Sent(progressChat)
	if len(sent) < 2 || sent[0].Method != "sendMessage" {
		t.Fatalf("progress chat got %d calls, want a message then edits", len(sent))
	}
	for _, c := range sent[1:] {
		if c.Method != "editMessageText" || c.MessageID != sent[0].MessageID {
			t.Errorf("progress update %s of message %d, want edits of message %d", c.Method, c.MessageID, sent[0].MessageID)
		}
	}
	if last := sent[len(sent)-1].Text; !strings.Contains(last, fmt.Sprintf("%d/%d (100%%)", n, n)) {
		t.Errorf("last progress text %q, want %d/%d (100%%)", last, n, n)
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].at.Before(edits[j].at) })
	for i := 1; i < len(edits); i++ {
		if gap := edits[i].at.Sub(edits[i-1].at); gap < storage.ProgressInterval {
			t.Errorf("progress updated %s after the previous one, want at least %s", gap, storage.ProgressInterval)
		}
	}
}

// TestSender429Storm: Telegram answers 429 twice to a third of the chats;
// everything is delivered in the end, and no chat is tried again before its
// retry_after ran out (by the injected clock).
func TestSender429Storm(t *testing.T) {
	e := newOutboxEnv(t)
	const n = 300
	var msgs []lamplighter.OutMessage
	for i := range n {
		chat := int64(20000 + i)
		msgs = append(msgs, lamplighter.OutMessage{ID: fmt.Sprintf("m%d", i), ChatID: chat, Kind: lamplighter.OutDirect,
			Reply: lamplighter.Reply{Text: "notice"}})
		if i%3 == 0 {
			e.srv.FailNext(chat, 2, telegramtest.TooManyRequests(2+i%5))
		}
	}
	if _, err := e.store.Enqueue(e.ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	rec := &recDeliverer{next: e.telegram(), clock: e.clock}
	e.sender(e.store, rec, func(c *bot.SenderConfig) { c.Rate = 200 })
	e.drained()

	byChat := map[int64][]attempt{}
	for _, a := range rec.attempts() {
		byChat[a.chat] = append(byChat[a.chat], a)
	}
	storms := 0
	for i := range n {
		chat := int64(20000 + i)
		as := byChat[chat]
		ok := 0
		for j, a := range as {
			switch a.kind {
			case "ok":
				ok++
			case "429":
				storms++
				if j+1 < len(as) && as[j+1].at.Before(a.at.Add(a.retryAfter)) {
					t.Errorf("chat %d tried %s after a 429 with retry_after %s", chat, as[j+1].at.Sub(a.at), a.retryAfter)
				}
			default:
				t.Errorf("chat %d: unexpected outcome %s", chat, a.kind)
			}
		}
		if ok != 1 {
			t.Errorf("chat %d got %d messages, want 1", chat, ok)
		}
	}
	if storms != 2*n/3 {
		t.Errorf("%d 429s, want %d", storms, 2*n/3)
	}
	if st := e.status(); st.RateLimited != int64(storms) || st.Sent != n {
		t.Errorf("outbox after the storm: %+v", st)
	}
}

// TestSenderBlockedUserTriedOnce: a user who blocked the bot is tried once;
// their other messages are dropped, counted, and they are marked
// unreachable.
func TestSenderBlockedUserTriedOnce(t *testing.T) {
	e := newOutboxEnv(t)
	const blocked = 30001
	e.srv.FailNext(blocked, 1, telegramtest.Blocked)
	var msgs []lamplighter.OutMessage
	for i := range 3 {
		msgs = append(msgs, lamplighter.OutMessage{ID: fmt.Sprintf("b%d", i), ChatID: blocked, Kind: lamplighter.OutDirect, Reply: lamplighter.Reply{Text: "x"}})
	}
	msgs = append(msgs, lamplighter.OutMessage{ID: "ok", ChatID: 30002, Kind: lamplighter.OutDirect, Reply: lamplighter.Reply{Text: "x"}})
	if _, err := e.store.Enqueue(e.ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	var failures atomic.Int64
	s, _ := e.sender(e.store, e.telegram(), func(c *bot.SenderConfig) {
		c.OnFailure = func(_ context.Context, m lamplighter.OutMessage, err error) {
			if m.ChatID == blocked && errors.Is(err, bot.ErrUnreachable) {
				failures.Add(1)
			}
		}
	})
	e.drained()
	calls := 0
	for _, c := range e.srv.Calls("") {
		if c.ChatID == blocked {
			calls++
		}
	}
	if calls != 1 {
		t.Errorf("the blocked user was tried %d times, want 1", calls)
	}
	if st := e.status(); st.Unreachable != 3 || st.Sent != 1 {
		t.Errorf("outbox: %+v, want 3 unreachable, 1 sent", st)
	}
	if r, set := e.users.reach(blocked); !set || r {
		t.Errorf("the blocked user is not marked unreachable")
	}
	if failures.Load() != 1 || s.Stats().Unreachable != 1 {
		t.Errorf("OnFailure told %d times, stats %+v", failures.Load(), s.Stats())
	}
}

// TestSenderTwoReplicasShareTheRate: two senders on one outbox deliver each
// message once, and together no faster than the rate.
func TestSenderTwoReplicasShareTheRate(t *testing.T) {
	e := newOutboxEnv(t)
	const n, rate = 600, 100.0
	var msgs []lamplighter.OutMessage
	for i := range n {
		msgs = append(msgs, lamplighter.OutMessage{ID: fmt.Sprintf("r%d", i), ChatID: int64(40000 + i), Kind: lamplighter.OutDirect,
			Reply: lamplighter.Reply{Text: "x"}})
	}
	if _, err := e.store.Enqueue(e.ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	recA := &recDeliverer{next: e.telegram(), clock: e.clock}
	recB := &recDeliverer{next: e.telegram(), clock: e.clock}
	a, _ := e.sender(e.store, recA, func(c *bot.SenderConfig) { c.Rate = rate })
	b, _ := e.sender(e.store, recB, func(c *bot.SenderConfig) { c.Rate = rate })
	e.drained()

	for chat, c := range sentPerChat(e.srv) {
		if c != 1 {
			t.Errorf("chat %d got %d messages", chat, c)
		}
	}
	if a.Stats().Sent == 0 || b.Stats().Sent == 0 || a.Stats().Sent+b.Stats().Sent != n {
		t.Errorf("senders delivered %d and %d, want both some, %d together", a.Stats().Sent, b.Stats().Sent, n)
	}
	all := append(recA.attempts(), recB.attempts()...)
	sort.Slice(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	span := all[len(all)-1].at.Sub(all[0].at).Seconds()
	burst := rate * 0.1 // storage's bucket holds a tenth of a second of the rate
	if limit := burst + rate*span + 1; float64(len(all)) > limit {
		t.Errorf("%d messages in %.2f s by the injected clock: faster than %v/s (limit %.0f)", len(all), span, rate, limit)
	}
	t.Logf("two replicas: %d messages in %.2f s (injected clock) = %.1f/s at a rate of %v/s", len(all), span, float64(len(all)-1)/span, rate)
}

// TestSenderQuietHoursAndFailures: a scheduled reminder in its quiet hours
// is deferred to their end without a call to Telegram; a failing message
// backs off and ends as a dead letter, told to OnFailure.
func TestSenderQuietHoursAndFailures(t *testing.T) {
	e := newOutboxEnv(t)
	// 10:00 UTC is 18:00 in Shanghai: no quiet hours; 22:00 there is.
	quiet := &lamplighter.QuietHours{Start: 17 * 60, End: 20 * 60}
	m := lamplighter.OutMessage{ID: "rem", ChatID: 50001, Kind: lamplighter.OutBelowMinimum, Reply: lamplighter.Reply{Text: "you are below"},
		Quiet: quiet, Zone: "Asia/Shanghai"}
	if _, err := e.store.Enqueue(e.ctx, m); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	start := e.clock.Now()
	rec := &recDeliverer{next: e.telegram(), clock: e.clock}
	e.srv.FailNext(50002, 100, telegramtest.Failure{Code: 500, Description: "Internal Server Error"})
	if _, err := e.store.Enqueue(e.ctx, lamplighter.OutMessage{ID: "bad", ChatID: 50002, Kind: lamplighter.OutDirect, Reply: lamplighter.Reply{Text: "x"}}); err != nil {
		t.Fatal(err)
	}
	var dead atomic.Int64
	e.sender(e.store, rec, func(c *bot.SenderConfig) {
		c.MaxAttempts = storage.OutboxMaxAttempts
		c.Idle = time.Minute // sleep until the next due message
		c.OnFailure = func(_ context.Context, m lamplighter.OutMessage, _ error) { dead.Add(1) }
	})
	e.srv.Wait("the reminder after the quiet hours", func() bool { return len(e.srv.Sent(50001)) == 1 })
	e.srv.Wait("a dead letter", func() bool { return e.status().Dead == 1 })
	for _, a := range rec.attempts() {
		if a.chat == 50001 {
			if got := a.at.In(loc); got.Hour() < 20 && got.Sub(start) < 24*time.Hour {
				t.Errorf("reminder delivered at %s, inside the quiet hours 17:00-20:00", got.Format("15:04"))
			}
		}
	}
	if got := len(e.srv.Calls("")) - len(e.srv.Sent(50001)); got != storage.OutboxMaxAttempts {
		t.Errorf("the failing message was tried %d times, want %d", got, storage.OutboxMaxAttempts)
	}
	if dead.Load() != 1 {
		t.Errorf("OnFailure told %d times about the dead letter, want 1", dead.Load())
	}
	if st := e.status(); st.Deferred != 1 {
		t.Errorf("deferred = %d, want 1", st.Deferred)
	}
}

func TestNewSenderChecksConfig(t *testing.T) {
	if _, err := bot.NewSender(bot.SenderConfig{}); err == nil {
		t.Error("NewSender without a queue succeeded")
	}
	e := newOutboxEnv(t)
	if _, err := bot.NewSender(bot.SenderConfig{Queue: e.store, Deliverer: e.telegram(), Rate: -1}); err == nil {
		t.Error("NewSender with a negative rate succeeded")
	}
}
