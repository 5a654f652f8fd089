package app_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestTeamsCreateJoinLeave(t *testing.T) {
	f := newFixture(t)
	tm, err := f.app.Teams.Create(f.ctx, f.scope(2), "  Night patrol ")
	if err != nil || tm.ID != "T1" || tm.Name != "Night patrol" || tm.Community != "elm" {
		t.Fatalf("Create = %+v, %v", tm, err)
	}
	if log := f.audit(); len(log) != 1 || log[0].Action != "newteam" || log[0].Object != "T1" || log[0].Detail != "Night patrol" || log[0].Actor != f.ms[1].ID {
		t.Fatalf("audit = %+v, want newteam T1 by %s", log, f.ms[1].ID)
	}
	for _, name := range []string{"", "  ", strings.Repeat("n", ll.MaxNameLen+1)} {
		_, err := f.app.Teams.Create(f.ctx, f.scope(2), name)
		wantRefusal(t, "Create("+name+")", err, ll.EINVALID, "name")
	}
	if teams, _ := f.store.Teams(f.ctx, "elm"); len(teams) != 1 {
		t.Fatalf("refused names stored teams: %+v", teams)
	}

	mem := f.actor(3, false)
	tm, changed, err := f.app.Teams.Join(f.ctx, mem, "t1")
	if err != nil || !changed || tm.ID != "T1" || tm.Name != "Night patrol" {
		t.Fatalf("Join = %+v, %v, %v", tm, changed, err)
	}
	if _, changed, err := f.app.Teams.Join(f.ctx, mem, "T1"); err != nil || changed {
		t.Fatalf("Join again = %v, %v; want unchanged", changed, err)
	}
	teams, err := f.app.Teams.List(f.ctx, mem)
	if err != nil || len(teams) != 1 || !slices.Equal(teams[0].Members, []string{f.ms[2].ID}) {
		t.Fatalf("List = %+v, %v; want T1 with %s", teams, err, f.ms[2].ID)
	}
	if _, changed, err := f.app.Teams.Leave(f.ctx, mem, "T1"); err != nil || !changed {
		t.Fatalf("Leave = %v, %v", changed, err)
	}
	if _, changed, err := f.app.Teams.Leave(f.ctx, mem, "T1"); err != nil || changed {
		t.Fatalf("Leave again = %v, %v; want unchanged", changed, err)
	}

	_, _, err = f.app.Teams.Join(f.ctx, mem, "T9")
	wantRefusal(t, "Join(T9)", err, ll.ENOTFOUND, "team")
	_, _, err = f.app.Teams.Join(f.ctx, mem, "patrol")
	wantRefusal(t, "Join(no team id)", err, ll.EINVALID, "team")
	stranger := f.actor(99, false)
	_, _, err = f.app.Teams.Join(f.ctx, stranger, "T1")
	wantRefusal(t, "Join by a stranger", err, ll.ENOTMEMBER, "")
	_, _, err = f.app.Teams.Leave(f.ctx, stranger, "T1")
	wantRefusal(t, "Leave by a stranger", err, ll.ENOTMEMBER, "")
	_, err = f.app.Teams.List(f.ctx, stranger)
	wantRefusal(t, "List by a stranger", err, ll.ENOTMEMBER, "")
	if n := len(f.audit()); n != 1 {
		t.Fatalf("audit has %d entries; joining and leaving are not audited", n)
	}
}

func TestTeamsToggleLeader(t *testing.T) {
	f := newFixture(t)
	sc := f.scope(1)
	if _, err := f.app.Teams.Create(f.ctx, sc, "Lights"); err != nil {
		t.Fatalf("Create: %v", err)
	}
	m3 := f.ms[2]
	r, err := f.app.Teams.ToggleLeader(f.ctx, sc, "t1", "m"+strings.TrimPrefix(m3.ID, "M"))
	if err != nil || !r.Leader || r.Team.ID != "T1" || r.Member.ID != m3.ID || r.Member.TelegramID != 3 {
		t.Fatalf("ToggleLeader on = %+v, %v", r, err)
	}
	tm, err := f.store.Team(f.ctx, "elm", "T1")
	if err != nil || !slices.Equal(tm.Leaders, []string{m3.ID}) || !slices.Contains(tm.Members, m3.ID) {
		t.Fatalf("T1 = %+v, %v; want %s leading and in it", tm, err, m3.ID)
	}
	if log := f.audit(); log[0].Action != "leader" || log[0].Object != "T1" || log[0].Detail != m3.ID || log[0].Actor != f.ms[0].ID {
		t.Fatalf("audit = %+v, want leader T1 %s by %s", log[0], m3.ID, f.ms[0].ID)
	}
	// By Telegram id, again: the leadership ends, the membership stays.
	r, err = f.app.Teams.ToggleLeader(f.ctx, sc, "T1", strconv.FormatInt(m3.TelegramID, 10))
	if err != nil || r.Leader || r.Member.ID != m3.ID {
		t.Fatalf("ToggleLeader off = %+v, %v", r, err)
	}
	if tm, _ := f.store.Team(f.ctx, "elm", "T1"); len(tm.Leaders) != 0 || !slices.Contains(tm.Members, m3.ID) {
		t.Fatalf("T1 after off = %+v", tm)
	}

	before := len(f.audit())
	for _, tc := range []struct{ team, member, code, detail string }{
		{"x", "M3", ll.EINVALID, "team"},
		{"T9", "M3", ll.ENOTFOUND, "team"},
		{"T1", "bob", ll.EINVALID, "member"},
		{"T1", "M99", ll.ENOTFOUND, "member"},
		{"T1", "4242", ll.ENOTFOUND, "member"},
	} {
		_, err := f.app.Teams.ToggleLeader(f.ctx, sc, tc.team, tc.member)
		wantRefusal(t, "ToggleLeader("+tc.team+" "+tc.member+")", err, tc.code, tc.detail)
	}
	if err := f.store.RemoveMember(f.ctx, "elm", m3.ID, f.now, nil); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	r, err = f.app.Teams.ToggleLeader(f.ctx, f.scope(1), "T1", m3.ID)
	wantRefusal(t, "ToggleLeader of a member who left", err, ll.ENOTMEMBER, "")
	if r.Member.ID != m3.ID {
		t.Fatalf("refusal names member %q, want %s", r.Member.ID, m3.ID)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused ToggleLeader wrote %d audit entries", after-before)
	}
}
