package storage_test

import (
	"errors"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// newActivity creates an activity starting at start, lasting two hours.
func newActivity(t testing.TB, s *storage.Store, community string, start time.Time, capacity int) ll.Activity {
	t.Helper()
	a, err := s.CreateActivity(ctx, ll.Activity{Community: community, Title: "Clean the river bank", Place: "East gate",
		Start: start, End: start.Add(2 * time.Hour), Capacity: capacity, CreatedBy: "M1", Created: t0}, nil)
	if err != nil {
		t.Fatalf("CreateActivity = %v", err)
	}
	return a
}

func TestActivities(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	importMembers(t, s, "dongan", 1)
	team, err := s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "Lamp team"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 8, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	in := ll.Activity{Community: "dongan", Title: "Fix street lights", Place: "Block 19", Start: start, End: start.Add(3 * time.Hour),
		Capacity: 10, Location: &ll.GeoPoint{Latitude: 41.80512345678, Longitude: 123.4321}, RadiusMeters: 150, Team: team.ID,
		Code: "999999", Cancelled: true, CreatedBy: "M1", Signups: 7}
	a, err := s.CreateActivity(ctx, in, &ll.AuditEntry{Actor: "M1", Action: "newactivity"})
	if err != nil {
		t.Fatalf("CreateActivity = %v", err)
	}
	if a.ID != "A1" || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(a.Code) || a.Cancelled || a.Signups != 0 ||
		!a.Start.Equal(start.Truncate(time.Millisecond)) || a.Start.Location() != time.UTC || a.Created.IsZero() {
		t.Errorf("CreateActivity = %+v; want A1 with a fresh 6-digit code, not cancelled, start %v in UTC", a, start)
	}
	got, err := s.Activity(ctx, "dongan", "A1")
	if err != nil {
		t.Fatalf("Activity(A1) = %v", err)
	}
	want := a
	if got.Location == nil || *got.Location != *in.Location {
		t.Errorf("Activity(A1).Location = %v, want %v", got.Location, in.Location)
	}
	got.Location, want.Location = nil, nil
	if got != want {
		t.Errorf("Activity(A1) = %+v\nwant %+v", got, want)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 1, time.Time{}); len(log) != 1 || log[0].Object != "A1" || log[0].Action != "newactivity" {
		t.Errorf("audit after CreateActivity = %+v, want an entry on A1", log)
	}

	// Codes are unique among the community's activities.
	codes := map[string]bool{a.Code: true}
	for i := 2; i <= 30; i++ {
		b := newActivity(t, s, "dongan", t0.Add(time.Duration(30-i)*time.Hour), 0)
		if codes[b.Code] {
			t.Errorf("code %s given twice", b.Code)
		}
		codes[b.Code] = true
	}
	all, err := s.Activities(ctx, "dongan")
	if err != nil || len(all) != 30 {
		t.Fatalf("Activities = %d, %v; want 30", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Start.Before(all[i-1].Start) {
			t.Errorf("Activities not by start: %s at %v after %s at %v", all[i].ID, all[i].Start, all[i-1].ID, all[i-1].Start)
		}
	}
	if all[0].ID != "A30" || all[len(all)-1].ID != "A1" {
		t.Errorf("Activities from %s to %s, want A30 to A1", all[0].ID, all[len(all)-1].ID)
	}

	// Save replaces the editable fields only.
	ed := got
	ed.Title, ed.Place, ed.Location, ed.Team, ed.Capacity = "Fix lamps", "", nil, "", 0
	ed.Start = ed.Start.Add(24 * time.Hour)
	ed.End = ed.End.Add(24 * time.Hour)
	ed.Code, ed.Cancelled, ed.CreatedBy = "123456", true, "M9"
	if err := s.SaveActivity(ctx, ed, &ll.AuditEntry{Actor: "M1", Action: "editactivity"}); err != nil {
		t.Fatalf("SaveActivity = %v", err)
	}
	after, _ := s.Activity(ctx, "dongan", "A1")
	if after.Title != "Fix lamps" || after.Place != "" || after.Location != nil || after.Team != "" || after.Capacity != 0 ||
		!after.Start.Equal(ed.Start) || after.Code != a.Code || after.Cancelled || after.CreatedBy != "M1" || !after.Created.Equal(a.Created) {
		t.Errorf("Activity after SaveActivity = %+v", after)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 1, time.Time{}); len(log) != 1 || log[0].Object != "A1" || log[0].Action != "editactivity" {
		t.Errorf("audit after SaveActivity = %+v", log)
	}

	// Errors.
	for _, c := range []struct {
		what string
		a    ll.Activity
		want string
	}{
		{"no title", ll.Activity{Community: "dongan", Start: t0, End: t0.Add(time.Hour)}, ll.EINVALID},
		{"end before start", ll.Activity{Community: "dongan", Title: "X", Start: t0, End: t0}, ll.EINVALID},
		{"negative capacity", ll.Activity{Community: "dongan", Title: "X", Start: t0, End: t0.Add(time.Hour), Capacity: -1}, ll.EINVALID},
		{"negative radius", ll.Activity{Community: "dongan", Title: "X", Start: t0, End: t0.Add(time.Hour), RadiusMeters: -5}, ll.EINVALID},
		{"unknown team", ll.Activity{Community: "dongan", Title: "X", Start: t0, End: t0.Add(time.Hour), Team: "T9"}, ll.ENOTFOUND},
		{"malformed team", ll.Activity{Community: "dongan", Title: "X", Start: t0, End: t0.Add(time.Hour), Team: "x"}, ll.ENOTFOUND},
		{"unknown community", ll.Activity{Community: "nowhere", Title: "X", Start: t0, End: t0.Add(time.Hour)}, ll.ENOTFOUND},
	} {
		_, err := s.CreateActivity(ctx, c.a, nil)
		wantCode(t, "CreateActivity("+c.what+")", err, c.want)
	}
	missing := ed
	missing.ID = "A99"
	wantCode(t, "SaveActivity(A99)", s.SaveActivity(ctx, missing, nil), ll.ENOTFOUND)
	for _, id := range []string{"A99", "a1", "P1", "", "A1|x"} {
		_, err := s.Activity(ctx, "dongan", id)
		wantCode(t, "Activity("+id+")", err, ll.ENOTFOUND)
	}
	if as, err := s.Activities(ctx, "nowhere"); err != nil || len(as) != 0 {
		t.Errorf("Activities(unknown community) = %v, %v; want none", as, err)
	}
}

func TestCancelActivity(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 3)
	a := newActivity(t, s, "dongan", t0.Add(24*time.Hour), 0)
	for _, m := range []ll.Member{ms[2], ms[0]} {
		if _, _, err := s.SignUp(ctx, "dongan", a.ID, m.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	who, changed, err := s.CancelActivity(ctx, "dongan", a.ID, "rain", &ll.AuditEntry{Actor: "M1", Action: "cancelactivity"})
	if err != nil || !changed || !slices.Equal(who, []string{ms[2].ID, ms[0].ID}) {
		t.Errorf("CancelActivity = %v, %v, %v; want [M3 M1], true", who, changed, err)
	}
	got, _ := s.Activity(ctx, "dongan", a.ID)
	if !got.Cancelled || got.CancelReason != "rain" || got.Signups != 2 || got.Code != a.Code {
		t.Errorf("Activity after cancel = %+v", got)
	}
	who, changed, err = s.CancelActivity(ctx, "dongan", a.ID, "again", &ll.AuditEntry{Actor: "M1", Action: "cancelactivity"})
	if err != nil || changed || who != nil {
		t.Errorf("CancelActivity again = %v, %v, %v; want a no-op", who, changed, err)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 0, time.Time{}); len(log) != 1 || log[0].Object != a.ID {
		t.Errorf("audit log = %+v, want one entry on %s", log, a.ID)
	}
	_, _, err = s.SignUp(ctx, "dongan", a.ID, ms[1].ID, t0)
	wantConflict(t, "SignUp(cancelled)", err, "cancelled")
	_, _, err = s.CancelActivity(ctx, "dongan", "A9", "", nil)
	wantCode(t, "CancelActivity(A9)", err, ll.ENOTFOUND)
}

func TestSignUp(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 4)
	a := newActivity(t, s, "dongan", t0.Add(time.Hour), 2)

	got, changed, err := s.SignUp(ctx, "dongan", a.ID, ms[0].ID, t0)
	if err != nil || !changed || got.Signups != 1 || got.ID != a.ID {
		t.Errorf("SignUp = %+v, %v, %v; want 1 sign-up", got, changed, err)
	}
	got, changed, err = s.SignUp(ctx, "dongan", a.ID, ms[0].ID, t0)
	if err != nil || changed || got.Signups != 1 {
		t.Errorf("SignUp again = %d, %v, %v; want a no-op", got.Signups, changed, err)
	}
	if _, _, err := s.SignUp(ctx, "dongan", a.ID, ms[1].ID, t0); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SignUp(ctx, "dongan", a.ID, ms[2].ID, t0)
	if !errors.Is(err, ll.ErrFull) {
		t.Errorf("SignUp beyond capacity = %v, want ErrFull", err)
	}
	if changed, err := s.Withdraw(ctx, "dongan", a.ID, ms[0].ID); err != nil || !changed {
		t.Errorf("Withdraw = %v, %v", changed, err)
	}
	if changed, err := s.Withdraw(ctx, "dongan", a.ID, ms[0].ID); err != nil || changed {
		t.Errorf("Withdraw again = %v, %v; want a no-op", changed, err)
	}
	if _, _, err := s.SignUp(ctx, "dongan", a.ID, ms[2].ID, t0); err != nil {
		t.Errorf("SignUp after a withdrawal = %v", err)
	}
	if who, err := s.SignedUp(ctx, "dongan", a.ID); err != nil || !slices.Equal(who, []string{ms[1].ID, ms[2].ID}) {
		t.Errorf("SignedUp = %v, %v; want [M2 M3]", who, err)
	}

	// Ended activities take no sign-ups; one that started does.
	_, _, err = s.SignUp(ctx, "dongan", a.ID, ms[3].ID, a.End.Add(time.Millisecond))
	wantConflict(t, "SignUp after the end", err, "ended")
	open := newActivity(t, s, "dongan", t0, 0)
	if _, _, err := s.SignUp(ctx, "dongan", open.ID, ms[3].ID, open.End); err != nil {
		t.Errorf("SignUp at the end = %v", err)
	}

	if err := s.RemoveMember(ctx, "dongan", ms[3].ID, t0, nil); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SignUp(ctx, "dongan", a.ID, ms[3].ID, t0)
	wantCode(t, "SignUp(member who left)", err, ll.ENOTMEMBER)
	_, _, err = s.SignUp(ctx, "dongan", "A9", ms[0].ID, t0)
	wantCode(t, "SignUp(unknown activity)", err, ll.ENOTFOUND)
	_, _, err = s.SignUp(ctx, "dongan", a.ID, "M99", t0)
	wantCode(t, "SignUp(unknown member)", err, ll.ENOTFOUND)
	_, err = s.Withdraw(ctx, "dongan", "A9", ms[0].ID)
	wantCode(t, "Withdraw(unknown activity)", err, ll.ENOTFOUND)
	_, err = s.SignedUp(ctx, "dongan", "A9")
	wantCode(t, "SignedUp(unknown activity)", err, ll.ENOTFOUND)
}

// TestSignUpRace signs 200 members up at once for an activity with room for 30.
func TestSignUpRace(t *testing.T) {
	t.Parallel()
	const n, capacity = 200, 30
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", n)
	a := newActivity(t, s, "dongan", t0.Add(time.Hour), capacity)
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		ok, full   int
		unexpected []error
	)
	for _, m := range ms {
		wg.Go(func() {
			_, changed, err := s.SignUp(ctx, "dongan", a.ID, m.ID, t0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && changed:
				ok++
			case errors.Is(err, ll.ErrFull):
				full++
			default:
				unexpected = append(unexpected, err)
			}
		})
	}
	wg.Wait()
	if ok != capacity || full != n-capacity || len(unexpected) > 0 {
		t.Errorf("%d concurrent sign-ups: %d signed up, %d full, unexpected %v; want %d and %d", n, ok, full, unexpected, capacity, n-capacity)
	}
	who, _ := s.SignedUp(ctx, "dongan", a.ID)
	got, _ := s.Activity(ctx, "dongan", a.ID)
	if len(who) != capacity || got.Signups != capacity {
		t.Errorf("after the race: %d signed up, Signups %d; want %d", len(who), got.Signups, capacity)
	}
}

// wantConflict expects an ECONFLICT error with that detail.
func wantConflict(t testing.TB, what string, err error, detail string) {
	t.Helper()
	wantError(t, what, err, ll.ECONFLICT, detail)
}

// wantError expects an error with that code and detail.
func wantError(t testing.TB, what string, err error, code, detail string) {
	t.Helper()
	var e *ll.Error
	if !errors.As(err, &e) || e.Code != code || e.Detail != detail {
		t.Errorf("%s: error %v, want code %q detail %q", what, err, code, detail)
	}
}

// TestLeavingWithdrawsFutureSignups: a member who is removed or forgotten is
// taken off the sign-up lists of activities that have not started; past
// sign-ups stay as the record of who was expected.
func TestLeavingWithdrawsFutureSignups(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	past := newActivity(t, s, "dongan", t0, 0)
	future := newActivity(t, s, "dongan", t0.Add(72*time.Hour), 0)
	for _, m := range ms {
		for _, a := range []ll.Activity{past, future} {
			if _, _, err := s.SignUp(ctx, "dongan", a.ID, m.ID, t0.Add(-time.Hour)); err != nil {
				t.Fatalf("SignUp(%s, %s) = %v", a.ID, m.ID, err)
			}
		}
	}
	later := t0.Add(24 * time.Hour)
	if err := s.Forget(ctx, "dongan", ms[0].ID, later, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, "dongan", ms[1].ID, later, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SignedUp(ctx, "dongan", future.ID); err != nil || len(got) != 0 {
		t.Errorf("SignedUp(future) after leaving = %v, %v; want none", got, err)
	}
	if got, err := s.SignedUp(ctx, "dongan", past.ID); err != nil || len(got) != 2 {
		t.Errorf("SignedUp(past) after leaving = %v, %v; want both kept", got, err)
	}
}
