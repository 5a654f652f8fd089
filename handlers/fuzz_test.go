package handlers_test

import (
	"context"
	"github.com/lamplighter-bot/lamplighter/report"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
)

// FuzzDecodeCallback checks that decoding any button data never panics, and
// that whatever it accepts fits Telegram's limit and encodes back to itself.
func FuzzDecodeCallback(f *testing.F) {
	for _, s := range []string{
		"c:P3", "u:P12", "jt:T2", "lt:T9", "pg:p:2", "pg:t:1", "pg:cm:3", "pg:m:2:bank", "pg:m:1:", "pg:m:1:银行",
		"f:ab12:name:keep", "f:zz99:skills:3", "f:0000:mode:fixed-point", "", ":", "c:", "c:p3", "c:P03", "c:P0",
		"pg:p:0", "pg:p:01", "pg:p:10000", "pg:x:1", "pg:m:1: x", "f:abc:name:keep", "f:ABCD:name:keep",
		"f:ab12:name:keep:extra", "pg:m:1:\x00", "\xff\xfe", strings.Repeat("c:P1", 20),
		"su:A7", "wd:A1", "ap:S4", "rj:S10", "pg:a:2", "pg:sv:3", "su:A07", "ap:A1", "rj:S", "pg:sv:1:x",
		"ps:A7", "ps:a7", "ps:", "ps:S4",
		"wj:A7", "ts:A7", "tp:A1", "cy:A2", "cn:A3", "ts:a7", "cn:", "cy:P3", "wj:A07",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		again, ok := handlers.DecodeCallback(s)
		if !ok {
			return
		}
		if len(s) > 64 {
			t.Errorf("DecodeCallback(%q) accepted %d bytes", s, len(s))
		}
		if again != s {
			t.Errorf("DecodeCallback(%q) encodes back to %q", s, again)
		}
	})
}

// panicCatcher is a slog handler that counts logged panics.
type panicCatcher struct{ n *atomic.Int64 }

func (p panicCatcher) Enabled(context.Context, slog.Level) bool { return true }
func (p panicCatcher) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		p.n.Add(1)
	}
	return nil
}
func (p panicCatcher) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p panicCatcher) WithGroup(string) slog.Handler      { return p }

// FuzzHandle drives Handle with arbitrary text and button data from a
// member, a committee member and a stranger, in private and in a group: it
// must never panic (a recovered panic is logged, and counted here), always
// answer a message, and only send safe HTML and valid buttons.
func FuzzHandle(f *testing.F) {
	e := dongan(f)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid", Capacity: 1})
	e.post(ll.Post{Community: "dongan", Title: "Pair", Mode: ll.ModePaired, Target: "Wu"})
	e.team("dongan", "Lighting team")
	e.activity(ll.Activity{Start: testNow.Add(time.Hour), Location: &gate})
	var panics atomic.Int64
	h := handlers.New(e.store, handlers.Config{Render: report.Renderer{}, BotUsername: botName, Now: func() time.Time { return testNow }, Logger: slog.New(panicCatcher{&panics})})

	for _, s := range []struct {
		text, cb string
		who      uint8
		private  bool
	}{
		{"/me", "", 0, true}, {"/claim P1", "", 0, true}, {"/claim", "", 0, false}, {"/posts", "", 1, true},
		{"/newpost a | b | c | d", "", 1, true}, {"/newpost", "", 1, true}, {"title", "", 1, true},
		{"/editpost P1 capacity -5", "", 1, true}, {"/members \x00", "", 1, true}, {"/start join_", "", 2, true},
		{"/join dongan-aaaaaaaaaa", "", 2, true}, {"", "c:P1", 0, true}, {"", "pg:m:1:x", 1, true},
		{"", "f:abcd:name:keep", 2, true}, {"/profile", "", 0, true}, {"", "pg:p:9999", 0, false},
		{"/settings timezone Local", "", 1, true}, {"/role M1 none", "", 1, true}, {"/lang zh", "", 2, false},
		{"<b>hi</b> & bye", "", 0, true}, {"/leader T1 -1", "", 1, true}, {"/member 9223372036854775807", "", 1, true},
		{"/newactivity a | 2026-03-05 09:00 | 2h | b | 3", "", 1, true}, {"/newactivity", "", 1, true}, {"/checkin 123456", "", 0, true},
		{"/checkin", "", 0, true}, {"/start ci_000000", "", 2, true}, {"/log 2026-02-30 x", "", 0, true}, {"/log today fixed", "", 0, false},
		{"/approve S1", "", 1, true}, {"/reject S1 no", "", 1, true}, {"", "su:A1", 0, true}, {"", "ap:S1", 1, true}, {"", "rj:S1", 1, false},
		{"/editactivity A1 start 2026-03-05 25:00", "", 1, true}, {"/void A1 M3 x", "", 1, true}, {"/attend A1 M3", "", 1, true},
		{"/report 2026", "", 1, true}, {"/export", "", 1, true}, {"/notice", "", 1, true}, {"/forgetme", "", 0, true}, {"/roster A1", "", 1, true},
	} {
		f.Add(s.text, s.cb, s.who, s.private)
	}
	people := []person{alice, secretary, stranger}
	f.Fuzz(func(t *testing.T, text, cb string, who uint8, private bool) {
		p := people[int(who)%len(people)]
		req := request(p, text, private)
		if cb != "" {
			req.Text, req.Command, req.Args = "", "", ""
			req.Callback, req.CallbackID = cb, "cb"
		}
		before := panics.Load()
		rs := h.Handle(context.Background(), req)
		if panics.Load() != before {
			t.Fatalf("Handle(%q, %q) panicked", text, cb)
		}
		checkReplies(t, req, rs)
		// Never leave a flow behind that would capture the next fuzz input's
		// plain text in a confusing way; it is harmless but keeps runs apart.
		_ = e.store.ClearFlow(context.Background(), p.id)
	})
}
