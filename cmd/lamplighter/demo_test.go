package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// newcomerScript registers Telegram user 99999 through the demo invite,
// claims P1 and shows the member card.
var newcomerScript = strings.Join([]string{
	"/as 99999",
	"/join " + demoInviteCode,
	"王小明",   // name
	"东安小学",  // unit, typed
	"8栋",    // building
	"电工;照明", // skills, typed
	"完成",    // done with skills
	"1",     // [1] confirm
	"/claim P1",
	"/me",
	"/quit",
}, "\n") + "\n"

func TestDemoSeed(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	d, err := seedDemo(ctx, e.st, testNow)
	if err != nil {
		t.Fatalf("seedDemo: %v", err)
	}

	comms, err := e.st.Communities(ctx)
	if err != nil || len(comms) != 2 || comms[0].ID != "dongan" || comms[1].ID != "xiyuan" {
		t.Fatalf("Communities = %+v, %v; want dongan and xiyuan", comms, err)
	}
	ms, err := e.st.Members(ctx, demoCommunity)
	if err != nil || len(ms) != len(demoMembers) {
		t.Fatalf("Members(dongan) = %d, %v; want %d", len(ms), err, len(demoMembers))
	}
	roles := map[ll.Role][]string{}
	for _, m := range ms {
		roles[m.Role] = append(roles[m.Role], m.ID)
		if m.TelegramID == 0 || m.Unit == "" || m.Building == "" || len(m.Skills) == 0 || !m.Active() {
			t.Errorf("demo member %+v lacks a Telegram id, unit, building or skills", m)
		}
	}
	if !slices.Equal(roles[ll.RoleSecretary], []string{"M1"}) || !slices.Equal(roles[ll.RoleCommittee], []string{"M2"}) {
		t.Errorf("roles = %v, want secretary M1 and committee M2", roles)
	}
	if m, err := e.st.MemberByTelegram(ctx, demoCommunity, demoSecretaryTG); err != nil || m.ID != "M1" {
		t.Errorf("MemberByTelegram(%d) = %v, %v; want M1", demoSecretaryTG, m.ID, err)
	}
	if u, err := e.st.User(ctx, demoSecretaryTG); err != nil || u.Community != demoCommunity || u.MemberID != "M1" {
		t.Errorf("User(%d) = %+v, %v; want a pointer to dongan/M1", demoSecretaryTG, u, err)
	}

	posts, err := e.st.Posts(ctx, demoCommunity)
	if err != nil || len(posts) != 4 {
		t.Fatalf("Posts(dongan) = %d, %v; want 4", len(posts), err)
	}
	modes := map[string]ll.Post{}
	for _, p := range posts {
		if _, ok := modes[p.Mode]; !ok {
			modes[p.Mode] = p
		}
	}
	if p := modes[ll.ModeFixedPoint]; p.Place == "" || p.Time == "" {
		t.Errorf("fixed-point post %+v has no place or time", p)
	}
	if p := modes[ll.ModePaired]; p.Target == "" || !p.Full() {
		t.Errorf("paired post %+v has no target or is not full", p)
	}
	if p := modes[ll.ModeClaimed]; p.ID != "P1" || p.Claims != 1 {
		t.Errorf("claimed post %+v, want P1 with one claim", p)
	}
	teams, err := e.st.Teams(ctx, demoCommunity)
	if err != nil || len(teams) != 2 {
		t.Fatalf("Teams(dongan) = %+v, %v; want 2", teams, err)
	}
	for _, tm := range teams {
		if len(tm.Leaders) != 1 || len(tm.Members) < 3 {
			t.Errorf("team %+v: want a leader and at least 3 members", tm)
		}
	}
	inv, err := e.st.Invite(ctx, demoInviteCode)
	if err != nil || inv.Community != demoCommunity || inv.Member != "" || inv.Role != ll.RoleNone {
		t.Errorf("Invite(%s) = %+v, %v; want a member invite of dongan", demoInviteCode, inv, err)
	}
	if len(d.Members["xiyuan"]) != 2 || d.Members["xiyuan"][0].Role != ll.RoleSecretary {
		t.Errorf("xiyuan members = %+v", d.Members["xiyuan"])
	}

	// A newcomer registers in the console and claims a post.
	var out, errOut bytes.Buffer
	p := e.program(newcomerScript, &out, &errOut)
	p.cfg = configFromEnv(p.env)
	if err := p.setup(false, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.chat(ctx, e.st, "M1", demoCommunity, []int64{demoAdminTG}); err != nil {
		t.Fatalf("chat: %v\n%s", err, out.String())
	}
	m, err := e.st.MemberByTelegram(ctx, demoCommunity, demoNewcomerTG)
	if err != nil {
		t.Fatalf("the newcomer is not a member after the session: %v\nconsole:\n%s", err, out.String())
	}
	want := ll.Member{ID: "M8", Name: "王小明", Unit: "东安小学", Building: "8栋", Skills: []string{"电工", "照明"}}
	if m.ID != want.ID || m.Name != want.Name || m.Unit != want.Unit || m.Building != want.Building || !slices.Equal(m.Skills, want.Skills) || !m.Active() {
		t.Errorf("newcomer = %+v, want %+v", m, want)
	}
	claims, err := e.st.ClaimsOf(ctx, demoCommunity, m.ID)
	if err != nil || len(claims) != 1 || claims[0].Post != "P1" || !claims[0].Released.IsZero() {
		t.Errorf("ClaimsOf(%s) = %+v, %v; want a hold on P1", m.ID, claims, err)
	}
	if p1, _ := e.st.Post(ctx, demoCommunity, "P1"); p1.Claims != 2 {
		t.Errorf("P1 has %d claims, want 2", p1.Claims)
	}
	// /me shows the post.
	if i := strings.LastIndex(out.String(), "M8 王小明"); i < 0 || !strings.Contains(out.String()[i:], "P1") {
		t.Errorf("the /me card does not show P1:\n%s", out.String())
	}
}

// TestDemoCommand runs "lamplighter demo" itself (miniredis and all) with the
// newcomer's script on stdin.
func TestDemoCommand(t *testing.T) {
	code, stdout, stderr := runCmd(t, nil, newcomerScript, "demo")
	if code != 0 {
		t.Fatalf("demo: exit %d, stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	for _, want := range []string{
		"You are dongan:M1 李秀兰 (secretary",
		"/as 99999",
		"/join " + demoInviteCode,
		"/quit",
		"(you are now Telegram user 99999 (not registered))",
		"M8",
		"P1",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	code, _, stderr = runCmd(t, nil, "", "demo", "--as", "M99")
	if code != 2 || !strings.Contains(stderr, "M99") {
		t.Errorf("demo --as M99: exit %d, stderr %q", code, stderr)
	}
}
