package storage_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// The compiler checks that *storage.Store is the ledger the handlers need.
var _ app.Store = (*storage.Store)(nil)

func byCode(code string) handlers.CheckIn { return handlers.CheckIn{Code: code, Method: ll.MethodCode} }

// counting returns how many of ps count (are not voided).
func counting(ps []ll.Participation) int {
	n := 0
	for _, p := range ps {
		if !p.Voided {
			n++
		}
	}
	return n
}

func TestCheckInWindow(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 6)
	// 22:00-00:00 in Shanghai on 8 March: the participations are dated 8 March.
	start := time.Date(2025, 3, 8, 14, 0, 0, 0, time.UTC)
	a := newActivity(t, s, "dongan", start, 0)
	opens, closes := a.CheckInWindow()
	for i, c := range []struct {
		at     time.Time
		detail string // "" when the check-in is recorded
	}{
		{opens.Add(-time.Second), "not_open"},
		{opens.Add(-time.Millisecond), "not_open"},
		{opens, ""},
		{closes, ""},
		{closes.Add(time.Millisecond), "not_open"},
		{closes.Add(24 * time.Hour), "not_open"},
	} {
		m := ms[i].ID
		got, changed, err := s.CheckIn(ctx, "dongan", m, byCode(a.Code), c.at)
		if c.detail != "" {
			wantConflict(t, fmt.Sprintf("CheckIn at %v", c.at), err, c.detail)
			if got.ID != a.ID || !got.Start.Equal(a.Start) || changed {
				t.Errorf("CheckIn at %v = %+v, %v; want the activity with the error", c.at, got, changed)
			}
			continue
		}
		if err != nil || !changed || got.ID != a.ID || got.Code != a.Code {
			t.Errorf("CheckIn at %v = %s, %v, %v; want %s recorded", c.at, got.ID, changed, err, a.ID)
		}
		ps, err := s.Participations(ctx, "dongan", m)
		want := ll.Participation{Community: "dongan", Member: m, Kind: ll.KindActivity, Ref: a.ID, Title: a.Title,
			Date: "2025-03-08", Method: ll.MethodCode, At: c.at}
		if err != nil || len(ps) != 1 || ps[0] != want {
			t.Errorf("Participations(%s) = %+v, %v\nwant [%+v]", m, ps, err, want)
		}
	}
}

