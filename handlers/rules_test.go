package handlers_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// The rules that keep the ledger honest (SPEC §9), tried through the chat on
// a real Redis: each refusal leaves the ledger (and so every export) as it
// was, and the audit log says who tried.

// ledgerState dumps every key of the env's store but the audit log and its
// counter, so that a refusal that is audited still proves it wrote nothing
// else.
func (e *env) ledgerState() map[string]string {
	e.t.Helper()
	keys := storagetest.Keys(e.t, e.rdb, e.prefix+"*")
	sort.Strings(keys)
	out := map[string]string{}
	for _, k := range keys {
		switch {
		case strings.HasSuffix(k, "}:audit"):
			continue
		case strings.HasSuffix(k, "}:seq"):
			h, err := e.rdb.HGetAll(e.ctx, k).Result()
			if err != nil {
				e.t.Fatalf("hgetall %s: %v", k, err)
			}
			delete(h, "audit")
			var fs []string
			for f, v := range h {
				fs = append(fs, f+"="+v)
			}
			sort.Strings(fs)
			out[k] = strings.Join(fs, ",")
			continue
		}
		v, err := e.rdb.Dump(e.ctx, k).Result()
		if err != nil && err != redis.Nil {
			e.t.Fatalf("dump %s: %v", k, err)
		}
		out[k] = v
	}
	return out
}

// ledgerUnchanged fails if anything but the audit log differs from before.
func (e *env) ledgerUnchanged(what string, before map[string]string) {
	e.t.Helper()
	after := e.ledgerState()
	for k, v := range after {
		if old, ok := before[k]; !ok {
			e.t.Errorf("%s wrote new key %s", what, k)
		} else if old != v {
			e.t.Errorf("%s changed key %s", what, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			e.t.Errorf("%s deleted key %s", what, k)
		}
	}
}

// exports is the text of the members and participations exports of dongan
// as the secretary downloads them.
func (e *env) exports() string {
	e.t.Helper()
	t, ok := e.t.(*testing.T)
	if !ok {
		e.t.Fatalf("exports needs a *testing.T")
	}
	members, ledger := readXLSX(t, e.send(secretary, "/export"))
	var b strings.Builder
	for _, rows := range [][][]string{members, ledger} {
		for _, r := range rows {
			b.WriteString(strings.Join(r, "|") + "\n")
		}
		b.WriteString("--\n")
	}
	return b.String()
}

// auditDetails lists "actor:action:object:detail" of dongan's audit log.
func (e *env) auditDetails() string {
	e.t.Helper()
	entries, err := e.store.AuditLog(e.ctx, "dongan", 200, time.Time{})
	if err != nil {
		e.t.Fatalf("AuditLog: %v", err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.Actor+":"+en.Action+":"+en.Object+":"+en.Detail)
	}
	return strings.Join(out, "\n")
}

func wantAuditLine(t *testing.T, e *env, want ...string) {
	t.Helper()
	got := e.auditDetails()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("audit =\n%s\nwant %q", got, w)
		}
	}
}

// rejoin makes p leave dongan and join again as a new member with role.
func (e *env) rejoin(p person, role ll.Role) ll.Member {
	e.t.Helper()
	old := e.storedMember("dongan", p)
	if err := e.store.RemoveMember(e.ctx, "dongan", old.ID, e.now, nil); err != nil {
		e.t.Fatalf("leave %s: %v", old.ID, err)
	}
	return e.member("dongan", p, role, "Street Office", "1")
}

