package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// telegramScript is Telegram's telegram-web-app.js (see telegram/README.md).
//
//go:embed telegram/telegram-web-app.js
var telegramScript []byte

// TelegramScriptURL is where a Mini App loads Telegram's script from.
const TelegramScriptURL = "https://telegram.org/js/telegram-web-app.js"

// nativeSide is what Telegram's mobile clients put in a Mini App's web view
// before its scripts run: TelegramWebviewProxy.postEvent, through which
// telegram-web-app.js talks to the app (web_app_ready, web_app_expand,
// web_app_open_scan_qr_popup, …). This stand-in records each event in
// window.__tgEvents as [type, data] for the test to read; the client's
// answers come from Telegram.Send, as the real client delivers them, by
// calling window.Telegram.WebView.receiveEvent. Errors the page leaves
// uncaught (Telegram's script throws on a call the client's version does
// not support, or a popup text too long) are kept in window.__errors.
const nativeSide = `window.__tgEvents = []; window.__errors = [];
window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));
window.TelegramWebviewProxy = { postEvent(type, data) { window.__tgEvents.push([type, data ? JSON.parse(data) : null]); } };`

// Telegram makes b's tab a Telegram client's web view from the next
// navigation on: the page's request for TelegramScriptURL is answered with
// Telegram's real script (not the network: a test must not depend on
// Telegram's hosts), and the client's native side is the stand-in above.
// Open the Mini App with the launch parameters a client puts in the URL's
// hash (tgWebAppData, tgWebAppVersion, tgWebAppPlatform,
// tgWebAppThemeParams).
func (b *Browser) Telegram() *Telegram {
	b.t.Helper()
	c := &Telegram{b: b}
	b.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		paused := cdp.Events(b.Ctx, t, fetch.RequestPaused)
		if _, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{
			Patterns: []*fetch.RequestPattern{{URLPattern: TelegramScriptURL + "*"}},
		}); err != nil {
			return fmt.Errorf("intercept %s: %w", TelegramScriptURL, err)
		}
		go func() {
			for ev, err := range paused {
				if err != nil {
					return
				}
				// The tab's context ends with the test; a failed answer
				// then shows as the page's script missing.
				if d := time.Duration(c.scriptDelay.Load()); d > 0 {
					time.Sleep(d) // the network's, as Throttle's latency is Chrome's
				}
				_, _ = cdp.Call(b.Ctx, t, fetch.FulfillRequest, fetch.FulfillRequestParams{
					RequestID:    ev.RequestID,
					ResponseCode: 200,
					ResponseHeaders: []*fetch.HeaderEntry{
						{Name: "Content-Type", Value: "application/javascript; charset=utf-8"},
						{Name: "Cache-Control", Value: "no-store"},
					},
					Body: telegramScript,
				})
			}
		}()
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: nativeSide})
		return err
	}))
	return c
}

// Telegram is the client side of a Mini App opened in b's tab.
type Telegram struct {
	b           *Browser
	scriptDelay atomic.Int64 // ns
}

// ScriptTakes makes Telegram's script arrive d after the page asks for it
// (the answer is the test's, not the network's, so Throttle does not
// delay it): what fetching it from telegram.org costs on a slow network.
func (c *Telegram) ScriptTakes(d time.Duration) { c.scriptDelay.Store(int64(d)) }

// Event is one call the page's Telegram script made to the client.
type Event struct {
	Type string
	Data map[string]any
}

// Events are the calls the page made to the client since it loaded, in
// order.
func (c *Telegram) Events() []Event {
	c.b.t.Helper()
	raw := Run(c.b, chromedp.Evaluate[string](`JSON.stringify(window.__tgEvents || [])`))
	var pairs [][2]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &pairs); err != nil {
		c.b.t.Fatalf("the client's events %s: %v", raw, err)
	}
	out := make([]Event, 0, len(pairs))
	for _, p := range pairs {
		var e Event
		if err := json.Unmarshal(p[0], &e.Type); err != nil {
			c.b.t.Fatalf("an event's type %s: %v", p[0], err)
		}
		_ = json.Unmarshal(p[1], &e.Data) // null or an object
		out = append(out, e)
	}
	return out
}

// Posted reports whether the page made the call typ (web_app_ready, …).
func (c *Telegram) Posted(typ string) (Event, bool) {
	c.b.t.Helper()
	for _, e := range c.Events() {
		if e.Type == typ {
			return e, true
		}
	}
	return Event{}, false
}

// Send delivers an event from the client to the page, as Telegram's apps
// do: qr_text_received {data: text} when the scanner read a code,
// scan_qr_popup_closed, theme_changed {theme_params: {…}}, …
func (c *Telegram) Send(typ string, data any) {
	c.b.t.Helper()
	d, err := json.Marshal(data)
	if err != nil {
		c.b.t.Fatal(err)
	}
	Run(c.b, chromedp.Evaluate[bool](fmt.Sprintf(`window.Telegram.WebView.receiveEvent(%q, %s); true`, typ, d)))
}

// Errors are the page's uncaught errors and rejections since it loaded.
func (c *Telegram) Errors() []string {
	c.b.t.Helper()
	raw := Run(c.b, chromedp.Evaluate[string](`JSON.stringify(window.__errors || [])`))
	var errs []string
	if err := json.Unmarshal([]byte(raw), &errs); err != nil {
		c.b.t.Fatalf("the page's errors %s: %v", raw, err)
	}
	return errs
}
