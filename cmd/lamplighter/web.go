package main

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/web"
)

// newApp builds the application layer over st with the configuration its
// services take: the public base of the statements' verify links.
// (app.New gives Statements the evaluations' grades.)
func (p *program) newApp(st *storage.Store) *app.App {
	ap := app.New(st)
	ap.Statements.PublicURL = p.cfg.PublicURL
	return ap
}

// newWeb builds the web pages over the application layer: the verify page,
// rate-limited per client, trusting X-Forwarded-For only from the
// configured proxies.
//
// An https public URL served by this plain-HTTP listener means a reverse
// proxy in front (it holds the certificate); without
// LAMPLIGHTER_TRUSTED_PROXIES every client then counts as that proxy's
// address for the rate limit, which a warning at start says.
func (p *program) newWeb(ap *app.App) *web.Handler {
	if strings.HasPrefix(p.cfg.PublicURL, "https://") && len(p.cfg.TrustedProxies) == 0 && p.log != nil {
		p.log.Warn("verify page: LAMPLIGHTER_TRUSTED_PROXIES is not set; behind a reverse proxy every client counts as the proxy's address for the rate limit (" +
			strconv.Itoa(web.DefaultLimit) + " a minute)")
	}
	return web.New(web.Config{
		Statements:      ap.Statements,
		DefaultLanguage: p.cfg.Language,
		TrustedProxies:  p.cfg.TrustedProxies,
		Now:             p.now,
		Logger:          p.log,
	})
}

// demoWeb serves the verify pages of the demo on a loopback address and
// makes it the public URL of the statements; stop closes the server.
func (p *program) demoWeb(st *storage.Store, addr string) (stop func(), err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !loopbackHost(host) {
		return nil, usagef("demo --http: %q is not a loopback address such as 127.0.0.1:8090", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo --http %s: %w", addr, err)
	}
	p.cfg.PublicURL = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	p.newWeb(p.newApp(st)).Mount(mux, "")
	p.demoMiniApp(mux, p.newApp(st), st, ln.Addr().String())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() { srv.Close() }, nil
}
