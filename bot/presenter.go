package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
)

// The presenter worker (SPEC section 9): every replica runs one. Each tick
// it claims the presenter messages that are due (storage's lease makes sure
// one replica edits each message, at most once per step, at the chat's pace
// across every replica), renders the frame of each and puts it in the
// message with editMessageMedia. A presentation ends with its closing
// frame (check-in closed, or it was stopped), or when its message is gone
// or its chat refuses the bot.

// Defaults of PresenterConfig.
const (
	DefaultPresenterTick  = time.Second
	DefaultPresenterLease = 20 * time.Second
	DefaultPresenterMax   = 16
	// presenterRetry is how soon a frame that failed for another reason
	// (Redis, the network) is tried again.
	presenterRetry = 5 * time.Second
)

// ErrMessageGone is returned (wrapped) by EditPhoto when the message cannot
// be edited any more: deleted, or not the bot's.
var ErrMessageGone = errors.New("message gone")

// PresentationQueue is the registry of running presentations as the worker
// sees it; *storage.Store implements it.
type PresentationQueue interface {
	// ClaimPresentations leases up to max due presentations.
	ClaimPresentations(ctx context.Context, now time.Time, max int, lease time.Duration) ([]lamplighter.PresentationClaim, error)
	// FinishPresentation ends a claim: due again at next, or removed when
	// next is zero; paceUntil holds the chat. ok is false for a lost lease.
	FinishPresentation(ctx context.Context, c lamplighter.PresentationClaim, next, now, paceUntil time.Time) (ok bool, err error)
}

// PresentationRegistry records a presenter message once it was sent;
// *storage.Store implements it.
type PresentationRegistry interface {
	RegisterPresentation(ctx context.Context, p lamplighter.Presentation, now time.Time) error
}

// PhotoEditor replaces a photo message; *Telegram implements it (EditPhoto).
type PhotoEditor interface {
	EditPhoto(ctx context.Context, chatID int64, messageID int, r lamplighter.Reply) error
}

// FrameFunc renders a presentation at now: the reply to put in its message,
// when to edit it next, and whether it is the closing frame
// (handlers.Handlers.PresentationFrame).
type FrameFunc func(ctx context.Context, p lamplighter.Presentation, now time.Time) (r lamplighter.Reply, next time.Time, final bool, err error)

// PresenterConfig configures a Presenter. Queue, Editor and Frame are required.
type PresenterConfig struct {
	Queue  PresentationQueue
	Editor PhotoEditor
	Frame  FrameFunc

	Tick  time.Duration // between two claims; DefaultPresenterTick when 0
	Lease time.Duration // how long a claimed presentation is ours; DefaultPresenterLease when 0
	Max   int           // presentations claimed at once; DefaultPresenterMax when 0

	Now    func() time.Time                                 // time.Now when nil
	Sleep  func(ctx context.Context, d time.Duration) error // between ticks; a real sleep when nil
	Logger *slog.Logger                                     // slog.Default() when nil
}

// PresenterStats counts what a Presenter did since it was made.
type PresenterStats struct {
	Edited, RateLimited, Ended, Lost, Failed int64
}

// Presenter edits the running presenter messages. Any number of Presenters,
// in one process or in several replicas, may run against one registry.
type Presenter struct {
	cfg   PresenterConfig
	log   *slog.Logger
	stats struct{ edited, rateLimited, ended, lost, failed atomic.Int64 }
}