func TestCheckIn(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 4)
	a := newActivity(t, s, "dongan", t0, 1)
	if _, _, err := s.SignUp(ctx, "dongan", a.ID, ms[1].ID, t0); err != nil {
		t.Fatal(err)
	}

	// Sign-up is not required; a repeat changes nothing.
	got, changed, err := s.CheckIn(ctx, "dongan", ms[0].ID, handlers.CheckIn{Code: " " + a.Code + " "}, t0)
	if err != nil || !changed || got.ID != a.ID || got.Signups != 1 {
		t.Fatalf("CheckIn = %+v, %v, %v", got, changed, err)
	}
	got, changed, err = s.CheckIn(ctx, "dongan", ms[0].ID, byCode(a.Code), t0.Add(time.Minute))
	if err != nil || changed || got.ID != a.ID {
		t.Errorf("CheckIn again = %s, %v, %v; want the same activity, unchanged", got.ID, changed, err)
	}
	// Double taps: many at once, one participation.
	var wg sync.WaitGroup
	var recorded atomic.Int32
	for range 30 {
		wg.Go(func() {
			_, changed, err := s.CheckIn(ctx, "dongan", ms[1].ID, byCode(a.Code), t0)
			if err != nil {
				t.Errorf("concurrent CheckIn = %v", err)
			}
			if changed {
				recorded.Add(1)
			}
		})
	}
	wg.Wait()
	if recorded.Load() != 1 {
		t.Errorf("30 concurrent check-ins of one member recorded %d, want 1", recorded.Load())
	}
	for _, m := range ms[:2] {
		if ps, _ := s.Participations(ctx, "dongan", m.ID); len(ps) != 1 {
			t.Errorf("Participations(%s) = %+v, want one", m.ID, ps)
		}
	}
	if ps, err := s.Attendance(ctx, "dongan", a.ID); err != nil || len(ps) != 2 || ps[0].Member != ms[0].ID || ps[1].Member != ms[1].ID ||
		ps[0].Ref != a.ID || ps[0].Title != a.Title || ps[0].Date != "2025-03-01" || ps[0].Method != ll.MethodCode || !ps[0].At.Equal(t0) {
		t.Errorf("Attendance = %+v, %v; want M1 and M2 by code", ps, err)
	}

	// Location check-ins need an activity with a location.
	_, _, err = s.CheckIn(ctx, "dongan", ms[2].ID, handlers.CheckIn{ActivityID: a.ID, Method: ll.MethodLocation}, t0)
	wantError(t, "CheckIn(location, activity without one)", err, ll.EINVALID, ll.ReasonLocation)
	at := a
	at.Location = &ll.GeoPoint{Latitude: 41.8, Longitude: 123.4}
	if err := s.SaveActivity(ctx, at, nil); err != nil {
		t.Fatal(err)
	}
	if _, changed, err := s.CheckIn(ctx, "dongan", ms[2].ID, handlers.CheckIn{ActivityID: a.ID}, t0); err != nil || !changed {
		t.Errorf("CheckIn(location) = %v, %v", changed, err)
	}
	if ps, _ := s.Participations(ctx, "dongan", ms[2].ID); len(ps) != 1 || ps[0].Method != ll.MethodLocation || ps[0].VerifiedBy != "" {
		t.Errorf("Participations after a location check-in = %+v", ps)
	}
	_, changed, err = s.CheckIn(ctx, "dongan", ms[2].ID, byCode(a.Code), t0)
	if err != nil || changed {
		t.Errorf("CheckIn by code after location = %v, %v; want unchanged", changed, err)
	}

	// Bad requests.
	for _, c := range []struct {
		what   string
		member string
		in     handlers.CheckIn
		code   string
		detail string
	}{
		{"neither", ms[3].ID, handlers.CheckIn{}, ll.EINVALID, "checkin"},
		{"both", ms[3].ID, handlers.CheckIn{Code: a.Code, ActivityID: a.ID}, ll.EINVALID, "checkin"},
		{"code with method location", ms[3].ID, handlers.CheckIn{Code: a.Code, Method: ll.MethodLocation}, ll.EINVALID, "method"},
		{"activity with method code", ms[3].ID, handlers.CheckIn{ActivityID: a.ID, Method: ll.MethodCode}, ll.EINVALID, "method"},
		{"unknown activity", ms[3].ID, handlers.CheckIn{ActivityID: "A9"}, ll.ENOTFOUND, "activity"},
		{"unknown member", "M99", byCode(a.Code), ll.ENOTFOUND, "member"},
	} {
		_, _, err := s.CheckIn(ctx, "dongan", c.member, c.in, t0)
		wantError(t, "CheckIn("+c.what+")", err, c.code, c.detail)
	}
	if err := s.RemoveMember(ctx, "dongan", ms[3].ID, t0, nil); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.CheckIn(ctx, "dongan", ms[3].ID, byCode(a.Code), t0)
	wantCode(t, "CheckIn(member who left)", err, ll.ENOTMEMBER)

	// A cancelled activity refuses check-ins, by code and by location.
	b := newActivity(t, s, "dongan", t0, 0)
	if _, _, err := s.CancelActivity(ctx, "dongan", b.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	got, _, err = s.CheckIn(ctx, "dongan", ms[0].ID, byCode(b.Code), t0)
	wantConflict(t, "CheckIn(cancelled, code)", err, "cancelled")
	if got.ID != b.ID || !got.Cancelled {
		t.Errorf("CheckIn(cancelled) returned %+v, want the cancelled activity", got)
	}
	_, _, err = s.CheckIn(ctx, "dongan", ms[0].ID, handlers.CheckIn{ActivityID: b.ID}, t0)
	wantConflict(t, "CheckIn(cancelled, location)", err, "cancelled")
	if ps, _ := s.Participations(ctx, "dongan", ms[0].ID); len(ps) != 1 {
		t.Errorf("participations after refused check-ins = %+v, want one", ps)
	}
}

