package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// botRun is "lamplighter run" running in-process against a fake Bot API.
type botRun struct {
	t      *testing.T
	e      *testEnv
	tg     *telegramtest.Server
	addr   string // the HTTP listen address
	cancel context.CancelFunc
	done   chan int // the exit code
	stderr *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startBot runs "lamplighter run" with the test environment plus env, and
// returns once it listens. The run is stopped (as by SIGTERM) when the test
// ends, and must then exit 0.
func startBot(t *testing.T, e *testEnv, tg *telegramtest.Server, env map[string]string) *botRun {
	t.Helper()
	return startBotOn(t, e, tg, env, nil)
}

// startBotOn is startBot with the program on clock (nil: the program's
// own, the test's fixed time).
func startBotOn(t *testing.T, e *testEnv, tg *telegramtest.Server, env map[string]string, clock func() time.Time) *botRun {
	t.Helper()
	e.env["TELEGRAM_BOT_TOKEN"] = tg.Token
	e.env["TELEGRAM_API_URL"] = tg.URL()
	e.env["LAMPLIGHTER_LISTEN"] = "127.0.0.1:0"
	for k, v := range env {
		e.env[k] = v
	}
	r := &botRun{t: t, e: e, tg: tg, done: make(chan int, 1), stderr: &syncBuffer{}}
	p := e.program("", io.Discard, r.stderr)
	if clock != nil {
		p.now = clock
	}
	// Waits (retry_after, backoff) end at once: the test does not sleep.
	p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	listening := make(chan net.Addr, 1)
	p.onListen = func(a net.Addr) { listening <- a }
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- p.run(ctx, []string{"run"}) }()
	select {
	case a := <-listening:
		r.addr = a.String()
	case code := <-r.done:
		t.Fatalf("lamplighter run exited with %d before listening:\n%s", code, r.stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("lamplighter run did not listen:\n%s", r.stderr.String())
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// stop shuts the bot down as SIGTERM does and checks that it exits 0.
func (r *botRun) stop() {
	r.t.Helper()
	r.cancel()
	select {
	case code := <-r.done:
		if code != 0 {
			r.t.Errorf("lamplighter run exited with %d after shutdown:\n%s", code, r.stderr.String())
		}
		r.done <- code
	case <-time.After(20 * time.Second):
		r.t.Errorf("lamplighter run did not stop within 20 s")
	}
}

// sentTexts is what a user sees of the messages the bot sent to chat.
func sentTexts(tg *telegramtest.Server, chat int64) []string {
	var out []string
	for _, c := range tg.Sent(chat) {
		out = append(out, telegramtest.Visible(c.Text, c.ParseMode))
	}
	return out
}

// expect waits until a message sent to chat after the first n contains want
// and returns it with the call.
func expect(t *testing.T, tg *telegramtest.Server, chat int64, n int, want string) telegramtest.Call {
	t.Helper()
	var found telegramtest.Call
	tg.Wait(fmt.Sprintf("a message to %d containing %q", chat, want), func() bool {
		sent := tg.Sent(chat)
		for i := n; i < len(sent); i++ {
			if strings.Contains(telegramtest.Visible(sent[i].Text, sent[i].ParseMode), want) {
				found = sent[i]
				return true
			}
		}
		return false
	})
	return found
}

// say sends text from user and waits for a reply containing want.
func say(t *testing.T, tg *telegramtest.Server, user int64, text, want string) telegramtest.Call {
	t.Helper()
	n := len(tg.Sent(user))
	tg.PushText(user, text)
	return expect(t, tg, user, n, want)
}

// firstButton is the callback data of the first inline button of a message.
func firstButton(t *testing.T, c telegramtest.Call) string {
	t.Helper()
	var kb models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(c.ReplyMarkup), &kb); err != nil || len(kb.InlineKeyboard) == 0 || len(kb.InlineKeyboard[0]) == 0 {
		t.Fatalf("message %q has no inline keyboard: %q (%v)", c.Text, c.ReplyMarkup, err)
	}
	return kb.InlineKeyboard[0][0].CallbackData
}

// setupDistrict creates dongan with a secretary (10001) and a member (20002)
// through the command line and returns a community invite code.
func setupDistrict(t *testing.T, e *testEnv) string {
	t.Helper()
	e.mustRun("community", "add", "--id", "dongan", "--name", "东安社区")
	e.mustRun("members", "import", "--community", "dongan", writeFile(t, "m.csv",
		"telegram_id,name,unit,building,skills,role\n10001,李秀兰,街道办,1栋,组织协调,secretary\n20002,王芳,第一小学,3栋,,\n"))
	out := e.mustRun("invite", "--community", "dongan")
	code, _, _ := strings.Cut(strings.TrimPrefix(out, "code: "), "\n")
	if !strings.HasPrefix(code, "dongan-") {
		t.Fatalf("invite printed %q", out)
	}
	return code
}

// TestEndToEnd runs "lamplighter run" in polling mode against the fake Bot
// API: a newcomer registers from a deep link, claims a post and sees it on
// their card, with a 429 on a reply, a 403 for another user and an update
// delivered twice on the way.
func TestEndToEnd(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	code := setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startBot(t, e, tg, nil)

	const (
		secretary = 10001
		blocked   = 20002
		newcomer  = 30003
	)
	tg.Wait("deleteWebhook (polling mode)", func() bool { return len(tg.Calls("deleteWebhook")) > 0 })

	// /healthz answers while Redis does.
	resp, err := http.Get("http://" + r.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", resp.StatusCode, body)
	}

	// The secretary creates a post; invite links carry the username getMe
	// reported.
	say(t, tg, secretary, "/newpost 楼道照明巡查 | claimed | 2 | 每月检查一次楼道灯", "P1")
	inv := say(t, tg, secretary, "/invite", "start=join_dongan-")
	if !strings.Contains(inv.Text+inv.ReplyMarkup, "https://t.me/"+tg.Username+"?start=join_dongan-") {
		t.Errorf("/invite answer %q (buttons %s) lacks a deep link of %s", inv.Text, inv.ReplyMarkup, tg.Username)
	}

	// The newcomer opens the deep link; the first reply meets a 429 and is
	// sent again after retry_after.
	tg.FailNext(newcomer, 1, telegramtest.TooManyRequests(1))
	say(t, tg, newcomer, "/start join_"+code, "姓名")
	var got429 bool
	for _, c := range tg.Calls("sendMessage") {
		if c.ChatID == newcomer && c.ErrorCode == http.StatusTooManyRequests {
			got429 = true
		}
	}
	if !got429 {
		t.Errorf("the fake server recorded no 429 to the newcomer")
	}
	if n := len(tg.Sent(newcomer)); n != 1 {
		t.Errorf("the newcomer got %d messages after the 429, want 1: %q", n, sentTexts(tg, newcomer))
	}

	say(t, tg, newcomer, "王小明", "单位")
	say(t, tg, newcomer, "东安小学", "楼")
	say(t, tg, newcomer, "8栋", "技能")
	say(t, tg, newcomer, "电工", "电工")
	confirm := say(t, tg, newcomer, "完成", "王小明")
	n := len(tg.Sent(newcomer))
	tg.PushCallback(newcomer, confirm.MessageID, firstButton(t, confirm))
	expect(t, tg, newcomer, n, "M3")
	m, err := e.st.MemberByTelegram(ctx, "dongan", newcomer)
	if err != nil || m.ID != "M3" || m.Name != "王小明" || m.Unit != "东安小学" || m.Building != "8栋" {
		t.Fatalf("the newcomer as stored = %+v, %v; want M3 王小明 of 东安小学, 8栋", m, err)
	}

	// The same update delivered twice takes effect once: one claim, one reply.
	n = len(tg.Sent(newcomer))
	claim := models.Update{ID: 777001, Message: &models.Message{
		ID: 9001, Date: int(testNow.Unix()), From: telegramtest.User(newcomer),
		Chat: models.Chat{ID: newcomer, Type: models.ChatTypePrivate},
		Text: "/claim P1", Entities: telegramtest.CommandEntities("/claim P1"),
	}}
	tg.PushUpdate(claim)
	tg.PushUpdate(claim)
	card := say(t, tg, newcomer, "/me", "M3 王小明")
	texts := sentTexts(tg, newcomer)[n:]
	if len(texts) != 2 || !strings.Contains(texts[0], "P1") {
		t.Errorf("after /claim P1 twice and /me the newcomer got %q, want one claim reply then the card", texts)
	}
	if !strings.Contains(telegramtest.Visible(card.Text, card.ParseMode), "楼道照明巡查") {
		t.Errorf("the /me card does not show the post: %q", card.Text)
	}
	claims, err := e.st.ClaimsOf(ctx, "dongan", "M3")
	if err != nil || len(claims) != 1 || claims[0].Post != "P1" {
		t.Errorf("ClaimsOf(M3) = %+v, %v; want one claim of P1", claims, err)
	}
	if p, _ := e.st.Post(ctx, "dongan", "P1"); p.Claims != 1 {
		t.Errorf("P1 has %d claims, want 1", p.Claims)
	}

	// A message to a member who blocked the bot gets 403: they are marked
	// unreachable, and the secretary still gets the answer.
	tg.FailNext(blocked, 1, telegramtest.Blocked)
	say(t, tg, secretary, "/role M2 committee", "M2")
	tg.Wait("M2 marked unreachable", func() bool {
		m, err := e.st.Member(ctx, "dongan", "M2")
		return err == nil && m.Unreachable
	})
	if sent := tg.Sent(blocked); len(sent) != 0 {
		t.Errorf("messages delivered to the blocked user: %q", sentTexts(tg, blocked))
	}

	// Shutdown drains and exits 0; then nothing is pending at the fake server.
	r.stop()
	if p := tg.Pending(); p != 0 {
		t.Errorf("%d updates left unconfirmed after shutdown", p)
	}
	if s := r.stderr.String(); strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") {
		t.Errorf("the log shows a panic:\n%s", s)
	}
}

// TestEndToEndWebhook runs "lamplighter run" in webhook mode: the webhook is
// registered with its secret, a request without the right secret is refused
// with 401 and has no effect, and a right one is answered.
func TestEndToEndWebhook(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	code := setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	const secret = "s3cret-TOKEN_1"
	r := startBot(t, e, tg, map[string]string{
		"LAMPLIGHTER_WEBHOOK_URL":    "https://bot.example.org/telegram/hook",
		"LAMPLIGHTER_WEBHOOK_SECRET": secret,
	})
	tg.Wait("setWebhook", func() bool { u, _ := tg.Webhook(); return u != "" })
	if u, s := tg.Webhook(); u != "https://bot.example.org/telegram/hook" || s != secret {
		t.Errorf("webhook registered as %q with secret %q", u, s)
	}

	const user = 40004
	post := func(id int, text, secretHeader string, setHeader bool) int {
		t.Helper()
		u := models.Update{ID: int64(id), Message: &models.Message{
			ID: id, Date: int(testNow.Unix()), From: telegramtest.User(user),
			Chat: models.Chat{ID: user, Type: models.ChatTypePrivate},
			Text: text, Entities: telegramtest.CommandEntities(text),
		}}
		body, _ := json.Marshal(u)
		req, _ := http.NewRequest(http.MethodPost, "http://"+r.addr+"/telegram/hook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if setHeader {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secretHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(1, "/start join_"+code, "", false); got != http.StatusUnauthorized {
		t.Errorf("webhook request without a secret = %d, want 401", got)
	}
	if got := post(2, "/start join_"+code, "wrong", true); got != http.StatusUnauthorized {
		t.Errorf("webhook request with a wrong secret = %d, want 401", got)
	}
	if got := post(3, "/help", secret, true); got != http.StatusOK {
		t.Errorf("webhook request with the secret = %d, want 200", got)
	}
	expect(t, tg, user, 0, "/join")
	if sent := sentTexts(tg, user); len(sent) != 1 {
		t.Errorf("the user got %d messages, want only the /help answer: %q", len(sent), sent)
	}
	if f, err := e.st.Flow(ctx, user); err != nil || f != nil {
		t.Errorf("Flow(%d) = %+v, %v after refused requests; want none", user, f, err)
	}
	if u, err := e.st.User(ctx, user); err != nil || u.Community != "" {
		t.Errorf("User(%d) = %+v, %v; want no membership", user, u, err)
	}

	resp, err := http.Get("http://" + r.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz in webhook mode = %d, want 200", resp.StatusCode)
	}
	if len(tg.Calls("getUpdates")) != 0 {
		t.Errorf("the bot polled getUpdates in webhook mode")
	}
}

// TestHealthzRedisDown checks that /healthz answers 503 when Redis does not
// answer.
func TestHealthzRedisDown(t *testing.T) {
	e := newTestEnv(t)
	s := &server{log: slog.New(slog.DiscardHandler), store: e.st}
	get := func() (int, string) {
		w := httptest.NewRecorder()
		s.healthz(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return w.Code, w.Body.String()
	}
	if code, body := get(); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz with Redis up = %d %q, want 200 ok", code, body)
	}
	e.st.Close()
	if code, _ := get(); code != http.StatusServiceUnavailable {
		t.Errorf("healthz with Redis closed = %d, want 503", code)
	}
}

// TestRunRejectedToken checks that "run" with a token Telegram refuses stops
// with exit code 1 and says so, without a stack trace.
func TestRunRejectedToken(t *testing.T) {
	e := newTestEnv(t)
	tg := telegramtest.NewServer(t)
	e.env["TELEGRAM_BOT_TOKEN"] = "999:WRONG"
	e.env["TELEGRAM_API_URL"] = tg.URL()
	e.env["LAMPLIGHTER_LISTEN"] = "127.0.0.1:0"
	var stderr syncBuffer
	p := e.program("", io.Discard, &stderr)
	p.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	code := p.run(context.Background(), []string{"run"})
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	last := lines[len(lines)-1]
	if code != 1 || !strings.HasPrefix(last, "lamplighter: ") || !strings.Contains(last, "getMe") {
		t.Errorf("run with a rejected token: exit %d, last line %q; want 1 and the getMe failure", code, last)
	}
	if strings.Contains(stderr.String(), "WRONG") {
		t.Errorf("the log shows the token:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "goroutine ") {
		t.Errorf("stack trace on stderr:\n%s", stderr.String())
	}
}
