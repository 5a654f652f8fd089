package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// floodControl stands in front of the fake Bot API and answers 429 the way
// Telegram's flood control does: beyond a global rate (with a small burst)
// or more than one message a second to one chat.
type floodControl struct {
	next    http.Handler
	rate    float64
	burst   float64
	tooMany atomic.Int64

	mu     sync.Mutex
	tokens float64
	last   time.Time
	chats  map[string]time.Time
}

func (f *floodControl) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if method != "sendMessage" && method != "editMessageText" {
		f.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	chat := ""
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		req := &http.Request{Header: r.Header, Body: io.NopCloser(bytes.NewReader(body)), Method: "POST"}
		if req.ParseMultipartForm(1<<20) == nil {
			chat = req.FormValue("chat_id")
		}
	}
	now := time.Now()
	f.mu.Lock()
	f.tokens = min(f.burst, f.tokens+now.Sub(f.last).Seconds()*f.rate)
	f.last = now
	wait := 0
	switch {
	case f.tokens < 1:
		wait = 1
	case chat != "" && now.Sub(f.chats[chat]) < time.Second:
		wait = 1
	default:
		f.tokens--
		f.chats[chat] = now
	}
	f.mu.Unlock()
	if wait > 0 {
		f.tooMany.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 429,
			"description": "Too Many Requests: retry after " + strconv.Itoa(wait), "parameters": map[string]any{"retry_after": wait}})
		return
	}
	f.next.ServeHTTP(w, r)
}

// BenchmarkSenderRate sends a 2,000-message broadcast through the outbox
// (real Redis, real time) to the fake Bot API behind a flood control of
// 600 messages/s, and reports the achieved rate as a fraction of the
// configured one and the 429s received. The configured rates are scaled up
// from the production 25/s (against Telegram's ~30/s) so that a run takes
// seconds: one below the flood limit, one above it.
func BenchmarkSenderRate(b *testing.B) {
	for _, rate := range []float64{500, 800} {
		b.Run(fmt.Sprintf("rate=%v", rate), func(b *testing.B) {
			for range b.N {
				sendBroadcast(b, rate, 600)
			}
		})
	}
}

func sendBroadcast(b *testing.B, rate, floodLimit float64) {
	b.StopTimer()
	srv := telegramtest.NewServer(b)
	target, _ := url.Parse(srv.URL())
	fc := &floodControl{next: httputil.NewSingleHostReverseProxy(target), rate: floodLimit, burst: floodLimit / 10,
		tokens: floodLimit / 10, last: time.Now(), chats: map[string]time.Time{}}
	proxy := httptest.NewServer(fc)
	b.Cleanup(proxy.Close)
	st := storagetest.NewStore(b)
	ctx := context.Background()
	const n = 2000
	msgs := make([]lamplighter.OutMessage, n)
	for i := range msgs {
		msgs[i] = lamplighter.OutMessage{ID: fmt.Sprintf("bc:bench:M%d", i+1), ChatID: int64(100000 + i),
			Reply: lamplighter.Reply{Text: "Street-light check on Saturday, 9:00, block 19"}}
	}
	cfg := config(srv, &recorder{}, newMemStore(), &sleeps{})
	cfg.APIURL = proxy.URL
	cfg.Sleep = nil
	cfg.Logger = nil
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		b.Fatal(err)
	}
	s, err := bot.NewSender(bot.SenderConfig{Queue: st, Deliverer: tg, Rate: rate, Workers: 16, Idle: 10 * time.Millisecond,
		Logger: testLogger()})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := st.EnqueueBroadcast(ctx, lamplighter.Broadcast{ID: "bench", Community: "dongan", ChatID: 1, Lang: "en"}, msgs); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	for {
		p, err := st.BroadcastProgress(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if p.Finished() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	status, _ := st.OutboxStatus(ctx, time.Now())
	achieved := float64(n) / elapsed.Seconds()
	b.ReportMetric(achieved, "msgs/s")
	b.ReportMetric(achieved/rate, "of-rate")
	b.ReportMetric(float64(fc.tooMany.Load()), "429s")
	b.ReportMetric(status.RateFactor, "rate-factor-at-end")
}
