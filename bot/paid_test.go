package bot_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// paidSetup is a real outbox and a sender with paid broadcasts on (the
// production rates: 25/s free, 1,000/s paid), delivering to the fake Bot
// API that enforces Telegram's limits (30/s free, 1,000/s paid).
func paidSetup(tb testing.TB, workers int) (*storage.Store, *telegramtest.Server, *bot.Sender) {
	tb.Helper()
	srv := telegramtest.NewServer(tb)
	srv.LimitRates(30, 1000)
	st := storagetest.NewStore(tb)
	cfg := config(srv, &recorder{}, newMemStore(), &sleeps{})
	cfg.Sleep = nil
	cfg.Logger = nil
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := bot.NewSender(bot.SenderConfig{Queue: st, Deliverer: tg, Rate: bot.DefaultRate, PaidRate: bot.PaidBroadcastRate,
		Workers: workers, Idle: 10 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		tb.Fatal(err)
	}
	return st, srv, s
}

// drain runs s until broadcast id has finished and every other message is
// gone, and returns how long that took.
func drain(tb testing.TB, st *storage.Store, s *bot.Sender, id string) time.Duration {
	tb.Helper()
	ctx := context.Background()
	start := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Millisecond) {
		p, err := st.BroadcastProgress(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		status, err := st.OutboxStatus(ctx, time.Now())
		if err != nil {
			tb.Fatal(err)
		}
		if p.Finished() && status.Queued == 0 && status.InFlight == 0 {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not drained after a minute: %+v, %+v", p, status)
		}
	}
}

func recipients(id string, n int) []lamplighter.OutMessage {
	msgs := make([]lamplighter.OutMessage, n)
	for i := range msgs {
		msgs[i] = lamplighter.OutMessage{ID: fmt.Sprintf("bc:%s:M%d", id, i+1), ChatID: int64(100000 + i),
			Reply: lamplighter.Reply{Text: "Street-light check on Saturday, 9:00, block 19"}}
	}
	return msgs
}

// TestPaidBroadcastReachesTheAPI: with a paid rate, a broadcast's messages
// go with allow_paid_broadcast=true and the messages that are not a
// broadcast's (a notice, the progress message) without it, and the fake
// Bot API's limits refuse none of them.
func TestPaidBroadcastReachesTheAPI(t *testing.T) {
	t.Parallel()
	st, srv, s := paidSetup(t, 16)
	ctx := context.Background()
	if _, err := st.Enqueue(ctx, lamplighter.OutMessage{ID: "notice", ChatID: 42, Kind: lamplighter.OutDirect,
		Reply: lamplighter.Reply{Text: "role changed"}}); err != nil {
		t.Fatal(err)
	}
	const n = 300
	b := lamplighter.Broadcast{ID: "paid", Community: "dongan", ChatID: 1, Lang: "en"}
	if _, _, err := st.EnqueueBroadcast(ctx, b, recipients("paid", n)); err != nil {
		t.Fatal(err)
	}
	drain(t, st, s, "paid")
	paid, free := 0, 0
	for _, c := range srv.Calls("sendMessage") {
		if c.ErrorCode != 0 {
			t.Errorf("sendMessage to %d refused: %d %s", c.ChatID, c.ErrorCode, c.Description)
			continue
		}
		isPaid := c.Params["allow_paid_broadcast"] == "true"
		if want := c.ChatID >= 100000; isPaid != want {
			t.Errorf("sendMessage to %d with allow_paid_broadcast %q, want paid %v", c.ChatID, c.Params["allow_paid_broadcast"], want)
		}
		if isPaid {
			paid++
		} else {
			free++
		}
	}
	if paid != n || free < 2 {
		t.Errorf("%d paid and %d free messages, want %d paid and the notice and progress message free", paid, free, n)
	}
	if f, p := srv.RateLimited(); f != 0 || p != 0 {
		t.Errorf("the fake Bot API refused %d free and %d paid messages beyond its limits", f, p)
	}
}

// TestFakeAPIEnforcesLimits: of 40 messages at once, without
// allow_paid_broadcast the burst of a 30/s limit (6) and what it refills
// meanwhile get through and the rest are answered 429; with it, all 40.
func TestFakeAPIEnforcesLimits(t *testing.T) {
	t.Parallel()
	for _, paid := range []bool{false, true} {
		srv := telegramtest.NewServer(t)
		at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
		srv.SetClock(func() time.Time { return at }) // 40 sends at one instant, however slow the machine
		srv.LimitRates(30, 1000)
		cfg := config(srv, &recorder{}, newMemStore(), &sleeps{})
		tg, err := bot.NewTelegram(cfg)
		if err != nil {
			t.Fatal(err)
		}
		limited := 0
		for i := range 40 {
			_, err := tg.Deliver(context.Background(), bot.Outgoing{ChatID: int64(500 + i), Reply: lamplighter.Reply{Text: "x"}, Paid: paid})
			var ra *bot.RetryAfterError
			switch {
			case err == nil:
			case errors.As(err, &ra):
				limited++
			default:
				t.Fatalf("Deliver: %v", err)
			}
		}
		// A fifth of a second's burst goes (6 of 30/s, 200 of 1,000/s); at
		// the same instant nothing refills, so the rest are refused.
		want := 34
		if paid {
			want = 0
		}
		if limited != want {
			t.Errorf("paid=%v: %d of 40 messages answered 429, want %d", paid, limited, want)
		}
	}
}

// BenchmarkPaidBroadcastRate drains a broadcast of 5,000 recipients through
// the real outbox and sender, paid broadcast on (1,000 messages/s), to the
// fake Bot API that enforces 1,000/s for paid messages, and reports the
// achieved rate and the 429s.
func BenchmarkPaidBroadcastRate(b *testing.B) {
	for range b.N {
		b.StopTimer()
		st, srv, s := paidSetup(b, 64)
		const n = 5000
		// No progress message (ChatID 0): its last edit would wait out
		// storage.ProgressInterval after the last recipient.
		if _, _, err := st.EnqueueBroadcast(context.Background(), lamplighter.Broadcast{ID: "bench", Community: "dongan", Lang: "en"},
			recipients("bench", n)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		elapsed := drain(b, st, s, "bench")
		b.StopTimer()
		_, paid429 := srv.RateLimited()
		b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(paid429), "429s")
	}
}
