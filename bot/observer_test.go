package bot_test

import (
	"sync"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// observer is a bot.Observer that records what it is told.
type observer struct {
	mu      sync.Mutex
	handler []time.Duration
	calls   map[bot.APIResult]int
}

func (o *observer) HandlerDone(d time.Duration) {
	o.mu.Lock()
	o.handler = append(o.handler, d)
	o.mu.Unlock()
}

func (o *observer) APICall(r bot.APIResult) {
	o.mu.Lock()
	if o.calls == nil {
		o.calls = map[bot.APIResult]int{}
	}
	o.calls[r]++
	o.mu.Unlock()
}

func (o *observer) seen() ([]time.Duration, map[bot.APIResult]int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	calls := map[bot.APIResult]int{}
	for r, n := range o.calls {
		calls[r] = n
	}
	return append([]time.Duration(nil), o.handler...), calls
}

// TestObserver checks that the Observer is told each handler latency (by
// the configured clock) and each Bot API call's answer: a reply that meets
// a 429 and is sent again, one to a chat that blocked the bot, one that
// fails otherwise, and the menus set at start.
func TestObserver(t *testing.T) {
	clk := newTestClock()
	obs := &observer{}
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		clk.Advance(250 * time.Millisecond)
		return []lamplighter.Reply{{Text: "ok"}}
	}}
	e := start(t, nil, nil, h, func(c *bot.TelegramConfig) {
		c.Now = clk.Now
		c.Observer = obs
		c.Workers = 1 // one handler at a time: each advances the clock alone
	})
	e.srv.Wait("menus set", func() bool { return len(e.srv.Calls("setMyCommands")) == 3 })
	e.srv.FailNext(1001, 1, telegramtest.TooManyRequests(1))
	e.srv.FailNext(1002, 1, telegramtest.Blocked)
	e.srv.FailNext(1003, 1, telegramtest.Failure{Code: 500, Description: "Internal Server Error"})
	for _, user := range []int64{1001, 1002, 1003} {
		e.srv.PushText(user, "/me")
	}
	e.handled(3)

	durations, calls := obs.seen()
	if len(durations) != 3 {
		t.Fatalf("HandlerDone told %d times, want 3", len(durations))
	}
	for _, d := range durations {
		if d != 250*time.Millisecond {
			t.Errorf("HandlerDone(%v), want 250ms", d)
		}
	}
	want := map[bot.APIResult]int{
		bot.APIOK:          3 + 1, // the menus, the reply sent after the 429
		bot.APIRateLimited: 1,
		bot.APIUnreachable: 1,
		bot.APIFailed:      1,
	}
	for r, n := range want {
		if calls[r] != n {
			t.Errorf("APICall(%v) told %d times, want %d (all: %v)", r, calls[r], n, calls)
		}
	}
}
