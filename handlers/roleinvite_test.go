package handlers_test

import (
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// registerThrough takes p through registration with the invite code.
func registerThrough(t *testing.T, e *env, p person, code string) []ll.Reply {
	t.Helper()
	rs := e.send(p, "/join "+code)
	rs = e.press(p, button(t, rs, "Keep").Data)
	rs = e.send(p, "Police Station")
	rs = e.send(p, "2")
	rs = e.press(p, button(t, rs, "Done").Data)
	return e.press(p, button(t, rs, "Register").Data)
}

// TestRoleInviteIsSingleUse: a forwarded role invite registers its first
// user and nobody else (SPEC section 9); every join is audited.
func TestRoleInviteIsSingleUse(t *testing.T) {
	e := dongan(t)
	code := inviteCode(t, e.send(secretary, "/invite committee"))
	han := person{id: 5201, name: "Han Lei", lang: "en"}
	friend := person{id: 5202, name: "Friend", lang: "en"}

	rs := registerThrough(t, e, han, code)
	wantIn(t, "first user", rs, "Welcome, Han Lei!", "Role: <b>committee member</b>")
	m := e.storedMember("dongan", han)
	if m.Role != ll.RoleCommittee {
		t.Fatalf("first user = %+v, want committee", m)
	}
	// The join is audited: who, which invite, which role.
	log, _ := e.store.AuditLog(e.ctx, "dongan", 1, testNow.AddDate(-1, 0, 0))
	if len(log) != 1 || log[0].Action != "join" || log[0].Actor != m.ID || log[0].Object != m.ID || log[0].Detail != "invite "+code+" role committee" {
		t.Errorf("audit after the join = %+v, want join %s by %s with invite %s role committee", log, m.ID, m.ID, code)
	}

	// The friend it was forwarded to is refused, in both entry points, and
	// nothing is written.
	before := e.snapshot()
	wantIn(t, "friend /join", e.send(friend, "/join "+code), "already been used")
	wantIn(t, "friend deep link", e.send(friend, "/start join_"+code), "already been used")
	e.unchanged("a spent role invite", before)
	// Its first user opening it again is told they are registered.
	wantIn(t, "first user again", e.send(han, "/join "+code), "already registered as "+m.ID)

	// A member invite is not spent by use, and its joins are audited too.
	plain := inviteCode(t, e.send(deputy, "/invite"))
	wantIn(t, "member invite 1", registerThrough(t, e, friend, plain), "Welcome, Friend!")
	other := person{id: 5203, name: "Other", lang: "en"}
	wantIn(t, "member invite 2", registerThrough(t, e, other, plain), "Welcome, Other!")
	log, _ = e.store.AuditLog(e.ctx, "dongan", 1, testNow.AddDate(-1, 0, 0))
	om := e.storedMember("dongan", other)
	if len(log) != 1 || log[0].Action != "join" || log[0].Actor != om.ID || log[0].Detail != "invite "+plain+" role none" {
		t.Errorf("audit after a member invite join = %+v", log)
	}
}

// TestMemberCannotTakeARoleByRejoining: an existing member with a role
// invite is refused and the attempt is audited.
func TestMemberCannotTakeARoleByRejoining(t *testing.T) {
	e := dongan(t)
	code := inviteCode(t, e.send(secretary, "/invite secretary"))
	rs := e.send(bob, "/join "+code)
	wantIn(t, "member with a role invite", rs, "a role is not taken by joining again", "/role")
	if m := e.storedMember("dongan", bob); m.Role != ll.RoleNone {
		t.Errorf("bob = %+v, want no role", m)
	}
	log, _ := e.store.AuditLog(e.ctx, "dongan", 1, testNow.AddDate(-1, 0, 0))
	if len(log) != 1 || log[0].Action != "join-refused" || log[0].Actor != "M4" || log[0].Detail != "invite "+code+" role secretary" {
		t.Errorf("audit = %+v, want join-refused by M4", log)
	}
	// The invite is not spent by the refused attempt.
	han := person{id: 5204, name: "Han Lei", lang: "en"}
	wantIn(t, "newcomer", registerThrough(t, e, han, code), "Welcome, Han Lei!")
	if m := e.storedMember("dongan", han); m.Role != ll.RoleSecretary {
		t.Errorf("newcomer = %+v, want secretary", m)
	}
}

func TestInviteListAndRevoke(t *testing.T) {
	e := newEnv(t, admin.id)
	e.community("dongan", "东安社区")
	wantIn(t, "empty list", e.send(admin, "/use dongan"), "东安社区")
	wantIn(t, "empty list", e.send(admin, "/invite list"), "No live invites")
	// The seeded committee's invites (no expiry, as the CLI's seed makes
	// them) are listed as used.
	e.member("dongan", secretary, ll.RoleSecretary, "Street Office", "1")
	e.member("dongan", deputy, ll.RoleDeputy, "Police Station", "2")
	e.member("dongan", alice, ll.RoleNone, "Bank", "19")
	wantIn(t, "seeded", e.send(admin, "/invite list"), "Live invites (3):", "secretary · by — · expires never · used", "member · by — · expires never · not used")
	for _, inv := range e.invites(t, "dongan") {
		if _, err := e.store.RevokeInvite(e.ctx, "dongan", inv.Code, nil); err != nil {
			t.Fatal(err)
		}
	}
	role := inviteCode(t, e.send(secretary, "/invite committee"))
	plain := inviteCode(t, e.send(deputy, "/invite"))
	rolePrefix, plainPrefix := role[:len("dongan-")+4], plain[:len("dongan-")+4]

	rs := e.send(deputy, "/invite list")
	wantIn(t, "/invite list", rs, "东安社区", "Live invites (2):",
		"<code>"+rolePrefix+"…</code> · committee member · by M1 · expires 2026-03-09 18:00 · not used",
		"<code>"+plainPrefix+"…</code> · member · by M2 · expires 2026-04-01 18:00 · not used")
	wantNotIn(t, "/invite list", rs, role, plain) // only the start of each code
	wantIn(t, "member's /invite list", e.send(alice, "/invite list"), "Only the community committee")

	// A role invite is the secretary's to revoke.
	before := e.snapshot()
	wantIn(t, "deputy revokes a role invite", e.send(deputy, "/invite revoke "+role), "Only the community secretary")
	wantIn(t, "unknown code", e.send(deputy, "/invite revoke dongan-zzzz"), "No live invite")
	wantIn(t, "short code", e.send(deputy, "/invite revoke dongan-a"), "is not one invite")
	wantIn(t, "other community", e.send(deputy, "/invite revoke xiyuan-abcdefghij"), "is not one invite")
	wantIn(t, "no code", e.send(deputy, "/invite revoke"), "Usage: <code>/invite")
	e.unchanged("refused revokes", before)

	wantIn(t, "deputy revokes a member invite", e.send(deputy, "/invite revoke "+plainPrefix), "Invite <code>"+plainPrefix+"…</code> (member) revoked")
	wantIn(t, "secretary revokes by prefix", e.send(secretary, "/invite revoke "+rolePrefix+"…"), "(committee member) revoked")
	wantIn(t, "again", e.send(secretary, "/invite revoke "+role), "already revoked")
	wantIn(t, "list after", e.send(secretary, "/invite list"), "No live invites")

	// A revoked invite registers no one.
	before = e.snapshot()
	newbie := person{id: 5301, name: "New", lang: "en"}
	wantIn(t, "revoked role invite", e.send(newbie, "/join "+role), "was revoked")
	wantIn(t, "revoked member invite", e.send(newbie, "/start join_"+plain), "was revoked")
	e.unchanged("revoked invites", before)

	log, _ := e.store.AuditLog(e.ctx, "dongan", 2, testNow.AddDate(-1, 0, 0))
	if len(log) != 2 || log[0].Action != "invite-revoke" || log[0].Object != role || log[0].Detail != "committee" || log[0].Actor != "M1" ||
		log[1].Action != "invite-revoke" || log[1].Object != plain || log[1].Actor != "M2" {
		t.Errorf("audit = %+v, want the two revokes", log)
	}
	// In Chinese.
	e.member("dongan", lin, ll.RoleNone, "", "")
	if err := e.store.SetRole(e.ctx, "dongan", "M4", ll.RoleSecretary, nil); err != nil {
		t.Fatal(err)
	}
	for _, inv := range e.invites(t, "dongan") {
		e.store.RevokeInvite(e.ctx, "dongan", inv.Code, nil)
	}
	wantIn(t, "zh list", e.send(lin, "/invite list"), "没有有效的邀请")
	if !strings.Contains(texts(e.send(lin, "/invite revoke "+role)), "此前已撤销") {
		t.Errorf("zh revoke again: want 此前已撤销")
	}
}

// invites are the community's invites, as stored.
func (e *env) invites(t *testing.T, community string) []ll.Invite {
	t.Helper()
	invs, err := e.store.Invites(e.ctx, community, e.now)
	if err != nil {
		t.Fatalf("Invites(%s): %v", community, err)
	}
	return invs
}
