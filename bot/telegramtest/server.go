// Package telegramtest is a fake Telegram Bot API server for tests: an
// httptest.Server that answers the methods Lamplighter uses the way Telegram
// does, including its errors (429 with retry_after, 403 blocked, 400 chat not
// found, 409 conflict), serves updates pushed by the test through
// getUpdates, and records every call for assertions.
//
// It parses JSON, URL-encoded and multipart bodies (go-telegram/bot sends
// multipart). Reference: https://core.telegram.org/bots/api
package telegramtest

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// BotID is the bot's user id in getMe.
const BotID = 7000000001

// Failure is an error answer the server gives instead of doing a call.
type Failure struct {
	Code        int    // error_code and HTTP status
	Description string // Telegram's description
	RetryAfter  int    // parameters.retry_after, seconds (429)
}

// TooManyRequests is Telegram's flood-control answer.
func TooManyRequests(retryAfter int) Failure {
	return Failure{Code: http.StatusTooManyRequests, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
}

// Answers Telegram gives when a chat cannot be written to or edited.
var (
	Blocked      = Failure{Code: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}
	ChatNotFound = Failure{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"}
	CantEdit     = Failure{Code: http.StatusBadRequest, Description: "Bad Request: message can't be edited"}
)

// Call is one recorded API call.
type Call struct {
	Method      string
	ChatID      int64
	MessageID   int    // the message sent or edited
	Text        string // text, or caption of a file
	ParseMode   string
	ReplyMarkup string            // raw JSON, "" when none
	Params      map[string]string // every non-file parameter as received
	FileName    string            // uploaded file (sendPhoto, sendDocument)
	File        []byte
	ErrorCode   int // 0 when the call succeeded
	Description string
}

// Server is the fake Bot API. Its methods are safe for concurrent use.
type Server struct {
	// Token is the bot token the server accepts.
	Token string
	// Username is the bot's username reported by getMe.
	Username string
	// MaxPollWait caps how long getUpdates waits for an update, whatever
	// timeout the client asks for. Set it before the first call.
	MaxPollWait time.Duration

	t   testing.TB
	srv *httptest.Server

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every change
	updates     []pending     // not yet confirmed, by id
	nextUpdate  int64
	nextMessage int
	nextQuery   int
	calls       []Call
	failures    map[int64][]*Failure // nil: let that call pass
	conflicts   int
	webhookURL  string
	webhookKey  string
	messages    map[msgKey]message
	commands    map[string][]models.BotCommand
	limits      [2]int           // messages a second: free, paid (allow_paid_broadcast); 0: no limit
	tokens      [2]float64       // what the limits allow to go now, by class
	filled      [2]time.Time     // when tokens was last topped up
	limited     [2]int           // sends refused by the limits, by class
	clock       func() time.Time // the limits' clock (SetClock); time.Now when nil
}

type pending struct {
	id  int64
	raw json.RawMessage
}

type msgKey struct {
	chat int64
	id   int
}

type message struct {
	text     string
	markup   string
	fromUser bool
	photo    bool   // a photo: editMessageMedia may replace it
	caption  string // a photo's caption
	media    string // a photo's content, to tell "message is not modified"
}

// NewServer starts a fake Bot API server that is closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{
		Token:       "123456:TEST-token",
		Username:    "LamplighterTestBot",
		MaxPollWait: 200 * time.Millisecond,
		t:           t,
		changed:     make(chan struct{}),
		nextUpdate:  1000,
		nextMessage: 100,
		failures:    map[int64][]*Failure{},
		messages:    map[msgKey]message{},
		commands:    map[string][]models.BotCommand{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// LimitRates makes the server enforce Telegram's bulk limits on sent
// messages (sendMessage, sendPhoto, sendDocument): free a second without
// allow_paid_broadcast and paid a second with it (Telegram: about 30 and
// 1,000), each a token bucket of its own that tolerates a short burst (a
// fifth of a second's worth, at least one message); a message beyond is
// answered 429 with retry_after 1. 0 leaves a class unlimited, as it is by
// default.
func (s *Server) LimitRates(free, paid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = [2]int{free, paid}
	for i, l := range s.limits {
		s.tokens[i], s.filled[i] = burst(l), s.now()
	}
}

// SetClock gives the limits of LimitRates a clock of the test's, so that
// what they refuse does not depend on how fast the machine runs the test.
// Call it before LimitRates.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

// now is the limits' time; the caller holds s.mu.
func (s *Server) now() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}

// burst is how many messages at once a limit of l a second tolerates.
func burst(l int) float64 { return max(1, float64(l)/5) }

// RateLimited returns how many messages the limits of LimitRates refused,
// without and with allow_paid_broadcast.
func (s *Server) RateLimited() (free, paid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited[0], s.limited[1]
}

// overLimit reports whether a message of call c goes beyond the limits,
// and counts it in the window when it does not; the caller holds s.mu.
func (s *Server) overLimit(c *Call) bool {
	class := 0
	if c.Params["allow_paid_broadcast"] == "true" {
		class = 1
	}
	limit := s.limits[class]
	if limit <= 0 {
		return false
	}
	now := s.now()
	s.tokens[class] = min(burst(limit), s.tokens[class]+now.Sub(s.filled[class]).Seconds()*float64(limit))
	s.filled[class] = now
	if s.tokens[class] < 1 {
		s.limited[class]++
		return true
	}
	s.tokens[class]--
	return false
}

// URL is the server's base URL, for bot.WithServerURL and TELEGRAM_API_URL.
func (s *Server) URL() string { return s.srv.URL }

// PushUpdate queues an update for getUpdates and returns its id; an update
// without an id gets the next one. Pushing an id again delivers it again.
func (s *Server) PushUpdate(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == 0 {
		s.nextUpdate++
		u.ID = s.nextUpdate
	} else if u.ID > s.nextUpdate {
		s.nextUpdate = u.ID
	}
	raw, err := json.Marshal(&u)
	if err != nil {
		s.t.Errorf("telegramtest: marshal update: %v", err)
		return 0
	}
	s.queue(u.ID, raw)
	return u.ID
}

// PushRaw queues an update given as JSON (for kinds the models cannot
// express) and returns its update_id, which it assigns when missing.
func (s *Server) PushRaw(raw string) int64 {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		s.t.Errorf("telegramtest: PushRaw: %v", err)
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var id int64
	if v, ok := fields["update_id"]; ok {
		_ = json.Unmarshal(v, &id)
	}
	if id == 0 {
		s.nextUpdate++
		id = s.nextUpdate
		fields["update_id"] = json.RawMessage(strconv.FormatInt(id, 10))
	}
	b, _ := json.Marshal(fields)
	s.queue(id, b)
	return id
}

// queue inserts an update in id order; the caller holds s.mu.
func (s *Server) queue(id int64, raw []byte) {
	i := len(s.updates)
	for i > 0 && s.updates[i-1].id > id {
		i--
	}
	s.updates = append(s.updates, pending{})
	copy(s.updates[i+1:], s.updates[i:])
	s.updates[i] = pending{id: id, raw: raw}
	s.notify()
}

// User returns the Telegram user the Push helpers send as.
func User(id int64) *models.User {
	return &models.User{ID: id, FirstName: "User", LastName: strconv.FormatInt(id, 10), LanguageCode: "zh"}
}

// PushMessage queues a message update. The message gets an id, a date and,
// when it has none, the sender userID as From, and a private chat with them.
func (s *Server) PushMessage(userID int64, m models.Message) int64 {
	s.mu.Lock()
	if m.ID == 0 {
		s.nextMessage++
		m.ID = s.nextMessage
	}
	if m.From == nil {
		m.From = User(userID)
	}
	if m.Chat.ID == 0 {
		m.Chat = models.Chat{ID: userID, Type: models.ChatTypePrivate, FirstName: m.From.FirstName}
	}
	if m.Date == 0 {
		m.Date = int(time.Now().Unix())
	}
	s.messages[msgKey{m.Chat.ID, m.ID}] = message{text: m.Text, fromUser: true}
	s.mu.Unlock()
	return s.PushUpdate(models.Update{Message: &m})
}

// PushText queues a text message from userID in their private chat, with a
// bot_command entity for every command in it (offsets in UTF-16 units, as
// Telegram sends them).
func (s *Server) PushText(userID int64, text string) int64 {
	return s.PushMessage(userID, models.Message{Text: text, Entities: CommandEntities(text)})
}

// PushCallback queues a press by userID on button data of the bot's
// message messageID in the user's private chat.
func (s *Server) PushCallback(userID int64, messageID int, data string) int64 {
	s.mu.Lock()
	s.nextQuery++
	qid := "q" + strconv.Itoa(s.nextQuery)
	text := s.messages[msgKey{userID, messageID}].text
	s.mu.Unlock()
	return s.PushUpdate(models.Update{CallbackQuery: &models.CallbackQuery{
		ID:   qid,
		From: *User(userID),
		Message: models.MaybeInaccessibleMessage{
			Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{
				ID:   messageID,
				From: &models.User{ID: BotID, IsBot: true, FirstName: "Lamplighter"},
				Chat: models.Chat{ID: userID, Type: models.ChatTypePrivate},
				Date: int(time.Now().Unix()),
				Text: text,
			},
		},
		ChatInstance: "ci" + strconv.FormatInt(userID, 10),
		Data:         data,
	}})
}

var commandPattern = regexp.MustCompile(`(^|\s)(/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?)`)

// CommandEntities returns the bot_command entities Telegram would attach to
// text, with offsets and lengths in UTF-16 code units.
func CommandEntities(text string) []models.MessageEntity {
	var out []models.MessageEntity
	for _, m := range commandPattern.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[4], m[5]
		out = append(out, models.MessageEntity{
			Type:   models.MessageEntityTypeBotCommand,
			Offset: utf16Len(text[:start]),
			Length: utf16Len(text[start:end]),
		})
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// FailNext makes the next n calls about chatID (any method with that
// chat_id) fail with f instead of taking effect. Failures queue up after
// the ones already planned.
func (s *Server) FailNext(chatID int64, n int, f Failure) {
	s.FailAfter(chatID, 0, n, f)
}

// FailAfter lets the next ok calls about chatID succeed, then makes n
// calls fail with f.
func (s *Server) FailAfter(chatID int64, ok, n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range ok {
		s.failures[chatID] = append(s.failures[chatID], nil)
	}
	for range n {
		s.failures[chatID] = append(s.failures[chatID], &f)
	}
}

// ConflictNext makes the next n getUpdates calls answer 409 Conflict, as
// when another instance polls with the same token.
func (s *Server) ConflictNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conflicts += n
}

// SetWebhook sets a webhook as if another instance had; getUpdates then
// answers 409 until deleteWebhook.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL, s.webhookKey = url, secret
	s.notify()
}

// Webhook returns the webhook URL and secret token currently set.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL, s.webhookKey
}

