package handlers_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestLogApproveReject(t *testing.T) {
	e := dongan(t)
	rs := e.send(alice, "/log Fixed 32 <street> lamps in block 19")
	wantIn(t, "/log", rs, "Recorded <b>S1</b> for 2026-03-02: «Fixed 32 &lt;street&gt; lamps in block 19»", "once a committee member approves it")
	// The same report again while it waits: not recorded twice.
	before := e.snapshot()
	wantIn(t, "/log again", e.send(alice, "/log Fixed 32 <street> lamps in block 19"), "You already reported this; it is <b>S1</b>")
	e.unchanged("the same /log again", before)
	wantIn(t, "/log dated", e.send(bob, "/log 2026-02-28 Tutored two children"), "<b>S2</b> for 2026-02-28")
	wantIn(t, "/log yesterday", e.send(secretary, "/log yesterday Organised the tea party"), "<b>S3</b> for 2026-03-01")

	rs = e.send(deputy, "/pending")
	wantIn(t, "/pending", rs, "Awaiting approval (3)", "<b>S1</b> 2026-03-02 · M3 Alice Chen", "<b>S3</b> 2026-03-01 · M1 Li Wei")
	for _, d := range []string{"ap:S1", "rj:S1", "ap:S2", "ap:S3"} {
		if !hasButtonData(rs, d) {
			t.Errorf("/pending buttons = %s, want %s", dumpButtons(rs), d)
		}
	}
	// The secretary's own record has no buttons for her.
	rs = e.send(secretary, "/pending")
	wantIn(t, "own in /pending", rs, "yours: another committee member decides")
	if hasButtonData(rs, "ap:S3") {
		t.Errorf("the secretary is offered to approve her own S3")
	}

	// Nobody approves their own record, by command or by button; the
	// attempts are audited (SPEC §9) and change nothing else.
	before = e.ledgerState()
	wantIn(t, "self-approval", e.send(secretary, "/approve S3"), "You cannot decide S3: it is your own record.")
	wantIn(t, "self-approval button", e.press(secretary, "ap:S3"), "it is your own record")
	wantIn(t, "self-rejection", e.send(secretary, "/reject S3 no"), "it is your own record")
	// A plain member cannot decide at all.
	wantIn(t, "member approves", e.send(bob, "/approve S1"), "Only the community committee can do this.")
	wantIn(t, "member presses approve", e.press(bob, "ap:S1"), "Only the community committee can do this.")
	wantIn(t, "member presses reject", e.press(bob, "rj:S1"), "Only the community committee can do this.")
	e.ledgerUnchanged("refused decisions", before)
	wantAuditLine(t, e, "M1:refused:S3:approve M1: self", "M1:refused:S3:reject M1: self")

	// Approval: the author is told, once, whatever the double taps.
	rs = e.press(deputy, "ap:S1")
	wantIn(t, "approve", rs, "Approved <b>S1</b> (M3 Alice Chen, 2026-03-02).")
	told := to(rs, alice.id)
	if len(told) != 1 || !strings.Contains(told[0].Text, "Your service record <b>S1</b> (2026-03-02, «Fixed 32 &lt;street&gt; lamps in block 19») was approved. It counts for 2026.") ||
		!strings.Contains(told[0].Text, "2026: <b>1/2</b> participations") {
		t.Errorf("alice told = %+v", told)
	}
	rs = e.press(deputy, "ap:S1")
	wantIn(t, "approve again", rs, "S1 is already approved.")
	if len(to(rs, alice.id)) != 0 {
		t.Errorf("approve again told alice again: %+v", rs)
	}
	wantIn(t, "approve by another", e.send(secretary, "/approve s1"), "S1 is already approved.")
	if n := e.countsFor("M3", "S1"); n != 1 {
		t.Errorf("M3 has %d participations for S1, want 1", n)
	}
	wantIn(t, "reject an approved one", e.send(secretary, "/reject S1 wrong"), "S1 was already approved by M2.")

	// Rejection from the button asks for the reason.
	rs = e.press(deputy, "rj:S2")
	wantIn(t, "reject button", rs, "Why is <b>S2</b> rejected?", "Tutored two children")
	rs = e.send(deputy, "Please say <which> school")
	wantIn(t, "rejected", rs, "Rejected <b>S2</b> (M4 Bob Sun, 2026-02-28)")
	told = to(rs, bob.id)
	if len(told) != 1 || !strings.Contains(told[0].Text, "was not approved") || !strings.Contains(told[0].Text, "Reason: Please say &lt;which&gt; school") {
		t.Errorf("bob told = %+v", told)
	}
	if n := e.countsFor("M4", "S2"); n != 0 {
		t.Errorf("a rejected record counts: %d", n)
	}
	// /reject by command; the reason is required.
	wantIn(t, "reject without reason", e.send(deputy, "/reject S3"), "Usage: <code>/reject")
	rs = e.send(deputy, "/reject S3 duplicate of last week")
	wantIn(t, "reject by command", rs, "Rejected <b>S3</b>")
	if len(to(rs, secretary.id)) != 1 {
		t.Errorf("the secretary is not told of her rejected record: %+v", rs)
	}
	wantIn(t, "nothing pending", e.send(deputy, "/approve"), "Nothing is waiting for approval.")
	got := e.auditActions("dongan")
	for _, w := range []string{"M2:approve:S1", "M2:reject:S2", "M2:reject:S3"} {
		if !strings.Contains(got, w) {
			t.Errorf("audit = %s, want %s", got, w)
		}
	}
	// The approved service shows in the author's card and the committee's view.
	wantIn(t, "/me", e.send(alice, "/me"), "2026-03-02 · <b>S1</b> Fixed 32 &lt;street&gt; lamps in block 19 · approved by M2")
}

