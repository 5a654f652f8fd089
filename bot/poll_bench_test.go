package bot_test

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// BenchmarkPollerUpdates pushes pollBenchUpdates check-ins through the
// polling path against the fake Bot API, with a handler that takes
// pollBenchHandlerTime per request and answers with one message. The
// handler is slow enough that the getUpdates window (100 updates, confirmed
// only up to the oldest one in progress) stays full, so every getUpdates
// answer carries mostly updates the poller already holds, as in a check-in
// rush. It reports the updates handled per second, and per update the
// process's CPU time and bytes allocated (the fake server's included), and
// the getUpdates calls per run:
//
//	go test -run '^$' -bench BenchmarkPoller -benchtime 5x ./bot/
func BenchmarkPollerUpdates(b *testing.B) {
	var updates, polls int64
	var allocated uint64
	var elapsed, cpu time.Duration
	runs := 0
	for b.Loop() {
		f := runPollerBench(b, pollBenchUpdates)
		elapsed += f.elapsed
		cpu += f.cpu
		allocated += f.allocated
		updates += f.handled
		polls += int64(f.polls)
		runs++
	}
	b.ReportMetric(float64(updates)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(updates), "cpu-µs/update")
	b.ReportMetric(float64(allocated)/float64(updates), "B/update")
	b.ReportMetric(float64(polls)/float64(runs), "getUpdates/run")
}

const (
	pollBenchUpdates     = 5_000
	pollBenchUsers       = 500 // each sends 10 check-ins, spread through the run
	pollBenchHandlerTime = 2 * time.Millisecond
)

// pollBenchFigures is what one run measured.
type pollBenchFigures struct {
	handled   int64
	elapsed   time.Duration
	cpu       time.Duration // user and system time of the whole process
	allocated uint64        // bytes allocated by the whole process
	polls     int           // getUpdates calls
}

// checkinUpdate is the JSON of update i: a /checkin from one of users users.
func checkinUpdate(buf []byte, base int64, i, users int) []byte {
	user := strconv.Itoa(6_000_000 + i%users)
	buf = append(buf[:0], `{"update_id":`...)
	buf = strconv.AppendInt(buf, base+int64(i), 10)
	buf = append(buf, `,"message":{"message_id":`...)
	buf = strconv.AppendInt(buf, int64(i+1), 10)
	buf = append(buf, `,"date":1740800000,"from":{"id":`+user+`,"is_bot":false,"first_name":"Volunteer","last_name":"`+user+`","username":"v`+user+`","language_code":"zh"},"chat":{"id":`+user+`,"first_name":"Volunteer","last_name":"`+user+`","username":"v`+user+`","type":"private"},"text":"/checkin P3 482913","entities":[{"type":"bot_command","offset":0,"length":8}]}}`...)
	return buf
}

// processCPU is the user and system time the process has used.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runPollerBench pushes n check-ins through a fresh adapter and fake server
// and waits until each was handled and confirmed.
func runPollerBench(tb testing.TB, n int) pollBenchFigures {
	tb.Helper()
	const base = 2_000_000
	var handled atomic.Int64
	h := bot.HandlerFunc(func(_ context.Context, req lamplighter.Request) []lamplighter.Reply {
		time.Sleep(pollBenchHandlerTime)
		handled.Add(1)
		return []lamplighter.Reply{{Text: "已签到：P3"}}
	})
	srv := telegramtest.NewServer(tb)
	tg, err := bot.NewTelegram(bot.TelegramConfig{
		Token:       srv.Token,
		APIURL:      srv.URL(),
		Handler:     h,
		PollTimeout: time.Second,
		FloodLimit:  -1,
		Logger:      testLogger(),
		Sleep:       func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		tb.Fatalf("NewTelegram: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- tg.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runDone; err != nil {
			tb.Errorf("Run = %v", err)
		}
	}()
	srv.Wait("deleteWebhook", func() bool { return len(srv.Calls("deleteWebhook")) == 1 })
	polls0 := len(srv.Calls("getUpdates"))

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	start, cpu0, alloc0 := time.Now(), processCPU(tb), ms.TotalAlloc
	// Telegram holds what the bot has not confirmed: feed the fake server a
	// batch at a time so that its own bookkeeping stays small.
	var buf []byte
	for i := 0; i < n; {
		srv.Wait("room at the fake Bot API", func() bool { return srv.Pending() < 1000 })
		for end := min(i+250, n); i < end; i++ {
			buf = checkinUpdate(buf, base, i, pollBenchUsers)
			srv.PushRaw(string(buf))
		}
	}
	// srv.Wait gives up after 10 s; a slow machine may need longer.
	for deadline := time.Now().Add(time.Minute); handled.Load() < int64(n); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d updates handled after a minute", handled.Load(), n)
		}
	}
	srv.Wait("every update confirmed", func() bool { return srv.Pending() == 0 })
	runtime.ReadMemStats(&ms)
	f := pollBenchFigures{
		allocated: ms.TotalAlloc - alloc0,
		handled:   handled.Load(),
		elapsed:   time.Since(start),
		cpu:       processCPU(tb) - cpu0,
		polls:     len(srv.Calls("getUpdates")) - polls0,
	}
	if f.handled != int64(n) {
		tb.Errorf("handled %d updates, want %d", f.handled, n)
	}
	if testing.Verbose() {
		tb.Logf("%d updates in %s, %d getUpdates calls, %s CPU", f.handled, f.elapsed.Round(time.Millisecond), f.polls, f.cpu.Round(time.Millisecond))
	}
	return f
}
