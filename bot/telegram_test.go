package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

func TestPollingEndToEnd(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		return []lamplighter.Reply{{Text: "hello <b>" + html.EscapeString(req.Args) + "</b>"}}
	}}
	e := start(t, nil, nil, h, nil)
	e.srv.PushText(1001, "/start join_a<b>")
	e.srv.Wait("reply", func() bool { return len(e.srv.Sent(1001)) == 1 })

	sent := e.srv.Sent(1001)[0]
	if sent.Method != "sendMessage" || sent.Text != "hello <b>join_a&lt;b&gt;</b>" || sent.ParseMode != "HTML" {
		t.Errorf("sent %s %q parse_mode %q, want sendMessage of the handler's HTML", sent.Method, sent.Text, sent.ParseMode)
	}
	reqs := h.requests()
	if len(reqs) != 1 {
		t.Fatalf("handler got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Command != "start" || r.Args != "join_a<b>" || r.UserID != 1001 || r.ChatID != 1001 || !r.Private ||
		r.LanguageCode != "zh" || r.UserName != "User 1001" || r.UpdateID == 0 || r.MessageID == 0 {
		t.Errorf("request = %+v", r)
	}
	if got := e.tg.BotUsername(); got != "LamplighterTestBot" {
		t.Errorf("BotUsername() = %q, want the getMe username", got)
	}

	// Setup order: getMe, menus, deleteWebhook, then polling.
	var order []string
	for _, c := range e.srv.Calls("") {
		if len(order) == 0 || order[len(order)-1] != c.Method {
			order = append(order, c.Method)
		}
	}
	if got := strings.Join(order[:min(len(order), 4)], ","); got != "getMe,setMyCommands,deleteWebhook,getUpdates" {
		t.Errorf("first calls = %s, want getMe,setMyCommands,deleteWebhook,getUpdates", got)
	}
	for _, lang := range []string{"zh", "en", ""} {
		want := testMenus["member"][lang]
		if lang == "" {
			want = testMenus["member"]["zh"]
		}
		got := e.srv.Commands("default", 0, lang)
		if len(got) != len(want) || got[0].Description != want[0].Description {
			t.Errorf("default menu for language %q = %v, want %v", lang, got, want)
		}
	}
	// The update is confirmed once handled.
	e.srv.Wait("confirmation", func() bool { return e.srv.Pending() == 0 })
}

func TestDuplicateUpdateHandledOnce(t *testing.T) {
	srv := telegramtest.NewServer(t)
	store := newMemStore()
	h := &recorder{}
	first := start(t, srv, store, h, nil)
	id := srv.PushText(1001, "/me")
	first.handled(1)
	first.stop(t)

	// Telegram delivers the same update again (say the instance crashed
	// before confirming it) to a new instance sharing the store. The new
	// instance polls a server of its own: a late confirmation from the
	// stopped instance must not be able to drop the redelivery in the test.
	srv2 := telegramtest.NewServer(t)
	srv2.PushUpdate(models.Update{ID: id, Message: &models.Message{ID: 1, From: telegramtest.User(1001),
		Chat: models.Chat{ID: 1001, Type: models.ChatTypePrivate}, Date: 1, Text: "/me"}})
	second := start(t, srv2, store, h, nil)
	srv2.PushText(1001, "/posts")
	second.handled(2)

	var texts []string
	for _, r := range h.requests() {
		texts = append(texts, r.Text)
	}
	if strings.Join(texts, ",") != "/me,/posts" {
		t.Errorf("handler saw %v, want /me once then /posts", texts)
	}
	if got := second.tg.Stats().Duplicates; got != 1 {
		t.Errorf("Stats().Duplicates = %d, want 1", got)
	}
	if got := len(srv.Sent(1001)) + len(srv2.Sent(1001)); got != 2 {
		t.Errorf("%d replies sent, want 2", got)
	}
}

func TestMarkUpdateFailureStillHandles(t *testing.T) {
	store := newMemStore()
	store.markErr = errors.New("redis: connection refused")
	e := start(t, nil, store, nil, nil)
	e.srv.PushText(1001, "/me")
	e.srv.Wait("reply", func() bool { return len(e.srv.Sent(1001)) == 1 })
}

func TestRateLimitedReplyIsWaitedOut(t *testing.T) {
	e := start(t, nil, nil, nil, nil)
	e.srv.FailNext(1001, 2, telegramtest.TooManyRequests(3))
	e.srv.PushText(1001, "/me")
	e.srv.Wait("reply", func() bool { return len(e.srv.Sent(1001)) == 1 })

	if got := e.sleeps.count(3 * time.Second); got != 2 {
		t.Errorf("slept retry_after (3s) %d times, want 2; all sleeps %v", got, e.sleeps.all())
	}
	calls := e.srv.Calls("sendMessage")
	if len(calls) != 3 || calls[0].ErrorCode != 429 || calls[1].ErrorCode != 429 || calls[2].ErrorCode != 0 {
		t.Errorf("sendMessage calls = %+v, want 429, 429, ok", calls)
	}
	if got := e.tg.Stats().RateLimited; got != 2 {
		t.Errorf("Stats().RateLimited = %d, want 2", got)
	}
}

func TestRateLimitRetriesAreBounded(t *testing.T) {
	e := start(t, nil, nil, nil, nil)
	e.srv.FailNext(1001, 50, telegramtest.TooManyRequests(1))
	e.srv.PushText(1001, "/me")
	e.handled(1)
	if got := len(e.srv.Calls("sendMessage")); got != 5 {
		t.Errorf("%d sendMessage attempts, want 5", got)
	}
}

func TestBlockedUserMarkedUnreachable(t *testing.T) {
	e := start(t, nil, nil, nil, nil)
	e.srv.FailNext(1001, 1, telegramtest.Blocked)
	e.srv.PushText(1001, "/me")
	e.handled(1)

	if reachable, set := e.store.reach(1001); !set || reachable {
		t.Errorf("reachability of 1001 = %v (set %v), want false", reachable, set)
	}
	if got := len(e.srv.Calls("sendMessage")); got != 1 {
		t.Errorf("%d sendMessage calls, want 1 (no retry after 403)", got)
	}
	if got := e.sleeps.all(); len(got) != 0 {
		t.Errorf("slept %v after a 403, want no wait", got)
	}
}

func TestChatNotFound(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		return []lamplighter.Reply{
			{ChatID: 2002, Text: "to a member"},
			{ChatID: -100500, Text: "to a group"},
			{Text: "done"},
		}
	}}
	e := start(t, nil, nil, h, nil)
	e.srv.FailNext(2002, 1, telegramtest.ChatNotFound)
	e.srv.FailNext(-100500, 1, telegramtest.ChatNotFound)
	e.srv.PushText(1001, "/broadcast")
	e.handled(1)

	if reachable, set := e.store.reach(2002); !set || reachable {
		t.Errorf("member 2002 with chat not found: reachable %v (set %v), want false", reachable, set)
	}
	if _, set := e.store.reach(-100500); set {
		t.Error("a group chat was marked as an unreachable user")
	}
	if got := len(e.srv.Sent(1001)); got != 1 {
		t.Errorf("%d replies to the requester, want 1 despite the failures", got)
	}
}

