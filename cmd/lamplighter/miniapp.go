package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/web"
	"github.com/lamplighter-bot/lamplighter/web/initdata"
)

// The Mini App's wiring (SPEC section 12): LAMPLIGHTER_WEBAPP_MAX_AGE, the
// path of LAMPLIGHTER_WEBAPP_URL (validated with the other web variables in
// webconfig.go) and the app mounted on the LAMPLIGHTER_LISTEN server.

// maxWebAppMaxAge bounds LAMPLIGHTER_WEBAPP_MAX_AGE: initData is a bearer
// credential; a day covers a Mini App left open, longer is a leak's window.
const maxWebAppMaxAge = 24 * time.Hour

// validateMiniApp parses LAMPLIGHTER_WEBAPP_MAX_AGE.
func (c *Config) validateMiniApp() error {
	raw := c.WebAppMaxAgeRaw
	if raw == "" {
		raw = web.DefaultMaxAge.String()
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 || d > maxWebAppMaxAge {
		return badSetting("LAMPLIGHTER_WEBAPP_MAX_AGE", "%q is not a duration between 1s and 24h such as 1h or 30m", c.WebAppMaxAgeRaw)
	}
	c.WebAppMaxAge = d
	return nil
}

// webAppPath is the path of the Mini App's URL without its trailing slash
// ("" for the root).
func (c *Config) webAppPath() string {
	u, err := url.Parse(c.WebAppURL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// newMiniApp builds the Mini App over the application layer.
func (p *program) newMiniApp(ap *app.App, outbox web.Notifier, username func() string) *web.MiniApp {
	return web.NewMiniApp(web.MiniAppConfig{
		App:             ap,
		Outbox:          outbox,
		Base:            p.cfg.webAppPath(),
		BotToken:        p.cfg.Token,
		MaxAge:          p.cfg.WebAppMaxAge,
		Admins:          p.cfg.Admins,
		DefaultLanguage: p.cfg.Language,
		BotUsername:     username,
		// The chat's wording and buttons of what a need owes people.
		NeedAnnouncement: handlers.NeedAnnouncement,
		NeedConfirmAsk:   handlers.NeedConfirmAsk,
		Now:              p.now,
		Logger:           p.log,
	})
}

// mountMiniApp serves the Mini App on mux at the path of
// LAMPLIGHTER_WEBAPP_URL when it is set, refusing a path that another route
// (the health check, the metrics, the webhook, the verify pages) holds.
func (p *program) mountMiniApp(mux *http.ServeMux, ap *app.App, outbox web.Notifier, webhookPath string, username func() string) error {
	if p.cfg.WebAppURL == "" {
		return nil
	}
	base := p.cfg.webAppPath()
	taken := []string{"/healthz", "/metrics", web.VerifyPath(p.cfg.publicPath())}
	if webhookPath != "" {
		taken = append(taken, webhookPath)
	}
	for _, t := range taken {
		if base == "" || t == base || strings.HasPrefix(t, base+"/") || strings.HasPrefix(base+"/", t) {
			return badSetting("LAMPLIGHTER_WEBAPP_URL", "the path %q overlaps %s: give the Mini App a path of its own such as /app", base+"/", t)
		}
	}
	p.newMiniApp(ap, outbox, username).Mount(mux)
	if p.log != nil {
		p.log.Info("mini app served", "url", p.cfg.WebAppURL, "max_age", p.cfg.WebAppMaxAge.String())
	}
	return nil
}

// miniAppURL is the URL that opens the Mini App at base as the Telegram
// user whose initData is signed: the launch data in the hash, the way
// Telegram passes it (#tgWebAppData=…).
func miniAppURL(base, initData string) string {
	return base + "#" + url.Values{"tgWebAppData": {initData}, "tgWebAppVersion": {"8.0"}, "tgWebAppPlatform": {"web"}}.Encode()
}

// demoBotToken signs the demo's initData when no TELEGRAM_BOT_TOKEN is
// set: the demo talks to no Telegram, so any token will do.
const demoBotToken = "0:lamplighter-demo"

// demoUsers are whom the demo prints Mini App links for.
var demoUsers = []struct {
	tg   int64
	who  string
	lang string
}{
	{10001, "the secretary of dongan (M1 李秀兰)", "zh"},
	{10007, "a member (M7 Li Wei, in English)", "en"},
}

// demoMiniApp serves the Mini App at /app on the demo's loopback listener
// addr and makes it the app's URL, so /app in the demo chat names it.
// The demo's links stay valid for maxWebAppMaxAge.
func (p *program) demoMiniApp(mux *http.ServeMux, ap *app.App, outbox web.Notifier, addr string) {
	p.cfg.WebAppURL = "http://" + addr + "/app"
	if p.cfg.Token == "" {
		p.cfg.Token = demoBotToken
	}
	p.cfg.WebAppMaxAge = maxWebAppMaxAge
	p.newMiniApp(ap, outbox, nil).Mount(mux)
}

// demoMiniAppLinks are the lines that open the demo's Mini App in a
// desktop browser as each of demoUsers: initData signed with the demo's
// token, in the URL's hash as Telegram passes it.
func (p *program) demoMiniAppLinks() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Mini App: %s (open a link below in a browser on this machine; each signs you in for 24 h)\n", p.cfg.WebAppURL)
	for _, u := range demoUsers {
		data := initdata.Sign(url.Values{
			"user":     {initdata.UserField(initdata.User{ID: u.tg, FirstName: "demo", LanguageCode: u.lang})},
			"query_id": {fmt.Sprintf("demo%d", u.tg)},
		}, p.cfg.Token, p.now())
		fmt.Fprintf(&b, "  as %s:\n    %s\n", u.who, miniAppURL(p.cfg.WebAppURL, data))
	}
	return b.String()
}
