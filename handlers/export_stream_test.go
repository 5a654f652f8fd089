package handlers_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/record"
	"github.com/lamplighter-bot/lamplighter/report"
)

// largeDongan is dongan with n more members imported and check-ins on three
// days, spread over the members (so over the pages of 1,000 the export
// reads), and handlers writing their files in a directory of their own,
// with at most maxUpload bytes a file (0: Telegram's limit).
func largeDongan(t *testing.T, n int, maxUpload int64) (*env, string) {
	t.Helper()
	e := dongan(t)
	dir := t.TempDir()
	e.h = handlers.New(e.store, handlers.Config{Render: report.Renderer{}, BotUsername: botName, Now: func() time.Time { return e.now },
		Logger: e.log, TempDir: dir, MaxUpload: maxUpload})
	var ms []ll.Member
	for i := range n {
		ms = append(ms, ll.Member{TelegramID: int64(500_000 + i), Name: fmt.Sprintf("居民 %05d", i), Unit: "工商银行", Building: fmt.Sprintf("%d栋", i%30)})
	}
	got, err := e.store.ImportMembers(e.ctx, "dongan", ms, e.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, days := range []int{40, 10, 1} { // three dates, out of order
		at := e.now.Add(-time.Duration(days) * 24 * time.Hour)
		a, err := e.store.CreateActivity(e.ctx, ll.Activity{Community: "dongan", Title: fmt.Sprintf("活动 %d", k), Start: at.Add(-time.Hour),
			End: at.Add(time.Hour), CreatedBy: "M1", Created: at.Add(-48 * time.Hour)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := k; i < len(got); i += 7 + k {
			if _, _, err := e.store.CheckIn(e.ctx, "dongan", got[i].ID, ll.CheckIn{Code: a.Code, Method: ll.MethodCode}, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	return e, dir
}

// sheets reads both sheets of a workbook.
func sheets(t *testing.T, data []byte) map[string][][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	defer x.Close()
	out := map[string][][]string{}
	for _, s := range []string{"members", "ledger"} {
		if out[s], err = x.GetRows(s); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestExportStreamsEqualToWhole: /export of a community of 5,004 members
// (six pages) is written to disk and sent from there (the reply names the
// file, no bytes), and the workbook is, cell for cell, the one the export
// built from the community read whole (Reports.Export, report.WriteXLSX)
// makes of the same data; the audit entry counts the same rows.
func TestExportStreamsEqualToWhole(t *testing.T) {
	e, dir := largeDongan(t, 5000, 0)
	rs := e.send(secretary, "/export")
	var f *ll.File
	for _, r := range rs {
		if r.File != nil {
			f = r.File
		}
	}
	if f == nil || f.Path == "" || len(f.Data) != 0 || f.Size == 0 || !strings.HasPrefix(f.Path, dir) {
		t.Fatalf("/export = %+v, want a file on disk in %s", rs, dir)
	}
	got, err := f.Bytes()
	if err != nil || int64(len(got)) != f.Size {
		t.Fatalf("read the export: %d bytes of %d, %v", len(got), f.Size, err)
	}
	ap := app.New(e.store)
	sc, err := ap.Access.Committee(e.ctx, app.Operator("dongan", e.now))
	if err != nil {
		t.Fatal(err)
	}
	var whole bytes.Buffer
	ex, err := ap.Reports.Export(e.ctx, &sc, "", func(ex app.Export) error { return report.WriteXLSX(&whole, ex.Members, ex.Ledger) })
	if err != nil {
		t.Fatal(err)
	}
	wantIn(t, "/export", rs, fmt.Sprintf("Ledger 2026: %d members, %d entries", len(ex.Members), len(ex.Ledger)))
	if len(ex.Members) != 5004 || len(ex.Ledger) < 1500 {
		t.Fatalf("the data has %d members and %d entries", len(ex.Members), len(ex.Ledger))
	}
	want, streamed := sheets(t, whole.Bytes()), sheets(t, got)
	for _, s := range []string{"members", "ledger"} {
		if len(streamed[s]) != len(want[s]) {
			t.Errorf("%s sheet: %d rows, want %d", s, len(streamed[s]), len(want[s]))
			continue
		}
		for i := range want[s] {
			if !slices.Equal(streamed[s][i], want[s][i]) {
				t.Errorf("%s row %d = %q, want %q", s, i+1, streamed[s][i], want[s][i])
				break
			}
		}
	}
	log, err := e.store.AuditLog(e.ctx, "dongan", 5, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(log, func(a ll.AuditEntry) bool {
		return a.Action == "export" && a.Detail == fmt.Sprintf("%d members, %d entries", len(ex.Members), len(ex.Ledger))
	}) {
		t.Errorf("audit log %+v has no export entry with the row counts", log)
	}
	if err := f.Discard(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d files left in the spool directory", len(left))
	}
}

// TestExportAndNoticeTooLarge: a workbook or a notice over the upload limit
// is not sent, the reply says why in the user's language, nothing is
// audited or posted and no file is left behind.
func TestExportAndNoticeTooLarge(t *testing.T) {
	e, dir := largeDongan(t, 1200, 20_000)
	e.send(secretary, "/settings notice -1005555")
	before, err := e.store.AuditLog(e.ctx, "dongan", 100, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	rs := e.send(secretary, "/export")
	wantIn(t, "/export too large", rs, "MB a bot may send in Telegram, so it was not sent", "lamplighter export --community dongan")
	rs = e.send(secretary, "/notice")
	wantIn(t, "/notice too large", rs, "so nothing was posted")
	if posted := to(rs, -1005555); len(posted) != 0 {
		t.Errorf("/notice too large posted %+v", posted)
	}
	e.member("dongan", lin, ll.RoleDeputy, "", "")
	rs = e.send(lin, "/export")
	wantIn(t, "/export too large in zh", rs, "超过 Telegram 允许机器人发送的", "未能发送")
	after, err := e.store.AuditLog(e.ctx, "dongan", 100, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range after[:len(after)-len(before)] {
		if a.Action == "export" || a.Action == "notice" {
			t.Errorf("a refused file was audited: %+v", a)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d files left in the spool directory", len(left))
	}
}

// TestNoticeStreamsToFile: the notice of a community of 9,004 members goes
// to the notice chat as a CSV file on disk, one row a member in member
// order, each member's figures as in the whole notice.
func TestNoticeStreamsToFile(t *testing.T) {
	e, dir := largeDongan(t, 9000, 0)
	e.send(secretary, "/settings notice -1005555")
	rs := e.send(secretary, "/notice")
	wantIn(t, "/notice", rs, "Posted the 2026 notice (9004 members) to the notice chat as a file.")
	posted := to(rs, -1005555)
	if len(posted) != 1 || posted[0].File == nil || posted[0].File.Path == "" || !strings.HasPrefix(posted[0].File.Path, dir) {
		t.Fatalf("/notice posted %+v, want one file on disk", posted)
	}
	f := posted[0].File
	defer f.Discard()
	data, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("notice CSV: %v", err)
	}
	if len(records) != 9005 || records[1][0] != "M1" || records[9004][0] != "M9004" || records[0][0] != "编号" {
		t.Fatalf("notice CSV: %d records, first %v, last %v", len(records), records[1], records[len(records)-1])
	}
	ap := app.New(e.store)
	sc, err := ap.Access.Committee(e.ctx, app.Operator("dongan", e.now))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ap.Reports.Data(e.ctx, &sc)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range record.MemberRows(d, e.now.In(sc.Community.Location()).Year(), e.now) {
		rec := records[i+1]
		if rec[0] != r.ID || rec[2] != fmt.Sprint(r.Total) || rec[4] != fmt.Sprint(r.Activities) || (rec[7] == "yes") != r.Compliant {
			t.Fatalf("notice row %d = %v, want %s with %d (%d activities, compliant %v)", i+1, rec, r.ID, r.Total, r.Activities, r.Compliant)
		}
	}
}