func TestConflictIsRetried(t *testing.T) {
	srv := telegramtest.NewServer(t)
	srv.ConflictNext(3)
	e := start(t, srv, nil, nil, nil)
	e.srv.PushText(1001, "/me")
	e.srv.Wait("reply", func() bool { return len(e.srv.Sent(1001)) == 1 })

	conflicts := 0
	for _, c := range srv.Calls("getUpdates") {
		if c.ErrorCode == 409 {
			conflicts++
		}
	}
	if conflicts != 3 {
		t.Errorf("%d getUpdates answered 409, want 3", conflicts)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	if got := e.sleeps.all(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("backoff sleeps = %v, want %v", got, want)
	}
}

func TestPollingDeletesWebhook(t *testing.T) {
	srv := telegramtest.NewServer(t)
	srv.SetWebhook("https://old.example.org/hook", "old")
	e := start(t, srv, nil, nil, nil)
	e.srv.PushText(1001, "/me")
	e.srv.Wait("reply", func() bool { return len(e.srv.Sent(1001)) == 1 })
	if url, _ := srv.Webhook(); url != "" {
		t.Errorf("webhook %q still set in polling mode", url)
	}
}

func TestPanicIsRecovered(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		if req.Text == "boom" || req.Callback == "boom" {
			panic("handler bug")
		}
		return []lamplighter.Reply{{Text: "fine"}}
	}}
	e := start(t, nil, nil, h, nil)
	e.srv.PushText(1001, "boom")
	en := telegramtest.User(1002)
	en.LanguageCode = "en-GB"
	e.srv.PushMessage(1002, models.Message{From: en, Text: "boom"})
	e.srv.PushCallback(1003, 5, "boom")
	e.handled(3)
	e.srv.PushText(1001, "/me")
	e.handled(4)

	sent := e.srv.Sent(1001)
	if len(sent) != 2 || !strings.Contains(sent[0].Text, "抱歉") || sent[1].Text != "fine" {
		t.Errorf("chat 1001 got %+v, want a Chinese apology then the next reply", sent)
	}
	if sent := e.srv.Sent(1002); len(sent) != 1 || !strings.HasPrefix(sent[0].Text, "Sorry") {
		t.Errorf("chat 1002 (en) got %+v, want an English apology", sent)
	}
	if answers := e.srv.Calls("answerCallbackQuery"); len(answers) != 1 {
		t.Errorf("%d callback answers after a panic, want 1", len(answers))
	}
	if got := e.tg.Stats().Panics; got != 3 {
		t.Errorf("Stats().Panics = %d, want 3", got)
	}
}

