package lamplighter

import "strconv"

// YearFigures are one community's figures of the current year as the
// standing index keeps them (SPEC section 13): what /report, the district
// overview and the Mini App's overview count, without reading every member
// and the whole ledger.
type YearFigures struct {
	Year int
	// Members are the members counted in the year, by number: every member
	// active now, and every member who stopped being active (removed, moved
	// away, forgotten) at or after the year's first instant.
	Members []IndexedMember
	// Unreachable are the numbers of the active members marked
	// unreachable (Member.Unreachable), by number.
	Unreachable []int
	// ByMethod counts the year's participations that count (not voided,
	// dated in the year), whatever the member's status, by method; ByMonth
	// the same by month, January first.
	ByMethod map[string]int
	ByMonth  [12]int
}

// IndexedMember is one member of YearFigures.
type IndexedMember struct {
	Number int  // Mn's n
	Active bool // active now
	Total  int  // participations that count in the year (ComputeStanding's Total)
	Held   int  // posts held now
}

// ID is the member's id, M<n>.
func (m IndexedMember) ID() string { return "M" + strconv.Itoa(m.Number) }
