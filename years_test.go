package lamplighter_test

import (
	"encoding/json"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestMinimumsByYear(t *testing.T) {
	c := ll.Community{ID: "c", Name: "C", TimeZone: "UTC", Language: "en", Minimum: 2, PostMinimum: 1}
	if got := c.MinimumsFor(1999); got != (ll.Minimums{Minimum: 2, PostMinimum: 1}) {
		t.Fatalf("MinimumsFor without entries = %+v, want today's 2/1", got)
	}
	c.SetMinimums(2026, ll.Minimums{Minimum: 3, PostMinimum: 1})
	c.SetMinimums(2028, ll.Minimums{Minimum: 4, PostMinimum: 2})
	for _, tt := range []struct{ year, min, post int }{
		{2020, 2, 1}, {2025, 2, 1}, {2026, 3, 1}, {2027, 3, 1}, {2028, 4, 2}, {2040, 4, 2},
	} {
		if got := c.MinimumsFor(tt.year); got.Minimum != tt.min || got.PostMinimum != tt.post {
			t.Errorf("MinimumsFor(%d) = %+v, want %d/%d", tt.year, got, tt.min, tt.post)
		}
		if f := c.ForYear(tt.year); f.Minimum != tt.min || f.PostMinimum != tt.post {
			t.Errorf("ForYear(%d) = %d/%d, want %d/%d", tt.year, f.Minimum, f.PostMinimum, tt.min, tt.post)
		}
	}
	if c.Minimum != 4 || c.PostMinimum != 2 {
		t.Errorf("Minimum, PostMinimum = %d, %d after SetMinimums; want the latest 4, 2", c.Minimum, c.PostMinimum)
	}
	// Setting a year again replaces it and every later entry.
	c.SetMinimums(2026, ll.Minimums{Minimum: 5, PostMinimum: 0})
	if got := c.MinimumsFor(2030); got.Minimum != 5 || got.PostMinimum != 0 {
		t.Errorf("MinimumsFor(2030) after setting 2026 again = %+v, want 5/0", got)
	}
	if got := c.MinimumsFor(2025); got.Minimum != 2 {
		t.Errorf("MinimumsFor(2025) = %+v, want the 2 it always had", got)
	}

	// The JSON is an object by year, and reads back the same; a Community
	// stays comparable.
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back ll.Community
	if err := json.Unmarshal(j, &back); err != nil || back != c {
		t.Fatalf("JSON round trip = %+v, %v; want %+v (json %s)", back, err, c, j)
	}
	var raw struct {
		Years map[string]ll.Minimums `json:"years"`
	}
	if err := json.Unmarshal(j, &raw); err != nil || raw.Years["2025"].Minimum != 2 || raw.Years["2026"].Minimum != 5 {
		t.Errorf("years in JSON = %+v, %v (%s)", raw.Years, err, j)
	}
	if err := back.Validate(); err != nil {
		t.Errorf("Validate = %v", err)
	}
	if j, _ := json.Marshal(ll.Community{ID: "x"}); strings.Contains(string(j), "years") {
		t.Errorf("a community without entries writes years: %s", j)
	}
}

func TestComputeStandingUsesTheYearsMinimum(t *testing.T) {
	c := ll.Community{ID: "c", Name: "C", TimeZone: "UTC", Language: "en", Minimum: 2, PostMinimum: 1}
	c.SetMinimums(2026, ll.Minimums{Minimum: 3, PostMinimum: 1})
	ps := []ll.Participation{
		{Member: "M1", Kind: ll.KindActivity, Date: "2025-04-01"},
		{Member: "M1", Kind: ll.KindActivity, Date: "2025-05-01"},
		{Member: "M1", Kind: ll.KindActivity, Date: "2026-04-01"},
		{Member: "M1", Kind: ll.KindActivity, Date: "2026-05-01"},
	}
	if s := ll.ComputeStanding(ps, 2025, 1, c); !s.Compliant || s.Minimum != 2 {
		t.Errorf("2025 standing = %+v, want compliant against 2025's minimum 2", s)
	}
	if s := ll.ComputeStanding(ps, 2026, 1, c); s.Compliant || s.Minimum != 3 {
		t.Errorf("2026 standing = %+v, want below 2026's minimum 3", s)
	}
}
