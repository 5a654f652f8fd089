package app_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

func TestPostsCreate(t *testing.T) {
	f := newFixture(t)
	p, err := f.app.Posts.Create(f.ctx, f.scope(2), app.PostDraft{Title: " Legal aid ", Mode: "定点", Capacity: "2", Description: " Answers "})
	if err != nil || p.ID != "P1" || p.Title != "Legal aid" || p.Mode != ll.ModeFixedPoint || p.Capacity != 2 || p.Description != "Answers" || p.Community != "elm" || !p.Created.Equal(f.now) {
		t.Fatalf("Create = %+v, %v", p, err)
	}
	log := f.audit()
	if len(log) != 1 || log[0].Action != "newpost" || log[0].Object != "P1" || log[0].Detail != "Legal aid" || log[0].Actor != f.ms[1].ID {
		t.Fatalf("audit = %+v, want newpost P1 Legal aid by %s", log, f.ms[1].ID)
	}
	if p, err := f.app.Posts.Create(f.ctx, f.scope(1), app.PostDraft{Title: "Lights"}); err != nil || p.Mode != ll.ModeClaimed || p.Capacity != 0 {
		t.Fatalf("Create(title only) = %+v, %v; want claimed, unlimited", p, err)
	}

	for _, tc := range []struct {
		d     app.PostDraft
		field string
	}{
		{app.PostDraft{Title: "X", Mode: "weekly"}, "mode"},
		{app.PostDraft{Title: "X", Capacity: "lots"}, "capacity"},
		{app.PostDraft{Title: "X", Capacity: "-1"}, "capacity"},
		{app.PostDraft{Title: " ", Capacity: "1"}, "title"},
		{app.PostDraft{Title: strings.Repeat("t", ll.MaxTitleLen+1)}, "title"},
	} {
		_, err := f.app.Posts.Create(f.ctx, f.scope(2), tc.d)
		wantRefusal(t, "Create "+tc.d.Mode+" "+tc.d.Capacity, err, ll.EINVALID, tc.field)
	}
	if posts, _ := f.store.Posts(f.ctx, "elm"); len(posts) != 2 {
		t.Fatalf("refused drafts stored posts: %+v", posts)
	}
	if n := len(f.audit()); n != 2 {
		t.Fatalf("audit has %d entries, want the 2 creations only", n)
	}
}

