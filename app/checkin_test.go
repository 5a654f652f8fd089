package app_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// gate is where the fixture's located activities are.
var gate = ll.GeoPoint{Latitude: 31.2304, Longitude: 121.4737}

// counted returns how many participations of member count.
func (f *fixture) counted(member string) int {
	f.t.Helper()
	ps, err := f.store.Participations(f.ctx, f.comm.ID, member)
	if err != nil {
		f.t.Fatalf("Participations(%s): %v", member, err)
	}
	n := 0
	for _, p := range ps {
		if !p.Voided {
			n++
		}
	}
	return n
}

func TestCheckInByCode(t *testing.T) {
	f := newFixture(t)
	now := f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
	later := f.create(app.NewActivity{Title: "Later", Start: f.now.Add(48 * time.Hour), Duration: time.Hour})
	gone := f.create(app.NewActivity{Title: "Gone", Start: f.now, Duration: time.Hour})
	if _, _, _, err := f.app.Activities.Cancel(f.ctx, f.scope(2), gone.ID, ""); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	mem := f.actor(3, false)

	a, changed, st, err := f.app.CheckIns.ByCode(f.ctx, mem, now.Code)
	if err != nil || !changed || a.ID != now.ID || a.Code != "" || st.Total != 1 || st.Minimum != 2 {
		t.Fatalf("ByCode(%q) = %s, changed %v, standing %+v, %v; want %s recorded, 1/2", now.Code, a.ID, changed, st, err, now.ID)
	}
	if a, changed, _, err := f.app.CheckIns.ByCode(f.ctx, mem, now.Code); err != nil || changed || a.ID != now.ID {
		t.Fatalf("ByCode(%q) again = %s, changed %v, %v; want unchanged", now.Code, a.ID, changed, err)
	}

	// A stale pointer (a membership that is not the user's) is refused by
	// the store and the error comes back unchanged; so is no membership.
	stale := f.actor(2, false)
	stale.Member = nil
	stale.User.MemberID = f.ms[0].ID
	for _, tc := range []struct {
		name         string
		actor        app.Actor
		code         string
		wantActivity string
		errCode      string
		reason       string
	}{
		{"stranger", f.actor(99, false), now.Code, "", ll.ENOTMEMBER, ""},
		{"someone else's membership", stale, now.Code, "", ll.ENOTMEMBER, ""},
		{"not open yet", f.actor(1, false), later.Code, later.ID, ll.ECONFLICT, ll.ReasonNotOpen},
		{"cancelled", f.actor(1, false), gone.Code, gone.ID, ll.ECONFLICT, ll.ReasonCancelled},
		{"wrong code", f.actor(1, false), "000000", "", ll.EINVALID, ll.ReasonCode},
	} {
		a, changed, _, err := f.app.CheckIns.ByCode(f.ctx, tc.actor, tc.code)
		wantRefusal(t, "ByCode("+tc.name+")", err, tc.errCode, tc.reason)
		if changed || a.ID != tc.wantActivity {
			t.Fatalf("ByCode(%s) = %s, changed %v; want %q unchanged", tc.name, a.ID, changed, tc.wantActivity)
		}
	}
	if n := f.counted(f.ms[0].ID); n != 0 {
		t.Fatalf("refused check-ins recorded %d participations of M1", n)
	}
}

func TestWrongCodeLimit(t *testing.T) {
	f := newFixture(t)
	now := f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
	sec := f.actor(1, false)
	if left, known, err := f.app.CheckIns.WrongCodesLeft(f.ctx, sec); err != nil || !known || left != ll.MaxWrongCodesPerHour {
		t.Fatalf("WrongCodesLeft = %d, %v, %v; want %d", left, known, err, ll.MaxWrongCodesPerHour)
	}
	for i := 1; i <= ll.MaxWrongCodesPerHour; i++ {
		_, _, _, err := f.app.CheckIns.ByCode(f.ctx, sec, "999999")
		wantRefusal(t, "ByCode(wrong)", err, ll.EINVALID, ll.ReasonCode)
		if left, _, _ := f.app.CheckIns.WrongCodesLeft(f.ctx, sec); left != ll.MaxWrongCodesPerHour-i {
			t.Fatalf("after %d wrong codes WrongCodesLeft = %d, want %d", i, left, ll.MaxWrongCodesPerHour-i)
		}
	}
	_, changed, _, err := f.app.CheckIns.ByCode(f.ctx, sec, now.Code)
	wantRefusal(t, "ByCode(right code after the limit)", err, ll.EFORBIDDEN, ll.ReasonTooManyCodes)
	if changed || f.counted(f.ms[0].ID) != 0 {
		t.Fatalf("a check-in past the wrong-code limit was recorded")
	}
	// Another member's tries are their own.
	if _, changed, _, err := f.app.CheckIns.ByCode(f.ctx, f.actor(3, false), now.Code); err != nil || !changed {
		t.Fatalf("ByCode(M3) = changed %v, %v", changed, err)
	}
	// An hour later the limit has passed.
	sec.Now = f.now.Add(61 * time.Minute)
	if _, changed, _, err := f.app.CheckIns.ByCode(f.ctx, sec, now.Code); err != nil || !changed {
		t.Fatalf("ByCode an hour later = changed %v, %v", changed, err)
	}
}

