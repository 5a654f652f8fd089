package handlers_test

import (
	"context"
	"fmt"
	"github.com/lamplighter-bot/lamplighter/report"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// The store must fit the handlers' contract.
var _ handlers.Store = (*storage.Store)(nil)

const botName = "lamplighter_bot"

// testNow is the tests' clock: Monday 2 March 2026, 18:00 in Shanghai.
var testNow = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// person is a Telegram user in the tests.
type person struct {
	id   int64
	name string
	lang string // Telegram language_code
}

var (
	admin     = person{id: 9001, name: "District Admin", lang: "en"}
	secretary = person{id: 1001, name: "Li Wei", lang: "en"}
	deputy    = person{id: 1002, name: "Zhao Min", lang: "en"}
	alice     = person{id: 2001, name: "Alice Chen", lang: "en"}
	bob       = person{id: 2002, name: "Bob Sun", lang: "en"}
	lin       = person{id: 2003, name: "林芳", lang: "zh-hans"}
	stranger  = person{id: 3001, name: "Stranger", lang: "en"}
	mou       = person{id: 3002, name: "陌生人", lang: "zh"}
)

// groupChat is a community group chat.
const groupChat = -1001234567890

// env is a Handlers on a fresh store on the test Redis.
type env struct {
	t      testing.TB
	ctx    context.Context
	store  *storage.Store
	h      *handlers.Handlers
	rdb    redis.UniversalClient
	prefix string
	now    time.Time
	log    *slog.Logger
}

func newEnv(t testing.TB, admins ...int64) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), now: testNow, prefix: storagetest.Prefix()}
	clock := func() time.Time { return e.now }
	e.store = storagetest.NewStoreOptions(t, storage.Options{Prefix: e.prefix, Now: clock})
	e.rdb = storagetest.Client(t)
	e.log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.h = handlers.New(e.store, handlers.Config{Render: report.Renderer{},
		Admins:      admins,
		BotUsername: botName,
		Now:         clock,
		Logger:      e.log,
	})
	return e
}

// testWriter sends log lines to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// request builds a Request the way the adapters do.
func request(p person, text string, private bool) ll.Request {
	r := ll.Request{UserID: p.id, ChatID: p.id, Private: private, UserName: p.name, LanguageCode: p.lang, Text: text}
	if !private {
		r.ChatID = groupChat
	}
	if cmd, args, ok := ll.ParseCommand(text, botName); ok {
		r.Command, r.Args = cmd, args
	}
	return r
}

// do runs one request and checks the shape of every reply.
func (e *env) do(req ll.Request) []ll.Reply {
	e.t.Helper()
	rs := e.h.Handle(e.ctx, req)
	checkReplies(e.t, req, rs)
	return rs
}

// send is a message from p in their private chat with the bot.
func (e *env) send(p person, text string) []ll.Reply {
	e.t.Helper()
	return e.do(request(p, text, true))
}

// sendGroup is a message from p in the community group.
func (e *env) sendGroup(p person, text string) []ll.Reply {
	e.t.Helper()
	return e.do(request(p, text, false))
}

// press is p pressing a button with data in the private chat.
func (e *env) press(p person, data string) []ll.Reply {
	e.t.Helper()
	r := request(p, "", true)
	r.Callback, r.CallbackID, r.MessageID = data, "cb1", 42
	return e.do(r)
}

// pressGroup is p pressing a button with data in the group.
func (e *env) pressGroup(p person, data string) []ll.Reply {
	e.t.Helper()
	r := request(p, "", false)
	r.Callback, r.CallbackID, r.MessageID = data, "cb1", 42
	return e.do(r)
}

