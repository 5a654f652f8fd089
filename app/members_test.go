package app_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

func TestSetRoleIsTheSecretarys(t *testing.T) {
	f := newFixture(t)
	before := len(f.audit())
	_, _, err := f.app.Members.SetRole(f.ctx, f.scope(2), "M3", ll.RoleCommittee)
	wantRefusal(t, "committee member appoints", err, ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	if n := len(f.audit()); n != before {
		t.Fatalf("a refused appointment wrote %d audit entries", n-before)
	}
	if m, _ := f.store.Member(f.ctx, "elm", "M3"); m.Role != ll.RoleNone {
		t.Fatalf("refused appointment gave M3 role %q", m.Role)
	}

	m, changed, err := f.app.Members.SetRole(f.ctx, f.scope(1), "m3", ll.RoleCommittee)
	if err != nil || !changed || m.ID != "M3" || m.Role != ll.RoleCommittee {
		t.Fatalf("SetRole(M3 committee) = %+v, %v, %v", m, changed, err)
	}
	if log := f.audit(); log[0].Action != "role" || log[0].Object != "M3" || log[0].Detail != "committee" || log[0].Actor != "M1" {
		t.Fatalf("audit[0] = %+v, want role M3 committee by M1", log[0])
	}
	if _, changed, err := f.app.Members.SetRole(f.ctx, f.scope(1), "M3", ll.RoleCommittee); err != nil || changed {
		t.Fatalf("SetRole again = changed %v, %v; want unchanged", changed, err)
	}
	// Telegram ids resolve too; an unknown reference is refused.
	if m, _, err := f.app.Members.SetRole(f.ctx, f.scope(1), "3", ll.RoleNone); err != nil || m.ID != "M3" {
		t.Fatalf("SetRole(tg 3, none) = %+v, %v", m, err)
	}
	_, _, err = f.app.Members.SetRole(f.ctx, f.scope(1), "M99", ll.RoleCommittee)
	wantRefusal(t, "unknown member", err, ll.ENOTFOUND, "")
	_, _, err = f.app.Members.SetRole(f.ctx, f.scope(1), "Li Wei", ll.RoleCommittee)
	wantRefusal(t, "a name", err, ll.EINVALID, "member")
}

func TestRemove(t *testing.T) {
	f := newFixture(t)
	_, _, err := f.app.Members.Remove(f.ctx, f.scope(2), "M1")
	wantRefusal(t, "committee member removes the secretary", err, ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	if m, _ := f.store.Member(f.ctx, "elm", "M1"); !m.Active() {
		t.Fatalf("a refused removal removed M1: %+v", m)
	}
	m, changed, err := f.app.Members.Remove(f.ctx, f.scope(2), "M3")
	if err != nil || !changed || m.ID != "M3" {
		t.Fatalf("Remove(M3) = %+v, %v, %v", m, changed, err)
	}
	if log := f.audit(); log[0].Action != "remove" || log[0].Object != "M3" || log[0].Actor != "M2" {
		t.Fatalf("audit[0] = %+v, want remove M3 by M2", log[0])
	}
	if _, changed, err := f.app.Members.Remove(f.ctx, f.scope(2), "M3"); err != nil || changed {
		t.Fatalf("Remove(M3) again = %v, %v; want unchanged", changed, err)
	}
	_, _, err = f.app.Members.SetRole(f.ctx, f.scope(1), "M3", ll.RoleCommittee)
	wantRefusal(t, "appoint a member who left", err, ll.ECONFLICT, ll.ReasonInactive)
	// The removed member is no longer a member for anything of their own.
	_, err = f.app.Members.Mine(f.ctx, f.actor(3, false))
	wantRefusal(t, "removed member's /me", err, ll.ENOTMEMBER, "")
}

func TestSearchAndProfile(t *testing.T) {
	f := newFixture(t)
	m, err := f.app.Members.UpdateProfile(f.ctx, f.actor(3, false), ll.Member{Name: "Wang Fang", Unit: "Bank of China", Skills: []string{"electrician"}, Role: ll.RoleSecretary})
	if err != nil || m.Role != ll.RoleNone || m.Unit != "Bank of China" {
		t.Fatalf("UpdateProfile = %+v, %v (a profile never carries a role)", m, err)
	}
	_, err = f.app.Members.UpdateProfile(f.ctx, f.actor(3, false), ll.Member{Name: ""})
	wantRefusal(t, "empty name", err, ll.EINVALID, "name")
	_, err = f.app.Members.UpdateProfile(f.ctx, f.actor(42, false), ll.Member{Name: "X"})
	wantRefusal(t, "stranger's profile", err, ll.ENOTMEMBER, "")

	for _, tc := range []struct {
		q    string
		want int
	}{{"", 3}, {"bank", 1}, {"ELECTRIC", 1}, {"m2", 1}, {"nobody", 0}} {
		got, err := f.app.Members.Search(f.ctx, f.scope(2), tc.q)
		if err != nil || len(got) != tc.want {
			t.Errorf("Search(%q) = %d members, %v; want %d", tc.q, len(got), err, tc.want)
		}
	}
	_, err = f.app.Members.Search(f.ctx, f.scope(2), "a\nb")
	wantRefusal(t, "search with a line break", err, ll.EINVALID, "search")

	cd, err := f.app.Members.Mine(f.ctx, f.actor(3, false))
	if err != nil || cd.Member.Name != "Wang Fang" {
		t.Fatalf("Mine = %+v, %v", cd.Member, err)
	}
	_, err = f.app.Members.Mine(f.ctx, f.actor(42, false))
	wantRefusal(t, "stranger's /me", err, ll.ENOTMEMBER, "")
}

func TestForgetOnlyOneself(t *testing.T) {
	f := newFixture(t)
	err := f.app.Members.Forget(f.ctx, f.actor(2, false), "elm", "M3")
	wantRefusal(t, "forget someone else", err, ll.ESTALE, "")
	if m, _ := f.store.Member(f.ctx, "elm", "M3"); m.Name != "Mem" {
		t.Fatalf("refused forget changed M3: %+v", m)
	}
	if err := f.app.Members.Forget(f.ctx, f.actor(3, false), "elm", "M3"); err != nil {
		t.Fatalf("Forget(own): %v", err)
	}
	if m, _ := f.store.Member(f.ctx, "elm", "M3"); m.Name != "" || m.TelegramID != 0 {
		t.Fatalf("forgotten M3 keeps %+v", m)
	}
	if log := f.audit(); log[0].Action != "forgetme" || log[0].Object != "M3" {
		t.Fatalf("audit[0] = %+v, want forgetme M3", log[0])
	}
}

func TestInvitesAndJoin(t *testing.T) {
	f := newFixture(t)
	f.now = time.Now().UTC() // invites expire in Redis by the real clock
	_, err := f.app.Invites.Create(f.ctx, f.scope(2), ll.RoleCommittee)
	wantRefusal(t, "committee member's role invite", err, ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	plain, err := f.app.Invites.Create(f.ctx, f.scope(2), ll.RoleNone)
	if err != nil || !plain.Expires.Equal(f.now.Add(app.InviteTTL)) {
		t.Fatalf("Create(member) = %+v, %v", plain, err)
	}
	role, err := f.app.Invites.Create(f.ctx, f.scope(1), ll.RoleCommittee)
	if err != nil || !role.Expires.Equal(f.now.Add(app.RoleInviteTTL)) {
		t.Fatalf("Create(committee) = %+v, %v", role, err)
	}
	if log := f.audit(); log[0].Action != "invite" || log[0].Detail != "committee" || log[1].Detail != "none" {
		t.Fatalf("audit = %+v", log[:2])
	}

	// A newcomer joins with a profile; a bad profile writes nothing.
	_, err = f.app.Invites.Join(f.ctx, f.actor(7, false), plain.Code, ll.Member{Name: "  "})
	wantRefusal(t, "empty name", err, ll.EINVALID, "name")
	if _, err := f.store.MemberByTelegram(f.ctx, "elm", 7); ll.ErrorCode(err) != ll.ENOTFOUND {
		t.Fatalf("refused join created a member: %v", err)
	}
	m, err := f.app.Invites.Join(f.ctx, f.actor(7, false), plain.Code, ll.Member{Name: "Zhao Lei", Language: "zh"})
	if err != nil || m.ID != "M4" || !m.Active() {
		t.Fatalf("Join = %+v, %v", m, err)
	}
	_, err = f.app.Invites.Join(f.ctx, f.actor(8, false), "elm-zzzzzzzzzz", ll.Member{Name: "X"})
	wantRefusal(t, "unknown code", err, ll.ENOTFOUND, "")

	// A member who opens a role invite of their own community does not get
	// the role (SPEC section 9 changed this rule of part one).
	o, err := f.app.Invites.Open(f.ctx, f.actor(7, false), role.Code)
	if err != nil || !o.Rejoin {
		t.Fatalf("Open(role invite) by a member = %+v, %v", o, err)
	}
	m, changed, err := f.app.Invites.ApplyRole(f.ctx, f.actor(7, false), o)
	if changed || m.Role != ll.RoleNone {
		t.Fatalf("ApplyRole = %+v, %v, %v; want no role", m, changed, err)
	}
	wantRefusal(t, "ApplyRole by a member", err, ll.ECONFLICT, ll.ReasonRoleRejoin)
}

func TestMoveBetweenCommunities(t *testing.T) {
	f := newFixture(t)
	f.now = time.Now().UTC() // invites expire in Redis by the real clock
	oak := ll.Community{ID: "oak", Name: "Oak", TimeZone: "UTC", Language: "zh", Minimum: 2, Created: f.now}
	if err := f.store.CreateCommunity(f.ctx, oak, nil); err != nil {
		t.Fatal(err)
	}
	inv, err := f.store.CreateInvite(f.ctx, ll.Invite{Community: "oak", Created: f.now, Expires: f.now.Add(app.InviteTTL)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.app.Invites.Join(f.ctx, f.actor(3, false), inv.Code, ll.Member{Name: "Mem"})
	if err != nil || m.Community != "oak" {
		t.Fatalf("Join(oak) = %+v, %v", m, err)
	}
	old, _ := f.store.Member(f.ctx, "elm", "M3")
	if old.Active() {
		t.Fatalf("the old membership stays active: %+v", old)
	}
	if log := f.audit(); log[0].Action != "move" || log[0].Object != "M3" || log[0].Detail != "to oak" {
		t.Fatalf("elm's audit[0] = %+v, want move M3 to oak", log[0])
	}
}

func TestDistrictIsTheAdmins(t *testing.T) {
	f := newFixture(t)
	_, err := f.app.District.CreateCommunity(f.ctx, f.actor(1, false), ll.Community{ID: "ash", Name: "Ash", TimeZone: "UTC", Language: "en"})
	wantRefusal(t, "secretary creates a community", err, ll.EFORBIDDEN, ll.ReasonAdminOnly)
	_, err = f.app.District.Use(f.ctx, f.actor(1, false), "elm")
	wantRefusal(t, "secretary's /use", err, ll.EFORBIDDEN, ll.ReasonAdminOnly)
	_, err = f.app.District.Communities(f.ctx, f.actor(1, false))
	wantRefusal(t, "secretary lists communities", err, ll.EFORBIDDEN, ll.ReasonAdminOnly)

	admin := f.actor(99, true)
	c, err := f.app.District.CreateCommunity(f.ctx, admin, ll.Community{ID: " ASH ", Name: "Ash", TimeZone: "UTC", Language: "en"})
	if err != nil || c.ID != "ash" {
		t.Fatalf("CreateCommunity = %+v, %v", c, err)
	}
	if u, _ := f.store.User(f.ctx, 99); u.Use != "ash" {
		t.Fatalf("admin's use = %q, want ash", u.Use)
	}
	_, err = f.app.District.CreateCommunity(f.ctx, admin, ll.Community{ID: "ash", Name: "Ash", TimeZone: "UTC", Language: "en"})
	wantRefusal(t, "taken id", err, ll.ECONFLICT, "")
	_, err = f.app.District.Use(f.ctx, admin, "no such!")
	wantRefusal(t, "bad id", err, ll.EINVALID, "id")
	if c, err := f.app.District.Use(f.ctx, admin, "ELM"); err != nil || c.ID != "elm" {
		t.Fatalf("Use(ELM) = %+v, %v", c, err)
	}
	if log := f.audit(); log[0].Action != "use" || log[0].Actor != "tg:99" {
		t.Fatalf("audit[0] = %+v, want use by tg:99", log[0])
	}
	_, err = f.app.District.AuditLog(f.ctx, f.scope(2), 51, time.Time{})
	wantRefusal(t, "51 audit entries", err, ll.EINVALID, "count")
}

// TestSearchPage pages the same answers as Search, in a small community
// (read whole) and past 1,000 members (the store's index).
func TestSearchPage(t *testing.T) {
	f := newFixture(t)
	check := func(when string) {
		t.Helper()
		for _, q := range []string{"", "mem", "王", "Bank", "m2", "M1001", "Ärzte", "nobody"} {
			all, err := f.app.Members.Search(f.ctx, f.scope(2), q)
			if err != nil {
				t.Fatal(err)
			}
			for _, off := range []int{0, 10, len(all) - 1} {
				page, total, err := f.app.Members.SearchPage(f.ctx, f.scope(2), q, off, 10)
				from := min(max(off, 0), len(all))
				want := all[from:min(from+10, len(all))]
				if err != nil || total != len(all) || len(page) != len(want) {
					t.Fatalf("%s: SearchPage(%q, %d) = %d of %d, %v; want %d of %d", when, q, off, len(page), total, err, len(want), len(all))
				}
				for i := range page {
					if page[i].ID != want[i].ID {
						t.Errorf("%s: SearchPage(%q, %d)[%d] = %s, want %s", when, q, off, i, page[i].ID, want[i].ID)
					}
				}
			}
		}
	}
	check("3 members")
	ms := make([]ll.Member, 1000)
	for i := range ms {
		ms[i] = ll.Member{Name: []string{"王芳", "Member", "Ärzte Wang"}[i%3], Unit: "Bank of China"}
	}
	if _, err := f.store.ImportMembers(f.ctx, "elm", ms, f.now, nil); err != nil {
		t.Fatal(err)
	}
	check("1,003 members")
	if _, _, ok, err := f.store.SearchMembers(f.ctx, "elm", "mem", 0, 1); !ok || err != nil {
		t.Errorf("store's SearchMembers at 1,003 members = ok %v, %v; want the index", ok, err)
	}
	if _, _, err := f.app.Members.SearchPage(f.ctx, f.scope(2), "a\nb", 0, 10); ll.ErrorCode(err) != ll.EINVALID {
		t.Errorf("SearchPage with a line break = %v, want EINVALID", err)
	}
}
