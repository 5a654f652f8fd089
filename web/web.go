// Package web is Lamplighter's HTTP front end: the pages and, later, the
// JSON API of the Mini App (SPEC section 12) and, now, the public page
// that verifies a member's statement (section 11, GET /verify/<token>).
//
// It holds HTTP and HTML only. Every rule lives in package app: a Handler
// is built from the app services it calls and turns their answers and
// typed errors into pages and status codes in one place (verify.go's
// fail). It imports neither Telegram nor Redis (a test enforces it);
// cmd/lamplighter mounts a Handler on the LAMPLIGHTER_LISTEN server.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/lamplighter-bot/lamplighter/app"
)

// Verifier checks a statement token; *app.Statements implements it.
type Verifier interface {
	Verify(ctx context.Context, token string) (app.Verification, error)
}

// Config holds what the Handler needs.
type Config struct {
	// Statements verifies the tokens of GET /verify/<token>.
	Statements Verifier
	// DefaultLanguage is the page's language when neither the lang query
	// parameter nor Accept-Language chooses zh or en ("zh" when empty).
	DefaultLanguage string
	// Limit is how many requests one client address may make per Window
	// (DefaultLimit and DefaultWindow when 0); an IPv6 client counts per
	// /64, the block one subscriber usually holds.
	Limit  int
	Window time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (LAMPLIGHTER_TRUSTED_PROXIES). A request from any other
	// peer is limited by its own address, whatever headers it sends.
	TrustedProxies []netip.Prefix
	// Now is the clock of the rate limit; time.Now when nil.
	Now func() time.Time
	// Logger logs what the pages cannot show; slog.Default() when nil.
	Logger *slog.Logger
}

// The rate limit's defaults: a person checking a statement opens the page
// once or twice; 30 a minute lets an office behind one address check a
// pile of certificates, and keeps a flood of requests (which cannot find
// statements: tokens are signed and random) from reaching Redis.
const (
	DefaultLimit  = 30
	DefaultWindow = time.Minute
)

// Handler serves Lamplighter's web pages. It is safe for concurrent use.
type Handler struct {
	cfg     Config
	limiter *limiter
	log     *slog.Logger
	mux     *http.ServeMux
}

// New returns a Handler for cfg.
func New(cfg Config) *Handler {
	if cfg.Limit <= 0 {
		cfg.Limit = DefaultLimit
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
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
	h := &Handler{cfg: cfg, log: cfg.Logger, limiter: newLimiter(cfg.Limit, cfg.Window, cfg.Now), mux: http.NewServeMux()}
	h.mux.HandleFunc("/verify/", h.verify)
	return h
}

// ServeHTTP serves the Handler's pages at their paths from the root:
// /verify/<token>. Mount serves them under a base path.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// Mount registers the Handler's pages on mux under base, the path of
// LAMPLIGHTER_PUBLIC_URL ("" or "/" for the root; "/ll" serves
// /ll/verify/<token>).
func (h *Handler) Mount(mux *http.ServeMux, base string) {
	base = strings.TrimSuffix(base, "/")
	if base == "" {
		mux.Handle("/verify/", h)
		return
	}
	mux.Handle(base+"/verify/", http.StripPrefix(base, h))
}

// VerifyPath is the path pattern Mount registers under base, for callers
// that must keep other routes off it.
func VerifyPath(base string) string {
	return strings.TrimSuffix(base, "/") + "/verify/"
}

// clientAddr is the address a request is limited by: the peer's, or, when
// the peer is a trusted proxy, the nearest address in X-Forwarded-For that
// is not a trusted proxy (read from the right: the entries to its left are
// whatever the client sent).
func (h *Handler) clientAddr(r *http.Request) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	addr := peer.Addr()
	if err != nil {
		if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
			addr = a
		}
	}
	addr = addr.Unmap()
	if !h.trusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr // a malformed hop: the last good one is the client
		}
		addr = a.Unmap()
		if !h.trusted(addr) {
			return addr
		}
	}
	return addr
}

// trusted reports whether a is one of the trusted proxies.
func (h *Handler) trusted(a netip.Addr) bool {
	for _, p := range h.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