func TestPostsEditAndClose(t *testing.T) {
	f := newFixture(t)
	sc := f.scope(2)
	if _, err := f.app.Posts.Create(f.ctx, sc, app.PostDraft{Title: "Lights", Capacity: "3"}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for _, tc := range []struct {
		field, value string
		check        func(ll.Post) bool
	}{
		{"标题", "Street lights", func(p ll.Post) bool { return p.Title == "Street lights" }},
		{"Capacity", "不限", func(p ll.Post) bool { return p.Capacity == 0 }},
		{"skills", "电工, 照明", func(p ll.Post) bool { return slices.Equal(p.Skills, []string{"电工", "照明"}) }},
		{"place", "Gate 3", func(p ll.Post) bool { return p.Place == "Gate 3" }},
		{"place", "-", func(p ll.Post) bool { return p.Place == "" }},
		{"target", "Wu Lan", func(p ll.Post) bool { return p.Target == "Wu Lan" }},
		{"status", "closed", func(p ll.Post) bool { return p.Closed }},
		{"状态", "开放", func(p ll.Post) bool { return !p.Closed }},
	} {
		p, err := f.app.Posts.Edit(f.ctx, sc, "p1", tc.field, tc.value)
		if err != nil || !tc.check(p) {
			t.Fatalf("Edit(%s %s) = %+v, %v", tc.field, tc.value, p, err)
		}
		if stored, err := f.store.Post(f.ctx, "elm", "P1"); err != nil || !tc.check(stored) {
			t.Fatalf("after Edit(%s %s) stored = %+v, %v", tc.field, tc.value, stored, err)
		}
	}
	if log := f.audit(); log[0].Action != "editpost" || log[0].Object != "P1" || log[0].Detail != "status=开放" || log[0].Actor != f.ms[1].ID {
		t.Fatalf("last audit = %+v, want editpost P1 status=开放", log[0])
	}

	// A capacity below the holders is refused, naming them.
	if _, _, err := f.app.Posts.Claim(f.ctx, f.actor(3, false), "P1"); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if _, _, err := f.app.Posts.Claim(f.ctx, f.actor(1, false), "P1"); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	before := len(f.audit())
	_, err := f.app.Posts.Edit(f.ctx, sc, "P1", "capacity", "1")
	var below *app.BelowHoldersError
	if !errors.As(err, &below) || below.Post != "P1" || below.Holders != 2 {
		t.Fatalf("Edit(capacity 1) with 2 holders = %v, want BelowHoldersError P1 2", err)
	}
	wantRefusal(t, "capacity below holders", err, ll.EINVALID, "capacity")
	if p, err := f.app.Posts.Edit(f.ctx, sc, "P1", "capacity", "2"); err != nil || p.Capacity != 2 {
		t.Fatalf("Edit(capacity 2) with 2 holders = %+v, %v", p, err)
	}
	before++

	for _, tc := range []struct{ id, field, value, code, detail string }{
		{"x", "title", "T", ll.EINVALID, "post"},
		{"P9", "title", "T", ll.ENOTFOUND, ""},
		{"P1", "colour", "red", ll.EINVALID, "field"},
		{"P1", "capacity", "many", ll.EINVALID, "capacity"},
		{"P1", "status", "maybe", ll.EINVALID, "status"},
		{"P1", "description", strings.Repeat("d", ll.MaxDescriptionLen+1), ll.EINVALID, "description"},
	} {
		_, err := f.app.Posts.Edit(f.ctx, sc, tc.id, tc.field, tc.value)
		wantRefusal(t, "Edit "+tc.id+" "+tc.field, err, tc.code, tc.detail)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused edits wrote %d audit entries", after-before)
	}

	p, err := f.app.Posts.Close(f.ctx, sc, "P1")
	if err != nil || !p.Closed {
		t.Fatalf("Close = %+v, %v", p, err)
	}
	if log := f.audit(); log[0].Action != "editpost" || log[0].Detail != "status=closed" {
		t.Fatalf("audit of Close = %+v", log[0])
	}
	_, _, err = f.app.Posts.Claim(f.ctx, f.actor(2, false), "P1")
	wantRefusal(t, "claim of a closed post", err, ll.ECONFLICT, ll.ReasonClosed)
	if held, err := f.store.Holders(f.ctx, "elm", "P1"); err != nil || len(held) != 2 {
		t.Fatalf("holders after Close = %+v, %v; want both kept", held, err)
	}
}

func TestPostsOpenShowsTargetToHoldersAndCommittee(t *testing.T) {
	f := newFixture(t)
	sc := f.scope(1)
	mustCreate := func(d app.PostDraft) {
		t.Helper()
		if _, err := f.app.Posts.Create(f.ctx, sc, d); err != nil {
			t.Fatalf("Create(%s): %v", d.Title, err)
		}
	}
	mustCreate(app.PostDraft{Title: "Pair with Grandma Wu", Mode: "paired", Capacity: "1"})
	mustCreate(app.PostDraft{Title: "Old post"})
	mustCreate(app.PostDraft{Title: "Lights"})
	if _, err := f.app.Posts.Edit(f.ctx, sc, "P1", "target", "Wu Lan, room 401"); err != nil {
		t.Fatalf("Edit(target): %v", err)
	}
	if _, err := f.app.Posts.Close(f.ctx, sc, "P2"); err != nil {
		t.Fatalf("Close: %v", err)
	}

	open := func(tg int64) []app.OpenPost {
		t.Helper()
		ps, err := f.app.Posts.Open(f.ctx, f.actor(tg, false))
		if err != nil {
			t.Fatalf("Open(tg %d): %v", tg, err)
		}
		if len(ps) != 2 || ps[0].ID != "P1" || ps[1].ID != "P3" {
			t.Fatalf("Open(tg %d) = %+v, want P1 and P3 (P2 is closed)", tg, ps)
		}
		return ps
	}
	if ps := open(3); ps[0].Target != "" || ps[0].Held {
		t.Fatalf("a plain member sees %+v, want no target", ps[0])
	}
	if ps := open(2); ps[0].Target != "Wu Lan, room 401" {
		t.Fatalf("a committee member sees %+v, want the target", ps[0])
	}
	// SPEC §9 (part two wins): the claim of a paired post waits for a
	// committee member's confirmation; only then does the holder get the target.
	p, _, err := f.app.Posts.Claim(f.ctx, f.actor(3, false), "P1")
	var aw *app.AwaitingError
	if !errors.As(err, &aw) || !aw.New || len(aw.Committee) != 2 || p.Target != "" {
		t.Fatalf("Claim(P1) = %+v, %v; want it waiting, without the target, for the 2 committee members", p, err)
	}
	if ps := open(3); ps[0].Target != "" || ps[0].Held {
		t.Fatalf("a pending claimer sees %+v, want no target", ps[0])
	}
	d, err := f.app.Posts.DecideClaim(f.ctx, f.scope(2), "P1", aw.Claimer.ID, true)
	if err != nil || !d.Changed || d.Post.Target != "Wu Lan, room 401" || d.Post.Claims != 1 {
		t.Fatalf("DecideClaim(P1) = %+v, %v; want the holder to get the target", d, err)
	}
	if ps := open(3); ps[0].Target != "Wu Lan, room 401" || !ps[0].Held || ps[1].Held {
		t.Fatalf("the holder sees %+v", ps)
	}
	// The secretary is committee but does not hold it: sees the target, not held.
	if ps := open(1); ps[0].Target == "" || ps[0].Held {
		t.Fatalf("the secretary sees %+v", ps[0])
	}
	if _, err := f.app.Posts.Unclaim(f.ctx, f.actor(3, false), "P1"); err != nil {
		t.Fatalf("Unclaim: %v", err)
	}
	if ps := open(3); ps[0].Target != "" || ps[0].Held {
		t.Fatalf("after giving it up the member sees %+v, want no target", ps[0])
	}
	_, err = f.app.Posts.Open(f.ctx, f.actor(99, false))
	wantRefusal(t, "Open by a stranger", err, ll.ENOTMEMBER, "")
}

func TestPostsSuggest(t *testing.T) {
	f := newFixture(t)
	sc := f.scope(1)
	for _, d := range []app.PostDraft{
		{Title: "Desk", Capacity: "1"},  // P1: full once M1 holds it
		{Title: "Pair", Mode: "paired"}, // P2: wants 陪伴
		{Title: "Lights"},               // P3: wants 电工, 照明
		{Title: "Held by M3"},           // P4
	} {
		if _, err := f.app.Posts.Create(f.ctx, sc, d); err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	for id, skills := range map[string]string{"P2": "陪伴", "P3": "电工, 照明"} {
		if _, err := f.app.Posts.Edit(f.ctx, sc, id, "skills", skills); err != nil {
			t.Fatalf("Edit skills: %v", err)
		}
	}
	if _, err := f.app.Posts.Edit(f.ctx, sc, "P2", "target", "Wu Lan"); err != nil {
		t.Fatalf("Edit target: %v", err)
	}
	if _, _, err := f.app.Posts.Claim(f.ctx, f.actor(1, false), "P1"); err != nil {
		t.Fatalf("Claim P1: %v", err)
	}
	if _, _, err := f.app.Posts.Claim(f.ctx, f.actor(3, false), "P4"); err != nil {
		t.Fatalf("Claim P4: %v", err)
	}
	a := f.actor(3, false)
	a.Member.Skills = []string{"照明", "电工"}
	got, err := f.app.Posts.Suggest(f.ctx, a, 5)
	if err != nil || len(got) != 2 || got[0].ID != "P3" || got[1].ID != "P2" {
		t.Fatalf("Suggest = %+v, %v; want P3 (two skills) then P2, not the full P1 nor the held P4", got, err)
	}
	// The committee's own suggestions carry no target either.
	if got, err := f.app.Posts.Suggest(f.ctx, f.actor(2, false), 1); err != nil || len(got) != 1 || got[0].ID != "P2" || got[0].Target != "" {
		t.Fatalf("Suggest(committee, 1) = %+v, %v; want P2 without its target", got, err)
	}
}

func TestPostsClaimThroughThePointer(t *testing.T) {
	f := newFixture(t)
	if _, err := f.app.Posts.Create(f.ctx, f.scope(1), app.PostDraft{Title: "Desk", Capacity: "1"}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	// A request that acts by pointer has no membership read.
	byPointer := f.actor(3, false)
	byPointer.Member = nil
	p, changed, err := f.app.Posts.Claim(f.ctx, byPointer, "p1")
	if err != nil || !changed || p.ID != "P1" || p.Claims != 1 {
		t.Fatalf("Claim by pointer = %+v, %v, %v", p, changed, err)
	}
	if _, changed, err := f.app.Posts.Claim(f.ctx, byPointer, "P1"); err != nil || changed {
		t.Fatalf("Claim again = %v, %v; want unchanged", changed, err)
	}
	_, _, err = f.app.Posts.Claim(f.ctx, f.actor(2, false), "P1")
	wantRefusal(t, "claim of a full post", err, ll.EFULL, ll.ReasonPost)
	_, _, err = f.app.Posts.Claim(f.ctx, f.actor(2, false), "P9")
	wantRefusal(t, "claim of an unknown post", err, ll.ENOTFOUND, "post")
	_, _, err = f.app.Posts.Claim(f.ctx, f.actor(2, false), "desk")
	wantRefusal(t, "claim of no post id", err, ll.EINVALID, "post")

	// A pointer naming someone else's membership acts for no one: the
	// store's refusal comes back as the store gave it.
	stale := app.Actor{TelegramID: 2, User: ll.User{TelegramID: 2, Community: "elm", MemberID: f.ms[2].ID}, Now: f.now}
	_, storeErr := f.store.UnclaimAs(f.ctx, stale.Self(), "P1", f.now)
	_, err = f.app.Posts.Unclaim(f.ctx, stale, "P1")
	wantRefusal(t, "unclaim by a stale pointer", err, ll.ENOTMEMBER, "")
	if storeErr == nil || err.Error() != storeErr.Error() || ll.ErrorDetail(err) != ll.ErrorDetail(storeErr) {
		t.Fatalf("Unclaim by a stale pointer = %v, want the store's %v", err, storeErr)
	}
	_, _, err = f.app.Posts.Claim(f.ctx, app.Actor{TelegramID: 99, Now: f.now}, "P1")
	wantRefusal(t, "claim by a stranger", err, ll.ENOTMEMBER, "")

	if changed, err := f.app.Posts.Unclaim(f.ctx, byPointer, "P1"); err != nil || !changed {
		t.Fatalf("Unclaim = %v, %v", changed, err)
	}
	if changed, err := f.app.Posts.Unclaim(f.ctx, byPointer, "P1"); err != nil || changed {
		t.Fatalf("Unclaim again = %v, %v; want unchanged", changed, err)
	}
}
