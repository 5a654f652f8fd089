package handlers_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// gate is where the test activities take place (Block 19 gate, Shanghai).
var gate = ll.GeoPoint{Latitude: 31.2304, Longitude: 121.4737}

// near returns a point about meters north of p.
func near(p ll.GeoPoint, meters float64) ll.GeoPoint {
	return ll.GeoPoint{Latitude: p.Latitude + meters/111195, Longitude: p.Longitude}
}

// locationFrom is p sharing a location in the private chat.
func locationFrom(p person, g ll.GeoPoint, live, forwarded bool) ll.Request {
	r := request(p, "", true)
	r.Location = &ll.Location{Latitude: g.Latitude, Longitude: g.Longitude, Live: live, Forwarded: forwarded}
	return r
}

// countsFor returns how many counting participations member has for ref.
func (e *env) countsFor(member, ref string) int {
	e.t.Helper()
	ps, err := e.store.Participations(e.ctx, "dongan", member)
	if err != nil {
		e.t.Fatalf("Participations(%s): %v", member, err)
	}
	n := 0
	for _, p := range ps {
		if p.Ref == ref && !p.Voided {
			n++
		}
	}
	return n
}

func TestCheckInWindowEdges(t *testing.T) {
	e := dongan(t)
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	start := at(2026, 3, 5, 9, 0)
	a := e.activity(ll.Activity{Start: start, End: start.Add(2 * time.Hour)})

	e.now = start.Add(-30*time.Minute - time.Second)
	before := e.snapshot()
	wantIn(t, "1s before opening", e.send(alice, "/checkin "+a.Code),
		"Check-in to <b>A1</b> Street lamp check is not open yet: it opens at 2026-03-05 08:30", "closes at 2026-03-05 13:00")
	wantIn(t, "1s before opening zh", e.send(lin, "/checkin "+a.Code), "尚未开始签到：签到时间为 2026-03-05 08:30")
	e.unchanged("a check-in before the window", before)

	e.now = start.Add(-30 * time.Minute)
	wantIn(t, "at opening", e.send(alice, "/checkin "+a.Code), "✅ Checked in to <b>A1</b> Street lamp check (code).", "2026: <b>1/2</b> participations")

	e.now = start.Add(2*time.Hour + 2*time.Hour)
	wantIn(t, "at closing", e.send(bob, "/checkin "+a.Code), "✅ Checked in to <b>A1</b>")

	e.now = start.Add(2*time.Hour + 2*time.Hour + time.Second)
	before = e.snapshot()
	wantIn(t, "1s after closing", e.send(lin, "/checkin "+a.Code), "的签到已于 2026-03-05 13:00 结束")
	wantIn(t, "1s after closing en", e.send(deputy, "/checkin "+a.Code), "Check-in to <b>A1</b> Street lamp check closed at 2026-03-05 13:00", "ask the committee to record you")
	e.unchanged("a check-in after the window", before)
	if e.countsFor("M3", "A1") != 1 || e.countsFor("M4", "A1") != 1 || e.countsFor("M5", "A1") != 0 {
		t.Errorf("participations M3 %d, M4 %d, M5 %d; want 1, 1, 0", e.countsFor("M3", "A1"), e.countsFor("M4", "A1"), e.countsFor("M5", "A1"))
	}
}

func TestCheckInOnceWhateverIsRetried(t *testing.T) {
	e := dongan(t)
	start := at(2026, 3, 5, 9, 0)
	a := e.activity(ll.Activity{Start: start, Location: &gate})
	e.now = start.Add(10 * time.Minute)

	// The same update delivered twice: the second delivery is a duplicate,
	// answered by no one.
	req := request(alice, "/checkin "+a.Code, true)
	req.UpdateID = 77
	wantIn(t, "first delivery", e.do(req), "✅ Checked in")
	if rs, dup := e.h.HandleUpdate(e.ctx, req); !dup || len(rs) != 0 {
		t.Errorf("second delivery of update 77 = %v, duplicate %v; want no replies, duplicate", texts(rs), dup)
	}
	// The same code sent again (a new update): once only, and said so.
	req.UpdateID = 78
	wantIn(t, "second message", e.do(req), "You are already checked in to <b>A1</b> Street lamp check; it counts once.")
	// Then the deep link, and a live location, on top.
	wantIn(t, "deep link", e.send(alice, "/start ci_"+a.Code), "already checked in")
	wantIn(t, "live location", e.do(locationFrom(alice, near(gate, 20), true, false)), "already checked in")
	if n := e.countsFor("M3", "A1"); n != 1 {
		t.Errorf("M3 has %d participations for A1, want 1", n)
	}

	// Many taps at once, by code and by location: one participation.
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				e.h.Handle(e.ctx, request(bob, "/checkin "+a.Code, true))
			} else {
				e.h.Handle(e.ctx, locationFrom(bob, near(gate, 10), true, false))
			}
		}(i)
	}
	wg.Wait()
	if n := e.countsFor("M4", "A1"); n != 1 {
		t.Errorf("M4 has %d participations for A1 after 20 concurrent check-ins, want 1", n)
	}
}