func TestPerChatOrderUnderConcurrency(t *testing.T) {
	const chats, perChat = 5, 40
	var (
		mu      sync.Mutex
		seen    = map[int64][]int{}
		running sync.Map // chat -> *atomic.Int32
	)
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		v, _ := running.LoadOrStore(req.ChatID, new(atomic.Int32))
		n := v.(*atomic.Int32)
		if n.Add(1) != 1 {
			t.Errorf("chat %d handled concurrently", req.ChatID)
		}
		runtime.Gosched()
		i, _ := strconv.Atoi(req.Text)
		mu.Lock()
		seen[req.ChatID] = append(seen[req.ChatID], i)
		mu.Unlock()
		n.Add(-1)
		return []lamplighter.Reply{{Text: req.Text}}
	}}
	// 40 messages a chat at once: more than the flood limit allows.
	e := start(t, nil, nil, h, func(c *bot.TelegramConfig) { c.Workers = 8; c.QueueSize = 16; c.FloodLimit = -1 })
	for i := 1; i <= perChat; i++ {
		for c := range int64(chats) {
			e.srv.PushText(2000+c, strconv.Itoa(i))
		}
	}
	e.handled(chats * perChat)

	for c := range int64(chats) {
		got := seen[2000+c]
		if len(got) != perChat {
			t.Fatalf("chat %d: %d messages handled, want %d", 2000+c, len(got), perChat)
		}
		for i, v := range got {
			if v != i+1 {
				t.Fatalf("chat %d handled %v, want 1..%d in order", 2000+c, got, perChat)
			}
		}
		sent := e.srv.Sent(2000 + c)
		for i, s := range sent {
			if s.Text != strconv.Itoa(i+1) {
				t.Fatalf("chat %d replies out of order at %d: %q", 2000+c, i, s.Text)
			}
		}
	}
	e.srv.Wait("all confirmed", func() bool { return e.srv.Pending() == 0 })
}

func TestShutdownDrainsQueuedUpdates(t *testing.T) {
	release := make(chan struct{})
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		<-release
		return []lamplighter.Reply{{Text: "done " + req.Text}}
	}}
	e := start(t, nil, nil, h, func(c *bot.TelegramConfig) { c.Workers = 2 })
	for c := range int64(10) {
		e.srv.PushText(3000+c, "/me")
	}
	e.srv.Wait("all updates taken", func() bool { return e.tg.Stats().Queued == 10 })
	if got := e.srv.Pending(); got != 10 {
		t.Errorf("%d updates unconfirmed while being handled, want 10", got)
	}

	e.cancel()
	close(release)
	e.stop(t)

	if got := len(h.requests()); got != 10 {
		t.Errorf("handler ran %d times before Run returned, want 10", got)
	}
	for c := range int64(10) {
		if got := len(e.srv.Sent(3000 + c)); got != 1 {
			t.Errorf("chat %d: %d replies, want 1", 3000+c, got)
		}
	}
	if got := e.srv.Pending(); got != 0 {
		t.Errorf("%d handled updates left unconfirmed after shutdown", got)
	}
}

