package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// Replies the handlers give while Redis is down (handlers/i18n.go,
// error.unavailable).
const (
	unavailableZH = "服务暂时不可用"
	unavailableEN = "temporarily unavailable"
)

// TestRedisDown runs "lamplighter run" against a redis-server of its own and
// kills the server (SIGKILL) under it: the bot stays up, answers every
// command that it is temporarily unavailable in the user's language, and
// /healthz says 503. Then Redis restarts on the same port and directory and,
// without restarting the bot, /healthz says 200 and the next commands work on
// the data written before the crash.
func TestRedisDown(t *testing.T) {
	srv, err := storagetest.StartServer("--appendonly", "yes", "--appendfsync", "always")
	if errors.Is(err, storagetest.ErrNoRedisServer) {
		t.Skip("TestRedisDown kills and restarts a redis-server of its own: redis-server is not on PATH (REDIS_TEST_URL is not enough)")
	}
	if err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(srv.Stop)
	ctx := context.Background()
	e := &testEnv{t: t, prefix: storagetest.Prefix(), env: map[string]string{"REDIS_URL": srv.URL()}}
	e.st, err = storage.Connect(ctx, storage.Config{URL: srv.URL(), Prefix: e.prefix, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("Connect(%s) = %v", srv.Addr(), err)
	}
	t.Cleanup(func() { e.st.Close() })
	setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startBot(t, e, tg, nil)

	const (
		secretary = 10001 // 李秀兰; Telegram says zh
		english   = 50005 // not a member; Telegram says en
	)
	sayEN := func(text string) {
		tg.PushMessage(english, models.Message{
			From: &models.User{ID: english, FirstName: "Ann", LanguageCode: "en"},
			Text: text, Entities: telegramtest.CommandEntities(text),
		})
	}
	healthz := func() int {
		t.Helper()
		resp, err := http.Get("http://" + r.addr + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz: %v (the bot's HTTP server is gone)", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	stillRunning := func(when string) {
		t.Helper()
		select {
		case code := <-r.done:
			r.done <- code
			t.Fatalf("lamplighter run exited with %d %s:\n%s", code, when, r.stderr.String())
		default:
		}
	}

	if got := healthz(); got != http.StatusOK {
		t.Fatalf("GET /healthz before the crash = %d, want 200", got)
	}
	say(t, tg, secretary, "/me", "李秀兰")

	// Redis dies.
	srv.Kill()
	if got := healthz(); got != http.StatusServiceUnavailable {
		t.Errorf("GET /healthz with Redis down = %d, want 503", got)
	}
	start := time.Now()
	say(t, tg, secretary, "/me", unavailableZH)
	t.Logf("with Redis down, the zh answer came after %v", time.Since(start).Round(time.Millisecond))
	n := len(tg.Sent(english))
	sayEN("/help")
	expect(t, tg, english, n, unavailableEN)
	stillRunning("with Redis down")
	// Enough failed dials to open go-redis's circuit breaker (a pool fails
	// fast after PoolSize failed dials until a background dial succeeds), so
	// that the recovery below goes through it.
	for range 10 {
		if got := healthz(); got != http.StatusServiceUnavailable {
			t.Fatalf("GET /healthz with Redis still down = %d, want 503", got)
		}
	}

	// Redis comes back on the same port with its append-only file.
	start = time.Now()
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart redis-server on %s: %v", srv.Addr(), err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for healthz() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz still not 200 15 s after Redis restarted")
		}
		time.Sleep(50 * time.Millisecond) // poll interval, bounded by the deadline
	}
	t.Logf("/healthz answered 200 %v after redis-server was started again", time.Since(start).Round(time.Millisecond))
	stillRunning("after Redis came back")

	// The very next commands work, in each user's language.
	n = len(tg.Sent(secretary))
	card := say(t, tg, secretary, "/me", "李秀兰")
	if got := telegramtest.Visible(card.Text, card.ParseMode); strings.Contains(got, unavailableZH) {
		t.Errorf("/me after Redis came back = %q", got)
	}
	if texts := sentTexts(tg, secretary)[n:]; len(texts) != 1 {
		t.Errorf("the secretary got %q after Redis came back, want one card", texts)
	}
	n = len(tg.Sent(english))
	sayEN("/help")
	help := expect(t, tg, english, n, "/join")
	if got := telegramtest.Visible(help.Text, help.ParseMode); strings.Contains(got, unavailableEN) || !strings.Contains(got, "register") {
		t.Errorf("/help in English after Redis came back = %q", got)
	}
	if m, err := e.st.MemberByTelegram(ctx, "dongan", secretary); err != nil || m.Name != "李秀兰" {
		t.Errorf("the secretary after the crash = %+v, %v", m, err)
	}
	r.stop()
	if s := r.stderr.String(); strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") {
		t.Errorf("the log shows a panic:\n%s", s)
	}
}
