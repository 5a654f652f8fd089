package bot_test

import (
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// TestRepliesToOthersGoThroughTheOutbox: with an Outbox configured, a reply
// addressed to someone else is queued, not sent; the answer to the
// requester (in the chat, or privately from a group) goes at once.
func TestRepliesToOthersGoThroughTheOutbox(t *testing.T) {
	e := newOutboxEnv(t)
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		return []lamplighter.Reply{
			{Text: "✅ M3: committee member."},
			{ChatID: 3003, ToLabel: "M3 (Li Wei)", Text: "You were appointed committee member.", SetMenu: "committee"},
			{ChatID: req.UserID, Text: "private answer"},
		}
	}}
	env := start(t, e.srv, e.users, h, func(c *bot.TelegramConfig) { c.Outbox = e.store })
	env.srv.PushText(1001, "/role M3 committee")
	env.srv.PushMessage(1001, models.Message{Text: "/role M3 committee", Chat: models.Chat{ID: -100200, Type: models.ChatTypeSupergroup},
		Entities: telegramtest.CommandEntities("/role M3 committee")})
	env.handled(2)

	if got := e.srv.Sent(3003); len(got) != 0 {
		t.Errorf("the appointee got %d messages directly, want them queued", len(got))
	}
	if got := len(e.srv.Sent(1001)); got != 3 {
		t.Errorf("the requester got %d messages, want the answer and two private answers", got)
	}
	if got := len(e.srv.Sent(-100200)); got != 1 {
		t.Errorf("the group got %d messages, want the answer", got)
	}
	if st := e.status(); st.Queued != 2 {
		t.Fatalf("outbox holds %d messages, want the two notices", st.Queued)
	}
	e.sender(e.store, e.telegram(), nil)
	e.drained()
	if got := e.srv.Sent(3003); len(got) != 2 || got[0].Text != "You were appointed committee member." {
		t.Errorf("the appointee got %+v from the outbox", got)
	}
	if cmds := e.srv.Commands("chat", 3003, ""); len(cmds) == 0 {
		t.Errorf("the appointee's command menu was not set by the queued message")
	}
}