// NewPresenter checks cfg and returns a presenter ready to Run.
func NewPresenter(cfg PresenterConfig) (*Presenter, error) {
	if cfg.Queue == nil || cfg.Editor == nil || cfg.Frame == nil {
		return nil, errors.New("presenter: a queue, an editor and a frame renderer are required")
	}
	if cfg.Tick <= 0 {
		cfg.Tick = DefaultPresenterTick
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultPresenterLease
	}
	if cfg.Max <= 0 {
		cfg.Max = DefaultPresenterMax
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Presenter{cfg: cfg, log: cfg.Logger}, nil
}

// Stats returns the presenter's counters.
func (p *Presenter) Stats() PresenterStats {
	return PresenterStats{Edited: p.stats.edited.Load(), RateLimited: p.stats.rateLimited.Load(),
		Ended: p.stats.ended.Load(), Lost: p.stats.lost.Load(), Failed: p.stats.failed.Load()}
}

// Run edits due presentations every Tick until ctx is done; it returns nil then.
func (p *Presenter) Run(ctx context.Context) error {
	for {
		if _, err := p.RunOnce(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("presenter round", "err", err)
		}
		if err := p.cfg.Sleep(ctx, p.cfg.Tick); err != nil {
			return nil
		}
	}
}

// RunOnce claims the presentations due now and edits each once; it returns
// how many it claimed.
func (p *Presenter) RunOnce(ctx context.Context) (int, error) {
	now := p.cfg.Now()
	cs, err := p.cfg.Queue.ClaimPresentations(ctx, now, p.cfg.Max, p.cfg.Lease)
	if err != nil {
		return 0, fmt.Errorf("claim presentations: %w", err)
	}
	for _, c := range cs {
		p.present(ctx, c, now)
	}
	return len(cs), nil
}

// present renders and edits one claimed presentation, then finishes the claim.
func (p *Presenter) present(ctx context.Context, c lamplighter.PresentationClaim, now time.Time) {
	log := p.log.With("chat_id", c.ChatID, "message_id", c.MessageID, "activity", c.Activity)
	finish := func(next, pace time.Time) {
		ok, err := p.cfg.Queue.FinishPresentation(ctx, c, next, p.cfg.Now(), pace)
		switch {
		case err != nil:
			log.Warn("finish presentation", "err", err)
		case !ok:
			p.stats.lost.Add(1)
			log.Info("presentation's lease expired before its edit was finished")
		case next.IsZero():
			p.stats.ended.Add(1)
		}
	}
	r, next, final, err := p.cfg.Frame(ctx, c.Presentation, now)
	if err != nil {
		p.stats.failed.Add(1)
		if errors.Is(err, lamplighter.ErrNotFound) {
			log.Info("presentation of an unknown activity ends", "err", err)
			finish(time.Time{}, time.Time{})
			return
		}
		log.Warn("render presentation", "err", err)
		finish(now.Add(presenterRetry), time.Time{})
		return
	}
	err = p.cfg.Editor.EditPhoto(ctx, c.ChatID, c.MessageID, r)
	var retry *RetryAfterError
	switch {
	case err == nil:
		p.stats.edited.Add(1)
		if final {
			next = time.Time{}
		}
		finish(next, time.Time{})
	case errors.As(err, &retry):
		p.stats.rateLimited.Add(1)
		until := now.Add(retry.After)
		log.Info("presenter edit rate limited; holding the chat", "retry_after", retry.After)
		finish(until, until)
	case errors.Is(err, ErrUnreachable), errors.Is(err, ErrMessageGone):
		p.stats.failed.Add(1)
		log.Info("presenter message gone or chat unreachable; presentation ends", "err", err)
		finish(time.Time{}, time.Time{})
	default:
		p.stats.failed.Add(1)
		log.Warn("edit presenter message", "err", err)
		if final {
			finish(time.Time{}, time.Time{})
			return
		}
		finish(now.Add(presenterRetry), time.Time{})
	}
}

// EditPhoto replaces a photo message's photo, caption and inline keyboard
// with r's File, Text and Buttons (editMessageMedia), in one attempt: a 429
// comes back as *RetryAfterError without waiting; "message is not modified"
// counts as success; a deleted message or one that cannot be edited is
// ErrMessageGone (wrapped); 403 and "chat not found" ErrUnreachable.
func (t *Telegram) EditPhoto(ctx context.Context, chatID int64, messageID int, r lamplighter.Reply) error {
	if r.File == nil {
		return errors.New("telegram edit photo: no photo")
	}
	inline, _ := markups(r, lamplighter.DefaultLanguage)
	caption := r.Text
	if utf16Count(caption) > maxCaptionLen {
		caption = splitHTML(caption, maxCaptionLen)[0]
	}
	name := r.File.Name
	if name == "" {
		name = "photo.png"
	}
	err := t.call(ctx, chatID, false, func(ctx context.Context) error {
		params := &tg.EditMessageMediaParams{
			ChatID:    chatID,
			MessageID: messageID,
			Media: &models.InputMediaPhoto{Media: "attach://" + name, Caption: caption, ParseMode: models.ParseModeHTML,
				MediaAttachment: bytes.NewReader(r.File.Data)},
		}
		if inline != nil {
			params.ReplyMarkup = inline
		} else {
			params.ReplyMarkup = &inlineKeyboard{InlineKeyboard: [][]inlineButton{}}
		}
		_, err := t.api.EditMessageMedia(ctx, params)
		return err
	})
	switch {
	case err == nil, badRequest(err, "message is not modified"):
		return nil
	case badRequest(err, "message to edit not found"), badRequest(err, "message can't be edited"):
		t.stats.sendErrors.Add(1)
		return fmt.Errorf("telegram edit photo %d/%d: %w: %w", chatID, messageID, ErrMessageGone, err)
	case err != nil:
		t.stats.sendErrors.Add(1)
		return fmt.Errorf("telegram edit photo %d/%d: %w", chatID, messageID, err)
	}
	return nil
}