// Pending returns the number of updates not yet confirmed by a getUpdates
// offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Calls returns the recorded calls of a method (every call when method is
// ""), failed ones included, in order.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Sent returns the successful sendMessage, sendPhoto, sendDocument and
// editMessageText calls to chatID, in order.
func (s *Server) Sent(chatID int64) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.ChatID != chatID || c.ErrorCode != 0 {
			continue
		}
		switch c.Method {
		case "sendMessage", "sendPhoto", "sendDocument", "editMessageText":
			out = append(out, c)
		}
	}
	return out
}

// Commands returns the command menu last set for a scope ("default",
// "chat"…), chat (for the chat scope, else 0) and language code.
func (s *Server) Commands(scope string, chatID int64, lang string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[commandsKey(scope, chatID, lang)]
}

func commandsKey(scope string, chatID int64, lang string) string {
	return fmt.Sprintf("%s/%d/%s", scope, chatID, lang)
}

// Wait blocks until cond returns true. It checks again after every call or
// pushed update, and every few milliseconds for conditions outside the
// server; after 30 s it fails the test (a bound on a hang, not a timing
// claim: on a loaded 2-core machine a replica's step has been seen to take
// over 10 s). Call it from the test goroutine.
func (s *Server) Wait(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			s.t.Fatalf("telegramtest: gave up waiting for %s", what)
		}
	}
}

