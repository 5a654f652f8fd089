package app_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// TestWaitlistSignUpResults: the result of a sign-up press is a value
// (signed up, already, full, waitlisted, offered) with the seats now.
func TestWaitlistSignUpResults(t *testing.T) {
	f := newFixture(t)
	if _, err := f.store.ImportMembers(f.ctx, "elm", []ll.Member{{TelegramID: 4, Name: "Four"}}, f.now, nil); err != nil {
		t.Fatal(err)
	}
	a := f.create(app.NewActivity{Title: "Lamps", Start: f.now.Add(48 * time.Hour), Duration: time.Hour, Capacity: 1})
	w := f.app.Waitlist
	check := func(what string, _ app.SignUpResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	r, err := w.SignUp(f.ctx, f.actor(3, false), a.ID)
	check("sign up", r, err)
	if n, c := r.Seats(); r.Outcome != ll.SignedUp || n != 1 || c != 1 || r.Activity.Code != "" {
		t.Errorf("SignUp = %+v, want signed up 1/1 without the code", r)
	}
	if r, _ := w.SignUp(f.ctx, f.actor(3, false), a.ID); r.Outcome != ll.AlreadySignedUp {
		t.Errorf("SignUp again = %v, want already", r.Outcome)
	}
	r, err = w.SignUp(f.ctx, f.actor(2, false), a.ID)
	check("full", r, err)
	if r.Outcome != ll.Full || r.Position != 0 {
		t.Errorf("SignUp on a full activity = %+v, want full", r)
	}
	for range 2 {
		if r, err := w.Join(f.ctx, f.actor(2, false), a.ID); err != nil || r.Outcome != ll.Waitlisted || r.Position != 1 {
			t.Errorf("Join = %+v, %v; want waitlisted at 1", r, err)
		}
	}
	if r, _ := w.Join(f.ctx, f.actor(4, false), a.ID); r.Outcome != ll.Waitlisted || r.Position != 2 {
		t.Errorf("Join(4) = %+v, want waitlisted at 2", r)
	}
	if r, _ := w.SignUp(f.ctx, f.actor(2, false), a.ID); r.Outcome != ll.Waitlisted || r.Position != 1 {
		t.Errorf("SignUp while waiting = %+v, want waitlisted at 1", r)
	}
	rel, err := w.CantCome(f.ctx, f.actor(3, false), a.ID)
	if err != nil || rel.Step.Status != ll.StepWithdrew || len(rel.Step.Offers) != 1 || rel.Step.Offers[0].Member != "M2" ||
		rel.Step.Offers[0].TelegramID != 2 {
		t.Fatalf("CantCome = %+v, %v; want the seat offered to M2", rel, err)
	}
	if r, _ := w.Join(f.ctx, f.actor(2, false), a.ID); r.Outcome != ll.SeatOffered {
		t.Errorf("Join while offered = %v, want offered", r.Outcome)
	}
	if _, err := w.Take(f.ctx, f.actor(4, false), a.ID); ll.ErrorDetail(err) != ll.ReasonNoOffer {
		t.Errorf("Take by the second waiting = %v, want %s", err, ll.ReasonNoOffer)
	}
	r, err = w.Take(f.ctx, f.actor(2, false), a.ID)
	if n, _ := r.Seats(); err != nil || r.Outcome != ll.SignedUp || n != 1 {
		t.Errorf("Take = %+v, %v; want signed up 1/1", r, err)
	}
	if _, _, err := w.Confirm(f.ctx, f.actor(3, false), a.ID); ll.ErrorDetail(err) != ll.ReasonNotSignedUp {
		t.Errorf("Confirm after Can't come = %v, want %s", err, ll.ReasonNotSignedUp)
	}
	if _, changed, err := w.Confirm(f.ctx, f.actor(2, false), a.ID); err != nil || !changed {
		t.Errorf("Confirm = %v, %v", changed, err)
	}
	st, err := w.State(f.ctx, f.scope(1), a.ID)
	if _, ok := st.Confirmed["M2"]; err != nil || !ok || len(st.Waiting) != 1 || st.Waiting[0] != "M4" {
		t.Errorf("State = %+v, %v; want M2 confirmed, M4 waiting", st, err)
	}
}
