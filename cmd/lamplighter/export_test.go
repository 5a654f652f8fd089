package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// seedLedger gives the test Redis two communities with a year of ledger:
// dongan with three members (one a formula-looking name), a post held, an
// activity checked in by code, one entered by hand, and an approved service;
// xiyuan with one member and one check-in.
func seedLedger(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := context.Background()
	st := e.st
	for _, c := range []ll.Community{
		{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1, Created: testNow},
		{ID: "xiyuan", Name: "西苑社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1, Created: testNow},
	} {
		if err := st.CreateCommunity(ctx, c, nil); err != nil {
			t.Fatalf("CreateCommunity(%s): %v", c.ID, err)
		}
	}
	joined := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	ms, err := st.ImportMembers(ctx, "dongan", []ll.Member{
		{TelegramID: 10001, Name: "李秀兰", Unit: "东安街道办事处", Building: "1栋", Role: ll.RoleSecretary},
		{TelegramID: 10003, Name: "张伟", Unit: "区人民法院", Building: "19栋"},
		{Name: "=SUM(A1)", Unit: "+bank", Building: "7栋"},
	}, joined, nil)
	if err != nil {
		t.Fatalf("ImportMembers(dongan): %v", err)
	}
	if _, err := st.ImportMembers(ctx, "xiyuan", []ll.Member{{TelegramID: 10011, Name: "周静"}}, joined, nil); err != nil {
		t.Fatalf("ImportMembers(xiyuan): %v", err)
	}
	p, err := st.CreatePost(ctx, ll.Post{Community: "dongan", Title: "法律援助岗", Mode: ll.ModeClaimed, Created: joined}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Claim(ctx, "dongan", p.ID, ms[1].ID, joined); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 2, 20, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	for _, community := range []string{"dongan", "xiyuan"} {
		a, err := st.CreateActivity(ctx, ll.Activity{Community: community, Title: "路灯巡检", Start: start, End: start.Add(2 * time.Hour), Created: joined}, nil)
		if err != nil {
			t.Fatalf("CreateActivity(%s): %v", community, err)
		}
		member := ms[1].ID
		if community == "xiyuan" {
			member = "M1"
		}
		if _, _, err := st.CheckIn(ctx, community, member, handlers.CheckIn{Code: a.Code, Method: ll.MethodCode}, start.Add(5*time.Minute)); err != nil {
			t.Fatalf("CheckIn(%s): %v", community, err)
		}
		if community == "dongan" {
			if _, err := st.Attend(ctx, community, a.ID, ms[2].ID, ms[0].ID, "", start.Add(3*time.Hour), nil); err != nil {
				t.Fatalf("Attend: %v", err)
			}
		}
	}
	r, err := st.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[1].ID, Text: "维修19栋路灯32盏", Date: "2026-02-25", Status: ll.ServicePending, Created: testNow})
	if err != nil {
		t.Fatalf("LogService: %v", err)
	}
	if _, _, err := st.Decide(ctx, "dongan", r.ID, true, ms[0].ID, "", testNow, nil); err != nil {
		t.Fatalf("Decide: %v", err)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestExportCSV(t *testing.T) {
	e := newTestEnv(t)
	seedLedger(t, e)

	out := e.mustRun("export", "--community", "dongan", "--year", "2026", "--kind", "members", "--format", "csv")
	if !strings.HasPrefix(out, "\ufeffcommunity,member_id,name,unit,building,joined,posts,activities,services,total,minimum,compliant,last_participation,strong\r\n") {
		t.Errorf("members CSV starts %q, want the BOM and the header", out[:min(len(out), 120)])
	}
	golden(t, "export_members.golden.csv", []byte(out))

	out = e.mustRun("export", "--community", "dongan", "--year", "2026", "--kind", "ledger", "--format", "csv")
	if !strings.HasPrefix(out, "\ufeffcommunity,member_id,name,date,kind,ref,title,method,verified_by\r\n") {
		t.Errorf("ledger CSV starts %q, want the BOM and the header", out[:min(len(out), 120)])
	}
	golden(t, "export_ledger.golden.csv", []byte(out))

	// --all: both communities, in id order; another year is empty but for the header.
	out = e.mustRun("export", "--all", "--year", "2026", "--kind", "ledger", "--format", "csv")
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 5 || records[1][0] != "dongan" || records[4][0] != "xiyuan" {
		t.Errorf("--all ledger = %v, want 3 dongan rows then 1 xiyuan row", records)
	}
	out = e.mustRun("export", "--all", "--year", "2025", "--kind", "members", "--format", "csv")
	if strings.Count(out, "\r\n") != 1 {
		t.Errorf("2025 members export = %q, want only the header", out)
	}
	// Audited.
	entries, err := e.st.AuditLog(context.Background(), "xiyuan", 10, time.Time{})
	if err != nil || len(entries) != 2 || entries[0].Actor != "cli" || entries[0].Action != "export" || entries[0].Object != "2025" {
		t.Errorf("xiyuan audit = %+v, %v; want two cli exports", entries, err)
	}
}

func TestExportXLSX(t *testing.T) {
	e := newTestEnv(t)
	seedLedger(t, e)
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.xlsx")
	code, stdout, stderr := e.run("", "export", "--community", "dongan", "--year", "2026", "--kind", "ledger", "--format", "xlsx", "--out", path)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "wrote 3 ledger rows to "+path) {
		t.Fatalf("export --out: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("excelize cannot open the export: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "ledger" {
		t.Fatalf("sheets = %v, want [ledger]", got)
	}
	rows, err := f.GetRows("ledger")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != "community,member_id,name,date,kind,ref,title,method,verified_by" {
		t.Errorf("ledger sheet = %v", rows)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("export file mode = %v, %v; want 0600", info.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the export left %d files in its directory, want 1", len(entries))
	}

	// To standard output (not a terminal here).
	out := e.mustRun("export", "--community", "dongan", "--year", "2026", "--kind", "members", "--format", "xlsx")
	x, err := excelize.OpenReader(strings.NewReader(out))
	if err != nil {
		t.Fatalf("excelize cannot open the members export: %v", err)
	}
	defer x.Close()
	members, err := x.GetRows("members")
	if err != nil || len(members) != 4 {
		t.Errorf("members sheet = %v, %v; want a header and 3 members", members, err)
	}
}

func TestExportBadUsage(t *testing.T) {
	e := newTestEnv(t)
	seedLedger(t, e)
	for _, tt := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"export", "--year", "2026", "--kind", "members", "--format", "csv"}, "either --community <id> or --all", 2},
		{[]string{"export", "--community", "dongan", "--all", "--kind", "members", "--format", "csv"}, "either --community <id> or --all", 2},
		{[]string{"export", "--community", "dongan", "--kind", "people", "--format", "csv"}, "want members or ledger", 2},
		{[]string{"export", "--community", "dongan", "--kind", "members", "--format", "pdf"}, "want csv or xlsx", 2},
		{[]string{"export", "--community", "dongan", "--kind", "members", "--format", "csv", "--year", "99"}, "is not a year", 2},
		{[]string{"export", "--community", "Dong An", "--kind", "members", "--format", "csv"}, "is not a community id", 2},
		{[]string{"export", "--community", "nowhere", "--kind", "members", "--format", "csv"}, "not found", 1},
		{[]string{"export", "--community", "dongan", "--kind", "members", "--format", "csv", "--out", "/nonexistent/dir/x.csv"}, "/nonexistent/dir/x.csv", 1},
	} {
		code, stdout, stderr := e.run("", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) || stdout != "" {
			t.Errorf("lamplighter %s: exit %d, stdout %q, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), code, stdout, stderr, tt.code, tt.want)
		}
	}
	// Without --year: the current year.
	out := e.mustRun("export", "--community", "dongan", "--kind", "ledger", "--format", "csv")
	if !strings.Contains(out, "2026-02-20") {
		t.Errorf("export without --year = %q, want 2026's rows", out)
	}
}

// TestExportMembersStrong: a live-location check-in is strong evidence, and
// the members export, CSV and XLSX, says so in its last column.
func TestExportMembersStrong(t *testing.T) {
	e := newTestEnv(t)
	seedLedger(t, e)
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)
	a, err := e.st.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: "夜间巡逻", Start: start, End: start.Add(2 * time.Hour),
		Location: &ll.GeoPoint{Latitude: 31.23, Longitude: 121.47}, Created: start.Add(-24 * time.Hour)}, nil)
	if err != nil {
		t.Fatalf("CreateActivity: %v", err)
	}
	if _, _, err := e.st.CheckIn(ctx, "dongan", "M1", handlers.CheckIn{ActivityID: a.ID, Method: ll.MethodLocation}, start.Add(10*time.Minute)); err != nil {
		t.Fatalf("CheckIn by location: %v", err)
	}
	want := map[string]string{"10001": "1", "10003": "0", "M3": "0"} // member_id: strong

	out := e.mustRun("export", "--community", "dongan", "--year", "2026", "--kind", "members", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("read the members CSV: %v", err)
	}
	out = e.mustRun("export", "--community", "dongan", "--year", "2026", "--kind", "members", "--format", "xlsx")
	x, err := excelize.OpenReader(strings.NewReader(out))
	if err != nil {
		t.Fatalf("excelize cannot open the members export: %v", err)
	}
	defer x.Close()
	sheet, err := x.GetRows("members")
	if err != nil {
		t.Fatalf("members sheet: %v", err)
	}
	for format, rows := range map[string][][]string{"csv": recs, "xlsx": sheet} {
		if len(rows) != 4 || rows[0][len(rows[0])-1] != "strong" || rows[0][len(rows[0])-2] != "last_participation" {
			t.Fatalf("members %s = %q, want a header ending last_participation,strong and 3 members", format, rows)
		}
		for _, r := range rows[1:] {
			if got := r[len(rows[0])-1]; len(r) != len(rows[0]) || got != want[r[1]] {
				t.Errorf("members %s row %s: strong = %q (row %q), want %s", format, r[1], got, r, want[r[1]])
			}
		}
	}
}

