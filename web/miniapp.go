package web

import (
	"bytes"
	"compress/gzip"
	"crypto/cipher"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/catalog"
)

// The Mini App (SPEC section 12): one page, index.html, with one ES module
// and one style sheet, embedded in the binary and served as they are (no
// build step), and the JSON API under <path>/api/ that the page calls with
// Authorization: tma <initData>. The page is never cached (it names the
// assets by their content hash); the assets are cached for a year. Every
// response carries a Content-Security-Policy that allows no inline script
// or style, scripts only from the app itself and telegram.org, requests
// only to the app itself, and framing only by Telegram's web clients.

//go:embed static
var staticFS embed.FS

// MiniAppConfig holds what the Mini App needs.
type MiniAppConfig struct {
	// App is the application layer the API calls: every rule, role check
	// and audit entry is its.
	App *app.App
	// Base is the path the app is served at, the path of
	// LAMPLIGHTER_WEBAPP_URL ("/app"; "" for the root).
	Base string
	// BotToken signs the initData the API accepts.
	BotToken string
	// MaxAge is the oldest initData accepted (LAMPLIGHTER_WEBAPP_MAX_AGE);
	// DefaultMaxAge when 0.
	MaxAge time.Duration
	// Admins are the district admins' Telegram ids.
	Admins []int64
	// DefaultLanguage answers when nothing else chooses zh or en.
	DefaultLanguage string
	// Outbox queues the messages a decision made in the app owes someone
	// (the author of an approved or rejected service record), as the chat
	// tells them; nil tells no one.
	Outbox Notifier
	// NeedAnnouncement words need n's announcement to a member in lang
	// with its take button, as the chat's /publish does
	// (handlers.NeedAnnouncement); nil refuses the board's [Publish].
	NeedAnnouncement func(lang string, comm ll.Community, n ll.Need) ll.Reply
	// NeedConfirmAsk words the message asking need n's asker to confirm it
	// solved once taker marked it done, with its [Solved] / [Not yet]
	// buttons, as the chat's /done does (handlers.NeedConfirmAsk); nil
	// refuses the member's [Mark done].
	NeedConfirmAsk func(lang string, n ll.Need, taker ll.Member) ll.Reply
	// BotUsername is the bot's username for the presenter's check-in link
	// (https://t.me/<bot>?start=ci_<code>); nil or "" gives /checkin <code>.
	BotUsername func() string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger logs what the API cannot answer; slog.Default() when nil.
	Logger *slog.Logger
}

// DefaultMaxAge is MiniAppConfig.MaxAge when unset.
const DefaultMaxAge = time.Hour

// frameAncestors are the pages that may embed the app: Telegram's web
// clients (Web K at web.telegram.org/k, Web A at web.telegram.org/a) open a
// Mini App in an iframe; the mobile and desktop apps open it in a web view,
// which frame-ancestors does not concern.
const frameAncestors = "https://web.telegram.org"

// miniAppCSP is the Mini App's Content-Security-Policy.
const miniAppCSP = "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors " + frameAncestors

// MiniApp serves the Mini App's page, assets and API. It is safe for
// concurrent use.
type MiniApp struct {
	cfg    MiniAppConfig
	log    *slog.Logger
	admins map[int64]bool
	mux    *http.ServeMux
	index  asset
	assets map[string]asset // by file name
	// download seals and opens the export's download links (download.go).
	download cipher.AEAD
}

// asset is one file as served: its bytes, gzipped bytes, type and ETag.
type asset struct {
	name, mime, etag string
	raw, gz          []byte
	imported         bool // by app.js, not named by the page
}

// Asset files and the names index.html refers to them by.
var assetFiles = []struct{ file, placeholder, mime string }{
	{"app.css", "{{css}}", "text/css; charset=utf-8"},
	{"member.js", "", "text/javascript; charset=utf-8"}, // imported by app.js
	{"app.js", "{{js}}", "text/javascript; charset=utf-8"},
	{"committee.js", "", "text/javascript; charset=utf-8"}, // imported by app.js
}

