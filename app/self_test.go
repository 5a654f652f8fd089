package app_test

import (
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// TestActorFromTheUserRecordOnly: front ends read only the user record per
// request; a service whose rule needs the member record reads it, and a
// pointer that names someone else's or a departed membership acts for
// nobody.
func TestActorFromTheUserRecordOnly(t *testing.T) {
	f := newFixture(t)
	bare := func(tg int64) app.Actor {
		a := f.actor(tg, false)
		a.Member = nil // as the chat passes it
		return a
	}
	if _, err := f.app.Members.UpdateProfile(f.ctx, bare(3), ll.Member{Name: "Mem", Unit: "Post office"}); err != nil {
		t.Fatalf("UpdateProfile from the user record: %v", err)
	}
	if m, _ := f.store.Member(f.ctx, "elm", "M3"); m.Unit != "Post office" {
		t.Fatalf("M3's unit = %q", m.Unit)
	}
	if _, err := f.app.Teams.List(f.ctx, bare(3)); err != nil {
		t.Fatalf("Teams.List from the user record: %v", err)
	}

	// A forged pointer: tg 42's record names M3, who is tg 3's.
	forged := app.Actor{TelegramID: 42, User: ll.User{TelegramID: 42, Community: "elm", MemberID: "M3", HasSnapshot: true, Role: ll.RoleSecretary}, Now: f.now}
	_, err := f.app.Members.UpdateProfile(f.ctx, forged, ll.Member{Name: "Forged"})
	wantRefusal(t, "profile through a forged pointer", err, ll.ENOTMEMBER, "")
	_, err = f.app.Posts.Open(f.ctx, forged)
	wantRefusal(t, "posts through a forged pointer", err, ll.ENOTMEMBER, "")
	_, err = f.app.Access.Committee(f.ctx, forged)
	wantRefusal(t, "committee through a forged pointer and snapshot", err, ll.ENOTMEMBER, "")

	// The snapshot's role is never trusted for a committee action.
	lying := bare(3)
	lying.User.Role = ll.RoleSecretary
	_, err = f.app.Access.Committee(f.ctx, lying)
	wantRefusal(t, "committee by a snapshot that says secretary", err, ll.EFORBIDDEN, "")

	if _, _, err := f.app.Members.Remove(f.ctx, f.scope(1), "M3"); err != nil {
		t.Fatal(err)
	}
	_, err = f.app.Teams.List(f.ctx, bare(3))
	wantRefusal(t, "teams after leaving", err, ll.ENOTMEMBER, "")
}
