package handlers_test

import (
	"fmt"
	"slices"
	"testing"
)

func TestTeams(t *testing.T) {
	e := dongan(t)
	e.team("dongan", "Lighting team")
	e.team("dongan", "Legal aid team")

	rs := e.send(alice, "/teams")
	wantIn(t, "/teams", rs, "Teams (2)", "<b>T1</b> Lighting team · 0 members", "<b>T2</b> Legal aid team")
	if !hasButtonData(rs, "jt:T1") || !hasButtonData(rs, "jt:T2") {
		t.Fatalf("/teams buttons = %s, want Join for both", dumpButtons(rs))
	}
	wantIn(t, "press jt:T1", e.press(alice, "jt:T1"), "You joined <b>T1</b> Lighting team.")
	wantIn(t, "press jt:T1 again", e.press(alice, "jt:T1"), "You are already in <b>T1</b>")
	wantIn(t, "/jointeam t2", e.send(alice, "/jointeam t2"), "You joined <b>T2</b> Legal aid team.")
	rs = e.send(alice, "/teams")
	wantIn(t, "/teams after joining", rs, "Lighting team · 1 members ✅ yours")
	if !hasButtonData(rs, "lt:T1") || hasButtonData(rs, "jt:T1") {
		t.Errorf("/teams buttons = %s, want Leave for a team she is in", dumpButtons(rs))
	}
	wantIn(t, "/me", e.send(alice, "/me"), "Teams: T1 Lighting team; T2 Legal aid team")
	wantIn(t, "/leaveteam T1", e.send(alice, "/leaveteam T1"), "You left <b>T1</b> Lighting team.")
	wantIn(t, "press lt:T1", e.press(alice, "lt:T1"), "You are not in <b>T1</b>")
	wantIn(t, "/jointeam T9", e.send(alice, "/jointeam T9"), "T9 was not found.")
	wantIn(t, "/jointeam x", e.send(alice, "/jointeam x"), "That is not a team id")
	wantIn(t, "/jointeam", e.send(alice, "/jointeam"), "Usage: <code>/jointeam")
	wantIn(t, "/leaveteam", e.send(alice, "/leaveteam"), "Usage: <code>/leaveteam")
	wantIn(t, "stranger press jt:T1", e.press(stranger, "jt:T1"), "not a registered member")

	team, err := e.store.Team(e.ctx, "dongan", "T2")
	if err != nil || !slices.Equal(team.Members, []string{"M3"}) {
		t.Errorf("T2 = %+v, %v; want members [M3]", team, err)
	}
	wantIn(t, "teams empty elsewhere", e.send(alice, "/teams"), "Teams (2)")
}

func TestTeamsPaging(t *testing.T) {
	e := dongan(t)
	for i := 1; i <= 10; i++ {
		e.team("dongan", fmt.Sprintf("Team %d", i))
	}
	rs := e.send(bob, "/teams")
	wantIn(t, "/teams", rs, "Page 1 of 2", "<b>T8</b>")
	wantNotIn(t, "/teams", rs, "<b>T9</b>")
	rs = e.press(bob, "pg:t:2")
	if len(rs) != 1 || !rs[0].Edit {
		t.Fatalf("pg:t:2 = %+v, want one Edit reply", rs)
	}
	wantIn(t, "pg:t:2", rs, "<b>T9</b>", "<b>T10</b>", "Page 2 of 2")
	if !hasButtonData(rs, "pg:t:1") {
		t.Errorf("page 2 buttons = %s, want ‹", dumpButtons(rs))
	}
}

func TestNoTeams(t *testing.T) {
	e := dongan(t)
	wantIn(t, "/teams", e.send(alice, "/teams"), "There are no teams yet.")
}

func TestLeaderOfAMemberWhoLeft(t *testing.T) {
	e := dongan(t)
	e.team("dongan", "Lighting team")
	if err := e.store.RemoveMember(e.ctx, "dongan", "M4", e.now, nil); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	before := e.snapshot()
	wantIn(t, "/leader T1 M4", e.send(deputy, "/leader T1 M4"), "M4 is not an active member.")
	e.unchanged("/leader of a member who left", before)
}
