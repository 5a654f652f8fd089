package app_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lamplighter-bot/lamplighter/app"
)

// TestSortRange: the page sortRange orders is the same part of a full sort,
// for random distinct values, sizes and pages (empty, at the edges, all).
func TestSortRange(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		n := r.IntN(300)
		a := r.Perm(n)
		if r.IntN(4) == 0 {
			slices.Sort(a) // already in order, and reversed
			if r.IntN(2) == 0 {
				slices.Reverse(a)
			}
		}
		from := r.IntN(n + 2)
		to := from + r.IntN(40)
		if r.IntN(5) == 0 {
			from, to = 0, n
		}
		to = min(to, n)
		from = min(from, to)
		want := slices.Sorted(slices.Values(a))
		got := slices.Clone(a)
		app.SortRange(got, from, to)
		if !slices.Equal(got[from:to], want[from:to]) {
			t.Fatalf("SortRange(%v, %d, %d) = %v, want %v", a, from, to, got[from:to], want[from:to])
		}
		if g, w := slices.Sorted(slices.Values(got)), want; !slices.Equal(g, w) {
			t.Fatalf("SortRange(%v, %d, %d) lost or duplicated elements: %v", a, from, to, got)
		}
	}
}
