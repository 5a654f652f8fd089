package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestClaimAndUnclaim(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid desk", Capacity: 1})
	e.post(ll.Post{Community: "dongan", Title: "Street lighting"})

	tests := []struct {
		who  person
		text string
		want string
	}{
		{alice, "/claim P1", "You hold <b>P1</b> Legal aid desk (1/1)."},
		{alice, "/claim p1", "You already hold <b>P1</b> Legal aid desk."},
		{bob, "/claim P1", "P1 is full."},
		{bob, "/claim P2", "You hold <b>P2</b> Street lighting (1 (no limit))."},
		{alice, "/me", "Posts held: 1 (minimum 1) — P1 Legal aid desk"},
		{bob, "/claim P9", "P9 was not found."},
		{alice, "/unclaim P1", "You gave up P1."},
		{alice, "/unclaim P1", "You do not hold P1."},
		{bob, "/claim P1", "You hold <b>P1</b>"},
		{alice, "/me", "Posts held: 0 (minimum 1)"},
		{alice, "/unclaim", "Usage: <code>/unclaim &lt;post id&gt;</code>"},
		{alice, "/claim xyz", "That is not a post id. Post ids look like P3."},
		{lin, "/claim P1", "您还不是已报到的党员"},
	}
	for _, tt := range tests {
		wantIn(t, tt.who.name+" "+tt.text, e.send(tt.who, tt.text), tt.want)
	}
	// /claim without arguments lists the posts.
	rs := e.send(alice, "/claim")
	wantIn(t, "alice /claim", rs, "Open posts (2)", "Legal aid desk · claimed · 1/1 (full)")
	if hasButtonData(rs, "c:P1") || !hasButtonData(rs, "c:P2") {
		t.Errorf("alice /claim buttons = %s, want c:P2 only", dumpButtons(rs))
	}
	rs = e.send(bob, "/claim")
	wantIn(t, "bob /claim", rs, "Legal aid desk · claimed · 1/1 ✅ yours", "Street lighting · claimed · 1 (no limit) ✅ yours")
	if len(rs[0].Buttons) != 0 {
		t.Errorf("bob /claim buttons = %s, want none for posts he holds", dumpButtons(rs))
	}
}

func TestClaimClosedPost(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Old post", Closed: true})
	wantIn(t, "/claim closed", e.send(alice, "/claim P1"), "P1 is closed.")
	wantIn(t, "/posts", e.send(alice, "/posts"), "There are no open posts")
	wantIn(t, "press claim closed", e.press(alice, "c:P1"), "P1 is closed.")
}

func TestPostsPaging(t *testing.T) {
	e := dongan(t)
	for i := 1; i <= 20; i++ {
		e.post(ll.Post{Community: "dongan", Title: fmt.Sprintf("Post number %d", i), Capacity: 3})
	}
	rs := e.send(alice, "/posts")
	wantIn(t, "/posts", rs, "Open posts (20)", "<b>P1</b>", "<b>P8</b>", "Page 1 of 3")
	wantNotIn(t, "/posts", rs, "<b>P9</b>")
	if !hasButtonData(rs, "pg:p:2") || hasButtonData(rs, "pg:p:0") {
		t.Fatalf("/posts buttons = %s, want › to page 2 only", dumpButtons(rs))
	}
	if got := button(t, rs, "›").Data; got != "pg:p:2" {
		t.Errorf("› = %q, want pg:p:2", got)
	}

	rs = e.press(alice, "pg:p:2")
	if len(rs) != 1 || !rs[0].Edit {
		t.Fatalf("page press = %+v, want one Edit reply", rs)
	}
	wantIn(t, "page 2", rs, "<b>P9</b>", "<b>P16</b>", "Page 2 of 3")
	wantNotIn(t, "page 2", rs, "<b>P8</b>", "<b>P17</b>")
	if !hasButtonData(rs, "pg:p:1") || !hasButtonData(rs, "pg:p:3") || !hasButtonData(rs, "c:P9") {
		t.Errorf("page 2 buttons = %s, want ‹ ›, and claims", dumpButtons(rs))
	}
	rs = e.press(alice, "pg:p:3")
	wantIn(t, "page 3", rs, "<b>P17</b>", "<b>P20</b>", "Page 3 of 3")
	if hasButtonData(rs, "pg:p:4") {
		t.Errorf("page 3 buttons = %s, want no ›", dumpButtons(rs))
	}
	// A page past the end (the list shrank) shows the last page.
	wantIn(t, "page 9", e.press(alice, "pg:p:9"), "Page 3 of 3")
	// A claim from page 3 works and the page shows it held.
	e.press(alice, "c:P18")
	wantIn(t, "page 3 after claim", e.press(alice, "pg:p:3"), "<b>P18</b> Post number 18 · claimed · 1/3 ✅ yours")
}