func TestFullQueueStopsFetching(t *testing.T) {
	release := make(chan struct{})
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		<-release
		return []lamplighter.Reply{{Text: req.Text}}
	}}
	e := start(t, nil, nil, h, func(c *bot.TelegramConfig) { c.Workers = 1; c.QueueSize = 3 })
	for i := 1; i <= 10; i++ {
		e.srv.PushText(1001, strconv.Itoa(i))
	}
	e.srv.Wait("queue full", func() bool { return e.tg.Stats().Queued == 3 })
	if got := e.tg.Stats().Received; got != 3 {
		t.Errorf("Stats().Received = %d with a queue of 3, want 3", got)
	}
	if got := e.srv.Pending(); got != 10 {
		t.Errorf("%d updates unconfirmed, want all 10 (none handled yet)", got)
	}
	close(release)
	e.handled(10)
	var texts []string
	for _, s := range e.srv.Sent(1001) {
		texts = append(texts, s.Text)
	}
	if got := strings.Join(texts, ","); got != "1,2,3,4,5,6,7,8,9,10" {
		t.Errorf("replies = %s, want 1..10 in order", got)
	}
	e.srv.Wait("all confirmed", func() bool { return e.srv.Pending() == 0 })
}

func TestUndecodableUpdateIsSkipped(t *testing.T) {
	e := start(t, nil, nil, nil, nil)
	e.srv.PushRaw(`{"message":{"message_id":1,"date":1,"chat":{"id":1001,"type":"private"},"forward_origin":{"type":"from_the_future"}}}`)
	e.srv.PushText(1001, "/me")
	e.srv.Wait("reply", func() bool { return len(e.srv.Sent(1001)) == 1 })
	e.srv.Wait("all confirmed", func() bool { return e.srv.Pending() == 0 })
}

func TestLongReplyIsSplit(t *testing.T) {
	var b strings.Builder
	for i := range 400 {
		fmt.Fprintf(&b, "<b>M%d</b> 张三 (%s) — 1/2\n", i, strings.Repeat("路灯", 5))
	}
	long := b.String()
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		return []lamplighter.Reply{{Text: long, Buttons: [][]lamplighter.Button{{{Text: "›", Data: "page:2"}}}}}
	}}
	e := start(t, nil, nil, h, nil)
	e.srv.PushText(1001, "/report")
	e.handled(1)

	calls := e.srv.Calls("sendMessage")
	if len(calls) < 3 {
		t.Fatalf("%d messages sent, want the report split in several", len(calls))
	}
	var got strings.Builder
	for i, c := range calls {
		if c.ErrorCode != 0 {
			t.Fatalf("part %d refused: %d %s", i, c.ErrorCode, c.Description)
		}
		if (c.ReplyMarkup != "") != (i == len(calls)-1) {
			t.Errorf("part %d markup %q: the buttons belong on the last part only", i, c.ReplyMarkup)
		}
		got.WriteString(telegramtest.Visible(c.Text, c.ParseMode) + "\n")
	}
	if got.String() != telegramtest.Visible(long, "HTML") {
		t.Error("the parts do not add up to the report")
	}
}

