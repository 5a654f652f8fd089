package report_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter/report"
)

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"王芳", "王芳"},
		{"=1+1", "'=1+1"},
		{"+86 Trading", "'+86 Trading"},
		{"-5°C", "'-5°C"},
		{"@everyone", "'@everyone"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{"'quoted", "'quoted"},
	}
	for _, tt := range tests {
		if got := report.Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// readCSV checks the byte-order mark and CRLF line ends, then parses the rest.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV starts with % x, want the UTF-8 byte-order mark EF BB BF", b[:min(3, len(b))])
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) || bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		t.Errorf("CSV line ends are not all CRLF")
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatalf("read back CSV: %v", err)
	}
	return recs
}

func TestMembersCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteMembersCSV(&buf, report.MemberRows(dongan(), 2026, afterExport)); err != nil {
		t.Fatalf("WriteMembersCSV: %v", err)
	}
	recs := readCSV(t, buf.Bytes())
	if got, want := strings.Join(recs[0], ","), "community,member_id,name,unit,building,joined,posts,activities,services,total,minimum,compliant,last_participation,strong"; got != want {
		t.Errorf("members CSV header = %s, want %s", got, want)
	}
	if len(recs) != 7 {
		t.Fatalf("members CSV has %d records, want a header and 6 members", len(recs))
	}
	m5 := recs[5]
	if got, want := strings.Join(m5, "|"), "dongan|1005|'"+formulaName+"|'+86 Trading|'@roof|2025-12-20|2|1|1|2|2|yes|2026-12-31|0"; got != want {
		t.Errorf("members CSV M5 = %s, want %s", got, want)
	}
	if got := recs[4][2]; got != "—" {
		t.Errorf("members CSV M4 name = %q, want —", got)
	}
}

func TestLedgerCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteLedgerCSV(&buf, report.LedgerRows(dongan(), 2026)); err != nil {
		t.Fatalf("WriteLedgerCSV: %v", err)
	}
	recs := readCSV(t, buf.Bytes())
	if got, want := strings.Join(recs[0], ","), "community,member_id,name,date,kind,ref,title,method,verified_by"; got != want {
		t.Errorf("ledger CSV header = %s, want %s", got, want)
	}
	var titles []string
	for _, r := range recs[1:] {
		titles = append(titles, r[6])
	}
	for _, want := range []string{"'=1+1", "'-5°C: cleared ice at gate", "'@everyone: flood drill", "为19栋修好32盏路灯\n（夜间）"} {
		found := false
		for _, got := range titles {
			found = found || got == want
		}
		if !found {
			t.Errorf("ledger CSV titles %q lack %q", titles, want)
		}
	}
}

func TestCSVEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteLedgerCSV(&buf, nil); err != nil {
		t.Fatalf("WriteLedgerCSV(nil): %v", err)
	}
	if got, want := buf.String(), "\uFEFFcommunity,member_id,name,date,kind,ref,title,method,verified_by\r\n"; got != want {
		t.Errorf("WriteLedgerCSV(nil) = %q, want %q", got, want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

var errDiskFull = errors.New("disk full")

func TestCSVWriteError(t *testing.T) {
	err := report.WriteMembersCSV(failingWriter{}, report.MemberRows(dongan(), 2026, afterExport))
	if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "members csv") {
		t.Errorf("WriteMembersCSV(failing writer) = %v, want the writer's error, naming the members csv", err)
	}
}
