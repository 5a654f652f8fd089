package handlers_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// unchangedBut fails if the store differs from before in any key but the
// ones named.
func (e *env) unchangedBut(what string, before map[string]string, keys ...string) {
	e.t.Helper()
	after := e.snapshot()
	for _, k := range keys {
		if _, ok := after[k]; !ok {
			e.t.Errorf("%s did not write %s", what, k)
		}
		delete(after, k)
		if v, ok := before[k]; ok {
			after[k] = v
		}
	}
	for k, v := range after {
		if old, ok := before[k]; !ok {
			e.t.Errorf("%s wrote new key %s", what, k)
		} else if old != v {
			e.t.Errorf("%s changed key %s", what, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			e.t.Errorf("%s deleted key %s", what, k)
		}
	}
}

// liveFrom is p sharing a live location with accuracy (0: none sent); an
// update is a later position of a live location already shared.
func liveFrom(p person, g ll.GeoPoint, accuracy float64, update bool) ll.Request {
	r := locationFrom(p, g, true, false)
	r.Location.Accuracy, r.Location.Update = accuracy, update
	return r
}

// jumps returns the community's audit entries of ignored location jumps.
func (e *env) jumps() []ll.AuditEntry {
	e.t.Helper()
	l, err := e.store.AuditLog(e.ctx, "dongan", 0, time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []ll.AuditEntry
	for _, a := range l {
		if a.Action == "locationjump" {
			out = append(out, a)
		}
	}
	return out
}

// TestLiveLocationAccuracy: a live location whose horizontal accuracy is
// worse than the activity's radius checks no one in, however close it says
// it is; one within the radius does.
func TestLiveLocationAccuracy(t *testing.T) {
	e := dongan(t)
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	start := at(2026, 3, 5, 9, 0)
	e.activity(ll.Activity{Title: "Lamps", Start: start, Location: &gate, RadiusMeters: 100})
	e.now = start

	wantIn(t, "inaccurate", e.do(liveFrom(alice, gate, 150, false)),
		"<b>A1</b> Lamps: your location is accurate only to 150 m, and check-in needs 100 m or better.", "Wait a moment for a better GPS fix", "type the code")
	wantIn(t, "inaccurate zh", e.do(liveFrom(lin, gate, 100.4, false)), "您的位置精度只有 101 米，签到需要 100 米以内的精度", "输入现场公布的签到码")
	if rs := e.h.Handle(e.ctx, liveFrom(alice, gate, 500, true)); len(rs) != 0 {
		t.Errorf("an inaccurate update = %+v, want no reply", rs)
	}
	if n := e.countsFor("M3", "A1"); n != 0 {
		t.Fatalf("checked in with an accuracy of 150 m: %d", n)
	}
	// Pins and forwarded locations stay refused, accuracy or not.
	pin := liveFrom(alice, gate, 5, false)
	pin.Location.Live = false
	wantIn(t, "pin", e.do(pin), "A location pin does not check you in")
	fwd := liveFrom(alice, gate, 5, false)
	fwd.Location.Forwarded = true
	wantIn(t, "forwarded", e.do(fwd), "A forwarded location does not check you in")

	e.now = start.Add(10 * time.Second)
	wantIn(t, "accurate", e.do(liveFrom(alice, near(gate, 20), 100, false)), "✅ Checked in to <b>A1</b> Lamps (live location, 20 m from the place).")
	wantIn(t, "accurate, no accuracy sent", e.do(liveFrom(lin, near(gate, 20), 0, false)), "✅ 已签到 <b>A1</b> Lamps")
}

// TestLiveLocationJump: a position implying more than 50 m/s since the
// member's previous one is ignored (no check-in, and not the position the
// next one is judged by) and audited; a walk checks in.
func TestLiveLocationJump(t *testing.T) {
	e := dongan(t)
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	start := at(2026, 3, 5, 9, 0)
	e.activity(ll.Activity{Title: "Lamps", Start: start, Location: &gate, RadiusMeters: 100})
	e.now = start

	wantIn(t, "at home", e.do(liveFrom(alice, near(gate, 600), 10, false)), "you are 600 m from its check-in place")
	// 510 m in 10 s: 51 m/s, ignored with a short answer.
	e.now = e.now.Add(10 * time.Second)
	wantIn(t, "jump", e.do(liveFrom(alice, near(gate, 90), 10, false)),
		"you would have moved at 51 m/s, faster than anyone walks or rides (at most 50 m/s), so this position was ignored")
	if n := e.countsFor("M3", "A1"); n != 0 {
		t.Fatalf("a 51 m/s jump checked in: %d", n)
	}
	j := e.jumps()
	if len(j) != 1 || j[0].Actor != "M3" || j[0].Object != "M3" || !strings.HasPrefix(j[0].Detail, "51.0 m/s") || !j[0].Time.Equal(e.now) {
		t.Fatalf("audit = %+v, want one location jump of M3 at 51.0 m/s", j)
	}
	// As a later position of the live location, a jump gets no answer, but
	// it is audited all the same; the ignored position is not the one the
	// next is judged by.
	if rs := e.h.Handle(e.ctx, liveFrom(alice, gate, 10, true)); len(rs) != 0 {
		t.Errorf("a jump as an update = %+v, want no reply", rs)
	}
	if n := len(e.jumps()); n != 2 {
		t.Fatalf("jumps audited = %d, want 2", n)
	}
	// The committee sees them in /audit.
	wantIn(t, "/audit", e.send(secretary, "/audit 5"), "M3 · <b>locationjump</b> M3 — 60.0 m/s: 600 m in 10 s", "M3 · <b>locationjump</b> M3 — 51.0 m/s: 510 m in 10 s")

	// From 600 m, walking (from the last position kept, 30 s before).
	e.now = start.Add(30 * time.Second)
	wantIn(t, "walk", e.do(liveFrom(alice, near(gate, 400), 10, false)), "you are 400 m from its check-in place")
	e.now = e.now.Add(31 * time.Second)
	wantIn(t, "arrived", e.do(liveFrom(alice, near(gate, 90), 10, false)), "✅ Checked in to <b>A1</b> Lamps (live location, 90 m from the place).")
	if n := e.countsFor("M3", "A1"); n != 1 {
		t.Fatalf("participations of M3 = %d, want 1", n)
	}
	if n := len(e.jumps()); n != 2 {
		t.Fatalf("jumps audited = %d, want 2", n)
	}
	// Someone else's previous position is not alice's: lin's first is judged by nothing.
	wantIn(t, "lin", e.do(liveFrom(lin, gate, 0, false)), "✅ 已签到 <b>A1</b> Lamps")
	// zh wording of a jump.
	e.now = e.now.Add(time.Second)
	wantIn(t, "jump zh", e.do(liveFrom(lin, near(gate, 5000), 0, false)), "相当于每秒移动 5000 米", "这个位置已忽略")
}
