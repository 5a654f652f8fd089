package handlers_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// ledgerCommitteeCommands is one valid use of every committee command of the ledger.
var ledgerCommitteeCommands = []string{
	"/newactivity Lamps | 2026-03-05 09:00 | 2h | gate | 5",
	"/newactivity",
	"/editactivity A1 title New",
	"/editactivity A1 location",
	"/cancelactivity A1 rain",
	"/roster A1",
	"/pending",
	"/approve",
	"/approve S1",
	"/reject S1 no",
	"/attend A1 M4",
	"/void A1 M4 mistake",
	"/void S1 M4 mistake",
	"/report",
	"/export",
	"/export 2026",
	"/notice",
}

func TestLedgerCommitteeCommandsRefusedForMembers(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			e := dongan(t)
			e.send(secretary, "/settings notice -1005555")
			a := e.activity(ll.Activity{Start: at(2026, 3, 2, 18, 0)})
			e.send(bob, "/checkin "+a.Code)
			e.send(bob, "/log Fixed lamps")
			plainMember := alice
			if lang == "zh" {
				plainMember = lin
				e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
			}
			want := map[string]string{"en": "Only the community committee can do this.", "zh": "只有社区大党委成员可以执行此操作。"}[lang]
			before := e.snapshot()
			for _, text := range ledgerCommitteeCommands {
				rs := e.send(plainMember, text)
				wantIn(t, "member "+text, rs, want)
				for _, r := range rs {
					if r.File != nil || r.ChatID != 0 {
						t.Errorf("member %s got %+v", text, r)
					}
				}
			}
			for _, data := range []string{"ap:S1", "rj:S1", "pg:sv:1"} {
				wantIn(t, "member presses "+data, e.press(plainMember, data), want)
			}
			e.unchanged("ledger committee commands of a plain member", before)

			notMember := map[string]person{"en": stranger, "zh": mou}[lang]
			wantNot := map[string]string{"en": "You are not a registered member", "zh": "您还不是已报到的党员"}[lang]
			for _, text := range append(ledgerCommitteeCommands, "/me", "/activities", "/signup A1", "/withdraw A1", "/checkin "+a.Code, "/log x", "/forgetme") {
				wantIn(t, "stranger "+text, e.send(notMember, text), wantNot)
			}
			e.unchanged("ledger commands of a stranger", before)
		})
	}
}

func TestAttendAndVoidVisibleInMember(t *testing.T) {
	e := dongan(t)
	start := at(2026, 3, 1, 9, 0)
	a := e.activity(ll.Activity{Title: "Lamps", Start: start})
	e.now = start.Add(time.Hour)
	e.send(bob, "/checkin "+a.Code)
	e.now = testNow

	rs := e.send(deputy, "/attend A1 M3 phone had <no> signal")
	wantIn(t, "/attend", rs, "Recorded M3 Alice Chen at <b>A1</b> Lamps (entered by the committee).")
	if told := to(rs, alice.id); len(told) != 1 || !strings.Contains(told[0].Text, "recorded your participation in <b>A1</b> Lamps") {
		t.Errorf("alice told = %+v", rs)
	}
	wantIn(t, "/attend again", e.send(deputy, "/attend A1 M3"), "M3 Alice Chen already counts for <b>A1</b> Lamps.")
	wantIn(t, "/attend checked in", e.send(deputy, fmt.Sprintf("/attend A1 %d", bob.id)), "M4 Bob Sun already counts")
	wantIn(t, "/member M3", e.send(deputy, "/member M3"), "2026: <b>1/2</b>",
		"2026-03-01 · <b>A1</b> Lamps · entered by the committee by M2 — phone had &lt;no&gt; signal", "Entries of M3 in 2026 (1)")

	rs = e.send(secretary, "/void A1 M4 checked in for <someone> else")
	wantIn(t, "/void", rs, "Voided the participation of M4 Bob Sun for A1: checked in for &lt;someone&gt; else")
	if told := to(rs, bob.id); len(told) != 1 || !strings.Contains(told[0].Text, "was voided by the committee") {
		t.Errorf("bob told = %+v", rs)
	}
	wantIn(t, "/void again", e.send(secretary, "/void A1 M4 again"), "M4 Bob Sun has no participation for A1 that counts.")
	wantIn(t, "/void without reason", e.send(secretary, "/void A1 M4"), "Usage: <code>/void")
	rs = e.send(deputy, "/member M4")
	wantIn(t, "/member M4", rs, "2026: <b>0/2</b>", "✖ 2026-03-01 · <b>A1</b> Lamps · code", "voided by M1: checked in for &lt;someone&gt; else")
	wantIn(t, "bob /me", e.send(bob, "/me"), "2026: <b>0/2</b>", "voided by M1")
	got := e.auditActions("dongan")
	for _, w := range []string{"M2:attend:A1", "M1:void:A1"} {
		if !strings.Contains(got, w) {
			t.Errorf("audit = %s, want %s", got, w)
		}
	}
	// Attending an activity that has not begun is refused.
	e.activity(ll.Activity{Title: "Later", Start: at(2026, 3, 20, 9, 0)})
	wantIn(t, "/attend future", e.send(deputy, "/attend A2 M3"), "<b>A2</b> Later has not begun yet")
	wantIn(t, "/attend unknown member", e.send(deputy, "/attend A1 M99"), "M99 was not found")
}

