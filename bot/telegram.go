package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
)

// Defaults of TelegramConfig.
const (
	DefaultAPIURL      = "https://api.telegram.org"
	DefaultWorkers     = 8
	DefaultQueueSize   = 1000
	DefaultPollTimeout = 50 * time.Second
	// httpTimeoutMargin is added to the poll timeout for the default HTTP
	// client, so that a long poll ends on Telegram's side first.
	httpTimeoutMargin = 15 * time.Second
)

// allowedUpdates are the update kinds the bot asks Telegram for.
var allowedUpdates = []string{
	models.AllowedUpdateMessage,
	models.AllowedUpdateEditedMessage, // live-location positions only; other edits are ignored
	models.AllowedUpdateCallbackQuery,
	models.AllowedUpdateMyChatMember,
}

// TelegramConfig configures a Telegram adapter. Token and Handler are
// required; every other field has a default.
type TelegramConfig struct {
	Token  string // bot token (TELEGRAM_BOT_TOKEN)
	APIURL string // Bot API server (TELEGRAM_API_URL); DefaultAPIURL when empty

	// BotUsername is the bot's @username without the @; Run replaces it by
	// the one getMe reports.
	BotUsername string

	// WebhookURL, when set, selects webhook mode: Run registers it with
	// setWebhook and WebhookSecret as its secret_token (required then: 1-256
	// characters of A-Z, a-z, 0-9, _ and -). Otherwise Run long-polls.
	WebhookURL    string
	WebhookSecret string

	Handler Handler     // answers requests; required
	Store   UpdateStore // update markers and reachability; nil: no de-duplication

	// Outbox, when set, takes every reply addressed to a chat other than the
	// request's and the requester's (role changes, approval outcomes,
	// notices): they are delivered by a Sender at the shared rate instead
	// of at once. Without one they are sent directly.
	Outbox Outbox

	// Presentations, when set, records every presenter screen sent
	// (Reply.Present) for the presenter workers; without it /present sends
	// the screen once.
	Presentations PresentationRegistry

	// Menus are the command menus, keyed "member" or "committee", then by
	// language "zh" or "en" (handlers.Menus()).
	Menus map[string]map[string][]lamplighter.MenuCommand

	Workers     int           // concurrent updates; DefaultWorkers when 0
	QueueSize   int           // updates held in memory; DefaultQueueSize when 0
	PollTimeout time.Duration // getUpdates long-poll timeout; DefaultPollTimeout when 0

	// The per-user flood limit (flood.go): a user's updates beyond
	// FloodLimit in any FloodWindow are refused before the handler, with one
	// notice per window. At most FloodUsers users are tracked at once. Each
	// replica limits the updates it receives. Defaults DefaultFloodLimit,
	// DefaultFloodWindow, DefaultFloodUsers when 0; a negative FloodLimit
	// turns the limit off.
	FloodLimit  int
	FloodWindow time.Duration
	FloodUsers  int

	// Now is the clock of the flood limit and of the handler latency;
	// time.Now when nil.
	Now func() time.Time

	// Observer is told of the handler's latency and of every Bot API call's
	// answer, for metrics; nil: nobody is told (Stats counts the rest).
	Observer Observer

	// HTTPClient calls the Bot API. The default has a timeout of PollTimeout
	// plus 15 s; a client given here must allow at least PollTimeout.
	HTTPClient *http.Client

	// WebAppURL is the Mini App's HTTPS URL (LAMPLIGHTER_WEBAPP_URL): a
	// chat given the committee menu gets a menu button that opens it
	// (menubutton.go). Empty, or not https: no menu button is set.
	WebAppURL string

	Logger *slog.Logger // slog.Default() when nil

	// Sleep waits d or until ctx is done (then it returns ctx.Err()). It is
	// used for every wait: retry_after, backoff after errors. Tests inject
	// one that does not sleep.
	Sleep func(ctx context.Context, d time.Duration) error

	// EmptyPollPause is the pause after a getUpdates answer with no updates
	// that came much sooner than PollTimeout (a server that ignores the
	// long-poll timeout), so the poller never spins. DefaultEmptyPollPause
	// when 0; negative: no pause. EmptyPollSleep waits it (a real sleep
	// honouring ctx when nil).
	EmptyPollPause time.Duration
	EmptyPollSleep func(ctx context.Context, d time.Duration) error
}

