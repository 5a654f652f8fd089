package handlers

import (
	"fmt"
	"html"
	"log/slog"
	"strings"

	msgcat "github.com/lamplighter-bot/lamplighter/catalog"
)

// Every text the handlers send lives in catalog, keyed by message id, once
// per language. Messages are Telegram HTML and fmt formats; both languages of
// a message take the same verbs in the same order (a test checks it). String
// arguments are escaped when formatted, so user text can never add markup;
// rawHTML arguments are markup built by the handlers and pass through.
// Keys starting with "button.", "field.", "desc.", "skills.", "page.toast" and
// the mode and role names are plain text too (buttons, toasts, menus).

// languages are the reply languages, in catalog order.
var languages = []string{"zh", "en"}

// rawHTML is markup the handlers built themselves; it is not escaped again.
type rawHTML string

// escape makes user text safe inside Telegram HTML.
func escape(s string) string { return html.EscapeString(s) }

// t formats message id in the caller's language, escaping string arguments.
func (c *call) t(id string, args ...any) string {
	return tr(c.lang, id, args...)
}

// label formats message id in the caller's language without escaping, for
// button labels and toasts, which Telegram shows as plain text.
func (c *call) label(id string, args ...any) string {
	return format(c.lang, id, false, args...)
}

// tr formats message id in lang, escaping string arguments.
func tr(lang, id string, args ...any) string {
	return format(lang, id, true, args...)
}

func format(lang, id string, escapeArgs bool, args ...any) string {
	msg, ok := msgcat.Lookup(lang, id)
	if !ok {
		slog.Error("missing message", "id", id, "lang", lang)
		return id
	}
	if len(args) == 0 {
		return msg
	}
	a := make([]any, len(args))
	for i, v := range args {
		switch v := v.(type) {
		case string:
			if escapeArgs {
				a[i] = escape(v)
			} else {
				a[i] = v
			}
		case rawHTML:
			a[i] = string(v)
		default:
			a[i] = v
		}
	}
	return fmt.Sprintf(msg, a...)
}

// plain turns a Telegram HTML message into plain text for a toast or menu.
func plain(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// catalog holds every message, by language then id (a copy of package
// catalog's, for the tests).
var catalog = map[string]map[string]string{
	"zh": msgcat.Messages("zh"),
	"en": msgcat.Messages("en"),
}
