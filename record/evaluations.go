package record

import (
	"time"

	"github.com/lamplighter-bot/lamplighter"
)

// EvaluationRow is one line of the evaluations export (SPEC section 11):
// community, member_id, name, unit_id, year, participations, strong,
// grade, comment, graded_by, graded_at.
type EvaluationRow struct {
	Community      string
	MemberID       string // as in MemberRow (the M id in what a liaison receives: see EvaluationRows)
	Name           string
	UnitID         string
	Year           int
	Participations int // the year's participations (MemberRow.Total)
	Strong         int
	Grade          string // lamplighter.Grade*
	Comment        string
	GradedBy       string // the member id (or tg:<id> of an admin) who set the grade
	GradedAt       string // YYYY-MM-DD HH:MM in the community's zone

	ID string // the member's M id
}

// EvaluationRows is the evaluations export of one community's year: one
// row per graded member, by member number, from the member rows of the
// year (MemberRows) and the grades by member id. With ownIDs, member_id is
// the M id whatever the member's Telegram id (what a unit's liaisons get:
// no Telegram id of anyone).
func EvaluationRows(d CommunityData, year int, now time.Time, grades map[string]lamplighter.Grade, ownIDs bool) []EvaluationRow {
	loc := d.Community.Location()
	byID := map[string]*lamplighter.Member{}
	for i := range d.Members {
		byID[d.Members[i].ID] = &d.Members[i]
	}
	var out []EvaluationRow
	for _, r := range MemberRows(d, year, now) {
		g, ok := grades[r.ID]
		if !ok {
			continue
		}
		row := EvaluationRow{Community: r.Community, MemberID: r.MemberID, Name: r.Name, Year: year,
			Participations: r.Total, Strong: r.Strong, Grade: g.Value, Comment: g.Comment, GradedBy: g.By,
			GradedAt: g.At.In(loc).Format("2006-01-02 15:04"), ID: r.ID}
		if m := byID[r.ID]; m != nil {
			row.UnitID = m.UnitID
		}
		if ownIDs {
			row.MemberID = r.ID
		}
		out = append(out, row)
	}
	return out
}
