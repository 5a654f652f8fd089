package handlers

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Outbox is where a broadcast goes (app.Outbox); *storage.Store implements it.
type Outbox = app.Outbox

// The /broadcast flow: aud (audience buttons, or a typed audience) → text →
// ok ([Send] / [Cancel]). The pending broadcast (community, audience, text,
// and the broadcast id that makes [Send] idempotent) is kept in the flow, so
// a [Send] is honoured only by the flow's nonce and step, and only after the
// caller's committee role is checked again. app.Broadcasts resolves the
// audience, checks the text, queues the messages and audits the broadcast;
// the flow and the wording stay here.
const (
	flowBroadcast  = "bcast"
	stepBcAudience = "aud"
	stepBcText     = "text"
	stepBcConfirm  = "ok"
)

// The audiences offered as buttons.
const (
	audAll    = app.AudienceAll
	audBelow  = app.AudienceBelow
	audNoPost = app.AudienceNoPost
)

// broadcast answers /broadcast: with an audience and a text it shows the
// recipient count with [Send] / [Cancel]; with less it guides.
func (c *call) broadcast() []ll.Reply {
	args := strings.TrimSpace(c.req.Args)
	if args == "" {
		return c.startBroadcastFlow()
	}
	audText, text := splitAudience(args)
	aud, err := app.ParseAudience(audText)
	if err != nil {
		return []ll.Reply{{Text: c.t("invalid.audience") + "\n\n" + c.t("usage.broadcast") + "\n" + c.t("actbc.usage")}}
	}
	ref, text := splitAttach(text)
	if text == "" && ref == "" {
		f, err := c.startFlow(flowBroadcast, stepBcText, map[string]string{"c": c.scope.Community.ID, "aud": aud.String()})
		if err != nil {
			return c.fail(err, "")
		}
		return []ll.Reply{c.askBroadcastText(f)}
	}
	return c.confirmBroadcast(nil, aud, text, ref)
}

// splitAudience splits /broadcast's arguments into the audience and the
// text. An audience with spaces is quoted (unit:"Bank of China" text) or
// ended by " | " (unit:Bank of China | text); otherwise it is the first word.
func splitAudience(args string) (aud, text string) {
	if a, t, ok := strings.Cut(args, " | "); ok {
		return strings.TrimSpace(a), strings.TrimSpace(t)
	}
	if kind, rest, ok := strings.Cut(args, ":"); ok && !strings.ContainsFunc(kind, isSpace) {
		for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}} {
			if v, ok := strings.CutPrefix(rest, q[0]); ok {
				if arg, after, ok := strings.Cut(v, q[1]); ok {
					return kind + ":" + arg, strings.TrimSpace(after)
				}
			}
		}
	}
	parts := splitArgs(args, 2)
	if len(parts) < 2 {
		return args, ""
	}
	return parts[0], parts[1]
}

// startBroadcastFlow asks for the audience.
func (c *call) startBroadcastFlow() []ll.Reply {
	f, err := c.startFlow(flowBroadcast, stepBcAudience, map[string]string{"c": c.scope.Community.ID})
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{
		Text: c.t("broadcast.ask_audience") + "\n" + c.t("flow.cancel_hint"),
		Buttons: [][]ll.Button{
			{flowButton(f, c.label("button.aud_all"), audAll)},
			{flowButton(f, c.label("button.aud_below"), audBelow)},
			{flowButton(f, c.label("button.aud_nopost"), audNoPost)},
		},
	}}
}

// askBroadcastText asks for the text of the broadcast.
func (c *call) askBroadcastText(f *ll.Flow) ll.Reply {
	return ll.Reply{Text: c.t("broadcast.ask_text", f.Data["aud"]) + "\n" + c.t("actbc.ask_text_hint") + "\n" + c.t("flow.cancel_hint")}
}

// textRefused answers a broadcast text that Broadcasts refused.
func (c *call) textRefused(text string, err error) []ll.Reply {
	switch n := utf8.RuneCountInString(strings.TrimSpace(text)); {
	case n == 0:
		return c.say("broadcast.no_text")
	case n > app.MaxBroadcastLen:
		return c.say("broadcast.too_long", n, app.MaxBroadcastLen)
	}
	return c.fail(err, "")
}

