package storage_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// waitFixture is a community with n members and one activity of capacity
// cap starting a day after t0, whose seats M1..M<cap> hold.
func waitFixture(t *testing.T, n, capacity int) (*storage.Store, ll.Activity) {
	t.Helper()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	importMembers(t, s, "dongan", n)
	a := newActivity(t, s, "dongan", t0.Add(24*time.Hour), capacity)
	for i := 1; i <= capacity; i++ {
		if _, changed, err := s.SignUp(ctx, "dongan", a.ID, fmt.Sprintf("M%d", i), t0); err != nil || !changed {
			t.Fatalf("SignUp(M%d) = %v, %v", i, changed, err)
		}
	}
	return s, a
}

func join(t *testing.T, s *storage.Store, a ll.Activity, m string, at time.Time) ll.WaitStep {
	t.Helper()
	r, err := s.JoinWaitlist(ctx, "dongan", a.ID, m, at)
	if err != nil {
		t.Fatalf("JoinWaitlist(%s) = %v", m, err)
	}
	return r
}

func offered(offers []ll.Offer) []string {
	var out []string
	for _, o := range offers {
		out = append(out, o.Member)
	}
	return out
}

func TestWaitlistOffersExpireAndPassOn(t *testing.T) {
	t.Parallel()
	s, a := waitFixture(t, 5, 2)
	// A newcomer finds it full; the waitlist is ordered by time; joining is idempotent.
	if _, _, err := s.SignUp(ctx, "dongan", a.ID, "M3", t0); code(err) != ll.EFULL {
		t.Fatalf("SignUp on a full activity = %v, want EFULL", err)
	}
	if r := join(t, s, a, "M4", t0.Add(time.Minute)); r.Status != "ok" || r.Position != 1 {
		t.Errorf("JoinWaitlist(M4) = %+v, want ok at 1", r)
	}
	if r := join(t, s, a, "M3", t0.Add(2*time.Minute)); r.Status != "ok" || r.Position != 2 {
		t.Errorf("JoinWaitlist(M3) = %+v, want ok at 2", r)
	}
	if r := join(t, s, a, "M4", t0.Add(3*time.Minute)); r.Status != "held" || r.Position != 1 {
		t.Errorf("JoinWaitlist(M4) again = %+v, want held at 1", r)
	}
	if r := join(t, s, a, "M1", t0); r.Status != "signed" {
		t.Errorf("JoinWaitlist(M1, signed up) = %+v, want signed", r)
	}
	// M1 withdraws: the first waiting (M4) is offered the seat, in the same step.
	now := t0.Add(10 * time.Minute)
	r, err := s.Release(ctx, "dongan", a.ID, "M1", now)
	if err != nil || r.Status != "withdrew" || !slices.Equal(offered(r.Offers), []string{"M4"}) || r.Offers[0].Seq != 1 ||
		!r.Offers[0].Expires.Equal(now.Add(ll.OfferWindow)) {
		t.Fatalf("Release(M1) = %+v, %v; want withdrew with an offer to M4 until %v", r, err, now.Add(ll.OfferWindow))
	}
	// The offer holds the seat: a newcomer (M5) is still refused, and M3 is not offered it.
	if _, _, err := s.SignUp(ctx, "dongan", a.ID, "M5", now); code(err) != ll.EFULL {
		t.Errorf("SignUp(M5) while the seat is offered = %v, want EFULL", err)
	}
	if live, made, err := s.SweepOffers(ctx, "dongan", now.Add(time.Hour)); err != nil || made != 0 || !slices.Equal(offered(live), []string{"M4"}) {
		t.Errorf("SweepOffers before expiry = %v, %d, %v; want M4's offer alive, none made", offered(live), made, err)
	}
	// Unanswered for 2 hours: the sweep passes it on to M3.
	later := now.Add(ll.OfferWindow)
	live, made, err := s.SweepOffers(ctx, "dongan", later)
	if err != nil || made != 1 || !slices.Equal(offered(live), []string{"M3"}) || live[0].Seq != 2 {
		t.Fatalf("SweepOffers after expiry = %+v, %d, %v; want offer 2 to M3", live, made, err)
	}
	// M4's button now answers clearly.
	if _, err := s.TakeSeat(ctx, "dongan", a.ID, "M4", later); ll.ErrorDetail(err) != ll.ReasonNoOffer {
		t.Errorf("TakeSeat(M4) after expiry = %v, want %s", err, ll.ReasonNoOffer)
	}
	// M3 takes it: capacity holds.
	tr, err := s.TakeSeat(ctx, "dongan", a.ID, "M3", later.Add(time.Minute))
	if err != nil || tr.Status != "ok" || tr.Signups != 2 {
		t.Fatalf("TakeSeat(M3) = %+v, %v; want ok with 2 sign-ups", tr, err)
	}
	if tr, err := s.TakeSeat(ctx, "dongan", a.ID, "M3", later.Add(time.Minute)); err != nil || tr.Status != "held" {
		t.Errorf("TakeSeat(M3) again = %+v, %v; want held", tr, err)
	}
	ids, _ := s.SignedUp(ctx, "dongan", a.ID)
	if !slices.Equal(ids, []string{"M2", "M3"}) {
		t.Errorf("SignedUp = %v, want [M2 M3]", ids)
	}
	w, err := s.Waitlist(ctx, "dongan", a.ID)
	if err != nil || len(w.Waiting) != 0 || len(w.Offers) != 0 {
		t.Errorf("Waitlist = %+v, %v; want empty", w, err)
	}
	log, _ := s.AuditLog(ctx, "dongan", 10, time.Time{})
	var details []string
	for _, e := range log {
		if e.Action == "waitlist" {
			details = append(details, e.Actor+": "+e.Detail)
		}
	}
	want := []string{"M3: M3 took the seat offered", "system: seat offered to M3", "system: offer to M4 expired", "M1: seat offered to M4"}
	if !slices.Equal(details, want) {
		t.Errorf("waitlist audit = %q, want %q", details, want)
	}
}