func TestNewPostOneLine(t *testing.T) {
	e := dongan(t)
	rs := e.send(deputy, "/newpost Legal aid desk | 定点 | 2 | Answer legal questions")
	wantIn(t, "/newpost", rs, "🏘 <b>东安社区</b> (dongan)", "Created post <b>P1</b>", "Legal aid desk · fixed-point · 0/2", "Answer legal questions", "/editpost P1 place")
	p, err := e.store.Post(e.ctx, "dongan", "P1")
	if err != nil || p.Title != "Legal aid desk" || p.Mode != ll.ModeFixedPoint || p.Capacity != 2 || p.Description != "Answer legal questions" {
		t.Errorf("stored post = %+v, %v", p, err)
	}
	entries, _ := e.store.AuditLog(e.ctx, "dongan", 1, testNow.AddDate(-1, 0, 0))
	if len(entries) != 1 || entries[0].Action != "newpost" || entries[0].Actor != "M2" || entries[0].Object != "P1" {
		t.Errorf("audit = %+v, want newpost P1 by M2", entries)
	}
	// Title alone: claimed, unlimited.
	wantIn(t, "/newpost title only", e.send(deputy, "/newpost Street lighting"), "P2", "claimed · 0 (no limit)")

	before := e.snapshot()
	for _, tt := range []struct{ text, want string }{
		{"/newpost X | weekly", "The mode must be claimed, fixed-point or paired"},
		{"/newpost X | claimed | lots", "The capacity must be a whole number from 0"},
		{"/newpost X | claimed | -1", "The capacity must be a whole number from 0"},
		{"/newpost " + strings.Repeat("t", 121), "The title must be 1 to 120"},
		{"/newpost  | claimed | 1", "The title must be 1 to 120"},
	} {
		wantIn(t, tt.text, e.send(deputy, tt.text), tt.want)
	}
	e.unchanged("bad /newpost", before)
}

func TestNewPostGuided(t *testing.T) {
	e := dongan(t)
	rs := e.send(secretary, "/newpost")
	wantIn(t, "/newpost", rs, "🏘 <b>东安社区</b>", "What is its title?")
	rs = e.send(secretary, "Pair with Grandma Wu")
	wantIn(t, "title", rs, "How is «Pair with Grandma Wu» served?")
	oldMode := button(t, rs, "paired").Data
	rs = e.press(secretary, oldMode)
	wantIn(t, "mode", rs, "How many people can hold it?")
	wantIn(t, "bad capacity", e.send(secretary, "a few"), "The capacity must be a whole number", "How many people")
	rs = e.send(secretary, "1")
	wantIn(t, "capacity", rs, "Send a description")
	rs = e.press(secretary, button(t, rs, "Skip").Data)
	wantIn(t, "created", rs, "Created post <b>P1</b>", "paired · 0/1", "/editpost P1 target")
	p, err := e.store.Post(e.ctx, "dongan", "P1")
	if err != nil || p.Mode != ll.ModePaired || p.Capacity != 1 || p.Description != "" {
		t.Errorf("stored post = %+v, %v", p, err)
	}

	// A button of the finished flow, pressed during a new flow at the same
	// step, changes nothing.
	e.send(secretary, "/newpost")
	e.send(secretary, "Second post")
	before := e.snapshot()
	wantIn(t, "old flow's button", e.press(secretary, oldMode), "This button no longer applies")
	wantIn(t, "forged value", e.press(secretary, "f:zzzz:mode:claimed"), "This button no longer applies")
	e.unchanged("stale flow buttons", before)
	// A typed mode works too.
	wantIn(t, "typed mode", e.send(secretary, "结对"), "How many people")
}

