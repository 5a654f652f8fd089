package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// stage is a presenter's world: the fake Bot API, a real Redis registry, a
// clock the test moves, and an activity whose check-in closes at closes.
type stage struct {
	t      *testing.T
	ctx    context.Context
	srv    *telegramtest.Server
	tg     *bot.Telegram
	store  *storage.Store
	mu     sync.Mutex
	now    time.Time
	closes time.Time
	secret []byte
}

const presenterChat = 4242

func newStage(t *testing.T) *stage {
	t.Helper()
	srv := telegramtest.NewServer(t)
	tg, err := bot.NewTelegram(config(srv, &recorder{}, nil, &sleeps{}))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) // a step boundary
	return &stage{t: t, ctx: context.Background(), srv: srv, tg: tg, store: storagetest.NewStore(t),
		now: t0, closes: t0.Add(10 * lamplighter.CodeStep), secret: []byte("presenter-test-secret")}
}

func (s *stage) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *stage) set(t time.Time) {
	s.mu.Lock()
	s.now = t
	s.mu.Unlock()
}

// frame is a presenter screen like handlers.PresentationFrame draws: the
// code of the step (the "photo" is its text), until check-in closes.
func (s *stage) frame(_ context.Context, p lamplighter.Presentation, now time.Time) (lamplighter.Reply, time.Time, bool, error) {
	if p.Stopped || !now.Before(s.closes) {
		return lamplighter.Reply{Text: "closed", File: &lamplighter.File{Name: "qr.png", Data: []byte("closed"), Photo: true}}, time.Time{}, true, nil
	}
	code := lamplighter.CodeAt(s.secret, now)
	next := time.Unix((lamplighter.CodeStepAt(now)+1)*30, 0)
	return lamplighter.Reply{Text: "code <b>" + code + "</b>", File: &lamplighter.File{Name: "qr.png", Data: []byte("qr:" + code), Photo: true},
		Buttons: [][]lamplighter.Button{{{Text: "Stop", Data: "ps:A7"}}}}, next, false, nil
}

func (s *stage) worker() *bot.Presenter {
	s.t.Helper()
	w, err := bot.NewPresenter(bot.PresenterConfig{Queue: s.store, Editor: s.tg, Frame: s.frame, Now: s.clock,
		Lease: 10 * time.Second, Logger: testLogger()})
	if err != nil {
		s.t.Fatal(err)
	}
	return w
}

// present sends the first screen, as /present does, and registers it.
func (s *stage) present(chat int64) int {
	s.t.Helper()
	r, _, _, _ := s.frame(s.ctx, lamplighter.Presentation{}, s.clock())
	id, err := s.tg.Deliver(s.ctx, bot.Outgoing{ChatID: chat, Reply: r})
	if err != nil {
		s.t.Fatal(err)
	}
	_, next, _, _ := s.frame(s.ctx, lamplighter.Presentation{}, s.clock())
	p := lamplighter.Presentation{ChatID: chat, MessageID: id, Community: "dongan", Activity: "A7", Presenter: chat, Lang: "en", Due: next}
	if err := s.store.RegisterPresentation(s.ctx, p, s.clock()); err != nil {
		s.t.Fatal(err)
	}
	return id
}

// edits returns the captions of the successful editMessageMedia calls.
func (s *stage) edits() []string {
	var out []string
	for _, c := range s.srv.Calls("editMessageMedia") {
		if c.ErrorCode == 0 {
			out = append(out, c.Text)
		}
	}
	return out
}

// round runs every worker's RunOnce at once.
func round(ctx context.Context, ws ...*bot.Presenter) {
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = w.RunOnce(ctx) }()
	}
	wg.Wait()
}