// notify wakes waiters; the caller holds s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// record appends a call; the caller holds s.mu.
func (s *Server) record(c Call) {
	s.calls = append(s.calls, c)
	s.notify()
}

// methods maps lower-case method names (Telegram ignores case) to handlers.
var methods = map[string]func(*Server, http.ResponseWriter, *http.Request, *Call){
	"getme":               (*Server).getMe,
	"getupdates":          (*Server).getUpdates,
	"setwebhook":          (*Server).setWebhook,
	"deletewebhook":       (*Server).deleteWebhook,
	"getwebhookinfo":      (*Server).getWebhookInfo,
	"setmycommands":       (*Server).setMyCommands,
	"sendmessage":         (*Server).sendMessage,
	"editmessagetext":     (*Server).editMessageText,
	"sendphoto":           (*Server).sendFile,
	"senddocument":        (*Server).sendFile,
	"answercallbackquery": (*Server).answerCallbackQuery,
	"editmessagemedia":    (*Server).editMessageMedia,
}

var canonical = map[string]string{
	"getme": "getMe", "getupdates": "getUpdates", "setwebhook": "setWebhook",
	"deletewebhook": "deleteWebhook", "getwebhookinfo": "getWebhookInfo",
	"setmycommands": "setMyCommands", "sendmessage": "sendMessage",
	"editmessagetext": "editMessageText", "sendphoto": "sendPhoto",
	"senddocument": "sendDocument", "answercallbackquery": "answerCallbackQuery",
	"editmessagemedia": "editMessageMedia",
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || token != s.Token {
		writeError(w, Failure{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	name := strings.ToLower(method)
	h := methods[name]
	if h == nil {
		writeError(w, Failure{Code: http.StatusNotFound, Description: "Not Found: method not found"})
		return
	}
	params, file, fileName, err := readParams(r)
	if err != nil {
		writeError(w, Failure{Code: http.StatusBadRequest, Description: "Bad Request: " + err.Error()})
		return
	}
	c := &Call{Method: canonical[name], Params: params, File: file, FileName: fileName,
		Text: params["text"], ParseMode: params["parse_mode"], ReplyMarkup: params["reply_markup"]}
	if c.Text == "" {
		c.Text = params["caption"]
	}
	if v, ok := params["chat_id"]; ok {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"})
			return
		}
		c.ChatID = id
		s.mu.Lock()
		if fs := s.failures[id]; len(fs) > 0 {
			s.failures[id] = fs[1:]
			if f := fs[0]; f != nil {
				s.mu.Unlock()
				s.fail(w, c, *f)
				return
			}
		}
		s.mu.Unlock()
	}
	switch name {
	case "sendmessage", "sendphoto", "senddocument":
		s.mu.Lock()
		over := s.overLimit(c)
		s.mu.Unlock()
		if over {
			s.fail(w, c, TooManyRequests(1))
			return
		}
	}
	h(s, w, r, c)
}

// readParams reads the parameters of a call from the query string and a
// JSON, URL-encoded or multipart body. A JSON string value is returned
// unquoted, any other JSON value as its JSON text.
func readParams(r *http.Request) (params map[string]string, file []byte, fileName string, err error) {
	params = map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return nil, nil, "", fmt.Errorf("read body: %w", err)
	}
	if len(body) == 0 {
		return params, nil, "", nil
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, nil, "", fmt.Errorf("bad JSON body: %w", err)
		}
		for k, v := range fields {
			var s string
			if json.Unmarshal(v, &s) == nil {
				params[k] = s
			} else {
				params[k] = string(v)
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			return nil, nil, "", fmt.Errorf("bad multipart body: %w", err)
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		for field, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, "", err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, "", err
			}
			params[field] = "attach:" + fhs[0].Filename
			file, fileName = data, fhs[0].Filename
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, "", fmt.Errorf("bad form body: %w", err)
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	}
	return params, file, fileName, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeOK(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func writeError(w http.ResponseWriter, f Failure) {
	body := map[string]any{"ok": false, "error_code": f.Code, "description": f.Description}
	if f.RetryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": f.RetryAfter}
	}
	writeJSON(w, f.Code, body)
}

// fail records c as failed with f and answers f.
func (s *Server) fail(w http.ResponseWriter, c *Call, f Failure) {
	c.ErrorCode, c.Description = f.Code, f.Description
	s.mu.Lock()
	s.record(*c)
	s.mu.Unlock()
	writeError(w, f)
}

// ok records c as done.
func (s *Server) ok(c *Call) {
	s.mu.Lock()
	s.record(*c)
	s.mu.Unlock()
}

func (s *Server) getMe(w http.ResponseWriter, _ *http.Request, c *Call) {
	s.ok(c)
	writeOK(w, models.User{ID: BotID, IsBot: true, FirstName: "Lamplighter", Username: s.Username, CanJoinGroups: true})
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, c *Call) {
	offset, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
	limit, _ := strconv.Atoi(c.Params["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(c.Params["timeout"])
	s.mu.Lock()
	switch {
	case s.webhookURL != "":
		s.mu.Unlock()
		s.fail(w, c, Failure{Code: http.StatusConflict, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
		return
	case s.conflicts > 0:
		s.conflicts--
		s.mu.Unlock()
		s.fail(w, c, Failure{Code: http.StatusConflict, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})
		return
	}
	s.record(*c)
	if offset > 0 {
		n := 0
		for n < len(s.updates) && s.updates[n].id < offset {
			n++
		}
		if n > 0 {
			s.updates = append([]pending(nil), s.updates[n:]...)
			s.notify()
		}
	}
	wait := min(time.Duration(timeout)*time.Second, s.MaxPollWait)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		if len(s.updates) > 0 || wait <= 0 {
			out := make([]json.RawMessage, 0, limit)
			for _, u := range s.updates {
				if len(out) == limit {
					break
				}
				out = append(out, u.raw)
			}
			s.mu.Unlock()
			writeOK(w, out)
			return
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			wait = 0
		case <-r.Context().Done():
			return
		}
		s.mu.Lock()
	}
}

func (s *Server) setWebhook(w http.ResponseWriter, _ *http.Request, c *Call) {
	url := c.Params["url"]
	if url != "" && !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"})
		return
	}
	s.mu.Lock()
	s.webhookURL, s.webhookKey = url, c.Params["secret_token"]
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, true)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, _ *http.Request, c *Call) {
	s.mu.Lock()
	s.webhookURL, s.webhookKey = "", ""
	if c.Params["drop_pending_updates"] == "true" {
		s.updates = nil
	}
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, true)
}

func (s *Server) getWebhookInfo(w http.ResponseWriter, _ *http.Request, c *Call) {
	s.mu.Lock()
	info := models.WebhookInfo{URL: s.webhookURL, PendingUpdateCount: len(s.updates)}
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, info)
}

var botCommand = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setMyCommands(w http.ResponseWriter, _ *http.Request, c *Call) {
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(c.Params["commands"]), &cmds); err != nil {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse commands JSON object"})
		return
	}
	if len(cmds) > 100 {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: too many commands specified"})
		return
	}
	for _, cmd := range cmds {
		if !botCommand.MatchString(cmd.Command) || cmd.Description == "" || utf8.RuneCountInString(cmd.Description) > 256 {
			s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: BOT_COMMAND_INVALID"})
			return
		}
	}
	scope := struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
	}{Type: "default"}
	if raw := c.Params["scope"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &scope); err != nil {
			s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse BotCommandScope JSON object"})
			return
		}
	}
	var chat int64
	if len(scope.ChatID) > 0 {
		chat, _ = strconv.ParseInt(strings.Trim(string(scope.ChatID), `"`), 10, 64)
		c.ChatID = chat
	}
	s.mu.Lock()
	s.commands[commandsKey(scope.Type, chat, c.Params["language_code"])] = cmds
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, true)
}

