package bot_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
)

var members = map[string]struct {
	tg    int64
	label string
}{
	"M3":        {3003, "M3 (Li Wei)"},
	"dongan:M4": {3004, "M4 (Wang Fang)"},
}

func resolve(_ context.Context, who string) (int64, string, error) {
	m, ok := members[who]
	if !ok {
		return 0, "", errors.New("no such member")
	}
	return m.tg, m.label, nil
}

// runConsole runs a console over input and returns its output.
func runConsole(t *testing.T, h bot.Handler, input string) string {
	t.Helper()
	var out bytes.Buffer
	c, err := bot.NewConsole(bot.ConsoleConfig{
		In: strings.NewReader(input), Out: &out, Handler: h, Resolve: resolve,
		As: "M3", Prompt: "> ", FileDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background()); err != nil {
		t.Fatalf("Run = %v\noutput:\n%s", err, out.String())
	}
	return out.String()
}

func TestConsoleButtons(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		switch {
		case req.Command == "posts":
			return []lamplighter.Reply{{
				Text:    "<b>Open posts</b>\nP3 Street &amp; lights (1/5)",
				Buttons: [][]lamplighter.Button{{{Text: "Claim P3", Data: "claim:P3"}, {Text: "›", Data: "page:2"}}, {{Text: "Guide", URL: "https://e.org/g"}}},
			}}
		case req.Callback == "claim:P3":
			return []lamplighter.Reply{{Text: "You hold <b>P3</b>.", CallbackAnswer: "✓"}}
		case req.Callback == "page:2":
			return []lamplighter.Reply{{Edit: true, Text: "page 2", Buttons: [][]lamplighter.Button{{{Text: "‹", Data: "page:1"}}}}}
		}
		return []lamplighter.Reply{{Text: "text: " + req.Text}}
	}}
	out := runConsole(t, h, "/posts\n2\n1\n3\n9\n/quit\n/me\n")

	for _, want := range []string{
		"> Open posts\nP3 Street & lights (1/5)\n[1] Claim P3  [2] ›\n[3] Guide\n",
		"> page 2\n[1] ‹\n",
		"> text: 3\n", // no third button any more: sent as text
		"> text: 9\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	reqs := h.requests()
	if len(reqs) != 5 {
		t.Fatalf("handler got %d requests, want 5 (nothing after /quit): %+v", len(reqs), reqs)
	}
	posts, page, back := reqs[0], reqs[1], reqs[2]
	if posts.Command != "posts" || posts.UserID != 3003 || posts.ChatID != 3003 || !posts.Private {
		t.Errorf("first request = %+v", posts)
	}
	if page.Callback != "page:2" || page.CallbackID == "" || page.MessageID == 0 || page.MessageID == posts.MessageID {
		t.Errorf("pressing 2 = %+v, want the page:2 callback on the bot's message", page)
	}
	// The edit replaced that message: its new button belongs to it.
	if back.Callback != "page:1" || back.MessageID != page.MessageID {
		t.Errorf("pressing 1 after the edit = %+v, want page:1 on message %d", back, page.MessageID)
	}
}

func TestConsoleToastAndClaim(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		if req.Callback != "" {
			return []lamplighter.Reply{{CallbackAnswer: "Claimed " + strings.TrimPrefix(req.Callback, "claim:")}}
		}
		return []lamplighter.Reply{{Text: "posts", Buttons: [][]lamplighter.Button{{{Text: "Claim P3", Data: "claim:P3"}}}}}
	}}
	out := runConsole(t, h, "/posts\n1\n1\n")
	if strings.Count(out, "» Claimed P3\n") != 2 {
		t.Errorf("a toast-only answer should keep the buttons pressable:\n%s", out)
	}
}

