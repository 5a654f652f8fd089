package handlers

import (
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// The Mini App (SPEC section 12): /app answers with a web_app button that
// opens it. Telegram allows web_app buttons in private chats only, so /app
// in a group is answered in the private chat (the command is not public),
// and only for an HTTPS URL: an http:// URL (a loopback host, for local
// testing and the demo) is answered with the link to open in a browser.
// Who sees what there is decided by the app's API, through the same
// services as the chat: the button carries nothing but the URL.

// appButtonRow is the row of one web_app button opening the app at page
// (the page's ?page=<name>, e.g. "me" for my ledger), for replies that
// carry one (/me); none without an HTTPS app URL.
func (c *call) appButtonRow(page string) [][]ll.Button {
	u := c.h.cfg.WebAppURL
	if !strings.HasPrefix(u, "https://") {
		return nil
	}
	return [][]ll.Button{{{Text: c.t("app.button"), WebApp: u + "?page=" + page}}}
}

// openApp answers /app.
func (c *call) openApp() []ll.Reply {
	u := c.h.cfg.WebAppURL
	switch {
	case u == "":
		return c.say("app.not_configured")
	case !strings.HasPrefix(u, "https://"):
		return c.say("app.local", u)
	}
	return text(c.t("app.open"), []ll.Button{{Text: c.t("app.button"), WebApp: u}})
}
