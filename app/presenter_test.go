package app_test

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/storage"
)

func TestPresenterWho(t *testing.T) {
	f := newFixture(t)
	a := f.create(f.lamps())
	f.now = a.Start.Add(-10 * time.Minute) // check-in is open
	// A plain member may not present...
	_, _, err := f.app.Presenter.Start(f.ctx, f.actor(3, false), 3, a.ID)
	wantRefusal(t, "Start(plain member)", err, ll.EFORBIDDEN, "")
	// ... unless they lead the activity's team.
	team, err := f.store.CreateTeam(f.ctx, ll.Team{Community: "elm", Name: "Lamps"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Teams.ToggleLeader(f.ctx, f.scope(2), team.ID, "M3"); err != nil {
		t.Fatalf("ToggleLeader: %v", err)
	}
	if _, err := f.app.Activities.Edit(f.ctx, f.scope(2), a.ID, app.ActivityChange{Field: app.ActivityTeam, Text: team.ID, Typed: team.ID}); err != nil {
		t.Fatalf("Edit team: %v", err)
	}
	fr, stopped, err := f.app.Presenter.Start(f.ctx, f.actor(3, false), 3, a.ID)
	if err != nil || stopped != nil {
		t.Fatalf("Start(team leader) = %+v, %v, %v", fr, stopped, err)
	}
	if fr.Code != a.Code || !fr.Changes.IsZero() || fr.Closed || fr.Activity.Code != "" {
		t.Fatalf("frame of a static code = %+v, want code %s shown once, not in the activity", fr, a.Code)
	}
	f.wantAudit("Start", "present", a.ID, "", "M3")
	got, _ := f.store.Activity(f.ctx, "elm", a.ID)
	if got.PresentedBy != "M3" {
		t.Fatalf("PresentedBy = %q, want M3", got.PresentedBy)
	}
	// The committee may; a running presentation in the chat is stopped by
	// presenting again.
	if err := f.store.RegisterPresentation(f.ctx, ll.Presentation{ChatID: 2, MessageID: 50, Community: "elm", Activity: a.ID, Presenter: 2}, f.now); err != nil {
		t.Fatal(err)
	}
	_, stopped, err = f.app.Presenter.Start(f.ctx, f.actor(2, false), 2, a.ID)
	if err != nil || stopped == nil || stopped.MessageID != 50 {
		t.Fatalf("Start again = %+v, %v; want message 50 stopped", stopped, err)
	}
	// [Stop]: the plain member who did not start it may not stop it.
	if err := f.store.RegisterPresentation(f.ctx, ll.Presentation{ChatID: 2, MessageID: 51, Community: "elm", Activity: a.ID, Presenter: 2}, f.now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.app.Presenter.Stop(f.ctx, f.actor(3, false), 2, 51); ll.ErrorCode(err) != ll.EFORBIDDEN {
		t.Fatalf("Stop by another member = %v, want forbidden", err)
	}
	if _, changed, err := f.app.Presenter.Stop(f.ctx, f.actor(1, false), 2, 51); !changed || err != nil {
		t.Fatalf("Stop by the secretary = %v, %v", changed, err)
	}
	f.wantAudit("Stop", "present", a.ID, "stop", "M1")
	// Ended and cancelled activities are refused.
	f.now = a.End.Add(ll.CheckInClosesAfter + time.Minute)
	_, _, err = f.app.Presenter.Start(f.ctx, f.actor(2, false), 2, a.ID)
	wantRefusal(t, "Start(ended)", err, ll.ECONFLICT, ll.ReasonEnded)
}

// rotating makes every activity read as rotating with a fixed secret, and
// one as location-only: the modes are stored by another part of the code.
type rotating struct {
	*storage.Store
	secret       string
	locationOnly string
}

func (r rotating) Activity(ctx context.Context, community, id string) (ll.Activity, error) {
	a, err := r.Store.Activity(ctx, community, id)
	a.Mode, a.Secret = ll.CheckInRotating, r.secret
	if id == r.locationOnly {
		a.Mode = ll.CheckInLocation
	}
	return a, err
}

func TestPresenterRotatingFrame(t *testing.T) {
	f := newFixture(t)
	a := f.create(f.lamps())
	b := f.create(app.NewActivity{Title: "Walk", Start: a.Start, Duration: time.Hour})
	secret := []byte("0123456789abcdefghij")
	svc := app.New(rotating{Store: f.store, secret: hex.EncodeToString(secret), locationOnly: b.ID})
	now := a.Start.Add(7 * time.Second)
	fr, err := svc.Presenter.Frame(f.ctx, ll.Presentation{Community: "elm", Activity: a.ID}, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := ll.CodeAt(secret, now); fr.Code != want || !fr.Changes.Equal(a.Start.Add(30*time.Second)) {
		t.Fatalf("frame = code %s changes %v, want %s at %v", fr.Code, fr.Changes, want, a.Start.Add(30*time.Second))
	}
	if fr.Activity.Secret != "" || fr.Activity.Code != "" {
		t.Fatalf("frame's activity carries its secret or code: %+v", fr.Activity)
	}
	ac := f.actor(2, false)
	ac.Now = now
	_, _, err = svc.Presenter.Start(f.ctx, ac, 2, b.ID)
	wantRefusal(t, "Start(location only)", err, ll.ECONFLICT, ll.ReasonLocationOnly)
	// Before check-in opens the screen shows no code; after it closes it ends.
	fr, _ = svc.Presenter.Frame(f.ctx, ll.Presentation{Community: "elm", Activity: a.ID}, a.Start.Add(-time.Hour))
	if fr.Code != "" || fr.Closed {
		t.Fatalf("frame before check-in opens = %+v", fr)
	}
	fr, _ = svc.Presenter.Frame(f.ctx, ll.Presentation{Community: "elm", Activity: a.ID}, a.End.Add(3*time.Hour))
	if !fr.Closed || fr.Code != "" {
		t.Fatalf("frame after check-in closed = %+v", fr)
	}
}
