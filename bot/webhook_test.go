package bot_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

const (
	hookURL    = "https://bot.example.org/telegram/hook"
	hookSecret = "s3cret-Token_1"
)

func webhookMode(c *bot.TelegramConfig) {
	c.WebhookURL = hookURL
	c.WebhookSecret = hookSecret
}

func update(id int, chat int64, text string) string {
	return `{"update_id":` + itoa(int64(id)) + `,"message":{"message_id":` + itoa(int64(id)) + `,"date":1,` +
		`"from":{"id":` + itoa(chat) + `,"is_bot":false,"first_name":"A","language_code":"en"},` +
		`"chat":{"id":` + itoa(chat) + `,"type":"private"},"text":"` + text + `"}}`
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// post sends a webhook request to h and returns the status.
func post(h http.Handler, method, secret, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/telegram/hook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestWebhook(t *testing.T) {
	e := start(t, nil, nil, nil, webhookMode)
	e.srv.Wait("setWebhook", func() bool { return len(e.srv.Calls("setWebhook")) == 1 })
	if url, secret := e.srv.Webhook(); url != hookURL || secret != hookSecret {
		t.Errorf("registered webhook %q with secret %q, want %q and the secret", url, secret, hookURL)
	}
	if got := e.tg.WebhookPath(); got != "/telegram/hook" {
		t.Errorf("WebhookPath() = %q, want /telegram/hook", got)
	}
	if got := e.srv.Calls("getUpdates"); len(got) != 0 {
		t.Errorf("webhook mode polled %d times", len(got))
	}
	h := e.tg.WebhookHandler()

	for _, tt := range []struct {
		name, method, secret, body string
		want                       int
	}{
		{"missing secret", "POST", "", update(1, 1001, "/me"), http.StatusUnauthorized},
		{"wrong secret", "POST", "guess", update(2, 1001, "/me"), http.StatusUnauthorized},
		{"secret of another case", "POST", strings.ToUpper(hookSecret), update(3, 1001, "/me"), http.StatusUnauthorized},
		{"wrong secret and bad JSON", "POST", "guess", "{", http.StatusUnauthorized},
		{"GET", "GET", hookSecret, "", http.StatusMethodNotAllowed},
		{"bad JSON", "POST", hookSecret, `{"update_id":`, http.StatusBadRequest},
		{"not an update", "POST", hookSecret, `{"hello":"world"}`, http.StatusBadRequest},
	} {
		if rec := post(h, tt.method, tt.secret, tt.body); rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.want)
		}
	}

	if rec := post(h, "POST", hookSecret, update(10, 1001, "/me")); rec.Code != http.StatusOK {
		t.Fatalf("right secret: status %d, want 200", rec.Code)
	}
	e.handled(1)
	if reqs := e.h.requests(); len(reqs) != 1 || reqs[0].Command != "me" || reqs[0].UpdateID != 10 || reqs[0].LanguageCode != "en" {
		t.Errorf("handler got %+v, want only the authenticated /me", reqs)
	}
	if got := e.store.markCount(); got != 1 {
		t.Errorf("MarkUpdate called %d times, want 1 (refused requests have no effect)", got)
	}
	if got := len(e.srv.Sent(1001)); got != 1 {
		t.Errorf("%d replies, want 1", got)
	}

	// Telegram redelivers an update it thinks failed: handled once.
	if rec := post(h, "POST", hookSecret, update(10, 1001, "/me")); rec.Code != http.StatusOK {
		t.Fatalf("redelivery: status %d", rec.Code)
	}
	e.handled(2)
	if got := len(e.h.requests()); got != 1 {
		t.Errorf("handler ran %d times for one update delivered twice", got)
	}
	if got := e.tg.Stats().Rejected; got != 7 {
		t.Errorf("Stats().Rejected = %d, want 7", got)
	}
}

func TestWebhookQueueFull(t *testing.T) {
	srv := telegramtest.NewServer(t)
	store := newMemStore()
	h := &recorder{}
	cfg := config(srv, h, store, &sleeps{})
	webhookMode(&cfg)
	cfg.QueueSize = 2
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Not running yet: updates wait in the queue.
	wh := tg.WebhookHandler()
	for i, want := range []int{200, 200, 503} {
		rec := post(wh, "POST", hookSecret, update(20+i, 1001, "x"))
		if rec.Code != want {
			t.Errorf("update %d: status %d, want %d", i, rec.Code, want)
		}
		if want == 503 && rec.Header().Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	}
	if got := store.markCount(); got != 0 {
		t.Errorf("MarkUpdate called %d times before any handling", got)
	}

	e := &env{srv: srv, tg: tg, store: store, h: h, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() { e.done <- tg.Run(ctx) }()
	t.Cleanup(func() { e.stop(t) })
	e.handled(2)
	if got := len(srv.Sent(1001)); got != 2 {
		t.Errorf("%d replies after Run started, want the 2 queued updates answered", got)
	}
}