// TestPresenterEditsEachStepOnce: two replicas over one registry edit the
// message exactly once per step, each time with the step's new code, and
// the closing caption when check-in closes ends it.
func TestPresenterEditsEachStepOnce(t *testing.T) {
	s := newStage(t)
	msg := s.present(presenterChat)
	w1, w2 := s.worker(), s.worker()
	t0 := s.clock()
	for step := range 10 {
		at := t0.Add(time.Duration(step) * lamplighter.CodeStep)
		if step == 0 {
			// The screen as sent shows step 0: no edit before step 1.
			s.set(at.Add(29 * time.Second))
			round(s.ctx, w1, w2)
			if n := len(s.srv.Calls("editMessageMedia")); n != 0 {
				t.Fatalf("%d edits during the first step, want 0", n)
			}
			continue
		}
		// Several ticks within the step: still one edit.
		for _, d := range []time.Duration{0, time.Second, 2 * time.Second, 29 * time.Second} {
			s.set(at.Add(d))
			round(s.ctx, w1, w2)
		}
		edits := s.edits()
		if len(edits) != step {
			t.Fatalf("step %d: %d edits, want %d: %q", step, len(edits), step, edits)
		}
		if want := "code <b>" + lamplighter.CodeAt(s.secret, at) + "</b>"; edits[step-1] != want {
			t.Fatalf("step %d: caption %q, want %q", step, edits[step-1], want)
		}
		if step > 1 && edits[step-1] == edits[step-2] {
			t.Fatalf("step %d: the code did not change: %q", step, edits[step-1])
		}
	}
	s.set(s.closes)
	round(s.ctx, w1, w2)
	edits := s.edits()
	if last := edits[len(edits)-1]; last != "closed" || len(edits) != 10 {
		t.Fatalf("after check-in closed: edits %q, want the closing caption once", edits)
	}
	calls := s.srv.Calls("editMessageMedia")
	if last := calls[len(calls)-1]; last.MessageID != msg || strings.Contains(last.ReplyMarkup, "Stop") {
		t.Fatalf("closing edit = %+v, want message %d without [Stop]", last, msg)
	}
	if _, err := s.store.Presentation(s.ctx, presenterChat, msg); lamplighter.ErrorCode(err) != lamplighter.ENOTFOUND {
		t.Fatalf("presentation after its end: %v, want gone", err)
	}
	s.set(s.closes.Add(time.Minute))
	round(s.ctx, w1, w2)
	if n := len(s.edits()); n != 10 {
		t.Fatalf("%d edits after the end, want 10", n)
	}
	if st := w1.Stats().Edited + w2.Stats().Edited; st != 10 {
		t.Fatalf("workers' edits = %d, want 10", st)
	}
}

// TestPresenterStop: [Stop] (the registry's stop flag) brings the closing
// edit at the next tick, not at the next step.
func TestPresenterStop(t *testing.T) {
	s := newStage(t)
	msg := s.present(presenterChat)
	w := s.worker()
	s.set(s.clock().Add(lamplighter.CodeStep))
	round(s.ctx, w)
	s.set(s.clock().Add(5 * time.Second))
	if _, _, err := s.store.StopPresentation(s.ctx, presenterChat, msg); err != nil {
		t.Fatal(err)
	}
	round(s.ctx, w)
	if edits := s.edits(); len(edits) != 2 || edits[1] != "closed" {
		t.Fatalf("edits = %q, want the step's and the closing one", edits)
	}
	s.set(s.clock().Add(time.Minute))
	round(s.ctx, w)
	if n := len(s.edits()); n != 2 {
		t.Fatalf("%d edits after [Stop], want 2", n)
	}
}

// TestPresenterTakeover: a replica that claimed a presentation and died is
// replaced by another once its lease expires.
func TestPresenterTakeover(t *testing.T) {
	s := newStage(t)
	s.present(presenterChat)
	s.set(s.clock().Add(lamplighter.CodeStep))
	// The owner claims it, then dies before editing.
	if cs, err := s.store.ClaimPresentations(s.ctx, s.clock(), 10, 10*time.Second); err != nil || len(cs) != 1 {
		t.Fatalf("claim = %+v, %v", cs, err)
	}
	w := s.worker()
	s.set(s.clock().Add(9 * time.Second))
	round(s.ctx, w)
	if n := len(s.edits()); n != 0 {
		t.Fatalf("%d edits within the dead owner's lease, want 0", n)
	}
	s.set(s.clock().Add(time.Second))
	round(s.ctx, w)
	if n := len(s.edits()); n != 1 {
		t.Fatalf("%d edits after the lease expired, want 1", n)
	}
}

