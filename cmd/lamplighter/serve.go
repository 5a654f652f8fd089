package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/lamplighter-bot/lamplighter/report"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/scheduler"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/web"
)

const runUsage = `Usage:
  lamplighter run

Runs the bot: long polling, or a webhook server at the path of
LAMPLIGHTER_WEBHOOK_URL when it is set. Serves /healthz and Prometheus
/metrics on LAMPLIGHTER_LISTEN.
Every replica also runs the outbox sender (LAMPLIGHTER_RATE messages a second
for the whole bot), the presenter (renews /present screens at each code
step) and the reminder scheduler (LAMPLIGHTER_CRON_*,
LAMPLIGHTER_ACTIVITY_REMINDERS, LAMPLIGHTER_QUIET_HOURS); they coordinate
through Redis. SIGINT or SIGTERM stops taking updates, finishes those in
hand, lets the sender finish the messages in flight and exits.`

// shutdownTimeout bounds how long the HTTP server waits for requests in
// flight at shutdown.
const shutdownTimeout = 15 * time.Second

// runBot runs "run" until ctx is cancelled or a part of the bot fails.
func (p *program) runBot(ctx context.Context, args []string) error {
	fs := p.flagSet("run", nil)
	if err := p.parse(fs, args, runUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q", fs.Arg(0))
	}
	if err := p.setup(true, slog.LevelInfo); err != nil {
		return err
	}
	dl, err := p.cfg.Delivery.parse()
	if err != nil {
		return err
	}
	s, err := p.openServer(ctx, dl)
	if err != nil {
		return err
	}
	werr := s.wait(ctx)
	cerr := s.close()
	return errors.Join(werr, cerr)
}

// server is a running bot: the store, the Telegram adapter and the HTTP
// server for /healthz, /metrics and the webhook.
type server struct {
	log   *slog.Logger
	store *storage.Store
	tg    *bot.Telegram
	http  *http.Server
	ln    net.Listener

	tgMetrics *telegramMetrics // the adapter's Observer, exposed on /metrics

	tgCancel context.CancelFunc
	tgDone   chan error // Telegram.Run's result
	httpDone chan error // Serve's result
	once     sync.Once

	// The outbox sender and the reminder scheduler, stopped after the
	// adapter has drained its updates (which may queue messages).
	sender        *bot.Sender
	presenter     *bot.Presenter // edits the presenter screens (/present) at each code step
	sched         *scheduler.Scheduler
	senderCancel  context.CancelFunc
	senderDone    chan error
	presenterDone chan error
	schedDone     chan error
	schedCancel   context.CancelFunc
}