func TestCheckInByLocation(t *testing.T) {
	e := dongan(t)
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	start := at(2026, 3, 5, 9, 0)
	e.activity(ll.Activity{Title: "Lamps", Start: start, Location: &gate, RadiusMeters: 100})
	e.activity(ll.Activity{Title: "Far away", Start: start, Location: &ll.GeoPoint{Latitude: 31.3, Longitude: 121.6}})
	e.activity(ll.Activity{Title: "No place", Start: start})
	e.now = start

	before := e.snapshot()
	wantIn(t, "pin", e.do(locationFrom(alice, gate, false, false)), "A location pin does not check you in", "Share My Live Location")
	wantIn(t, "pin zh", e.do(locationFrom(lin, gate, false, false)), "地图上选点的位置不能签到", "共享实时位置")
	wantIn(t, "forwarded live", e.do(locationFrom(alice, gate, true, true)), "A forwarded location does not check you in")
	wantIn(t, "forwarded zh", e.do(locationFrom(lin, gate, true, true)), "转发的位置不能签到")
	wantIn(t, "stranger", e.do(locationFrom(stranger, gate, true, false)), "you need to be registered first")
	e.unchanged("refused locations", before)
	// A live position out of reach writes only the member's last live
	// position, which the next one is judged by (SPEC section 9).
	before = e.snapshot()
	wantIn(t, "outside", e.do(locationFrom(alice, near(gate, 150), true, false)),
		"<b>A1</b> Lamps: you are 150 m from its check-in place, and check-in needs you within 100 m.")
	e.unchangedBut("a live location out of reach", before, e.prefix+"{c:dongan}:live:M3")

	e.now = start.Add(time.Minute) // walking 90 m closer takes a while
	rs := e.do(locationFrom(alice, near(gate, 60), true, false))
	wantIn(t, "inside", rs, "✅ Checked in to <b>A1</b> Lamps (live location, 60 m from the place).")
	ps, _ := e.store.Participations(e.ctx, "dongan", "M3")
	if len(ps) != 1 || ps[0].Method != ll.MethodLocation || ps[0].Ref != "A1" || ps[0].VerifiedBy != "" {
		t.Errorf("participations = %+v, want one by location for A1", ps)
	}

	// Before any window opens: when it does.
	e.now = start.Add(-2 * time.Hour)
	wantIn(t, "not yet", e.do(locationFrom(bob, gate, true, false)), "Check-in to <b>A1</b> Lamps is not open yet: it opens at 2026-03-05 08:30")
	e.now = start.Add(10 * time.Hour)
	wantIn(t, "nothing open", e.do(locationFrom(bob, gate, true, false)), "No activity with a check-in place is open")
}

func TestWrongCodeLimit(t *testing.T) {
	e := dongan(t)
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	start := at(2026, 3, 5, 9, 0)
	a := e.activity(ll.Activity{Start: start})
	e.now = start
	wrong := "000000"
	if a.Code == wrong {
		wrong = "000001"
	}
	for i := 1; i < ll.MaxWrongCodesPerHour; i++ {
		wantIn(t, fmt.Sprintf("wrong code %d", i), e.send(alice, "/checkin "+wrong),
			wrong+" is not the code of an activity open for check-in now", fmt.Sprintf("You can try %d more time(s) this hour.", ll.MaxWrongCodesPerHour-i))
	}
	wantIn(t, "wrong code 5", e.send(alice, "/checkin "+wrong), "That makes 5 wrong codes this hour, so checking in by code is paused")
	rs := e.send(alice, "/checkin "+a.Code)
	wantIn(t, "sixth try", rs, "Too many wrong codes (5 in an hour)", "Share your live location at the activity instead")
	wantIn(t, "zh wrong code", e.send(lin, "/checkin "+wrong), "不是当前可签到活动的签到码", "本小时内您还可尝试 4 次。")
	if n := e.countsFor("M3", "A1"); n != 0 {
		t.Errorf("M3 checked in after 5 wrong codes: %d", n)
	}
	// Malformed input is not a guess at a code.
	wantIn(t, "not digits", e.send(bob, "/checkin abc"), "A check-in code is the digits shown at the activity")
	// An hour later the code works again.
	e.now = e.now.Add(time.Hour + time.Minute)
	wantIn(t, "an hour later", e.send(alice, "/checkin "+a.Code), "✅ Checked in")
}