// TestExportMembersPagedEqualsWhole: the members export reads a community a
// page of 1,000 members at a time; for 2,300 members (three pages, with
// check-ins, a claim and a member who left in each) its CSV and XLSX rows
// are those of the community read whole, row for row, in the same order.
func TestExportMembersPagedEqualsWhole(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	st := e.st
	if err := st.CreateCommunity(ctx, ll.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1, Created: testNow}, nil); err != nil {
		t.Fatal(err)
	}
	joined := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	in := make([]ll.Member, 2300)
	for i := range in {
		in[i] = ll.Member{TelegramID: int64(20000 + i), Name: fmt.Sprintf("成员%d", i), Unit: fmt.Sprintf("单位%d", i%7), Building: fmt.Sprintf("%d栋", i%30)}
	}
	ms, err := st.ImportMembers(ctx, "dongan", in, joined, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 2, 20, 1, 0, 0, 0, time.UTC)
	a, err := st.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: "路灯巡检", Start: start, End: start.Add(2 * time.Hour), Created: joined}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePost(ctx, ll.Post{Community: "dongan", Title: "楼栋长", Mode: ll.ModeClaimed, Created: joined}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if i%3 == 0 {
			if _, _, err := st.CheckIn(ctx, "dongan", m.ID, handlers.CheckIn{Code: a.Code, Method: ll.MethodCode}, start.Add(5*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if i%500 == 7 {
			if _, _, err := st.Claim(ctx, "dongan", p.ID, m.ID, joined); err != nil {
				t.Fatal(err)
			}
		}
		if i%1000 == 11 {
			if err := st.RemoveMember(ctx, "dongan", m.ID, testNow, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	sc, err := app.New(st).Access.Committee(ctx, app.Operator("dongan", testNow))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := app.New(st).Reports.Data(ctx, &sc)
	if err != nil {
		t.Fatal(err)
	}
	rows := report.MemberRows(whole, 2026, testNow)
	if len(rows) != 2300 {
		t.Fatalf("%d member rows, want 2300", len(rows))
	}
	var want bytes.Buffer
	if err := report.WriteMembersCSV(&want, rows); err != nil {
		t.Fatal(err)
	}
	got := e.mustRun("export", "--community", "dongan", "--year", "2026", "--kind", "members", "--format", "csv")
	if got != want.String() {
		t.Errorf("paged members CSV differs from the whole community's (%d and %d bytes)", len(got), want.Len())
	}

	path := filepath.Join(t.TempDir(), "members.xlsx")
	e.mustRun("export", "--community", "dongan", "--year", "2026", "--kind", "members", "--format", "xlsx", "--out", path)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cells, err := f.GetRows(report.MembersSheet)
	if err != nil {
		t.Fatal(err)
	}
	wantCSV, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(want.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != len(wantCSV) {
		t.Fatalf("XLSX has %d rows, CSV %d", len(cells), len(wantCSV))
	}
	for i := range cells {
		if strings.Join(cells[i], "|") != strings.Join(wantCSV[i], "|") {
			t.Fatalf("XLSX row %d = %q, want %q", i, cells[i], wantCSV[i])
		}
	}
}
