package bot_test

import (
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter"
)

// TestConsoleWebAppButton: a web_app button shows as a numbered choice, and
// pressing it says which Mini App it opens (nothing is sent to the bot).
func TestConsoleWebAppButton(t *testing.T) {
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		if req.Command == "app" {
			return []lamplighter.Reply{{Text: "Open the app", Buttons: [][]lamplighter.Button{{{Text: "Open", WebApp: "https://bot.example.org/app"}}}}}
		}
		return nil
	}}
	out := runConsole(t, h, "/app\n1\n/quit\n")
	if !strings.Contains(out, "[1] Open") || !strings.Contains(out, "(opens the Mini App https://bot.example.org/app)") {
		t.Errorf("console output:\n%s\nwant the button and what it opens", out)
	}
}
