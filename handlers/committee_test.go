package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// committeeCommands is one valid use of every committee command.
var committeeCommands = []string{
	"/newpost Legal aid | claimed | 2 | help",
	"/newpost",
	"/editpost P1 title New title",
	"/newteam Night patrol",
	"/leader T1 M4",
	"/invite",
	"/invite committee",
	"/role M4 committee",
	"/remove M4",
	"/members",
	"/members bank",
	"/member M3",
	"/settings",
	"/settings minimum 3",
	"/settings notice",
	"/audit",
	"/audit 5",
}

func TestCommitteeCommandsRefusedForMembers(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			e := dongan(t)
			e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
			e.team("dongan", "Lighting team")
			plainMember := alice
			if lang == "zh" {
				plainMember = lin
				e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
			}
			want := map[string]string{"en": "Only the community committee can do this.", "zh": "只有社区大党委成员可以执行此操作。"}[lang]
			before := e.snapshot()
			for _, text := range committeeCommands {
				wantIn(t, "member "+text, e.send(plainMember, text), want)
			}
			// Privileged buttons too.
			wantIn(t, "member presses a member-list page", e.press(plainMember, "pg:m:2:"), want)
			wantIn(t, "member presses the communities page", e.press(plainMember, "pg:cm:2"), map[string]string{"en": "Only district admins", "zh": "只有区级管理员"}[lang])
			e.unchanged("committee commands of a plain member", before)

			notMember := map[string]person{"en": stranger, "zh": mou}[lang]
			wantNot := map[string]string{"en": "You are not a registered member", "zh": "您还不是已报到的党员"}[lang]
			for _, text := range committeeCommands {
				wantIn(t, "stranger "+text, e.send(notMember, text), wantNot)
			}
			for _, text := range []string{"/newcommunity x X", "/use dongan", "/communities"} {
				wantIn(t, "member "+text, e.send(plainMember, text), map[string]string{"en": "Only district admins", "zh": "只有区级管理员"}[lang])
			}
			e.unchanged("committee commands of a stranger", before)
		})
	}
}

func TestNewTeamAndLeader(t *testing.T) {
	e := dongan(t)
	wantIn(t, "/newteam", e.send(deputy, "/newteam Street <lighting> team"), "🏘 <b>东安社区</b>", "Created team <b>T1</b> Street &lt;lighting&gt; team.")
	rs := e.send(deputy, "/leader T1 M4")
	wantIn(t, "/leader", rs, "M4 Bob Sun now leads <b>T1</b>")
	if len(rs) != 2 || rs[1].ChatID != bob.id || rs[1].ToLabel != "M4 (Bob Sun)" || !strings.Contains(rs[1].Text, "You are now a leader of team <b>T1</b>") {
		t.Errorf("/leader replies = %+v, want a message to Bob", rs)
	}
	team, _ := e.store.Team(e.ctx, "dongan", "T1")
	if len(team.Leaders) != 1 || team.Leaders[0] != "M4" {
		t.Errorf("T1 leaders = %v, want [M4]", team.Leaders)
	}
	// By Telegram id, toggling off.
	wantIn(t, "/leader off", e.send(deputy, fmt.Sprintf("/leader T1 %d", bob.id)), "M4 Bob Sun no longer leads <b>T1</b>")
	before := e.snapshot()
	for _, tt := range []struct{ text, want string }{
		{"/leader T1", "Usage: <code>/leader"},
		{"/leader T9 M4", "T9 was not found"},
		{"/leader T1 M99", "M99 was not found"},
		{"/leader T1 bob", "Name a member by M id"},
		{"/leader X M4", "That is not a team id"},
		{"/newteam", "Usage: <code>/newteam"},
		{"/newteam " + strings.Repeat("n", 65), "The name must be 1 to 64"},
	} {
		wantIn(t, tt.text, e.send(deputy, tt.text), tt.want)
	}
	e.unchanged("bad team commands", before)
}

