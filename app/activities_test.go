package app_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// lamps is a valid new activity tomorrow at 09:00 UTC (17:00 in Shanghai).
func (f *fixture) lamps() app.NewActivity {
	return app.NewActivity{Title: "Lamps", Place: "Gate 2", Start: f.now.Add(23 * time.Hour), Duration: 2 * time.Hour, Capacity: 10}
}

// create makes an activity as the committee member tg 2 (M2). Its check-in
// is by static code unless in says otherwise: the tests written before
// rotating codes check in with Activity.Code.
func (f *fixture) create(in app.NewActivity) ll.Activity {
	f.t.Helper()
	if in.CheckIn == "" {
		in.CheckIn = ll.CheckInStatic
	}
	a, existed, err := f.app.Activities.Create(f.ctx, f.scope(2), in)
	if err != nil || existed {
		f.t.Fatalf("Create(%q) = %+v, existed %v, %v", in.Title, a, existed, err)
	}
	return a
}

// activities returns every activity of the fixture's community.
func (f *fixture) activities() []ll.Activity {
	f.t.Helper()
	all, err := f.store.Activities(f.ctx, f.comm.ID)
	if err != nil {
		f.t.Fatalf("Activities: %v", err)
	}
	return all
}

// wantAudit fails unless the newest audit entry is action on object with
// detail by actor.
func (f *fixture) wantAudit(what, action, object, detail, actor string) {
	f.t.Helper()
	log := f.audit()
	if len(log) == 0 {
		f.t.Fatalf("%s: no audit entry, want %s %s %q", what, action, object, detail)
	}
	e := log[0]
	if e.Action != action || e.Object != object || e.Detail != detail || e.Actor != actor {
		f.t.Fatalf("%s: audit = %s %s %q by %s, want %s %s %q by %s", what, e.Action, e.Object, e.Detail, e.Actor, action, object, detail, actor)
	}
}

func TestActivitiesCreate(t *testing.T) {
	f := newFixture(t)
	a := f.create(f.lamps())
	if a.ID != "A1" || a.CreatedBy != f.ms[1].ID || a.Community != "elm" || !a.End.Equal(a.Start.Add(2*time.Hour)) || a.Code == "" {
		t.Fatalf("Create = %+v", a)
	}
	f.wantAudit("Create", "newactivity", "A1", "Lamps @ 2026-05-05 17:00", f.ms[1].ID)

	// Created again by the same person (a double tap): the same activity.
	before := len(f.audit())
	again, existed, err := f.app.Activities.Create(f.ctx, f.scope(2), f.lamps())
	if err != nil || !existed || again.ID != a.ID {
		t.Fatalf("Create again = %s, existed %v, %v; want %s existed", again.ID, existed, err, a.ID)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("a duplicate wrote %d audit entries", after-before)
	}
	// By someone else it is another activity.
	if other, existed, err := f.app.Activities.Create(f.ctx, f.scope(1), f.lamps()); err != nil || existed || other.ID != "A2" {
		t.Fatalf("Create by the secretary = %s, existed %v, %v; want A2", other.ID, existed, err)
	}

	before = len(f.audit())
	for _, tc := range []struct {
		name  string
		edit  func(*app.NewActivity)
		field string
	}{
		{"start a month ago", func(n *app.NewActivity) { n.Start = f.now.Add(-app.MaxActivityBackdate - time.Minute) }, "start"},
		{"start next year", func(n *app.NewActivity) { n.Start = f.now.Add(app.MaxActivityAhead + time.Minute) }, "start"},
		{"no duration", func(n *app.NewActivity) { n.Duration = 0 }, "duration"},
		{"half a minute", func(n *app.NewActivity) { n.Duration = 30 * time.Second }, "duration"},
		{"90 seconds", func(n *app.NewActivity) { n.Duration = 90 * time.Second }, "duration"},
		{"eight days", func(n *app.NewActivity) { n.Duration = 8 * 24 * time.Hour }, "duration"},
		{"no title", func(n *app.NewActivity) { n.Title = " " }, "title"},
		{"long place", func(n *app.NewActivity) { n.Place = strings.Repeat("x", ll.MaxTitleLen+1) }, "place"},
		{"negative capacity", func(n *app.NewActivity) { n.Capacity = -1 }, "capacity"},
		{"huge capacity", func(n *app.NewActivity) { n.Capacity = ll.MaxCapacity + 1 }, "capacity"},
		{"off the Earth", func(n *app.NewActivity) { n.Location = &ll.GeoPoint{Latitude: 91} }, "location"},
	} {
		in := f.lamps()
		in.Title = "Other"
		tc.edit(&in)
		_, _, err := f.app.Activities.Create(f.ctx, f.scope(2), in)
		wantRefusal(t, "Create("+tc.name+")", err, ll.EINVALID, tc.field)
	}
	if n := len(f.activities()); n != 2 {
		t.Fatalf("refused creations stored activities: %d, want 2", n)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused creations wrote %d audit entries", after-before)
	}
}