// checkReplies checks what every answer must be: at least one reply to a
// message, text or toast in each, callback data that fits and decodes, and
// Telegram HTML with nothing unescaped.
func checkReplies(t testing.TB, req ll.Request, rs []ll.Reply) {
	t.Helper()
	if len(rs) == 0 && req.Callback == "" {
		t.Fatalf("Handle(%q) returned no reply", req.Text)
	}
	for _, r := range rs {
		if r.Text == "" && r.CallbackAnswer == "" && r.File == nil {
			t.Errorf("Handle(%q %q) returned an empty reply %+v", req.Text, req.Callback, r)
		}
		if err := checkHTML(r.Text); err != nil {
			t.Errorf("Handle(%q %q) reply is not safe Telegram HTML: %v\n%s", truncateForLog(req.Text), req.Callback, err, r.Text)
		}
		if len([]rune(r.Text)) > 4096 {
			t.Errorf("Handle(%q) reply has %d characters, over Telegram's 4096", req.Text, len([]rune(r.Text)))
		}
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Text == "" {
					t.Errorf("Handle(%q) button without a label: %+v", req.Text, b)
				}
				if b.URL != "" || b.WebApp != "" { // a link or the Mini App: no callback data
					continue
				}
				if len(b.Data) > 64 {
					t.Errorf("Handle(%q) button %q data %q is %d bytes", req.Text, b.Text, b.Data, len(b.Data))
				}
				if again, ok := handlers.DecodeCallback(b.Data); !ok || again != b.Data {
					t.Errorf("Handle(%q) button %q data %q does not decode to itself (%q, %v)", req.Text, b.Text, b.Data, again, ok)
				}
			}
		}
		if !req.Private && r.ChatID == 0 && r.Text != "" && len(r.Buttons) > 0 {
			for _, row := range r.Buttons {
				for _, b := range row {
					if strings.HasPrefix(b.Data, "f:") {
						t.Errorf("Handle(%q) sent a flow button to a group: %+v", req.Text, b)
					}
				}
			}
		}
	}
}

func truncateForLog(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

var (
	tagPattern    = regexp.MustCompile(`^<(/?(b|i|code)|a href="[^"<>]*"|/a)>`)
	entityPattern = regexp.MustCompile(`^&(lt|gt|amp|quot|#39|#34);`)
)

// checkHTML accepts text with only the tags the handlers use and every < and
// & part of a tag or an entity.
func checkHTML(s string) error {
	var open []string
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			m := tagPattern.FindString(s[i:])
			if m == "" {
				return fmt.Errorf("bare < at %d: %q", i, s[i:min(len(s), i+20)])
			}
			name := strings.Trim(strings.Fields(m)[0], "</>")
			if strings.HasPrefix(m, "</") {
				if len(open) == 0 || open[len(open)-1] != name {
					return fmt.Errorf("unbalanced %s", m)
				}
				open = open[:len(open)-1]
			} else {
				open = append(open, name)
			}
			i += len(m) - 1
		case '>':
			return fmt.Errorf("bare > at %d", i)
		case '&':
			if entityPattern.FindString(s[i:]) == "" {
				return fmt.Errorf("bare & at %d: %q", i, s[i:min(len(s), i+10)])
			}
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("unclosed %v", open)
	}
	return nil
}

// texts joins the texts and toasts of replies.
func texts(rs []ll.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text)
		b.WriteString("\n")
		if r.CallbackAnswer != "" {
			b.WriteString("[toast] " + r.CallbackAnswer + "\n")
		}
	}
	return b.String()
}

// wantIn fails unless the replies contain every want.
func wantIn(t *testing.T, what string, rs []ll.Reply, want ...string) {
	t.Helper()
	got := texts(rs)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q, want it to contain %q", what, got, w)
		}
	}
}

// wantNotIn fails if the replies contain any of bad.
func wantNotIn(t *testing.T, what string, rs []ll.Reply, bad ...string) {
	t.Helper()
	got := texts(rs)
	for _, b := range bad {
		if strings.Contains(got, b) {
			t.Errorf("%s = %q, want it not to contain %q", what, got, b)
		}
	}
}

// button finds a button whose label contains label.
func button(t *testing.T, rs []ll.Reply, label string) ll.Button {
	t.Helper()
	for _, r := range rs {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return b
				}
			}
		}
	}
	t.Fatalf("no button %q in %s", label, dumpButtons(rs))
	return ll.Button{}
}

// hasButtonData reports whether a button carries data.
func hasButtonData(rs []ll.Reply, data string) bool {
	for _, r := range rs {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Data == data {
					return true
				}
			}
		}
	}
	return false
}

func dumpButtons(rs []ll.Reply) string {
	var out []string
	for _, r := range rs {
		for _, row := range r.Buttons {
			for _, b := range row {
				out = append(out, fmt.Sprintf("[%s|%s]", b.Text, b.Data))
			}
		}
	}
	return strings.Join(out, " ")
}

// Seeding goes through the store, as the CLI would.

