package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// The burst tests push many updates through the adapter with a handler that
// does nothing, and check that every update is handled exactly once while
// the adapter holds no more than its queue: the poller stops fetching when
// the queue is full, the webhook answers 503 and the test delivers again, as
// Telegram does. Three times during a burst every handler call blocks until
// the queue is full, so that both limits are actually reached.
//
// The CI tests push 20,000 updates; BenchmarkBurst pushes 100,000 and
// reports the peak heap (README "Floods and bursts"):
//
//	go test -run '^$' -bench Burst -benchtime 1x ./bot/

// burstFigures is what one burst measured.
type burstFigures struct {
	updates   int
	elapsed   time.Duration
	peakHeap  uint64 // highest HeapAlloc sampled during the burst, above the heap before it
	allocated uint64 // bytes allocated during the burst
	maxQueued int    // most updates the adapter held at once (sampled)
	refused   int64  // webhook requests answered 503 (the test delivered them again)
	stats     bot.Stats
}

func (f burstFigures) String() string {
	return fmt.Sprintf("%d updates in %s (%.0f/s), peak heap +%.1f MiB, %.0f B allocated per update, at most %d queued, %d webhook 503s, poller paused %d times",
		f.updates, f.elapsed.Round(time.Millisecond), float64(f.updates)/f.elapsed.Seconds(),
		float64(f.peakHeap)/(1<<20), float64(f.allocated)/float64(f.updates), f.maxQueued, f.refused, f.stats.PollPaused)
}

// burstUpdate is the JSON of update i of a burst: a command from one of
// users users, each sending every users-th update (20 each, the most the
// flood limit lets through in one window).
func burstUpdate(buf []byte, base int64, i, users int) []byte {
	user := strconv.Itoa(5_000_000 + i%users)
	buf = append(buf[:0], `{"update_id":`...)
	buf = strconv.AppendInt(buf, base+int64(i), 10)
	buf = append(buf, `,"message":{"message_id":`...)
	buf = strconv.AppendInt(buf, int64(i+1), 10)
	buf = append(buf, `,"date":1740800000,"from":{"id":`+user+`,"is_bot":false,"first_name":"U","language_code":"zh"},"chat":{"id":`+user+`,"type":"private"},"text":"/me","entities":[{"type":"bot_command","offset":0,"length":3}]}}`...)
	return buf
}