func TestInviteAndRoleRestrictedToSecretary(t *testing.T) {
	e := dongan(t)
	rs := e.send(deputy, "/invite")
	wantIn(t, "deputy /invite", rs, "Invite for: <b>member</b>", "https://t.me/lamplighter_bot?start=join_dongan-", "Valid until 2026-04-01")

	before := e.snapshot()
	wantIn(t, "deputy /invite committee", e.send(deputy, "/invite committee"), "Only the community secretary or a district admin")
	wantIn(t, "deputy /role", e.send(deputy, "/role M3 committee"), "Only the community secretary or a district admin")
	wantIn(t, "deputy /remove secretary", e.send(deputy, "/remove M1"), "Only the community secretary or a district admin")
	wantIn(t, "/invite bogus", e.send(secretary, "/invite king"), "The role must be secretary, deputy, committee or none")
	wantIn(t, "/role bogus", e.send(secretary, "/role M3 king"), "The role must be")
	wantIn(t, "/role missing", e.send(secretary, "/role M3"), "Usage: <code>/role")
	wantIn(t, "/role unknown", e.send(secretary, "/role M77 committee"), "M77 was not found")
	wantIn(t, "/role same", e.send(secretary, "/role M2 deputy"), "M2 Zhao Min is already deputy secretary")
	e.unchanged("refused role changes", before)

	rs = e.send(secretary, "/invite committee")
	wantIn(t, "secretary /invite committee", rs, "Invite for: <b>committee member</b>", "Valid until 2026-03-09")

	rs = e.send(secretary, "/role m3 committee")
	wantIn(t, "/role", rs, "✅ M3 Alice Chen: committee member.")
	if len(rs) != 2 || rs[1].ChatID != alice.id || rs[1].ToLabel != "M3 (Alice Chen)" || rs[1].SetMenu != "committee" ||
		!strings.Contains(rs[1].Text, "appointed <b>committee member</b> of 东安社区") {
		t.Errorf("/role replies = %+v, want Alice told with the committee menu", rs)
	}
	if m := e.storedMember("dongan", alice); m.Role != ll.RoleCommittee {
		t.Errorf("alice role = %q, want committee", m.Role)
	}
	// Alice can now use committee commands; the role is read at each request.
	wantIn(t, "alice /members", e.send(alice, "/members"), "Members (4)")
	rs = e.send(secretary, "/role M3 none")
	if len(rs) != 2 || rs[1].SetMenu != "member" || !strings.Contains(rs[1].Text, "has ended") {
		t.Errorf("/role none replies = %+v", rs)
	}
	wantIn(t, "alice /members after removal", e.send(alice, "/members"), "Only the community committee")

	entries, _ := e.store.AuditLog(e.ctx, "dongan", 10, testNow.AddDate(-1, 0, 0))
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Actor+":"+en.Action+":"+en.Object)
	}
	got := strings.Join(actions, " ")
	for _, w := range []string{"M1:role:M3", "M1:invite:dongan-", "M2:invite:dongan-"} {
		if !strings.Contains(got, w) {
			t.Errorf("audit = %s, want %s", got, w)
		}
	}
}

func TestRemoveMember(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
	e.send(bob, "/claim P1")
	rs := e.send(deputy, "/remove M4")
	wantIn(t, "/remove", rs, "M4 Bob Sun is no longer a member; their service record is kept.")
	if len(rs) != 2 || rs[1].ChatID != bob.id || !strings.Contains(rs[1].Text, "no longer registered with 东安社区") {
		t.Errorf("/remove replies = %+v, want Bob told", rs)
	}
	m, _ := e.store.Member(e.ctx, "dongan", "M4")
	if m.Status != ll.StatusLeft {
		t.Errorf("M4 status = %q, want left", m.Status)
	}
	wantIn(t, "bob /me", e.send(bob, "/me"), "You are not a registered member")
	wantIn(t, "/remove again", e.send(deputy, "/remove M4"), "M4 Bob Sun is not an active member.")
	wantIn(t, "/member of a left member", e.send(deputy, "/member M4"), "Status: moved away 2026-03-02")
	wantIn(t, "/role on a left member", e.send(secretary, "/role M4 committee"), "M4 is not an active member")
	wantIn(t, "/remove", e.send(deputy, "/remove"), "Usage: <code>/remove")
}

