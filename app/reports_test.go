package app_test

import (
	"errors"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// approved logs a service of member tg on date and has M2 (or, for M2's
// own, M1) approve it.
func (f *fixture) approved(tg int64, date, text string) {
	f.t.Helper()
	r, _, err := f.app.Services.Log(f.ctx, f.actor(tg, false), date, text)
	if err != nil {
		f.t.Fatalf("Log: %v", err)
	}
	by := int64(2)
	if tg == 2 {
		by = 1
	}
	if _, err := f.app.Services.Decide(f.ctx, f.scope(by), r.ID, true, ""); err != nil {
		f.t.Fatalf("Decide(%s): %v", r.ID, err)
	}
}

// reportsFixture is the fixture with M3 compliant (two approved services),
// M2 at one of two, M1 at none; M2 holding the open post P1, P2 closed and
// empty; M1 unreachable.
func reportsFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.approved(3, "today", "Fixed lamps")
	f.approved(3, "yesterday", "Tutored children")
	f.approved(2, "today", "Organised tea")
	for _, p := range []ll.Post{
		{Community: "elm", Title: "Stairwell lights", Mode: ll.ModeClaimed, Created: f.now},
		{Community: "elm", Title: "Old post", Mode: ll.ModeClaimed, Created: f.now},
	} {
		if _, err := f.store.CreatePost(f.ctx, p, nil); err != nil {
			t.Fatalf("CreatePost: %v", err)
		}
	}
	if _, _, err := f.store.Claim(f.ctx, "elm", "P1", f.ms[1].ID, f.now); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	p2, err := f.store.Post(f.ctx, "elm", "P2")
	if err != nil {
		t.Fatal(err)
	}
	p2.Closed = true
	if err := f.store.SavePost(f.ctx, p2, nil); err != nil {
		t.Fatalf("SavePost: %v", err)
	}
	if err := f.store.SetReachable(f.ctx, 1, false); err != nil {
		t.Fatalf("SetReachable: %v", err)
	}
	return f
}

// badYears are typed years every report refuses (now is 2026).
var badYears = []string{"1999", "2027", "twenty", "2026-05"}

func TestReportsReport(t *testing.T) {
	f := reportsFixture(t)
	before := len(f.audit())
	rep, err := f.app.Reports.Report(f.ctx, f.scope(2), "")
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	if rep.Year != 2026 || rep.Summary.Members != 3 || rep.Summary.Compliant != 1 {
		t.Errorf("Report = year %d, %d members, %d compliant; want 2026, 3, 1", rep.Year, rep.Summary.Members, rep.Summary.Compliant)
	}
	if len(rep.Below) != 2 || rep.Below[0].ID != f.ms[0].ID || rep.Below[1].ID != f.ms[1].ID || rep.Below[1].Total != 1 {
		t.Errorf("Below = %+v, want M1 (0) and M2 (1)", rep.Below)
	}
	if rep.OpenPosts != 1 || rep.FilledPosts != 1 {
		t.Errorf("posts = %d filled of %d open, want 1 of 1", rep.FilledPosts, rep.OpenPosts)
	}
	if len(rep.Unreachable) != 1 || rep.Unreachable[0].ID != f.ms[0].ID {
		t.Errorf("Unreachable = %+v, want M1", rep.Unreachable)
	}
	if by := rep.ByMethod; by.Total() != 3 || by.Count(ll.MethodApproval) != 3 || by.Strong() != 0 {
		t.Errorf("ByMethod = %+v, want approval: 3 (the three approved services), none strong", by.Listed())
	}
	if rep, err := f.app.Reports.Report(f.ctx, f.scope(2), "2025年"); err != nil || rep.Year != 2025 || rep.Summary.Members != 0 {
		t.Errorf("Report(2025年) = year %d, %d members, %v; want 2025 and nobody yet", rep.Year, rep.Summary.Members, err)
	}
	for _, y := range badYears {
		_, err := f.app.Reports.Report(f.ctx, f.scope(2), y)
		wantRefusal(t, "Report("+y+")", err, ll.EINVALID, "year")
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("reports wrote %d audit entries, want none", after-before)
	}
}

