package storage_test

import (
	"context"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestMembershipSnapshot follows the snapshot in the user record through
// every change of the membership: it must always say what the member record
// says, so that one read of the user tells who the caller is.
func TestMembershipSnapshot(t *testing.T) {
	ctx := context.Background()
	st := storagetest.NewStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, id := range []string{"elm", "oak"} {
		if err := st.CreateCommunity(ctx, ll.Community{ID: id, Name: id, TimeZone: "UTC", Language: "en", Minimum: 2, Created: now}, nil); err != nil {
			t.Fatal(err)
		}
	}
	user := func(tg int64) ll.User {
		t.Helper()
		u, err := st.User(ctx, tg)
		if err != nil {
			t.Fatalf("User(%d): %v", tg, err)
		}
		return u
	}
	want := func(what string, tg int64, community, member string, role ll.Role, unreachable bool) {
		t.Helper()
		u := user(tg)
		if u.Community != community || u.MemberID != member || u.Role != role || u.Unreachable != unreachable || u.HasSnapshot != (member != "") {
			t.Fatalf("%s: user %d = %+v, want %s/%s role %q unreachable %v", what, tg, u, community, member, role, unreachable)
		}
	}

	ms, err := st.ImportMembers(ctx, "elm", []ll.Member{{TelegramID: 1, Name: "Sec", Role: ll.RoleSecretary}, {TelegramID: 2, Name: "Mem"}}, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	want("imported secretary", 1, "elm", ms[0].ID, ll.RoleSecretary, false)
	want("imported member", 2, "elm", ms[1].ID, ll.RoleNone, false)

	if err := st.SetRole(ctx, "elm", ms[1].ID, ll.RoleCommittee, nil); err != nil {
		t.Fatal(err)
	}
	want("appointed", 2, "elm", ms[1].ID, ll.RoleCommittee, false)
	if err := st.SetReachable(ctx, 2, false); err != nil {
		t.Fatal(err)
	}
	want("unreachable", 2, "elm", ms[1].ID, ll.RoleCommittee, true)
	if err := st.SetReachable(ctx, 2, true); err != nil {
		t.Fatal(err)
	}
	want("reachable again", 2, "elm", ms[1].ID, ll.RoleCommittee, false)

	// A move: the old membership is removed, the new one registered.
	if err := st.RemoveMember(ctx, "elm", ms[1].ID, now, nil); err != nil {
		t.Fatal(err)
	}
	want("removed", 2, "", "", ll.RoleNone, false)
	inv, err := st.CreateInvite(ctx, ll.Invite{Community: "oak", Role: ll.RoleDeputy, Created: now, Expires: now.Add(time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.Register(ctx, inv, ll.Member{TelegramID: 2, Name: "Mem"}, now)
	if err != nil {
		t.Fatal(err)
	}
	want("registered with a role invite", 2, "oak", m.ID, ll.RoleDeputy, false)
	if err := st.SetRole(ctx, "oak", m.ID, ll.RoleNone, nil); err != nil {
		t.Fatal(err)
	}
	want("role removed", 2, "oak", m.ID, ll.RoleNone, false)

	// A role change of a member the user no longer points at leaves the
	// user's snapshot alone.
	if err := st.SetRole(ctx, "elm", ms[1].ID, "", nil); err != nil {
		t.Fatal(err)
	}
	want("old membership changed", 2, "oak", m.ID, ll.RoleNone, false)

	if err := st.Forget(ctx, "elm", ms[0].ID, now, nil); err != nil {
		t.Fatal(err)
	}
	want("forgotten", 1, "", "", ll.RoleNone, false)
}

// TestWriteSnapshotForOldRecords: a user record from before snapshots has a
// pointer and no snapshot; WriteSnapshot fills it in from the member.
func TestWriteSnapshotForOldRecords(t *testing.T) {
	ctx := context.Background()
	st := storagetest.NewStore(t)
	c := storagetest.Client(t)
	now := time.Now().UTC()
	if err := st.CreateCommunity(ctx, ll.Community{ID: "elm", Name: "elm", TimeZone: "UTC", Language: "en", Minimum: 2, Created: now}, nil); err != nil {
		t.Fatal(err)
	}
	ms, err := st.ImportMembers(ctx, "elm", []ll.Member{{TelegramID: 5, Name: "Old", Role: ll.RoleCommittee}}, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := storagetest.Keys(t, c, "*{u:5}:user")
	if len(keys) != 1 {
		t.Fatalf("user keys = %v", keys)
	}
	if err := c.HDel(ctx, keys[0], "r").Err(); err != nil { // as an older version wrote it
		t.Fatal(err)
	}
	if u, _ := st.User(ctx, 5); u.HasSnapshot || u.MemberID != ms[0].ID {
		t.Fatalf("old record = %+v, want a pointer without a snapshot", u)
	}
	if err := st.WriteSnapshot(ctx, 5, ms[0]); err != nil {
		t.Fatal(err)
	}
	if u, _ := st.User(ctx, 5); !u.HasSnapshot || u.Role != ll.RoleCommittee {
		t.Fatalf("after WriteSnapshot = %+v", u)
	}
}