func TestWaitlistLeaveAndPass(t *testing.T) {
	t.Parallel()
	s, a := waitFixture(t, 5, 1)
	join(t, s, a, "M2", t0)
	join(t, s, a, "M3", t0.Add(time.Second))
	join(t, s, a, "M4", t0.Add(2*time.Second))
	if r, err := s.Release(ctx, "dongan", a.ID, "M3", t0); err != nil || r.Status != "left" || len(r.Offers) != 0 {
		t.Errorf("Release(M3 waiting) = %+v, %v; want left", r, err)
	}
	r, _ := s.Release(ctx, "dongan", a.ID, "M1", t0)
	if !slices.Equal(offered(r.Offers), []string{"M2"}) {
		t.Fatalf("Release(M1) offers %v, want M2", offered(r.Offers))
	}
	// M2 passes: M4 (M3 left) is offered it at once.
	r, err := s.Release(ctx, "dongan", a.ID, "M2", t0)
	if err != nil || r.Status != "passed" || !slices.Equal(offered(r.Offers), []string{"M4"}) {
		t.Errorf("Release(M2 offered) = %+v, %v; want passed, offer to M4", r, err)
	}
	// A signUp by the offered member takes their seat.
	if _, changed, err := s.SignUp(ctx, "dongan", a.ID, "M4", t0); err != nil || !changed {
		t.Errorf("SignUp(M4 offered) = %v, %v; want signed up", changed, err)
	}
	if r, _ := s.Release(ctx, "dongan", a.ID, "M5", t0); r.Status != "noop" {
		t.Errorf("Release(M5, nothing) = %+v, want noop", r)
	}
}

func TestWaitlistOfferCutoff(t *testing.T) {
	t.Parallel()
	s, a := waitFixture(t, 4, 1)
	join(t, s, a, "M2", t0)
	// 90 minutes before the start, an offer lasts only 30 minutes (until 1 hour before).
	now := a.Start.Add(-90 * time.Minute)
	r, _ := s.Release(ctx, "dongan", a.ID, "M1", now)
	if len(r.Offers) != 1 || !r.Offers[0].Expires.Equal(a.Start.Add(-ll.OfferCutoff)) {
		t.Fatalf("Release 90 min before = %+v, want an offer until 1 h before the start", r.Offers)
	}
	// It expires at the cutoff: no more offers; the seat is open to anyone.
	live, made, _ := s.SweepOffers(ctx, "dongan", a.Start.Add(-ll.OfferCutoff))
	if len(live) != 0 || made != 0 {
		t.Errorf("SweepOffers at the cutoff = %v, %d; want none", live, made)
	}
	join(t, s, a, "M3", now)
	if _, changed, err := s.SignUp(ctx, "dongan", a.ID, "M4", a.Start.Add(-30*time.Minute)); err != nil || !changed {
		t.Errorf("SignUp(M4) in the last hour with a waitlist = %v, %v; want the free seat", changed, err)
	}
}

