package record

import (
	"slices"

	lamplighter "github.com/lamplighter-bot/lamplighter"
)

// Methods are the participation methods of SPEC section 9 in the order the
// reports list them.
var Methods = [...]string{
	lamplighter.MethodRotating,
	lamplighter.MethodCode,
	lamplighter.MethodLocation,
	lamplighter.MethodScan,
	lamplighter.MethodApproval,
	lamplighter.MethodConfirmed,
	lamplighter.MethodManual,
}

// methodIndex is method's position in Methods, -1 for another.
func methodIndex(method string) int {
	switch method {
	case lamplighter.MethodRotating:
		return 0
	case lamplighter.MethodCode:
		return 1
	case lamplighter.MethodLocation:
		return 2
	case lamplighter.MethodScan:
		return 3
	case lamplighter.MethodApproval:
		return 4
	case lamplighter.MethodConfirmed:
		return 5
	case lamplighter.MethodManual:
		return 6
	}
	return -1
}

// Breakdown counts participations by method (SPEC section 9: how strongly
// each was verified). The zero value counts nothing. A method not in
// Methods (none is recorded today) is kept under its own name. Counting the
// methods of Methods allocates nothing.
type Breakdown struct {
	known [len(Methods)]int
	other map[string]int
}

// CountMethods breaks down the participations of ps that count for year —
// not voided and dated in that year, as lamplighter.ComputeStanding counts
// them — by method; its Total is that standing's Total.
func CountMethods(ps []lamplighter.Participation, year int) Breakdown {
	var b Breakdown
	for i := range ps {
		p := &ps[i]
		if p.Voided || p.Year() != year {
			continue
		}
		b.add(p.Method, 1)
	}
	return b
}

// add counts n more participations by method.
func (b *Breakdown) add(method string, n int) {
	if i := methodIndex(method); i >= 0 {
		b.known[i] += n
		return
	}
	if b.other == nil {
		b.other = map[string]int{}
	}
	b.other[method] += n
}

// Count is the number counted by method.
func (b Breakdown) Count(method string) int {
	if i := methodIndex(method); i >= 0 {
		return b.known[i]
	}
	return b.other[method]
}

// Total is the number of participations counted.
func (b Breakdown) Total() int {
	n := 0
	for _, c := range b.known {
		n += c
	}
	for _, c := range b.other {
		n += c
	}
	return n
}

// Strong is the number counted by a strong method (lamplighter.StrongMethod:
// rotating, location, scan, confirmed): the members export's strong column.
func (b Breakdown) Strong() int {
	n := 0
	for i, c := range b.known {
		if lamplighter.StrongMethod(Methods[i]) {
			n += c
		}
	}
	for m, c := range b.other {
		if lamplighter.StrongMethod(m) {
			n += c
		}
	}
	return n
}

// Add adds o's counts to b.
func (b *Breakdown) Add(o Breakdown) {
	for i, c := range o.known {
		b.known[i] += c
	}
	for m, c := range o.other {
		b.add(m, c)
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
	out := make([]MethodCount, 0, len(Methods)+len(b.other))
	for i, m := range Methods {
		out = append(out, MethodCount{m, b.known[i]})
	}
	other := make([]string, 0, len(b.other))
	for m := range b.other {
		other = append(other, m)
	}
	slices.Sort(other)
	for _, m := range other {
		out = append(out, MethodCount{m, b.other[m]})
	}
	return out
}

// Sum adds up the breakdowns of rows: a community's year by method.
func Sum(rows []MemberRow) Breakdown {
	var b Breakdown
	for _, r := range rows {
		b.Add(r.ByMethod)
	}
	return b
}