// confirmBroadcast counts the recipients and, if there are any, keeps the
// pending broadcast in the flow f (a new one when nil) and asks to confirm.
// ref, when set, is the object the broadcast carries (attach.go).
func (c *call) confirmBroadcast(f *ll.Flow, aud app.Audience, text, ref string) []ll.Reply {
	sc := c.scope
	d, err := c.h.app.Broadcasts.PrepareAttached(c.ctx, sc, aud, text, ref)
	var ae *app.AttachError
	switch {
	case ll.ErrorCode(err) == ll.EINVALID && ll.ErrorDetail(err) == "text":
		return c.textRefused(text, err)
	case errors.As(err, &ae):
		return c.fail(err, ae.Ref)
	case err != nil:
		return c.fail(err, aud.Arg)
	}
	if d.Count.To == 0 {
		if f != nil {
			if err := c.endFlow(); err != nil {
				return c.fail(err, "")
			}
		}
		return c.say("broadcast.nobody", aud.String(), d.Skipped)
	}
	data := map[string]string{"c": sc.Community.ID, "aud": aud.String(), "text": d.Text, "bid": d.ID}
	if d.Attached != nil {
		data["att"] = d.Attached.Ref
	}
	if f == nil {
		if f, err = c.startFlow(flowBroadcast, stepBcConfirm, data); err != nil {
			return c.fail(err, "")
		}
	} else {
		data["n"] = f.Data["n"]
		f.Step, f.Data = stepBcConfirm, data
		if err := c.saveFlow(f); err != nil {
			return c.fail(err, "")
		}
	}
	var b strings.Builder
	b.WriteString(c.t("broadcast.confirm", aud.String(), d.Count.To))
	if d.Skipped > 0 {
		b.WriteString("\n" + c.t("broadcast.skipped", d.Skipped))
	}
	rate := c.h.cfg.BroadcastRate
	if rate <= 0 {
		rate = DefaultBroadcastRate
	}
	b.WriteString("\n" + c.t("broadcast.duration", c.duration(expectedDuration(d.Count.To, rate)), strconv.FormatFloat(rate, 'f', -1, 64)))
	b.WriteString("\n\n" + c.t("broadcast.preview") + "\n" + c.t("broadcast.header", sc.Community.Name) + "\n" + escape(d.Text))
	if d.Attached != nil {
		card, button, err := c.attachedParts(c.lang, *d.Attached, sc.Community, app.BroadcastSuffix(sc.Community.ID, d.ID))
		if err != nil {
			return c.fail(err, d.Attached.Ref)
		}
		b.WriteString("\n\n" + card + "\n\n" + c.t("actbc.attached", d.Attached.Ref, button.Text))
	}
	return []ll.Reply{{Text: b.String(), Buttons: [][]ll.Button{{
		flowButton(f, c.label("button.send"), "send"),
		flowButton(f, c.label("button.cancel"), "cancel"),
	}}}}
}

// broadcastText passes a typed answer to the /broadcast flow.
func (c *call) broadcastText(f *ll.Flow) []ll.Reply {
	if _, err := c.committee(); err != nil || c.scope.Community.ID != f.Data["c"] {
		return c.abandonFlow(ll.ErrForbidden)
	}
	switch f.Step {
	case stepBcAudience:
		aud, err := app.ParseAudience(c.req.Text)
		if err != nil {
			return c.say("invalid.audience")
		}
		f.Step, f.Data["aud"] = stepBcText, aud.String()
		if err := c.saveFlow(f); err != nil {
			return c.fail(err, "")
		}
		return []ll.Reply{c.askBroadcastText(f)}
	case stepBcText:
		aud, err := app.ParseAudience(f.Data["aud"])
		if err != nil {
			return c.abandonFlow(ll.ErrStale)
		}
		ref, text := splitAttach(c.req.Text)
		return c.confirmBroadcast(f, aud, text, ref)
	}
	return c.say("flow.press_button")
}

// broadcastPress takes a button of the /broadcast flow: an audience, or
// [Send] / [Cancel]. The caller's committee role is checked again now.
func (c *call) broadcastPress(f *ll.Flow, value string) []ll.Reply {
	sc, err := c.committee()
	if err != nil {
		return c.toastErr(err, "")
	}
	if sc.Community.ID != f.Data["c"] {
		return c.stale()
	}
	switch {
	case f.Step == stepBcAudience && (value == audAll || value == audBelow || value == audNoPost):
		f.Step, f.Data["aud"] = stepBcText, value
		if err := c.saveFlow(f); err != nil {
			return c.toastErr(err, "")
		}
		r := c.askBroadcastText(f)
		r.CallbackAnswer = "✓"
		return []ll.Reply{r}
	case f.Step == stepBcConfirm && value == "cancel":
		if err := c.endFlow(); err != nil {
			return c.toastErr(err, "")
		}
		return []ll.Reply{{Text: c.t("broadcast.cancelled"), Edit: true}}
	case f.Step == stepBcConfirm && value == "send":
		return c.sendBroadcast(f)
	}
	return c.stale()
}

