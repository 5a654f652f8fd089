package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// markingHandler is a bot.UpdateHandler that marks the updates it is given
// itself, as *handlers.Handlers does with Store.Begin.
type markingHandler struct {
	recorder
	mu    sync.Mutex
	seen  map[int64]bool
	calls int
}

var _ bot.UpdateHandler = (*markingHandler)(nil)

func (h *markingHandler) HandleUpdate(ctx context.Context, req lamplighter.Request) ([]lamplighter.Reply, bool) {
	h.mu.Lock()
	h.calls++
	dup := h.seen[req.UpdateID]
	h.seen[req.UpdateID] = true
	h.mu.Unlock()
	if dup {
		return nil, true
	}
	return h.Handle(ctx, req), false
}

func (h *markingHandler) callCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// An UpdateHandler marks its own updates: the adapter marks only those that
// never reach it, and a duplicate the handler reports has no effect at all:
// no reply, no answered button, counted as a duplicate.
func TestUpdateHandlerMarksItsOwnUpdates(t *testing.T) {
	store := newMemStore()
	h := &markingHandler{seen: map[int64]bool{}}
	h.reply = func(req lamplighter.Request) []lamplighter.Reply {
		if req.CallbackID != "" {
			return []lamplighter.Reply{{CallbackAnswer: "done"}}
		}
		return []lamplighter.Reply{{Text: "ok: " + req.Text}}
	}
	withHandler := func(cfg *bot.TelegramConfig) { cfg.Handler = h }
	text := func(id int64, s string) models.Update {
		return models.Update{ID: id, Message: &models.Message{ID: int(id), From: telegramtest.User(1001),
			Chat: models.Chat{ID: 1001, Type: models.ChatTypePrivate}, Date: 1, Text: s,
			Entities: telegramtest.CommandEntities(s)}}
	}
	press := models.Update{ID: 60, CallbackQuery: &models.CallbackQuery{ID: "q60", From: *telegramtest.User(1001), Data: "page:2",
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{
			ID: 1, From: &models.User{ID: telegramtest.BotID, IsBot: true, FirstName: "L"},
			Chat: models.Chat{ID: 1001, Type: models.ChatTypePrivate}, Date: 1}}}}
	// A membership change never reaches the handler: the adapter marks it.
	member := fmt.Sprintf(`{"update_id":70,"my_chat_member":{"chat":{"id":1001,"type":"private"},"from":{"id":1001,"is_bot":false,"first_name":"A"},"date":1,
		"old_chat_member":{"status":"member","user":{"id":%d,"is_bot":true,"first_name":"L"}},
		"new_chat_member":{"status":"kicked","user":{"id":%d,"is_bot":true,"first_name":"L"},"until_date":0}}}`,
		telegramtest.BotID, telegramtest.BotID)

	first := start(t, nil, store, nil, withHandler)
	first.srv.PushUpdate(text(50, "/me"))
	first.srv.PushUpdate(press)
	first.srv.PushRaw(member)
	first.handled(3)
	first.stop(t)
	if got := store.markCount(); got != 1 {
		t.Errorf("MarkUpdate called %d times, want 1: for the membership change only", got)
	}
	if got := len(first.srv.Sent(1001)); got != 1 {
		t.Errorf("%d messages sent, want 1", got)
	}
	if got := len(first.srv.Calls("answerCallbackQuery")); got != 1 {
		t.Errorf("answerCallbackQuery called %d times, want 1", got)
	}

	// Telegram delivers the three again to a new instance (the first crashed
	// before confirming them), then a new message.
	second := start(t, nil, store, nil, withHandler)
	second.srv.PushUpdate(text(50, "/me"))
	second.srv.PushUpdate(press)
	second.srv.PushRaw(member)
	second.srv.PushUpdate(text(71, "/posts"))
	second.handled(4)

	var texts []string
	for _, r := range h.requests() {
		texts = append(texts, r.Text)
	}
	if got := strings.Join(texts, ","); got != "/me,,/posts" {
		t.Errorf("handler answered %q, want /me, the press, /posts once each", got)
	}
	if got := h.callCount(); got != 5 {
		t.Errorf("HandleUpdate called %d times, want 5 (it tells duplicates itself)", got)
	}
	if got := store.markCount(); got != 2 {
		t.Errorf("MarkUpdate called %d times, want 2: for the two deliveries of the membership change only", got)
	}
	if got := second.tg.Stats().Duplicates; got != 3 {
		t.Errorf("Stats().Duplicates = %d, want 3", got)
	}
	if got := len(second.srv.Sent(1001)); got != 1 {
		t.Errorf("%d messages sent after the redelivery, want 1 (the answer to /posts)", got)
	}
	if got := len(second.srv.Calls("answerCallbackQuery")); got != 0 {
		t.Errorf("answerCallbackQuery called %d times for a redelivered press, want 0", got)
	}
}
