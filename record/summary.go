package record

import (
	"time"

	lamplighter "github.com/lamplighter-bot/lamplighter"
)

// Summary is what the /report chart draws of one community's year: the
// participations that count by month, and how many of the members counted
// in the year (MemberRows) are compliant.
type Summary struct {
	Community lamplighter.Community
	Year      int
	ByMonth   [12]int // January first; voided participations left out
	Members   int     // rows of MemberRows
	Compliant int     // of them compliant
}

// Summarize is the Summary of d's year as of now, from every participation
// and MemberRows.
func Summarize(d CommunityData, year int, now time.Time) Summary {
	s := Summary{Community: d.Community, Year: year}
	for i := range d.Participations {
		p := &d.Participations[i]
		if p.Voided || p.Year() != year {
			continue
		}
		if t, err := time.Parse(time.DateOnly, p.Date); err == nil {
			s.ByMonth[t.Month()-1]++
		}
	}
	rows := MemberRows(d, year, now)
	s.Members = len(rows)
	for _, r := range rows {
		if r.Compliant {
			s.Compliant++
		}
	}
	return s
}

// AddCount counts n more participations by method (n may be negative: a
// counter read from storage).
func (b *Breakdown) AddCount(method string, n int) { b.add(method, n) }

// IndexedRow is member m's row of year from what the standing index keeps
// of it: total participations and posts held. The columns the index does
// not keep (Activities, Services, Strong, ByMethod, LastParticipation) are
// zero; the others are what MemberRows gives from m (those of m's fields
// that are not set stay empty).
func IndexedRow(c lamplighter.Community, m lamplighter.Member, total, held int, mins lamplighter.Minimums) MemberRow {
	r := MemberRow{
		Community: c.ID, MemberID: exportedID(&m), Name: exportedName(&m), Unit: m.Unit, Building: m.Building,
		Posts: held, Total: total, Minimum: mins.Minimum, Compliant: total >= mins.Minimum && held >= mins.PostMinimum,
		ID: m.ID, Status: m.Status,
	}
	if m.Status == lamplighter.StatusForgotten {
		r.Unit, r.Building = "", ""
	}
	if !m.Joined.IsZero() {
		r.Joined = m.Joined.In(c.Location()).Format(time.DateOnly)
	}
	return r
}