func TestEditReplies(t *testing.T) {
	page := "1"
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		if req.Callback != "" {
			page = strings.TrimPrefix(req.Callback, "page:")
		}
		return []lamplighter.Reply{{
			Edit: req.Callback != "", Text: "page " + page, CallbackAnswer: "page " + page,
			Buttons: [][]lamplighter.Button{{{Text: "‹", Data: "page:1"}, {Text: "›", Data: "page:2"}}},
		}}
	}}
	e := start(t, nil, nil, h, nil)
	e.srv.PushText(1001, "/posts")
	e.handled(1)
	msg := e.srv.Sent(1001)[0].MessageID

	e.srv.PushCallback(1001, msg, "page:2")
	e.handled(2)
	edits := e.srv.Calls("editMessageText")
	if len(edits) != 1 || edits[0].MessageID != msg || edits[0].Text != "page 2" || edits[0].ErrorCode != 0 {
		t.Fatalf("edits = %+v, want message %d edited to page 2", edits, msg)
	}
	if answers := e.srv.Calls("answerCallbackQuery"); len(answers) != 1 || answers[0].Text != "page 2" {
		t.Errorf("callback answers = %+v, want one with the toast", answers)
	}

	// The same page again: "message is not modified" is not an error and
	// sends nothing new.
	e.srv.PushCallback(1001, msg, "page:2")
	e.handled(3)
	if got := len(e.srv.Calls("sendMessage")); got != 1 {
		t.Errorf("%d sendMessage calls after an unmodified edit, want 1", got)
	}
	if got := e.tg.Stats().SendErrors; got != 0 {
		t.Errorf("Stats().SendErrors = %d after an unmodified edit, want 0", got)
	}

	// A message that can no longer be edited: a new message instead.
	e.srv.FailNext(1001, 1, telegramtest.CantEdit)
	e.srv.PushCallback(1001, msg, "page:1")
	e.handled(4)
	sent := e.srv.Sent(1001)
	if last := sent[len(sent)-1]; last.Method != "sendMessage" || last.Text != "page 1" {
		t.Errorf("after a failed edit sent %s %q, want a new message with page 1", last.Method, last.Text)
	}
	if got := len(e.srv.Calls("answerCallbackQuery")); got != 3 {
		t.Errorf("%d callback answers for 3 presses", got)
	}
}

func TestFilesAreUploadedAgainAfter429(t *testing.T) {
	data := []byte("member_id,name\nM1,张三\n")
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		switch req.Command {
		case "chart":
			return []lamplighter.Reply{{Text: "<b>chart</b>", File: &lamplighter.File{Name: "chart.png", Data: []byte("\x89PNG"), Photo: true}}}
		case "long":
			return []lamplighter.Reply{{Text: strings.Repeat("说明 ", 600), File: &lamplighter.File{Name: "a.csv", Data: data}}}
		}
		return []lamplighter.Reply{{Text: "ledger 2025", File: &lamplighter.File{Name: "ledger.csv", MIME: "text/csv", Data: data}}}
	}}
	e := start(t, nil, nil, h, nil)
	e.srv.FailNext(1001, 1, telegramtest.TooManyRequests(2))
	e.srv.PushText(1001, "/export")
	e.handled(1)
	sent := e.srv.Sent(1001)
	if len(sent) != 1 || sent[0].Method != "sendDocument" || string(sent[0].File) != string(data) ||
		sent[0].FileName != "ledger.csv" || sent[0].Text != "ledger 2025" {
		t.Fatalf("sent %+v, want the whole document with its caption after the 429", sent)
	}

	e.srv.PushText(1001, "/chart")
	e.handled(2)
	if sent := e.srv.Sent(1001); sent[1].Method != "sendPhoto" || sent[1].Text != "<b>chart</b>" {
		t.Errorf("chart sent as %s %q, want sendPhoto with caption", sent[1].Method, sent[1].Text)
	}

	// A caption over 1024 characters goes in a message of its own.
	e.srv.PushText(1001, "/long")
	e.handled(3)
	sent = e.srv.Sent(1001)
	if len(sent) != 4 || sent[2].Method != "sendDocument" || sent[2].Text != "" || sent[3].Method != "sendMessage" {
		t.Errorf("long caption: %d calls, want the document without caption then a message", len(sent))
	}
}

