package app_test

import (
	"encoding/hex"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// secretOf is the rotating-code secret of activity id, as stored.
func (f *fixture) secretOf(id string) []byte {
	f.t.Helper()
	a, err := f.store.Activity(f.ctx, f.comm.ID, id)
	if err != nil {
		f.t.Fatalf("Activity(%s): %v", id, err)
	}
	key, err := hex.DecodeString(a.Secret)
	if err != nil || len(key) != 20 {
		f.t.Fatalf("Activity(%s).Secret = %q, want 20 bytes hex", id, a.Secret)
	}
	return key
}

func TestRotatingByDefault(t *testing.T) {
	f := newFixture(t)
	a, _, err := f.app.Activities.Create(f.ctx, f.scope(2), app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
	if err != nil || a.Mode != ll.CheckInRotating {
		t.Fatalf("Create = mode %q, %v; want %s", a.Mode, err, ll.CheckInRotating)
	}
	key := f.secretOf(a.ID)
	if other, _, _ := f.app.Activities.Create(f.ctx, f.scope(2), app.NewActivity{Title: "Other", Start: f.now, Duration: time.Hour}); other.Secret == a.Secret {
		t.Fatalf("two activities share the secret %s", a.Secret)
	}

	// A member never sees the code or the secret.
	_, up, err := f.app.Activities.Upcoming(f.ctx, f.actor(3, false))
	if err != nil || len(up) == 0 {
		t.Fatalf("Upcoming = %v, %v", up, err)
	}
	for _, x := range up {
		if x.Code != "" || x.Secret != "" {
			t.Errorf("Upcoming shows %s with code %q secret %q", x.ID, x.Code, x.Secret)
		}
	}
	mem := f.actor(3, false)
	got, changed, st, err := f.app.CheckIns.ByCode(f.ctx, mem, ll.CodeAt(key, f.now))
	if err != nil || !changed || got.ID != a.ID || got.Secret != "" || got.Code != "" || st.Total != 1 {
		t.Fatalf("ByCode(rotating) = %s (code %q secret %q), %v, %+v, %v; want %s recorded", got.ID, got.Code, got.Secret, changed, st, err, a.ID)
	}
	ps, _ := f.store.Participations(f.ctx, f.comm.ID, f.ms[2].ID)
	if len(ps) != 1 || ps[0].Method != ll.MethodRotating {
		t.Errorf("participations = %+v, want one by %s", ps, ll.MethodRotating)
	}
	// A static code of a rotating activity is refused.
	_, _, _, err = f.app.CheckIns.ByCode(f.ctx, f.actor(1, false), a.Code)
	wantRefusal(t, "ByCode(the static code of a rotating activity)", err, ll.EINVALID, ll.ReasonCode)

	// The creator (M2) cannot check in by its code; audited.
	_, _, _, err = f.app.CheckIns.ByCode(f.ctx, f.actor(2, false), ll.CodeAt(key, f.now))
	wantRefusal(t, "ByCode(creator)", err, ll.EFORBIDDEN, ll.ReasonCreator)
	f.wantAudit("creator refused", "checkin_refused", a.ID, ll.ReasonCreator, f.ms[1].ID)
}

func TestEditCheckInMode(t *testing.T) {
	f := newFixture(t)
	a := f.create(app.NewActivity{Title: "Poster", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
	if a.Mode != ll.CheckInStatic || a.Secret != "" {
		t.Fatalf("static activity = mode %q secret %q", a.Mode, a.Secret)
	}
	sc := f.scope(1)
	for _, tc := range []struct {
		mode    string
		code    string // "" for no error
		reason  string
		wantNow string // the mode stored after
	}{
		{"sometimes", ll.EINVALID, "checkin", ll.CheckInStatic},
		{ll.CheckInLocation, ll.EINVALID, ll.ReasonLocation, ll.CheckInStatic}, // no location yet
		{ll.CheckInRotating, "", "", ll.CheckInRotating},
		{ll.CheckInStatic, "", "", ll.CheckInStatic},
	} {
		got, err := f.app.Activities.Edit(f.ctx, sc, a.ID, app.ActivityChange{Field: app.ActivityCheckIn, Text: tc.mode, Typed: tc.mode})
		if tc.code != "" {
			wantRefusal(t, "Edit(checkin "+tc.mode+")", err, tc.code, tc.reason)
		} else if err != nil || got.Mode != tc.mode {
			t.Fatalf("Edit(checkin %s) = %q, %v", tc.mode, got.Mode, err)
		} else {
			f.wantAudit("Edit(checkin "+tc.mode+")", "editactivity", a.ID, "checkin="+tc.mode, f.ms[0].ID)
		}
		if stored, _ := f.store.Activity(f.ctx, f.comm.ID, a.ID); stored.Mode != tc.wantNow {
			t.Fatalf("after checkin %s the mode is %q, want %q", tc.mode, stored.Mode, tc.wantNow)
		}
	}
	// Switching to rotating made a secret; it stays for the next switch.
	key := f.secretOf(a.ID)
	if _, changed, _, err := f.app.CheckIns.ByCode(f.ctx, f.actor(3, false), a.Code); err != nil || !changed {
		t.Fatalf("ByCode(static again) = %v, %v", changed, err)
	}
	if _, err := f.app.Activities.Edit(f.ctx, sc, a.ID, app.ActivityChange{Field: app.ActivityCheckIn, Text: ll.CheckInRotating}); err != nil {
		t.Fatal(err)
	}
	if again := f.secretOf(a.ID); string(again) != string(key) {
		t.Errorf("switching back to rotating changed the secret")
	}
	// Location only: no code.
	if _, err := f.app.Activities.Edit(f.ctx, sc, a.ID, app.ActivityChange{Field: app.ActivityLocation, Location: &gate}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Activities.Edit(f.ctx, sc, a.ID, app.ActivityChange{Field: app.ActivityCheckIn, Text: ll.CheckInLocation}); err != nil {
		t.Fatal(err)
	}
	_, _, _, err := f.app.CheckIns.ByCode(f.ctx, f.actor(1, false), a.Code)
	wantRefusal(t, "ByCode(location only)", err, ll.EINVALID, ll.ReasonLocationOnly)
	// Its location cannot go while it checks in by location only.
	_, err = f.app.Activities.Edit(f.ctx, sc, a.ID, app.ActivityChange{Field: app.ActivityLocation, Location: nil, Typed: "-"})
	wantRefusal(t, "Edit(location -) of a location-only activity", err, ll.EINVALID, ll.ReasonLocation)
	// A member cannot change it.
	if _, err := f.app.Access.Committee(f.ctx, f.actor(3, false)); err == nil {
		t.Errorf("a plain member got a committee scope")
	}
}
