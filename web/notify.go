package web

import (
	"context"
	"fmt"
	"html"
	"time"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	msgcat "github.com/lamplighter-bot/lamplighter/catalog"
)

// Notifier queues messages to people through the outbox, idempotent by
// message id, and broadcasts (a need's announcements, as app.Outbox);
// *storage.Store implements it.
type Notifier interface {
	Enqueue(ctx context.Context, msgs ...ll.OutMessage) (int, error)
	EnqueueBroadcast(ctx context.Context, b ll.Broadcast, msgs []ll.OutMessage) (created bool, added int, err error)
}

// tellAuthor queues the message the chat sends the author of a service
// record the caller just approved or rejected in the app (the catalog's
// service.approved_told / service.rejected_told, in the author's language),
// unless the author is the caller, cannot be reached or is no longer a
// member. The message id names the record and the decision, so a retry
// queues nothing twice. Unlike the chat, it does not add the author's
// standing (that would read their ledger on the request's path). A failure
// is logged: the decision stands either way.
func (m *MiniApp) tellAuthor(q *request, sc *app.Scope, r ll.ServiceRecord, approve bool, reason string) {
	if m.cfg.Outbox == nil {
		return
	}
	author, err := m.cfg.App.Lookups.Member(q.ctx, sc, r.Member)
	if err != nil || author.TelegramID == 0 || author.TelegramID == q.actor.TelegramID || !author.Active() {
		return
	}
	lang := author.Language
	if !ll.ValidLanguage(lang) {
		lang = sc.Community.Language
	}
	if !ll.ValidLanguage(lang) {
		lang = m.cfg.DefaultLanguage
	}
	text := short(r.Text, 100)
	id, decision := "service.rejected_told", "rejected"
	args := []any{r.ID, r.Date, text, reason}
	if approve {
		year := 0
		if t, err := time.Parse(time.DateOnly, r.Date); err == nil {
			year = t.Year()
		}
		id, decision, args = "service.approved_told", "approved", []any{r.ID, r.Date, text, year}
	}
	msg := ll.OutMessage{
		ID:     fmt.Sprintf("sd:%s:%s:%s", sc.Community.ID, r.ID, decision),
		ChatID: author.TelegramID, Kind: ll.OutDirect, Lang: lang, Community: sc.Community.ID, Member: author.ID,
		Reply: ll.Reply{Text: telegramText(lang, id, args...)},
	}
	if _, err := m.cfg.Outbox.Enqueue(q.ctx, msg); err != nil {
		m.log.Warn("tell the author of a decision", "record", r.ID, "err", err)
	}
}

// telegramText formats catalog message id in lang as the chat does: the
// message is Telegram HTML, and string arguments are escaped.
func telegramText(lang, id string, args ...any) string {
	format, ok := msgcat.Lookup(lang, id)
	if !ok {
		return id
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = html.EscapeString(s)
		}
	}
	return fmt.Sprintf(format, args...)
}

// short is s cut to at most n characters, with an ellipsis when cut.
func short(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
