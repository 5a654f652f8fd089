package app

// The full computations the indexed ones must agree with (the tests'
// oracles).
var (
	StandingsFull = (*Reports).standingsFull
	ReportFull    = (*Reports).fullReport
)
