package app_test

import (
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestSettingsSet(t *testing.T) {
	f := newFixture(t)
	sc := f.scope(1) // the minimums are the secretary's (SPEC section 9)
	comm, err := f.app.Settings.Set(f.ctx, sc, "Minimum", " 3 ")
	if err != nil || comm.Minimum != 3 || sc.Community.Minimum != 3 {
		t.Fatalf("Set(minimum 3) = %+v, %v", comm, err)
	}
	stored, err := f.store.Community(f.ctx, "elm")
	if err != nil || stored.Minimum != 3 {
		t.Fatalf("stored minimum = %d, %v; want 3", stored.Minimum, err)
	}
	log := f.audit()
	if len(log) == 0 || log[0].Action != "settings" || log[0].Object != "minimum" || log[0].Detail != "3 from 2026" || log[0].Actor != f.ms[0].ID {
		t.Fatalf("audit = %+v, want settings minimum 3 from 2026 by %s", log, f.ms[0].ID)
	}
	if _, err := f.app.Settings.Set(f.ctx, sc, "tz", "Europe/Paris"); err != nil {
		t.Fatalf("Set(tz): %v", err)
	}
	if comm, err := f.app.Settings.Set(f.ctx, sc, "notice", "off"); err != nil || comm.NoticeChat != 0 {
		t.Fatalf("Set(notice off) = %+v, %v", comm, err)
	}

	before := len(f.audit())
	for _, tc := range []struct{ key, value, field string }{
		{"minimum", "two", "minimum"},
		{"minimum", "-1", "minimum"},
		{"postminimum", "51", "postminimum"},
		{"timezone", "Local", "timezone"},
		{"timezone", "Mars/Olympus", "timezone"},
		{"language", "fr", "language"},
		{"notice", "chat", "notice"},
		{"colour", "red", "setting"},
	} {
		_, err := f.app.Settings.Set(f.ctx, f.scope(1), tc.key, tc.value)
		wantRefusal(t, tc.key+" "+tc.value, err, ll.EINVALID, tc.field)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused settings wrote %d audit entries", after-before)
	}
	if stored, _ := f.store.Community(f.ctx, "elm"); stored.TimeZone != "Europe/Paris" || stored.Language != "en" {
		t.Fatalf("refused settings changed the community: %+v", stored)
	}
}
