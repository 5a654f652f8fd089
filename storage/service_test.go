package storage_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestLogService(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan") // Asia/Shanghai
	ms := importMembers(t, s, "dongan", 2)
	m := ms[0].ID
	// 20:00 UTC on 1 March is 04:00 on 2 March in Shanghai.
	created := time.Date(2025, 3, 1, 20, 0, 0, 0, time.UTC)
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: m, Text: "Fixed 32 street lamps in block 19",
		Status: ll.ServiceApproved, DecidedBy: m, Created: created})
	if err != nil {
		t.Fatalf("LogService = %v", err)
	}
	want := ll.ServiceRecord{ID: "S1", Community: "dongan", Member: m, Text: "Fixed 32 street lamps in block 19",
		Date: "2025-03-02", Status: ll.ServicePending, Created: created}
	if r != want {
		t.Errorf("LogService = %+v\nwant %+v", r, want)
	}
	if got, err := s.ServiceRecord(ctx, "dongan", "S1"); err != nil || got != want {
		t.Errorf("ServiceRecord(S1) = %+v, %v\nwant %+v", got, err, want)
	}
	for _, date := range []string{"2025-03-02", "2025-01-31"} {
		if _, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: m, Text: "Visited Mrs Wang", Date: date, Created: created}); err != nil {
			t.Errorf("LogService(dated %s) = %v", date, err)
		}
	}
	pending, err := s.PendingServices(ctx, "dongan")
	if err != nil || len(pending) != 3 || pending[0].ID != "S1" || pending[2].ID != "S3" || pending[2].Date != "2025-01-31" {
		t.Errorf("PendingServices = %+v, %v; want S1, S2, S3", pending, err)
	}

	for _, c := range []struct {
		what   string
		r      ll.ServiceRecord
		code   string
		detail string
	}{
		{"tomorrow", ll.ServiceRecord{Member: m, Text: "x", Date: "2025-03-03"}, ll.EINVALID, "date"},
		{"31 days back", ll.ServiceRecord{Member: m, Text: "x", Date: "2025-01-30"}, ll.EINVALID, "date"},
		{"malformed date", ll.ServiceRecord{Member: m, Text: "x", Date: "2025-3-1"}, ll.EINVALID, "date"},
		{"no text", ll.ServiceRecord{Member: m, Text: "  "}, ll.EINVALID, "text"},
		{"long text", ll.ServiceRecord{Member: m, Text: strings.Repeat("灯", ll.MaxDescriptionLen+1)}, ll.EINVALID, "text"},
		{"unknown member", ll.ServiceRecord{Member: "M99", Text: "x"}, ll.ENOTFOUND, "member"},
		{"malformed member", ll.ServiceRecord{Member: "x", Text: "x"}, ll.ENOTFOUND, "member"},
	} {
		c.r.Community, c.r.Created = "dongan", created
		_, err := s.LogService(ctx, c.r)
		wantError(t, "LogService("+c.what+")", err, c.code, c.detail)
	}
	_, err = s.LogService(ctx, ll.ServiceRecord{Community: "nowhere", Member: m, Text: "x"})
	wantCode(t, "LogService(unknown community)", err, ll.ENOTFOUND)
	if err := s.RemoveMember(ctx, "dongan", ms[1].ID, created, nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[1].ID, Text: "x", Created: created})
	wantCode(t, "LogService(member who left)", err, ll.ENOTMEMBER)
	for _, id := range []string{"S9", "s1", "A1", ""} {
		_, err := s.ServiceRecord(ctx, "dongan", id)
		wantCode(t, "ServiceRecord("+id+")", err, ll.ENOTFOUND)
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan") // Asia/Shanghai
	ms := importMembers(t, s, "dongan", 3)
	author, sec, deputy := ms[0].ID, ms[1].ID, ms[2].ID
	logged := time.Date(2027, 1, 1, 2, 0, 0, 0, time.UTC) // 10:00 on 1 January in Shanghai
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: author, Text: "New Year's Eve patrol", Date: "2026-12-31", Created: logged})
	if err != nil {
		t.Fatal(err)
	}
	audit := func(action string) *ll.AuditEntry { return &ll.AuditEntry{Actor: sec, Action: action} }
	log := func() []ll.AuditEntry { l, _ := s.AuditLog(ctx, "dongan", 0, time.Time{}); return l }

	_, _, err = s.Decide(ctx, "dongan", r.ID, true, author, "", logged, audit("approve"))
	wantError(t, "Decide by the author", err, ll.EFORBIDDEN, "self")
	_, _, err = s.Decide(ctx, "dongan", r.ID, false, author, "", logged, audit("reject"))
	wantError(t, "Decide(reject) by the author", err, ll.EFORBIDDEN, "self")
	if got, _ := s.ServiceRecord(ctx, "dongan", r.ID); got.Status != ll.ServicePending || len(log()) != 0 {
		t.Errorf("after refused decisions: status %s, audit %+v; want pending, nothing", got.Status, log())
	}

	at := time.Date(2027, 1, 2, 1, 0, 0, 0, time.UTC)
	got, changed, err := s.Decide(ctx, "dongan", r.ID, true, sec, "well done", at, audit("approve"))
	want := r
	want.Status, want.DecidedBy, want.DecidedAt, want.Reason = ll.ServiceApproved, sec, at, "well done"
	if err != nil || !changed || got != want {
		t.Fatalf("Decide(approve) = %+v, %v, %v\nwant %+v", got, changed, err, want)
	}
	ps, _ := s.Participations(ctx, "dongan", author)
	wantP := ll.Participation{Community: "dongan", Member: author, Kind: ll.KindService, Ref: r.ID, Title: r.Text,
		Date: "2026-12-31", Method: ll.MethodApproval, VerifiedBy: sec, At: at}
	if len(ps) != 1 || ps[0] != wantP || ps[0].Year() != 2026 {
		t.Errorf("Participations after approval = %+v\nwant [%+v]", ps, wantP)
	}
	if l := log(); len(l) != 1 || l[0].Object != r.ID || l[0].Action != "approve" {
		t.Errorf("audit after approval = %+v", l)
	}
	if p, _ := s.PendingServices(ctx, "dongan"); len(p) != 0 {
		t.Errorf("PendingServices after approval = %+v, want none", p)
	}
	// Approving again, by anyone: a no-op that returns the first decision.
	got, changed, err = s.Decide(ctx, "dongan", r.ID, true, deputy, "", at.Add(time.Hour), audit("approve"))
	if err != nil || changed || got != want {
		t.Errorf("Decide(approve) again = %+v, %v, %v; want the first approval, unchanged", got, changed, err)
	}
	got, _, err = s.Decide(ctx, "dongan", r.ID, false, deputy, "no", at, audit("reject"))
	wantConflict(t, "Decide(reject) of an approved record", err, "decided")
	if got.Status != ll.ServiceApproved {
		t.Errorf("Decide(reject) of an approved record returned %+v, want the approved record", got)
	}
	if ps, _ := s.Participations(ctx, "dongan", author); len(ps) != 1 || len(log()) != 1 {
		t.Errorf("after repeated decisions: %d participations, %d audit entries; want 1 and 1", len(ps), len(log()))
	}

	// Voiding the approval's participation: the record stays approved and
	// cannot be approved again.
	if err := s.Void(ctx, "dongan", r.ID, author, sec, "duplicate of S7", at, audit("void")); err != nil {
		t.Fatalf("Void(%s) = %v", r.ID, err)
	}
	if _, changed, err := s.Decide(ctx, "dongan", r.ID, true, sec, "", at, nil); err != nil || changed {
		t.Errorf("Decide(approve) after Void = %v, %v; want a no-op", changed, err)
	}
	if ps, _ := s.Participations(ctx, "dongan", author); len(ps) != 1 || !ps[0].Voided || ps[0].Date != "2026-12-31" {
		t.Errorf("Participations after Void = %+v, want the one, voided", ps)
	}

	// Rejected, then approved: a conflict, and no participation.
	r2, _ := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: author, Text: "Nothing much", Created: logged})
	got, changed, err = s.Decide(ctx, "dongan", r2.ID, false, sec, "not a service", at, audit("reject"))
	if err != nil || !changed || got.Status != ll.ServiceRejected || got.Reason != "not a service" || got.DecidedBy != sec {
		t.Errorf("Decide(reject) = %+v, %v, %v", got, changed, err)
	}
	if _, changed, err := s.Decide(ctx, "dongan", r2.ID, false, deputy, "", at, audit("reject")); err != nil || changed {
		t.Errorf("Decide(reject) again = %v, %v; want a no-op", changed, err)
	}
	_, _, err = s.Decide(ctx, "dongan", r2.ID, true, sec, "", at, audit("approve"))
	wantConflict(t, "Decide(approve) of a rejected record", err, "decided")
	if ps, _ := s.Participations(ctx, "dongan", author); len(ps) != 1 {
		t.Errorf("Participations after a rejection = %+v, want only the voided one", ps)
	}

	// Errors.
	_, _, err = s.Decide(ctx, "dongan", "S99", true, sec, "", at, nil)
	wantCode(t, "Decide(S99)", err, ll.ENOTFOUND)
	_, _, err = s.Decide(ctx, "dongan", "A1", true, sec, "", at, nil)
	wantCode(t, "Decide(A1)", err, ll.ENOTFOUND)
	_, _, err = s.Decide(ctx, "dongan", r2.ID, true, "", "", at, nil)
	wantCode(t, "Decide(nobody)", err, ll.EINVALID)
}

// TestDecideRace approves one record from 20 committee members at once.
func TestDecideRace(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 21)
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[0].ID, Text: "Tutored two children", Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var decided atomic.Int32
	for _, m := range ms[1:] {
		wg.Go(func() {
			_, changed, err := s.Decide(ctx, "dongan", r.ID, true, m.ID, "", t0, &ll.AuditEntry{Actor: m.ID, Action: "approve"})
			if err != nil {
				t.Errorf("Decide by %s = %v", m.ID, err)
			}
			if changed {
				decided.Add(1)
			}
		})
	}
	wg.Wait()
	ps, _ := s.Participations(ctx, "dongan", ms[0].ID)
	log, _ := s.AuditLog(ctx, "dongan", 0, time.Time{})
	if decided.Load() != 1 || len(ps) != 1 || len(log) != 1 {
		t.Errorf("20 concurrent approvals: %d decided, %d participations, %d audit entries; want 1 each", decided.Load(), len(ps), len(log))
	}
}