func (s *Server) sendMessage(w http.ResponseWriter, _ *http.Request, c *Call) {
	if f, bad := checkText(c.Text, c.ParseMode, 4096, "message text"); bad {
		s.fail(w, c, f)
		return
	}
	if f, bad := checkMarkup(c.ReplyMarkup, false); bad {
		s.fail(w, c, f)
		return
	}
	s.mu.Lock()
	s.nextMessage++
	c.MessageID = s.nextMessage
	s.messages[msgKey{c.ChatID, c.MessageID}] = message{text: c.Text, markup: c.ReplyMarkup}
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, s.result(c))
}

func (s *Server) editMessageText(w http.ResponseWriter, _ *http.Request, c *Call) {
	c.MessageID, _ = strconv.Atoi(c.Params["message_id"])
	if f, bad := checkText(c.Text, c.ParseMode, 4096, "message text"); bad {
		s.fail(w, c, f)
		return
	}
	if f, bad := checkMarkup(c.ReplyMarkup, true); bad {
		s.fail(w, c, f)
		return
	}
	s.mu.Lock()
	key := msgKey{c.ChatID, c.MessageID}
	m, found := s.messages[key]
	s.mu.Unlock()
	switch {
	case !found:
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: message to edit not found"})
		return
	case m.fromUser:
		s.fail(w, c, CantEdit)
		return
	case m.text == c.Text && m.markup == c.ReplyMarkup:
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"})
		return
	}
	s.mu.Lock()
	s.messages[key] = message{text: c.Text, markup: c.ReplyMarkup}
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, s.result(c))
}