// TestCheckInRace checks 500 members in to one activity at once, twice.
func TestCheckInRace(t *testing.T) {
	t.Parallel()
	const n = 500
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", n)
	a := newActivity(t, s, "dongan", t0, 10)
	for round := range 2 {
		var wg sync.WaitGroup
		var recorded atomic.Int32
		for _, m := range ms {
			wg.Go(func() {
				got, changed, err := s.CheckIn(ctx, "dongan", m.ID, byCode(a.Code), t0)
				if err != nil || got.ID != a.ID {
					t.Errorf("CheckIn(%s) = %s, %v", m.ID, got.ID, err)
				}
				if changed {
					recorded.Add(1)
				}
			})
		}
		wg.Wait()
		want := int32(n)
		if round > 0 {
			want = 0
		}
		if recorded.Load() != want {
			t.Errorf("round %d: %d check-ins recorded, want %d", round+1, recorded.Load(), want)
		}
		parts, _, err := s.CommunityLedger(ctx, "dongan")
		if err != nil || len(parts) != n || counting(parts) != n {
			t.Errorf("round %d: ledger holds %d participations (%d counting), %v; want %d", round+1, len(parts), counting(parts), err, n)
		}
		if ps, _ := s.Attendance(ctx, "dongan", a.ID); len(ps) != n {
			t.Errorf("round %d: Attendance = %d members, want %d", round+1, len(ps), n)
		}
	}
}

// TestWrongCodes drives the limit of 5 wrong codes an hour with an injected clock.
func TestWrongCodes(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	m := ms[0].ID
	a := newActivity(t, s, "dongan", t0.Add(30*time.Minute), 0) // window t0 .. t0+4h30
	wrong := "000000"
	if wrong == a.Code {
		wrong = "000001"
	}
	if left, err := s.WrongCodesLeft(ctx, "dongan", m, t0); err != nil || left != ll.MaxWrongCodesPerHour {
		t.Errorf("WrongCodesLeft before any = %d, %v; want %d", left, err, ll.MaxWrongCodesPerHour)
	}
	for i, c := range []string{wrong, "abc", "", "1234567", wrong} {
		in := byCode(c)
		if c == "" {
			in = byCode("  x ")
		}
		_, _, err := s.CheckIn(ctx, "dongan", m, in, t0.Add(time.Duration(i)*time.Minute))
		wantError(t, fmt.Sprintf("wrong code #%d (%q)", i+1, c), err, ll.EINVALID, "code")
	}
	for _, c := range []struct {
		at   time.Duration
		want int
	}{{5 * time.Minute, 0}, {time.Hour, 1}, {time.Hour + 2*time.Minute, 3}, {time.Hour + 4*time.Minute, 5}} {
		if left, err := s.WrongCodesLeft(ctx, "dongan", m, t0.Add(c.at)); err != nil || left != c.want {
			t.Errorf("WrongCodesLeft at t0%+v = %d, %v; want %d", c.at, left, err, c.want)
		}
	}
	for _, at := range []time.Duration{5 * time.Minute, time.Hour - time.Millisecond} {
		_, _, err := s.CheckIn(ctx, "dongan", m, byCode(a.Code), t0.Add(at))
		wantError(t, fmt.Sprintf("right code %v after 5 wrong ones", at), err, ll.EFORBIDDEN, "too_many_codes")
	}
	// Another member is not held back.
	if _, changed, err := s.CheckIn(ctx, "dongan", ms[1].ID, byCode(a.Code), t0.Add(5*time.Minute)); err != nil || !changed {
		t.Errorf("CheckIn of another member = %v, %v", changed, err)
	}
	// A location check-in sends no code: the limit does not apply.
	la, err := s.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: "Patrol", Start: t0, End: t0.Add(time.Hour),
		Location: &ll.GeoPoint{Latitude: 41.8, Longitude: 123.4}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, changed, err := s.CheckIn(ctx, "dongan", m, handlers.CheckIn{ActivityID: la.ID}, t0.Add(5*time.Minute)); err != nil || !changed {
		t.Errorf("CheckIn(location) after 5 wrong codes = %v, %v", changed, err)
	}
	// An hour after the first wrong code, one more try is allowed.
	if _, changed, err := s.CheckIn(ctx, "dongan", m, byCode(a.Code), t0.Add(time.Hour)); err != nil || !changed {
		t.Errorf("CheckIn an hour after the first wrong code = %v, %v; want recorded", changed, err)
	}
	_, _, err = s.CheckIn(ctx, "dongan", m, byCode(wrong), t0.Add(time.Hour))
	wantError(t, "a wrong code an hour later", err, ll.EINVALID, "code")
	_, _, err = s.CheckIn(ctx, "dongan", m, byCode(a.Code), t0.Add(time.Hour+time.Second))
	wantError(t, "the right code after the new wrong one", err, ll.EFORBIDDEN, "too_many_codes")
	// Two hours on, every wrong code has expired.
	if _, changed, err := s.CheckIn(ctx, "dongan", m, byCode(a.Code), t0.Add(2*time.Hour+time.Minute)); err != nil || changed {
		t.Errorf("CheckIn two hours later = %v, %v; want the repeat, unchanged", changed, err)
	}
}

