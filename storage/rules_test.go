package storage_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestDecideByThePerson: the decide script refuses a decision by any
// membership of the author's person (the same Telegram id), not only by the
// author's member id, also when the app's check is bypassed.
func TestDecideByThePerson(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms, err := s.ImportMembers(ctx, "dongan", []ll.Member{{TelegramID: 11, Name: "Wei"}, {TelegramID: 12, Name: "Min"}}, t0, nil)
	if err != nil {
		t.Fatalf("ImportMembers = %v", err)
	}
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[0].ID, Text: "Fixed the gate", Created: t0})
	if err != nil {
		t.Fatalf("LogService = %v", err)
	}
	// Wei leaves and comes back as a new member.
	if err := s.RemoveMember(ctx, "dongan", ms[0].ID, t0, nil); err != nil {
		t.Fatalf("RemoveMember = %v", err)
	}
	again, err := s.ImportMembers(ctx, "dongan", []ll.Member{{TelegramID: 11, Name: "Wei"}}, t0, nil)
	if err != nil {
		t.Fatalf("ImportMembers(again) = %v", err)
	}
	ms = append(ms, again[0])
	for _, by := range []string{ms[0].ID, ms[2].ID, "tg:11"} {
		_, _, err := s.Decide(ctx, "dongan", r.ID, true, by, "", t0, nil)
		if ll.ErrorCode(err) != ll.EFORBIDDEN || ll.ErrorDetail(err) != ll.ReasonSelf {
			t.Errorf("Decide(%s by %s) = %v, want EFORBIDDEN self", r.ID, by, err)
		}
	}
	if _, changed, err := s.Decide(ctx, "dongan", r.ID, true, ms[1].ID, "", t0, nil); err != nil || !changed {
		t.Fatalf("Decide(%s by %s) = %v, %v, want approved", r.ID, ms[1].ID, changed, err)
	}
}

// TestActivityTimeStaysAfterCheckIn: SaveActivity refuses a new start or end
// once anyone checked in, in the script the check-ins run in.
func TestActivityTimeStaysAfterCheckIn(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 1)
	a := newActivity(t, s, "dongan", t0, 0)
	moved := a
	moved.Start, moved.End = a.Start.Add(time.Hour), a.End.Add(time.Hour)
	if err := s.SaveActivity(ctx, moved, nil); err != nil {
		t.Fatalf("SaveActivity(moved, nobody checked in) = %v", err)
	}
	if _, _, err := s.CheckIn(ctx, "dongan", ms[0].ID, byCode(a.Code), moved.Start); err != nil {
		t.Fatalf("CheckIn = %v", err)
	}
	for _, change := range []func(*ll.Activity){
		func(x *ll.Activity) { x.Start, x.End = x.Start.Add(-24*time.Hour), x.End.Add(-24*time.Hour) },
		func(x *ll.Activity) { x.End = x.End.Add(time.Hour) },
	} {
		b := moved
		change(&b)
		err := s.SaveActivity(ctx, b, nil)
		if ll.ErrorCode(err) != ll.ECONFLICT || ll.ErrorDetail(err) != ll.ReasonCheckedIn {
			t.Errorf("SaveActivity(%v–%v after a check-in) = %v, want ECONFLICT checked_in", b.Start, b.End, err)
		}
	}
	titled := moved
	titled.Title = "New title"
	if err := s.SaveActivity(ctx, titled, nil); err != nil {
		t.Errorf("SaveActivity(title after a check-in) = %v", err)
	}
	ps, err := s.Participations(ctx, "dongan", ms[0].ID)
	if err != nil || len(ps) != 1 || ps[0].Date != moved.Start.In(shanghai(t)).Format(time.DateOnly) {
		t.Errorf("Participations = %+v, %v; want one dated on the start", ps, err)
	}
}

func shanghai(t *testing.T) *time.Location {
	l, err := time.LoadLocation(ll.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestPendingServicesBoundedPerMember: at most MaxPendingServices records of
// one member await a decision, under concurrency; a decision frees a place.
func TestPendingServicesBoundedPerMember(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	var wg sync.WaitGroup
	var ok, full atomic.Int32
	for range ll.MaxPendingServices + 10 {
		wg.Go(func() {
			_, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[0].ID, Text: "Swept the yard", Created: t0})
			switch {
			case err == nil:
				ok.Add(1)
			case ll.ErrorCode(err) == ll.EFULL && ll.ErrorDetail(err) == ll.ReasonTooManyPending:
				full.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != ll.MaxPendingServices || full.Load() != 10 {
		t.Fatalf("LogService x%d = %d stored, %d refused; want %d and 10", ll.MaxPendingServices+10, ok.Load(), full.Load(), ll.MaxPendingServices)
	}
	// Another member is not limited by the first; a decision frees a place.
	if _, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[1].ID, Text: "Visited Mrs Wang", Created: t0}); err != nil {
		t.Fatalf("LogService(other member) = %v", err)
	}
	if _, _, err := s.Decide(ctx, "dongan", "S1", false, ms[1].ID, "duplicate", t0, nil); err != nil {
		t.Fatalf("Decide(S1) = %v", err)
	}
	if _, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[0].ID, Text: "Swept the yard", Created: t0}); err != nil {
		t.Fatalf("LogService after a decision = %v", err)
	}
	_, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[0].ID, Text: "Swept the yard", Created: t0})
	wantError(t, "LogService(21st)", err, ll.EFULL, ll.ReasonTooManyPending)
}

