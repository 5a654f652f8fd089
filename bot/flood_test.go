package bot_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter/bot"
)

// testClock is a clock that moves only when the test says so.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestFloodLimit sends a flood from one user through the polling path: the
// first 20 updates in 10 s reach the handler, the first refused one gets one
// notice in the user's language, later ones nothing (a button press only
// an empty answer), other users are not affected, and after the window the
// user is served again. Refused updates never reach the update store.
func TestFloodLimit(t *testing.T) {
	clk := newTestClock()
	e := start(t, nil, nil, nil, func(c *bot.TelegramConfig) { c.Now = clk.Now })
	const flooder, other, english = 1001, 1002, 1003

	for i := 1; i <= 25; i++ {
		e.srv.PushText(flooder, "m"+strconv.Itoa(i))
	}
	e.srv.PushText(other, "hello")
	e.handled(26)
	e.srv.PushCallback(flooder, 1, "x")
	e.handled(27)

	var handled []string
	for _, r := range e.h.requests() {
		if r.UserID == flooder {
			handled = append(handled, r.Text)
		}
	}
	if len(handled) != 20 || handled[0] != "m1" || handled[19] != "m20" {
		t.Errorf("handled for the flooder: %q, want m1…m20", handled)
	}
	sent := e.srv.Sent(flooder)
	if len(sent) != 21 {
		t.Fatalf("%d messages to the flooder, want 20 replies and one notice", len(sent))
	}
	if notice := sent[20].Text; !strings.Contains(notice, "太快") {
		t.Errorf("the notice is %q, want the Chinese one (language_code zh)", notice)
	}
	answers := e.srv.Calls("answerCallbackQuery")
	if len(answers) != 1 || answers[0].Params["text"] != "" {
		t.Errorf("button press in the flood answered with %+v, want one empty answer", answers)
	}
	if got := len(e.srv.Sent(other)); got != 1 {
		t.Errorf("the other user got %d replies, want 1", got)
	}
	st := e.tg.Stats()
	if st.Flooded != 6 {
		t.Errorf("Stats().Flooded = %d, want 6 (5 messages, 1 button press)", st.Flooded)
	}
	if got := e.store.markCount(); got != 21 {
		t.Errorf("%d updates marked, want 21: refused ones must not reach the store", got)
	}

	// A window later the flooder is served again.
	clk.Advance(10 * time.Second)
	e.srv.PushText(flooder, "again")
	e.handled(28)
	if sent := e.srv.Sent(flooder); len(sent) != 22 || sent[21].Text != "ok: again" {
		t.Errorf("after the window the flooder got %d messages, last %q; want the reply to \"again\"", len(sent), sent[len(sent)-1].Text)
	}

	// An English speaker's first refused update is a button press: the
	// notice is its toast, in English.
	for i := 1; i <= 20; i++ {
		e.srv.PushMessage(english, models.Message{Text: "e" + strconv.Itoa(i), From: &models.User{ID: english, FirstName: "E", LanguageCode: "en-GB"}})
	}
	e.handled(48)
	e.srv.PushUpdate(models.Update{CallbackQuery: &models.CallbackQuery{
		ID: "en-press", From: models.User{ID: english, FirstName: "E", LanguageCode: "en"},
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{ID: 5, Chat: models.Chat{ID: english, Type: models.ChatTypePrivate}}},
		Data: "x",
	}})
	e.srv.PushMessage(english, models.Message{Text: "e21", From: &models.User{ID: english, FirstName: "E", LanguageCode: "en-GB"}})
	e.handled(50)
	var toast string
	for _, a := range e.srv.Calls("answerCallbackQuery") {
		if a.Params["callback_query_id"] == "en-press" {
			toast = a.Params["text"]
		}
	}
	if !strings.Contains(toast, "too fast") {
		t.Errorf("the refused button press was answered with %q, want the English notice", toast)
	}
	if got := len(e.srv.Sent(english)); got != 20 {
		t.Errorf("the English speaker got %d messages, want 20 replies and no second notice", got)
	}
}

// TestFloodLimitWebhook checks the limit on the webhook path, where a
// refused update is still answered 200 (Telegram must not deliver it again).
func TestFloodLimitWebhook(t *testing.T) {
	clk := newTestClock()
	e := start(t, nil, nil, nil, func(c *bot.TelegramConfig) {
		webhookMode(c)
		c.Now = clk.Now
		c.FloodLimit = 3
	})
	h := e.tg.WebhookHandler()
	for i := 1; i <= 6; i++ {
		if rec := post(h, "POST", hookSecret, update(i, 1001, "hi"+strconv.Itoa(i))); rec.Code != 200 {
			t.Fatalf("webhook update %d = %d, want 200", i, rec.Code)
		}
	}
	e.handled(6)
	sent := e.srv.Sent(1001)
	if len(sent) != 4 || !strings.Contains(sent[3].Text, "too fast") {
		t.Errorf("sent %d messages, want 3 replies and the English notice", len(sent))
	}
	if got := e.tg.Stats().Flooded; got != 3 {
		t.Errorf("Stats().Flooded = %d, want 3", got)
	}
}

// TestFloodLimitOff checks that a negative FloodLimit lets everything through.
func TestFloodLimitOff(t *testing.T) {
	e := start(t, nil, nil, nil, func(c *bot.TelegramConfig) { c.FloodLimit = -1 })
	for i := 1; i <= 30; i++ {
		e.srv.PushText(1001, strconv.Itoa(i))
	}
	e.handled(30)
	if got := len(e.h.requests()); got != 30 {
		t.Errorf("%d requests handled with the limit off, want 30", got)
	}
	if st := e.tg.Stats(); st.Flooded != 0 || st.FloodUsers != 0 {
		t.Errorf("Stats() = %+v, want nothing flooded or tracked", st)
	}
}