func TestMeShowsStanding(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
	wantIn(t, "empty /me", e.send(alice, "/me"), "2026: <b>0/2</b> participations · posts 0/1 · ❌ not yet compliant", "Days left in 2026: 305", "No entries yet")
	for i := 0; i < 6; i++ {
		start := at(2026, 2, 20+i, 9, 0)
		e.now = start
		a := e.activity(ll.Activity{Title: fmt.Sprintf("Patrol %d", i+1), Start: start})
		e.send(alice, "/checkin "+a.Code)
	}
	e.now = testNow
	wantIn(t, "/me without a post", e.send(alice, "/me"), "2026: <b>6/2</b> participations · posts 0/1 · ❌ not yet compliant")
	e.send(alice, "/claim P1")
	rs := e.send(alice, "/me")
	wantIn(t, "/me", rs, "2026: <b>6/2</b> participations · posts 1/1 · ✅ compliant", "Latest entries (5):", "2026-02-25 · <b>A6</b> Patrol 6 · code")
	wantNotIn(t, "/me", rs, "Patrol 1 ")
	wantIn(t, "/me zh", e.send(lin2(e), "/me"), "2026 年：参与 <b>0/2</b> 次 · 岗位 0/1 · ❌ 尚未达标", "2026 年剩余天数：305")
}

// TestYearInCommunityZone: at 2026-12-31 17:00 UTC it is already 2027 in Shanghai.
func TestYearInCommunityZone(t *testing.T) {
	e := dongan(t)
	e.now = at(2026, 12, 31, 9, 0)
	a := e.activity(ll.Activity{Start: e.now})
	e.send(alice, "/checkin "+a.Code)
	wantIn(t, "/me on 31 December", e.send(alice, "/me"), "2026: <b>1/2</b>", "Days left in 2026: 1")
	e.now = time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC)
	rs := e.send(alice, "/me")
	wantIn(t, "/me at 17:00 UTC", rs, "2027: <b>0/2</b>", "Days left in 2027: 365", "2026-12-31 · <b>A1</b>")
	wantNotIn(t, "/me at 17:00 UTC", rs, "2026: <b>")
	// A community in UTC is still in 2026.
	e.send(secretary, "/settings timezone UTC")
	wantIn(t, "/me in UTC", e.send(alice, "/me"), "2026: <b>1/2</b>", "Days left in 2026: 1")
}