func TestAttendAndVoid(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 3)
	sec, m, other := ms[0].ID, ms[1].ID, ms[2].ID
	a := newActivity(t, s, "dongan", t0, 0)
	log := func() []ll.AuditEntry { l, _ := s.AuditLog(ctx, "dongan", 0, time.Time{}); return l }

	at := t0.Add(3 * time.Hour)
	changed, err := s.Attend(ctx, "dongan", a.ID, m, sec, "came late, phone flat", at, &ll.AuditEntry{Actor: sec, Action: "attend"})
	if err != nil || !changed {
		t.Fatalf("Attend = %v, %v", changed, err)
	}
	ps, _ := s.Participations(ctx, "dongan", m)
	want := ll.Participation{Community: "dongan", Member: m, Kind: ll.KindActivity, Ref: a.ID, Title: a.Title, Date: "2025-03-01",
		Method: ll.MethodManual, VerifiedBy: sec, At: at, Note: "came late, phone flat"}
	if len(ps) != 1 || ps[0] != want {
		t.Errorf("Participations after Attend = %+v\nwant [%+v]", ps, want)
	}
	if l := log(); len(l) != 1 || l[0].Action != "attend" || l[0].Object != a.ID+"/"+m || !l[0].Time.Equal(at) {
		t.Errorf("audit after Attend = %+v", l)
	}
	// Already counted: by hand again, or a check-in.
	if changed, err := s.Attend(ctx, "dongan", a.ID, m, sec, "", at, &ll.AuditEntry{Actor: sec, Action: "attend"}); err != nil || changed {
		t.Errorf("Attend again = %v, %v; want a no-op", changed, err)
	}
	if _, changed, err := s.CheckIn(ctx, "dongan", m, byCode(a.Code), t0); err != nil || changed {
		t.Errorf("CheckIn after Attend = %v, %v; want unchanged", changed, err)
	}
	if len(log()) != 1 {
		t.Errorf("audit after no-ops = %+v, want one entry", log())
	}

	// Void, then record again by check-in: both stay in the ledger.
	vat := t0.Add(4 * time.Hour)
	if err := s.Void(ctx, "dongan", a.ID, m, sec, "was not there", vat, &ll.AuditEntry{Actor: sec, Action: "void"}); err != nil {
		t.Fatalf("Void = %v", err)
	}
	ps, _ = s.Participations(ctx, "dongan", m)
	want.Voided, want.VoidedBy, want.VoidReason = true, sec, "was not there"
	want.VoidedAt = vat
	if len(ps) != 1 || ps[0] != want {
		t.Errorf("Participations after Void = %+v\nwant [%+v]", ps, want)
	}
	if l := log(); len(l) != 2 || l[0].Action != "void" || l[0].Object != a.ID+"/"+m {
		t.Errorf("audit after Void = %+v", l)
	}
	if ps, _ := s.Attendance(ctx, "dongan", a.ID); len(ps) != 0 {
		t.Errorf("Attendance after Void = %+v, want none", ps)
	}
	err = s.Void(ctx, "dongan", a.ID, m, sec, "again", vat, nil)
	wantError(t, "Void again", err, ll.ENOTFOUND, "participation")
	// SPEC §9 (part two wins): a void sticks. A check-in again is refused,
	// and so is the voider's entry, until someone else re-admits the member.
	_, _, err = s.CheckIn(ctx, "dongan", m, byCode(a.Code), t0.Add(time.Hour))
	wantConflict(t, "CheckIn after Void", err, "voided")
	_, err = s.Attend(ctx, "dongan", a.ID, m, sec, "", vat, nil)
	wantError(t, "Attend by the voider", err, ll.EFORBIDDEN, ll.ReasonVoider)
	if changed, err := s.Attend(ctx, "dongan", a.ID, m, other, "", vat, nil); err != nil || !changed {
		t.Errorf("Attend (re-admitted by another) after Void = %v, %v; want recorded", changed, err)
	}
	if err := s.Void(ctx, "dongan", a.ID, m, sec, "twice", vat, nil); err != nil {
		t.Errorf("Void of the new entry = %v", err)
	}
	if changed, err := s.Attend(ctx, "dongan", a.ID, m, other, "", vat, nil); err != nil || !changed {
		t.Errorf("Attend after two voids = %v, %v", changed, err)
	}
	ps, _ = s.Participations(ctx, "dongan", m)
	if len(ps) != 3 || counting(ps) != 1 {
		t.Errorf("Participations = %+v, want 3 of which 1 counts", ps)
	}

	// Errors.
	_, err = s.Attend(ctx, "dongan", "A9", other, sec, "", at, nil)
	wantCode(t, "Attend(unknown activity)", err, ll.ENOTFOUND)
	_, err = s.Attend(ctx, "dongan", a.ID, "M99", sec, "", at, nil)
	wantCode(t, "Attend(unknown member)", err, ll.ENOTFOUND)
	_, err = s.Attend(ctx, "dongan", a.ID, other, "", "", at, nil)
	wantCode(t, "Attend(no verifier)", err, ll.EINVALID)
	_, err = s.Attend(ctx, "dongan", a.ID, other, sec, "", t0.Add(-31*time.Minute), nil)
	wantConflict(t, "Attend before the window", err, "not_open")
	future := newActivity(t, s, "dongan", t0.Add(48*time.Hour), 0)
	if _, _, err := s.CancelActivity(ctx, "dongan", future.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.Attend(ctx, "dongan", future.ID, other, sec, "", future.Start, nil)
	wantConflict(t, "Attend(cancelled)", err, "cancelled")
	wantError(t, "Void(nothing recorded)", s.Void(ctx, "dongan", a.ID, other, sec, "x", vat, nil), ll.ENOTFOUND, "participation")
	wantError(t, "Void(no reason)", s.Void(ctx, "dongan", a.ID, m, sec, " ", vat, nil), ll.EINVALID, "reason")
	wantCode(t, "Void(P1)", s.Void(ctx, "dongan", "P1", m, sec, "x", vat, nil), ll.ENOTFOUND)
	wantCode(t, "Void(unknown member)", s.Void(ctx, "dongan", a.ID, "M99", sec, "x", vat, nil), ll.ENOTFOUND)

	// A member who left may be entered by hand, a forgotten one not.
	if err := s.RemoveMember(ctx, "dongan", other, t0, nil); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.Attend(ctx, "dongan", a.ID, other, sec, "", at, nil); err != nil || !changed {
		t.Errorf("Attend(member who left) = %v, %v", changed, err)
	}
	if err := s.Forget(ctx, "dongan", m, t0, nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.Attend(ctx, "dongan", future.ID, m, sec, "", at, nil)
	wantCode(t, "Attend(forgotten member)", err, ll.ENOTMEMBER)
}

// TestLedgerAfterForget checks that forgetting a member keeps the
// community's totals.
func TestLedgerAfterForget(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 3)
	a := newActivity(t, s, "dongan", t0, 0)
	p := newPost(t, s, "dongan", 0)
	for _, m := range ms {
		if _, _, err := s.CheckIn(ctx, "dongan", m.ID, byCode(a.Code), t0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[1].ID, Text: "Fixed 32 lamps", Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Decide(ctx, "dongan", r.ID, true, ms[0].ID, "", t0, nil); err != nil {
		t.Fatal(err)
	}
	before, claims, err := s.CommunityLedger(ctx, "dongan")
	if err != nil || len(before) != 4 || len(claims) != 3 {
		t.Fatalf("CommunityLedger = %d participations, %d claims, %v; want 4 and 3", len(before), len(claims), err)
	}
	if err := s.Forget(ctx, "dongan", ms[1].ID, t0.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	after, claims, err := s.CommunityLedger(ctx, "dongan")
	if err != nil || len(after) != len(before) || counting(after) != counting(before) {
		t.Errorf("CommunityLedger after Forget = %d participations (%d counting), %v; want %d", len(after), counting(after), err, len(before))
	}
	for i := range after {
		if after[i] != before[i] {
			t.Errorf("participation %d after Forget = %+v, want %+v", i, after[i], before[i])
		}
	}
	released := 0
	for _, c := range claims {
		if c.Member == ms[1].ID && !c.Released.IsZero() {
			released++
		}
	}
	if len(claims) != 3 || released != 1 {
		t.Errorf("claims after Forget = %+v, want 3 with %s's released", claims, ms[1].ID)
	}
}

// TestCommunityLedger reads a ledger larger than one batch.
func TestCommunityLedger(t *testing.T) {
	t.Parallel()
	const n = 2100
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", n)
	a := newActivity(t, s, "dongan", t0, 0)
	b := newActivity(t, s, "dongan", t0.Add(24*time.Hour), 0)
	p := newPost(t, s, "dongan", 0)
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() {
			if i%2 == 0 {
				if _, _, err := s.CheckIn(ctx, "dongan", m.ID, byCode(a.Code), t0); err != nil {
					t.Error(err)
				}
			}
			if i%3 == 0 {
				if _, err := s.Attend(ctx, "dongan", b.ID, m.ID, "M1", "", b.Start, nil); err != nil {
					t.Error(err)
				}
			}
			if i%5 == 0 {
				if _, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	parts, claims, err := s.CommunityLedger(ctx, "dongan")
	if err != nil {
		t.Fatal(err)
	}
	wantParts, wantClaims := (n+1)/2+(n+2)/3, (n+4)/5
	if len(parts) != wantParts || len(claims) != wantClaims {
		t.Errorf("CommunityLedger = %d participations, %d claims; want %d and %d", len(parts), len(claims), wantParts, wantClaims)
	}
	for i := 1; i < len(parts); i++ {
		if x, y := parts[i-1], parts[i]; x.Member == y.Member && x.Date > y.Date {
			t.Errorf("participations of %s out of date order: %s before %s", x.Member, x.Date, y.Date)
		}
	}
	last := parts[len(parts)-1]
	if last.Member != ms[n-1].ID && last.Member != ms[n-2].ID {
		t.Errorf("last participation belongs to %s, want one of the last members", last.Member)
	}
	if ps, _, err := s.CommunityLedger(ctx, "nowhere"); err != nil || len(ps) != 0 {
		t.Errorf("CommunityLedger(unknown community) = %d, %v", len(ps), err)
	}
	_, err = s.Participations(ctx, "dongan", "M99999")
	wantCode(t, "Participations(unknown member)", err, ll.ENOTFOUND)
	if ps, err := s.Participations(ctx, "dongan", ms[1].ID); err != nil || len(ps) != 0 {
		t.Errorf("Participations(member without any) = %v, %v; want none", ps, err)
	}
}