func TestMembersSearchAndPaging(t *testing.T) {
	e := dongan(t)
	var ms []ll.Member
	for i := 1; i <= 12; i++ {
		ms = append(ms, ll.Member{Name: fmt.Sprintf("Volunteer %02d", i), Unit: "Bank of Shanghai", Building: "7"})
	}
	if _, err := e.store.ImportMembers(e.ctx, "dongan", ms, e.now, nil); err != nil {
		t.Fatalf("ImportMembers: %v", err)
	}
	rs := e.send(deputy, "/members")
	wantIn(t, "/members", rs, "🏘 <b>东安社区</b>", "Members (16)", "Page 1 of 2")
	rs = e.send(deputy, "/members bank")
	wantIn(t, "/members bank", rs, "Members matching «bank» (13)", "<b>M3</b> Alice Chen · Bank of China", "Page 1 of 2")
	next := button(t, rs, "›").Data
	if next != "pg:m:2:bank" {
		t.Errorf("› = %q, want pg:m:2:bank", next)
	}
	rs = e.press(deputy, next)
	if len(rs) != 1 || !rs[0].Edit {
		t.Fatalf("page press = %+v, want one Edit reply", rs)
	}
	wantIn(t, "page 2", rs, "🏘 <b>东安社区</b>", "Volunteer 12", "Page 2 of 2")
	wantIn(t, "/members law", e.send(deputy, "/members LAW"), "(1)", "Alice Chen")
	wantIn(t, "/members m4", e.send(deputy, "/members m4"), "Bob Sun")
	wantIn(t, "/members nobody", e.send(deputy, "/members nobody"), "No member matches «nobody».")
	wantIn(t, "/members long", e.send(deputy, "/members "+strings.Repeat("银行", 10)), "That search is too long")

	rs = e.send(deputy, "/member M3")
	wantIn(t, "/member", rs, "<b>M3</b> Alice Chen", "Status: active · joined 2026-03-02", "Posts held: 0 (minimum 1)")
	wantIn(t, "/member by tg", e.send(deputy, fmt.Sprintf("/member %d", alice.id)), "<b>M3</b> Alice Chen")
	wantIn(t, "/member unknown tg", e.send(deputy, "/member 123456"), "123456 was not found")
	wantIn(t, "/member", e.send(deputy, "/member"), "Usage: <code>/member")
}

func TestSettings(t *testing.T) {
	e := dongan(t)
	wantIn(t, "/settings", e.send(secretary, "/settings"), "🏘 <b>东安社区</b>", "Time zone: Asia/Shanghai", "Yearly minimum: 2", "Notice chat: not set", "Usage:")
	// The minimums are the secretary's (SPEC section 9), the rest the committee's.
	for _, tt := range []struct{ text, want string }{
		{"/settings minimum 3", "Yearly minimum: 3"},
		{"/settings postminimum 2", "Post minimum: 2"},
	} {
		wantIn(t, tt.text, e.send(secretary, tt.text), "Saved", tt.want)
	}
	for _, tt := range []struct{ text, want string }{
		{"/settings timezone Asia/Urumqi", "Time zone: Asia/Urumqi"},
		{"/settings language en", "Language: en"},
		{"/settings notice -1009876543210", "Notice chat: <code>-1009876543210</code>"},
		{"/settings notice off", "Notice chat: not set"},
	} {
		wantIn(t, tt.text, e.send(deputy, tt.text), "Saved", tt.want)
	}
	c, _ := e.store.Community(e.ctx, "dongan")
	if c.Minimum != 3 || c.PostMinimum != 2 || c.TimeZone != "Asia/Urumqi" || c.Language != "en" || c.NoticeChat != 0 {
		t.Errorf("community = %+v", c)
	}
	before := e.snapshot()
	for _, tt := range []struct{ text, want string }{
		{"/settings timezone Mars/Olympus", "Unknown time zone"},
		{"/settings timezone ../../etc/passwd", "Unknown time zone"},
		{"/settings timezone Local", "Unknown time zone"},
		{"/settings language fr", "The language must be zh or en"},
		{"/settings notice channel", "The notice chat must be a chat id"},
		{"/settings colour red", "Usage: <code>/settings"},
		{"/settings minimum", "Usage: <code>/settings"},
	} {
		wantIn(t, tt.text, e.send(deputy, tt.text), tt.want)
	}
	for _, tt := range []struct{ text, want string }{
		{"/settings minimum lots", "The minimum must be a whole number from 0 to 365"},
		{"/settings minimum 400", "The minimum must be a whole number from 0 to 365"},
		{"/settings postminimum -1", "The post minimum must be a whole number from 0 to 50"},
	} {
		wantIn(t, tt.text, e.send(secretary, tt.text), tt.want)
	}
	e.unchanged("bad /settings", before)

	// The notice chat by forwarding a message from the channel.
	wantIn(t, "/settings notice", e.send(deputy, "/settings notice"), "Forward me any message")
	wantIn(t, "plain text", e.send(deputy, "the channel"), "Forward me any message")
	fwd := request(deputy, "/notice 2026", true)
	fwd.ForwardedFromChat = -1005555
	wantIn(t, "forwarded", e.do(fwd), "Notice chat: <code>-1005555</code>")
	if c, _ := e.store.Community(e.ctx, "dongan"); c.NoticeChat != -1005555 {
		t.Errorf("notice chat = %d, want -1005555", c.NoticeChat)
	}
	entries, _ := e.store.AuditLog(e.ctx, "dongan", 1, testNow.AddDate(-1, 0, 0))
	if len(entries) != 1 || entries[0].Action != "settings" || entries[0].Object != "notice" || entries[0].Actor != "M2" {
		t.Errorf("audit = %+v, want settings notice by M2", entries)
	}
}

