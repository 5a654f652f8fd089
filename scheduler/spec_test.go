package scheduler_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/scheduler"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestParseSpecBadInput: every bad spec is an error, never a panic,
// including the ones that panic in robfig/cron v3.0.1's own parser.
func TestParseSpecBadInput(t *testing.T) {
	// The trap, shown: the library panics on these.
	for _, s := range []string{"TZ=0", "CRON_TZ=Asia/Shanghai"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Logf("cron.ParseStandard(%q) no longer panics", s)
				}
			}()
			_, _ = cron.ParseStandard(s)
		}()
	}
	for _, s := range []string{
		"TZ=0", "CRON_TZ=", "CRON_TZ=Asia/Shanghai", "CRON_TZ= 0 10 * * *", "TZ=Mars/Olympus 0 10 * * *",
		"CRON_TZ=Local 0 10 * * *", "61 10 * * *", "0 25 * * *", "0 10 * *", "0 10 * * * *", "* * * * 8",
		"@every 1h", "@fortnightly", "0 0 30 2 *", "x y z a b", "0 10 1-40 * *", "0 10 * 13 *",
	} {
		if _, err := scheduler.ParseSpec(s); err == nil {
			t.Errorf("ParseSpec(%q) = nil error", s)
		}
	}
	for _, s := range []string{"0 10 * * 1", "@daily", "@weekly", "CRON_TZ=UTC 0 10 * * *", "TZ=Asia/Shanghai 30 9 1 3-9 *", "*/15 8-18 * * 1-5"} {
		if _, err := scheduler.ParseSpec(s); err != nil {
			t.Errorf("ParseSpec(%q) = %v", s, err)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"TZ=0", "CRON_TZ=", "0 10 * * 1", "@daily", "CRON_TZ=UTC 0 10 * * *", "0 10 1 3-9 *", "@every 5m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := scheduler.ParseSpec(s) // must not panic
		if err == nil {
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if n := sp.Next(start, time.UTC); !n.After(start) {
				t.Errorf("ParseSpec(%q).Next = %v, not after %v", s, n, start)
			}
		}
	})
}

