package bot_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// logBuffer is an io.Writer for a slog handler that the test reads while
// the adapter writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proxy502Page is the page a reverse proxy answers when the Bot API
// server does not.
const proxy502Page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// TestPollNonTelegramAnswerLogged puts a proxy in front of the fake Bot API
// that answers the first getUpdates calls with an HTML 502 page and with
// plain text: the adapter's log line tells the status and the body's start
// on one line, then polling goes on.
func TestPollNonTelegramAnswerLogged(t *testing.T) {
	srv := telegramtest.NewServer(t)
	target, _ := url.Parse(srv.URL())
	fake := httputil.NewSingleHostReverseProxy(target)
	fake.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) } // a long poll cut at the end
	var polls atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getUpdates") {
			switch polls.Add(1) {
			case 1:
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				w.Write([]byte(proxy502Page))
				return
			case 2:
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte("upstream connect error or disconnect/reset before headers\n"))
				return
			case 3:
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadGateway)
				w.Write([]byte(`{"message":"Bad gateway"}`))
				return
			}
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	var logs logBuffer
	e := start(t, srv, nil, nil, func(c *bot.TelegramConfig) {
		c.APIURL = front.URL
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	e.srv.PushText(1001, "/me")
	e.srv.Wait("reply after the proxy's errors", func() bool { return len(e.srv.Sent(1001)) == 1 })

	var failed []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "getUpdates failed") {
			failed = append(failed, line)
		}
	}
	if testing.Verbose() {
		t.Log(strings.Join(failed, "\n"))
	}
	if len(failed) != 3 {
		t.Fatalf("%d log lines about a failed getUpdates, want 3:\n%s", len(failed), logs.String())
	}
	for i, want := range [][]string{
		{"HTTP 502", "invalid character '<'", "body: <html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>nginx</center> </body> </html>"},
		{"HTTP 503", "body: upstream connect error or disconnect/reset before headers"},
		{"HTTP 502", "not a Bot API answer", `body: {\"message\":\"Bad gateway\"}`},
	} {
		for _, w := range want {
			if !strings.Contains(failed[i], w) {
				t.Errorf("log line %d lacks %q:\n%s", i+1, w, failed[i])
			}
		}
		if strings.Contains(failed[i], `\r`) || strings.Contains(failed[i], `\n`) || strings.Contains(failed[i], srv.Token) {
			t.Errorf("log line %d carries a newline or the token:\n%s", i+1, failed[i])
		}
	}
}
