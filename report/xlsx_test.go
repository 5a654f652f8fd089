package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/lamplighter-bot/lamplighter/report"
)

// openXLSX writes with write, then opens the bytes again with excelize.
func openXLSX(t *testing.T, write func(*bytes.Buffer) error) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatalf("write xlsx: %v", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("open the written xlsx: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestWriteXLSX(t *testing.T) {
	all := []report.CommunityData{dongan(), riverside()}
	members := report.AllMemberRows(all, 2026, afterExport)
	ledger := report.AllLedgerRows(all, 2026)
	f := openXLSX(t, func(b *bytes.Buffer) error { return report.WriteXLSX(b, members, ledger) })

	if got := strings.Join(f.GetSheetList(), ","); got != "members,ledger" {
		t.Fatalf("sheets = %s, want members,ledger", got)
	}
	mrows, err := f.GetRows("members")
	if err != nil {
		t.Fatalf("GetRows(members): %v", err)
	}
	if got, want := strings.Join(mrows[0], ","), "community,member_id,name,unit,building,joined,posts,activities,services,total,minimum,compliant,last_participation,strong"; got != want {
		t.Errorf("members header = %s, want %s", got, want)
	}
	if len(mrows) != len(members)+1 {
		t.Fatalf("members sheet has %d rows, want %d", len(mrows), len(members)+1)
	}
	// M5, with the formula-looking name, is on row 6: the name is plain text, unquoted.
	if got, want := strings.Join(mrows[5], "|"), "dongan|1005|"+formulaName+"|+86 Trading|@roof|2025-12-20|2|1|1|2|2|yes|2026-12-31|0"; got != want {
		t.Errorf("members row 6 = %s, want %s", got, want)
	}
	if formula, err := f.GetCellFormula("members", "C6"); err != nil || formula != "" {
		t.Errorf("members!C6 formula = %q, %v; want none", formula, err)
	}
	// A string cell: inline, as the stream writer writes it (a shared
	// string would hold every name in memory), never a formula or a number.
	stringCell := func(typ excelize.CellType) bool {
		return typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString
	}
	if typ, _ := f.GetCellType("members", "C6"); !stringCell(typ) {
		t.Errorf("members!C6 (name) type = %v, want a string cell", typ)
	}
	if typ, _ := f.GetCellType("members", "B6"); !stringCell(typ) {
		t.Errorf("members!B6 (member_id) type = %v, want a string cell", typ)
	}
	for _, cell := range []string{"G6", "H6", "K6", "F6", "M6"} {
		typ, err := f.GetCellType("members", cell)
		if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("members!%s type = %v, %v; want a number", cell, typ, err)
		}
	}
	// Bob has no participation: last_participation is an empty cell.
	if got := mrows[len(mrows)-1]; len(got) > 12 && got[12] != "" {
		t.Errorf("members last row last_participation = %q, want empty", got[12])
	}

	lrows, err := f.GetRows("ledger")
	if err != nil {
		t.Fatalf("GetRows(ledger): %v", err)
	}
	if got, want := strings.Join(lrows[0], ","), "community,member_id,name,date,kind,ref,title,method,verified_by"; got != want {
		t.Errorf("ledger header = %s, want %s", got, want)
	}
	if got, want := strings.Join(lrows[3], "|"), "dongan|M4|—|2026-02-02|service|S2|-5°C: cleared ice at gate|approval|M2"; got != want {
		t.Errorf("ledger row 4 = %s, want %s", got, want)
	}
	if len(lrows) != len(ledger)+1 {
		t.Errorf("ledger sheet has %d rows, want %d", len(lrows), len(ledger)+1)
	}

	for _, sh := range []string{"members", "ledger"} {
		panes, err := f.GetPanes(sh)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s panes = %+v, %v; want the first row frozen", sh, panes, err)
		}
		id, err := f.GetCellStyle(sh, "A1")
		if err != nil {
			t.Fatalf("GetCellStyle(%s!A1): %v", sh, err)
		}
		st, err := f.GetStyle(id)
		if err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s!A1 style = %+v, %v; want bold", sh, st, err)
		}
	}
}

func TestWriteSingleSheetXLSX(t *testing.T) {
	members := report.MemberRows(dongan(), 2026, afterExport)
	f := openXLSX(t, func(b *bytes.Buffer) error { return report.WriteMembersXLSX(b, members) })
	if got := strings.Join(f.GetSheetList(), ","); got != "members" {
		t.Errorf("WriteMembersXLSX sheets = %s, want members", got)
	}
	if v, _ := f.GetCellValue("members", "C2"); v != "王芳" {
		t.Errorf("WriteMembersXLSX members!C2 = %q, want 王芳", v)
	}

	f = openXLSX(t, func(b *bytes.Buffer) error { return report.WriteLedgerXLSX(b, nil) })
	if got := strings.Join(f.GetSheetList(), ","); got != "ledger" {
		t.Errorf("WriteLedgerXLSX sheets = %s, want ledger", got)
	}
	rows, err := f.GetRows("ledger")
	if err != nil || len(rows) != 1 || rows[0][0] != "community" {
		t.Errorf("WriteLedgerXLSX(nil) rows = %q, %v; want the header only", rows, err)
	}
}