func TestKeyboardsAndMenus(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		switch req.Command {
		case "skills":
			return []lamplighter.Reply{{Text: "skills?", Choices: []string{"法律", "教育", "医疗", "电工"}}}
		case "checkin":
			return []lamplighter.Reply{{Text: "share", RequestLocation: true}}
		case "cancel":
			return []lamplighter.Reply{{Text: "cancelled", RemoveKeyboard: true}}
		case "role":
			return []lamplighter.Reply{{SetMenu: "committee"}, {ChatID: 2002, SetMenu: "member", Text: "you are a member"}}
		}
		return nil
	}}
	e := start(t, nil, nil, h, nil)
	for _, cmd := range []string{"/skills", "/checkin", "/cancel", "/role"} {
		e.srv.PushText(1001, cmd)
	}
	e.handled(4)

	sent := e.srv.Sent(1001)
	if len(sent) != 3 {
		t.Fatalf("%d messages, want 3", len(sent))
	}
	var kb struct {
		Keyboard [][]struct {
			Text            string `json:"text"`
			RequestLocation bool   `json:"request_location"`
		} `json:"keyboard"`
		RemoveKeyboard bool `json:"remove_keyboard"`
	}
	_ = json.Unmarshal([]byte(sent[0].ReplyMarkup), &kb)
	if len(kb.Keyboard) != 2 || kb.Keyboard[0][0].Text != "法律" || kb.Keyboard[1][0].Text != "电工" {
		t.Errorf("choices keyboard = %s", sent[0].ReplyMarkup)
	}
	kb.Keyboard = nil
	_ = json.Unmarshal([]byte(sent[1].ReplyMarkup), &kb)
	if len(kb.Keyboard) != 1 || !kb.Keyboard[0][0].RequestLocation || !strings.Contains(kb.Keyboard[0][0].Text, "位置") {
		t.Errorf("location keyboard = %s, want a Chinese request_location button", sent[1].ReplyMarkup)
	}
	_ = json.Unmarshal([]byte(sent[2].ReplyMarkup), &kb)
	if !kb.RemoveKeyboard {
		t.Errorf("remove keyboard markup = %s", sent[2].ReplyMarkup)
	}

	if got := e.srv.Commands("chat", 1001, ""); len(got) != 2 || got[1].Command != "pending" || got[1].Description != "待审核" {
		t.Errorf("chat menu of 1001 = %v, want the Chinese committee menu", got)
	}
	if got := e.srv.Commands("chat", 2002, ""); len(got) != 2 || got[1].Command != "posts" {
		t.Errorf("chat menu of 2002 = %v, want the member menu", got)
	}
	if got := e.srv.Sent(2002); len(got) != 1 {
		t.Errorf("%d messages to 2002, want 1", len(got))
	}
}

func TestInlineButtonsMarkup(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		return []lamplighter.Reply{{Text: "posts", Buttons: [][]lamplighter.Button{
			{{Text: "Claim P3", Data: "claim:P3"}},
			{{Text: "Guide", URL: "https://example.org/guide"}, {Text: "broken"}},
		}}}
	}}
	e := start(t, nil, nil, h, nil)
	e.srv.PushText(1001, "/posts")
	e.handled(1)
	want := `{"inline_keyboard":[[{"text":"Claim P3","callback_data":"claim:P3"}],[{"text":"Guide","url":"https://example.org/guide"}]]}`
	if got := e.srv.Sent(1001)[0].ReplyMarkup; got != want {
		t.Errorf("reply_markup = %s\nwant %s", got, want)
	}
}

func TestMyChatMemberMarksReachability(t *testing.T) {
	e := start(t, nil, nil, nil, nil)
	upd := func(status string) string {
		return fmt.Sprintf(`{"my_chat_member":{"chat":{"id":1001,"type":"private"},"from":{"id":1001,"is_bot":false,"first_name":"A"},"date":1,
			"old_chat_member":{"status":"member","user":{"id":%d,"is_bot":true,"first_name":"L"}},
			"new_chat_member":{"status":%q,"user":{"id":%d,"is_bot":true,"first_name":"L"},"until_date":0}}}`,
			telegramtest.BotID, status, telegramtest.BotID)
	}
	e.srv.PushRaw(upd("kicked"))
	e.handled(1)
	if reachable, set := e.store.reach(1001); !set || reachable {
		t.Errorf("after blocking: reachable %v (set %v), want false", reachable, set)
	}
	e.srv.PushRaw(upd("member"))
	e.handled(2)
	if reachable, _ := e.store.reach(1001); !reachable {
		t.Error("after unblocking: still unreachable")
	}
	if len(e.h.requests()) != 0 {
		t.Error("a membership change reached the handler")
	}
}

