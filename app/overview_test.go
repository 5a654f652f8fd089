package app_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// TestReportsStandings: the lights of reportsFixture (post minimum 0 here):
// M3 compliant is green; M2 at one of two is red until signed up for an
// activity still to come, then amber; a sign-up for an activity that has
// ended or was cancelled does not count; M1 at none is red. The counts,
// the month and method breakdowns, the filters, the order and the paging
// follow; an unknown light or order is refused.
func TestReportsStandings(t *testing.T) {
	f := reportsFixture(t)
	if _, err := f.app.Settings.Set(f.ctx, f.scope(1), "postminimum", "0"); err != nil {
		t.Fatalf("postminimum 0: %v", err)
	}
	sc := f.scope(1)
	lights := func(q app.StandingQuery) (app.Standings, map[string]app.Light) {
		t.Helper()
		st, err := f.app.Reports.Standings(f.ctx, sc, q)
		if err != nil {
			t.Fatalf("Standings(%+v): %v", q, err)
		}
		out := map[string]app.Light{}
		for _, m := range st.Members {
			out[m.ID] = m.Light
		}
		return st, out
	}
	st, got := lights(app.StandingQuery{})
	if got["M1"] != app.LightRed || got["M2"] != app.LightRed || got["M3"] != app.LightGreen {
		t.Fatalf("lights before any sign-up = %v, want M1 red, M2 red, M3 green", got)
	}
	// Sign-ups: A1 to come counts; A2 ended and A3 cancelled do not.
	for i, a := range []ll.Activity{
		{Title: "Tree planting", Start: f.now.Add(48 * time.Hour), End: f.now.Add(50 * time.Hour)},
		{Title: "Old", Start: f.now.Add(-5 * time.Hour), End: f.now.Add(-4 * time.Hour)},
		{Title: "Cancelled", Start: f.now.Add(72 * time.Hour), End: f.now.Add(73 * time.Hour)},
	} {
		a.Community, a.CreatedBy, a.Created = "elm", "M1", f.now
		created, err := f.store.CreateActivity(f.ctx, a, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			continue
		}
		for _, m := range []string{"M1", "M2"} {
			if _, _, err := f.store.SignUp(f.ctx, "elm", created.ID, m, f.now.Add(-6*time.Hour)); err != nil {
				t.Fatalf("sign %s up for %s: %v", m, created.ID, err)
			}
		}
		if i == 2 {
			if _, _, err := f.store.CancelActivity(f.ctx, "elm", created.ID, "rain", nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, got = lights(app.StandingQuery{}); got["M1"] != app.LightRed || got["M2"] != app.LightRed {
		t.Fatalf("lights with sign-ups for ended and cancelled activities only = %v, want M1 and M2 red", got)
	}
	if _, _, err := f.store.SignUp(f.ctx, "elm", "A1", "M2", f.now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.SignUp(f.ctx, "elm", "A1", "M1", f.now); err != nil {
		t.Fatal(err)
	}
	st, got = lights(app.StandingQuery{})
	if got["M2"] != app.LightAmber || got["M1"] != app.LightRed || got["M3"] != app.LightGreen {
		t.Errorf("lights with A1 to come = %v, want M2 amber (1 + 1 of 2), M1 red (0 + 1 of 2), M3 green", got)
	}
	if st.Counts[app.LightGreen] != 1 || st.Counts[app.LightAmber] != 1 || st.Counts[app.LightRed] != 1 || st.Active != 3 {
		t.Errorf("counts = %v of %d, want one each of 3", st.Counts, st.Active)
	}
	if st.Year != 2026 || st.DaysLeft != ll.DaysLeftInYear(f.now, f.comm.Location()) {
		t.Errorf("year %d, days left %d", st.Year, st.DaysLeft)
	}
	if st.ByMonth[4] != 3 || st.ByMethod.Count(ll.MethodApproval) != 3 {
		t.Errorf("by month %v, approvals %d; want the 3 approvals in May", st.ByMonth, st.ByMethod.Count(ll.MethodApproval))
	}
	for _, m := range st.Members {
		if m.ID == "M2" && m.Upcoming != 1 {
			t.Errorf("M2's sign-ups to come = %d, want 1", m.Upcoming)
		}
	}
	// Filters, order and paging.
	if st, got = lights(app.StandingQuery{Light: app.LightAmber}); st.Matched != 1 || got["M2"] == "" {
		t.Errorf("amber = %v (%d matched), want M2", got, st.Matched)
	}
	st, _ = lights(app.StandingQuery{Sort: "total", Limit: 2})
	if st.Matched != 3 || len(st.Members) != 2 || st.Members[0].ID != "M3" || st.Members[1].ID != "M2" {
		t.Errorf("by total, 2 a page = %+v", st.Members)
	}
	if st, _ = lights(app.StandingQuery{Sort: "total", Offset: 2, Limit: 2}); len(st.Members) != 1 || st.Members[0].ID != "M1" {
		t.Errorf("by total, second page = %+v", st.Members)
	}
	for _, q := range []app.StandingQuery{{Light: "blue"}, {Sort: "age"}} {
		if _, err := f.app.Reports.Standings(f.ctx, sc, q); ll.ErrorCode(err) != ll.EINVALID {
			t.Errorf("Standings(%+v) = %v, want EINVALID", q, err)
		}
	}
}

// TestPresenterScreen: the Mini App's presenter screen shows the frame
// /present shows, for whoever may present; the first call records the
// presenter, audited via the web app, and a repeat changes nothing; a plain
// member is refused, and Current lists the activity with its count.
func TestPresenterScreen(t *testing.T) {
	f := newFixture(t)
	a := f.create(f.lamps())
	f.now = a.Start.Add(-10 * time.Minute) // check-in is open
	member := f.actor(3, false)
	member.Channel = app.ChannelWebApp
	_, _, err := f.app.Presenter.Screen(f.ctx, member, a.ID)
	wantRefusal(t, "Screen(plain member)", err, ll.EFORBIDDEN, "")
	sec := f.actor(1, false)
	sec.Channel = app.ChannelWebApp
	for i, wantChanged := range []bool{true, false} {
		fr, changed, err := f.app.Presenter.Screen(f.ctx, sec, a.ID)
		if err != nil || changed != wantChanged || fr.Code != a.Code || fr.Activity.Code != "" || fr.Closed {
			t.Fatalf("Screen #%d = %+v, changed %v, %v; want the static code, changed %v", i+1, fr, changed, err, wantChanged)
		}
	}
	presents := 0
	for _, e := range f.audit() {
		if e.Action == "present" && e.Object == a.ID {
			presents++
			if e.Actor != "M1" || e.Detail != "via webapp" {
				t.Errorf("present audit entry %+v, want M1 via webapp", e)
			}
		}
	}
	if presents != 1 {
		t.Errorf("%d present audit entries after two screens, want 1", presents)
	}
	if got, _ := f.store.Activity(f.ctx, "elm", a.ID); got.PresentedBy != "M1" {
		t.Errorf("PresentedBy = %q, want M1", got.PresentedBy)
	}
	cur, err := f.app.Activities.Current(f.ctx, f.scope(1))
	if err != nil || len(cur) != 1 || cur[0].Activity.ID != a.ID || cur[0].Activity.Code != "" || cur[0].CheckedIn != 0 {
		t.Errorf("Current = %+v, %v; want %s without its code, none checked in", cur, err, a.ID)
	}
	// After check-in closes the screen is refused, as /present is.
	sec.Now = a.End.Add(3 * time.Hour)
	_, _, err = f.app.Presenter.Screen(f.ctx, sec, a.ID)
	wantRefusal(t, "Screen(ended)", err, ll.ECONFLICT, ll.ReasonEnded)
}
