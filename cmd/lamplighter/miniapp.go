package main

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/web"
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
func (p *program) newMiniApp(ap *app.App) *web.MiniApp {
	return web.NewMiniApp(web.MiniAppConfig{
		App:             ap,
		Base:            p.cfg.webAppPath(),
		BotToken:        p.cfg.Token,
		MaxAge:          p.cfg.WebAppMaxAge,
		Admins:          p.cfg.Admins,
		DefaultLanguage: p.cfg.Language,
		Now:             p.now,
		Logger:          p.log,
	})
}

// mountMiniApp serves the Mini App on mux at the path of
// LAMPLIGHTER_WEBAPP_URL when it is set, refusing a path that another route
// (the health check, the metrics, the webhook, the verify pages) holds.
func (p *program) mountMiniApp(mux *http.ServeMux, ap *app.App, webhookPath string) error {
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
	p.newMiniApp(ap).Mount(mux)
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
