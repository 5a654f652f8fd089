package bot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// A server that ignores the long-poll timeout and answers [] at once is
// followed by a pause before every next getUpdates: the poller never spins.
// The injected pause records each wait; without the pause (the old loop) no
// wait is ever recorded after a successful empty answer.
func TestEarlyEmptyPollPauses(t *testing.T) {
	srv := telegramtest.NewServer(t)
	srv.MaxPollWait = 0 // answer [] immediately, whatever the timeout
	var (
		mu     sync.Mutex
		pauses []time.Duration
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := config(srv, &recorder{}, nil, &sleeps{})
	cfg.PollTimeout = 50 * time.Second
	cfg.EmptyPollSleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		pauses = append(pauses, d)
		n := len(pauses)
		mu.Unlock()
		if n >= 5 {
			cancel()
		}
		return ctx.Err()
	}
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cancel()
		<-done
		t.Fatal("the poller never paused after immediate empty answers")
	}
	mu.Lock()
	defer mu.Unlock()
	calls := len(srv.Calls("getUpdates"))
	for _, d := range pauses {
		if d != bot.DefaultEmptyPollPause {
			t.Errorf("pause %v, want %v", d, bot.DefaultEmptyPollPause)
		}
	}
	// Every empty answer but possibly the last is followed by a pause.
	if len(pauses) < 5 || calls > len(pauses)+2 {
		t.Errorf("%d getUpdates calls, %d pauses; want a pause after each", calls, len(pauses))
	}
}
