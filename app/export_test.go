package app

// The full computations the indexed ones must agree with (the tests'
// oracles).
var (
	StandingsFull = (*Reports).standingsFull
	ReportFull    = (*Reports).fullReport
)

// SortRange is sortRange on ints, for its test.
func SortRange(a []int, from, to int) { sortRange(a, from, to, func(x, y int) int { return x - y }) }