func TestCheckInDeepLinkAndGuided(t *testing.T) {
	e := dongan(t)
	start := at(2026, 3, 5, 9, 0)
	a := e.activity(ll.Activity{Start: start, Location: &gate})
	e.now = start

	before := e.snapshot()
	wantIn(t, "stranger deep link", e.send(stranger, "/start ci_"+a.Code), "To check in you need to be registered first", "/join")
	wantIn(t, "stranger zh", e.send(mou, "/start ci_"+a.Code), "签到前请先报到")
	e.unchanged("a stranger's check-in", before)

	wantIn(t, "deep link", e.send(alice, "/start ci_"+a.Code), "✅ Checked in to <b>A1</b>")

	rs := e.send(bob, "/checkin")
	wantIn(t, "guided", rs, "share your <b>live</b> location", "Or type the code")
	if rs[0].RequestLocation {
		t.Fatalf("guided check-in = %+v, want no one-off location button (it can never check in)", rs[0])
	}
	rs = e.do(locationFrom(bob, gate, false, false))
	wantIn(t, "guided pin", rs, "A location pin does not check you in")
	if f, err := e.store.Flow(e.ctx, bob.id); err != nil || f == nil || f.Kind != "ci" {
		t.Errorf("guided pin left flow %+v, want the check-in flow kept for another try", f)
	}
	rs = e.send(bob, a.Code)
	wantIn(t, "guided code", rs, "✅ Checked in to <b>A1</b>")
	if !rs[0].RemoveKeyboard {
		t.Errorf("guided code = %+v, want the keyboard removed", rs[0])
	}
	wantIn(t, "after the flow", e.send(bob, "hello"), "I only understand commands")

	// In a group, the answer goes to the private chat.
	rs = e.sendGroup(deputy, "/checkin "+a.Code)
	group, private := split(rs, deputy.id)
	if len(private) != 1 || !strings.Contains(private[0].Text, "Checked in") || len(group) != 1 || strings.Contains(group[0].Text, "Checked in") {
		t.Errorf("/checkin in a group = %+v", rs)
	}
}

// TestLiveLocationWalkUp: the positions a live location sends as it moves are
// answered only when one checks the member in, then never again.
func TestLiveLocationWalkUp(t *testing.T) {
	e := dongan(t)
	start := at(2026, 3, 5, 9, 0)
	e.activity(ll.Activity{Title: "Lamps", Start: start, Location: &gate, RadiusMeters: 100})
	e.now = start

	first := e.do(locationFrom(alice, near(gate, 400), true, false))
	wantIn(t, "first position, far", first, "you are 400 m from its check-in place")
	update := func(meters float64) []ll.Reply {
		e.now = e.now.Add(30 * time.Second) // a walk: at most 200 m in 30 s
		r := locationFrom(alice, near(gate, meters), true, false)
		r.Location.Update = true
		return e.h.Handle(e.ctx, r)
	}
	if rs := update(250); len(rs) != 0 {
		t.Errorf("update at 250 m = %+v, want no reply while out of reach", rs)
	}
	if e.countsFor("M3", "A1") != 0 {
		t.Fatalf("checked in from 250 m")
	}
	wantIn(t, "update at 50 m", update(50), "✅ Checked in to <b>A1</b> Lamps")
	if rs := update(20); len(rs) != 0 {
		t.Errorf("update after check-in = %+v, want no reply", rs)
	}
	if n := e.countsFor("M3", "A1"); n != 1 {
		t.Errorf("participations for A1 = %d, want 1", n)
	}
}