func TestExportSendsWorkbook(t *testing.T) {
	e := dongan(t)
	a := e.activity(ll.Activity{Title: "=HYPERLINK(\"x\")", Start: at(2026, 3, 2, 18, 0)})
	e.send(alice, "/checkin "+a.Code)
	e.send(bob, "/log Fixed lamps")
	e.send(deputy, "/approve S1")
	rs := e.send(secretary, "/export")
	wantIn(t, "/export", rs, "Ledger 2026: 4 members, 2 entries")
	if rs[0].File == nil || rs[0].File.Name != "lamplighter-dongan-2026.xlsx" {
		t.Fatalf("/export = %+v", rs)
	}
	members, ledger := readXLSX(t, rs)
	if strings.Join(members[0], ",") != "community,member_id,name,unit,building,joined,posts,activities,services,total,minimum,compliant,last_participation,strong" {
		t.Errorf("members header = %v", members[0])
	}
	if len(members) != 5 || len(ledger) != 3 {
		t.Errorf("sheets have %d and %d rows, want 5 and 3", len(members), len(ledger))
	}
	if ledger[1][6] != "=HYPERLINK(\"x\")" && ledger[2][6] != "=HYPERLINK(\"x\")" {
		t.Errorf("ledger = %v, want the title kept as text", ledger)
	}
	if got := e.auditActions("dongan"); !strings.Contains(got, "M1:export:2026") {
		t.Errorf("audit = %s, want M1:export:2026", got)
	}
}

func TestReport(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
	e.post(ll.Post{Community: "dongan", Title: "Lighting"})
	e.post(ll.Post{Community: "dongan", Title: "Closed one", Closed: true})
	e.send(alice, "/claim P1")
	for i := 0; i < 2; i++ {
		a := e.activity(ll.Activity{Title: fmt.Sprintf("Patrol %d", i), Start: at(2026, 3, 2, 17+i, 0)})
		e.send(alice, "/checkin "+a.Code)
	}
	if err := e.store.SetReachable(e.ctx, bob.id, false); err != nil {
		t.Fatal(err)
	}
	rs := e.send(deputy, "/report")
	wantIn(t, "/report", rs, "Report 2026</b> (as of 2026-03-02)", "Members: 4", "Compliant: 1 (25%)",
		"Below the minimum of 2 participations: 3", "• M2 Zhao Min — 0/2", "• M4 Bob Sun — 0/2",
		"Posts filled: 1 of 2 open posts have a holder", "Unreachable on Telegram: 1", "• M4 Bob Sun")
	wantNotIn(t, "/report", rs, "• M3 Alice")
	last := rs[len(rs)-1]
	if last.File == nil || !last.File.Photo || !bytes.HasPrefix(last.File.Data, []byte("\x89PNG")) {
		t.Errorf("/report last reply = %+v, want the chart as a photo", last)
	}
	wantIn(t, "/report zh", e.send(lin2(e), "/lang zh"), "语言已设为中文")
	e.store.SetRole(e.ctx, "dongan", "M5", ll.RoleCommittee, nil)
	wantIn(t, "/report zh", e.send(lin, "/report"), "2026 年统计", "已达标：1 名（20%）")
}