func TestNewPostGuidedRefusedWhenRoleLost(t *testing.T) {
	e := dongan(t)
	e.send(deputy, "/newpost")
	rs := e.send(deputy, "Night patrol")
	modeButton := button(t, rs, "claimed").Data
	// The secretary removes the deputy's role in the middle of the flow.
	wantIn(t, "/role none", e.send(secretary, "/role M2 none"), "M2 Zhao Min: member")
	before := e.snapshot()
	rs = e.press(deputy, modeButton)
	wantIn(t, "press after losing role", rs, "Only the community committee can do this.")
	posts, _ := e.store.Posts(e.ctx, "dongan")
	if len(posts) != 0 {
		t.Errorf("posts = %+v, want none", posts)
	}
	// The flow was ended; nothing else changed.
	after := e.snapshot()
	for k, v := range after {
		if before[k] != v {
			t.Errorf("press after losing role changed %s", k)
		}
	}
}

func TestEditPost(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid desk", Capacity: 3, Mode: ll.ModePaired})
	e.send(alice, "/claim P1")
	e.send(bob, "/claim P1")
	e.press(deputy, "pc:P1:M3") // a paired post's claims wait for a confirmation (SPEC §9)
	e.press(deputy, "pc:P1:M4")
	tests := []struct{ text, want string }{
		{"/editpost P1 title Legal aid", "Post <b>P1</b> saved."},
		{"/editpost p1 description Tuesdays & Thursdays", "Tuesdays &amp; Thursdays"},
		{"/editpost P1 capacity 5", "2/5"},
		{"/editpost P1 skills law, mediation", "Skills wanted: law, mediation"},
		{"/editpost P1 target Wu Lan, building 3", "Pairing: Wu Lan, building 3"},
		{"/editpost P1 place Room 2", "Post <b>P1</b> saved."},
		{"/editpost P1 time Sat 9:00", "Post <b>P1</b> saved."},
		{"/editpost P1 status closed", "closed"},
		{"/editpost P1 status open", "Post <b>P1</b> saved."},
		{"/editpost P1 place -", "Post <b>P1</b> saved."},
	}
	for _, tt := range tests {
		wantIn(t, tt.text, e.send(secretary, tt.text), "🏘 <b>东安社区</b>", tt.want)
	}
	p, _ := e.store.Post(e.ctx, "dongan", "P1")
	if p.Title != "Legal aid" || p.Capacity != 5 || p.Target != "Wu Lan, building 3" || p.Place != "" || p.Time != "Sat 9:00" || p.Closed {
		t.Errorf("post after edits = %+v", p)
	}

	before := e.snapshot()
	for _, tt := range []struct{ text, want string }{
		{"/editpost P1 capacity 1", "P1 has 2 holders; its capacity cannot be lower"},
		{"/editpost P1 capacity many", "The capacity must be a whole number"},
		{"/editpost P1 colour red", "Unknown field"},
		{"/editpost P1 status maybe", "The status must be open or closed"},
		{"/editpost P9 title X", "P9 was not found"},
		{"/editpost X1 title X", "That is not a post id"},
		{"/editpost P1 title", "Usage: <code>/editpost"},
		{"/editpost P1 title " + strings.Repeat("x", 200), "The title must be 1 to 120"},
		{"/editpost P1 skills a,b,c,d,e,f,g,h,i,j,k", "At most 10 skills"},
	} {
		wantIn(t, tt.text, e.send(secretary, tt.text), tt.want)
	}
	e.unchanged("bad /editpost", before)
}

func TestPairingTargetOnlyForHoldersAndCommittee(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Pair with Grandma Wu", Mode: ll.ModePaired, Capacity: 2, Target: "Wu Lan, bldg 3 room 401"})
	const target = "Wu Lan"
	wantNotIn(t, "bob /posts", e.send(bob, "/posts"), target)
	wantIn(t, "deputy /posts", e.send(deputy, "/posts"), target)
	// SPEC §9 (part two wins): the claim waits for a committee member's
	// confirmation; only then does alice see the target.
	wantNotIn(t, "alice /claim", e.send(alice, "/claim P1"), target)
	wantIn(t, "deputy confirms", e.press(deputy, "pc:P1:M3"), target)
	wantIn(t, "alice /posts", e.send(alice, "/posts"), target)
	wantNotIn(t, "bob /posts", e.send(bob, "/posts"), target)
	// Never in a group, not even for the holder.
	for _, text := range []string{"/posts", "/claim P1", "/me", "/claim"} {
		for _, who := range []person{alice, deputy} {
			for _, r := range e.sendGroup(who, text) {
				if strings.Contains(r.Text, target) {
					t.Errorf("%s %s in a group sent the target to chat %d: %q", who.name, text, r.ChatID, r.Text)
				}
			}
		}
	}
}
