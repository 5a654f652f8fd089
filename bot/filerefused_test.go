package bot_test

import (
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// A photo that Telegram refuses is followed by a text saying so, carrying
// the caption the photo would have had; an unreachable chat gets nothing.
func TestRefusedFileIsExplainedInText(t *testing.T) {
	const chat = 60001
	h := &recorder{reply: func(lamplighter.Request) []lamplighter.Reply {
		return []lamplighter.Reply{{Text: "Report 2026", File: &lamplighter.File{Name: "chart.png", Photo: true, Data: []byte("png")}}}
	}}
	e := start(t, nil, nil, h, nil)
	e.srv.FailNext(chat, 1, telegramtest.Failure{Code: 400, Description: "Bad Request: IMAGE_PROCESS_FAILED"})
	e.srv.PushText(chat, "/report")
	e.srv.Wait("the text after the refused photo", func() bool { return len(e.srv.Calls("sendMessage")) > 0 })
	text := e.srv.Calls("sendMessage")[0].Text
	if !strings.Contains(text, "Report 2026") || !strings.Contains(text, "could not be sent") && !strings.Contains(text, "文件未能发送") {
		t.Errorf("text after the refused photo = %q, want the caption and the explanation", text)
	}
}