func (s *Server) sendFile(w http.ResponseWriter, _ *http.Request, c *Call) {
	field := "document"
	if c.Method == "sendPhoto" {
		field = "photo"
	}
	if c.Params[field] == "" {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: there is no " + field + " in the request"})
		return
	}
	if strings.HasPrefix(c.Params[field], "attach:") && len(c.File) == 0 {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: file must be non-empty"})
		return
	}
	if c.Text != "" {
		if f, bad := checkText(c.Text, c.ParseMode, 1024, "message caption"); bad {
			s.fail(w, c, f)
			return
		}
	}
	if f, bad := checkMarkup(c.ReplyMarkup, false); bad {
		s.fail(w, c, f)
		return
	}
	s.mu.Lock()
	s.nextMessage++
	c.MessageID = s.nextMessage
	s.messages[msgKey{c.ChatID, c.MessageID}] = message{markup: c.ReplyMarkup, photo: c.Method == "sendPhoto",
		caption: c.Text, media: string(c.File)}
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, s.result(c))
}

// editMessageMedia replaces a photo message's photo, caption and inline
// keyboard, as Telegram does: the media parameter is a JSON InputMedia
// whose "media" names an uploaded part ("attach://<name>"); 400 for a
// message that is gone, not the bot's, or exactly as it was ("message is
// not modified").
func (s *Server) editMessageMedia(w http.ResponseWriter, _ *http.Request, c *Call) {
	c.MessageID, _ = strconv.Atoi(c.Params["message_id"])
	var media struct {
		Type      string `json:"type"`
		Media     string `json:"media"`
		Caption   string `json:"caption"`
		ParseMode string `json:"parse_mode"`
	}
	if err := json.Unmarshal([]byte(c.Params["media"]), &media); err != nil || media.Type == "" || media.Media == "" {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse InputMedia: media not found"})
		return
	}
	c.Text, c.ParseMode = media.Caption, media.ParseMode
	if name, ok := strings.CutPrefix(media.Media, "attach://"); ok && (c.Params[name] == "" || len(c.File) == 0) {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: file must be non-empty"})
		return
	}
	if c.Text != "" {
		if f, bad := checkText(c.Text, c.ParseMode, 1024, "message caption"); bad {
			s.fail(w, c, f)
			return
		}
	}
	if f, bad := checkMarkup(c.ReplyMarkup, true); bad {
		s.fail(w, c, f)
		return
	}
	s.mu.Lock()
	key := msgKey{c.ChatID, c.MessageID}
	m, found := s.messages[key]
	s.mu.Unlock()
	switch {
	case !found:
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: message to edit not found"})
		return
	case m.fromUser:
		s.fail(w, c, CantEdit)
		return
	case m.photo && m.caption == c.Text && m.media == string(c.File) && m.markup == c.ReplyMarkup:
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"})
		return
	}
	s.mu.Lock()
	s.messages[key] = message{markup: c.ReplyMarkup, photo: media.Type == "photo", caption: c.Text, media: string(c.File)}
	s.record(*c)
	s.mu.Unlock()
	writeOK(w, s.result(c))
}

