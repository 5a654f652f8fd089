package handlers_test

import (
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/report"
)

// Texts with every character Telegram HTML reserves, as members type them.
const (
	ampTitle = `Lamps & <b>Lights</b> "north"`
	ampPlace = `Gate & <3> "B"`
)

var (
	ampAsker  = person{id: 4101, name: `A & B <i>x</i> "q"`, lang: "en"}
	ampWaiter = person{id: 4102, name: `C & D <u>y</u> "r"`, lang: "en"}
)

// escapedOnce fails unless the replies' texts (Telegram HTML; toasts are
// plain text) show each raw text escaped exactly once: escaped present,
// escaped twice absent, raw absent.
func escapedOnce(t *testing.T, what string, rs []ll.Reply, raw ...string) {
	t.Helper()
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text + "\n")
	}
	got := b.String()
	for _, s := range raw {
		once := html.EscapeString(s)
		if !strings.Contains(got, once) {
			t.Errorf("%s = %q, want %q (%q escaped once)", what, got, once, s)
		}
		if twice := html.EscapeString(once); strings.Contains(got, twice) {
			t.Errorf("%s = %q, want no %q (%q escaped twice)", what, got, twice, s)
		}
		if strings.Contains(got, s) {
			t.Errorf("%s = %q, want no raw %q", what, got, s)
		}
	}
	if strings.Contains(got, "&amp;amp;") || strings.Contains(got, "&amp;lt;") || strings.Contains(got, "&amp;#34;") {
		t.Errorf("%s = %q: something is escaped twice", what, got)
	}
}

// TestWaitlistAndRosterEscapeOnce drives a full activity through its
// waitlist, offer and roster with a title, a place and member names made of
// & < > ": every message shows them escaped exactly once.
func TestWaitlistAndRosterEscapeOnce(t *testing.T) {
	e := dongan(t)
	asker := e.member("dongan", ampAsker, ll.RoleNone, "Unit", "1")
	waiter := e.member("dongan", ampWaiter, ll.RoleNone, "Unit", "2")
	askerName, waiterName := asker.DisplayName(), waiter.DisplayName()
	e.activity(ll.Activity{Title: ampTitle, Place: ampPlace, Start: at(2026, 3, 5, 9, 0), Capacity: 1})

	escapedOnce(t, "signup", e.send(alice, "/signup A1"), ampTitle, ampPlace)
	rs := e.send(ampAsker, "/signup A1")
	wantIn(t, "full", rs, "is full (1/1)")
	escapedOnce(t, "full", rs, ampTitle)
	rs = e.press(ampAsker, "wj:A1")
	wantIn(t, "waitlist", rs, "on the waitlist of")
	escapedOnce(t, "waitlist", rs, ampTitle)
	if len(rs) == 0 || !strings.Contains(rs[0].CallbackAnswer, ampTitle) {
		t.Errorf("waitlist toast = %+v, want the title as typed (plain text)", rs)
	}
	e.send(ampWaiter, "/waitlist A1")

	rs = e.send(deputy, "/roster A1")
	wantIn(t, "roster", rs, "<b>Waitlist (2 waiting)</b>", "1. "+html.EscapeString(askerName), "2. "+html.EscapeString(waiterName))
	escapedOnce(t, "roster", rs, ampTitle, askerName, waiterName)

	rs = e.send(alice, "/withdraw A1")
	offer := to(rs, ampAsker.id)
	if len(offer) != 1 || !hasButtonData(offer, "ts:A1") {
		t.Fatalf("withdraw offered no seat to %s: %+v", askerName, rs)
	}
	wantIn(t, "offer", offer, "A seat freed up")
	escapedOnce(t, "offer", offer, ampTitle, ampPlace)
	rs = e.press(ampAsker, "wj:A1")
	wantIn(t, "offered yours", rs, "is offered to you now")
	escapedOnce(t, "offered yours", rs, ampTitle)
	rs = e.send(deputy, "/roster A1")
	wantIn(t, "roster offer", rs, html.EscapeString(askerName)+" · 🎟 seat offered until")
	escapedOnce(t, "roster offer", rs, ampTitle, askerName, waiterName)

	rs = e.press(ampAsker, "ts:A1")
	wantIn(t, "taken", rs, "The seat is yours")
	escapedOnce(t, "taken", rs, ampTitle)
	rs = e.send(deputy, "/roster A1")
	wantIn(t, "roster signed up", rs, html.EscapeString(askerName)+" · not checked in", "1. "+html.EscapeString(waiterName))
	escapedOnce(t, "roster signed up", rs, ampTitle, askerName, waiterName)
}

// TestStatementCaptionEscapesOnce: the verify link in the caption of
// /statement is escaped once (a public URL with & in it).
func TestStatementCaptionEscapesOnce(t *testing.T) {
	e := dongan(t)
	ap := app.New(e.store)
	ap.Statements.PublicURL = "https://lamps.example/r&d"
	e.h = handlers.New(e.store, handlers.Config{Render: report.Renderer{}, App: ap, BotUsername: botName,
		Now: func() time.Time { return e.now }, Logger: e.log})
	lamps := e.activity(ll.Activity{Title: ampTitle, Start: at(2026, 3, 1, 9, 0)})
	e.send(deputy, "/attend "+lamps.ID+" M3")

	rs := e.send(alice, "/statement")
	url := qrOf(t, rs)
	if !strings.HasPrefix(url, "https://lamps.example/r&d/verify/") {
		t.Fatalf("QR code = %q, want the raw verify link", url)
	}
	wantIn(t, "/statement", rs, "Your statement of 2026: 1 participations")
	escapedOnce(t, "/statement", rs, url)
}

// TestReportUnreachableEscapesOnce: past the names /report lists, the
// unreachable members it names are escaped once.
func TestReportUnreachableEscapesOnce(t *testing.T) {
	e := dongan(t)
	var want []string
	for i := range app.ReportNames + 1 {
		p := person{id: int64(4200 + i), name: fmt.Sprintf(`N%d & <i>"u"</i>`, i), lang: "en"}
		m := e.member("dongan", p, ll.RoleNone, "Unit", "1")
		if err := e.store.SetReachable(e.ctx, p.id, false); err != nil {
			t.Fatal(err)
		}
		if i < app.ReportNames {
			want = append(want, m.DisplayName())
		}
	}
	rs := e.send(deputy, "/report")
	wantIn(t, "/report", rs, fmt.Sprintf("Unreachable on Telegram: %d", app.ReportNames+1), "… and 1 more.")
	escapedOnce(t, "/report", rs, want...)
}