func TestActivitiesEdit(t *testing.T) {
	f := newFixture(t)
	a := f.create(f.lamps())
	if _, err := f.store.CreateTeam(f.ctx, ll.Team{Community: "elm", Name: "Lights"}, nil); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	newStart := f.now.Add(48 * time.Hour)
	for _, tc := range []struct {
		ch    app.ActivityChange
		check func(ll.Activity) bool
	}{
		{app.ActivityChange{Field: app.ActivityTitle, Text: "Lanterns", Typed: "Lanterns"}, func(a ll.Activity) bool { return a.Title == "Lanterns" }},
		{app.ActivityChange{Field: app.ActivityPlace, Text: "", Typed: "-"}, func(a ll.Activity) bool { return a.Place == "" }},
		{app.ActivityChange{Field: app.ActivityStart, Start: newStart, Typed: "2026-05-06 18:00"}, func(a ll.Activity) bool {
			return a.Start.Equal(newStart) && a.End.Equal(newStart.Add(2*time.Hour))
		}},
		{app.ActivityChange{Field: app.ActivityDuration, Duration: 90 * time.Minute, Typed: "90m"}, func(a ll.Activity) bool {
			return a.Start.Equal(newStart) && a.End.Equal(newStart.Add(90*time.Minute))
		}},
		{app.ActivityChange{Field: app.ActivityCapacity, Number: 0, Typed: "unlimited"}, func(a ll.Activity) bool { return a.Capacity == 0 }},
		{app.ActivityChange{Field: app.ActivityRadius, Number: 300, Typed: "300"}, func(a ll.Activity) bool { return a.RadiusMeters == 300 }},
		{app.ActivityChange{Field: app.ActivityTeam, Text: "T1", Typed: "t1"}, func(a ll.Activity) bool { return a.Team == "T1" }},
		{app.ActivityChange{Field: app.ActivityLocation, Location: &ll.GeoPoint{Latitude: 31.2, Longitude: 121.4}, Typed: "31.2,121.4"},
			func(a ll.Activity) bool { return a.Location != nil && a.Location.Latitude == 31.2 }},
		{app.ActivityChange{Field: app.ActivityLocation, Typed: "-"}, func(a ll.Activity) bool { return a.Location == nil }},
	} {
		got, err := f.app.Activities.Edit(f.ctx, f.scope(2), a.ID, tc.ch)
		if err != nil || !tc.check(got) {
			t.Fatalf("Edit(%s=%s) = %+v, %v", tc.ch.Field, tc.ch.Typed, got, err)
		}
		stored, err := f.store.Activity(f.ctx, "elm", a.ID)
		if err != nil || !tc.check(stored) {
			t.Fatalf("after Edit(%s=%s) stored %+v, %v", tc.ch.Field, tc.ch.Typed, stored, err)
		}
		f.wantAudit("Edit "+tc.ch.Field, "editactivity", a.ID, tc.ch.Field+"="+tc.ch.Typed, f.ms[1].ID)
	}

	// Two members sign up; a capacity of 1 would not hold them.
	for _, tg := range []int64{1, 3} {
		if _, _, err := f.app.Activities.SignUp(f.ctx, f.actor(tg, false), a.ID); err != nil {
			t.Fatalf("SignUp(tg %d): %v", tg, err)
		}
	}
	cancelled := f.create(app.NewActivity{Title: "Gone", Start: f.now.Add(time.Hour), Duration: time.Hour})
	if _, _, _, err := f.app.Activities.Cancel(f.ctx, f.scope(2), cancelled.ID, ""); err != nil {
		t.Fatalf("Cancel: %v", err)
	}

	before, beforeLog := f.activities(), len(f.audit())
	for _, tc := range []struct {
		name         string
		id           string
		ch           app.ActivityChange
		code, reason string
	}{
		{"unknown field", a.ID, app.ActivityChange{Field: "colour", Typed: "red"}, ll.EINVALID, "activity_field"},
		{"no title", a.ID, app.ActivityChange{Field: app.ActivityTitle, Text: "", Typed: ""}, ll.EINVALID, "title"},
		{"start long ago", a.ID, app.ActivityChange{Field: app.ActivityStart, Start: f.now.Add(-40 * 24 * time.Hour)}, ll.EINVALID, "start"},
		{"start next year", a.ID, app.ActivityChange{Field: app.ActivityStart, Start: f.now.Add(400 * 24 * time.Hour)}, ll.EINVALID, "start"},
		{"no duration", a.ID, app.ActivityChange{Field: app.ActivityDuration, Duration: 0}, ll.EINVALID, "duration"},
		{"eight days", a.ID, app.ActivityChange{Field: app.ActivityDuration, Duration: 8 * 24 * time.Hour}, ll.EINVALID, "duration"},
		{"radius too small", a.ID, app.ActivityChange{Field: app.ActivityRadius, Number: app.MinRadius - 1}, ll.EINVALID, "radius"},
		{"radius too large", a.ID, app.ActivityChange{Field: app.ActivityRadius, Number: app.MaxRadius + 1}, ll.EINVALID, "radius"},
		{"negative radius", a.ID, app.ActivityChange{Field: app.ActivityRadius, Number: -5}, ll.EINVALID, "radius"},
		{"capacity below sign-ups", a.ID, app.ActivityChange{Field: app.ActivityCapacity, Number: 1}, ll.EINVALID, "capacity"},
		{"capacity too large", a.ID, app.ActivityChange{Field: app.ActivityCapacity, Number: ll.MaxCapacity + 1}, ll.EINVALID, "capacity"},
		{"malformed team", a.ID, app.ActivityChange{Field: app.ActivityTeam, Text: "lights"}, ll.EINVALID, "team"},
		{"unknown team", a.ID, app.ActivityChange{Field: app.ActivityTeam, Text: "T9"}, ll.ENOTFOUND, ""},
		{"off the Earth", a.ID, app.ActivityChange{Field: app.ActivityLocation, Location: &ll.GeoPoint{Longitude: 181}}, ll.EINVALID, "location"},
		{"cancelled", cancelled.ID, app.ActivityChange{Field: app.ActivityTitle, Text: "Back"}, ll.ECONFLICT, ll.ReasonCancelled},
		{"unknown activity", "A99", app.ActivityChange{Field: app.ActivityTitle, Text: "X"}, ll.ENOTFOUND, ""},
	} {
		_, err := f.app.Activities.Edit(f.ctx, f.scope(2), tc.id, tc.ch)
		wantRefusal(t, "Edit("+tc.name+")", err, tc.code, tc.reason)
	}
	if after := f.activities(); !reflect.DeepEqual(after, before) {
		t.Fatalf("refused edits changed activities:\n%+v\nwant\n%+v", after, before)
	}
	if after := len(f.audit()); after != beforeLog {
		t.Fatalf("refused edits wrote %d audit entries", after-beforeLog)
	}
	// The refusal of a capacity below the sign-ups says how many there are.
	_, err := f.app.Activities.Edit(f.ctx, f.scope(2), a.ID, app.ActivityChange{Field: app.ActivityCapacity, Number: 1})
	var below *app.BelowSignUpsError
	if !errors.As(err, &below) || below.Activity != a.ID || below.SignUps != 2 {
		t.Fatalf("Edit(capacity 1) with 2 sign-ups = %v, want BelowSignUpsError %s 2", err, a.ID)
	}

	// Editable says why an activity cannot be changed.
	if _, err := f.app.Activities.Editable(f.ctx, f.scope(2), a.ID); err != nil {
		t.Fatalf("Editable(%s): %v", a.ID, err)
	}
	_, err = f.app.Activities.Editable(f.ctx, f.scope(2), cancelled.ID)
	wantRefusal(t, "Editable(cancelled)", err, ll.ECONFLICT, ll.ReasonCancelled)
}