// runBurst pushes n updates through the polling path (webhook false) or
// the webhook path and checks that each was handled once.
func runBurst(tb testing.TB, webhook bool, n, queueSize int) burstFigures {
	tb.Helper()
	const base = 1_000_000
	users := max(n/bot.DefaultFloodLimit, 1)
	counts := make([]atomic.Int32, n)
	var handled atomic.Int64

	// progress is broadcast on every handled update, for webhook senders
	// waiting to deliver a refused update again.
	var (
		mu   sync.Mutex
		cond = sync.NewCond(&mu)
		gen  int64
	)
	// gate, while set, blocks every handler call until the queue is full.
	var gate atomic.Pointer[stall]
	var refused atomic.Int64 // webhook 503s
	var aborted atomic.Bool
	stallAt := map[int64]bool{int64(n / 4): true, int64(n / 2): true, int64(3 * n / 4): true}

	h := bot.HandlerFunc(func(_ context.Context, req lamplighter.Request) []lamplighter.Reply {
		i := req.UpdateID - base
		if i < 0 || i >= int64(n) {
			tb.Errorf("handled update %d, not one of the burst", req.UpdateID)
			return nil
		}
		counts[i].Add(1)
		done := handled.Add(1)
		mu.Lock()
		gen++
		cond.Broadcast()
		mu.Unlock()
		if stallAt[done] && !aborted.Load() {
			gate.Store(&stall{open: make(chan struct{}), refused: refused.Load()})
		}
		if g := gate.Load(); g != nil {
			<-g.open
		}
		return nil
	})

	srv := telegramtest.NewServer(tb)
	clk := newTestClock() // still: every user sends within one flood window
	cfg := bot.TelegramConfig{
		Token:       srv.Token,
		APIURL:      srv.URL(),
		Handler:     h,
		QueueSize:   queueSize,
		PollTimeout: time.Second,
		Logger:      testLogger(),
		Sleep:       func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		Now:         clk.Now,
	}
	if webhook {
		cfg.WebhookURL, cfg.WebhookSecret = hookURL, hookSecret
	}
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		tb.Fatalf("NewTelegram: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- tg.Run(ctx) }()
	defer func() {
		// Should the test fail while handlers are stalled, let them go.
		aborted.Store(true)
		if g := gate.Swap(nil); g != nil {
			g.release()
		}
		cancel()
		if err := <-runDone; err != nil {
			tb.Errorf("Run = %v", err)
		}
	}()
	if webhook {
		srv.Wait("setWebhook", func() bool { return len(srv.Calls("setWebhook")) == 1 })
	} else {
		srv.Wait("deleteWebhook", func() bool { return len(srv.Calls("deleteWebhook")) == 1 })
	}
	var hook *httptest.Server
	if webhook {
		hook = httptest.NewServer(tg.WebhookHandler())
		defer hook.Close()
	}

	// The sampler records the peak heap and queue, and opens the gate once
	// the queue is full (and, for the webhook, an update was refused since
	// the stall began), or, when the queue is larger than the poller can
	// take in one getUpdates window, once the poller has polled twice
	// without taking anything.
	var peak atomic.Uint64
	var maxQueued atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	go func() {
		defer close(sampled)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var (
			stalled              *stall
			queuedAt, pollsAt    int
			polls                func() int
			ms                   runtime.MemStats
			highHeap, highQueued uint64
		)
		polls = func() int { return len(srv.Calls("getUpdates")) }
		for {
			select {
			case <-stopSampling:
				peak.Store(highHeap)
				maxQueued.Store(int64(highQueued))
				return
			case <-tick.C:
			}
			runtime.ReadMemStats(&ms)
			highHeap = max(highHeap, ms.HeapAlloc)
			st := tg.Stats()
			highQueued = max(highQueued, uint64(st.Queued))
			g := gate.Load()
			if g == nil {
				continue
			}
			if g != stalled {
				stalled, queuedAt = g, st.Queued
				if !webhook {
					pollsAt = polls()
				}
				continue
			}
			full := false
			switch {
			case webhook:
				full = st.Queued >= queueSize && refused.Load() > g.refused
			case st.Queued >= queueSize:
				full = true
			case st.Queued != queuedAt:
				queuedAt, pollsAt = st.Queued, polls()
			default:
				full = polls() >= pollsAt+2
			}
			if full {
				gate.CompareAndSwap(g, nil)
				g.release()
			}
		}
	}()

	if webhook {
		// 16 concurrent connections, as setWebhook's max_connections asks.
		const senders = 16
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
		defer client.CloseIdleConnections()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				var buf []byte
				for {
					i := int(next.Add(1) - 1)
					if i >= n {
						return
					}
					buf = burstUpdate(buf, base, i, users)
					for {
						mu.Lock()
						seen := gen
						mu.Unlock()
						code, err := deliver(client, hook.URL+"/telegram/hook", buf)
						if err != nil {
							tb.Errorf("deliver update %d: %v", i, err)
							return
						}
						if code == http.StatusOK {
							break
						}
						if code != http.StatusServiceUnavailable {
							tb.Errorf("webhook answered %d to update %d, want 200 or 503", code, i)
							return
						}
						// Telegram delivers again later; here: once the
						// adapter has handled something since.
						refused.Add(1)
						mu.Lock()
						for gen == seen {
							cond.Wait()
						}
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
	} else {
		// Feed the fake server a batch at a time, as Telegram holds the
		// updates the bot has not confirmed; keeping only a few thousand
		// there keeps the fake server's memory out of the figure.
		var buf []byte
		for i := 0; i < n; {
			srv.Wait("room at the fake Bot API", func() bool { return srv.Pending() < 2000 })
			for end := min(i+500, n); i < end; i++ {
				buf = burstUpdate(buf, base, i, users)
				srv.PushRaw(string(buf))
			}
		}
	}
	srv.Wait(fmt.Sprintf("%d updates handled", n), func() bool { return handled.Load() >= int64(n) })
	if !webhook {
		srv.Wait("every update confirmed", func() bool { return srv.Pending() == 0 })
	}
	elapsed := time.Since(start)
	close(stopSampling)
	<-sampled
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	wrong := 0
	for i := range counts {
		if c := counts[i].Load(); c != 1 {
			if wrong++; wrong <= 10 {
				tb.Errorf("update %d handled %d times, want once", base+i, c)
			}
		}
	}
	if wrong > 10 {
		tb.Errorf("… %d updates in all not handled exactly once", wrong)
	}
	f := burstFigures{
		updates:   n,
		elapsed:   elapsed,
		allocated: after.TotalAlloc - before.TotalAlloc,
		maxQueued: int(maxQueued.Load()),
		refused:   refused.Load(),
		stats:     tg.Stats(),
	}
	if p := peak.Load(); p > before.HeapAlloc {
		f.peakHeap = p - before.HeapAlloc
	}
	if f.maxQueued > queueSize {
		tb.Errorf("the adapter held %d updates, more than its queue of %d", f.maxQueued, queueSize)
	}
	if f.stats.Flooded != 0 {
		tb.Errorf("%d updates refused by the flood limit, want none (20 per user)", f.stats.Flooded)
	}
	if webhook && (f.refused == 0 || f.stats.QueueFull != f.refused) {
		tb.Errorf("webhook 503s: the test saw %d, Stats().QueueFull = %d; want the same, more than 0", f.refused, f.stats.QueueFull)
	}
	return f
}

// stall holds the handlers until the queue is full.
type stall struct {
	open    chan struct{} // closed when the handlers may go on
	refused int64         // webhook 503s before the stall
	once    sync.Once
}

func (s *stall) release() { s.once.Do(func() { close(s.open) }) }

// deliver posts one update to the webhook as Telegram does.
func deliver(client *http.Client, url string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hookSecret)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	var sink [512]byte
	for {
		if _, err := resp.Body.Read(sink[:]); err != nil {
			break
		}
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// burstHeapBound is the peak heap growth the README promises for a burst,
// whatever its length: the adapter holds at most its queue.
const burstHeapBound = 32 << 20

func TestBurstPolling(t *testing.T) {
	f := runBurst(t, false, 20_000, 64)
	t.Log(f)
	if f.stats.PollPaused == 0 {
		t.Errorf("the poller never paused for a full queue of 64")
	}
	if f.peakHeap > burstHeapBound {
		t.Errorf("peak heap grew by %d MiB, more than %d MiB", f.peakHeap>>20, burstHeapBound>>20)
	}
}

func TestBurstWebhook(t *testing.T) {
	f := runBurst(t, true, 20_000, bot.DefaultQueueSize)
	t.Log(f)
	if f.peakHeap > burstHeapBound {
		t.Errorf("peak heap grew by %d MiB, more than %d MiB", f.peakHeap>>20, burstHeapBound>>20)
	}
}

// BenchmarkBurst pushes 100,000 updates through each path with the default
// queue and reports the peak heap growth and the rate.
func BenchmarkBurst(b *testing.B) {
	for _, mode := range []struct {
		name    string
		webhook bool
	}{{"polling", false}, {"webhook", true}} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				f := runBurst(b, mode.webhook, 100_000, bot.DefaultQueueSize)
				b.Log(f)
				b.ReportMetric(float64(f.peakHeap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(f.updates)/f.elapsed.Seconds(), "updates/s")
				b.ReportMetric(float64(f.maxQueued), "max-queued")
			}
		})
	}
}