// openServer connects to Redis, migrates the schema, builds the conversation,
// the Telegram adapter, the outbox sender and the scheduler, and starts
// serving. The caller waits on it and closes it.
func (p *program) openServer(ctx context.Context, dl delivery) (*server, error) {
	st, err := p.openStore(ctx)
	if err != nil {
		return nil, err
	}
	s := &server{log: p.log, store: st, tgMetrics: newTelegramMetrics(), tgDone: make(chan error, 1), httpDone: make(chan error, 1)}
	outbox := &wakingOutbox{Store: st}
	ap := p.newApp(st)

	hs := &usernameHandlers{store: st, cfg: handlers.Config{Render: report.Renderer{},
		App:             ap,
		Admins:          p.cfg.Admins,
		DefaultTimeZone: p.cfg.TimeZone,
		DefaultLanguage: p.cfg.Language,
		Now:             p.now,
		Logger:          p.log,
		Outbox:          outbox,
		BroadcastRate:   dl.broadcastRate(),
		WebAppURL:       p.cfg.WebAppURL,
	}}
	tg, err := bot.NewTelegram(bot.TelegramConfig{
		Token:         p.cfg.Token,
		APIURL:        p.cfg.APIURL,
		BotUsername:   p.cfg.BotUsername,
		WebhookURL:    p.cfg.WebhookURL,
		WebhookSecret: p.cfg.WebhookSecret,
		Handler:       hs, // a bot.UpdateHandler: it marks each update as it reads the user (Store.Begin)
		Store:         st,
		Outbox:        outbox,
		Presentations: st,
		Menus:         handlers.Menus(),
		Logger:        p.log,
		Sleep:         p.sleep,
		Observer:      s.tgMetrics,
		WebAppURL:     p.cfg.WebAppURL,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	s.tg = tg
	hs.username = tg.BotUsername

	// The sender paces on the wall clock (its token bucket and holds need
	// time to pass); the scheduler reads the program's clock.
	texts := handlers.Texts{}
	s.sender, err = bot.NewSender(bot.SenderConfig{
		Queue:       st,
		Deliverer:   tg,
		Rate:        dl.rate,
		PaidRate:    dl.paidRate,
		Progress:    texts.Progress,
		OnFailure:   noticeFailed(st, p.log),
		MaxAttempts: storage.OutboxMaxAttempts,
		Logger:      p.log,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	outbox.wake = s.sender.Wake
	s.presenter, err = bot.NewPresenter(bot.PresenterConfig{
		Queue:  st,
		Editor: tg,
		Frame:  hs.PresentationFrame,
		Logger: p.log,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	s.sched, err = scheduler.New(scheduler.Config{
		Store:     st,
		Outbox:    outbox,
		Texts:     texts,
		Schedules: dl.schedules,
		Needs:     hs,
		Now:       p.now,
		Logger:    p.log,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	for _, w := range dl.warnings {
		p.log.Warn("schedule: " + w)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.healthz)
	mux.Handle("/metrics", s.metricsHandler(p.now))
	if p.cfg.WebhookURL != "" {
		path := tg.WebhookPath()
		if path == "/healthz" || path == "/metrics" {
			st.Close()
			return nil, badSetting("LAMPLIGHTER_WEBHOOK_URL", "the path %s is taken by the health check and the metrics", path)
		}
		mux.Handle(path, tg.WebhookHandler())
	}
	if path := web.VerifyPath(p.cfg.publicPath()); p.cfg.WebhookURL != "" && strings.HasPrefix(tg.WebhookPath(), path) {
		st.Close()
		return nil, badSetting("LAMPLIGHTER_WEBHOOK_URL", "the path %s is taken by the statements' verify page", path)
	}
	p.newWeb(ap).Mount(mux, p.cfg.publicPath())
	webhookPath := ""
	if p.cfg.WebhookURL != "" {
		webhookPath = tg.WebhookPath()
	}
	if err := p.mountMiniApp(mux, ap, outbox, webhookPath, tg.BotUsername); err != nil {
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", p.cfg.Listen)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("LAMPLIGHTER_LISTEN %s: %w", p.cfg.Listen, err)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
	}
	go func() { s.httpDone <- s.http.Serve(ln) }()

	// Telegram runs on its own context so that, at shutdown, the HTTP server
	// stops taking webhook requests before the adapter drains its queue.
	tgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.tgCancel = cancel
	go func() { s.tgDone <- tg.Run(tgCtx) }()

	senderCtx, senderCancel := context.WithCancel(context.WithoutCancel(ctx))
	schedCtx, schedCancel := context.WithCancel(context.WithoutCancel(ctx))
	s.senderCancel, s.schedCancel = senderCancel, schedCancel
	s.senderDone, s.schedDone = make(chan error, 1), make(chan error, 1)
	go func() { s.senderDone <- s.sender.Run(senderCtx) }()
	s.presenterDone = make(chan error, 1)
	go func() { s.presenterDone <- s.presenter.Run(senderCtx) }()
	go func() { s.schedDone <- s.sched.Run(schedCtx) }()

	mode := "polling"
	if p.cfg.WebhookURL != "" {
		mode = "webhook"
	}
	p.log.Info("lamplighter running", "mode", mode, "listen", ln.Addr().String(), "redis", p.cfg.redisTarget(),
		"rate", dl.rate, "quiet_hours", dl.schedules.Quiet.String())
	if p.onListen != nil {
		p.onListen(ln.Addr())
	}
	return s, nil
}

// wait blocks until ctx is cancelled (nil) or a part of the bot stops on its
// own (its error).
func (s *server) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		s.log.Info("shutting down")
		return nil
	case err := <-s.tgDone:
		s.tgDone <- err // for close
		if err == nil {
			err = errors.New("telegram adapter stopped")
		}
		return err
	case err := <-s.httpDone:
		s.httpDone <- err
		return fmt.Errorf("http server on %s: %w", s.ln.Addr(), err)
	}
}

// close shuts down gracefully: the HTTP server stops taking requests and
// finishes those in flight, then the Telegram adapter handles every update it
// already took, then the store closes.
func (s *server) close() error {
	var errs []error
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		if err := <-s.httpDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("http server: %w", err))
		}
		s.tgCancel()
		if err := <-s.tgDone; err != nil {
			errs = append(errs, err)
		}
		s.schedCancel()
		if err := <-s.schedDone; err != nil {
			errs = append(errs, fmt.Errorf("scheduler: %w", err))
		}
		s.senderCancel()
		if err := <-s.senderDone; err != nil {
			errs = append(errs, fmt.Errorf("outbox sender: %w", err))
		}
		if err := <-s.presenterDone; err != nil {
			errs = append(errs, fmt.Errorf("presenter: %w", err))
		}
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close redis: %w", err))
		}
		s.log.Info("stopped")
	})
	return errors.Join(errs...)
}

// healthz answers 200 "ok" while Redis answers PING, 503 otherwise.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("health check: redis does not answer", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "redis unavailable")
		return
	}
	fmt.Fprintln(w, "ok")
}