func TestReportsExport(t *testing.T) {
	f := reportsFixture(t)
	before := len(f.audit())
	var wrote app.Export
	ex, err := f.app.Reports.Export(f.ctx, f.scope(2), "2026", func(ex app.Export) error { wrote = ex; return nil })
	if err != nil || ex.Year != 2026 || len(ex.Members) != 3 || len(ex.Ledger) != 3 || len(wrote.Ledger) != 3 {
		t.Fatalf("Export = year %d, %d members, %d entries (written %d), %v; want 2026, 3, 3", ex.Year, len(ex.Members), len(ex.Ledger), len(wrote.Ledger), err)
	}
	log := f.audit()
	if len(log) != before+1 || log[0].Action != "export" || log[0].Object != "2026" || log[0].Detail != "3 members, 3 entries" || log[0].Actor != f.ms[1].ID {
		t.Fatalf("audit = %+v, want export 2026 by M2 with the counts", log)
	}

	before = len(f.audit())
	failed := errors.New("disk full")
	for _, tc := range []struct {
		name, year string
		write      error
		code       string
		field      string
	}{
		{"bad year", "1999", nil, ll.EINVALID, "year"},
		{"future year", "2027", nil, ll.EINVALID, "year"},
		{"writing failed", "", failed, ll.EINTERNAL, ""},
	} {
		called := false
		_, err := f.app.Reports.Export(f.ctx, f.scope(2), tc.year, func(app.Export) error { called = true; return tc.write })
		wantRefusal(t, "Export("+tc.name+")", err, tc.code, tc.field)
		if tc.write == nil && called {
			t.Errorf("Export(%s) wrote the file", tc.name)
		}
		if tc.write != nil && !errors.Is(err, failed) {
			t.Errorf("Export(%s) = %v, want the writer's error", tc.name, err)
		}
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused exports wrote %d audit entries", after-before)
	}
}

func TestReportsNotice(t *testing.T) {
	f := reportsFixture(t)
	posted := false
	post := func(app.Notice) (int, error) { posted = true; return 2, nil }
	before := len(f.audit())
	_, err := f.app.Reports.Notice(f.ctx, f.scope(2), "", post)
	wantRefusal(t, "Notice(no notice chat)", err, ll.EINVALID, "notice")
	if posted || len(f.audit()) != before {
		t.Fatalf("a refused notice was posted or audited")
	}

	sc := f.scope(1)
	if _, err := f.app.Settings.Set(f.ctx, sc, "notice", "-100123"); err != nil {
		t.Fatal(err)
	}
	for _, y := range badYears {
		_, err := f.app.Reports.Notice(f.ctx, f.scope(2), y, post)
		wantRefusal(t, "Notice("+y+")", err, ll.EINVALID, "year")
	}
	_, err = f.app.Reports.Notice(f.ctx, f.scope(2), "", func(app.Notice) (int, error) { return 0, errors.New("no") })
	if err == nil {
		t.Fatalf("Notice with a failing post = nil error")
	}
	if posted {
		t.Fatalf("a refused notice was posted")
	}
	before = len(f.audit())

	var got app.Notice
	n, err := f.app.Reports.Notice(f.ctx, f.scope(2), "", func(n app.Notice) (int, error) { got = n; return 2, nil })
	if err != nil || n.Chat != -100123 || len(got.Members) != 3 || got.Compliant != 1 || len(got.Posts) != 2 || !got.At.Equal(f.now) {
		t.Fatalf("Notice = %+v, %v", got, err)
	}
	if held := got.Held[f.ms[1].ID]; len(held) != 1 || held[0] != "P1" || len(got.Held) != 1 {
		t.Errorf("Held = %v, want M2 holding P1", got.Held)
	}
	log := f.audit()
	if len(log) != before+1 || log[0].Action != "notice" || log[0].Object != "2026" ||
		log[0].Detail != "3 members to chat -100123 in 2 message(s)" || log[0].Actor != f.ms[1].ID {
		t.Fatalf("audit = %+v, want notice 2026 by M2", log[0])
	}
	// A past year counts the posts held at its end.
	if n, err := f.app.Reports.Notice(f.ctx, f.scope(2), "2025", post); err != nil || !n.At.Equal(ll.YearEnd(2025, f.comm.Location())) || len(n.Held) != 0 {
		t.Errorf("Notice(2025) = at %v, held %v, %v", n.At, n.Held, err)
	}
}

func TestReportsCompliance(t *testing.T) {
	f := reportsFixture(t)
	_, err := f.app.Reports.Compliance(f.ctx, f.actor(1, false), f.comm)
	wantRefusal(t, "Compliance(secretary)", err, ll.EFORBIDDEN, ll.ReasonAdminOnly)
	co, err := f.app.Reports.Compliance(f.ctx, f.actor(99, true), f.comm)
	if err != nil || co != (app.Compliance{Year: 2026, Compliant: 1, Total: 3}) {
		t.Fatalf("Compliance(admin) = %+v, %v; want 1 of 3 in 2026", co, err)
	}
}
