package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// The presenter screen (SPEC section 9): /present A7 answers with a photo
// of the QR code of the check-in link and a caption (the link, the code in
// large digits, when it changes, how many have checked in) carrying a
// [Stop] button, and marks the reply a presentation; the adapter registers
// it with the message id, and the presenter worker (package bot) edits it
// with PresentationFrame at each code step. Who may present, and what, is
// app.Presenter's rule.

// present starts presenting an activity in this chat, or stops presenting
// it when it is presented here already.
func (c *call) present() []ll.Reply {
	id := ll.NormalizeID('A', c.req.Args)
	if id == "" {
		return c.usage("present")
	}
	f, stopped, err := c.h.app.Presenter.Start(c.ctx, c.actor(), c.req.ChatID, id)
	c.public = true // the screen is meant for the room: it holds no one's personal data
	if err != nil {
		c.public = c.req.Private
		return c.fail(err, id)
	}
	if stopped != nil {
		return c.say("present.stopping", id)
	}
	comm, err := c.h.store.Community(c.ctx, f.Community)
	if err != nil {
		return c.fail(err, "")
	}
	p := ll.Presentation{Community: f.Community, Activity: id, Presenter: c.req.UserID, Lang: c.lang, Started: c.now}
	r, next, _, err := c.frameReply(p, f, comm)
	if err != nil {
		return c.fail(err, "")
	}
	p.Due = next
	r.Present = &p
	if c.channel() == app.ChannelConsole {
		r.Text += "\n\n" + c.t("present.console")
	}
	return []ll.Reply{r}
}

// presentStop answers [Stop] under a presenter screen: the presenter or
// the committee of its community stops it; the worker's next edit closes
// the screen.
func (c *call) presentStop() []ll.Reply {
	c.public = true
	_, _, err := c.h.app.Presenter.Stop(c.ctx, c.actor(), c.req.ChatID, c.req.MessageID)
	switch {
	case errors.Is(err, ll.ErrNotFound):
		return c.stale() // the screen ended already
	case err != nil:
		return c.toastErr(err, "")
	}
	return []ll.Reply{{CallbackAnswer: c.label("present.stopped_toast")}}
}

// PresentationFrame is the screen of a running presentation at now, for the
// presenter worker: the reply to put in its message (a photo of the QR code
// with its caption and [Stop]), when to edit it next, and whether this is
// its closing edit (check-in closed, or it was stopped), after which the
// presentation ends.
func (h *Handlers) PresentationFrame(ctx context.Context, p ll.Presentation, now time.Time) (r ll.Reply, next time.Time, final bool, err error) {
	c := &call{h: h, ctx: ctx, now: now, lang: p.Lang}
	if !ll.ValidLanguage(c.lang) {
		c.lang = h.cfg.DefaultLanguage
	}
	f, err := h.app.Presenter.Frame(ctx, p, now)
	if err != nil {
		return ll.Reply{}, time.Time{}, false, err
	}
	comm, err := h.store.Community(ctx, f.Community)
	if err != nil {
		return ll.Reply{}, time.Time{}, false, err
	}
	return c.frameReply(p, f, comm)
}

// frameReply builds the screen of frame f of presentation p.
func (c *call) frameReply(p ll.Presentation, f app.Frame, comm ll.Community) (r ll.Reply, next time.Time, final bool, err error) {
	loc := comm.Location()
	a := f.Activity
	title := truncate(a.Title, 60)
	qr := c.botLink()
	switch {
	case p.Stopped:
		r.Text, final = c.t("present.stopped", a.ID, title, f.CheckedIn), true
	case f.Closed:
		r.Text, final = c.t("present.closed", a.ID, title, f.CheckedIn), true
	case f.Code == "":
		r.Text, next = c.t("present.not_yet", a.ID, title, f.Opens.In(loc).Format("01-02 15:04")), f.Opens
	case !f.Changes.IsZero():
		link := c.checkInLink(f.Code)
		qr = link
		r.Text = c.t("present.caption", a.ID, title, bigCode(f.Code), f.Changes.In(loc).Format("15:04:05"), f.CheckedIn, link)
		next = f.Changes
	default:
		link := c.checkInLink(f.Code)
		qr = link
		r.Text = c.t("present.static", a.ID, title, bigCode(f.Code), f.CheckedIn, link)
		next = c.now.Add(ll.CodeStep) // the code stays; the count moves
	}
	if !final {
		if next.After(f.Closes) {
			next = f.Closes.Add(time.Millisecond) // the closing edit comes on time
		}
		r.Buttons = [][]ll.Button{{{Text: c.label("present.stop"), Data: callback{kind: cbPresent, id: a.ID}.encode()}}}
	}
	png, err := c.h.render.QRCodePNG(qr, qrSize)
	if err != nil {
		return ll.Reply{}, time.Time{}, false, fmt.Errorf("presenter QR code of %s: %w", a.ID, err)
	}
	r.File = &ll.File{Name: "present-" + a.ID + ".png", MIME: "image/png", Data: png, Photo: true}
	return r, next, final, nil
}

// botLink is what a screen without a code shows as its QR code: the bot's
// chat, or its name when the username is unknown.
func (c *call) botLink() string {
	if c.h.cfg.BotUsername == "" {
		return "Lamplighter"
	}
	return "https://t.me/" + c.h.cfg.BotUsername
}

// bigCode writes a 6-digit code as two groups of three, to read from afar.
func bigCode(code string) string {
	if len(code) == 6 {
		return code[:3] + " " + code[3:]
	}
	return code
}
