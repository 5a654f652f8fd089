package app_test

import (
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// pending returns the fixture community's records awaiting a decision.
func (f *fixture) pending() []ll.ServiceRecord {
	f.t.Helper()
	recs, err := f.store.PendingServices(f.ctx, f.comm.ID)
	if err != nil {
		f.t.Fatalf("PendingServices: %v", err)
	}
	return recs
}

func TestServicesLog(t *testing.T) {
	f := newFixture(t)
	// 2026-05-04 10:00 UTC is 18:00 in Shanghai: today is 2026-05-04 there.
	for _, tc := range []struct{ date, want string }{
		{"", "2026-05-04"},
		{"today", "2026-05-04"},
		{"昨天", "2026-05-03"},
		{"2026/4/4", "2026-04-04"},
	} {
		r, existed, err := f.app.Services.Log(f.ctx, f.actor(3, false), tc.date, " Fixed lamps "+tc.date+" ")
		if err != nil || existed || r.Date != tc.want || r.Member != f.ms[2].ID || r.Status != ll.ServicePending || r.Text != strings.TrimSpace("Fixed lamps "+tc.date) {
			t.Fatalf("Log(%q) = %+v, %v, %v; want a pending record of M3 on %s", tc.date, r, existed, err, tc.want)
		}
	}
	first := f.pending()[0]
	r, existed, err := f.app.Services.Log(f.ctx, f.actor(3, false), "today", "Fixed lamps")
	if err != nil || !existed || r.ID != first.ID {
		t.Fatalf("Log(the same again) = %+v, %v, %v; want %s again", r, existed, err, first.ID)
	}
	if n := len(f.pending()); n != 4 {
		t.Fatalf("%d records pending, want 4", n)
	}
	if log := f.audit(); len(log) != 0 {
		t.Fatalf("a member's own report was audited: %+v", log)
	}

	for _, tc := range []struct {
		name        string
		tg          int64
		date, text  string
		code, field string
	}{
		{"stranger", 99, "", "Helped", ll.ENOTMEMBER, ""},
		{"tomorrow", 3, "2026-05-05", "Helped", ll.EINVALID, "date"},
		{"too long ago", 3, "2026-04-03", "Helped", ll.EINVALID, "date"},
		{"no such day", 3, "2026-02-30", "Helped", ll.EINVALID, "date"},
		{"not a date", 3, "soon", "Helped", ll.EINVALID, "date"},
		{"no text", 3, "today", "  ", ll.EINVALID, "text"},
		{"text too long", 3, "", strings.Repeat("做", ll.MaxDescriptionLen+1), ll.EINVALID, "text"},
		{"control characters", 3, "", "Helped\x07", ll.EINVALID, "text"},
	} {
		_, _, err := f.app.Services.Log(f.ctx, f.actor(tc.tg, false), tc.date, tc.text)
		wantRefusal(t, "Log("+tc.name+")", err, tc.code, tc.field)
	}
	if n := len(f.pending()); n != 4 {
		t.Fatalf("refused reports left %d records pending, want 4", n)
	}
}

func TestServicesDecide(t *testing.T) {
	f := newFixture(t)
	logAs := func(tg int64, text string) ll.ServiceRecord {
		t.Helper()
		r, _, err := f.app.Services.Log(f.ctx, f.actor(tg, false), "", text)
		if err != nil {
			t.Fatalf("Log: %v", err)
		}
		return r
	}
	s1 := logAs(3, "Fixed lamps")      // M3's
	s2 := logAs(1, "Organised tea")    // the secretary's
	s3 := logAs(3, "Tutored children") // M3's

	if recs, err := f.app.Services.Pending(f.ctx, f.scope(2)); err != nil || len(recs) != 3 {
		t.Fatalf("Pending = %d records, %v; want 3", len(recs), err)
	}
	if app.MayDecide(f.scope(1), s2) || !app.MayDecide(f.scope(2), s2) {
		t.Fatalf("MayDecide(S2): the secretary may decide her own record, or M2 may not")
	}

	d, err := f.app.Services.Decide(f.ctx, f.scope(2), strings.ToLower(s1.ID), true, "")
	if err != nil || !d.Changed || d.Record.Status != ll.ServiceApproved || d.Record.DecidedBy != f.ms[1].ID {
		t.Fatalf("Decide(%s approve by M2) = %+v, %v", s1.ID, d, err)
	}
	log := f.audit()
	if len(log) != 1 || log[0].Action != "approve" || log[0].Object != s1.ID || log[0].Actor != f.ms[1].ID {
		t.Fatalf("audit = %+v, want approve %s by M2", log, s1.ID)
	}
	d, err = f.app.Services.Decide(f.ctx, f.scope(1), s1.ID, true, "")
	if err != nil || d.Changed || d.Record.Status != ll.ServiceApproved {
		t.Fatalf("Decide(%s approve again) = %+v, %v; want unchanged", s1.ID, d, err)
	}
	d, err = f.app.Services.Decide(f.ctx, f.scope(1), s3.ID, false, "duplicate of S1")
	if err != nil || !d.Changed || d.Record.Status != ll.ServiceRejected {
		t.Fatalf("Decide(%s reject) = %+v, %v", s3.ID, d, err)
	}
	log = f.audit()
	if len(log) != 2 || log[0].Action != "reject" || log[0].Object != s3.ID || log[0].Detail != "duplicate of S1" || log[0].Actor != f.ms[0].ID {
		t.Fatalf("audit = %+v, want reject %s by M1 with its reason", log, s3.ID)
	}

	before := len(f.audit())
	for _, tc := range []struct {
		name          string
		tg            int64
		id            string
		approve       bool
		reason        string
		code, reason2 string
	}{
		{"own record", 1, s2.ID, true, "", ll.EFORBIDDEN, ll.ReasonSelf},
		{"own record rejected", 1, s2.ID, false, "no", ll.EFORBIDDEN, ll.ReasonSelf},
		{"rejecting an approved one", 1, s1.ID, false, "wrong", ll.ECONFLICT, ll.ReasonDecided},
		{"approving a rejected one", 2, s3.ID, true, "", ll.ECONFLICT, ll.ReasonDecided},
		{"reject without reason", 2, s2.ID, false, " ", ll.EINVALID, "reason"},
		{"reason too long", 2, s2.ID, false, strings.Repeat("x", app.MaxDecisionReasonLen+1), ll.EINVALID, "reason"},
		{"not an id", 2, "X1", true, "", ll.EINVALID, "service"},
		{"unknown", 2, "S99", true, "", ll.ENOTFOUND, ""},
	} {
		d, err := f.app.Services.Decide(f.ctx, f.scope(tc.tg), tc.id, tc.approve, tc.reason)
		wantRefusal(t, "Decide("+tc.name+")", err, tc.code, tc.reason2)
		if tc.code == ll.ECONFLICT && (d.Record.ID != tc.id || d.Record.DecidedBy == "") {
			t.Errorf("Decide(%s) = %+v, want the record as decided", tc.name, d)
		}
	}
	// SPEC §9: a decision on one's own record is refused and audited; the
	// other refusals write nothing.
	if log := f.audit(); len(log)-before != 2 || log[0].Action != "refused" || log[1].Action != "refused" {
		t.Fatalf("refused decisions wrote %d audit entries (%+v), want the 2 refused own-record ones", len(log)-before, log[:len(log)-before])
	}
	if recs := f.pending(); len(recs) != 1 || recs[0].ID != s2.ID {
		t.Fatalf("pending after refusals = %+v, want only %s", recs, s2.ID)
	}

	// Before asking for a reason: who may decide what, now.
	if r, err := f.app.Services.Decidable(f.ctx, f.scope(2), s2.ID); err != nil || r.ID != s2.ID {
		t.Fatalf("Decidable(%s by M2) = %+v, %v", s2.ID, r, err)
	}
	for _, tc := range []struct {
		name, id     string
		tg           int64
		code, reason string
	}{
		{"own", s2.ID, 1, ll.EFORBIDDEN, ll.ReasonSelf},
		{"decided", s1.ID, 2, ll.ECONFLICT, ll.ReasonDecided},
		{"unknown", "S9", 2, ll.ENOTFOUND, ""},
		{"not an id", "P1", 2, ll.EINVALID, "service"},
	} {
		_, err := f.app.Services.Decidable(f.ctx, f.scope(tc.tg), tc.id)
		wantRefusal(t, "Decidable("+tc.name+")", err, tc.code, tc.reason)
	}
	wantRefusal(t, "CheckRejectReason(empty)", app.CheckRejectReason(""), ll.EINVALID, "reason")
}
