package storage_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// The RFC 6238 test key for HMAC-SHA1 (appendix B): "12345678901234567890".
var rfcSecret = hex.EncodeToString([]byte("12345678901234567890"))

func TestLuaTOTPMatchesGo(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	// RFC 6238 appendix B, SHA1, the last 6 of the 8 digits.
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	} {
		n := ll.CodeStepAt(time.Unix(tc.unix, 0))
		got, err := s.LuaTOTP(ctx, rfcSecret, n)
		if err != nil || got != tc.want {
			t.Errorf("LuaTOTP(RFC key, T=%d) = %q, %v; want %q", tc.unix, got, err, tc.want)
		}
		if g := ll.RotatingCode([]byte("12345678901234567890"), n, ll.CodeDigits); g != tc.want {
			t.Errorf("RotatingCode(RFC key, T=%d) = %q, want %q", tc.unix, g, tc.want)
		}
	}
	// Random secrets (16 to 64 bytes, as storage accepts) and steps.
	for i := range 200 {
		size := 16 + i%49
		key := make([]byte, size)
		rand.Read(key)
		step, _ := rand.Int(rand.Reader, big.NewInt(1<<40))
		n := step.Int64()
		got, err := s.LuaTOTP(ctx, hex.EncodeToString(key), n)
		if want := ll.RotatingCode(key, n, ll.CodeDigits); err != nil || got != want {
			t.Fatalf("LuaTOTP(%x, %d) = %q, %v; want %q", key, n, got, err, want)
		}
	}
}

// newRotating creates a rotating-code activity from start, lasting two
// hours, created by M1 (or by).
func newRotating(t testing.TB, s *storage.Store, community string, start time.Time, by string) (ll.Activity, []byte) {
	t.Helper()
	key := make([]byte, 20)
	rand.Read(key)
	a, err := s.CreateActivity(ctx, ll.Activity{Community: community, Title: "Lamps", Start: start, End: start.Add(2 * time.Hour),
		Mode: ll.CheckInRotating, Secret: hex.EncodeToString(key), CreatedBy: by, Created: t0}, nil)
	if err != nil {
		t.Fatalf("CreateActivity(rotating) = %v", err)
	}
	return a, key
}

func TestRotatingCheckIn(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 6)
	a, key := newRotating(t, s, "dongan", t0, "M6")
	b, keyB := newRotating(t, s, "dongan", t0, "M6")
	n := ll.CodeStepAt(t0) + 10 // a step inside the check-in window
	stepStart := time.Unix(n*30, 0).UTC()
	aCode := ll.RotatingCode(key, n, ll.CodeDigits)
	if aCode == ll.RotatingCode(keyB, n, ll.CodeDigits) {
		t.Skip("the two random secrets share a code at this step") // one in a million
	}
	for _, tc := range []struct {
		name   string
		member string
		code   string
		at     time.Time
		want   string // activity checked in to, "" for a wrong code
	}{
		{"its own step", ms[0].ID, aCode, stepStart.Add(time.Second), a.ID},
		{"the end of its step", ms[1].ID, aCode, stepStart.Add(29999 * time.Millisecond), a.ID},
		{"the next step", ms[2].ID, aCode, stepStart.Add(59 * time.Second), a.ID},
		{"two steps on", ms[3].ID, aCode, stepStart.Add(60 * time.Second), ""},
		{"the step before", ms[3].ID, aCode, stepStart.Add(-time.Second), ""},
		{"another activity's code", ms[4].ID, ll.RotatingCode(keyB, n, ll.CodeDigits), stepStart, b.ID},
		{"its static code", ms[4].ID, a.Code, stepStart, ""},
	} {
		got, changed, err := s.CheckIn(ctx, "dongan", tc.member, byCode(tc.code), tc.at)
		if tc.want == "" {
			if code(err) != ll.EINVALID || ll.ErrorDetail(err) != ll.ReasonCode || changed {
				t.Errorf("%s: CheckIn = %s, %v, %v; want a wrong code", tc.name, got.ID, changed, err)
			}
			continue
		}
		if err != nil || !changed || got.ID != tc.want {
			t.Errorf("%s: CheckIn = %s, %v, %v; want %s recorded", tc.name, got.ID, changed, err, tc.want)
			continue
		}
		ps, err := s.Participations(ctx, "dongan", tc.member)
		if err != nil || len(ps) != 1 || ps[0].Method != ll.MethodRotating || ps[0].Ref != tc.want {
			t.Errorf("%s: Participations = %+v, %v; want one by %s in %s", tc.name, ps, err, ll.MethodRotating, tc.want)
		}
	}
	// The secret is the store's: a member's view strips it elsewhere, but
	// storage reads it back for the committee and the presenter.
	if got, err := s.Activity(ctx, "dongan", a.ID); err != nil || got.Secret != hex.EncodeToString(key) || got.Mode != ll.CheckInRotating {
		t.Errorf("Activity = mode %q secret %q, %v", got.Mode, got.Secret, err)
	}
	// Closed: the code of the last step of the window is refused after it.
	_, closes := a.CheckInWindow()
	last := ll.CodeStepAt(closes)
	late := ll.RotatingCode(key, last, ll.CodeDigits)
	if _, _, err := s.CheckIn(ctx, "dongan", ms[5].ID, byCode(late), closes.Add(time.Millisecond)); code(err) != ll.EINVALID {
		t.Errorf("CheckIn after the window = %v, want a wrong code", err)
	}
	// Cancelled: its codes no longer check anyone in.
	if _, _, err := s.CancelActivity(ctx, "dongan", b.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CheckIn(ctx, "dongan", ms[5].ID, byCode(ll.RotatingCode(keyB, n, ll.CodeDigits)), stepStart); code(err) != ll.EINVALID {
		t.Errorf("CheckIn to a cancelled rotating activity = %v, want a wrong code", err)
	}
}