// DefaultEmptyPollPause is the pause after an early empty getUpdates answer.
const DefaultEmptyPollPause = time.Second

var secretTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Telegram is the Telegram adapter: it receives updates (long polling or a
// webhook), hands them to the Handler on a bounded pool of workers, and sends
// the replies through the Bot API.
//
// Updates of one chat are handled one at a time and in the order received;
// updates of different chats run concurrently. A Telegram is used by one Run;
// its other methods are safe for concurrent use.
type Telegram struct {
	cfg    TelegramConfig
	api    *tg.Bot
	client *http.Client
	log    *slog.Logger
	sleep  func(context.Context, time.Duration) error

	q        *queue
	username atomic.Pointer[string]
	started  atomic.Bool
	stats    counters
	obs      Observer
	flood    *floodLimiter // nil: no flood limit
}

// NewTelegram checks cfg and returns an adapter ready to Run. It does not
// contact Telegram.
func NewTelegram(cfg TelegramConfig) (*Telegram, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("telegram: empty bot token")
	}
	if cfg.Handler == nil {
		return nil, errors.New("telegram: no handler")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if u, err := url.Parse(cfg.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("telegram: bad API URL %q", cfg.APIURL)
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return nil, fmt.Errorf("telegram: bad webhook URL %q", cfg.WebhookURL)
		}
		if !secretTokenPattern.MatchString(cfg.WebhookSecret) {
			return nil, errors.New("telegram: webhook mode needs a webhook secret of 1-256 characters A-Z, a-z, 0-9, _ and -")
		}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = DefaultPollTimeout
	}
	if cfg.PollTimeout < time.Second {
		cfg.PollTimeout = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.EmptyPollPause == 0 {
		cfg.EmptyPollPause = DefaultEmptyPollPause
	}
	if cfg.EmptyPollSleep == nil {
		cfg.EmptyPollSleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.FloodLimit == 0 {
		cfg.FloodLimit = DefaultFloodLimit
	}
	if cfg.FloodWindow <= 0 {
		cfg.FloodWindow = DefaultFloodWindow
	}
	if cfg.FloodUsers <= 0 {
		cfg.FloodUsers = DefaultFloodUsers
	}
	client := cfg.HTTPClient
	if client != nil && client.Timeout != 0 && client.Timeout <= cfg.PollTimeout {
		return nil, fmt.Errorf("telegram: HTTP client timeout %s must exceed the poll timeout %s", client.Timeout, cfg.PollTimeout)
	}
	if client == nil {
		client = &http.Client{Timeout: cfg.PollTimeout + httpTimeoutMargin}
	}
	t := &Telegram{
		cfg:    cfg,
		client: client,
		log:    cfg.Logger,
		sleep:  cfg.Sleep,
		obs:    cfg.Observer,
		q:      newQueue(cfg.QueueSize),
		flood:  newFloodLimiter(cfg.FloodLimit, cfg.FloodWindow, cfg.FloodUsers, cfg.Now),
	}
	api, err := tg.New(cfg.Token,
		tg.WithServerURL(cfg.APIURL),
		tg.WithSkipGetMe(),
		tg.WithHTTPClient(cfg.PollTimeout, client),
		tg.WithErrorsHandler(func(err error) { t.log.Warn("telegram library", "err", redact(err.Error(), cfg.Token)) }),
		tg.WithDefaultHandler(func(context.Context, *tg.Bot, *models.Update) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	t.api = api
	name := strings.TrimPrefix(cfg.BotUsername, "@")
	t.username.Store(&name)
	return t, nil
}

// BotUsername returns the bot's username without the @: the configured one
// until Run has learned it from getMe.
func (t *Telegram) BotUsername() string { return *t.username.Load() }

// WebhookPath returns the path of the configured webhook URL ("/" when it
// has none), where cmd mounts WebhookHandler.
func (t *Telegram) WebhookPath() string {
	u, err := url.Parse(t.cfg.WebhookURL)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

// Run starts the adapter and blocks until ctx is cancelled. It calls getMe
// (a rejected token is returned as an error), sets the default command menus,
// then either deletes any webhook and long-polls, or registers the webhook
// (cmd serves WebhookHandler). Transient failures (network, 409 Conflict,
// 429) are logged and retried with backoff, never returned.
//
// When ctx is cancelled Run stops taking updates, handles every update it
// already took (with a context that is no longer cancelled), confirms them to
// Telegram and returns nil. Run may be called once.
func (t *Telegram) Run(ctx context.Context) error {
	if !t.started.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	work := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range t.cfg.Workers {
		wg.Go(func() { t.work(work) })
	}
	defer func() {
		t.q.close()
		wg.Wait()
	}()

	if err := t.setup(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if t.cfg.WebhookURL != "" {
		<-ctx.Done()
		t.log.Info("telegram webhook mode stopping; draining updates", "queued", t.q.len())
		return nil
	}
	p := t.newPoller()
	p.loop(ctx)
	t.q.close()
	wg.Wait()
	p.confirm(work)
	return nil
}

// setup learns the bot's username, sets the default menus and registers or
// deletes the webhook, retrying transient failures until ctx is done.
func (t *Telegram) setup(ctx context.Context) error {
	var me *models.User
	if err := t.retry(ctx, "getMe", func() (err error) {
		me, err = t.api.GetMe(ctx)
		return err
	}); err != nil {
		return err
	}
	if me.Username != "" {
		if old := t.BotUsername(); old != "" && !strings.EqualFold(old, me.Username) {
			t.log.Warn("configured bot username differs from getMe; using getMe's", "configured", old, "getMe", me.Username)
		}
		name := me.Username
		t.username.Store(&name)
	}
	t.log.Info("telegram bot", "username", t.BotUsername(), "id", me.ID)
	t.setDefaultMenus(ctx)

	if t.cfg.WebhookURL != "" {
		return t.retry(ctx, "setWebhook", func() error {
			_, err := t.api.SetWebhook(ctx, &tg.SetWebhookParams{
				URL:            t.cfg.WebhookURL,
				SecretToken:    t.cfg.WebhookSecret,
				AllowedUpdates: allowedUpdates,
				MaxConnections: min(t.cfg.Workers*2, 100),
			})
			return err
		})
	}
	return t.retry(ctx, "deleteWebhook", func() error {
		_, err := t.api.DeleteWebhook(ctx, &tg.DeleteWebhookParams{})
		return err
	})
}

// retry calls f until it succeeds, returning a configuration error
// (401 Unauthorized, 404 Not Found, 400 Bad Request) at once and retrying
// anything else with backoff. It returns ctx.Err() when ctx is done.
func (t *Telegram) retry(ctx context.Context, what string, f func() error) error {
	var backoff time.Duration
	for {
		err := f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) || errors.Is(err, tg.ErrorBadRequest) {
			return fmt.Errorf("telegram %s: %s", what, redact(err.Error(), t.cfg.Token))
		}
		wait := nextBackoff(backoff)
		backoff = wait
		var tooMany *tg.TooManyRequestsError
		if errors.As(err, &tooMany) {
			wait = retryAfter(tooMany.RetryAfter)
		}
		t.log.Warn("telegram call failed; retrying", "method", what, "err", redact(err.Error(), t.cfg.Token), "wait", wait)
		if err := t.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// setDefaultMenus sets the member menu for the default scope, in Chinese and
// English by language_code and without one in the default language.
func (t *Telegram) setDefaultMenus(ctx context.Context) {
	member := t.cfg.Menus["member"]
	set := func(lang string, cmds []lamplighter.MenuCommand) {
		if len(cmds) == 0 {
			return
		}
		err := t.call(ctx, 0, true, func(ctx context.Context) error {
			_, err := t.api.SetMyCommands(ctx, &tg.SetMyCommandsParams{
				Commands:     botCommands(cmds),
				Scope:        &models.BotCommandScopeDefault{},
				LanguageCode: lang,
			})
			return err
		})
		if err != nil {
			t.log.Warn("set default command menu", "lang", lang, "err", redact(err.Error(), t.cfg.Token))
		}
	}
	for _, lang := range []string{"zh", "en"} {
		set(lang, member[lang])
	}
	set("", member[lamplighter.DefaultLanguage])
}

func botCommands(cmds []lamplighter.MenuCommand) []models.BotCommand {
	out := make([]models.BotCommand, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, models.BotCommand{Command: c.Command, Description: c.Description})
	}
	return out
}

// Stats is a snapshot of the adapter's counters and gauges, for metrics.
// Counters only grow, from 0 when the adapter is made. The handler's latency
// and the answers to Bot API calls go to TelegramConfig.Observer instead.
type Stats struct {
	Queued      int   // updates held in memory now (waiting or being handled)
	Received    int64 // updates taken from Telegram (polling) or accepted (webhook)
	Handled     int64 // updates processed to the end, duplicates and ignored kinds included
	Duplicates  int64 // updates skipped because MarkUpdate (or an UpdateHandler) had seen them
	Panics      int64 // updates whose handling panicked
	Rejected    int64 // webhook requests refused (bad secret, bad JSON, queue full)
	SendErrors  int64 // Bot API calls that failed for good
	RateLimited int64 // 429 answers received
	Unreachable int64 // chats found blocked or gone (403, chat not found)

	QueueSize  int   // the most updates held in memory (TelegramConfig.QueueSize)
	Flooded    int64 // updates refused by the per-user flood limit
	QueueFull  int64 // webhook updates answered 503 because the queue was full or closed (also in Rejected)
	PollPaused int64 // times the poller stopped fetching because the queue was full
	FloodUsers int   // users the flood limit tracks now
}

type counters struct {
	received, handled, duplicates, panics, rejected atomic.Int64
	sendErrors, rateLimited, unreachable            atomic.Int64

	flooded    atomic.Int64 // updates refused by the flood limit
	queueFull  atomic.Int64 // webhook updates refused because the queue was full or closed
	pollPaused atomic.Int64 // times the poller stopped fetching for a full queue
}

// Stats returns the current counters; safe to call at any time.
func (t *Telegram) Stats() Stats {
	return Stats{
		Queued:      t.q.len(),
		Received:    t.stats.received.Load(),
		Handled:     t.stats.handled.Load(),
		Duplicates:  t.stats.duplicates.Load(),
		Panics:      t.stats.panics.Load(),
		Rejected:    t.stats.rejected.Load(),
		SendErrors:  t.stats.sendErrors.Load(),
		RateLimited: t.stats.rateLimited.Load(),
		Unreachable: t.stats.unreachable.Load(),

		QueueSize:  t.cfg.QueueSize,
		Flooded:    t.stats.flooded.Load(),
		QueueFull:  t.stats.queueFull.Load(),
		PollPaused: t.stats.pollPaused.Load(),
		FloodUsers: t.flood.tracked(),
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// nextBackoff doubles the previous wait, from 1 s up to 30 s.
func nextBackoff(prev time.Duration) time.Duration {
	const first, limit = time.Second, 30 * time.Second
	if prev <= 0 {
		return first
	}
	return min(prev*2, limit)
}

// retryAfter turns Telegram's retry_after seconds into a wait of at least 1 s.
func retryAfter(seconds int) time.Duration {
	return time.Duration(max(seconds, 1)) * time.Second
}

// redact removes the bot token from s (error messages may carry the URL).
func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "<token>")
}
