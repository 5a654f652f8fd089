package report

import (
	"io"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// NeedsHeader is the header of the needs export (SPEC section 10). It has
// no asker data: neither the asker's Telegram id nor the need's text.
var NeedsHeader = []string{"community", "need_id", "created", "status", "skills", "helpers", "takers", "solved", "days"}

// NeedRow is one need of the needs export. Takers are member ids.
type NeedRow struct {
	Community string
	NeedID    string
	Created   string // YYYY-MM-DD in the community's zone
	Status    string
	Skills    []string
	Helpers   int
	Takers    []string
	Solved    string // YYYY-MM-DD, empty while not solved
	Days      int    // days to solve, -1 while not solved
}

// NeedRows are the rows of the needs of a community created in year, in
// the community's zone, by id.
func NeedRows(c ll.Community, needs []ll.Need, year int) []NeedRow {
	loc := c.Location()
	var out []NeedRow
	for _, n := range needs {
		created := n.Created.In(loc)
		if created.Year() != year {
			continue
		}
		r := NeedRow{Community: c.ID, NeedID: n.ID, Created: created.Format(time.DateOnly), Status: n.Status,
			Skills: n.Skills, Helpers: n.Helpers, Takers: n.Takers, Days: n.SolveDays()}
		if r.Days >= 0 {
			r.Solved = n.Solved.In(loc).Format(time.DateOnly)
		}
		out = append(out, r)
	}
	return out
}

// StreamNeedsCSV writes the needs export as CSV (byte-order mark, header,
// then each chunk's rows as they come, cells a spreadsheet would run as a
// formula neutralised) and says how many rows it wrote.
func StreamNeedsCSV(w io.Writer, chunks func(yield func([]NeedRow) error) error) (int, error) {
	return writeCSV(w, "needs", NeedsHeader, func(rec func([]string) error) error {
		return chunks(func(rows []NeedRow) error {
			for _, r := range rows {
				days := ""
				if r.Days >= 0 {
					days = strconv.Itoa(r.Days)
				}
				skills := make([]string, len(r.Skills))
				for i, s := range r.Skills {
					skills[i] = Neutralize(s)
				}
				if err := rec([]string{Neutralize(r.Community), r.NeedID, r.Created, r.Status, strings.Join(skills, ";"),
					strconv.Itoa(r.Helpers), strings.Join(r.Takers, ";"), r.Solved, days}); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