func TestNoSelfDealingByThePerson(t *testing.T) {
	e := dongan(t)
	start := at(2026, 3, 1, 9, 0)
	e.activity(ll.Activity{Title: "Lamps", Start: start})
	e.send(secretary, "/log Fixed the gate")
	e.send(deputy, "/log Swept the yard")
	before, exp := e.ledgerState(), e.exports()

	// The deputy enters themselves, by member id and by Telegram id.
	wantIn(t, "/attend self", e.send(deputy, "/attend A1 M2"), "You cannot enter your own participation")
	wantIn(t, "/attend self by tg", e.send(deputy, "/attend A1 1002"), "You cannot enter your own participation")
	e.ledgerUnchanged("self-attend", before)
	if got := e.exports(); got != exp {
		t.Errorf("exports changed by a refused self-attend:\n%s\nwant\n%s", got, exp)
	}
	wantAuditLine(t, e, "M2:refused:A1:attend M2: self")

	// A member who left and rejoined is the same person: the secretary's
	// old membership M1 (her service record S1) and her entries as M1.
	e.rejoin(secretary, ll.RoleSecretary) // now M5, the secretary again
	rs := e.send(secretary, "/pending")
	wantIn(t, "rejoined /pending", rs, "yours: another committee member decides")
	if hasButtonData(rs, "ap:S1") || !hasButtonData(rs, "ap:S2") {
		t.Errorf("rejoined secretary's /pending buttons = %s, want S2's only", dumpButtons(rs))
	}
	before, exp = e.ledgerState(), e.exports()
	wantIn(t, "/attend old self", e.send(secretary, "/attend A1 M1"), "You cannot enter your own participation")
	wantIn(t, "/approve old own", e.send(secretary, "/approve S1"), "it is your own record")
	wantIn(t, "/reject old own", e.send(secretary, "/reject S1 no"), "it is your own record")
	wantIn(t, "approve button old own", e.press(secretary, "ap:S1"), "it is your own record")
	e.ledgerUnchanged("self-dealing across memberships", before)
	if got := e.exports(); got != exp {
		t.Errorf("exports changed by refused self-dealing:\n%s\nwant\n%s", got, exp)
	}
	wantAuditLine(t, e, "M5:refused:A1:attend M1: self", "M5:refused:S1:approve M1: self", "M5:refused:S1:reject M1: self")

	// Another committee member may.
	wantIn(t, "deputy approves S1", e.send(deputy, "/approve S1"), "Approved <b>S1</b>")
	wantIn(t, "secretary approves S2", e.send(secretary, "/approve S2"), "Approved <b>S2</b>")
	wantIn(t, "secretary attends deputy", e.send(secretary, "/attend A1 M2"), "Recorded M2 Zhao Min")
}

func TestTheRecordDoesNotMove(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			e := dongan(t)
			sec := secretary
			if lang == "zh" {
				sec = lin
				e.member("dongan", lin, ll.RoleDeputy, "Hospital", "5")
			}
			// testNow is 18:00 in Shanghai: an activity from 17:00 would have
			// its check-in open now.
			before, exp := e.ledgerState(), e.exports()
			want := map[string]string{"en": "cannot start in the past while its check-in is still open", "zh": "活动的开始时间已过而签到仍开放时不能创建"}[lang]
			wantIn(t, "/newactivity backdated", e.send(sec, "/newactivity Lamps | 2026-03-02 17:00 | 2h | gate"), want)
			wantIn(t, "/newactivity earlier today", e.send(sec, "/newactivity Lamps | 2026-03-02 09:00 | 8h | gate"), want)
			e.ledgerUnchanged("a backdated /newactivity", before)
			if got := e.exports(); got != exp {
				t.Errorf("exports changed by a refused /newactivity:\n%s\nwant\n%s", got, exp)
			}
			// Wholly over (its window closed): it may be recorded, then /attend.
			wantIn(t, "/newactivity over", e.send(sec, "/newactivity Old | 2026-03-01 09:00 | 2h | gate"), "A1")
			wantIn(t, "/newactivity later today", e.send(sec, "/newactivity Later | 2026-03-02 19:00 | 2h | gate"), "A2")

			// Someone checks in to A2: its time no longer moves.
			a2, err := e.store.Activity(e.ctx, "dongan", "A2")
			if err != nil {
				t.Fatal(err)
			}
			e.now = a2.Start.Add(10 * time.Minute)
			wantIn(t, "bob checks in", e.send(bob, "/checkin "+e.rotatingCode("A2")), "A2")
			before, exp = e.ledgerState(), e.exports()
			want = map[string]string{"en": "Cancel it and create a new one instead", "zh": "请取消该活动并新建一个"}[lang]
			for _, cmd := range []string{"/editactivity A2 start 2026-03-01 19:00", "/editactivity A2 start 2026-03-05 10:00", "/editactivity A2 duration 3h"} {
				wantIn(t, cmd, e.send(sec, cmd), want)
			}
			e.ledgerUnchanged("moving a checked-in activity", before)
			if got := e.exports(); got != exp {
				t.Errorf("exports changed by a refused /editactivity:\n%s\nwant\n%s", got, exp)
			}
			// Its title may change.
			wantNotIn(t, "/editactivity title", e.send(sec, "/editactivity A2 title Later still"), want)
		})
	}
}