func (e *env) community(id, name string) ll.Community {
	e.t.Helper()
	c := ll.Community{ID: id, Name: name, TimeZone: ll.DefaultTimeZone, Language: "zh",
		Minimum: ll.DefaultMinimum, PostMinimum: ll.DefaultPostMinimum, Created: e.now}
	if err := e.store.CreateCommunity(e.ctx, c, nil); err != nil {
		e.t.Fatalf("CreateCommunity(%s): %v", id, err)
	}
	return c
}

// member registers p with community through a fresh community invite, with
// the language of their Telegram client, as registering through the bot does.
func (e *env) member(community string, p person, role ll.Role, unit, building string, skills ...string) ll.Member {
	e.t.Helper()
	inv, err := e.store.CreateInvite(e.ctx, ll.Invite{Community: community, Role: role, Created: e.now}, nil)
	if err != nil {
		e.t.Fatalf("CreateInvite(%s): %v", community, err)
	}
	lang := ""
	switch {
	case strings.HasPrefix(p.lang, "zh"):
		lang = "zh"
	case strings.HasPrefix(p.lang, "en"):
		lang = "en"
	}
	m, err := e.store.Register(e.ctx, inv, ll.Member{TelegramID: p.id, Name: p.name, Unit: unit, Building: building, Skills: skills, Language: lang}, e.now)
	if err != nil {
		e.t.Fatalf("Register(%s, %d): %v", community, p.id, err)
	}
	return m
}

func (e *env) post(p ll.Post) ll.Post {
	e.t.Helper()
	if p.Mode == "" {
		p.Mode = ll.ModeClaimed
	}
	p.Created = e.now
	got, err := e.store.CreatePost(e.ctx, p, nil)
	if err != nil {
		e.t.Fatalf("CreatePost(%s): %v", p.Title, err)
	}
	return got
}

func (e *env) team(community, name string) ll.Team {
	e.t.Helper()
	got, err := e.store.CreateTeam(e.ctx, ll.Team{Community: community, Name: name, Created: e.now}, nil)
	if err != nil {
		e.t.Fatalf("CreateTeam(%s): %v", name, err)
	}
	return got
}

// storedMember reads p's membership of community.
func (e *env) storedMember(community string, p person) ll.Member {
	e.t.Helper()
	m, err := e.store.MemberByTelegram(e.ctx, community, p.id)
	if err != nil {
		e.t.Fatalf("MemberByTelegram(%s, %d): %v", community, p.id, err)
	}
	return m
}

// snapshot dumps every key of the env's store, to prove nothing was written.
func (e *env) snapshot() map[string]string {
	e.t.Helper()
	keys := storagetest.Keys(e.t, e.rdb, e.prefix+"*") // every master's keys on a cluster
	sort.Strings(keys)
	out := map[string]string{}
	for _, k := range keys {
		v, err := e.rdb.Dump(e.ctx, k).Result()
		if err != nil && err != redis.Nil {
			e.t.Fatalf("dump %s: %v", k, err)
		}
		out[k] = v
	}
	return out
}

// unchanged fails if the store differs from before.
func (e *env) unchanged(what string, before map[string]string) {
	e.t.Helper()
	after := e.snapshot()
	for k, v := range after {
		if old, ok := before[k]; !ok {
			e.t.Errorf("%s wrote new key %s", what, k)
		} else if old != v {
			e.t.Errorf("%s changed key %s", what, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			e.t.Errorf("%s deleted key %s", what, k)
		}
	}
}

// inviteCode takes the invite code out of an /invite reply.
func inviteCode(t *testing.T, rs []ll.Reply) string {
	t.Helper()
	m := regexp.MustCompile(`start=join_([a-z0-9-]+)`).FindStringSubmatch(texts(rs))
	if m == nil {
		t.Fatalf("no invite link in %q", texts(rs))
	}
	return m[1]
}

// dongan sets up a community with a secretary, a deputy and two members.
func dongan(t testing.TB, admins ...int64) *env {
	t.Helper()
	e := newEnv(t, admins...)
	e.community("dongan", "东安社区")
	e.member("dongan", secretary, ll.RoleSecretary, "Street Office", "1", "organising")
	e.member("dongan", deputy, ll.RoleDeputy, "Police Station", "2")
	e.member("dongan", alice, ll.RoleNone, "Bank of China", "19", "law", "accounting")
	e.member("dongan", bob, ll.RoleNone, "No. 3 Middle School", "21", "teaching")
	return e
}