// sendBroadcast enqueues the pending broadcast of flow f: one message per
// recipient as of now, and its progress message in the caller's chat.
func (c *call) sendBroadcast(f *ll.Flow) []ll.Reply {
	sc := c.scope
	aud, err := app.ParseAudience(f.Data["aud"])
	if err != nil || f.Data["bid"] == "" {
		return c.abandonFlow(ll.ErrStale)
	}
	header := map[string]string{}
	out := app.Outgoing{ID: f.Data["bid"], Audience: aud, Text: f.Data["text"], ChatID: c.req.ChatID, Lang: c.lang, Attach: f.Data["att"]}
	cards, buttons := map[string]string{}, map[string][][]ll.Button{}
	if out.Attach != "" {
		at, err := c.h.app.Broadcasts.Attach(c.ctx, sc, out.Attach)
		if err != nil {
			if err := c.endFlow(); err != nil {
				c.h.log.Warn("end broadcast flow", "user", c.req.UserID, "err", err)
			}
			return c.toastErr(err, out.Attach)
		}
		for _, lang := range []string{"zh", "en"} {
			card, button, err := c.attachedParts(lang, at, sc.Community, app.BroadcastSuffix(sc.Community.ID, out.ID))
			if err != nil {
				return c.toastErr(err, out.Attach)
			}
			cards[lang], buttons[lang] = card, [][]ll.Button{{button}}
		}
	}
	sent, err := c.h.app.Broadcasts.Send(c.ctx, sc, c.h.cfg.Outbox, out, func(m ll.Member) (ll.Reply, string) {
		lang := memberLanguage(m, sc.Community, c.h.cfg.DefaultLanguage)
		if header[lang] == "" {
			header[lang] = tr(lang, "broadcast.header", sc.Community.Name) + "\n\n"
		}
		if out.Attach == "" {
			return ll.Reply{Text: header[lang] + escape(out.Text)}, lang
		}
		body := header[lang]
		if t := strings.TrimSpace(out.Text); t != "" {
			body += escape(t) + "\n\n"
		}
		return ll.Reply{Text: body + cards[lang], Buttons: buttons[lang]}, lang
	})
	if err != nil {
		var ae *app.AttachError
		if errors.As(err, &ae) {
			return c.toastErr(err, ae.Ref)
		}
		return c.toastErr(err, aud.Arg)
	}
	if len(sent.To) == 0 {
		if err := c.endFlow(); err != nil {
			return c.toastErr(err, "")
		}
		return []ll.Reply{{Text: c.t("broadcast.nobody", aud.String(), sent.Skipped), Edit: true}}
	}
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end broadcast flow", "user", c.req.UserID, "err", err)
	}
	if sent.AuditErr != nil {
		c.h.log.Error("audit broadcast", "broadcast", out.ID, "err", sent.AuditErr)
	}
	rs := []ll.Reply{{Text: c.t("broadcast.sending", len(sent.Messages), aud.String(), out.ID), Edit: true, CallbackAnswer: "✓"}}
	if c.h.cfg.Outbox == nil {
		// Without an outbox (the demo, the console) the messages are
		// replies to their recipients, shown as "→ M3 (name): …".
		for i, m := range sent.To {
			rs = append(rs, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: sent.Messages[i].Reply.Text, Buttons: sent.Messages[i].Reply.Buttons})
		}
	}
	return rs
}

// expectedDuration is how long n messages take at rate messages a second.
func expectedDuration(n int, rate float64) time.Duration {
	return time.Duration(float64(n) / rate * float64(time.Second))
}

// duration words d for the confirmation in the caller's language.
func (c *call) duration(d time.Duration) string { return durationText(c.lang, d) }

// durationText words d in lang, rounded up: seconds under a minute,
// minutes under an hour, else hours and minutes.
func durationText(lang string, d time.Duration) string {
	switch {
	case d < time.Minute:
		return tr(lang, "duration.seconds", max(1, int(math.Ceil(d.Seconds()))))
	case d < time.Hour:
		return tr(lang, "duration.minutes", int(math.Ceil(d.Minutes())))
	}
	m := int(math.Ceil(d.Minutes()))
	return tr(lang, "duration.hours", m/60, m%60)
}
