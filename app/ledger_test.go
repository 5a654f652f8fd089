package app_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

func TestAttend(t *testing.T) {
	f := newFixture(t)
	a := f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
	later := f.create(app.NewActivity{Title: "Later", Start: f.now.Add(48 * time.Hour), Duration: time.Hour})
	gone := f.create(app.NewActivity{Title: "Gone", Start: f.now, Duration: time.Hour})
	if _, _, _, err := f.app.Activities.Cancel(f.ctx, f.scope(2), gone.ID, ""); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	m1, m3 := f.ms[0].ID, f.ms[2].ID

	before := len(f.audit())
	for _, tc := range []struct {
		name, activity, member, note string
		code, reason                 string
	}{
		{"long note", a.ID, m1, strings.Repeat("x", app.MaxReasonLen+1), ll.EINVALID, "note"},
		{"control characters", a.ID, m1, "bell\x07", ll.EINVALID, "note"},
		{"unknown activity", "A99", m1, "", ll.ENOTFOUND, ""},
		{"unknown member", a.ID, "M99", "", ll.ENOTFOUND, ""},
		{"not begun", later.ID, m1, "", ll.ECONFLICT, ll.ReasonNotOpen},
		{"cancelled", gone.ID, m1, "", ll.ECONFLICT, ll.ReasonCancelled},
	} {
		got, changed, err := f.app.Ledger.Attend(f.ctx, f.scope(2), tc.activity, tc.member, tc.note)
		wantRefusal(t, "Attend("+tc.name+")", err, tc.code, tc.reason)
		if changed {
			t.Fatalf("Attend(%s) changed", tc.name)
		}
		if tc.reason == ll.ReasonNotOpen && got.ID != later.ID {
			t.Fatalf("Attend(not begun) names %q, want %s (to say when it opens)", got.ID, later.ID)
		}
	}
	if n := f.counted(m1); n != 0 {
		t.Fatalf("refused entries recorded %d participations", n)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused entries wrote %d audit entries", after-before)
	}

	got, changed, err := f.app.Ledger.Attend(f.ctx, f.scope(2), a.ID, m3, "phone had no signal")
	if err != nil || !changed || got.ID != a.ID {
		t.Fatalf("Attend(%s, M3) = %s, changed %v, %v", a.ID, got.ID, changed, err)
	}
	f.wantAudit("Attend", "attend", a.ID, m3+": phone had no signal", f.ms[1].ID)
	ps, err := f.store.Participations(f.ctx, "elm", m3)
	if err != nil || len(ps) != 1 || ps[0].Method != ll.MethodManual || ps[0].VerifiedBy != f.ms[1].ID || ps[0].Note != "phone had no signal" {
		t.Fatalf("participations of M3 = %+v, %v; want one manual entry by M2", ps, err)
	}
	before = len(f.audit())
	if _, changed, err := f.app.Ledger.Attend(f.ctx, f.scope(1), a.ID, m3, ""); err != nil || changed {
		t.Fatalf("Attend again = changed %v, %v; want unchanged", changed, err)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("an entry that changed nothing wrote %d audit entries", after-before)
	}

	// A district admin acting with /use is named by their Telegram id.
	admin := f.actor(99, true)
	admin.User.Use = "elm"
	asc, err := f.app.Access.Committee(f.ctx, admin)
	if err != nil {
		t.Fatalf("Committee(admin): %v", err)
	}
	if _, changed, err := f.app.Ledger.Attend(f.ctx, &asc, a.ID, m1, ""); err != nil || !changed {
		t.Fatalf("Attend by the admin = changed %v, %v", changed, err)
	}
	f.wantAudit("Attend by the admin", "attend", a.ID, m1, "tg:99")
}

func TestVoid(t *testing.T) {
	f := newFixture(t)
	a := f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour})
	m1, m3 := f.ms[0].ID, f.ms[2].ID
	if _, changed, _, err := f.app.CheckIns.ByCode(f.ctx, f.actor(3, false), a.Code); err != nil || !changed {
		t.Fatalf("ByCode: changed %v, %v", changed, err)
	}

	before := len(f.audit())
	for _, tc := range []struct {
		name, ref, member, reason string
		code, detail              string
	}{
		{"not a reference", "Q1", m3, "mistake", ll.EINVALID, "ref"},
		{"not canonical", "a1", m3, "mistake", ll.EINVALID, "ref"},
		{"no reason", a.ID, m3, " ", ll.EINVALID, "reason"},
		{"long reason", a.ID, m3, strings.Repeat("x", app.MaxReasonLen+1), ll.EINVALID, "reason"},
		{"nothing to void", a.ID, m1, "mistake", ll.ENOTFOUND, "participation"},
		{"another activity", "A2", m3, "mistake", ll.ENOTFOUND, "participation"},
		{"unknown member", a.ID, "M99", "mistake", ll.ENOTFOUND, ""},
	} {
		err := f.app.Ledger.Void(f.ctx, f.scope(2), tc.ref, tc.member, tc.reason)
		wantRefusal(t, "Void("+tc.name+")", err, tc.code, tc.detail)
	}
	if n := f.counted(m3); n != 1 {
		t.Fatalf("refused voids left %d participations of M3 counting, want 1", n)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused voids wrote %d audit entries", after-before)
	}

	if err := f.app.Ledger.Void(f.ctx, f.scope(2), a.ID, m3, "not there"); err != nil {
		t.Fatalf("Void: %v", err)
	}
	f.wantAudit("Void", "void", a.ID, m3+": not there", f.ms[1].ID)
	ps, err := f.store.Participations(f.ctx, "elm", m3)
	if err != nil || len(ps) != 1 || !ps[0].Voided || ps[0].VoidedBy != f.ms[1].ID || ps[0].VoidReason != "not there" {
		t.Fatalf("participations of M3 = %+v, %v; want one voided by M2", ps, err)
	}
	err = f.app.Ledger.Void(f.ctx, f.scope(1), a.ID, m3, "again")
	wantRefusal(t, "Void again", err, ll.ENOTFOUND, "participation")
}
