package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	lamplighter "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/report"
)

// evidence is a community whose members took part by every method of SPEC
// section 9: M1 by all seven (4 strong), M2 by weak ones only, M3 by strong
// ones only (one voided, one in another year), M4 not at all.
func evidence() report.CommunityData {
	c := lamplighter.Community{ID: "evidence", Name: "Evidence", TimeZone: "UTC", Language: "en", Minimum: 2}
	var ms []lamplighter.Member
	for i := 1; i <= 4; i++ {
		ms = append(ms, lamplighter.Member{ID: fmt.Sprintf("M%d", i), Community: "evidence", TelegramID: int64(5000 + i),
			Name: fmt.Sprintf("Member %d", i), Joined: utc(2025, 1, 1, 9, 0), Status: lamplighter.StatusActive})
	}
	p := func(member, ref, method, date string) lamplighter.Participation {
		kind := lamplighter.KindActivity
		if strings.HasPrefix(ref, "S") {
			kind = lamplighter.KindService
		}
		return lamplighter.Participation{Community: "evidence", Member: member, Kind: kind, Ref: ref, Title: "t",
			Date: date, Method: method, VerifiedBy: "M9", At: utc(2026, 6, 1, 9, 0)}
	}
	ps := []lamplighter.Participation{
		p("M1", "A1", lamplighter.MethodRotating, "2026-02-01"),
		p("M1", "A2", lamplighter.MethodCode, "2026-02-02"),
		p("M1", "A3", lamplighter.MethodLocation, "2026-02-03"),
		p("M1", "A4", lamplighter.MethodScan, "2026-02-04"),
		p("M1", "S1", lamplighter.MethodApproval, "2026-02-05"),
		p("M1", "A5", lamplighter.MethodConfirmed, "2026-02-06"),
		p("M1", "A6", lamplighter.MethodManual, "2026-02-07"),
		p("M2", "A2", lamplighter.MethodCode, "2026-02-02"),
		p("M2", "S2", lamplighter.MethodApproval, "2026-03-01"),
		p("M2", "A6", lamplighter.MethodManual, "2026-02-07"),
		p("M3", "A1", lamplighter.MethodRotating, "2026-02-01"),
		p("M3", "A3", lamplighter.MethodLocation, "2026-02-03"),
		p("M3", "A0", lamplighter.MethodRotating, "2025-12-31"), // 2025
	}
	voided := p("M3", "A4", lamplighter.MethodScan, "2026-02-04")
	voided.Voided = true
	ps = append(ps, voided)
	return report.CommunityData{Community: c, Members: ms, Participations: ps}
}

// wantStrong is evidence's member_id, total and strong columns in 2026, by row.
var wantStrong = []struct{ id, total, strong string }{
	{"5001", "7", "4"}, {"5002", "3", "0"}, {"5003", "2", "2"}, {"5004", "0", "0"},
}

func TestMembersExportStrongIsLast(t *testing.T) {
	rows := report.MemberRows(evidence(), 2026, afterExport)
	var buf bytes.Buffer
	if err := report.WriteMembersCSV(&buf, rows); err != nil {
		t.Fatalf("WriteMembersCSV: %v", err)
	}
	f := openXLSX(t, func(b *bytes.Buffer) error { return report.WriteMembersXLSX(b, rows) })
	sheet, err := f.GetRows("members")
	if err != nil {
		t.Fatalf("GetRows(members): %v", err)
	}
	for name, recs := range map[string][][]string{"CSV": readCSV(t, buf.Bytes()), "XLSX": sheet} {
		header := recs[0]
		if n := len(header); n != 14 || header[n-1] != "strong" || header[n-2] != "last_participation" {
			t.Errorf("members %s header = %v, want 14 columns ending last_participation,strong", name, header)
		}
		if len(recs) != len(wantStrong)+1 {
			t.Fatalf("members %s has %d records, want a header and %d members", name, len(recs), len(wantStrong))
		}
		for i, w := range wantStrong {
			r := recs[i+1]
			if len(r) != 14 {
				t.Errorf("members %s row %d = %v, want 14 cells", name, i+1, r)
				continue
			}
			if r[1] != w.id || r[9] != w.total || r[13] != w.strong {
				t.Errorf("members %s row %d member_id, total, strong = %s, %s, %s; want %s, %s, %s",
					name, i+1, r[1], r[9], r[13], w.id, w.total, w.strong)
			}
		}
	}
	for i := range wantStrong {
		cell := fmt.Sprintf("N%d", i+2)
		if typ, err := f.GetCellType("members", cell); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("members!%s (strong) type = %v, %v; want a number", cell, typ, err)
		}
	}
}

func TestLedgerExportMethods(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteLedgerCSV(&buf, report.LedgerRows(evidence(), 2026)); err != nil {
		t.Fatalf("WriteLedgerCSV: %v", err)
	}
	recs := readCSV(t, buf.Bytes())
	var got []string
	for _, r := range recs[1:] {
		if r[1] == "5001" {
			got = append(got, r[4]+" "+r[5]+" "+r[7]+" "+r[8])
		}
	}
	want := []string{
		"activity A1 rotating ", // checked in alone: no verifier
		"activity A2 code ",
		"activity A3 location ",
		"activity A4 scan M9",
		"service S1 approval M9",
		"activity A5 confirmed ", // the asker is never exported
		"activity A6 manual M9",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ledger CSV of member 5001 (kind ref method verified_by) =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