func TestCheckInByLocation(t *testing.T) {
	f := newFixture(t)
	live := func(p ll.GeoPoint) ll.Location {
		return ll.Location{Latitude: p.Latitude, Longitude: p.Longitude, Live: true}
	}
	near := ll.GeoPoint{Latitude: gate.Latitude + 0.0005, Longitude: gate.Longitude} // about 56 m north
	far := ll.GeoPoint{Latitude: gate.Latitude + 0.01, Longitude: gate.Longitude}    // about 1.1 km north
	mem := f.actor(3, false)

	// Nothing to check in at yet, then only an activity still to open.
	_, err := f.app.CheckIns.ByLocation(f.ctx, mem, live(gate))
	wantRefusal(t, "ByLocation(no activity)", err, ll.ENOTFOUND, ll.ReasonNoPlace)
	later := f.create(app.NewActivity{Title: "Later", Start: f.now.Add(3 * time.Hour), Duration: time.Hour, Location: &gate})
	res, err := f.app.CheckIns.ByLocation(f.ctx, mem, live(gate))
	wantRefusal(t, "ByLocation(not open yet)", err, ll.ECONFLICT, ll.ReasonNotOpen)
	if res.Activity.ID != later.ID {
		t.Fatalf("ByLocation(not open yet) names %q, want %s", res.Activity.ID, later.ID)
	}

	open := f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour, Location: &gate})
	mem.Now = f.now.Add(time.Minute) // 1.1 km from the gate: not a jump a minute later
	for _, tc := range []struct {
		name         string
		actor        app.Actor
		l            ll.Location
		code, reason string
	}{
		{"stranger", f.actor(99, false), live(gate), ll.ENOTMEMBER, ""},
		{"pin", mem, ll.Location{Latitude: gate.Latitude, Longitude: gate.Longitude}, ll.EINVALID, ll.ReasonNotLive},
		{"forwarded", mem, ll.Location{Latitude: gate.Latitude, Longitude: gate.Longitude, Live: true, Forwarded: true}, ll.EINVALID, ll.ReasonNotLive},
		{"too far", mem, live(far), ll.ECONFLICT, ll.ReasonTooFar},
	} {
		res, err := f.app.CheckIns.ByLocation(f.ctx, tc.actor, tc.l)
		wantRefusal(t, "ByLocation("+tc.name+")", err, tc.code, tc.reason)
		if res.Changed {
			t.Fatalf("ByLocation(%s) changed", tc.name)
		}
		if res.Activity.Code != "" {
			t.Fatalf("ByLocation(%s) hands the member the check-in code", tc.name)
		}
		if tc.reason == ll.ReasonTooFar && (res.Activity.ID != open.ID || res.Distance < 1000 || res.Distance > 1200) {
			t.Fatalf("ByLocation(too far) = %s at %.0f m, want %s at about 1100 m", res.Activity.ID, res.Distance, open.ID)
		}
	}
	if n := f.counted(f.ms[2].ID); n != 0 {
		t.Fatalf("refused check-ins recorded %d participations", n)
	}

	mem.Now = f.now.Add(5 * time.Minute) // 1 km closer: not a jump
	res, err = f.app.CheckIns.ByLocation(f.ctx, mem, live(near))
	if err != nil || !res.Changed || res.Activity.ID != open.ID || res.Activity.Code != "" || res.Distance < 40 || res.Distance > 70 || res.Standing.Total != 1 {
		t.Fatalf("ByLocation(near) = %+v, %v; want %s recorded at about 56 m", res, err, open.ID)
	}
	mem.Now = mem.Now.Add(time.Minute)
	if res, err := f.app.CheckIns.ByLocation(f.ctx, mem, live(gate)); err != nil || res.Changed || res.Activity.ID != open.ID {
		t.Fatalf("ByLocation again = %+v, %v; want unchanged", res, err)
	}
	if n := f.counted(f.ms[2].ID); n != 1 {
		t.Fatalf("participations of M3 = %d, want 1", n)
	}
}