func TestConsoleAs(t *testing.T) {
	h := &recorder{}
	out := runConsole(t, h, "/me\n/as dongan:M4\n/me\n/as M99\n/as\n/me\n")
	reqs := h.requests()
	if len(reqs) != 3 || reqs[0].UserID != 3003 || reqs[1].UserID != 3004 || reqs[2].UserID != 3004 {
		t.Errorf("requests from %v, want 3003, 3004, 3004", users(reqs))
	}
	for _, want := range []string{"(you are now M3 (Li Wei))", "(you are now M4 (Wang Fang))", `unknown member "M99": no such member`, "usage: /as"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func users(reqs []lamplighter.Request) []int64 {
	var out []int64
	for _, r := range reqs {
		out = append(out, r.UserID)
	}
	return out
}

func TestConsoleUnknownInitialUser(t *testing.T) {
	c, _ := bot.NewConsole(bot.ConsoleConfig{In: strings.NewReader(""), Out: &bytes.Buffer{}, Handler: &recorder{}, Resolve: resolve, As: "M42"})
	if err := c.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "M42") {
		t.Errorf("Run as an unknown member = %v, want an error naming M42", err)
	}
}

func TestConsoleNobody(t *testing.T) {
	var out bytes.Buffer
	h := &recorder{}
	c, _ := bot.NewConsole(bot.ConsoleConfig{In: strings.NewReader("/me\n"), Out: &out, Handler: h, Resolve: resolve})
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(h.requests()) != 0 || !strings.Contains(out.String(), "/as <member> first") {
		t.Errorf("without a user: %d requests, output %q", len(h.requests()), out.String())
	}
}

func TestConsoleOthersChoicesFilesLocation(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		switch {
		case req.Command == "approve":
			return []lamplighter.Reply{
				{Text: "Approved S4."},
				{ChatID: 3004, ToLabel: "M4 (Wang Fang)", Text: "Your service <i>S4</i> was approved.\nLedger: 2/2",
					Buttons: [][]lamplighter.Button{{{Text: "Ledger", Data: "me"}}}},
				{ChatID: 3003, Text: "(to myself)"},
			}
		case req.Command == "profile":
			return []lamplighter.Reply{{Text: "Skills?", Choices: []string{"法律", "教育"}, RequestLocation: true}}
		case req.Command == "export":
			return []lamplighter.Reply{{Text: "ledger", File: &lamplighter.File{Name: "../ledger.csv", Data: []byte("a,b\n")}}}
		case req.Location != nil:
			return []lamplighter.Reply{{Text: "location received", SetMenu: "committee"}}
		}
		return []lamplighter.Reply{{Text: "got " + req.Text}}
	}}
	out := runConsole(t, h, "/approve S4\n/profile\n2\n/export\n/location 39.9087 116.3975\n/location 1 2 pin\n/location north\n")

	for _, want := range []string{
		"Approved S4.\n→ M4 (Wang Fang): Your service S4 was approved.\n  Ledger: 2/2\n  [Ledger]\n(to myself)\n",
		"Skills?\n[share your location: /location <lat> <lon>]\n[1] 法律  [2] 教育\n",
		"> got 教育\n",
		"(menu: committee)\nlocation received\n",
		"usage: /location",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	m := regexp.MustCompile(`\[file\] (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no file path printed:\n%s", out)
	}
	if data, err := os.ReadFile(m[1]); err != nil || string(data) != "a,b\n" || !strings.HasSuffix(m[1], "/ledger.csv") {
		t.Errorf("file %s: %q, %v; want ledger.csv with the data, inside the directory", m[1], data, err)
	}
	var locs []*lamplighter.Location
	for _, r := range h.requests() {
		if r.Location != nil {
			locs = append(locs, r.Location)
		}
	}
	if len(locs) != 2 || !locs[0].Live || locs[0].Latitude != 39.9087 || locs[1].Live {
		t.Errorf("locations = %+v, want a live one then a pin", locs)
	}
}

func TestConsolePanicDoesNotEndIt(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		if req.Text == "boom" {
			panic("bug")
		}
		return []lamplighter.Reply{{Text: "fine"}}
	}}
	out := runConsole(t, h, "boom\nhello\n")
	if !strings.Contains(out, "error: the bot crashed on this message: bug") || !strings.HasSuffix(out, "fine\n> ") {
		t.Errorf("output:\n%s", out)
	}
}

func TestConsoleLocationAccuracy(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply { return []lamplighter.Reply{{Text: "ok"}} }}
	out := runConsole(t, h, "/location 39.9 116.3 acc=30\n/location 39.9 116.3 forwarded acc=7.5\n/location 39.9 116.3 acc=-1\n/location 39.9 116.3 acc=30 acc=40\n")
	if n := strings.Count(out, "usage: /location"); n != 2 {
		t.Errorf("output:\n%s\nwant the usage twice (a negative accuracy, two accuracies)", out)
	}
	var locs []lamplighter.Location
	for _, r := range h.requests() {
		if r.Location != nil {
			locs = append(locs, *r.Location)
		}
	}
	want := []lamplighter.Location{
		{Latitude: 39.9, Longitude: 116.3, Live: true, Accuracy: 30},
		{Latitude: 39.9, Longitude: 116.3, Live: true, Forwarded: true, Accuracy: 7.5},
	}
	if len(locs) != len(want) || locs[0] != want[0] || locs[1] != want[1] {
		t.Errorf("locations = %+v, want %+v", locs, want)
	}
}