// DeleteMessage forgets a message, as when its chat deleted it: an edit of
// it is then answered "message to edit not found".
func (s *Server) DeleteMessage(chatID int64, messageID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.messages, msgKey{chatID, messageID})
}

func (s *Server) answerCallbackQuery(w http.ResponseWriter, _ *http.Request, c *Call) {
	if c.Params["callback_query_id"] == "" {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: query is too old and response timeout expired or query ID is invalid"})
		return
	}
	if utf8.RuneCountInString(c.Text) > 200 {
		s.fail(w, c, Failure{Code: http.StatusBadRequest, Description: "Bad Request: MESSAGE_TOO_LONG"})
		return
	}
	s.ok(c)
	writeOK(w, true)
}

// result is the Message a send or edit returns.
func (s *Server) result(c *Call) models.Message {
	chatType := models.ChatTypePrivate
	if c.ChatID < 0 {
		chatType = models.ChatTypeSupergroup
	}
	return models.Message{
		ID:   c.MessageID,
		From: &models.User{ID: BotID, IsBot: true, FirstName: "Lamplighter", Username: s.Username},
		Chat: models.Chat{ID: c.ChatID, Type: chatType},
		Date: int(time.Now().Unix()),
		Text: Visible(c.Text, c.ParseMode),
	}
}