func TestCheckInModes(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 4)
	a, key := newRotating(t, s, "dongan", t0, "M4")
	// Static: the static code works, the rotating one does not.
	a.Mode = ll.CheckInStatic
	if err := s.SaveActivity(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CheckIn(ctx, "dongan", ms[0].ID, byCode(ll.CodeAt(key, t0)), t0); code(err) != ll.EINVALID {
		t.Errorf("rotating code of a static activity = %v, want a wrong code", err)
	}
	if _, changed, err := s.CheckIn(ctx, "dongan", ms[0].ID, byCode(a.Code), t0); err != nil || !changed {
		t.Errorf("static code = %v, %v", changed, err)
	}
	if ps, _ := s.Participations(ctx, "dongan", ms[0].ID); len(ps) != 1 || ps[0].Method != ll.MethodCode {
		t.Errorf("static check-in = %+v, want method %s", ps, ll.MethodCode)
	}
	// Location only: no code at all.
	a.Mode = ll.CheckInLocation
	if err := s.SaveActivity(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.CheckIn(ctx, "dongan", ms[1].ID, byCode(a.Code), t0)
	if code(err) != ll.EINVALID || ll.ErrorDetail(err) != ll.ReasonLocationOnly || got.ID != a.ID {
		t.Errorf("static code of a location-only activity = %s, %v; want %s", got.ID, err, ll.ReasonLocationOnly)
	}
	if _, _, err := s.CheckIn(ctx, "dongan", ms[1].ID, byCode(ll.CodeAt(key, t0)), t0); code(err) != ll.EINVALID {
		t.Errorf("rotating code of a location-only activity = %v, want refused", err)
	}
	// Back to rotating.
	a.Mode = ll.CheckInRotating
	if err := s.SaveActivity(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if got, changed, err := s.CheckIn(ctx, "dongan", ms[2].ID, byCode(ll.CodeAt(key, t0)), t0); err != nil || !changed || got.ID != a.ID {
		t.Errorf("rotating again = %s, %v, %v", got.ID, changed, err)
	}
	// A rotating activity needs a secret.
	a.Secret = ""
	if err := s.SaveActivity(ctx, a, nil); code(err) != ll.EINVALID {
		t.Errorf("SaveActivity(rotating without secret) = %v, want EINVALID", err)
	}
}

func TestAmbiguousCode(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	// Two activities with the same secret share every code.
	a, key := newRotating(t, s, "dongan", t0, "M2")
	b, err := s.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: "Twin", Start: t0, End: t0.Add(time.Hour),
		Mode: ll.CheckInRotating, Secret: hex.EncodeToString(key), Created: t0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, changed, err := s.CheckIn(ctx, "dongan", ms[0].ID, byCode(ll.CodeAt(key, t0)), t0)
	var amb *ll.AmbiguousCodeError
	if !errors.As(err, &amb) || changed || code(err) != ll.ECONFLICT || ll.ErrorDetail(err) != ll.ReasonAmbiguous ||
		fmt.Sprint(amb.Activities) != fmt.Sprint([]string{a.ID, b.ID}) {
		t.Fatalf("CheckIn(shared code) = %v, %v; want ambiguous between %s and %s", changed, err, a.ID, b.ID)
	}
	if ps, _ := s.Participations(ctx, "dongan", ms[0].ID); len(ps) != 0 {
		t.Errorf("an ambiguous code recorded %+v", ps)
	}
	if left, _ := s.WrongCodesLeft(ctx, "dongan", ms[0].ID, t0); left != ll.MaxWrongCodesPerHour {
		t.Errorf("an ambiguous code counted as wrong: %d left", left)
	}
}

func TestCreatorRule(t *testing.T) {
	t.Parallel()
	prefix := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: prefix})
	newCommunity(t, s, "dongan")
	creator := register(t, s, "dongan", 201, "Creator")
	other := register(t, s, "dongan", 202, "Other")
	a, key := newRotating(t, s, "dongan", t0, creator.ID)
	u := ll.User{TelegramID: 201, Community: "dongan", MemberID: creator.ID}
	got, changed, _, err := s.CheckInAs(ctx, u, byCode(ll.CodeAt(key, t0)), t0)
	if code(err) != ll.EFORBIDDEN || ll.ErrorDetail(err) != ll.ReasonCreator || changed || got.ID != a.ID {
		t.Fatalf("CheckInAs(creator) = %s, %v, %v; want refused by the creator rule", got.ID, changed, err)
	}
	log, err := s.AuditLog(ctx, "dongan", 10, time.Time{})
	if err != nil || len(log) == 0 || log[0].Action != "checkin_refused" || log[0].Actor != creator.ID || log[0].Object != a.ID {
		t.Errorf("AuditLog = %+v, %v; want the refusal audited", log, err)
	}
	// Presenting it themselves changes nothing; someone else presenting it
	// (field pby, which /present sets) lets the creator check in.
	rc := storagetest.Client(t)
	rc.HSet(ctx, prefix+"{c:dongan}:a:"+a.ID, "pby", creator.ID)
	if _, _, _, err := s.CheckInAs(ctx, u, byCode(ll.CodeAt(key, t0)), t0); ll.ErrorDetail(err) != ll.ReasonCreator {
		t.Errorf("CheckInAs(creator, presenting it) = %v, want refused", err)
	}
	if err := rc.HSet(ctx, prefix+"{c:dongan}:a:"+a.ID, "pby", other.ID).Err(); err != nil {
		t.Fatal(err)
	}
	if _, changed, _, err := s.CheckInAs(ctx, u, byCode(ll.CodeAt(key, t0)), t0); err != nil || !changed {
		t.Errorf("CheckInAs(creator, presented by %s) = %v, %v; want recorded", other.ID, changed, err)
	}
}

