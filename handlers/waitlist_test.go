package handlers_test

import (
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// waitEnv is dongan with Stranger (M5) and 林芳 (M6) as members too, and
// A1 of capacity n starting on 5 March at 09:00.
func waitEnv(t *testing.T, n int) *env {
	e := dongan(t)
	e.member("dongan", stranger, ll.RoleNone, "Bank", "3")
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	e.activity(ll.Activity{Title: "Lamps", Start: at(2026, 3, 5, 9, 0), Capacity: n})
	return e
}

func TestWaitlistSignUpOfferTake(t *testing.T) {
	e := waitEnv(t, 2)
	e.send(alice, "/signup A1")
	e.send(bob, "/signup A1")
	rs := e.send(stranger, "/signup A1")
	wantIn(t, "full", rs, "<b>A1</b> Lamps is full (2/2)")
	join := button(t, rs, "⏳ Join the waitlist A1")
	if join.Data != "wj:A1" {
		t.Fatalf("[Join the waitlist] data = %q, want wj:A1", join.Data)
	}
	wantIn(t, "join", e.press(stranger, join.Data), "You are <b>#1</b> on the waitlist of <b>A1</b>")
	wantIn(t, "join again", e.press(stranger, join.Data), "#1</b> on the waitlist")
	wantIn(t, "signup while waiting", e.send(stranger, "/signup A1"), "#1</b> on the waitlist")
	if rs := e.send(stranger, "/activities"); !hasButtonData(rs, "wj:A1") {
		t.Errorf("/activities of a full activity = %s, want a waitlist button", dumpButtons(rs))
	}
	wantIn(t, "second", e.send(lin, "/waitlist A1"), "第 <b>2</b> 位")

	// Bob withdraws: Stranger, first waiting, is offered the seat.
	rs = e.send(bob, "/withdraw A1")
	wantIn(t, "withdraw", rs, "You withdrew from A1.")
	offer := to(rs, stranger.id)
	if len(offer) != 1 || !strings.Contains(offer[0].Text, "A seat freed up: <b>A1</b> Lamps") ||
		!hasButtonData(offer, "ts:A1") || !hasButtonData(offer, "tp:A1") {
		t.Fatalf("offer to Stranger = %+v, want [Take the seat] and [Pass]", offer)
	}
	if len(to(rs, lin.id)) != 0 {
		t.Errorf("the second waiting was offered a seat too: %+v", rs)
	}
	// Not Lin's offer; a newcomer finds it still full.
	wantIn(t, "not lin's", e.press(lin, "ts:A1"), "没有为您保留的 A1 名额")
	wantIn(t, "bob again", e.send(bob, "/signup A1"), "has no seat for you (1/2): its free seats go first to the 2 member(s)")
	// Stranger passes: Lin is offered it.
	rs = e.press(stranger, "tp:A1")
	wantIn(t, "pass", rs, "You passed the seat of A1")
	if offer := to(rs, lin.id); len(offer) != 1 || !hasButtonData(offer, "ts:A1") {
		t.Fatalf("after the pass, offer to Lin = %+v", rs)
	}
	wantIn(t, "take", e.press(lin, "ts:A1"), "名额已归您", "2/2")
	wantIn(t, "take again", e.press(lin, "ts:A1"), "您已报名 <b>A1</b>")
	wantIn(t, "old button", e.press(stranger, "ts:A1"), "No seat of A1 is offered to you now")
	// Bob (who signed up again to the waitlist) leaves it.
	wantIn(t, "bob waits", e.press(bob, "wj:A1"), "#1</b> on the waitlist")
	wantIn(t, "bob leaves", e.send(bob, "/withdraw A1"), "You left the waitlist of A1.")
	wantIn(t, "bob none", e.send(bob, "/withdraw A1"), "You were not signed up for A1.")
}

func TestRosterConfirmedNoShows(t *testing.T) {
	e := waitEnv(t, 3)
	for _, p := range []person{alice, bob, stranger} {
		e.send(p, "/signup A1")
	}
	e.send(lin, "/waitlist A1")
	wantIn(t, "I'll come", e.press(alice, "cy:A1"), "Thank you: you will come to <b>A1</b>")
	wantIn(t, "not signed up", e.press(lin, "cy:A1"), "您未报名 A1")
	rs := e.send(deputy, "/roster A1")
	wantIn(t, "/roster", rs, "M3 Alice Chen · 🙋 will come (03-02 18:00) · not checked in", "M4 Bob Sun · not checked in",
		"<b>Waitlist (1 waiting)</b>", "1. M6 林芳")
	// Bob can't come: his seat goes to Lin.
	rs = e.press(bob, "cn:A1")
	wantIn(t, "can't come", rs, "You withdrew from A1; your seat goes to the next on the waitlist")
	if len(to(rs, lin.id)) != 1 {
		t.Fatalf("Can't come offered no seat to Lin: %+v", rs)
	}
	wantIn(t, "/roster offer", e.send(deputy, "/roster A1"), "M6 林芳 · 🎟 seat offered until 03-02 20:00", "Signed up (2)")
	e.press(lin, "ts:A1")

	// Alice comes; Stranger and Lin do not.
	a1, _ := e.store.Activity(e.ctx, "dongan", "A1")
	e.now = at(2026, 3, 5, 9, 5)
	e.send(alice, "/checkin "+a1.Code)
	e.now = at(2026, 3, 5, 13, 0) // the check-in closed at 13:00
	for range 2 {
		if _, counted, err := e.store.CountNoShows(e.ctx, "dongan", "A1", e.now); err != nil || !counted {
			t.Fatalf("CountNoShows = %v, %v", counted, err)
		}
	}
	rs = e.send(deputy, "/roster A1")
	wantIn(t, "/roster after", rs, "M3 Alice Chen · 🙋 will come (03-02 18:00) · ✅ code 03-05 09:05",
		"M5 Stranger · ❌ did not come", "M6 林芳 · ❌ did not come", "No-shows: 2")
	wantNotIn(t, "/roster after", rs, "Waitlist (")
	wantIn(t, "/member", e.send(deputy, "/member M5"), "No-shows (signed up, did not come): 1")
	wantIn(t, "/member alice", e.send(deputy, "/member M3"), "No-shows (signed up, did not come): 0")
	if got := e.auditActions("dongan"); !strings.Contains(got, "system:waitlist:A1") || !strings.Contains(got, "M4:waitlist:A1") {
		t.Errorf("audit = %s, want the offer (by M4's can't come) and the no-shows (system)", got)
	}
}

// TestExpiredOfferPressPassesOn: a press of [Take the seat] after the offer
// expired (before any sweep) says so and offers the seat to the next one
// waiting, in the same step.
func TestExpiredOfferPressPassesOn(t *testing.T) {
	e := waitEnv(t, 1)
	e.send(alice, "/signup A1")
	e.send(stranger, "/waitlist A1")
	e.send(lin, "/waitlist A1")
	if rs := e.send(alice, "/withdraw A1"); len(to(rs, stranger.id)) != 1 {
		t.Fatalf("withdraw offered no seat to Stranger: %+v", rs)
	}
	e.now = e.now.Add(ll.OfferWindow)
	rs := e.press(stranger, "ts:A1")
	wantIn(t, "expired", rs, "No seat of A1 is offered to you now")
	if offer := to(rs, lin.id); len(offer) != 1 || !hasButtonData(offer, "ts:A1") {
		t.Fatalf("the expired offer was not passed on to Lin: %+v", rs)
	}
	wantIn(t, "lin takes", e.press(lin, "ts:A1"), "名额已归您", "1/1")
}

// TestCancelTellsTheWaitlist: cancelling a full activity tells those
// signed up and those waiting (or offered a seat), and clears the waitlist.
func TestCancelTellsTheWaitlist(t *testing.T) {
	e := waitEnv(t, 1)
	e.send(alice, "/signup A1")
	e.send(stranger, "/waitlist A1")
	rs := e.send(deputy, "/cancelactivity A1 rain")
	if len(to(rs, alice.id)) != 1 {
		t.Errorf("the signed-up member was not told: %+v", rs)
	}
	if w := to(rs, stranger.id); len(w) != 1 || !strings.Contains(w[0].Text, "which you were waiting for, is cancelled") {
		t.Errorf("the waiting member was not told: %+v", rs)
	}
	wantIn(t, "cancel", rs, "1 member(s) signed up were told")
	wantIn(t, "waitlist after", e.press(stranger, "wj:A1"), "cancelled")
}
