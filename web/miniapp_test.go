package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter/web/initdata"
)

// newBareMiniApp is a Mini App with no application layer: any request that
// got past authentication would panic on it, so the refusals below prove
// that nothing behind the check ran.
func newBareMiniApp() *MiniApp {
	return NewMiniApp(MiniAppConfig{BotToken: "1:test", Base: "/app", Now: func() time.Time { return time.Unix(1_800_000_000, 0) }})
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "deflate, gzip;q=0.8": true, "gzip;q=0": false, "GZIP": true, "br": false, "x-gzip": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// TestUnauthenticated: without a valid Authorization: tma header every API
// route answers 401 JSON, whatever the method, and reaches no service.
func TestUnauthenticated(t *testing.T) {
	m := newBareMiniApp()
	now := time.Unix(1_800_000_000, 0)
	good := initdata.Sign(url.Values{"user": {`{"id":7}`}}, "1:test", now)
	for _, auth := range []string{"", "tma", "tma ", "Bearer " + good, "tma " + good + "x",
		"tma " + initdata.Sign(url.Values{"user": {`{"id":7}`}}, "2:other", now),
		"tma " + initdata.Sign(url.Values{"user": {`{"id":7}`}}, "1:test", now.Add(-61*time.Minute)),
		"tma " + initdata.Sign(url.Values{}, "1:test", now)} {
		for _, rt := range []string{"GET /api/me", "GET /api/members", "GET /api/members/M1", "GET /api/approvals", "POST /api/approvals/S1/approve", "POST /api/approvals/S1/reject"} {
			method, path, _ := strings.Cut(rt, " ")
			r := httptest.NewRequest(method, path, strings.NewReader(`{"reason":"x"}`))
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			w := httptest.NewRecorder()
			m.ServeHTTP(w, r)
			if w.Code != http.StatusUnauthorized || strings.TrimSpace(w.Body.String()) != `{"error":"unauthorized"}` ||
				!strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("%s with Authorization %.30q = %d %q, want 401 unauthorized JSON", rt, auth, w.Code, w.Body.String())
			}
		}
	}
}

// TestServingHeaders: the page and assets as Mount serves them under the
// app's path, with their caching and security headers, gzip and 304s.
func TestServingHeaders(t *testing.T) {
	mux := http.NewServeMux()
	newBareMiniApp().Mount(mux)
	get := func(path string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	page := get("/app")
	if page.Code != 200 || page.Header().Get("Cache-Control") != "no-cache" || !strings.Contains(page.Body.String(), `src="/app/static/app.js?v=`) {
		t.Fatalf("GET /app = %d %v\n%s", page.Code, page.Header(), page.Body.String())
	}
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://web.telegram.org") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP = %q", csp)
	}
	if w := get("/app/", "Accept-Encoding", "gzip"); w.Header().Get("Content-Encoding") != "gzip" || w.Body.Len() >= page.Body.Len() {
		t.Errorf("gzipped page: %v, %d bytes of %d", w.Header(), w.Body.Len(), page.Body.Len())
	}
	js := get("/app/static/app.js")
	if js.Code != 200 || !strings.Contains(js.Header().Get("Cache-Control"), "immutable") || js.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("GET app.js = %d %v", js.Code, js.Header())
	}
	if w := get("/app/static/app.js", "If-None-Match", js.Header().Get("ETag")); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("GET app.js with its ETag = %d", w.Code)
	}
	if w := get("/app/static/../../etc/passwd"); w.Code == 200 {
		t.Errorf("path traversal answered 200")
	}
	if w := get("/app/api/nothing"); w.Code != 404 || !strings.Contains(w.Body.String(), "not_found") {
		t.Errorf("unknown API route = %d %q", w.Code, w.Body.String())
	}
	if w := get("/elsewhere"); w.Code != 404 {
		t.Errorf("outside the app's path = %d, want 404 (not the app's)", w.Code)
	}
	raw, gz := newBareMiniApp().Weight()
	t.Logf("page weight %d bytes, %d gzipped", raw, gz)
	if raw > 100<<10 {
		t.Errorf("page weight %d, want under 100 KB", raw)
	}
}