func TestDeliver(t *testing.T) {
	srv := telegramtest.NewServer(t)
	store := newMemStore()
	sl := &sleeps{}
	tg, err := bot.NewTelegram(config(srv, &recorder{}, store, sl))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	id, err := tg.Deliver(ctx, bot.Outgoing{ChatID: 1001, Reply: lamplighter.Reply{Text: "progress 1/3"}})
	if err != nil || id == 0 {
		t.Fatalf("Deliver = %d, %v", id, err)
	}
	id2, err := tg.Deliver(ctx, bot.Outgoing{ChatID: 1001, EditMessageID: id, Reply: lamplighter.Reply{Edit: true, Text: "progress 2/3"}})
	if err != nil || id2 != id {
		t.Errorf("Deliver edit = %d, %v; want message %d edited", id2, err, id)
	}

	srv.FailNext(1001, 1, telegramtest.TooManyRequests(7))
	_, err = tg.Deliver(ctx, bot.Outgoing{ChatID: 1001, Reply: lamplighter.Reply{Text: "reminder"}})
	var ra *bot.RetryAfterError
	if !errors.As(err, &ra) || ra.After != 7*time.Second {
		t.Errorf("Deliver after 429 = %v, want *RetryAfterError of 7s", err)
	}
	if got := sl.all(); len(got) != 0 {
		t.Errorf("Deliver slept %v; the outbox owns the wait", got)
	}

	srv.FailNext(2002, 1, telegramtest.Blocked)
	_, err = tg.Deliver(ctx, bot.Outgoing{ChatID: 2002, Reply: lamplighter.Reply{Text: "reminder"}})
	if !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("Deliver to a blocked user = %v, want ErrUnreachable", err)
	}
	if reachable, set := store.reach(2002); !set || reachable {
		t.Error("blocked user not marked unreachable")
	}

	// Once the first part of a long notice went out, a 429 on a later
	// part is waited out rather than returned (a retry would repeat part 1).
	long := strings.Repeat("公示 M1 2/2 ✓\n", 700)
	srv.FailAfter(3003, 1, 1, telegramtest.TooManyRequests(4))
	if _, err := tg.Deliver(ctx, bot.Outgoing{ChatID: 3003, Reply: lamplighter.Reply{Text: long}}); err != nil {
		t.Fatalf("Deliver long = %v", err)
	}
	if got := sl.count(4 * time.Second); got != 1 {
		t.Errorf("slept retry_after 4s %d times for a later part, want 1", got)
	}
	var visible strings.Builder
	for _, c := range srv.Sent(3003) {
		visible.WriteString(c.Text + "\n")
	}
	if visible.String() != long {
		t.Errorf("long notice arrived as %d parts that do not add up", len(srv.Sent(3003)))
	}
}

func TestNewTelegramChecksConfig(t *testing.T) {
	ok := bot.TelegramConfig{Token: "1:x", Handler: &recorder{}}
	for name, edit := range map[string]func(*bot.TelegramConfig){
		"no token":             func(c *bot.TelegramConfig) { c.Token = " " },
		"no handler":           func(c *bot.TelegramConfig) { c.Handler = nil },
		"bad API URL":          func(c *bot.TelegramConfig) { c.APIURL = "api.telegram.org" },
		"webhook without key":  func(c *bot.TelegramConfig) { c.WebhookURL = "https://bot.example.org/hook" },
		"webhook with bad key": func(c *bot.TelegramConfig) { c.WebhookURL = "https://e.org/h"; c.WebhookSecret = "a b" },
	} {
		cfg := ok
		edit(&cfg)
		if _, err := bot.NewTelegram(cfg); err == nil {
			t.Errorf("%s: NewTelegram accepted %+v", name, cfg)
		}
	}
	if _, err := bot.NewTelegram(ok); err != nil {
		t.Errorf("NewTelegram(minimal) = %v", err)
	}
}

func TestRunRejectsBadToken(t *testing.T) {
	srv := telegramtest.NewServer(t)
	cfg := config(srv, &recorder{}, nil, &sleeps{})
	cfg.Token = "999:wrong"
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = tg.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "getMe") || strings.Contains(err.Error(), "999:wrong") {
		t.Errorf("Run with a bad token = %v, want a getMe error without the token", err)
	}
}