func TestAudit(t *testing.T) {
	e := dongan(t)
	wantIn(t, "/audit empty", e.send(secretary, "/audit"), "The audit log is empty.")
	e.send(secretary, "/newteam <Night> patrol")
	e.send(secretary, "/settings minimum 4")
	rs := e.send(secretary, "/audit 1")
	wantIn(t, "/audit 1", rs, "Last 1 audit entries", "2026-03-02 18:00 · M1 · <b>settings</b> minimum — 4 from 2026")
	wantNotIn(t, "/audit 1", rs, "newteam")
	wantIn(t, "/audit", e.send(secretary, "/audit"), "<b>newteam</b> T1 — &lt;Night&gt; patrol")
	for _, bad := range []string{"/audit 0", "/audit 51", "/audit many"} {
		wantIn(t, bad, e.send(secretary, bad), "Give a number from 1 to 50.")
	}
}

func TestLongAnswersFitTelegram(t *testing.T) {
	e := dongan(t)
	long := func(c string, n int) string { return strings.Repeat(c, n) }
	for i := 0; i < 50; i++ {
		err := e.store.Audit(e.ctx, ll.AuditEntry{Time: e.now, Community: "dongan", Actor: "M1", Action: "editpost",
			Object: fmt.Sprintf("P%d", i+1), Detail: long("细", 200)})
		if err != nil {
			t.Fatalf("Audit: %v", err)
		}
	}
	rs := e.send(secretary, "/audit 50")
	if len(rs) < 2 {
		t.Errorf("/audit 50 = %d replies, want the long log split", len(rs))
	}
	for i := 1; i <= 50; i++ {
		wantIn(t, "/audit 50", rs, fmt.Sprintf("<b>editpost</b> P%d ", i))
	}
	skills := []string{long("a", 30), long("b", 30), long("c", 30), long("d", 30), long("e", 30),
		long("f", 30), long("g", 30), long("h", 30), long("i", 30), long("j", 30)}
	for i := 0; i < 15; i++ {
		e.post(ll.Post{Community: "dongan", Title: fmt.Sprintf("%d%s", i, long("题", 118)), Mode: ll.ModeFixedPoint,
			Skills: skills, Place: long("地", 120), Time: long("时", 120), Description: long("述", 1000)})
		e.send(alice, fmt.Sprintf("/claim P%d", i+1))
	}
	e.send(alice, "/profile skills "+strings.Join(skills, ","))
	e.send(alice, "/profile unit "+long("单", 80))
	// checkReplies fails any reply over 4096 characters.
	wantIn(t, "/posts", e.send(alice, "/posts"), "Page 1 of 2")
	wantIn(t, "/me", e.send(alice, "/me"), "Posts held: 15", "and 5 more")
	e.send(secretary, "/members")
	e.send(secretary, "/member M3")
	e.send(secretary, "/editpost P1 target "+long("对", 120))
}