func TestWrongCodesPerPerson(t *testing.T) {
	t.Parallel()
	prefix := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: prefix})
	newCommunity(t, s, "dongan")
	m := register(t, s, "dongan", 301, "Wang")
	u := ll.User{TelegramID: 301, Community: "dongan", MemberID: m.ID}
	for i := range ll.MaxWrongCodesPerHour {
		if _, _, _, err := s.CheckInAs(ctx, u, byCode("000000"), t0.Add(time.Duration(i)*time.Second)); code(err) != ll.EINVALID {
			t.Fatalf("wrong code %d = %v", i+1, err)
		}
	}
	if left, err := s.PersonWrongCodesLeft(ctx, "dongan", 301, t0.Add(time.Minute)); err != nil || left != 0 {
		t.Errorf("PersonWrongCodesLeft = %d, %v; want 0", left, err)
	}
	// The limit follows the person: the key is the Telegram id's, not the member's.
	if keys := storagetest.Keys(t, storagetest.Client(t), prefix+"{c:dongan}:wrongtg:301"); len(keys) != 1 {
		t.Errorf("keys of the person's wrong codes = %v", keys)
	}
	if left, _ := s.WrongCodesLeft(ctx, "dongan", m.ID, t0.Add(time.Minute)); left != ll.MaxWrongCodesPerHour {
		t.Errorf("member-keyed WrongCodesLeft = %d, want untouched", left)
	}
	_, key := newRotating(t, s, "dongan", t0, "")
	if _, _, _, err := s.CheckInAs(ctx, u, byCode(ll.CodeAt(key, t0.Add(time.Minute))), t0.Add(time.Minute)); code(err) != ll.EFORBIDDEN {
		t.Errorf("right code past the limit = %v, want refused", err)
	}
	// Leaving and joining again (a new member id) changes nothing.
	if err := s.RemoveMember(ctx, "dongan", m.ID, t0.Add(2*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	again := register(t, s, "dongan", 301, "Wang")
	if again.ID == m.ID {
		t.Fatalf("rejoined as %s, want a new member id", again.ID)
	}
	u2 := ll.User{TelegramID: 301, Community: "dongan", MemberID: again.ID}
	at := t0.Add(3 * time.Minute)
	if _, changed, _, err := s.CheckInAs(ctx, u2, byCode(ll.CodeAt(key, at)), at); code(err) != ll.EFORBIDDEN || ll.ErrorDetail(err) != ll.ReasonTooManyCodes || changed {
		t.Errorf("right code after rejoining = %v, %v; want still refused (%s)", changed, err, ll.ReasonTooManyCodes)
	}
	// An hour after the first wrong code the person may try again.
	at = t0.Add(time.Hour + time.Second)
	if _, changed, _, err := s.CheckInAs(ctx, u2, byCode(ll.CodeAt(key, at)), at); err != nil || !changed {
		t.Errorf("right code an hour later = %v, %v; want recorded", changed, err)
	}
}

// TestRotatingCheckInRace: 200 members check in at once with one rotating
// code, each twice and once with a wrong code, through their own membership
// (CheckInAs, the chat's path): exactly one participation each; a wrong code
// records none.
func TestRotatingCheckInRace(t *testing.T) {
	t.Parallel()
	const n = 200
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := make([]ll.Member, n)
	for i := range ms {
		ms[i] = register(t, s, "dongan", int64(50_000+i), "Member")
	}
	a, key := newRotating(t, s, "dongan", t0, "")
	now := t0.Add(10 * time.Minute)
	good := ll.CodeAt(key, now)
	bad := fmt.Sprintf("%06d", (int(good[5]-'0')+1)%10+int(good[0]-'0')*100000)
	var wg sync.WaitGroup
	var recorded, wrong atomic.Int32
	for _, m := range ms {
		for _, c := range []string{good, good, bad} {
			wg.Go(func() {
				u := ll.User{TelegramID: m.TelegramID, Community: "dongan", MemberID: m.ID}
				got, changed, st, err := s.CheckInAs(ctx, u, byCode(c), now)
				switch {
				case c == bad && code(err) == ll.EINVALID:
					wrong.Add(1)
				case c == bad:
					t.Errorf("CheckIn(%s, wrong code) = %s, %v", m.ID, got.ID, err)
				case err != nil || got.ID != a.ID:
					t.Errorf("CheckIn(%s) = %s, %v", m.ID, got.ID, err)
				case changed && st.Total != 1:
					t.Errorf("CheckInAs(%s) standing = %+v, want 1 participation", m.ID, st)
				case changed:
					recorded.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if recorded.Load() != n || wrong.Load() != n {
		t.Errorf("%d check-ins recorded and %d wrong codes refused, want %d and %d", recorded.Load(), wrong.Load(), n, n)
	}
	if ps, err := s.Attendance(ctx, "dongan", a.ID); err != nil || len(ps) != n {
		t.Errorf("Attendance = %d, %v; want %d", len(ps), err, n)
	}
	parts, _, err := s.CommunityLedger(ctx, "dongan")
	if err != nil || len(parts) != n {
		t.Errorf("ledger holds %d participations, %v; want %d", len(parts), err, n)
	}
	for _, p := range parts {
		if p.Method != ll.MethodRotating {
			t.Errorf("participation %+v, want method %s", p, ll.MethodRotating)
		}
	}
}

// TestLuaTOTPOnMiniredis: the demo's in-memory store (miniredis, which has
// no bit library) computes the same codes.
func TestLuaTOTPOnMiniredis(t *testing.T) {
	t.Parallel()
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		t.Fatal(err)
	}
	defer mr.Close()
	s, err := storage.Connect(ctx, storage.Config{URL: "redis://" + mr.Addr() + "/0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 50 {
		key := make([]byte, 16+i%49)
		rand.Read(key)
		n := int64(59_000_000 + i*7919)
		got, err := s.LuaTOTP(ctx, hex.EncodeToString(key), n)
		if want := ll.RotatingCode(key, n, ll.CodeDigits); err != nil || got != want {
			t.Fatalf("miniredis LuaTOTP(%x, %d) = %q, %v; want %q", key, n, got, err, want)
		}
	}
	if got, err := s.LuaTOTP(ctx, rfcSecret, 1); err != nil || got != "287082" {
		t.Errorf("miniredis LuaTOTP(RFC key, T=59) = %q, %v; want 287082", got, err)
	}
	// And the check-in script checks in with it.
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 1)
	a, key := newRotating(t, s, "dongan", t0, "")
	if got, changed, err := s.CheckIn(ctx, "dongan", ms[0].ID, byCode(ll.CodeAt(key, t0)), t0); err != nil || !changed || got.ID != a.ID {
		t.Errorf("miniredis CheckIn(rotating) = %s, %v, %v", got.ID, changed, err)
	}
}
