package handlers_test

import (
	"slices"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestHelpDiffersByRole(t *testing.T) {
	e := dongan(t, admin.id)
	tests := []struct {
		who       person
		want, not []string
		wantMenu  string
	}{
		{who: stranger, want: []string{"/join", "/lang", "not registered yet"}, not: []string{"/me", "/newpost", "/newcommunity"}},
		{who: alice, want: []string{"/me", "/posts", "/claim", "/teams"}, not: []string{"/join —", "/newpost", "/role", "/newcommunity"}, wantMenu: "member"},
		{who: deputy, want: []string{"/me", "/newpost", "/members", "/role", "secretary only"}, not: []string{"/newcommunity"}, wantMenu: "committee"},
		{who: secretary, want: []string{"/me", "/newpost", "/role", "/invite"}, not: []string{"secretary only", "/newcommunity"}, wantMenu: "committee"},
		{who: admin, want: []string{"/newpost", "/newcommunity", "/use", "/communities"}, not: []string{"/me —", "secretary only"}, wantMenu: "committee"},
	}
	for _, tt := range tests {
		rs := e.send(tt.who, "/help")
		wantIn(t, tt.who.name+" /help", rs, tt.want...)
		wantNotIn(t, tt.who.name+" /help", rs, tt.not...)
		if rs[0].SetMenu != tt.wantMenu {
			t.Errorf("%s /help SetMenu = %q, want %q", tt.who.name, rs[0].SetMenu, tt.wantMenu)
		}
	}
	// In Chinese too.
	wantIn(t, "lin /help", e.send(lin, "/help"), "您还没有报到", "/join — 用邀请码报到")
}

func TestLang(t *testing.T) {
	e := dongan(t)
	wantIn(t, "/lang zh", e.send(alice, "/lang zh"), "语言已设为中文")
	wantIn(t, "/me after /lang zh", e.send(alice, "/me"), "社区：东安社区", "职务：党员")
	if m := e.storedMember("dongan", alice); m.Language != "zh" {
		t.Errorf("member language = %q, want zh", m.Language)
	}
	wantIn(t, "/lang en", e.send(alice, "/lang en"), "Language set to English")
	wantIn(t, "/lang fr", e.send(alice, "/lang fr"), "Usage: <code>/lang zh</code>")
	wantIn(t, "/lang", e.send(alice, "/lang"), "Usage: <code>/lang zh</code>")
	// A stranger can choose a language too; it overrides Telegram's.
	wantIn(t, "stranger /lang zh", e.send(stranger, "/lang zh"), "语言已设为中文")
	wantIn(t, "stranger /help", e.send(stranger, "/help"), "我能做什么")
	// Without any hint the community's language (zh) is used for a member.
	noHint := person{id: 2099, name: "No Hint"}
	e.member("dongan", noHint, ll.RoleNone, "", "")
	wantIn(t, "no language hint", e.send(noHint, "/me"), "社区：东安社区")
}

func TestProfileOneLine(t *testing.T) {
	e := dongan(t)
	wantIn(t, "/profile unit", e.send(alice, "/profile unit Agricultural Bank"), "Saved", "Unit: Agricultural Bank")
	wantIn(t, "/profile skills", e.send(alice, "/profile skills law、tax；first aid"), "Skills: law, tax, first aid")
	wantIn(t, "/profile 姓名", e.send(alice, "/profile 姓名 陈爱丽"), "Name: 陈爱丽")
	m := e.storedMember("dongan", alice)
	if m.Name != "陈爱丽" || m.Unit != "Agricultural Bank" || !slices.Equal(m.Skills, []string{"law", "tax", "first aid"}) {
		t.Errorf("member after /profile = %+v", m)
	}
	before := e.snapshot()
	wantIn(t, "/profile name too long", e.send(alice, "/profile name "+strings.Repeat("x", 65)), "The name must be 1 to 64")
	wantIn(t, "/profile bad field", e.send(alice, "/profile age 40"), "Usage: <code>/profile")
	e.unchanged("bad /profile", before)
}

func TestProfileGuided(t *testing.T) {
	e := dongan(t)
	rs := e.send(alice, "/profile")
	wantIn(t, "/profile", rs, "What would you like to change?", "Unit: Bank of China")
	rs = e.press(alice, button(t, rs, "Building").Data)
	wantIn(t, "building", rs, "Which building")
	rs = e.send(alice, "20")
	wantIn(t, "new building", rs, "Saved", "Building: 20")
	if m := e.storedMember("dongan", alice); m.Building != "20" {
		t.Errorf("building = %q, want 20", m.Building)
	}
	// The flow is over: plain text gets a hint.
	wantIn(t, "text after profile", e.send(alice, "21"), "I only understand commands")

	// Skills: the current ones are preselected; toggle one off.
	rs = e.send(alice, "/profile skills")
	if got := button(t, rs, "law").Text; got != "✓ law" {
		t.Errorf("skills button = %q, want ✓ law", got)
	}
	rs = e.press(alice, button(t, rs, "law").Data)
	rs = e.press(alice, button(t, rs, "Done").Data)
	wantIn(t, "skills saved", rs, "Skills: accounting")
}

func TestMeShowsTeamsAndLeadership(t *testing.T) {
	e := dongan(t)
	e.team("dongan", "Lighting team")
	e.send(alice, "/jointeam T1")
	e.send(secretary, "/leader T1 M3")
	wantIn(t, "/me", e.send(alice, "/me"), "Teams: T1 Lighting team (leader)")
}

func TestUserTextIsEscaped(t *testing.T) {
	e := newEnv(t)
	e.community("dongan", "<东安> & Co")
	evil := person{id: 4001, name: "<b>Bob</b> & <script>", lang: "en"}
	e.member("dongan", evil, ll.RoleSecretary, "<i>Unit", "a&b")
	e.post(ll.Post{Community: "dongan", Title: "<a href=x>click</a>", Description: "1 < 2 & 3 > 2"})
	for _, cmd := range []string{"/me", "/posts", "/members", "/member M1", "/settings", "/newteam <u>team</u>", "/teams", "/claim P1", "/audit"} {
		rs := e.send(evil, cmd)
		// checkReplies has verified the HTML; the text must still be there.
		wantNotIn(t, cmd, rs, "<script>", "<u>", "<i>Unit")
	}
	wantIn(t, "/me", e.send(evil, "/me"), "&lt;b&gt;Bob&lt;/b&gt; &amp; &lt;script&gt;", "&lt;东安&gt; &amp; Co")
}

func TestUnreachableMemberWritesAgain(t *testing.T) {
	e := dongan(t)
	if err := e.store.SetReachable(e.ctx, alice.id, false); err != nil {
		t.Fatalf("SetReachable: %v", err)
	}
	if m := e.storedMember("dongan", alice); !m.Unreachable {
		t.Fatalf("member not unreachable after SetReachable(false)")
	}
	e.send(alice, "/help")
	if m := e.storedMember("dongan", alice); m.Unreachable {
		t.Errorf("member still unreachable after writing to the bot")
	}
	// A reachable member's request writes nothing.
	before := e.snapshot()
	e.send(alice, "/help")
	e.unchanged("/help of a reachable member", before)
}

func TestPlainTextWithoutFlow(t *testing.T) {
	e := dongan(t)
	wantIn(t, "member text", e.send(alice, "hello"), "I only understand commands", "/help")
	wantIn(t, "stranger text", e.send(stranger, "hello"), "not registered yet")
	wantIn(t, "stranger text zh", e.send(mou, "你好"), "您还没有报到")
	r := request(alice, "", true)
	r.Location = &ll.Location{Latitude: 31.2, Longitude: 121.5}
	wantIn(t, "location pin", e.do(r), "A location pin does not check you in")
}
