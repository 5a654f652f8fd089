package lamplighter

import (
	"strings"
	"testing"
	"time"
)

func TestCountNeeds(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	solved := func(created time.Time, after time.Duration) Need {
		return Need{Status: NeedSolved, Created: created, Solved: created.Add(after)}
	}
	needs := []Need{
		solved(t0, 2*day),                 // 2 days
		solved(t0, 3*day+time.Hour),       // 4 days (rounded up)
		solved(t0, time.Hour),             // 1 day
		solved(t0, 9*day),                 // 9 days
		{Status: NeedTaken, Created: t0},  // received, not solved
		solved(t0.AddDate(-1, 0, 0), day), // another year
	}
	f := CountNeeds(needs, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if f.Received != 5 || f.Solved != 4 || f.MedianDays != 3 {
		t.Errorf("CountNeeds = %+v, want 5 received, 4 solved, median 3 (of 1, 2, 4, 9)", f)
	}
	if f := CountNeeds(needs[4:5], time.Time{}, t0.Add(day)); f.Received != 1 || f.Solved != 0 || f.MedianDays != -1 {
		t.Errorf("CountNeeds(unsolved) = %+v, want no median", f)
	}
	if d := (&Need{Status: NeedDone, Created: t0}).SolveDays(); d != -1 {
		t.Errorf("SolveDays of a need not solved = %d, want -1", d)
	}
}

func TestNeedValidate(t *testing.T) {
	for _, c := range []struct {
		n  Need
		ok bool
	}{
		{Need{Text: "lamp", Helpers: 1}, true},
		{Need{Text: "  ", Helpers: 1}, false},
		{Need{Text: "a\x00b", Helpers: 1}, false},
		{Need{Text: strings.Repeat("灯", MaxNeedTextLen+1), Helpers: 1}, false},
		{Need{Text: "lamp", Helpers: 0}, false},
		{Need{Text: "lamp", Helpers: MaxNeedHelpers + 1}, false},
		{Need{Text: "lamp", Helpers: 1, Skills: []string{"a\nb"}}, false},
		{Need{Text: "lamp", Helpers: 1, Location: &GeoPoint{Latitude: 91}}, false},
	} {
		if err := c.n.Validate(); (err == nil) != c.ok {
			t.Errorf("Validate(%+v) = %v, want ok %v", c.n, err, c.ok)
		}
	}
}
