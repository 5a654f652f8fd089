package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// scrape reads the Prometheus text exposition of a running bot into a map
// from series (name and labels as exposed) to value.
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, %v:\n%s", resp.StatusCode, err, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET /metrics Content-Type = %q, want the text format", ct)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("GET /metrics: bad line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// webhookUpdate is a text message update from user, as Telegram posts it.
func webhookUpdate(id int64, user int64, text string) []byte {
	u := models.Update{ID: id, Message: &models.Message{
		ID: int(id), Date: int(testNow.Unix()), From: telegramtest.User(user),
		Chat: models.Chat{ID: user, Type: models.ChatTypePrivate},
		Text: text, Entities: telegramtest.CommandEntities(text),
	}}
	body, _ := json.Marshal(u)
	return body
}

// postHook delivers body to the webhook of the bot at addr and returns the
// status.
func postHook(t *testing.T, addr, secret string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/telegram/hook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST webhook: %v", err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

const (
	hookURL    = "https://bot.example.org/telegram/hook"
	hookSecret = "s3cret-TOKEN_1"
)

// TestMetricsEndToEnd runs "lamplighter run" in webhook mode, sends a few
// updates (one delivered twice, one refused for a wrong secret, one whose
// reply meets a 429, one that queues an outbox message) and scrapes /metrics
// on the listen address: the expected series are there with the expected
// values.
func TestMetricsEndToEnd(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startBot(t, e, tg, map[string]string{
		"LAMPLIGHTER_WEBHOOK_URL":    hookURL,
		"LAMPLIGHTER_WEBHOOK_SECRET": hookSecret,
	})
	tg.Wait("setWebhook", func() bool { u, _ := tg.Webhook(); return u != "" })

	const secretary, member = 10001, 20002
	// The first reply meets a 429 and is sent again.
	tg.FailNext(secretary, 1, telegramtest.TooManyRequests(1))
	if got := postHook(t, r.addr, hookSecret, webhookUpdate(1, secretary, "/help")); got != http.StatusOK {
		t.Fatalf("webhook /help = %d, want 200", got)
	}
	expect(t, tg, secretary, 0, "/")
	// A role change tells the member through the outbox.
	postHook(t, r.addr, hookSecret, webhookUpdate(2, secretary, "/role M2 committee"))
	expect(t, tg, member, 0, "")
	// Delivered twice: handled once.
	postHook(t, r.addr, hookSecret, webhookUpdate(3, member, "/me"))
	postHook(t, r.addr, hookSecret, webhookUpdate(3, member, "/me"))
	// A forged request.
	if got := postHook(t, r.addr, "wrong", webhookUpdate(4, member, "/me")); got != http.StatusUnauthorized {
		t.Errorf("webhook with a wrong secret = %d, want 401", got)
	}

	var m map[string]float64
	tg.Wait("4 updates handled", func() bool {
		m = scrape(t, r.addr)
		return m["lamplighter_updates_handled_total"] >= 4
	})
	tg.Wait("the outbox message sent", func() bool {
		m = scrape(t, r.addr)
		return m[`lamplighter_sender_deliveries_total{result="sent"}`] >= 1
	})
	for series, want := range map[string]float64{
		"lamplighter_updates_received_total":                 4,
		"lamplighter_updates_handled_total":                  4,
		"lamplighter_updates_duplicate_total":                1,
		"lamplighter_webhook_refused_total":                  1,
		`lamplighter_updates_rejected_total{reason="flood"}`: 0,
		`lamplighter_telegram_calls_total{result="429"}`:     1,
		"lamplighter_updates_queue_capacity":                 1000,
		"lamplighter_redis_up":                               1,
		`lamplighter_sender_deliveries_total{result="sent"}`: 1,
		`lamplighter_outbox_messages_total{outcome="sent"}`:  1,
		"lamplighter_outbox_queued":                          0,
		"lamplighter_outbox_dead":                            0,
	} {
		got, ok := m[series]
		if !ok {
			t.Errorf("/metrics lacks %s", series)
		} else if got != want {
			t.Errorf("/metrics %s = %v, want %v", series, got, want)
		}
	}
	// Three requests reached the conversation (four, should the handler
	// itself be the one to find the duplicate).
	if n := m["lamplighter_handler_duration_seconds_count"]; n < 3 || n > 4 {
		t.Errorf("/metrics lamplighter_handler_duration_seconds_count = %v, want 3 or 4", n)
	}
	for _, series := range []string{
		`lamplighter_telegram_calls_total{result="ok"}`,
		`lamplighter_outbox_messages_total{outcome="enqueued"}`,
		`lamplighter_handler_duration_seconds_bucket{le="+Inf"}`,
		"lamplighter_flood_tracked_users",
		"go_goroutines",
	} {
		if m[series] <= 0 {
			t.Errorf("/metrics %s = %v, want more than 0", series, m[series])
		}
	}
	for _, series := range []string{
		"lamplighter_updates_queued", "lamplighter_poll_paused_total", "lamplighter_outbox_oldest_age_seconds",
		"lamplighter_outbox_in_flight", "lamplighter_outbox_rate_factor", "lamplighter_redis_ping_seconds",
		"lamplighter_reminders_enqueued_total", `lamplighter_reminders_dropped_total{reason="late"}`,
		"lamplighter_scheduler_runs_total", `lamplighter_updates_rejected_total{reason="queue_full"}`,
	} {
		if _, ok := m[series]; !ok {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}

// TestMetricsRedisDown checks that a scrape with Redis gone still answers,
// with redis_up 0 and without the outbox's figures.
func TestMetricsRedisDown(t *testing.T) {
	e := newTestEnv(t)
	h := newMetricsHandler(metricSources{outbox: e.st.OutboxStatus, ping: e.st.Ping, log: slog.New(slog.DiscardHandler)})
	get := func() string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return w.Body.String()
	}
	if body := get(); !strings.Contains(body, "\nlamplighter_redis_up 1\n") || !strings.Contains(body, "\nlamplighter_outbox_queued 0\n") {
		t.Errorf("with Redis up /metrics lacks redis_up 1 or the outbox:\n%s", body)
	}
	e.st.Close()
	if body := get(); !strings.Contains(body, "\nlamplighter_redis_up 0\n") || strings.Contains(body, "lamplighter_outbox_queued ") {
		t.Errorf("with Redis closed /metrics should show redis_up 0 and no outbox figures:\n%s", body)
	}
}

// TestTelegramObserverMetrics checks that what the adapter tells its
// Observer is exposed under the names, help texts, types and labels the
// dashboards read, every result at 0 before it happens.
func TestTelegramObserverMetrics(t *testing.T) {
	m := newTelegramMetrics()
	h := newMetricsHandler(metricSources{telegramEvents: m, log: slog.New(slog.DiscardHandler)})
	get := func() string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		return w.Body.String()
	}
	if body := get(); !strings.Contains(body, "\nlamplighter_telegram_calls_total{result=\"429\"} 0\n") {
		t.Errorf("before any call /metrics lacks telegram_calls_total{result=\"429\"} 0:\n%s", body)
	}
	m.HandlerDone(3 * time.Millisecond)
	m.HandlerDone(200 * time.Millisecond)
	m.HandlerDone(-time.Second) // a clock step back: 0
	m.APICall(bot.APIOK)
	m.APICall(bot.APIOK)
	m.APICall(bot.APIRateLimited)
	m.APICall(bot.APIUnreachable)
	body := get()
	for _, line := range []string{
		"# HELP lamplighter_handler_duration_seconds Time the conversation took to answer one request.",
		"# TYPE lamplighter_handler_duration_seconds histogram",
		`lamplighter_handler_duration_seconds_bucket{le="0.005"} 2`,
		`lamplighter_handler_duration_seconds_bucket{le="0.1"} 2`,
		`lamplighter_handler_duration_seconds_bucket{le="0.25"} 3`,
		`lamplighter_handler_duration_seconds_bucket{le="10"} 3`,
		`lamplighter_handler_duration_seconds_bucket{le="+Inf"} 3`,
		"lamplighter_handler_duration_seconds_sum 0.203",
		"lamplighter_handler_duration_seconds_count 3",
		"# HELP lamplighter_telegram_calls_total Bot API calls that send something (replies, outbox deliveries, button answers, menus), by Telegram's answer: ok, 429, 403 (or chat not found), error.",
		"# TYPE lamplighter_telegram_calls_total counter",
		`lamplighter_telegram_calls_total{result="ok"} 2`,
		`lamplighter_telegram_calls_total{result="429"} 1`,
		`lamplighter_telegram_calls_total{result="403"} 1`,
		`lamplighter_telegram_calls_total{result="error"} 0`,
	} {
		if !strings.Contains(body, "\n"+line+"\n") {
			t.Errorf("/metrics lacks the line %q:\n%s", line, body)
		}
	}
}