func TestVoidsStick(t *testing.T) {
	e := dongan(t)
	a := e.activity(ll.Activity{Title: "Lamps", Start: at(2026, 3, 2, 17, 0)}) // open now (18:00)
	wantIn(t, "bob checks in", e.send(bob, "/checkin "+a.Code), "A1")
	wantIn(t, "/void", e.send(secretary, "/void A1 M4 was not there"), "Voided the participation of M4 Bob Sun")

	before, exp := e.ledgerState(), e.exports()
	wantIn(t, "bob checks in again", e.send(bob, "/checkin "+a.Code), "This participation was voided by the committee")
	wantIn(t, "the voider re-admits", e.send(secretary, "/attend A1 M4"), "You voided this participation yourself")
	e.ledgerUnchanged("check-in after a void, the voider's /attend", before)
	if got := e.exports(); got != exp {
		t.Errorf("exports changed by refused re-entries:\n%s\nwant\n%s", got, exp)
	}
	wantAuditLine(t, e, "M1:refused:A1:attend M4: voided by them")

	// Another committee member re-admits; then a check-in is a no-op.
	wantIn(t, "the deputy re-admits", e.send(deputy, "/attend A1 M4 was there after all"), "Recorded M4 Bob Sun")
	wantIn(t, "bob checks in after", e.send(bob, "/checkin "+a.Code), "A1")
	wantIn(t, "/member M4", e.send(deputy, "/member M4"), "2026: <b>1/2</b>")

	// Voided again by the deputy: now the secretary may re-admit, not the deputy.
	e.send(deputy, "/void A1 M4 left early")
	wantIn(t, "bob again", e.send(bob, "/checkin "+a.Code), "This participation was voided")
	wantIn(t, "deputy re-admits own void", e.send(deputy, "/attend A1 M4"), "You voided this participation yourself")
	wantIn(t, "secretary re-admits", e.send(secretary, "/attend A1 M4"), "Recorded M4 Bob Sun")

	// A voided participation keeps the activity's time from moving too.
	e.send(secretary, "/void A1 M4 third time")
	wantIn(t, "/editactivity after void", e.send(secretary, "/editactivity A1 duration 3h"), "Cancel it and create a new one instead")
}

func TestClosedYears(t *testing.T) {
	e := dongan(t)
	// 31 December 2025, 23:00 in Shanghai is still 2025 there (15:00 UTC).
	old := e.activity(ll.Activity{Title: "New Year's Eve", Start: at(2025, 12, 31, 21, 0)})
	e.activity(ll.Activity{Title: "This year", Start: at(2026, 3, 1, 9, 0)})
	e.now = at(2025, 12, 31, 22, 0)
	wantIn(t, "bob checks in in 2025", e.send(bob, "/checkin "+old.Code), "A1")
	e.now = testNow

	before, exp := e.ledgerState(), e.exports()
	want := "Only the community secretary"
	wantIn(t, "deputy /attend 2025", e.send(deputy, "/attend A1 M3"), want)
	wantIn(t, "deputy /void 2025", e.send(deputy, "/void A1 M4 mistake"), want)
	e.ledgerUnchanged("the deputy's corrections of 2025", before)
	if got := e.exports(); got != exp {
		t.Errorf("exports changed by refused corrections of a closed year:\n%s\nwant\n%s", got, exp)
	}
	wantAuditLine(t, e, "M2:refused:A1:attend M3: closed year 2025", "M2:refused:A1:void M4: closed year 2025")

	// The secretary may; the audit entry says it was a closed year.
	wantIn(t, "secretary /attend 2025", e.send(secretary, "/attend A1 M3"), "Recorded M3 Alice Chen")
	wantIn(t, "secretary /void 2025", e.send(secretary, "/void A1 M4 mistake"), "Voided the participation of M4 Bob Sun")
	wantAuditLine(t, e, "M1:attend:A1:M3 (closed year 2025)", "M1:void:A1:M4 (closed year 2025): mistake")

	// This year the deputy corrects as before.
	wantIn(t, "deputy /attend 2026", e.send(deputy, "/attend A2 M3"), "Recorded M3 Alice Chen")
}

func TestPendingServicesBoundedInChat(t *testing.T) {
	for _, p := range []person{bob, lin} {
		t.Run(p.lang, func(t *testing.T) {
			e := dongan(t)
			if p.id == lin.id {
				e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
			}
			for i := range ll.MaxPendingServices {
				wantIn(t, "/log", e.send(p, fmt.Sprintf("/log Swept yard %d", i+1)), fmt.Sprintf("S%d", i+1))
			}
			before, exp := e.ledgerState(), e.exports()
			want := map[int64]string{bob.id: "You already have 20 service records awaiting approval", lin.id: "您已有 20 条服务记录待审核"}[p.id]
			wantIn(t, "/log 21st", e.send(p, "/log Swept yard once more"), want)
			e.ledgerUnchanged("the 21st pending /log", before)
			if got := e.exports(); got != exp {
				t.Errorf("exports changed by a refused /log:\n%s\nwant\n%s", got, exp)
			}
			// A decision frees a place.
			e.send(deputy, "/approve S1")
			wantIn(t, "/log after a decision", e.send(p, "/log Swept yard once more"), "S21")
		})
	}
}