// allowedTags are the tags of Telegram's HTML parse mode.
var allowedTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "code": true, "pre": true, "blockquote": true, "tg-emoji": true,
}

var tagPattern = regexp.MustCompile(`^<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>`)

// checkText validates a text or caption like Telegram: HTML well formed,
// not empty, at most limit UTF-16 units once the tags are parsed.
func checkText(text, parseMode string, limit int, what string) (Failure, bool) {
	visible := text
	if strings.EqualFold(parseMode, "HTML") {
		var err string
		visible, err = parseHTML(text)
		if err != "" {
			return Failure{Code: http.StatusBadRequest, Description: "Bad Request: can't parse entities: " + err}, true
		}
	}
	if strings.TrimSpace(visible) == "" {
		return Failure{Code: http.StatusBadRequest, Description: "Bad Request: " + what + " is empty"}, true
	}
	if utf16Len(visible) > limit {
		if what == "message caption" {
			return Failure{Code: http.StatusBadRequest, Description: "Bad Request: message caption is too long"}, true
		}
		return Failure{Code: http.StatusBadRequest, Description: "Bad Request: message is too long"}, true
	}
	return Failure{}, false
}

// Visible returns what a user sees of text sent with parseMode: the text
// without its HTML tags, character references decoded.
func Visible(text, parseMode string) string {
	if !strings.EqualFold(parseMode, "HTML") {
		return text
	}
	v, _ := parseHTML(text)
	return v
}

