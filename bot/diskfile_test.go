package bot_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// diskFile writes data to a file in dir and gives it as a reply's file on
// disk (lamplighter.File's Path), as the handlers give a large export.
func diskFile(t *testing.T, dir, name string, data []byte) *lamplighter.File {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return &lamplighter.File{Name: name, MIME: "text/csv", Path: path, Size: int64(len(data))}
}

func gone(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s is still on disk (%v), want it removed once sent", path, err)
	}
}

// TestFilesFromDisk: a reply's file on disk is uploaded from the disk (after
// a 429, read again in whole), to the requester or, with an outbox
// configured, to another chat directly (the outbox's messages may be sent by
// another replica, which cannot read this disk), and removed afterwards.
// When the other chat cannot be reached, the requester is told.
func TestFilesFromDisk(t *testing.T) {
	e := newOutboxEnv(t)
	dir := t.TempDir()
	data := bytes.Repeat([]byte("M1,王芳,2\r\n"), 50_000)
	var files []*lamplighter.File
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		f := diskFile(t, dir, req.Command+".csv", data)
		files = append(files, f)
		if req.Command == "export" {
			return []lamplighter.Reply{{Text: "ledger 2026", File: f}}
		}
		return []lamplighter.Reply{{Text: "posted"}, {ChatID: -1005555, ToLabel: "notice", Text: "the notice", File: f}}
	}}
	env := start(t, e.srv, e.users, h, func(c *bot.TelegramConfig) { c.Outbox = e.store })
	e.srv.FailNext(1001, 1, telegramtest.TooManyRequests(1))
	env.srv.PushText(1001, "/export")
	env.handled(1)
	sent := e.srv.Sent(1001)
	if len(sent) != 1 || sent[0].Method != "sendDocument" || !bytes.Equal(sent[0].File, data) || sent[0].FileName != "export.csv" {
		t.Fatalf("sent %d calls (%+v), want the whole document from disk after the 429", len(sent), sent)
	}
	gone(t, files[0].Path)

	env.srv.PushText(1001, "/notice")
	env.handled(2)
	if st := e.status(); st.Queued != 0 {
		t.Errorf("the outbox holds %d messages: a file on disk must not be queued", st.Queued)
	}
	if got := e.srv.Sent(-1005555); len(got) != 1 || got[0].Method != "sendDocument" || !bytes.Equal(got[0].File, data) {
		t.Errorf("the notice chat got %+v, want the document sent directly", got)
	}
	gone(t, files[1].Path)

	e.srv.FailNext(-1005555, 1, telegramtest.ChatNotFound)
	env.srv.PushText(1001, "/notice")
	env.handled(3)
	sent = e.srv.Sent(1001)
	if last := sent[len(sent)-1]; last.Method != "sendMessage" || last.Text != "⚠️ 文件未能发送（Telegram 拒绝了它）。请稍后重试；若仍不行，请告诉社区管理员。" {
		t.Errorf("after a notice chat that cannot be reached the requester got %+v, want to be told the file was not sent", last)
	}
	gone(t, files[2].Path)
}

// TestConsoleSavesFilesFromDisk: the console moves a reply's file on disk
// into its directory, with its bytes, and nothing stays where it was.
func TestConsoleSavesFilesFromDisk(t *testing.T) {
	dir := t.TempDir()
	var f *lamplighter.File
	h := &recorder{reply: func(req lamplighter.Request) []lamplighter.Reply {
		f = diskFile(t, dir, "big.csv", []byte("a,b\r\n"))
		return []lamplighter.Reply{{Text: "ledger", File: f}}
	}}
	out := runConsole(t, h, "/export\n")
	m := regexp.MustCompile(`\[file\] (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no file path printed:\n%s", out)
	}
	if data, err := os.ReadFile(m[1]); err != nil || string(data) != "a,b\r\n" || !strings.HasSuffix(m[1], "/big.csv") {
		t.Errorf("file %s: %q, %v; want big.csv with the data", m[1], data, err)
	}
	gone(t, f.Path)
}