func TestLogBadInput(t *testing.T) {
	e := dongan(t)
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	tests := []struct{ text, en, zh string }{
		{"/log 2026-03-03 Tomorrow's work", "not in the future and at most 30 days back", "不能是将来，最多补登 30 天内"},
		{"/log 2026-01-30 Long ago", "not in the future and at most 30 days back", "不能是将来"},
		{"/log 2026-02-30 No such day", "The date must be a real day written YYYY-MM-DD", "日期须为真实存在的日期"},
		{"/log 2026-13-01 No such month", "The date must be a real day", "日期须为真实存在的日期"},
		{"/log 2026-03-01", "Usage: <code>/log", "用法：<code>/log"},
		{"/log", "Usage: <code>/log", "用法：<code>/log"},
		{"/log " + strings.Repeat("做", 1001), "Describe what you did in 1 to 1000 characters", "请用 1 到 1000 个字描述"},
		{"/approve X1", "That is not a service record id", "这不是服务记录编号"},
		{"/approve S99", "S99 was not found", "没有找到 S99"},
		{"/void Q1 M3 x", "Name an activity (like A7) or a service record (like S4).", "请指定活动（如 A7）或服务记录（如 S4）"},
		{"/export 1999", "The year must be like 2026", "年份须如 2026"},
		{"/report 2027", "The year must be like 2026", "年份须如 2026"},
		{"/notice twenty", "The year must be like 2026", "年份须如 2026"},
	}
	// lin asks in Chinese; the committee commands need her to be on the committee.
	if err := e.store.SetRole(e.ctx, "dongan", "M5", ll.RoleCommittee, nil); err != nil {
		t.Fatal(err)
	}
	e.send(deputy, "/settings notice -1005555")
	before := e.snapshot()
	for _, tt := range tests {
		wantIn(t, "en "+tt.text, e.send(deputy, tt.text), tt.en)
		wantIn(t, "zh "+tt.text, e.send(lin, tt.text), tt.zh)
	}
	e.unchanged("bad service input", before)
	// 30 days back is the limit, included.
	wantIn(t, "30 days back", e.send(alice, "/log 2026-01-31 Snow clearing"), "<b>S1</b> for 2026-01-31")
}

// TestServiceAcrossTheYearEnd: a service dated 31 December and approved on
// 2 January counts in the old year.
func TestServiceAcrossTheYearEnd(t *testing.T) {
	e := dongan(t)
	e.now = at(2026, 12, 31, 20, 0)
	wantIn(t, "/log", e.send(alice, "/log Lit the new year lanterns"), "<b>S1</b> for 2026-12-31")
	e.now = at(2027, 1, 2, 9, 0)
	rs := e.send(deputy, "/approve S1")
	wantIn(t, "alice told", to(rs, alice.id), "It counts for 2026.", "2026: <b>1/2</b> participations")
	wantIn(t, "/me in 2027", e.send(alice, "/me"), "2027: <b>0/2</b> participations", "2026-12-31 · <b>S1</b>")

	rs = e.send(deputy, "/export 2026")
	members, ledger := readXLSX(t, rs)
	if len(ledger) != 2 || ledger[1][3] != "2026-12-31" || ledger[1][5] != "S1" {
		t.Errorf("ledger sheet for 2026 = %v, want S1 dated 2026-12-31", ledger)
	}
	found := false
	for _, row := range members[1:] {
		if row[1] == "2001" { // Alice's Telegram id
			found = true
			if row[8] != "1" || row[9] != "1" {
				t.Errorf("alice's 2026 row = %v, want 1 service, total 1", row)
			}
		}
	}
	if !found {
		t.Errorf("members sheet for 2026 = %v, want Alice", members)
	}
	_, ledger2027 := readXLSX(t, e.send(deputy, "/export"))
	if len(ledger2027) != 1 {
		t.Errorf("ledger sheet for 2027 = %v, want only the header", ledger2027)
	}
}

// readXLSX opens the workbook sent in rs and returns its two sheets.
func readXLSX(t *testing.T, rs []ll.Reply) (members, ledger [][]string) {
	t.Helper()
	var f *ll.File
	for _, r := range rs {
		if r.File != nil {
			f = r.File
		}
	}
	if f == nil || f.Photo || !strings.HasSuffix(f.Name, ".xlsx") {
		t.Fatalf("replies = %+v, want an XLSX document", rs)
	}
	data, err := f.Bytes()
	if err != nil {
		t.Fatalf("read %s: %v", f.Name, err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("excelize cannot open %s: %v", f.Name, err)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != 2 || got[0] != "members" || got[1] != "ledger" {
		t.Fatalf("sheets = %v, want [members ledger]", got)
	}
	if members, err = x.GetRows("members"); err != nil {
		t.Fatal(err)
	}
	if ledger, err = x.GetRows("ledger"); err != nil {
		t.Fatal(err)
	}
	return members, ledger
}

func TestPendingPaging(t *testing.T) {
	e := dongan(t)
	for i := 0; i < 10; i++ {
		e.send(alice, "/log Walked the elderly neighbour's dog, day "+string(rune('A'+i)))
	}
	rs := e.send(deputy, "/pending")
	wantIn(t, "/pending", rs, "Awaiting approval (10)", "Page 1 of 2")
	rs = e.press(deputy, button(t, rs, "›").Data)
	if len(rs) != 1 || !rs[0].Edit {
		t.Fatalf("page press = %+v", rs)
	}
	wantIn(t, "page 2", rs, "<b>S10</b>", "Page 2 of 2")
	wantIn(t, "member presses page", e.press(bob, "pg:sv:2"), "Only the community committee")
}