func TestActivitiesCancel(t *testing.T) {
	f := newFixture(t)
	a := f.create(f.lamps())
	if _, _, err := f.app.Activities.SignUp(f.ctx, f.actor(3, false), a.ID); err != nil {
		t.Fatalf("SignUp: %v", err)
	}

	before := len(f.audit())
	for _, tc := range []struct {
		name, id, reason string
		code, detail     string
	}{
		{"long reason", a.ID, strings.Repeat("x", app.MaxReasonLen+1), ll.EINVALID, "reason"},
		{"control characters", a.ID, "rain\x07", ll.EINVALID, "reason"},
		{"not text", a.ID, "\xff", ll.EINVALID, "reason"},
		{"unknown activity", "A99", "", ll.ENOTFOUND, ""},
	} {
		_, _, _, err := f.app.Activities.Cancel(f.ctx, f.scope(2), tc.id, tc.reason)
		wantRefusal(t, "Cancel("+tc.name+")", err, tc.code, tc.detail)
	}
	if stored, _ := f.store.Activity(f.ctx, "elm", a.ID); stored.Cancelled {
		t.Fatalf("a refused cancellation cancelled %s", a.ID)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused cancellations wrote %d audit entries", after-before)
	}

	got, signedUp, changed, err := f.app.Activities.Cancel(f.ctx, f.scope(2), a.ID, "rain")
	if err != nil || !changed || got.ID != a.ID || !slices.Equal(signedUp, []string{f.ms[2].ID}) {
		t.Fatalf("Cancel = %s, %v, changed %v, %v; want %s, [M3], changed", got.ID, signedUp, changed, err, a.ID)
	}
	f.wantAudit("Cancel", "cancelactivity", a.ID, "rain", f.ms[1].ID)
	if stored, _ := f.store.Activity(f.ctx, "elm", a.ID); !stored.Cancelled || stored.CancelReason != "rain" {
		t.Fatalf("stored after Cancel = %+v", stored)
	}
	before = len(f.audit())
	if _, signedUp, changed, err := f.app.Activities.Cancel(f.ctx, f.scope(2), a.ID, "again"); err != nil || changed || len(signedUp) != 0 {
		t.Fatalf("Cancel again = %v, changed %v, %v; want nothing", signedUp, changed, err)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("cancelling twice wrote %d audit entries", after-before)
	}
}

