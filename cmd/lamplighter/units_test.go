package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	ll "github.com/lamplighter-bot/lamplighter"
)

func writeTemp(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const unitsFile = "\ufeffname,short_name,liaison_telegram_id\r\n" +
	"东安银行,东银,70001\r\n" +
	"东安银行,,70002\r\n" +
	"区人民法院,法院,\r\n" +
	"Water Works,,70003\r\n"

func TestUnitsImport(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()

	// A bad file: every bad row by its line, nothing written.
	bad := writeTemp(t, "bad.csv", "name,short_name,liaison_telegram_id\n"+
		"东安银行,东银,70001\n"+
		"区人民法院,法院,abc\n"+
		",x,70004\n"+
		"Other,东银,\n"+
		"东安银行,DAB,\n")
	code, _, stderr := e.run("", "units", "import", bad)
	if code == 0 || !strings.Contains(stderr, "bad.csv:3: liaison_telegram_id \"abc\"") || !strings.Contains(stderr, "bad.csv:4:") {
		t.Fatalf("bad file: exit %d, stderr %q; want lines 3 and 4 reported", code, stderr)
	}
	if us, _ := e.st.Units(ctx); len(us) != 0 {
		t.Fatalf("a bad file wrote %d units", len(us))
	}
	// Rows that are well-formed but disagree with each other: reported by
	// line too, nothing written.
	bad2 := writeTemp(t, "bad2.csv", "name,short_name,liaison_telegram_id\n"+
		"东安银行,东银,70001\n"+
		"Other,东银,\n"+
		"东安银行,DAB,\n")
	code, _, stderr = e.run("", "units", "import", bad2)
	if code == 0 || !strings.Contains(stderr, "bad2.csv:3:") || !strings.Contains(stderr, "bad2.csv:4:") || strings.Contains(stderr, "bad2.csv:2:") {
		t.Fatalf("conflicting rows: exit %d, stderr %q; want lines 3 and 4", code, stderr)
	}
	if us, _ := e.st.Units(ctx); len(us) != 0 {
		t.Fatalf("a refused file wrote %d units", len(us))
	}

	out := e.mustRun("units", "import", writeTemp(t, "units.csv", unitsFile))
	if !strings.Contains(out, "3 units created, 0 updated, 3 liaisons added") {
		t.Errorf("import said %q", out)
	}
	us, _ := e.st.Units(ctx)
	if len(us) != 3 || us[0].ID != "U1" || us[0].Name != "东安银行" || us[0].ShortName != "东银" || len(us[0].Liaisons) != 2 || us[2].Liaisons[0] != 70003 {
		t.Fatalf("units = %+v", us)
	}
	// The same file again changes nothing.
	if out := e.mustRun("units", "import", writeTemp(t, "units.csv", unitsFile)); !strings.Contains(out, "0 units created, 0 updated, 0 liaisons added") {
		t.Errorf("second import said %q", out)
	}
	if log, _ := e.st.UnitsAudit(ctx, 5); len(log) != 1 || log[0].Actor != "cli" || log[0].Action != "units import" {
		t.Errorf("units audit = %+v", log)
	}
	if out := e.mustRun("units", "audit"); !strings.Contains(out, "units import") || !strings.Contains(out, "cli") {
		t.Errorf("units audit printed %q", out)
	}
}

func TestUnitsMatchAndMembersImport(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	seedLedger(t, e) // dongan: M1 东安街道办事处, M2 区人民法院, M3 +bank; xiyuan: M1 no unit
	e.mustRun("units", "import", writeTemp(t, "units.csv", unitsFile))

	out := e.mustRun("units", "match")
	if !strings.Contains(out, "3 members with a unit in 2 communities: 1 matched a unit (1 linked now), 2 unmatched") {
		t.Errorf("units match said %q", out)
	}
	if m, _ := e.st.Member(ctx, "dongan", "M2"); m.UnitID != "U2" {
		t.Errorf("M2 (区人民法院) unit id %q, want U2", m.UnitID)
	}
	if out := e.mustRun("units", "match"); !strings.Contains(out, "1 matched a unit (0 linked now)") {
		t.Errorf("second match said %q", out)
	}

	// members import matches the same way.
	file := writeTemp(t, "members.csv", "telegram_id,name,unit,building,skills,role\n20001,王芳,东银,3栋,,\n,赵强, water works ,4栋,,\n,钱多,Somewhere,5栋,,\n")
	if code, _, stderr := e.run("", "members", "import", "--community", "xiyuan", file); code != 0 || !strings.Contains(stderr, "2 of them linked to a unit") {
		t.Errorf("members import: exit %d, stderr %q", code, stderr)
	}
	for id, want := range map[string]string{"M2": "U1", "M3": "U3", "M4": ""} {
		if m, _ := e.st.Member(ctx, "xiyuan", id); m.UnitID != want {
			t.Errorf("imported %s (%s) unit id %q, want %q", id, m.Unit, m.UnitID, want)
		}
	}

	// The unit's members across communities, with unit_id.
	out = e.mustRun("export", "--unit", "U1", "--year", "2026", "--kind", "members", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || strings.Join(recs[0], ",") != "community,member_id,name,unit,building,joined,posts,activities,services,total,minimum,compliant,last_participation,strong,unit_id" ||
		recs[1][0] != "xiyuan" || recs[1][2] != "王芳" || recs[1][14] != "U1" {
		t.Errorf("unit export = %v", recs)
	}
	if code, _, stderr := e.run("", "export", "--unit", "U1", "--kind", "ledger", "--format", "csv"); code == 0 || !strings.Contains(stderr, "--kind members") {
		t.Errorf("--unit with the ledger: exit %d, %q", code, stderr)
	}
}

func TestExportEvaluationsColumns(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	seedLedger(t, e)
	e.mustRun("units", "import", writeTemp(t, "units.csv", unitsFile))
	e.mustRun("units", "match")
	at := time.Date(2026, 12, 2, 1, 30, 0, 0, time.UTC)
	if _, _, err := e.st.SetGrade(ctx, ll.Grade{Community: "dongan", MemberID: "M2", Year: 2026, Value: ll.GradeGood, Comment: "=always there", By: "M1", At: at}, nil); err != nil {
		t.Fatal(err)
	}
	out := e.mustRun("export", "--community", "dongan", "--year", "2026", "--kind", "evaluations", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"community", "member_id", "name", "unit_id", "year", "participations", "strong", "grade", "comment", "graded_by", "graded_at"},
		{"dongan", "10003", "张伟", "U2", "2026", "2", "0", "good", "'=always there", "M1", "2026-12-02 09:30"},
	}
	if len(recs) != len(want) {
		t.Fatalf("evaluations export = %v, want %v", recs, want)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %v, want %v", i, recs[i], want[i])
		}
	}
	x, err := excelize.OpenReader(strings.NewReader(e.mustRun("export", "--all", "--year", "2026", "--kind", "evaluations", "--format", "xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("evaluations")
	if err != nil || len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(want[0], ",") || rows[1][8] != "=always there" || rows[1][3] != "U2" {
		t.Errorf("evaluations XLSX = %v, %v (the comment as typed, never a formula)", rows, err)
	}
}
