package web_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/web"
)

// verifier is a fake web.Verifier: the answer per token.
type verifier map[string]app.Verification

var errStoreDown = errors.New("redis: connection refused at 10.0.0.7:6379")

func (v verifier) Verify(_ context.Context, token string) (app.Verification, error) {
	switch token {
	case "down":
		return app.Verification{}, errStoreDown
	case "gone":
		return app.Verification{}, &ll.Error{Code: ll.ENOTFOUND, Detail: "statement"}
	}
	if r, ok := v[token]; ok {
		return r, nil
	}
	return app.Verification{}, ll.Invalid("token", "not a valid statement token")
}

var issued = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)

var statement = ll.Statement{ID: "x", KeyID: "1", Community: "dongan", Member: "M12", Year: 2026, Issued: issued, Grade: "good",
	Parts: []ll.StatementPart{{Ref: "A1", Kind: ll.KindActivity, Method: ll.MethodRotating}, {Ref: "S2", Kind: ll.KindService, Method: ll.MethodApproval}}}

var fake = verifier{
	"ok":         {Statement: statement, Status: ll.StatementValid, Name: "王**", CommunityName: "东安社区", CommunityZone: time.UTC},
	"superseded": {Statement: statement, Status: ll.StatementSuperseded, Since: issued.Add(48 * time.Hour), CommunityName: "东安社区"},
	"withdrawn":  {Statement: statement, Status: ll.StatementWithdrawn, CommunityName: "东安社区"},
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newHandler(cfg web.Config) (*web.Handler, *clock) {
	c := &clock{t: issued}
	cfg.Statements = fake
	cfg.Now = c.now
	cfg.Logger = slog.New(slog.DiscardHandler)
	return web.New(cfg), c
}

// get serves one request from addr and returns the response and body.
func get(h http.Handler, path, addr string, header ...string) (*http.Response, string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = addr
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestVerifyPages(t *testing.T) {
	h, _ := newHandler(web.Config{Limit: 1000})
	for _, tc := range []struct {
		path   string
		status int
		want   []string
		not    []string
	}{
		{"/verify/ok", 200, []string{"Valid", "王**", "东安社区", "2026", "activities 1 · services 1", "rotating code 1", "good", "2026-12-01"}, nil},
		{"/verify/superseded", 200, []string{"Superseded on 2026-12-03", "东安社区", "2026-12-01"}, []string{"王", "activities", "good"}},
		{"/verify/withdrawn", 200, []string{"Withdrawn", "东安社区"}, []string{"王", "activities", "good"}},
		{"/verify/tampered", 400, []string{"Not a valid statement link"}, nil},
		{"/verify/", 400, []string{"Not a valid statement link"}, nil},
		{"/verify/a/b", 400, []string{"Not a valid statement link"}, nil},
		{"/verify/" + strings.Repeat("x", 500), 400, []string{"Not a valid statement link"}, nil},
		{"/verify/gone", 404, []string{"Unknown statement"}, nil},
		{"/verify/down", 503, []string{"cannot be checked right now"}, []string{"redis", "10.0.0.7", "goroutine"}},
	} {
		res, body := get(h, tc.path, "192.0.2.1:5000", "Accept-Language", "en-US,en;q=0.9,zh;q=0.5")
		if res.StatusCode != tc.status {
			t.Errorf("GET %s = %d, want %d\n%s", tc.path, res.StatusCode, tc.status, body)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q:\n%s", tc.path, w, body)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(body, n) {
				t.Errorf("GET %s shows %q:\n%s", tc.path, n, body)
			}
		}
		for k, want := range map[string]string{
			"Content-Type":           "text/html; charset=utf-8",
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"Cache-Control":          "no-store",
		} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", tc.path, k, got, want)
			}
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "script") {
			t.Errorf("GET %s: Content-Security-Policy = %q", tc.path, csp)
		}
		if strings.Contains(body, "<script") {
			t.Errorf("GET %s has a script", tc.path)
		}
	}
}

func TestVerifyLanguage(t *testing.T) {
	h, _ := newHandler(web.Config{Limit: 1000})
	for _, tc := range []struct {
		path, accept, want, lang string
	}{
		{"/verify/ok", "zh-CN,zh;q=0.9", "有效：该证明仍然成立。", "zh"},
		{"/verify/ok", "fr-FR, en;q=0.8, zh;q=0.3", "Valid", "en"},
		{"/verify/ok", "fr-FR", "有效", "zh"}, // the default language
		{"/verify/ok?lang=en", "zh-CN", "Valid", "en"},
		{"/verify/superseded", "zh", "已于 2026-12-03 被取代", "zh"},
		{"/verify/withdrawn", "zh", "已撤回", "zh"},
	} {
		res, body := get(h, tc.path, "192.0.2.1:5000", "Accept-Language", tc.accept)
		if !strings.Contains(body, tc.want) || res.Header.Get("Content-Language") != tc.lang {
			t.Errorf("GET %s (Accept-Language %q) = %s, want %q in %s:\n%s", tc.path, tc.accept, res.Header.Get("Content-Language"), tc.want, tc.lang, body)
		}
	}
}

