package report_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lamplighter "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run go test ./report -update to create it)", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./report -update after checking):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// rowsByID indexes member rows by M id.
func rowsByID(rows []report.MemberRow) map[string]report.MemberRow {
	out := map[string]report.MemberRow{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

func ids(rows []report.MemberRow) string {
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = r.ID
	}
	return strings.Join(s, ",")
}

func TestGoldenCSV(t *testing.T) {
	// Given out of id order: the export puts dongan before riverside.
	all := []report.CommunityData{riverside(), dongan()}

	var members bytes.Buffer
	if err := report.WriteMembersCSV(&members, report.AllMemberRows(all, 2026, afterExport)); err != nil {
		t.Fatalf("WriteMembersCSV: %v", err)
	}
	golden(t, "members-2026.csv", members.Bytes())

	var ledger bytes.Buffer
	if err := report.WriteLedgerCSV(&ledger, report.AllLedgerRows(all, 2026)); err != nil {
		t.Fatalf("WriteLedgerCSV: %v", err)
	}
	golden(t, "ledger-2026.csv", ledger.Bytes())
}

func TestMemberRows(t *testing.T) {
	rows := report.MemberRows(dongan(), 2026, afterExport)
	// M6 left in 2025 and M7 joined in 2027; M10 comes after M5.
	if got, want := ids(rows), "M1,M2,M3,M4,M5,M10"; got != want {
		t.Fatalf("MemberRows(dongan, 2026) ids = %s, want %s", got, want)
	}
	tests := []struct {
		id                                   string
		memberID, name, joined, last         string
		posts, activities, services, minimum int
		compliant                            bool
	}{
		// P4 was released at 01:00 on 1 January in Shanghai: not held at the end of 2026.
		{"M1", "1001", "王芳", "2025-03-01", "2026-12-31", 1, 1, 1, 2, true},
		// Three activities (the voided A4 does not count) but no post at the year's end.
		{"M2", "1002", "李明", "2025-03-01", "2026-05-01", 0, 3, 0, 2, false},
		// Left on 30 June: still in the 2026 export.
		{"M3", "1003", "张伟", "2024-05-01", "2026-01-01", 0, 1, 0, 2, false},
		// Forgotten: M id and a dash, the ledger still counted.
		{"M4", "M4", report.ForgottenName, "2025-04-01", "2026-03-14", 0, 1, 1, 2, false},
		// The 2025 activity does not count in 2026.
		{"M5", "1005", formulaName, "2025-12-20", "2026-12-31", 2, 1, 1, 2, true},
		// No Telegram id yet; joined at 01:00 on 1 January in Shanghai.
		{"M10", "M10", "Chen Jing", "2026-01-01", "2026-05-01", 1, 1, 0, 2, false},
	}
	by := rowsByID(rows)
	for _, tt := range tests {
		r := by[tt.id]
		check := func(field string, got, want any) {
			t.Helper()
			if got != want {
				t.Errorf("MemberRows(dongan, 2026)[%s].%s = %v, want %v", tt.id, field, got, want)
			}
		}
		check("Community", r.Community, "dongan")
		check("MemberID", r.MemberID, tt.memberID)
		check("Name", r.Name, tt.name)
		check("Joined", r.Joined, tt.joined)
		check("Posts", r.Posts, tt.posts)
		check("Activities", r.Activities, tt.activities)
		check("Services", r.Services, tt.services)
		check("Total", r.Total, tt.activities+tt.services)
		check("Minimum", r.Minimum, tt.minimum)
		check("Compliant", r.Compliant, tt.compliant)
		check("LastParticipation", r.LastParticipation, tt.last)
	}
	if r := by["M4"]; r.Unit != "" || r.Building != "" || r.Status != lamplighter.StatusForgotten {
		t.Errorf("MemberRows()[M4] unit, building, status = %q, %q, %q, want empty, empty, forgotten", r.Unit, r.Building, r.Status)
	}
}

func TestMemberRowsYearBoundaryByZone(t *testing.T) {
	d := dongan()
	rows := report.MemberRows(d, 2025, afterExport)
	// M10 joined at 01:00 on 1 January 2026 in Shanghai; M6 left in November 2025.
	if got, want := ids(rows), "M1,M2,M3,M4,M5,M6"; got != want {
		t.Errorf("MemberRows(dongan in Shanghai, 2025) ids = %s, want %s", got, want)
	}
	if got := rowsByID(rows)["M1"].Posts; got != 2 {
		t.Errorf("MemberRows(dongan in Shanghai, 2025)[M1].Posts = %d, want 2 (P4 released after the year's end there)", got)
	}
	if got := rowsByID(rows)["M5"].Activities; got != 1 {
		t.Errorf("MemberRows(dongan in Shanghai, 2025)[M5].Activities = %d, want 1", got)
	}

	// The same history in UTC: the release and the joining fall in 2025.
	d.Community.TimeZone = "UTC"
	rows = report.MemberRows(d, 2025, afterExport)
	if got, want := ids(rows), "M1,M2,M3,M4,M5,M6,M10"; got != want {
		t.Errorf("MemberRows(dongan in UTC, 2025) ids = %s, want %s", got, want)
	}
	by := rowsByID(rows)
	if got := by["M1"].Posts; got != 1 {
		t.Errorf("MemberRows(dongan in UTC, 2025)[M1].Posts = %d, want 1", got)
	}
	if got := by["M10"].Joined; got != "2025-12-31" {
		t.Errorf("MemberRows(dongan in UTC, 2025)[M10].Joined = %q, want 2025-12-31", got)
	}

	// riverside is in UTC: Bob, who joined at 20:00 UTC on 31 December, is in 2026.
	if got, want := ids(report.MemberRows(riverside(), 2026, afterExport)), "M1,M2"; got != want {
		t.Errorf("MemberRows(riverside, 2026) ids = %s, want %s", got, want)
	}
	if got := ids(report.MemberRows(riverside(), 2027, afterExport)); got != "M1,M2" {
		t.Errorf("MemberRows(riverside, 2027) ids = %s, want M1,M2", got)
	}
}

func TestMemberRowsCurrentYearCountsPostsNow(t *testing.T) {
	now := sh(2026, 5, 15, 12, 0)
	by := rowsByID(report.MemberRows(dongan(), 2026, now))
	for id, want := range map[string]int{"M1": 1, "M2": 1, "M3": 1, "M4": 1, "M5": 2, "M10": 1} {
		if got := by[id].Posts; got != want {
			t.Errorf("MemberRows(dongan, 2026, 15 May)[%s].Posts = %d, want %d", id, got, want)
		}
	}
	// Compliance counts every participation already recorded for the year.
	if got := by["M2"].Compliant; !got {
		t.Errorf("MemberRows(dongan, 2026, 15 May)[M2].Compliant = false, want true (3 participations, 1 post)")
	}
}

func TestMemberRowsOrderByNumber(t *testing.T) {
	c := lamplighter.Community{ID: "x", TimeZone: "UTC", Minimum: 2, PostMinimum: 1}
	var ms []lamplighter.Member
	for _, id := range []string{"M10", "M2", "M100", "M1", "M21", "M3"} {
		ms = append(ms, lamplighter.Member{ID: id, Name: "n" + id, Status: lamplighter.StatusActive, Joined: utc(2020, 1, 1, 0, 0)})
	}
	got := ids(report.MemberRows(report.CommunityData{Community: c, Members: ms}, 2026, afterExport))
	if want := "M1,M2,M3,M10,M21,M100"; got != want {
		t.Errorf("MemberRows() ids = %s, want %s", got, want)
	}
	if ms[0].ID != "M10" {
		t.Errorf("MemberRows reordered its input: Members[0] = %s, want M10", ms[0].ID)
	}
}

func TestLedgerRows(t *testing.T) {
	rows := report.LedgerRows(dongan(), 2026)
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", r.Date, r.ID, r.Ref, r.Method, r.VerifiedBy))
	}
	want := []string{
		"2026-01-01 M2 A3 code ", // 1 January in Shanghai, 31 December in UTC
		"2026-01-01 M3 A3 code ",
		"2026-02-02 M4 S2 approval M2",
		"2026-03-14 M1 A1 code ",
		"2026-03-14 M2 A1 location ", // VerifiedBy M9 is dropped for location
		"2026-03-14 M4 A1 code ",
		"2026-03-14 M5 A1 code ",
		"2026-05-01 M2 A2 manual M1",
		"2026-05-01 M10 A2 code ",
		"2026-12-31 M1 S1 approval M2",
		"2026-12-31 M5 S3 approval M2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("LedgerRows(dongan, 2026) =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, r := range rows {
		if r.Ref == "A4" {
			t.Errorf("LedgerRows()[%d] is the voided A4", i)
		}
	}
	if r := rows[2]; r.MemberID != "M4" || r.Name != report.ForgottenName || r.Kind != lamplighter.KindService {
		t.Errorf("LedgerRows()[2] member_id, name, kind = %q, %q, %q, want M4, %s, service", r.MemberID, r.Name, r.Kind, report.ForgottenName)
	}
	if r := rows[0]; r.MemberID != "1002" || r.Name != "李明" || r.Title != "New Year lantern walk" {
		t.Errorf("LedgerRows()[0] member_id, name, title = %q, %q, %q, want 1002, 李明, New Year lantern walk", r.MemberID, r.Name, r.Title)
	}
	if got := len(report.LedgerRows(dongan(), 2025)); got != 1 {
		t.Errorf("len(LedgerRows(dongan, 2025)) = %d, want 1 (M5's winter fair)", got)
	}
}

func TestLedgerRowsUnknownMember(t *testing.T) {
	d := report.CommunityData{
		Community: lamplighter.Community{ID: "x", TimeZone: "UTC"},
		Participations: []lamplighter.Participation{{Member: "M9", Kind: lamplighter.KindActivity, Ref: "A1",
			Title: "t", Date: "2026-04-01", Method: lamplighter.MethodCode}},
	}
	rows := report.LedgerRows(d, 2026)
	if len(rows) != 1 || rows[0].MemberID != "M9" || rows[0].Name != "" {
		t.Errorf("LedgerRows(participation of an unknown member) = %+v, want one row under M9 with no name", rows)
	}
}

func TestAllRowsConcatenateByCommunityID(t *testing.T) {
	rows := report.AllMemberRows([]report.CommunityData{riverside(), dongan()}, 2026, afterExport)
	var got []string
	for _, r := range rows {
		got = append(got, r.Community+"/"+r.ID)
	}
	want := "dongan/M1 dongan/M2 dongan/M3 dongan/M4 dongan/M5 dongan/M10 riverside/M1 riverside/M2"
	if strings.Join(got, " ") != want {
		t.Errorf("AllMemberRows() = %s, want %s", strings.Join(got, " "), want)
	}
	ledger := report.AllLedgerRows([]report.CommunityData{riverside(), dongan()}, 2026)
	if n := len(ledger); n != 12 || ledger[0].Community != "dongan" || ledger[n-1].Community != "riverside" {
		t.Errorf("AllLedgerRows() has %d rows from %s to %s, want 12 from dongan to riverside", n, ledger[0].Community, ledger[n-1].Community)
	}
}

// BenchmarkMemberRows measures a large community's export: 1,000 members with
// 3 participations and a claim each.
func BenchmarkMemberRows(b *testing.B) {
	c := lamplighter.Community{ID: "big", TimeZone: "Asia/Shanghai", Minimum: 2, PostMinimum: 1}
	d := report.CommunityData{Community: c}
	for i := 1; i <= 1000; i++ {
		id := fmt.Sprintf("M%d", i)
		d.Members = append(d.Members, lamplighter.Member{ID: id, TelegramID: int64(100000 + i), Name: "成员" + id,
			Joined: sh(2025, 1, 1, 9, 0), Status: lamplighter.StatusActive})
		for j := 0; j < 3; j++ {
			d.Participations = append(d.Participations, lamplighter.Participation{Member: id, Kind: lamplighter.KindActivity,
				Ref: fmt.Sprintf("A%d", j+1), Date: fmt.Sprintf("2026-%02d-15", 3*j+1), Method: lamplighter.MethodCode})
		}
		d.Claims = append(d.Claims, lamplighter.Claim{Post: fmt.Sprintf("P%d", i%40+1), Member: id, Claimed: sh(2025, 2, 1, 9, 0)})
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if rows := report.MemberRows(d, 2026, now); len(rows) != 1000 {
			b.Fatalf("MemberRows() has %d rows, want 1000", len(rows))
		}
	}
}
