package record

import (
	"slices"

	lamplighter "github.com/lamplighter-bot/lamplighter"
)

// Methods are the participation methods of SPEC section 9 in the order the
// reports list them.
var Methods = []string{
	lamplighter.MethodRotating,
	lamplighter.MethodCode,
	lamplighter.MethodLocation,
	lamplighter.MethodScan,
	lamplighter.MethodApproval,
	lamplighter.MethodConfirmed,
	lamplighter.MethodManual,
}

// Breakdown counts participations by method (SPEC section 9: how strongly
// each was verified). A method missing from the map counts 0. A method not
// in Methods (none is recorded today) is kept under its own name.
type Breakdown map[string]int

// CountMethods breaks down the participations of ps that count for year —
// not voided and dated in that year, as lamplighter.ComputeStanding counts
// them — by method; its Total is that standing's Total.
func CountMethods(ps []lamplighter.Participation, year int) Breakdown {
	b := Breakdown{}
	for i := range ps {
		p := &ps[i]
		if p.Voided || p.Year() != year {
			continue
		}
		b[p.Method]++
	}
	return b
}

// Total is the number of participations counted.
func (b Breakdown) Total() int {
	n := 0
	for _, c := range b {
		n += c
	}
	return n
}

// Strong is the number counted by a strong method (lamplighter.StrongMethod:
// rotating, location, scan, confirmed): the members export's strong column.
func (b Breakdown) Strong() int {
	n := 0
	for m, c := range b {
		if lamplighter.StrongMethod(m) {
			n += c
		}
	}
	return n
}

// Add adds o's counts to b (b must not be nil).
func (b Breakdown) Add(o Breakdown) {
	for m, c := range o {
		b[m] += c
	}
}

// MethodCount is one method and how many participations it verified.
type MethodCount struct {
	Method string
	Count  int
}

// Listed is b method by method: every method of Methods in that order, with
// 0 for those not used, then any other method counted, by name.
func (b Breakdown) Listed() []MethodCount {
	out := make([]MethodCount, 0, len(Methods))
	for _, m := range Methods {
		out = append(out, MethodCount{m, b[m]})
	}
	var other []string
	for m := range b {
		if !slices.Contains(Methods, m) {
			other = append(other, m)
		}
	}
	slices.Sort(other)
	for _, m := range other {
		out = append(out, MethodCount{m, b[m]})
	}
	return out
}

// Sum adds up the breakdowns of rows: a community's year by method.
func Sum(rows []MemberRow) Breakdown {
	b := Breakdown{}
	for _, r := range rows {
		b.Add(r.ByMethod)
	}
	return b
}
