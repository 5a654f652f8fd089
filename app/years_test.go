package app_test

import (
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TestMinimumsBelongToTheYear: only the secretary or an admin sets the
// minimums (SPEC section 9); they apply from the current year on and the
// earlier years keep theirs; the audit entry says from which year.
func TestMinimumsBelongToTheYear(t *testing.T) {
	f := newFixture(t)
	before := len(f.audit())
	for _, key := range []string{"minimum", "postminimum"} {
		_, err := f.app.Settings.Set(f.ctx, f.scope(2), key, "5")
		wantRefusal(t, "committee member sets "+key, err, ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused minimums wrote %d audit entries", after-before)
	}
	// The rest of the settings stay the committee's.
	if _, err := f.app.Settings.Set(f.ctx, f.scope(2), "language", "zh"); err != nil {
		t.Fatalf("committee member sets the language: %v", err)
	}

	if _, err := f.app.Settings.Set(f.ctx, f.scope(1), "minimum", "4"); err != nil {
		t.Fatalf("secretary sets minimum 4: %v", err)
	}
	if _, err := f.app.Settings.Set(f.ctx, f.scope(1), "postminimum", "2"); err != nil {
		t.Fatalf("secretary sets postminimum 2: %v", err)
	}
	c, err := f.store.Community(f.ctx, "elm")
	if err != nil {
		t.Fatal(err)
	}
	if m := c.MinimumsFor(2025); m.Minimum != 2 || m.PostMinimum != 0 {
		t.Errorf("2025 minimums = %+v, want the 2/0 it had", m)
	}
	if m := c.MinimumsFor(2026); m.Minimum != 4 || m.PostMinimum != 2 {
		t.Errorf("2026 minimums = %+v, want 4/2", m)
	}
	if c.Minimum != 4 || c.PostMinimum != 2 {
		t.Errorf("community minimums = %d/%d, want 4/2", c.Minimum, c.PostMinimum)
	}
	log := f.audit()
	if log[0].Object != "postminimum" || log[0].Detail != "2 from 2026" || log[1].Object != "minimum" || log[1].Detail != "4 from 2026" {
		t.Errorf("audit = %+v, want postminimum 2 from 2026 after minimum 4 from 2026", log[:2])
	}

	// An admin (the CLI's operator too) may.
	a := f.actor(0, true)
	a.User.Use = "elm"
	sc, err := f.app.Access.Committee(f.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Settings.Set(f.ctx, &sc, "minimum", "1"); err != nil {
		t.Errorf("admin sets minimum: %v", err)
	}
}