func TestNotice(t *testing.T) {
	e := dongan(t)
	before := e.snapshot()
	wantIn(t, "no notice chat", e.send(deputy, "/notice"), "No notice chat is set.", "/settings notice")
	e.unchanged("/notice without a chat", before)

	e.send(deputy, "/settings notice -1005555")
	e.post(ll.Post{Community: "dongan", Title: "Legal <aid>"})
	e.send(alice, "/claim P1")
	e.send(bob, "/log Fixed lamps")
	e.send(deputy, "/approve S1")
	rs := e.send(deputy, "/notice")
	wantIn(t, "/notice", rs, "Posted the 2026 notice (4 members) to the notice chat in 1 message(s).")
	posted := to(rs, -1005555)
	if len(posted) != 1 {
		t.Fatalf("/notice = %+v, want one message to the notice chat", rs)
	}
	// In the community's language (zh), naming no Telegram id.
	wantIn(t, "the notice", posted, "东安社区 2026 年度党员志愿服务公示", "M3 Alice Chen — 0 次（其中可靠核验 0 次；活动 0，服务 0）· 岗位：P1 Legal &lt;aid&gt; · ❌",
		"M4 Bob Sun — 1 次（其中可靠核验 0 次；活动 0，服务 1）· 岗位：无 · ❌")
	wantNotIn(t, "the notice", posted, "2001", "2002", "Bank of China")
	if got := e.auditActions("dongan"); !strings.Contains(got, "M2:notice:2026") {
		t.Errorf("audit = %s, want M2:notice:2026", got)
	}

	// Long: split into messages that fit Telegram.
	var ms []ll.Member
	for i := 0; i < 120; i++ {
		ms = append(ms, ll.Member{Name: fmt.Sprintf("%s %03d", strings.Repeat("志愿者", 10), i)})
	}
	if _, err := e.store.ImportMembers(e.ctx, "dongan", ms, e.now, nil); err != nil {
		t.Fatal(err)
	}
	rs = e.send(deputy, "/notice")
	posted = to(rs, -1005555)
	if len(posted) < 2 || len(posted) > 10 {
		t.Fatalf("/notice with 124 members = %d messages, want it split into 2 to 10", len(posted))
	}
	wantIn(t, "split notice", rs, fmt.Sprintf("in %d message(s)", len(posted)), "志愿者 119", "M4 Bob Sun")

	// Very long: a file.
	ms = ms[:0]
	for i := 0; i < 500; i++ {
		ms = append(ms, ll.Member{Name: fmt.Sprintf("=%s %03d", strings.Repeat("居民", 15), i)})
	}
	if _, err := e.store.ImportMembers(e.ctx, "dongan", ms, e.now, nil); err != nil {
		t.Fatal(err)
	}
	rs = e.send(deputy, "/notice 2026")
	posted = to(rs, -1005555)
	wantIn(t, "file notice", rs, "Posted the 2026 notice (624 members) to the notice chat as a file.")
	if len(posted) != 1 || posted[0].File == nil || !bytes.HasPrefix(posted[0].File.Data, []byte("\ufeff")) {
		t.Fatalf("very long /notice = %+v, want one CSV file with a BOM", posted)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(posted[0].File.Data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("notice CSV: %v", err)
	}
	if len(records) != 625 || records[0][0] != "编号" || !strings.HasPrefix(records[len(records)-1][1], "'=") {
		t.Errorf("notice CSV has %d records, header %v, last %v", len(records), records[0], records[len(records)-1])
	}
}

func TestForgetMeKeepsTotals(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
	e.send(bob, "/claim P1")
	for i := 0; i < 2; i++ {
		a := e.activity(ll.Activity{Title: fmt.Sprintf("Patrol %d", i), Start: at(2026, 3, 2, 17+i, 0)})
		e.send(bob, "/checkin "+a.Code)
	}
	// The totals: members of the year, those below the minimum, and the
	// participations in the ledger. (Compliance also counts posts held now,
	// and forgetting gives up the posts, as moving away does.)
	figures := func() string {
		rs := e.send(deputy, "/report")
		var lines []string
		for _, l := range strings.Split(texts(rs), "\n") {
			if strings.HasPrefix(l, "Members:") || strings.HasPrefix(l, "Below") {
				lines = append(lines, l)
			}
		}
		_, ledger := readXLSX(t, e.send(deputy, "/export"))
		lines = append(lines, fmt.Sprintf("ledger rows: %d", len(ledger)))
		return strings.Join(lines, "\n")
	}
	before := figures()
	if !strings.Contains(before, "Members: 4") || !strings.Contains(before, "ledger rows: 3") {
		t.Fatalf("figures before = %q", before)
	}

	rs := e.send(bob, "/forgetme")
	wantIn(t, "/forgetme", rs, "This deletes your name, Telegram id, unit, building and skills", "under M4 with no name")
	// Other text does not confirm.
	wantIn(t, "typed yes", e.send(bob, "yes"), "Please press one of the buttons")
	wantIn(t, "keep", e.press(bob, button(t, rs, "Keep").Data), "Nothing was deleted.")
	if m := e.storedMember("dongan", bob); m.Name != "Bob Sun" {
		t.Fatalf("bob after keep = %+v", m)
	}
	rs = e.send(bob, "/forgetme")
	rs = e.press(bob, button(t, rs, "Yes").Data)
	wantIn(t, "forgotten", rs, "your personal data is deleted", "M4 —")
	m, err := e.store.Member(e.ctx, "dongan", "M4")
	if err != nil || m.Name != "" || m.TelegramID != 0 || m.Unit != "" || m.Status != ll.StatusForgotten {
		t.Errorf("M4 after /forgetme = %+v, %v", m, err)
	}
	wantIn(t, "bob /me", e.send(bob, "/me"), "You are not a registered member")
	if after := figures(); after != before {
		t.Errorf("figures after /forgetme = %q, want %q", after, before)
	}
	rs = e.send(deputy, "/member M4")
	wantIn(t, "/member M4", rs, "<b>M4</b> —", "Status: forgotten", "Entries of M4 in 2026 (2)")
	wantNotIn(t, "/member M4", rs, "Bob")
	if got := e.auditActions("dongan"); !strings.Contains(got, "M4:forgetme:M4") {
		t.Errorf("audit = %s, want M4:forgetme:M4", got)
	}
	// The old confirmation button does nothing now.
	wantIn(t, "stale", e.press(bob, button(t, e.send(alice, "/forgetme"), "Yes").Data), "This button no longer applies")
}

func TestCommunitiesShowCompliance(t *testing.T) {
	e := dongan(t, admin.id)
	e.community("xiyuan", "西苑社区")
	e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
	e.send(alice, "/claim P1")
	for i := 0; i < 2; i++ {
		a := e.activity(ll.Activity{Title: fmt.Sprintf("Patrol %d", i), Start: at(2026, 3, 2, 17+i, 0)})
		e.send(alice, "/checkin "+a.Code)
	}
	wantIn(t, "/communities", e.send(admin, "/communities"), "<b>dongan</b> 东安社区 · 4 members · 1 hold ≥1 post(s) · 2026: 1/4 compliant",
		"<b>xiyuan</b> 西苑社区 · 0 members · 0 hold ≥1 post(s) · 2026: 0/0 compliant")
}

func TestLedgerAnswersStayPrivateInGroups(t *testing.T) {
	e := dongan(t)
	e.send(secretary, "/settings notice -1005555")
	for _, tt := range []struct {
		who        person
		text, want string
	}{
		{alice, "/me", "participations"},
		{alice, "/activities", "no upcoming activities"},
		{alice, "/log Fixed lamps", "Recorded <b>S1</b>"},
		{deputy, "/pending", "Awaiting approval (1)"},
		{deputy, "/report", "Report 2026"},
		{deputy, "/export", "Ledger 2026"},
		{deputy, "/notice", "Posted the 2026 notice"},
	} {
		rs := e.sendGroup(tt.who, tt.text)
		group, private := split(rs, tt.who.id)
		if !strings.Contains(texts(private), tt.want) {
			t.Errorf("%s in a group: private %q, want %q", tt.text, texts(private), tt.want)
		}
		if len(group) != 1 || !strings.Contains(group[0].Text, "answered you in a private chat") || group[0].File != nil {
			t.Errorf("%s in a group: group replies %+v", tt.text, group)
		}
	}
}