// TestClaimHistoryBounded: claiming and releasing over and over keeps the
// newest ReleasedClaimsKept claims that no total counts; a claim held across
// a year's end stays, and the totals do not change.
func TestClaimHistoryBounded(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	m := importMembers(t, s, "dongan", 1)[0].ID
	p := newPost(t, s, "dongan", 0)
	q := newPost(t, s, "dongan", 0)
	across := time.Date(2024, 12, 20, 9, 0, 0, 0, time.UTC)
	if _, _, err := s.Claim(ctx, "dongan", q.ID, m, across); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Unclaim(ctx, "dongan", q.ID, m, across.AddDate(0, 0, 60)); err != nil { // 18 Feb 2025
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	n := storage.ReleasedClaimsKept + 30
	for i := range n {
		c := at.Add(time.Duration(i) * time.Hour)
		if _, _, err := s.Claim(ctx, "dongan", p.ID, m, c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Unclaim(ctx, "dongan", p.ID, m, c.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.ClaimsOf(ctx, "dongan", m)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != storage.ReleasedClaimsKept+1 || cs[0].Post != q.ID {
		t.Fatalf("ClaimsOf = %d claims (first %+v), want %d with the claim across 2024's end first", len(cs), cs[0], storage.ReleasedClaimsKept+1)
	}
	if last := cs[len(cs)-1]; !last.Claimed.Equal(at.Add(time.Duration(n-1) * time.Hour)) {
		t.Errorf("newest claim kept = %+v, want the last one", last)
	}
	loc := shanghai(t)
	if got := ll.PostsHeldAt(cs, ll.YearEnd(2024, loc)); got != 1 {
		t.Errorf("posts held at the end of 2024 = %d, want 1", got)
	}
	if got := ll.PostsHeldAt(cs, at.AddDate(0, 1, 0)); got != 0 {
		t.Errorf("posts held now = %d, want 0", got)
	}
}

// TestPairedClaimsWaitForConfirmation: ClaimAs does not claim a paired
// post; RequestClaimAs records the wish; DecideClaim, racing confirmations
// of more claimers than places, gives exactly the capacity.
func TestPairedClaimsWaitForConfirmation(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	var in []ll.Member
	for i := range 6 {
		in = append(in, ll.Member{TelegramID: int64(100 + i), Name: "Member"})
	}
	ms, err := s.ImportMembers(ctx, "dongan", in, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePost(ctx, ll.Post{Community: "dongan", Title: "Pair", Mode: ll.ModePaired, Capacity: 2, Target: "Wu Lan", Created: t0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	user := func(m ll.Member) ll.User {
		return ll.User{TelegramID: m.TelegramID, Community: "dongan", MemberID: m.ID}
	}
	_, _, err = s.ClaimAs(ctx, user(ms[1]), p.ID, t0)
	wantConflict(t, "ClaimAs(paired)", err, ll.ReasonAwaiting)
	for _, m := range ms[1:] {
		if _, changed, held, err := s.RequestClaimAs(ctx, user(m), p.ID, t0); err != nil || !changed || held {
			t.Fatalf("RequestClaimAs(%s) = %v, %v, %v", m.ID, changed, held, err)
		}
	}
	if _, changed, _, err := s.RequestClaimAs(ctx, user(ms[1]), p.ID, t0); err != nil || changed {
		t.Errorf("RequestClaimAs again = %v, %v; want unchanged", changed, err)
	}
	if hs, _ := s.Holders(ctx, "dongan", p.ID); len(hs) != 0 {
		t.Fatalf("holders before any confirmation = %+v", hs)
	}
	_, _, err = s.DecideClaim(ctx, "dongan", p.ID, ms[1].ID, true, "tg:101", t0, nil)
	wantError(t, "DecideClaim(by the claimer)", err, ll.EFORBIDDEN, ll.ReasonSelf)
	var wg sync.WaitGroup
	var ok, full atomic.Int32
	for _, m := range ms[1:] {
		wg.Go(func() {
			_, _, err := s.DecideClaim(ctx, "dongan", p.ID, m.ID, true, ms[0].ID, t0, nil)
			switch {
			case err == nil:
				ok.Add(1)
			case ll.ErrorCode(err) == ll.EFULL:
				full.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 2 || full.Load() != 3 {
		t.Fatalf("confirmations = %d, full %d; want 2 and 3", ok.Load(), full.Load())
	}
	if hs, _ := s.Holders(ctx, "dongan", p.ID); len(hs) != 2 {
		t.Fatalf("holders = %+v, want 2", hs)
	}
	waiting, err := s.PendingClaims(ctx, "dongan", p.ID)
	if err != nil || len(waiting) != 3 {
		t.Fatalf("PendingClaims = %+v, %v; want the 3 that found it full", waiting, err)
	}
	if _, _, err := s.DecideClaim(ctx, "dongan", p.ID, waiting[0].Member, false, ms[0].ID, t0, nil); err != nil {
		t.Fatalf("DecideClaim(decline) = %v", err)
	}
	_, _, err = s.DecideClaim(ctx, "dongan", p.ID, waiting[0].Member, true, ms[0].ID, t0, nil)
	wantError(t, "DecideClaim(after decline)", err, ll.ENOTFOUND, "claim")
}