func TestPairingTargetsSafeguarded(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Pair with Grandma Wu", Mode: ll.ModePaired, Capacity: 2, Target: "Wu Lan, bldg 3 room 401"})
	const target = "Wu Lan"
	noTarget := func(what string, rs []ll.Reply) {
		t.Helper()
		for _, r := range rs {
			if strings.Contains(r.Text, target) {
				t.Errorf("%s sent the target to chat %d: %q", what, r.ChatID, r.Text)
			}
		}
	}
	exp := e.exports()

	// A claim waits; each committee member is asked, nobody told the target.
	rs := e.send(bob, "/claim P1")
	wantIn(t, "bob /claim", rs, "waits for a committee member's confirmation")
	noTarget("bob /claim", rs)
	for _, p := range []person{secretary, deputy} {
		if asked := to(rs, p.id); len(asked) != 1 || !hasButtonData(asked, "pc:P1:M4") || !hasButtonData(asked, "pd:P1:M4") {
			t.Errorf("%s asked = %+v, want [Confirm] / [Decline]", p.name, asked)
		}
	}
	rs = e.send(bob, "/claim P1")
	wantIn(t, "bob /claim again", rs, "waits for a committee member's confirmation")
	if len(rs) != 1 {
		t.Errorf("a second /claim asked the committee again: %+v", rs)
	}
	noTarget("pending bob /posts", e.send(bob, "/posts"))
	noTarget("pending bob /unclaim", e.send(bob, "/unclaim P1"))
	noTarget("pending bob presses claim", e.press(bob, "c:P1"))
	if got := e.exports(); got != exp {
		t.Errorf("a waiting claim changed the exports:\n%s\nwant\n%s", got, exp)
	}
	// Only the committee decides; nobody decides their own claim.
	wantIn(t, "alice presses confirm", e.press(alice, "pc:P1:M4"), "Only the community committee can do this.")

	// Declined: bob is told, without the target.
	rs = e.press(deputy, "pd:P1:M4")
	noTarget("decline", rs)
	if told := to(rs, bob.id); len(told) != 1 || !strings.Contains(told[0].Text, "declined your claim") {
		t.Errorf("bob told = %+v", rs)
	}
	noTarget("declined bob /posts", e.send(bob, "/posts"))
	wantIn(t, "confirm after decline", e.press(secretary, "pc:P1:M4"), "No claim of P1 waits for a confirmation")

	// Asked again and confirmed: only now bob sees the target, audited.
	e.send(bob, "/claim P1")
	rs = e.press(secretary, "pc:P1:M4")
	wantIn(t, "confirm", rs, "now holds <b>P1</b>")
	if told := to(rs, bob.id); len(told) != 1 || !strings.Contains(told[0].Text, target) {
		t.Errorf("bob told = %+v, want the target", rs)
	}
	wantIn(t, "confirmed bob /posts", e.send(bob, "/posts"), target)
	wantIn(t, "deputy /posts", e.send(deputy, "/posts"), target)
	wantAuditLine(t, e, "M2:declineclaim:P1:M4", "M1:confirmclaim:P1:M4", "M4:target:P1:confirmed claim", "M4:target:P1:posts", "M2:target:P1:posts")
	noTarget("bob /unclaim", e.send(bob, "/unclaim P1"))
	noTarget("bob /posts after", e.send(bob, "/posts"))

	// The deputy's own claim goes to the secretary only; the deputy cannot confirm it.
	rs = e.send(deputy, "/claim P1")
	if len(to(rs, secretary.id)) != 1 || len(to(rs, deputy.id)) != 0 {
		t.Errorf("deputy's claim asked %+v, want the secretary only", rs)
	}
	before := e.ledgerState()
	wantIn(t, "deputy confirms own", e.press(deputy, "pc:P1:M2"), "it is your own record")
	e.ledgerUnchanged("confirming one's own claim", before)
	wantAuditLine(t, e, "M2:refused:P1:confirmclaim M2: self")
	// Never in a group.
	for _, text := range []string{"/posts", "/claim P1"} {
		noTarget("group "+text, e.sendGroup(bob, text))
	}
	// The post card shows the target to the committee: audited, and the
	// target itself never goes into the audit log.
	wantIn(t, "/editpost target", e.send(secretary, "/editpost P1 target Zhou Ming, bldg 5"), "Zhou Ming")
	wantAuditLine(t, e, "M1:editpost:P1:target set", "M1:target:P1:post card")
	if got := e.auditDetails(); strings.Contains(got, "Zhou Ming") {
		t.Errorf("audit log holds the target:\n%s", got)
	}
}
