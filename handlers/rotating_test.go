package handlers_test

import (
	"encoding/hex"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// rotatingCode is the code of activity id's secret at the env's now.
func (e *env) rotatingCode(id string) string {
	e.t.Helper()
	a, err := e.store.Activity(e.ctx, "dongan", id)
	if err != nil {
		e.t.Fatalf("Activity(%s): %v", id, err)
	}
	key, err := hex.DecodeString(a.Secret)
	if err != nil || a.Mode != ll.CheckInRotating {
		e.t.Fatalf("Activity(%s) = mode %q secret %q, want rotating", id, a.Mode, a.Secret)
	}
	return ll.CodeAt(key, e.now)
}

func TestRotatingCodeCheckIn(t *testing.T) {
	e := dongan(t)
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	wantIn(t, "/newactivity", e.send(secretary, "/newactivity Lamps | 2026-03-02 17:30 | 2h"), "Created activity <b>A1</b>", "/present A1")
	code := e.rotatingCode("A1")

	wantIn(t, "/checkin rotating", e.send(alice, "/checkin "+code), "✅ Checked in to <b>A1</b> Lamps", "2026: <b>1/2</b>")
	wantIn(t, "deep link", e.send(bob, "/start ci_"+code), "✅ Checked in to <b>A1</b> Lamps")
	// 30 s later the code still works; a minute later it is a wrong code.
	e.now = e.now.Add(30 * time.Second)
	wantIn(t, "next step", e.send(deputy, "/checkin "+code), "✅ Checked in to <b>A1</b>")
	e.now = e.now.Add(30 * time.Second)
	wantIn(t, "two steps on", e.send(lin, "/checkin "+code), "不是当前可签到活动的签到码")
	// The creator is refused, in their language.
	wantIn(t, "creator", e.send(secretary, "/checkin "+e.rotatingCode("A1")), "You created A1", "/present A1")
	if e.countsFor("M3", "A1") != 1 || e.countsFor("M4", "A1") != 1 || e.countsFor("M2", "A1") != 1 ||
		e.countsFor("M5", "A1") != 0 || e.countsFor("M1", "A1") != 0 {
		t.Errorf("participations of A1 are not one each for M2, M3, M4")
	}
	for _, p := range []person{alice, bob} {
		wantNotIn(t, "/activities", e.send(p, "/activities"), code, e.rotatingCode("A1"))
	}
}

func TestAmbiguousCodeAnswer(t *testing.T) {
	e := dongan(t)
	e.send(secretary, "/newactivity Lamps | 2026-03-02 17:30 | 2h")
	e.send(secretary, "/newactivity Tea | 2026-03-02 17:45 | 1h")
	// Give A2 A1's secret: every code of one is the other's.
	a1, _ := e.store.Activity(e.ctx, "dongan", "A1")
	if err := e.rdb.HSet(e.ctx, e.prefix+"{c:dongan}:a:A2", "sec", a1.Secret).Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    person
		want string
	}{
		{alice, "more than one activity open now (A1, A2)"},
	} {
		wantIn(t, "ambiguous", e.send(tc.p, "/checkin "+e.rotatingCode("A1")), tc.want, "QR code")
	}
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	wantIn(t, "ambiguous zh", e.send(lin, "/checkin "+e.rotatingCode("A1")), "同时对应多个正在签到的活动（A1, A2）")
	if e.countsFor("M3", "A1")+e.countsFor("M3", "A2") != 0 {
		t.Errorf("an ambiguous code checked someone in")
	}
}

func TestEditActivityCheckInMode(t *testing.T) {
	e := dongan(t)
	e.send(secretary, "/newactivity Lamps | 2026-03-02 17:30 | 2h")
	tests := []struct {
		who  person
		text string
		want []string
	}{
		{secretary, "/editactivity A1 checkin sometimes", []string{"check-in"}},
		{secretary, "/editactivity A1 checkin location", []string{"no check-in place"}},
		{alice, "/editactivity A1 checkin static", []string{"committee"}},
		{secretary, "/editactivity A1 checkin static", []string{"static code", "Check-in code: <code>"}},
		{secretary, "/editactivity A1 checkin rotating", []string{"rotating code", "/present A1"}},
	}
	for _, tc := range tests {
		rs := e.send(tc.who, tc.text)
		wantIn(t, tc.text, rs, tc.want...)
	}
	a, _ := e.store.Activity(e.ctx, "dongan", "A1")
	if a.Mode != ll.CheckInRotating {
		t.Errorf("mode = %q, want rotating", a.Mode)
	}
	e.send(secretary, "/editactivity A1 location 31.2304,121.4737")
	wantIn(t, "location only", e.send(secretary, "/editactivity A1 checkin location"), "live location only")
	wantIn(t, "code of a location-only activity", e.send(alice, "/checkin "+a.Code), "A1 checks in by live location only")
}
