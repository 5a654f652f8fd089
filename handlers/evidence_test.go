package handlers_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// setMethod rewrites how a stored participation of member was verified, as
// the check-in paths that record rotating, scan and confirmed will (SPEC
// sections 9 and 10); by names the verifier ("" for none).
func (e *env) setMethod(member, ref, method, by string) {
	e.t.Helper()
	key := e.prefix + "{c:dongan}:p:" + member
	v, err := e.rdb.HGet(e.ctx, key, ref).Result()
	if err != nil {
		e.t.Fatalf("read participation %s/%s: %v", member, ref, err)
	}
	var stored map[string]any
	if err := json.Unmarshal([]byte(v), &stored); err != nil {
		e.t.Fatalf("participation %s/%s = %q: %v", member, ref, v, err)
	}
	stored["m"] = method
	delete(stored, "by")
	if by != "" {
		stored["by"] = by
	}
	b, _ := json.Marshal(stored)
	if err := e.rdb.HSet(e.ctx, key, ref, string(b)).Err(); err != nil {
		e.t.Fatalf("write participation %s/%s: %v", member, ref, err)
	}
	// The write went behind the scripts' back: the year's totals by method
	// are built again from the ledger, as the migration builds them.
	if err := e.store.RebuildYearTotals(e.ctx, "dongan"); err != nil {
		e.t.Fatalf("RebuildYearTotals: %v", err)
	}
}

// everyMethod gives alice (M3) one participation of each method of SPEC
// section 9, in this order: code A1, manual A2, rotating A3, location A4,
// scan A5, confirmed A6, approval S1.
func everyMethod(e *env) {
	e.t.Helper()
	methods := []struct{ method, by string }{
		{ll.MethodCode, ""}, {ll.MethodManual, "M2"}, {ll.MethodRotating, ""},
		{ll.MethodLocation, ""}, {ll.MethodScan, "M2"}, {ll.MethodConfirmed, ""},
	}
	for i, m := range methods {
		start := at(2026, 2, 20+i, 9, 0)
		e.now = start
		a := e.activity(ll.Activity{Title: fmt.Sprintf("Patrol %d", i+1), Start: start, Mode: ll.CheckInStatic})
		e.send(alice, "/checkin "+a.Code)
		e.setMethod("M3", a.ID, m.method, m.by)
	}
	e.now = testNow
	e.send(alice, "/log Fixed lamps")
	e.send(deputy, "/approve S1")
}

func TestEntriesShowEveryMethod(t *testing.T) {
	e := dongan(t)
	everyMethod(e)

	// /me: the last five entries, strong evidence marked ✓, and the year's breakdown.
	rs := e.send(alice, "/me")
	wantIn(t, "/me", rs,
		"2026: <b>7/2</b> participations",
		"Evidence: 4 of 7 verified ✓ — ✓ rotating code 1 · code 1 · ✓ live location 1 · ✓ QR scanned by the organizer 1 · approved 1 · ✓ confirmed by the resident 1 · entered by the committee 1",
		"Latest entries (5):",
		"2026-02-22 · <b>A3</b> Patrol 3 · ✓ rotating code\n",
		"2026-02-23 · <b>A4</b> Patrol 4 · ✓ live location\n",
		"2026-02-24 · <b>A5</b> Patrol 5 · ✓ QR scanned by the organizer by M2\n",
		"2026-02-25 · <b>A6</b> Patrol 6 · ✓ confirmed by the resident\n",
		"2026-03-02 · <b>S1</b> Fixed lamps · approved by M2\n")
	wantNotIn(t, "/me", rs, "Patrol 1 ", "Patrol 2 ")

	// /member: every entry of the year.
	rs = e.send(deputy, "/member M3")
	wantIn(t, "/member M3", rs,
		"Evidence: 4 of 7 verified ✓",
		"Entries of M3 in 2026 (7)",
		"2026-02-20 · <b>A1</b> Patrol 1 · code\n",
		"2026-02-21 · <b>A2</b> Patrol 2 · entered by the committee by M2\n",
		"2026-02-22 · <b>A3</b> Patrol 3 · ✓ rotating code\n")

	// The same in Chinese.
	wantIn(t, "/lang zh", e.send(alice, "/lang zh"), "语言已设为中文")
	rs = e.send(alice, "/me")
	wantIn(t, "/me zh", rs,
		"核验：可靠核验 ✓ 4 次（共 7 次）——✓ 动态签到码 1 · 签到码 1 · ✓ 实时位置 1 · ✓ 组织者扫码 1 · 审核通过 1 · ✓ 居民确认解决 1 · 大党委补录 1",
		"2026-02-22 · <b>A3</b> Patrol 3 · ✓ 动态签到码\n",
		"2026-02-23 · <b>A4</b> Patrol 4 · ✓ 实时位置\n",
		"2026-02-24 · <b>A5</b> Patrol 5 · ✓ 组织者扫码 （M2）\n",
		"2026-02-25 · <b>A6</b> Patrol 6 · ✓ 居民确认解决\n",
		"2026-03-02 · <b>S1</b> Fixed lamps · 审核通过 （M2）")

	// No participation this year: no breakdown.
	wantNotIn(t, "/me of bob", e.send(bob, "/me"), "Evidence:")
}