// usernameHandlers builds the conversation with the bot username that the
// Telegram adapter learned from getMe, which deep links need; it rebuilds
// it (cheaply: Handlers keeps no state) if the username changes.
type usernameHandlers struct {
	store    *storage.Store
	cfg      handlers.Config
	username func() string

	mu   sync.Mutex
	name string
	h    *handlers.Handlers
}

// PresentationFrame renders a presenter screen with handlers for the
// current bot username (the presenter worker's FrameFunc).
func (u *usernameHandlers) PresentationFrame(ctx context.Context, p ll.Presentation, now time.Time) (ll.Reply, time.Time, bool, error) {
	return u.current().PresentationFrame(ctx, p, now)
}

// Handle answers req with handlers for the current bot username.
func (u *usernameHandlers) Handle(ctx context.Context, req ll.Request) []ll.Reply {
	return u.current().Handle(ctx, req)
}

// HandleUpdate is Handle reporting duplicate updates (bot.UpdateHandler):
// the handlers mark each update in the round trip that reads its user, so
// the adapter needs no marker of its own for the updates it passes them.
func (u *usernameHandlers) HandleUpdate(ctx context.Context, req ll.Request) ([]ll.Reply, bool) {
	return u.current().HandleUpdate(ctx, req)
}

// Done records that an update's replies were sent (bot.Finisher).
func (u *usernameHandlers) Done(ctx context.Context, req ll.Request) error {
	return u.current().Done(ctx, req)
}

// NeedSweep words what is due about a community's needs (scheduler.NeedSweeper).
func (u *usernameHandlers) NeedSweep(ctx context.Context, c ll.Community, now time.Time) ([]ll.OutMessage, error) {
	return u.current().NeedSweep(ctx, c, now)
}

// current returns the handlers for the current bot username.
func (u *usernameHandlers) current() *handlers.Handlers {
	name := ""
	if u.username != nil {
		name = u.username()
	}
	u.mu.Lock()
	if u.h == nil || name != u.name {
		cfg := u.cfg
		cfg.BotUsername = name
		u.h, u.name = handlers.New(u.store, cfg), name
	}
	h := u.h
	u.mu.Unlock()
	return h
}