// NewMiniApp returns the Mini App for cfg. It panics if the embedded files
// are missing (a build mistake, not a runtime condition).
func NewMiniApp(cfg MiniAppConfig) *MiniApp {
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DefaultLanguage != "en" {
		cfg.DefaultLanguage = "zh"
	}
	cfg.Base = strings.TrimSuffix(cfg.Base, "/")
	m := &MiniApp{cfg: cfg, log: cfg.Logger, admins: map[int64]bool{}, mux: http.NewServeMux(), assets: map[string]asset{},
		download: downloadAEAD(cfg.BotToken)}
	for _, id := range cfg.Admins {
		m.admins[id] = true
	}
	page := string(mustRead("static/index.html"))
	// The modules app.js imports first, so that app.js imports each by a
	// name with its content hash (./member.js?v=…) and everything the page
	// loads may be cached for a year; then the files the page names.
	var preload strings.Builder
	version := map[string]string{}
	for _, f := range assetFiles {
		if f.placeholder == "" {
			a := newAsset(f.file, f.mime, mustRead("static/"+f.file))
			a.imported = true
			m.assets[f.file] = a
			version[f.file] = a.etag[1:13]
			// Fetched with app.js, not after it: one round trip less
			// before the first request to the API (on a phone network,
			// the largest part of the first screen's time).
			fmt.Fprintf(&preload, `<link rel="modulepreload" href="%s/static/%s?v=%s">`, cfg.Base, f.file, version[f.file])
		}
	}
	for _, f := range assetFiles {
		if f.placeholder == "" {
			continue
		}
		raw := mustRead("static/" + f.file)
		if f.file == "app.js" {
			for file, v := range version {
				raw = bytes.ReplaceAll(raw, []byte("'./"+file+"'"), []byte("'./"+file+"?v="+v+"'"))
			}
		}
		a := newAsset(f.file, f.mime, raw)
		m.assets[f.file] = a
		page = strings.ReplaceAll(page, f.placeholder, cfg.Base+"/static/"+f.file+"?v="+a.etag[1:13])
	}
	page = strings.ReplaceAll(page, "{{preload}}", preload.String())
	page = strings.ReplaceAll(page, "{{texts}}", pageTexts())
	page = strings.ReplaceAll(page, "{{lang}}", cfg.DefaultLanguage)
	m.index = newAsset("index.html", "text/html; charset=utf-8", []byte(page))

	m.mux.HandleFunc("GET /{$}", m.serveIndex)
	m.mux.HandleFunc("GET /static/{file}", m.serveAsset)
	m.routes()
	return m
}

func mustRead(name string) []byte {
	b, err := staticFS.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("web: embedded %s: %v", name, err))
	}
	return b
}

func newAsset(name, mime string, raw []byte) asset {
	sum := sha256.Sum256(raw)
	return asset{name: name, mime: mime, raw: raw, gz: gzipped(raw), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Weight is the Mini App's page weight: the bytes of index.html and its
// assets as served, and gzipped.
func (m *MiniApp) Weight() (raw, gz int) {
	raw, gz = len(m.index.raw), len(m.index.gz)
	for _, a := range m.assets {
		raw, gz = raw+len(a.raw), gz+len(a.gz)
	}
	return raw, gz
}

// ServeHTTP serves the app at the root: / (the page), /static/<file> and
// /api/…; Mount serves it at Base.
func (m *MiniApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	m.mux.ServeHTTP(w, r)
}

// Mount registers the app on mux at its Base: "/app" serves /app, /app/,
// /app/static/… and /app/api/….
func (m *MiniApp) Mount(mux *http.ServeMux) {
	base := m.cfg.Base
	if base == "" {
		mux.Handle("/", m)
		return
	}
	mux.Handle(base+"/", http.StripPrefix(base, m))
	mux.HandleFunc(base, func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/"
		m.ServeHTTP(w, r2)
	})
}

// securityHeaders sets the headers of every Mini App response.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", miniAppCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// serveIndex serves the page: revalidated every time, since it names the
// current assets.
func (m *MiniApp) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	m.serve(w, r, m.index)
}

// serveAsset serves a style sheet or a script, cached for a year: the page
// names them, and app.js its modules, with their content hash, so a new
// build is a new URL. A module asked for by its plain name (a page of an
// older build) is revalidated instead (its ETag answers 304).
func (m *MiniApp) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := m.assets[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !a.imported || r.URL.Query().Get("v") == a.etag[1:13] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	m.serve(w, r, a)
}

// serve writes a, gzipped when the client accepts it, or 304 when the
// client holds it already.
func (m *MiniApp) serve(w http.ResponseWriter, r *http.Request, a asset) {
	h := w.Header()
	h.Set("Content-Type", a.mime)
	h.Set("ETag", a.etag)
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.raw
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0"
		}
	}
	return false
}

// pageRoles are the role names the page shows.
var pageRoles = map[string]bool{"role.member": true, "role.secretary": true, "role.deputy": true, "role.committee": true, "role.admin": true}

// pageTexts is the JSON of the page's messages in every language (the
// catalog's webapp.* and method.* messages), which index.html carries in a
// data block: the page needs no request of its own for them.
func pageTexts() string {
	out := map[string]map[string]string{}
	for _, lang := range catalog.Languages {
		msgs := map[string]string{}
		for id, msg := range catalog.Messages(lang) {
			if strings.HasPrefix(id, "webapp.") || strings.HasPrefix(id, "method.") || pageRoles[id] {
				msgs[id] = msg
			}
		}
		out[lang] = msgs
	}
	b, err := json.Marshal(out) // escapes <, > and & for HTML
	if err != nil {
		panic(err)
	}
	return string(b)
}