// TestWaitlistConcurrentWithdrawals races withdrawals, takes, sign-ups and
// sweeps: the seats never exceed the capacity, and every seat offered ends
// with exactly one holder.
func TestWaitlistConcurrentWithdrawals(t *testing.T) {
	t.Parallel()
	const capacity, waiting, newcomers = 10, 30, 10
	s, a := waitFixture(t, capacity+waiting+newcomers, capacity)
	for i := 1; i <= waiting; i++ {
		join(t, s, a, fmt.Sprintf("M%d", capacity+i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	now := t0.Add(time.Minute)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		offers []ll.Offer
	)
	add := func(os []ll.Offer) {
		mu.Lock()
		offers = append(offers, os...)
		mu.Unlock()
	}
	for i := 1; i <= capacity; i++ {
		wg.Add(1)
		go func(m string) {
			defer wg.Done()
			r, err := s.Release(ctx, "dongan", a.ID, m, now)
			if err != nil || r.Status != "withdrew" {
				t.Errorf("Release(%s) = %+v, %v", m, r, err)
			}
			add(r.Offers)
		}(fmt.Sprintf("M%d", i))
	}
	for i := 1; i <= newcomers; i++ {
		wg.Add(1)
		go func(m string) {
			defer wg.Done()
			if _, _, err := s.SignUp(ctx, "dongan", a.ID, m, now); code(err) != ll.EFULL {
				t.Errorf("SignUp(%s, newcomer) = %v, want EFULL: the seats are owed to the waitlist", m, err)
			}
		}(fmt.Sprintf("M%d", capacity+waiting+i))
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := s.SweepOffers(ctx, "dongan", now)
			if err != nil {
				t.Errorf("SweepOffers = %v", err)
			}
		}()
	}
	wg.Wait()
	if len(offers) != capacity {
		t.Fatalf("%d offers made, want %d", len(offers), capacity)
	}
	// Every offered member and every other waiting member tries to take a seat at once.
	var taken sync.Map
	for i := 1; i <= waiting; i++ {
		wg.Add(1)
		go func(m string) {
			defer wg.Done()
			r, err := s.TakeSeat(ctx, "dongan", a.ID, m, now.Add(time.Minute))
			if err == nil && r.Status == "ok" {
				taken.Store(m, true)
			} else if ll.ErrorDetail(err) != ll.ReasonNoOffer {
				t.Errorf("TakeSeat(%s) = %+v, %v", m, r, err)
			}
		}(fmt.Sprintf("M%d", capacity+i))
	}
	wg.Wait()
	ids, _ := s.SignedUp(ctx, "dongan", a.ID)
	if len(ids) != capacity {
		t.Errorf("%d signed up after the race, want exactly %d", len(ids), capacity)
	}
	for _, o := range offers {
		if _, ok := taken.Load(o.Member); !ok || !slices.Contains(ids, o.Member) {
			t.Errorf("seat offered to %s has no holder", o.Member)
		}
	}
	seqs := map[int]bool{}
	for _, o := range offers {
		if seqs[o.Seq] {
			t.Errorf("offer seq %d made twice", o.Seq)
		}
		seqs[o.Seq] = true
	}
	if w, _ := s.Waitlist(ctx, "dongan", a.ID); len(w.Waiting) != waiting-capacity || len(w.Offers) != 0 {
		t.Errorf("Waitlist after = %d waiting, %d offers; want %d, 0", len(w.Waiting), len(w.Offers), waiting-capacity)
	}
}

func TestConfirmAndNoShows(t *testing.T) {
	t.Parallel()
	s, a := waitFixture(t, 4, 3)
	if changed, err := s.Confirm(ctx, "dongan", a.ID, "M1", t0); err != nil || !changed {
		t.Errorf("Confirm(M1) = %v, %v", changed, err)
	}
	if changed, err := s.Confirm(ctx, "dongan", a.ID, "M1", t0); err != nil || changed {
		t.Errorf("Confirm(M1) again = %v, %v; want unchanged", changed, err)
	}
	if _, err := s.Confirm(ctx, "dongan", a.ID, "M4", t0); ll.ErrorDetail(err) != ll.ReasonNotSignedUp {
		t.Errorf("Confirm(M4, not signed up) = %v, want %s", err, ll.ReasonNotSignedUp)
	}
	w, _ := s.Waitlist(ctx, "dongan", a.ID)
	if _, ok := w.Confirmed["M1"]; !ok || len(w.Confirmed) != 1 {
		t.Errorf("Confirmed = %v, want M1", w.Confirmed)
	}
	// M2 checks in; M1 and M3 do not come.
	if _, err := s.Attend(ctx, "dongan", a.ID, "M2", "M4", "", a.Start, nil); err != nil {
		t.Fatalf("Attend(M2) = %v", err)
	}
	if _, counted, _ := s.CountNoShows(ctx, "dongan", a.ID, a.End); counted {
		t.Errorf("CountNoShows at the end (check-in still open) counted")
	}
	after := a.End.Add(ll.CheckInClosesAfter)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var all []string
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms, counted, err := s.CountNoShows(ctx, "dongan", a.ID, after)
			if err != nil || !counted {
				t.Errorf("CountNoShows = %v, %v, %v", ms, counted, err)
			}
			mu.Lock()
			all = append(all, ms...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	if !slices.Equal(all, []string{"M1", "M3"}) {
		t.Errorf("no-shows counted %v, want M1 and M3 once each", all)
	}
	for m, want := range map[string]int{"M1": 1, "M2": 0, "M3": 1, "M4": 0} {
		if n, err := s.NoShows(ctx, "dongan", m); err != nil || n != want {
			t.Errorf("NoShows(%s) = %d, %v; want %d", m, n, err, want)
		}
	}
}

func TestCancelClearsWaitlist(t *testing.T) {
	t.Parallel()
	s, a := waitFixture(t, 3, 1)
	join(t, s, a, "M2", t0)
	s.Release(ctx, "dongan", a.ID, "M1", t0)
	join(t, s, a, "M3", t0)
	if _, _, err := s.CancelActivity(ctx, "dongan", a.ID, "rain", nil); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.Waitlist(ctx, "dongan", a.ID); len(w.Waiting)+len(w.Offers) != 0 {
		t.Errorf("Waitlist after cancel = %+v, want empty", w)
	}
	if _, err := s.TakeSeat(ctx, "dongan", a.ID, "M2", t0); ll.ErrorDetail(err) != ll.ReasonCancelled {
		t.Errorf("TakeSeat on a cancelled activity = %v, want cancelled", err)
	}
	if live, _, _ := s.SweepOffers(ctx, "dongan", t0); len(live) != 0 {
		t.Errorf("SweepOffers after cancel = %v", live)
	}
}

// TestTakeSeatChecksCapacity: an offer whose seat the committee took away
// (capacity lowered to the sign-ups) is refused as full, and goes.
func TestTakeSeatChecksCapacity(t *testing.T) {
	t.Parallel()
	s, a := waitFixture(t, 4, 2)
	join(t, s, a, "M3", t0)
	if r, _ := s.Release(ctx, "dongan", a.ID, "M1", t0); len(r.Offers) != 1 {
		t.Fatalf("Release offers %v, want one to M3", r.Offers)
	}
	a.Capacity = 1
	if err := s.SaveActivity(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if r, err := s.TakeSeat(ctx, "dongan", a.ID, "M3", t0); code(err) != ll.EFULL || r.Signups != 1 {
		t.Errorf("TakeSeat after the capacity fell = %+v, %v; want EFULL with 1 sign-up", r, err)
	}
	if w, _ := s.Waitlist(ctx, "dongan", a.ID); len(w.Offers) != 0 {
		t.Errorf("offers after a refused take = %v, want none", w.Offers)
	}
}