func TestLoadSchedules(t *testing.T) {
	env := func(kv map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}
	s, warnings, err := scheduler.LoadSchedules(env(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if len(s.BelowMinimum) != 2 || len(s.NoPost) != 1 || len(s.Digest) != 1 || len(s.Escalation) != 1 ||
		len(s.ActivityOffsets) != 2 || s.ActivityOffsets[0] != 24*time.Hour || s.ActivityOffsets[1] != time.Hour ||
		s.Quiet.String() != "21:00-08:00" || len(warnings) != 0 {
		t.Errorf("defaults = %+v, warnings %v", s, warnings)
	}
	// The defaults of SPEC section 4, by their next runs in Shanghai.
	sh := mustLoc(t, "Asia/Shanghai")
	next := func(specs []scheduler.Spec, after time.Time) time.Time {
		var best time.Time
		for _, sp := range specs {
			if n := sp.Next(after, sh); best.IsZero() || n.Before(best) {
				best = n
			}
		}
		return best
	}
	for _, c := range []struct {
		what  string
		specs []scheduler.Spec
		after time.Time
		want  time.Time
	}{
		{"below-minimum in spring: the 1st", s.BelowMinimum, time.Date(2026, 3, 2, 0, 0, 0, 0, sh), time.Date(2026, 4, 1, 10, 0, 0, 0, sh)},
		{"below-minimum in autumn: Mondays", s.BelowMinimum, time.Date(2026, 10, 1, 0, 0, 0, 0, sh), time.Date(2026, 10, 5, 10, 0, 0, 0, sh)},
		{"below-minimum not on a Monday in March", s.BelowMinimum, time.Date(2026, 3, 1, 11, 0, 0, 0, sh), time.Date(2026, 4, 1, 10, 0, 0, 0, sh)},
		{"no-post: Wednesdays", s.NoPost, time.Date(2026, 3, 2, 0, 0, 0, 0, sh), time.Date(2026, 3, 4, 10, 0, 0, 0, sh)},
		{"digest: Mondays 9:00", s.Digest, time.Date(2026, 3, 2, 9, 0, 0, 0, sh), time.Date(2026, 3, 9, 9, 0, 0, 0, sh)},
		{"escalation: December Mondays", s.Escalation, time.Date(2026, 3, 2, 0, 0, 0, 0, sh), time.Date(2026, 12, 7, 9, 0, 0, 0, sh)},
	} {
		if got := next(c.specs, c.after); !got.Equal(c.want) {
			t.Errorf("%s: next after %s = %s, want %s", c.what, c.after, got, c.want)
		}
	}

	s, _, err = scheduler.LoadSchedules(env(map[string]string{scheduler.EnvDigest: "", scheduler.EnvQuietHours: "", scheduler.EnvActivityReminders: ""}))
	if err != nil || len(s.Digest) != 0 || !s.Quiet.None() || len(s.ActivityOffsets) != 0 || len(s.NoPost) != 1 {
		t.Errorf("set but empty: %+v, %v; want the digest, quiet hours and activity reminders off", s, err)
	}
	s, _, err = scheduler.LoadSchedules(env(map[string]string{scheduler.EnvNoPost: "0 9 * * 1; CRON_TZ=UTC 0 12 * * 5 ;", scheduler.EnvActivityReminders: "1h, 48h,1h"}))
	if err != nil || len(s.NoPost) != 2 || s.NoPost[1].Zone() != time.UTC || len(s.ActivityOffsets) != 2 || s.ActivityOffsets[0] != 48*time.Hour {
		t.Errorf("lists: %+v, %v", s, err)
	}
	_, warnings, _ = scheduler.LoadSchedules(env(map[string]string{scheduler.EnvDigest: "0 9 1 * 1"}))
	if len(warnings) != 1 || !strings.Contains(warnings[0], scheduler.EnvDigest) {
		t.Errorf("warnings for a day-of-month and day-of-week spec = %v", warnings)
	}
	for _, c := range []struct{ env, value string }{
		{scheduler.EnvBelowMinimum, "0 10 1 3-9 *;TZ=0"},
		{scheduler.EnvNoPost, "CRON_TZ=Asia/Shanghai"},
		{scheduler.EnvDigest, "every monday"},
		{scheduler.EnvEscalation, "0 9 * 13 1"},
		{scheduler.EnvActivityReminders, "24h,soon"},
		{scheduler.EnvActivityReminders, "-1h"},
		{scheduler.EnvActivityReminders, "1000h"},
		{scheduler.EnvQuietHours, "21:00"},
		{scheduler.EnvQuietHours, "25:00-08:00"},
		{scheduler.EnvQuietHours, "08:00-08:00"},
	} {
		_, _, err := scheduler.LoadSchedules(env(map[string]string{c.env: c.value}))
		var ce *scheduler.ConfigError
		if !errors.As(err, &ce) || ce.Variable != c.env || !strings.HasPrefix(err.Error(), c.env+": ") {
			t.Errorf("LoadSchedules(%s=%q) = %v, want an error naming %s", c.env, c.value, err, c.env)
		}
	}
}

// TestSpecNextDST: schedules follow the wall clock across daylight-saving
// changes: a time the clock skips runs once, late; a time it repeats runs
// once.
func TestSpecNextDST(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	runs := func(spec string, from, to time.Time, zone *time.Location) []string {
		sp, err := scheduler.ParseSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for n := sp.Next(from, zone); !n.IsZero() && n.Before(to); n = sp.Next(n, zone) {
			out = append(out, n.In(zone).Format("01-02 15:04 MST"))
		}
		return out
	}
	// 8 March 2026: 02:00 EST becomes 03:00 EDT.
	got := runs("30 2 * * *", time.Date(2026, 3, 7, 0, 0, 0, 0, ny), time.Date(2026, 3, 10, 0, 0, 0, 0, ny), ny)
	want := []string{"03-07 02:30 EST", "03-08 03:30 EDT", "03-09 02:30 EDT"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("02:30 daily across spring forward = %v, want %v", got, want)
	}
	// 1 November 2026: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
	got = runs("30 1 * * *", time.Date(2026, 10, 31, 0, 0, 0, 0, ny), time.Date(2026, 11, 3, 0, 0, 0, 0, ny), ny)
	want = []string{"10-31 01:30 EDT", "11-01 01:30 EDT", "11-02 01:30 EST"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("01:30 daily across fall back = %v, want %v", got, want)
	}
	got = runs("0 10 * * *", time.Date(2026, 3, 7, 0, 0, 0, 0, ny), time.Date(2026, 3, 10, 0, 0, 0, 0, ny), ny)
	want = []string{"03-07 10:00 EST", "03-08 10:00 EDT", "03-09 10:00 EDT"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("10:00 daily = %v, want %v", got, want)
	}
	// CRON_TZ= wins over the community's zone.
	got = runs("CRON_TZ=UTC 0 10 * * *", time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC), ny)
	if len(got) != 1 || got[0] != "03-07 05:00 EST" {
		t.Errorf("CRON_TZ=UTC 10:00 seen from New York = %v, want 05:00 EST", got)
	}
}

func TestQuietHours(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	ny := mustLoc(t, "America/New_York")
	q, err := ll.ParseQuietHours("21:00-08:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at    time.Time
		until time.Time // zero: not held
	}{
		{time.Date(2026, 3, 2, 20, 59, 0, 0, sh), time.Time{}},
		{time.Date(2026, 3, 2, 21, 0, 0, 0, sh), time.Date(2026, 3, 3, 8, 0, 0, 0, sh)},
		{time.Date(2026, 3, 3, 2, 0, 0, 0, sh), time.Date(2026, 3, 3, 8, 0, 0, 0, sh)},
		{time.Date(2026, 3, 3, 8, 0, 0, 0, sh), time.Time{}},
		// The night the clocks spring forward in New York: held until 08:00 EDT.
		{time.Date(2026, 3, 7, 23, 0, 0, 0, ny), time.Date(2026, 3, 8, 8, 0, 0, 0, ny)},
	} {
		until, held := q.Until(c.at, c.at.Location())
		if held != !c.until.IsZero() || !until.Equal(c.until) {
			t.Errorf("Until(%s) = %s, %v; want %s", c.at, until, held, c.until)
		}
	}
	if day, err := ll.ParseQuietHours("12:00-14:00"); err != nil {
		t.Fatal(err)
	} else if _, held := day.Until(time.Date(2026, 3, 3, 13, 0, 0, 0, sh), sh); !held {
		t.Errorf("12:00-14:00 does not hold 13:00")
	}
}

// FuzzParseOffsets: any LAMPLIGHTER_ACTIVITY_REMINDERS value parses or is
// refused without panicking; accepted offsets are positive.
func FuzzParseOffsets(f *testing.F) {
	for _, s := range []string{"24h,1h", "", "90m", "1h;30m", "0s", "-1h", "721h", "1h,,2h", "1.5h", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		offsets, err := scheduler.ParseOffsets(s)
		if err != nil {
			return
		}
		for _, d := range offsets {
			if d <= 0 {
				t.Fatalf("ParseOffsets(%q) accepted %v", s, d)
			}
		}
	})
}
