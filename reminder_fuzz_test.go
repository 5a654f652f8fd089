package lamplighter_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// FuzzParseQuietHours: any LAMPLIGHTER_QUIET_HOURS value parses or is refused
// without panicking; an accepted window round-trips through String and holds
// a time inside it until a time outside it.
func FuzzParseQuietHours(f *testing.F) {
	for _, s := range []string{"21:00-08:00", "", "08:00-21:00", "9:05-9:06", "24:00-01:00", "21:00", "-", "21:00-21:00", " 22:30 - 07:15 ", "٢١:٠٠-٠٨:٠٠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ll.ParseQuietHours(s)
		if err != nil {
			return
		}
		if q.None() {
			return
		}
		again, err := ll.ParseQuietHours(q.String())
		if err != nil || again != q {
			t.Fatalf("ParseQuietHours(%q) = %+v; its String %q parses to %+v, %v", s, q, q.String(), again, err)
		}
		start := time.Date(2026, 3, 2, q.Start/60, q.Start%60, 0, 0, time.UTC)
		until, held := q.Until(start, time.UTC)
		if !held || !until.After(start) || until.Sub(start) >= 24*time.Hour {
			t.Fatalf("%+v.Until(its own start) = %v, %v; want held until a later time within a day", q, until, held)
		}
		if _, heldAtEnd := q.Until(until, time.UTC); heldAtEnd {
			t.Fatalf("%+v.Until(%v) still held at the end of the window", q, until)
		}
	})
}
