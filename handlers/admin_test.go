package handlers_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestAdminCommunities(t *testing.T) {
	e := dongan(t, admin.id)
	wantIn(t, "/newpost before /use", e.send(admin, "/newpost Patrol"), "Choose the community to act on first")

	rs := e.send(admin, "/newcommunity XiYuan 西苑社区")
	wantIn(t, "/newcommunity", rs, "Created community <b>西苑社区</b> (xiyuan), time zone Asia/Shanghai, language zh")
	c, err := e.store.Community(e.ctx, "xiyuan")
	if err != nil || c.Minimum != 2 || c.PostMinimum != 1 {
		t.Errorf("Community(xiyuan) = %+v, %v", c, err)
	}
	// The new community is the one the admin acts on.
	wantIn(t, "/newpost in xiyuan", e.send(admin, "/newpost Night patrol | claimed | 4"), "🏘 <b>西苑社区</b> (xiyuan)", "Created post <b>P1</b>")
	rs = e.send(admin, "/invite secretary")
	wantIn(t, "/invite secretary", rs, "🏘 <b>西苑社区</b>", "Invite for: <b>secretary</b>", "start=join_xiyuan-")

	wantIn(t, "/use dongan", e.send(admin, "/use DONGAN"), "Committee commands now act on <b>东安社区</b> (dongan).")
	wantIn(t, "/newpost in dongan", e.send(admin, "/newpost Legal aid"), "🏘 <b>东安社区</b> (dongan)", "Created post <b>P1</b>")
	wantIn(t, "/role by admin", e.send(admin, "/role M3 deputy"), "🏘 <b>东安社区</b>", "M3 Alice Chen: deputy secretary")
	wantIn(t, "/members by admin", e.send(admin, "/members"), "🏘 <b>东安社区</b>", "Members (4)")
	e.send(alice, "/claim P1")

	rs = e.send(admin, "/communities")
	wantIn(t, "/communities", rs, "Communities (2)", "<b>dongan</b> 东安社区 · 4 members · 1 hold ≥1 post(s)", "<b>xiyuan</b> 西苑社区 · 0 members · 0 hold")

	entries, _ := e.store.AuditLog(e.ctx, "dongan", 10, testNow.AddDate(-1, 0, 0))
	var got []string
	for _, en := range entries {
		got = append(got, en.Actor+":"+en.Action)
	}
	for _, w := range []string{"tg:9001:role", "tg:9001:newpost", "tg:9001:use"} {
		if !strings.Contains(strings.Join(got, " "), w) {
			t.Errorf("dongan audit = %v, want %s", got, w)
		}
	}
	xe, _ := e.store.AuditLog(e.ctx, "xiyuan", 10, testNow.AddDate(-1, 0, 0))
	if len(xe) == 0 || xe[len(xe)-1].Action != "newcommunity" || xe[len(xe)-1].Actor != "tg:9001" {
		t.Errorf("xiyuan audit = %+v, want newcommunity by tg:9001 first", xe)
	}

	before := e.snapshot()
	for _, tt := range []struct{ text, want string }{
		{"/newcommunity dongan Again", "A community with the id dongan already exists."},
		{"/newcommunity bad_id! Name", "A community id is 1 to 20 of a-z, 0-9 and -"},
		{"/newcommunity " + strings.Repeat("a", 21) + " Name", "A community id is 1 to 20"},
		{"/newcommunity lonely", "Usage: <code>/newcommunity"},
		{"/newcommunity x " + strings.Repeat("名", 65), "The name must be 1 to 64"},
		{"/use nowhere", "nowhere was not found"},
		{"/use ../x", "A community id is 1 to 20"},
		{"/use", "Usage: <code>/use"},
	} {
		wantIn(t, tt.text, e.send(admin, tt.text), tt.want)
	}
	e.unchanged("bad admin commands", before)
}

func TestCommunitiesPaging(t *testing.T) {
	e := newEnv(t, admin.id)
	for i := 1; i <= 10; i++ {
		e.community(fmt.Sprintf("c%02d", i), fmt.Sprintf("Community %d", i))
	}
	rs := e.send(admin, "/communities")
	wantIn(t, "/communities", rs, "Communities (10)", "<b>c08</b>", "Page 1 of 2")
	rs = e.press(admin, button(t, rs, "›").Data)
	if len(rs) != 1 || !rs[0].Edit {
		t.Fatalf("page press = %+v, want one Edit reply", rs)
	}
	wantIn(t, "page 2", rs, "<b>c09</b>", "<b>c10</b>")
}

func TestAdminWhoIsAMember(t *testing.T) {
	e := dongan(t, bob.id)
	// Without /use an admin acts on their own community, as themselves.
	wantIn(t, "/newteam", e.send(bob, "/newteam Patrol"), "🏘 <b>东安社区</b>", "Created team <b>T1</b>")
	entries, _ := e.store.AuditLog(e.ctx, "dongan", 1, testNow.AddDate(-1, 0, 0))
	if len(entries) != 1 || entries[0].Actor != "M4" {
		t.Errorf("audit = %+v, want actor M4", entries)
	}
	// And may appoint, as an admin.
	wantIn(t, "/role", e.send(bob, "/role M3 committee"), "M3 Alice Chen: committee member")
	wantIn(t, "/help", e.send(bob, "/help"), "/me", "/newpost", "/newcommunity")
	e.community("xiyuan", "西苑社区")
	e.send(bob, "/use xiyuan")
	e.send(bob, "/newteam Elsewhere")
	xe, _ := e.store.AuditLog(e.ctx, "xiyuan", 1, testNow.AddDate(-1, 0, 0))
	if len(xe) != 1 || xe[0].Actor != fmt.Sprintf("tg:%d", bob.id) {
		t.Errorf("xiyuan audit = %+v, want actor tg:%d", xe, bob.id)
	}
	if _, err := e.store.Team(e.ctx, "xiyuan", "T1"); err != nil {
		t.Errorf("Team(xiyuan, T1): %v", err)
	}
}