func TestSignUpWithdraw(t *testing.T) {
	f := newFixture(t)
	one := f.create(app.NewActivity{Title: "One seat", Start: f.now.Add(time.Hour), Duration: time.Hour, Capacity: 1})
	open := f.create(f.lamps())
	ended := f.create(app.NewActivity{Title: "Yesterday", Start: f.now.Add(-48 * time.Hour), Duration: time.Hour})
	gone := f.create(app.NewActivity{Title: "Gone", Start: f.now.Add(2 * time.Hour), Duration: time.Hour})
	if _, _, _, err := f.app.Activities.Cancel(f.ctx, f.scope(2), gone.ID, ""); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	mem, sec, stranger := f.actor(3, false), f.actor(1, false), f.actor(99, false)

	a, changed, err := f.app.Activities.SignUp(f.ctx, mem, one.ID)
	if err != nil || !changed || a.Signups != 1 || a.Code != "" {
		t.Fatalf("SignUp(%s) = %d sign-ups, code %q, changed %v, %v; want 1, no code", one.ID, a.Signups, a.Code, changed, err)
	}
	if _, changed, err := f.app.Activities.SignUp(f.ctx, mem, one.ID); err != nil || changed {
		t.Fatalf("SignUp(%s) again: changed %v, %v; want unchanged", one.ID, changed, err)
	}
	if yes, err := f.app.Activities.IsSignedUp(f.ctx, mem, one.ID); err != nil || !yes {
		t.Fatalf("IsSignedUp(M3, %s) = %v, %v; want true", one.ID, yes, err)
	}
	if yes, err := f.app.Activities.IsSignedUp(f.ctx, sec, one.ID); err != nil || yes {
		t.Fatalf("IsSignedUp(M1, %s) = %v, %v; want false", one.ID, yes, err)
	}

	for _, tc := range []struct {
		name         string
		actor        app.Actor
		id           string
		code, reason string
	}{
		{"stranger", stranger, open.ID, ll.ENOTMEMBER, ""},
		{"full", sec, one.ID, ll.EFULL, ll.ReasonActivity},
		{"cancelled", sec, gone.ID, ll.ECONFLICT, ll.ReasonCancelled},
		{"ended", sec, ended.ID, ll.ECONFLICT, ll.ReasonEnded},
		{"unknown", sec, "A99", ll.ENOTFOUND, ""},
	} {
		_, _, err := f.app.Activities.SignUp(f.ctx, tc.actor, tc.id)
		wantRefusal(t, "SignUp("+tc.name+")", err, tc.code, tc.reason)
		if tc.id == "A99" {
			continue
		}
		if ids, _ := f.store.SignedUp(f.ctx, "elm", tc.id); slices.Contains(ids, f.ms[0].ID) {
			t.Fatalf("SignUp(%s) refused but signed M1 up for %s", tc.name, tc.id)
		}
	}
	_, err = f.app.Activities.IsSignedUp(f.ctx, stranger, one.ID)
	wantRefusal(t, "IsSignedUp(stranger)", err, ll.ENOTMEMBER, "")
	_, err = f.app.Activities.Withdraw(f.ctx, stranger, one.ID)
	wantRefusal(t, "Withdraw(stranger)", err, ll.ENOTMEMBER, "")
	_, _, err = f.app.Activities.Upcoming(f.ctx, stranger)
	wantRefusal(t, "Upcoming(stranger)", err, ll.ENOTMEMBER, "")

	if changed, err := f.app.Activities.Withdraw(f.ctx, mem, one.ID); err != nil || !changed {
		t.Fatalf("Withdraw(%s) = %v, %v; want changed", one.ID, changed, err)
	}
	if changed, err := f.app.Activities.Withdraw(f.ctx, mem, one.ID); err != nil || changed {
		t.Fatalf("Withdraw(%s) again = %v, %v; want unchanged", one.ID, changed, err)
	}
	if _, changed, err := f.app.Activities.SignUp(f.ctx, sec, one.ID); err != nil || !changed {
		t.Fatalf("SignUp(%s) after a withdrawal: changed %v, %v", one.ID, changed, err)
	}

	comm, list, err := f.app.Activities.Upcoming(f.ctx, mem)
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
		if a.Code != "" {
			t.Fatalf("Upcoming shows a member the check-in code of %s", a.ID)
		}
	}
	if err != nil || comm.ID != "elm" || !slices.Equal(ids, []string{one.ID, open.ID}) {
		t.Fatalf("Upcoming = %s, %v, %v; want elm, [%s %s] (not the ended or cancelled ones)", comm.ID, ids, err, one.ID, open.ID)
	}
}

