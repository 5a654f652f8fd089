package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/report"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestPresentEndToEnd wires what "lamplighter run" wires for the presenter
// (the conversation, the adapter registering the screen, a worker) over a
// real Redis and the fake Bot API, with a clock the test moves: /present
// sends the QR photo, the worker renews it at the next step and closes it
// when [Stop] is pressed.
func TestPresentEndToEnd(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st := storagetest.NewStoreOptions(t, storage.Options{Now: clock})
	if err := st.CreateCommunity(ctx, ll.Community{ID: "dongan", Name: "Dongan", TimeZone: "Asia/Shanghai", Language: "en", Created: now}, nil); err != nil {
		t.Fatal(err)
	}
	const secretary = 10001
	if _, err := st.ImportMembers(ctx, "dongan", []ll.Member{{TelegramID: secretary, Name: "Li", Role: ll.RoleSecretary}}, now, nil); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: "Lamps", Start: now.Add(10 * time.Minute), End: now.Add(time.Hour), CreatedBy: "M1", Created: now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	h := handlers.New(st, handlers.Config{Render: report.Renderer{}, BotUsername: "LamplighterTestBot", Now: clock, Logger: log})
	srv := telegramtest.NewServer(t)
	tg, err := bot.NewTelegram(bot.TelegramConfig{Token: srv.Token, APIURL: srv.URL(), Handler: h, Store: st, Presentations: st,
		PollTimeout: time.Second, Logger: log, Now: clock,
		EmptyPollSleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- tg.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })
	w, err := bot.NewPresenter(bot.PresenterConfig{Queue: st, Editor: tg, Frame: h.PresentationFrame, Now: clock, Logger: log})
	if err != nil {
		t.Fatal(err)
	}

	srv.PushText(secretary, "/present "+a.ID)
	srv.Wait("the presenter photo", func() bool { return len(srv.Calls("sendPhoto")) == 1 })
	photo := srv.Calls("sendPhoto")[0]
	if !strings.Contains(photo.Text, "start=ci_"+a.Code) || !strings.Contains(photo.ReplyMarkup, "ps:"+a.ID) {
		t.Fatalf("presenter photo = %q %s, want the link and [Stop]", photo.Text, photo.ReplyMarkup)
	}
	srv.Wait("the screen registered", func() bool {
		_, err := st.Presentation(ctx, secretary, photo.MessageID)
		return err == nil
	})
	if n, _ := w.RunOnce(ctx); n != 0 {
		t.Fatalf("worker claimed %d screens before the next step, want 0", n)
	}
	mu.Lock()
	now = now.Add(ll.CodeStep)
	mu.Unlock()
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// The static code stays: "message is not modified" unless the count
	// moved; either way the worker edited once and nothing failed.
	if st := w.Stats(); st.Edited != 1 || st.Failed != 0 {
		t.Fatalf("worker stats after a step = %+v, want one edit", st)
	}
	srv.PushCallback(secretary, photo.MessageID, "ps:"+a.ID)
	srv.Wait("the [Stop] answer", func() bool { return len(srv.Calls("answerCallbackQuery")) == 1 })
	mu.Lock()
	now = now.Add(time.Second) // the next tick, past the chat's pace
	mu.Unlock()
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	edits := srv.Calls("editMessageMedia")
	last := edits[len(edits)-1]
	// (The fake Telegram user writes in Chinese.)
	if last.ErrorCode != 0 || !strings.Contains(last.Text, "已停止展示") || strings.Contains(last.ReplyMarkup, "ps:") {
		t.Fatalf("closing edit = %+v, want the stopped caption without [Stop]", last)
	}
	if _, err := st.Presentation(ctx, secretary, photo.MessageID); ll.ErrorCode(err) != ll.ENOTFOUND {
		t.Fatalf("presentation after [Stop]: %v, want gone", err)
	}
}

// TestPresenterMetrics: the presenter's counters are on /metrics.
func TestPresenterMetrics(t *testing.T) {
	h := newMetricsHandler(metricSources{log: slog.New(slog.DiscardHandler),
		presenter: func() bot.PresenterStats { return bot.PresenterStats{Edited: 7, RateLimited: 1, Ended: 2} }})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, line := range []string{
		`lamplighter_presenter_edits_total{result="edited"} 7`,
		`lamplighter_presenter_edits_total{result="429"} 1`,
		`lamplighter_presenter_edits_total{result="ended"} 2`,
		`lamplighter_presenter_edits_total{result="lost"} 0`,
	} {
		if !strings.Contains(w.Body.String(), "\n"+line+"\n") {
			t.Errorf("/metrics lacks the line %q", line)
		}
	}
}
