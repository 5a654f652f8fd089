package handlers_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestPresent(t *testing.T) {
	e := dongan(t)
	a := e.activity(ll.Activity{Start: e.now.Add(10 * time.Minute)})
	// A plain member who leads no team may not present.
	wantIn(t, "/present by a member", e.send(alice, "/present "+a.ID), "committee")
	rs := e.send(secretary, "/present "+strings.ToLower(a.ID))
	if len(rs) != 1 || rs[0].File == nil || !rs[0].File.Photo || rs[0].Present == nil {
		t.Fatalf("/present = %+v, want one photo marked a presentation", rs)
	}
	p := *rs[0].Present
	if p.Activity != a.ID || p.Community != "dongan" || p.Presenter != secretary.id || p.Lang != "en" {
		t.Fatalf("presentation = %+v", p)
	}
	wantIn(t, "/present caption", rs, bigCodeOf(a.Code), "https://t.me/"+botName+"?start=ci_"+a.Code, "Checked in: <b>0</b>")
	stop := button(t, rs, "Stop")
	if e.auditActions("dongan")[:len("M1:present:"+a.ID)] != "M1:present:"+a.ID {
		t.Fatalf("audit = %s, want M1 present %s first", e.auditActions("dongan"), a.ID)
	}
	// The adapter registers the message; then [Stop] by someone else is
	// refused, by the presenter accepted.
	p.ChatID, p.MessageID = secretary.id, 42
	if err := e.store.RegisterPresentation(e.ctx, p, e.now); err != nil {
		t.Fatal(err)
	}
	r := request(alice, "", true)
	r.ChatID = secretary.id
	r.Callback, r.CallbackID, r.MessageID = stop.Data, "cb1", 42
	if rs := e.do(r); len(rs) != 1 || rs[0].CallbackAnswer == "" || strings.Contains(rs[0].CallbackAnswer, "Stopped") {
		t.Fatalf("[Stop] by another member = %+v, want a refusal", rs)
	}
	wantIn(t, "[Stop]", e.press(secretary, stop.Data), "Stopped.")
	got, err := e.store.Presentation(e.ctx, secretary.id, 42)
	if err != nil || !got.Stopped {
		t.Fatalf("after [Stop]: %+v, %v; want stopped", got, err)
	}
	// The worker's closing frame says how many checked in, without [Stop].
	r2, _, final, err := e.h.PresentationFrame(e.ctx, got, e.now)
	if err != nil || !final || len(r2.Buttons) != 0 || !strings.Contains(r2.Text, "stopped") || r2.File == nil {
		t.Fatalf("closing frame = %+v, final %v, %v", r2, final, err)
	}
	// [Stop] on a screen that ended: the button is stale, no message.
	r.MessageID = 99
	if rs := e.do(r); len(rs) != 1 || rs[0].Text != "" || rs[0].CallbackAnswer == "" {
		t.Fatalf("[Stop] on an ended screen = %+v, want a toast only", rs)
	}
	// /present again while it runs stops it.
	p.MessageID = 43
	if err := e.store.RegisterPresentation(e.ctx, p, e.now); err != nil {
		t.Fatal(err)
	}
	wantIn(t, "/present again", e.send(secretary, "/present "+a.ID), "stopped")
	// A running frame renews at the step; after check-in closes it ends.
	fr, next, final, err := e.h.PresentationFrame(e.ctx, ll.Presentation{Community: "dongan", Activity: a.ID, Lang: "zh"}, e.now)
	if err != nil || final || next.IsZero() || !strings.Contains(fr.Text, "已签到") {
		t.Fatalf("frame = %q, next %v, final %v, %v", fr.Text, next, final, err)
	}
	_, _, final, err = e.h.PresentationFrame(e.ctx, ll.Presentation{Community: "dongan", Activity: a.ID, Lang: "en"}, a.End.Add(ll.CheckInClosesAfter+time.Second))
	if err != nil || !final {
		t.Fatalf("frame after check-in closed: final %v, %v; want final", final, err)
	}
	// In a group the screen stays in the group.
	if rs := e.sendGroup(deputy, "/present "+a.ID); len(rs) != 1 || rs[0].ChatID != 0 || rs[0].Present == nil {
		t.Fatalf("/present in a group = %+v, want the screen in the group", rs)
	}
}

func bigCodeOf(code string) string { return code[:3] + " " + code[3:] }
