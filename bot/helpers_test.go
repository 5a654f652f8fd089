package bot_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// memStore is an in-memory bot.UpdateStore.
type memStore struct {
	mu        sync.Mutex
	seen      map[int64]bool
	marks     int
	markErr   error
	reachable map[int64]bool // last value set per user
	setCalls  int
}

func newMemStore() *memStore {
	return &memStore{seen: map[int64]bool{}, reachable: map[int64]bool{}}
}

func (s *memStore) MarkUpdate(_ context.Context, id int64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.marks++
	if s.markErr != nil {
		return false, s.markErr
	}
	if s.seen[id] {
		return false, nil
	}
	s.seen[id] = true
	return true, nil
}

func (s *memStore) SetReachable(_ context.Context, tg int64, reachable bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setCalls++
	s.reachable[tg] = reachable
	return nil
}

// reach returns the last reachability set for tg and whether any was set.
func (s *memStore) reach(tg int64) (reachable, set bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.reachable[tg]
	return r, ok
}

func (s *memStore) markCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.marks
}

// recorder is a fake Handler that records requests and answers with reply.
type recorder struct {
	mu    sync.Mutex
	reqs  []lamplighter.Request
	reply func(lamplighter.Request) []lamplighter.Reply
}

func (r *recorder) Handle(_ context.Context, req lamplighter.Request) []lamplighter.Reply {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	reply := r.reply
	r.mu.Unlock()
	if reply == nil {
		return []lamplighter.Reply{{Text: "ok: " + req.Text}}
	}
	return reply(req)
}

func (r *recorder) requests() []lamplighter.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]lamplighter.Request(nil), r.reqs...)
}

// sleeps records the waits the adapter asks for, without sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func (s *sleeps) count(d time.Duration) int {
	n := 0
	for _, x := range s.all() {
		if x == d {
			n++
		}
	}
	return n
}

// testLogger logs to stderr with -v, else nowhere.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// env is a Telegram adapter running against a fake Bot API.
type env struct {
	srv    *telegramtest.Server
	tg     *bot.Telegram
	store  *memStore
	h      *recorder
	sleeps *sleeps
	cancel context.CancelFunc
	done   chan error
}

// config returns a configuration for srv with fast, sleepless defaults.
func config(srv *telegramtest.Server, h bot.Handler, store bot.UpdateStore, sl *sleeps) bot.TelegramConfig {
	return bot.TelegramConfig{
		Token:       srv.Token,
		APIURL:      srv.URL(),
		Handler:     h,
		Store:       store,
		Menus:       testMenus,
		PollTimeout: time.Second,
		Logger:      testLogger(),
		Sleep:       sl.Sleep,
		// The fake server answers [] after 200 ms; do not add the pause.
		EmptyPollSleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
}

var testMenus = map[string]map[string][]lamplighter.MenuCommand{
	"member": {
		"zh": {{Command: "me", Description: "我的台账"}, {Command: "posts", Description: "岗位"}},
		"en": {{Command: "me", Description: "My ledger"}, {Command: "posts", Description: "Posts"}},
	},
	"committee": {
		"zh": {{Command: "me", Description: "我的台账"}, {Command: "pending", Description: "待审核"}},
		"en": {{Command: "me", Description: "My ledger"}, {Command: "pending", Description: "Pending"}},
	},
}

// start runs a Telegram adapter until the test ends. srv and store may be
// nil (new ones are made); edit adjusts the configuration.
func start(t *testing.T, srv *telegramtest.Server, store *memStore, h *recorder, edit func(*bot.TelegramConfig)) *env {
	t.Helper()
	if srv == nil {
		srv = telegramtest.NewServer(t)
	}
	if store == nil {
		store = newMemStore()
	}
	if h == nil {
		h = &recorder{}
	}
	e := &env{srv: srv, store: store, h: h, sleeps: &sleeps{}, done: make(chan error, 1)}
	cfg := config(srv, h, store, e.sleeps)
	if edit != nil {
		edit(&cfg)
	}
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		t.Fatalf("NewTelegram: %v", err)
	}
	e.tg = tg
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() { e.done <- tg.Run(ctx) }()
	t.Cleanup(func() { e.stop(t) })
	return e
}

// stop cancels Run and waits for it to return.
func (e *env) stop(t *testing.T) {
	t.Helper()
	e.cancel()
	select {
	case err, ok := <-e.done:
		if ok && err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if ok {
			close(e.done)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// handled waits until the adapter has processed n updates.
func (e *env) handled(n int64) {
	e.srv.Wait("handled updates", func() bool { return e.tg.Stats().Handled >= n })
}