func TestVerifyRateLimit(t *testing.T) {
	h, c := newHandler(web.Config{Limit: 3, Window: time.Minute})
	for i := 0; i < 3; i++ {
		if res, _ := get(h, "/verify/ok", "198.51.100.7:1000"); res.StatusCode != 200 {
			t.Fatalf("request %d = %d, want 200", i+1, res.StatusCode)
		}
		c.t = c.t.Add(10 * time.Second)
	}
	// The 4th within the minute (started at the first): 429, for 30 s more.
	res, body := get(h, "/verify/ok", "198.51.100.7:2000")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" || !strings.Contains(body, "30") {
		t.Fatalf("4th request = %d, Retry-After %q, want 429 and 30\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	// A tampered token counts too; another address does not share the limit.
	if res, _ := get(h, "/verify/tampered", "198.51.100.7:2000"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("tampered over the limit = %d, want 429", res.StatusCode)
	}
	if res, _ := get(h, "/verify/ok", "198.51.100.8:1000"); res.StatusCode != 200 {
		t.Fatalf("another address = %d, want 200", res.StatusCode)
	}
	// An IPv6 client counts per /64.
	for i := 0; i < 3; i++ {
		get(h, "/verify/ok", "[2001:db8:1:2::"+string(rune('a'+i))+"]:1000")
	}
	if res, _ := get(h, "/verify/ok", "[2001:db8:1:2::ff]:1000"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th request from the same /64 = %d, want 429", res.StatusCode)
	}
	if res, _ := get(h, "/verify/ok", "[2001:db8:1:3::1]:1000"); res.StatusCode != 200 {
		t.Fatalf("another /64 = %d, want 200", res.StatusCode)
	}
	// The window ends a minute after the first request.
	c.t = issued.Add(time.Minute)
	if res, _ := get(h, "/verify/ok", "198.51.100.7:3000"); res.StatusCode != 200 {
		t.Fatalf("after the window = %d, want 200", res.StatusCode)
	}
}

func TestVerifyForwardedFor(t *testing.T) {
	proxy := netip.MustParsePrefix("10.0.0.0/8")
	h, _ := newHandler(web.Config{Limit: 1, TrustedProxies: []netip.Prefix{proxy}})

	// Not from a trusted proxy: X-Forwarded-For is ignored, so a client
	// cannot escape the limit by inventing addresses.
	get(h, "/verify/ok", "203.0.113.5:1000", "X-Forwarded-For", "192.0.2.1")
	if res, _ := get(h, "/verify/ok", "203.0.113.5:1000", "X-Forwarded-For", "192.0.2.2"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("an untrusted peer's X-Forwarded-For was believed: %d, want 429", res.StatusCode)
	}
	// Through the proxy: the client is the nearest untrusted hop, whatever
	// the client put to its left.
	if res, _ := get(h, "/verify/ok", "10.1.1.1:1000", "X-Forwarded-For", "6.6.6.6, 198.51.100.20, 10.2.2.2"); res.StatusCode != 200 {
		t.Fatalf("first request through the proxy = %d", res.StatusCode)
	}
	if res, _ := get(h, "/verify/ok", "10.1.1.1:1000", "X-Forwarded-For", "7.7.7.7, 198.51.100.20"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the same client through the proxy = %d, want 429", res.StatusCode)
	}
	if res, _ := get(h, "/verify/ok", "10.1.1.1:1000", "X-Forwarded-For", "198.51.100.21"); res.StatusCode != 200 {
		t.Fatalf("another client through the proxy = %d, want 200", res.StatusCode)
	}
	// Without the configuration the proxy itself is the client.
	h2, _ := newHandler(web.Config{Limit: 1})
	get(h2, "/verify/ok", "10.1.1.1:1000", "X-Forwarded-For", "198.51.100.30")
	if res, _ := get(h2, "/verify/ok", "10.1.1.1:1000", "X-Forwarded-For", "198.51.100.31"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("without trusted proxies X-Forwarded-For was believed: %d, want 429", res.StatusCode)
	}
}

func TestVerifyMount(t *testing.T) {
	h, _ := newHandler(web.Config{Limit: 1000})
	mux := http.NewServeMux()
	h.Mount(mux, "/ll/")
	if res, body := get(mux, "/ll/verify/ok", "192.0.2.1:1"); res.StatusCode != 200 || !strings.Contains(body, "王**") {
		t.Fatalf("GET /ll/verify/ok = %d\n%s", res.StatusCode, body)
	}
	req := httptest.NewRequest(http.MethodPost, "/ll/verify/ok", nil)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST = %d Allow %q, want 405 with Allow", w.Code, w.Header().Get("Allow"))
	}
}