// TestPresenterRetryAfter: a 429 holds the chat for retry_after, and the
// edit comes after it; a deleted message ends the presentation.
func TestPresenterRetryAfter(t *testing.T) {
	s := newStage(t)
	msg := s.present(presenterChat)
	w := s.worker()
	t0 := s.clock().Add(lamplighter.CodeStep)
	s.set(t0)
	s.srv.FailNext(presenterChat, 1, telegramtest.TooManyRequests(7))
	round(s.ctx, w)
	if n, rl := len(s.edits()), w.Stats().RateLimited; n != 0 || rl != 1 {
		t.Fatalf("after a 429: %d edits, %d rate limited; want 0, 1", n, rl)
	}
	for _, d := range []time.Duration{time.Second, 6 * time.Second} {
		s.set(t0.Add(d))
		round(s.ctx, w)
	}
	if calls := s.srv.Calls("editMessageMedia"); len(calls) != 1 {
		t.Fatalf("%d edit calls within retry_after, want only the refused one", len(calls))
	}
	s.set(t0.Add(7 * time.Second))
	round(s.ctx, w)
	if n := len(s.edits()); n != 1 {
		t.Fatalf("%d edits after retry_after, want 1", n)
	}
	// The same frame again is "message is not modified": success, no retry.
	if err := s.tg.EditPhoto(s.ctx, presenterChat, msg, mustFrame(s)); err != nil {
		t.Fatalf("EditPhoto(the same frame) = %v, want nil", err)
	}
	// The chat deletes the message: the presentation ends.
	s.srv.DeleteMessage(presenterChat, msg)
	s.set(t0.Add(lamplighter.CodeStep))
	round(s.ctx, w)
	if ended := w.Stats().Ended; ended != 1 {
		t.Fatalf("presentations ended = %d, want 1", ended)
	}
	if _, err := s.store.Presentation(s.ctx, presenterChat, msg); lamplighter.ErrorCode(err) != lamplighter.ENOTFOUND {
		t.Fatalf("presentation of a deleted message: %v, want gone", err)
	}
}

func mustFrame(s *stage) lamplighter.Reply {
	r, _, _, _ := s.frame(s.ctx, lamplighter.Presentation{}, s.clock())
	return r
}

// TestPresentReplyRegisters: a reply marked Present is sent as a photo and
// registered with its chat and message id, so that a worker edits it.
func TestPresentReplyRegisters(t *testing.T) {
	s := newStage(t)
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		r := mustFrame(s)
		r.Present = &lamplighter.Presentation{Community: "dongan", Activity: "A7", Presenter: req.UserID, Lang: "en"}
		return []lamplighter.Reply{r}
	}}
	e := start(t, s.srv, nil, h, func(c *bot.TelegramConfig) { c.Presentations = s.store; c.Now = s.clock })
	e.srv.PushText(presenterChat, "/present A7")
	e.handled(1)
	photos := e.srv.Calls("sendPhoto")
	if len(photos) != 1 {
		t.Fatalf("sendPhoto calls = %d, want 1", len(photos))
	}
	p, err := s.store.Presentation(s.ctx, presenterChat, photos[0].MessageID)
	if err != nil || p.Activity != "A7" || p.Presenter != presenterChat {
		t.Fatalf("registered presentation = %+v, %v", p, err)
	}
	s.set(s.clock().Add(lamplighter.CodeStep))
	round(s.ctx, s.worker())
	if edits := s.edits(); len(edits) != 1 || edits[0] != "code <b>"+lamplighter.CodeAt(s.secret, s.clock())+"</b>" {
		t.Fatalf("edits = %q, want the next step's code", edits)
	}
}

// TestPresenterGroupPace: two screens in one group are edited at a group's
// pace (3 s apart, 20 a minute at most), and a chat that blocks the bot
// ends its presentations.
func TestPresenterGroupPace(t *testing.T) {
	s := newStage(t)
	const group = -1009
	var ids []int
	for _, act := range []string{"A7", "A8"} {
		r := mustFrame(s)
		id, err := s.tg.Deliver(s.ctx, bot.Outgoing{ChatID: group, Reply: r})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		p := lamplighter.Presentation{ChatID: group, MessageID: id, Community: "dongan", Activity: act, Due: s.clock().Add(lamplighter.CodeStep)}
		if err := s.store.RegisterPresentation(s.ctx, p, s.clock()); err != nil {
			t.Fatal(err)
		}
	}
	w1, w2 := s.worker(), s.worker()
	t1 := s.clock().Add(lamplighter.CodeStep)
	var at []time.Duration // when each edit came, after the step began
	for d := time.Duration(0); d < 10*time.Second; d += time.Second {
		s.set(t1.Add(d))
		before := len(s.edits())
		round(s.ctx, w1, w2)
		for range len(s.edits()) - before {
			at = append(at, d)
		}
	}
	if len(at) != 2 || at[1]-at[0] < 3*time.Second {
		t.Fatalf("edits in the group came at %v after the step, want two at least 3 s apart", at)
	}
	s.srv.FailNext(group, 1, telegramtest.Blocked)
	s.set(t1.Add(lamplighter.CodeStep))
	round(s.ctx, w1, w2)
	if _, err := s.store.Presentation(s.ctx, group, ids[0]); lamplighter.ErrorCode(err) != lamplighter.ENOTFOUND {
		t.Fatalf("presentation in a chat that blocked the bot: %v, want gone", err)
	}
}