func TestRoster(t *testing.T) {
	f := newFixture(t)
	a := f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
	if _, _, err := f.app.Activities.SignUp(f.ctx, f.actor(3, false), a.ID); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if _, _, err := f.app.Activities.SignUp(f.ctx, f.actor(2, false), a.ID); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	// M1 walks in (checks in without signing up); M3 checks in and is voided.
	for _, m := range []string{f.ms[0].ID, f.ms[2].ID} {
		if _, _, err := f.store.CheckIn(f.ctx, "elm", m, ll.CheckIn{Code: a.Code}, f.now); err != nil {
			t.Fatalf("CheckIn(%s): %v", m, err)
		}
	}
	if err := f.store.Void(f.ctx, "elm", a.ID, f.ms[2].ID, f.ms[1].ID, "not there", f.now, nil); err != nil {
		t.Fatalf("Void: %v", err)
	}
	r, err := f.app.Activities.Roster(f.ctx, f.scope(2), a.ID)
	if err != nil {
		t.Fatalf("Roster: %v", err)
	}
	if r.Activity.ID != a.ID || !slices.Equal(r.SignedUp, []string{f.ms[2].ID, f.ms[1].ID}) ||
		!slices.Equal(r.Order, []string{f.ms[0].ID}) || len(r.Present) != 1 || r.Present[f.ms[0].ID].Method != ll.MethodCode {
		t.Fatalf("Roster = %+v; want signed up [M3 M2], present [M1] by code", r)
	}
	_, err = f.app.Activities.Roster(f.ctx, f.scope(2), "A99")
	wantRefusal(t, "Roster(A99)", err, ll.ENOTFOUND, "")
}
