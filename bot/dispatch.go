package bot

import (
	"context"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/catalog"
)

// ownText returns the adapter's own text (an apology, the flood notice, a
// button label): catalog message id in lang, or in
// lamplighter.DefaultLanguage when lang is not a catalog language. These
// messages take no arguments and have no markup.
func ownText(lang, id string) string {
	if !slices.Contains(catalog.Languages, lang) {
		lang = lamplighter.DefaultLanguage
	}
	return catalog.Text(lang, id)
}

// language maps Telegram's language_code to "zh" or "en", falling back to
// lamplighter.DefaultLanguage.
func language(code string) string {
	code = strings.ToLower(code)
	switch {
	case strings.HasPrefix(code, "zh"):
		return "zh"
	case strings.HasPrefix(code, "en"):
		return "en"
	}
	return lamplighter.DefaultLanguage
}

// work handles queued updates until the queue is closed and empty.
func (t *Telegram) work(ctx context.Context) {
	for {
		it, ok := t.q.next()
		if !ok {
			return
		}
		t.process(ctx, it.u)
		if it.done != nil {
			it.done()
		}
		t.q.finish(it.key)
	}
}

// process handles one update: marks it, converts it, asks the handler and
// sends the replies. A panic anywhere is logged and never escapes.
func (t *Telegram) process(ctx context.Context, u *models.Update) {
	defer t.stats.handled.Add(1)
	log := t.log.With("update_id", u.ID)
	defer func() {
		if r := recover(); r != nil {
			t.stats.panics.Add(1)
			log.Error("panic processing an update", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if t.floodRefused(ctx, u, log) {
		return
	}

	if t.cfg.Store != nil && !t.handlerMarks(u) {
		first, err := t.cfg.Store.MarkUpdate(ctx, u.ID)
		switch {
		case err != nil:
			// Redis is down: handle anyway, the handlers answer that the
			// service is temporarily unavailable.
			log.Warn("mark update; handling it anyway", "err", err)
		case !first:
			t.stats.duplicates.Add(1)
			log.Debug("duplicate update skipped")
			return
		}
	}

	if u.MyChatMember != nil {
		t.memberChanged(ctx, u.MyChatMember)
		return
	}
	req, ok := toRequest(u, t.BotUsername())
	if !ok {
		if u.CallbackQuery != nil {
			t.answerCallback(ctx, u.CallbackQuery.ID, "")
		}
		return
	}
	log = log.With("chat_id", req.ChatID, "user_id", req.UserID)
	replies, duplicate, panicked := t.handle(ctx, req, log)
	if duplicate {
		t.stats.duplicates.Add(1)
		log.Debug("duplicate update skipped by the handler")
		return
	}
	if req.CallbackID != "" {
		answer := ""
		for _, r := range replies {
			if r.CallbackAnswer != "" {
				answer = r.CallbackAnswer
				break
			}
		}
		t.answerCallback(ctx, req.CallbackID, answer)
	}
	if panicked {
		if _, err := t.send(ctx, outgoing{chatID: req.ChatID, lang: language(req.LanguageCode),
			reply: lamplighter.Reply{Text: ownText(language(req.LanguageCode), "bot.apology")}}, true); err != nil {
			t.stats.sendErrors.Add(1)
			log.Warn("send apology", "err", t.clean(err))
		}
		t.finish(ctx, req, log) // a poison update is not run again
		return
	}
	for i, r := range replies {
		if t.enqueue(ctx, req, i, r) {
			continue
		}
		o := outgoing{chatID: r.ChatID, reply: r, lang: lamplighter.DefaultLanguage}
		if o.chatID == 0 || o.chatID == req.ChatID || o.chatID == req.UserID {
			o.lang = language(req.LanguageCode)
		}
		if o.chatID == 0 {
			o.chatID = req.ChatID
		}
		if r.Edit && req.CallbackID != "" && o.chatID == req.ChatID {
			o.editID = req.MessageID
		}
		id, err := t.send(ctx, o, true)
		if r.File != nil && r.File.Path != "" {
			t.sentFromDisk(ctx, req, o, r.File, err, log)
		}
		if err != nil {
			t.stats.sendErrors.Add(1)
			log.Warn("send reply", "to", o.chatID, "err", t.clean(err))
			continue
		}
		t.registerPresentation(ctx, o.chatID, id, r, log)
	}
	t.finish(ctx, req, log)
}

// sentFromDisk ends the life of a reply's file on disk (lamplighter.File's
// Path: a large export or notice, sent by this process, not the outbox):
// the file is removed whether it went out or not, and when it could not go
// to another chat (the notice chat), the requester is told, since no
// outbox retries it.
func (t *Telegram) sentFromDisk(ctx context.Context, req lamplighter.Request, o outgoing, f *lamplighter.File, err error, log *slog.Logger) {
	if derr := f.Discard(); derr != nil {
		log.Warn("remove a sent file", "path", f.Path, "err", derr)
	}
	if err == nil || o.chatID == req.ChatID {
		return
	}
	lang := language(req.LanguageCode)
	if _, err := t.send(ctx, outgoing{chatID: req.ChatID, lang: lang, reply: lamplighter.Reply{Text: ownText(lang, "bot.file_refused")}}, true); err != nil {
		log.Warn("tell that a file was not sent", "err", t.clean(err))
	}
}

// finish tells a Finisher handler that the update's replies were sent.
func (t *Telegram) finish(ctx context.Context, req lamplighter.Request, log *slog.Logger) {
	f, ok := t.cfg.Handler.(Finisher)
	if !ok {
		return
	}
	if err := f.Done(ctx, req); err != nil {
		log.Warn("record update done", "err", err)
	}
}

// handlerMarks reports whether update u goes to a handler that marks its
// updates itself (an UpdateHandler): the adapter then does not call
// MarkUpdate for it. Updates that never reach the handler (chat member
// changes, updates toRequest cannot convert) are still marked here.
func (t *Telegram) handlerMarks(u *models.Update) bool {
	if _, ok := t.cfg.Handler.(UpdateHandler); !ok || u.MyChatMember != nil {
		return false
	}
	_, ok := toRequest(u, t.BotUsername())
	return ok
}

// handle calls the handler (HandleUpdate for an UpdateHandler, which reports
// a duplicate), recovering a panic.
func (t *Telegram) handle(ctx context.Context, req lamplighter.Request, log *slog.Logger) (replies []lamplighter.Reply, duplicate, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			t.stats.panics.Add(1)
			log.Error("handler panicked", "panic", r, "command", req.Command, "callback", req.Callback, "stack", string(debug.Stack()))
			replies, duplicate, panicked = nil, false, true
		}
	}()
	start := t.cfg.Now()
	defer func() { t.obs.HandlerDone(t.cfg.Now().Sub(start)) }()
	if uh, ok := t.cfg.Handler.(UpdateHandler); ok {
		replies, duplicate = uh.HandleUpdate(ctx, req)
		return replies, duplicate, false
	}
	return t.cfg.Handler.Handle(ctx, req), false, false
}

// memberChanged records that a user blocked (kicked) or unblocked the bot in
// their private chat.
func (t *Telegram) memberChanged(ctx context.Context, m *models.ChatMemberUpdated) {
	if m.Chat.Type != models.ChatTypePrivate || t.cfg.Store == nil {
		return
	}
	var reachable bool
	switch m.NewChatMember.Type {
	case models.ChatMemberTypeBanned:
		reachable = false
	case models.ChatMemberTypeMember:
		reachable = true
	default:
		return
	}
	if !reachable {
		t.stats.unreachable.Add(1)
	}
	if err := t.cfg.Store.SetReachable(ctx, m.Chat.ID, reachable); err != nil {
		t.log.Warn("record reachability", "chat_id", m.Chat.ID, "reachable", reachable, "err", err)
	}
}

// registerPresentation records a presenter screen just sent (Reply.Present)
// with its chat and message id, so that the presenter workers edit it.
func (t *Telegram) registerPresentation(ctx context.Context, chatID int64, messageID int, r lamplighter.Reply, log *slog.Logger) {
	if r.Present == nil || r.File == nil || messageID == 0 || t.cfg.Presentations == nil {
		return
	}
	p := *r.Present
	p.ChatID, p.MessageID = chatID, messageID
	if err := t.cfg.Presentations.RegisterPresentation(ctx, p, t.cfg.Now()); err != nil {
		log.Warn("register presentation; its screen will not renew", "message_id", messageID, "err", err)
	}
}
