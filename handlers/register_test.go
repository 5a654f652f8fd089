package handlers_test

import (
	"slices"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestRegisterThroughCommunityInvite(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid desk", Capacity: 2, Skills: []string{"law"}})
	e.post(ll.Post{Community: "dongan", Title: "Street lighting", Capacity: 0})
	newbie := person{id: 5001, name: "Wang Fang", lang: "en-US"}

	code := inviteCode(t, e.send(secretary, "/invite"))

	rs := e.send(newbie, "/start join_"+code)
	wantIn(t, "/start join_<code>", rs, "Registering with <b>东安社区</b>", "What is your name?")
	rs = e.press(newbie, button(t, rs, "Keep: Wang Fang").Data)
	wantIn(t, "keep name", rs, "Where do you work")
	if !strings.Contains(dumpButtons(rs), "Type another") {
		t.Errorf("unit step buttons = %s, want a Type another button", dumpButtons(rs))
	}
	rs = e.press(newbie, button(t, rs, "Bank of China").Data)
	wantIn(t, "press unit", rs, "Which building")
	rs = e.send(newbie, "19")
	wantIn(t, "type building", rs, "What skills", "Selected: —")
	rs = e.press(newbie, button(t, rs, "law").Data)
	if len(rs) != 1 || !rs[0].Edit {
		t.Fatalf("toggle skill = %+v, want one Edit reply", rs)
	}
	if got := button(t, rs, "law").Text; got != "✓ law" {
		t.Errorf("toggled skill button = %q, want %q", got, "✓ law")
	}
	rs = e.send(newbie, "cooking, first aid")
	wantIn(t, "type skills", rs, "Selected: law, cooking, first aid")
	rs = e.press(newbie, button(t, rs, "Done").Data)
	wantIn(t, "skills done", rs, "Please check your registration", "Name: Wang Fang", "Unit: Bank of China", "Building: 19")
	rs = e.press(newbie, button(t, rs, "Register").Data)
	wantIn(t, "confirm", rs, "Welcome, Wang Fang!", "<b>M5</b>", "Posts you could claim", "P1")
	if rs[0].SetMenu != "member" {
		t.Errorf("registration SetMenu = %q, want member", rs[0].SetMenu)
	}
	// The post that wants the newcomer's skill comes first.
	if b := button(t, rs, "Claim"); b.Data != "c:P1" {
		t.Errorf("first suggestion = %+v, want c:P1", b)
	}

	m := e.storedMember("dongan", newbie)
	if m.ID != "M5" || m.Name != "Wang Fang" || m.Unit != "Bank of China" || m.Building != "19" ||
		!slices.Equal(m.Skills, []string{"law", "cooking", "first aid"}) || m.Role != ll.RoleNone || m.Language != "en" {
		t.Errorf("registered member = %+v", m)
	}

	// The suggestion's button claims the post.
	rs = e.press(newbie, "c:P1")
	wantIn(t, "press c:P1", rs, "You hold <b>P1</b> Legal aid desk (1/2)")
	rs = e.send(newbie, "/me")
	wantIn(t, "/me", rs, "<b>M5</b> Wang Fang", "Community: 东安社区 (dongan)", "Unit: Bank of China",
		"Building: 19", "Skills: law, cooking, first aid", "Role: member", "Posts held: 1 (minimum 1) — P1 Legal aid desk",
		"Days left in 2026: 305")

	// The old flow's buttons are dead now.
	rs = e.press(newbie, "f:abcd:confirm:yes")
	wantIn(t, "old flow button", rs, "This button no longer applies")
}

func TestRegisterThroughPersonalInvite(t *testing.T) {
	e := dongan(t)
	ms, err := e.store.ImportMembers(e.ctx, "dongan", []ll.Member{{Name: "Zhou Jie", Unit: "State Grid", Building: "7", Skills: []string{"electrics"}}}, e.now, nil)
	if err != nil {
		t.Fatalf("ImportMembers: %v", err)
	}
	inv, err := e.store.CreateInvite(e.ctx, ll.Invite{Community: "dongan", Member: ms[0].ID, Created: e.now}, nil)
	if err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	zhou := person{id: 5002, name: "ZJ", lang: "zh-CN"}

	rs := e.send(zhou, "/join "+inv.Code)
	wantIn(t, "/join personal", rs, "这是为您专门生成的邀请", "姓名：Zhou Jie", "单位：State Grid", "楼栋：7", "技能：electrics")
	// Change the name, keep the rest.
	rs = e.press(zhou, button(t, rs, "修改").Data)
	wantIn(t, "change", rs, "请问您的姓名")
	rs = e.send(zhou, "周杰")
	rs = e.press(zhou, button(t, rs, "保持：State Grid").Data)
	rs = e.press(zhou, button(t, rs, "保持：7").Data)
	rs = e.press(zhou, button(t, rs, "完成").Data)
	wantIn(t, "confirm after change", rs, "姓名：周杰", "技能：electrics")
	rs = e.press(zhou, button(t, rs, "确认报到").Data)
	wantIn(t, "register", rs, "欢迎您，周杰", "<b>"+ms[0].ID+"</b>")

	m := e.storedMember("dongan", zhou)
	if m.ID != ms[0].ID || m.Name != "周杰" || m.Unit != "State Grid" {
		t.Errorf("registered member = %+v, want %s with the new name", m, ms[0].ID)
	}

	// Someone else cannot use it again.
	before := e.snapshot()
	rs = e.send(stranger, "/join "+inv.Code)
	wantIn(t, "reused personal invite", rs, "already been used")
	e.unchanged("reused personal invite", before)
}

func TestRegisterPersonalInviteConfirmAsIs(t *testing.T) {
	e := dongan(t)
	ms, err := e.store.ImportMembers(e.ctx, "dongan", []ll.Member{{Name: "Qian Li", Unit: "Tax Bureau", Building: "3"}}, e.now, nil)
	if err != nil {
		t.Fatalf("ImportMembers: %v", err)
	}
	inv, err := e.store.CreateInvite(e.ctx, ll.Invite{Community: "dongan", Member: ms[0].ID, Created: e.now}, nil)
	if err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	qian := person{id: 5003, name: "Q", lang: "en"}
	rs := e.send(qian, "/start join_"+inv.Code)
	rs = e.press(qian, button(t, rs, "Register").Data)
	wantIn(t, "confirm as is", rs, "Welcome, Qian Li!", ms[0].ID)
	if m := e.storedMember("dongan", qian); m.Unit != "Tax Bureau" || m.Building != "3" {
		t.Errorf("member = %+v, want the imported profile", m)
	}
}

func TestInviteRoleIsApplied(t *testing.T) {
	e := dongan(t)
	code := inviteCode(t, e.send(secretary, "/invite committee"))
	newbie := person{id: 5004, name: "Han Lei", lang: "en"}
	rs := e.send(newbie, "/start join_"+code)
	wantIn(t, "role invite", rs, "Role: <b>committee member</b>")
	wantIn(t, "keep name", e.press(newbie, button(t, rs, "Keep").Data), "Where do you work")
	wantIn(t, "unit", e.send(newbie, "Police Station"), "Which building")
	rs = e.send(newbie, "2")
	rs = e.press(newbie, button(t, rs, "Done").Data)
	rs = e.press(newbie, button(t, rs, "Register").Data)
	wantIn(t, "register with role", rs, "Role: <b>committee member</b>")
	if rs[0].SetMenu != "committee" {
		t.Errorf("SetMenu = %q, want committee", rs[0].SetMenu)
	}
	if m := e.storedMember("dongan", newbie); m.Role != ll.RoleCommittee {
		t.Errorf("role = %q, want committee", m.Role)
	}
	wantIn(t, "/help of a new committee member", e.send(newbie, "/help"), "/newpost")

	// An existing member who opens a role invite does not get the role
	// (SPEC section 9 changed this rule of part one).
	code = inviteCode(t, e.send(secretary, "/invite deputy"))
	rs = e.send(alice, "/start join_"+code)
	wantIn(t, "existing member, role invite", rs, "a role is not taken by joining again")
	if m := e.storedMember("dongan", alice); m.Role != ll.RoleNone || m.ID != "M3" {
		t.Errorf("alice = %+v, want M3 without a role", m)
	}
	// And a plain invite just says so.
	code = inviteCode(t, e.send(secretary, "/invite"))
	wantIn(t, "existing member, plain invite", e.send(bob, "/join "+code), "already registered as M4")
}

func TestJoiningAnotherCommunityMoves(t *testing.T) {
	e := dongan(t)
	e.community("xiyuan", "西苑社区")
	e.member("xiyuan", lin, ll.RoleSecretary, "Hospital", "5")
	e.post(ll.Post{Community: "dongan", Title: "Legal aid desk"})
	wantIn(t, "/claim P1", e.send(alice, "/claim P1"), "You hold")
	code := inviteCode(t, e.send(lin, "/invite"))

	rs := e.send(alice, "/join "+code)
	wantIn(t, "/join another community", rs, "Registering with <b>西苑社区</b>", "registering here moves you", "东安社区")
	rs = e.press(alice, button(t, rs, "Keep").Data)
	wantIn(t, "unit", e.press(alice, button(t, rs, "Hospital").Data), "Which building")
	rs = e.send(alice, "8")
	rs = e.press(alice, button(t, rs, "Done").Data)
	rs = e.press(alice, button(t, rs, "Register").Data)
	wantIn(t, "moved", rs, "registered as <b>M2</b> with 西苑社区")

	old, err := e.store.Member(e.ctx, "dongan", "M3")
	if err != nil {
		t.Fatalf("Member(dongan, M3): %v", err)
	}
	if old.Status != ll.StatusLeft {
		t.Errorf("old membership status = %q, want left", old.Status)
	}
	holders, err := e.store.Holders(e.ctx, "dongan", "P1")
	if err != nil || len(holders) != 0 {
		t.Errorf("Holders(P1) = %v, %v; want the move to release the claim", holders, err)
	}
	wantIn(t, "/me after move", e.send(alice, "/me"), "Community: 西苑社区 (xiyuan)")
	entries, err := e.store.AuditLog(e.ctx, "dongan", 5, testNow.AddDate(-1, 0, 0))
	if err != nil || len(entries) == 0 || entries[0].Action != "move" || entries[0].Actor != "M3" {
		t.Errorf("dongan audit log = %+v, %v; want a move by M3", entries, err)
	}
}

func TestRegistrationFlowSurvivesOtherCommands(t *testing.T) {
	e := dongan(t)
	code := inviteCode(t, e.send(secretary, "/invite"))
	newbie := person{id: 5005, name: "", lang: "en"}
	rs := e.send(newbie, "/join "+code)
	wantIn(t, "/join", rs, "What is your name?")
	wantIn(t, "/help in a flow", e.send(newbie, "/help"), "What I can do")
	// The flow is still there: plain text answers it.
	wantIn(t, "name after /help", e.send(newbie, "Sun Yue"), "Where do you work")
	// Bad input in a flow: a name too long.
	rs = e.send(newbie, "/cancel")
	wantIn(t, "/cancel", rs, "Cancelled.")
	wantIn(t, "text after /cancel", e.send(newbie, "hello"), "not registered yet")
	wantIn(t, "/cancel again", e.send(newbie, "/cancel"), "nothing to cancel")

	e.send(newbie, "/join "+code)
	rs = e.send(newbie, strings.Repeat("名", 65))
	wantIn(t, "name too long", rs, "The name must be 1 to 64 characters", "What is your name?")
	wantIn(t, "name", e.send(newbie, "Sun Yue"), "Where do you work")
	wantIn(t, "unit", e.send(newbie, "Some Unit"), "Which building")
	wantIn(t, "building", e.send(newbie, "12"), "What skills")
	// Too many skills at once.
	rs = e.send(newbie, "a,b,c,d,e,f,g,h,i,j,k")
	wantIn(t, "eleven skills", rs, "At most 10 skills")
	wantIn(t, "done", e.press(newbie, button(t, rs, "Done").Data), "Please check your registration")
	wantIn(t, "typed text at confirm", e.send(newbie, "yes"), "Please press one of the buttons")
}

func TestJoinBadCodes(t *testing.T) {
	e := dongan(t)
	before := e.snapshot()
	for _, code := range []string{"nonsense", "dongan-0000000000", "DONGAN-zzzzzzzzzz", "../../etc", strings.Repeat("a", 70), "<b>x</b>"} {
		rs := e.send(stranger, "/join "+code)
		wantIn(t, "/join "+code, rs, "not valid or has expired")
	}
	wantIn(t, "/start join_bad", e.send(stranger, "/start join_bad-code"), "not valid or has expired")
	wantIn(t, "/start other payload", e.send(stranger, "/start hello"), "This link is not one I know")
	wantIn(t, "/join without code", e.send(stranger, "/join"), "Usage: <code>/join")
	e.unchanged("bad invite codes", before)
	// An expired invite.
	inv, err := e.store.CreateInvite(e.ctx, ll.Invite{Community: "dongan", Created: e.now, Expires: e.now.Add(-1)}, nil)
	if err == nil {
		wantIn(t, "expired invite", e.send(stranger, "/join "+inv.Code), "not valid or has expired")
	}
}