// parseHTML checks Telegram HTML and returns its visible text, or an error
// description like Telegram's.
func parseHTML(s string) (visible, err string) {
	var b strings.Builder
	var open []string
	for i := 0; i < len(s); {
		if s[i] != '<' {
			b.WriteByte(s[i])
			i++
			continue
		}
		m := tagPattern.FindStringSubmatch(s[i:])
		if m == nil {
			return "", fmt.Sprintf("Unsupported start tag at byte offset %d", i)
		}
		name := strings.ToLower(m[2])
		if !allowedTags[name] {
			return "", fmt.Sprintf("Unsupported start tag %q at byte offset %d", name, i)
		}
		if m[1] == "/" {
			if len(open) == 0 || open[len(open)-1] != name {
				return "", fmt.Sprintf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, last(open), name)
			}
			open = open[:len(open)-1]
		} else {
			open = append(open, name)
		}
		i += len(m[0])
	}
	if len(open) > 0 {
		return "", fmt.Sprintf("Can't find end tag corresponding to start tag %q", open[len(open)-1])
	}
	return html.UnescapeString(b.String()), ""
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// checkMarkup validates a reply_markup like Telegram does for the cases
// Lamplighter meets.
func checkMarkup(raw string, inlineOnly bool) (Failure, bool) {
	if raw == "" {
		return Failure{}, false
	}
	var m struct {
		InlineKeyboard *[][]map[string]json.RawMessage `json:"inline_keyboard"`
		Keyboard       *[][]map[string]json.RawMessage `json:"keyboard"`
		RemoveKeyboard *bool                           `json:"remove_keyboard"`
	}
	bad := func(d string) (Failure, bool) {
		return Failure{Code: http.StatusBadRequest, Description: "Bad Request: " + d}, true
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return bad("can't parse reply keyboard markup JSON object")
	}
	if inlineOnly && m.InlineKeyboard == nil {
		return bad("inline keyboard expected")
	}
	switch {
	case m.InlineKeyboard != nil:
		for _, row := range *m.InlineKeyboard {
			for _, b := range row {
				var text, data, url string
				_ = json.Unmarshal(b["text"], &text)
				_ = json.Unmarshal(b["callback_data"], &data)
				_ = json.Unmarshal(b["url"], &url)
				var webApp struct {
					URL string `json:"url"`
				}
				_ = json.Unmarshal(b["web_app"], &webApp)
				switch {
				case text == "":
					return bad("can't parse inline keyboard button: Text must be non-empty")
				case b["web_app"] != nil && !strings.HasPrefix(webApp.URL, "https://"):
					return bad("inline keyboard button Web App URL '" + webApp.URL + "' is invalid: Only HTTPS links are allowed")
				case data == "" && url == "" && webApp.URL == "":
					return bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
				case len(data) > 64:
					return bad("BUTTON_DATA_INVALID")
				}
			}
		}
	case m.Keyboard != nil:
		for _, row := range *m.Keyboard {
			for _, b := range row {
				var text string
				_ = json.Unmarshal(b["text"], &text)
				if text == "" {
					return bad("can't parse keyboard button: Text must be non-empty")
				}
			}
		}
	case m.RemoveKeyboard != nil:
	default:
		return bad("can't parse reply keyboard markup JSON object")
	}
	return Failure{}, false
}