func TestReportBreaksDownByMethod(t *testing.T) {
	e := dongan(t)
	everyMethod(e)
	start := at(2026, 3, 1, 9, 0)
	e.now = start
	a := e.activity(ll.Activity{Title: "Sweep", Start: start, Mode: ll.CheckInStatic})
	e.send(bob, "/checkin "+a.Code)
	e.now = testNow

	rs := e.send(deputy, "/report")
	block := []string{
		"<b>Evidence</b>: 8 participations, 4 verified ✓ (50%), 4 other",
		"• ✓ rotating code: 1\n• code: 2\n• ✓ live location: 1\n• ✓ QR scanned by the organizer: 1\n• approved: 1\n• ✓ confirmed by the resident: 1\n• entered by the committee: 1\n",
		"<i>✓ verified: a rotating code, a live location",
	}
	// The existing figures stay, and the breakdown is one message.
	wantIn(t, "/report", rs, append(block, "Members: 4", "Compliant: 0 (0%)", "Below the minimum of 2 participations: 3",
		"• M4 Bob Sun — 1/2 · code 1\n", "• M1 Li Wei — 0/2\n")...)
	one := false
	for _, r := range rs {
		all := true
		for _, b := range block {
			all = all && strings.Contains(r.Text, b)
		}
		one = one || all
	}
	if !one {
		t.Errorf("/report = %q, want the breakdown by method in one message", texts(rs))
	}

	zh := lin2(e)
	if err := e.store.SetRole(e.ctx, "dongan", "M5", ll.RoleCommittee, nil); err != nil {
		t.Fatalf("SetRole(M5): %v", err)
	}
	wantIn(t, "/report zh", e.send(zh, "/report"),
		"<b>核验方式</b>：参与 8 次，其中可靠核验 ✓ 4 次（50%），其他 4 次",
		"• ✓ 动态签到码：1\n• 签到码：2\n• ✓ 实时位置：1\n• ✓ 组织者扫码：1\n• 审核通过：1\n• ✓ 居民确认解决：1\n• 大党委补录：1\n",
		"• M4 Bob Sun — 1/2 · 签到码 1")

	// A year with no participation says so in one line.
	rs = e.send(deputy, "/report 2025")
	wantIn(t, "/report 2025", rs, "<b>Evidence</b>: 0 participations, 0 verified ✓ (0%), 0 other")
	wantNotIn(t, "/report 2025", rs, "rotating code: 0", "✓ verified:")
}

func TestNoticeShowsVerified(t *testing.T) {
	e := dongan(t)
	everyMethod(e)
	e.send(secretary, "/settings notice -1005555")
	posted := to(e.send(deputy, "/notice"), -1005555)
	wantIn(t, "the notice", posted, "可靠核验：通过动态签到码、实时位置、组织者扫码或居民确认解决记录的参与。",
		"M3 Alice Chen — 7 次（其中可靠核验 4 次；活动 6，服务 1）· 岗位：无 · ❌",
		"M4 Bob Sun — 0 次（其中可靠核验 0 次；活动 0，服务 0）")
	// Still no personal data: no Telegram id, unit, verifier or method.
	wantNotIn(t, "the notice", posted, "2001", "2002", "Bank of China", "（M2）", "动态签到码 1", "rotating")

	e.send(secretary, "/settings language en")
	posted = to(e.send(deputy, "/notice"), -1005555)
	wantIn(t, "the notice in en", posted, "Verified: by a rotating code, a live location, the organizer's scan or the resident's confirmation.",
		"M3 Alice Chen — 7 (4 verified; activities 6, services 1) · posts: none · ❌")

	// As a file: the verified column follows participations.
	var ms []ll.Member
	for i := 0; i < 500; i++ {
		ms = append(ms, ll.Member{Name: fmt.Sprintf("%s %03d", strings.Repeat("居民", 15), i)})
	}
	if _, err := e.store.ImportMembers(e.ctx, "dongan", ms, e.now, nil); err != nil {
		t.Fatal(err)
	}
	posted = to(e.send(deputy, "/notice"), -1005555)
	if len(posted) != 1 || posted[0].File == nil {
		t.Fatalf("long /notice = %+v, want one CSV file", posted)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(posted[0].File.Data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("notice CSV: %v", err)
	}
	if got, want := strings.Join(records[0], ","), "member,name,participations,verified,activities,services,posts,compliant"; got != want {
		t.Errorf("notice CSV header = %s, want %s", got, want)
	}
	if got, want := strings.Join(records[3], ","), "M3,Alice Chen,7,4,6,1,,no"; got != want {
		t.Errorf("notice CSV row of M3 = %s, want %s", got, want)
	}
}
