package lamplighter

import (
	"strconv"
	"strings"
)

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
	// Last is the latest date (YYYY-MM-DD) of the participations that
	// count in the year (ComputeStanding's Last), "" if none.
	Last string
}

// ID is the member's id, M<n>.
func (m IndexedMember) ID() string { return "M" + strconv.Itoa(m.Number) }

// MemberKeys are an active member's number and name, unit and building as
// the search index keeps them: lowered by IndexLower.
type MemberKeys struct {
	Number               int
	Name, Unit, Building string
}

// IndexLower lowers s as the search index does (storage's scripts,
// lowered): KELVIN SIGN as k, CAPITAL I WITH DOT ABOVE as i, then ASCII's
// lowering; other characters are kept. IndexLower(IndexLower(s)) ==
// IndexLower(s). The members filters compare strings.EqualFold of two
// IndexLower'd values and the name order compares IndexLower'd names byte
// by byte, so that the index and a full read decide alike.
func IndexLower(s string) string {
	s = strings.ReplaceAll(s, "\u212a", "k")
	s = strings.ReplaceAll(s, "\u0130", "i")
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}
