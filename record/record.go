// Package record turns a community's members, ledger and claims into the
// year's figures: the rows of the members and ledger exports (SPEC section 7)
// that /report, /notice, /export and the CLI show. Package report draws them
// (CSV, XLSX, chart); this package only counts, so the conversation can use
// it without linking excelize or image code.
//
// It imports only the domain and the standard library. Every function is
// pure and deterministic given its inputs (the current time is a parameter).
package record

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	lamplighter "github.com/lamplighter-bot/lamplighter"
)

// ForgottenName is what the name column shows for a forgotten member (SPEC
// section 6).
const ForgottenName = "—"

// CommunityData is everything the reports need about one community: its
// settings, every member whatever their status, every participation (voided
// ones included: they are skipped here), and the claims of every member,
// current and released.
type CommunityData struct {
	Community      lamplighter.Community
	Members        []lamplighter.Member
	Participations []lamplighter.Participation
	Claims         []lamplighter.Claim
}

// MemberRow is one line of the members export: a member's standing for one
// year. The exported columns are, in order, Community, MemberID, Name, Unit,
// Building, Joined, Posts, Activities, Services, Total, Minimum, Compliant,
// LastParticipation and Strong (SPEC section 9: added last); ByMethod, ID
// and Status are for callers that need them (the report, the notice) and
// are not exported.
type MemberRow struct {
	Community         string // community id
	MemberID          string // Telegram user id, or the M id when there is none or the member was forgotten
	Name              string // ForgottenName for a forgotten member
	Unit              string
	Building          string
	Joined            string // YYYY-MM-DD in the community's zone, "" if unknown
	Posts             int    // posts held at the end of the year, or now for the current year
	Activities        int    // activity participations, by any method but approval
	Services          int    // approved service records
	Total             int    // Activities + Services
	Minimum           int    // the community's yearly participation minimum
	Compliant         bool   // Total >= Minimum and Posts >= the community's post minimum
	LastParticipation string // YYYY-MM-DD, "" if none that year
	Strong            int    // participations of Total by a strong method (lamplighter.StrongMethod)

	// ByMethod breaks Total down by method; its Strong() is Strong.
	ByMethod Breakdown

	ID     string // the member's M id, whatever MemberID shows
	Status string // active, left or forgotten (now, not in that year)
}

// LedgerRow is one line of the ledger export: one non-voided participation.
// The exported columns are, in order, Community, MemberID, Name, Date, Kind,
// Ref, Title, Method and VerifiedBy; ID is for callers and not exported.
type LedgerRow struct {
	Community  string // community id
	MemberID   string // as in MemberRow
	Name       string // as in MemberRow; "" when the member is not in the data
	Date       string // YYYY-MM-DD in the community's zone
	Kind       string // activity or service
	Ref        string // A7 or S40
	Title      string // the activity's title or the service text
	Method     string // one of Methods: rotating, code, location, scan, approval, confirmed or manual
	VerifiedBy string // M id of who approved, scanned or entered it; "" for rotating, code, location and confirmed

	ID string // the member's M id
}

// MemberRows returns the members export of one community for year: one row
// per member who was active at any time in that year (joined on or before
// the year's last instant in the community's zone and not left before its
// first), including members who have since left or been forgotten, ordered
// by member number (M2 before M10). Posts are counted at the year's end, or
// at now when now is earlier (the current year). Voided participations do not
// count. It never fails: a community whose zone cannot be loaded is treated
// as UTC, like Community.Location does.
func MemberRows(d CommunityData, year int, now time.Time) []MemberRow {
	c := d.Community
	loc := c.Location()
	start := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	end := lamplighter.YearEnd(year, loc)
	at := end
	if now.Before(end) {
		at = now
	}

	// Only that year's participations matter; ComputeStanding checks each
	// date again, this just keeps other years out of the grouping.
	prefix := fmt.Sprintf("%04d-", year)
	parts := groupByMember(d.Participations, func(p *lamplighter.Participation) (string, bool) {
		return p.Member, strings.HasPrefix(p.Date, prefix)
	})
	claims := groupByMember(d.Claims, func(c *lamplighter.Claim) (string, bool) { return c.Member, true })

	members := sortedMembers(d.Members)
	rows := make([]MemberRow, 0, len(members))
	for i := range members {
		m := &members[i]
		if m.Joined.After(end) || (!m.Left.IsZero() && m.Left.Before(start)) {
			continue
		}
		s := lamplighter.ComputeStanding(parts[m.ID], year, lamplighter.PostsHeldAt(claims[m.ID], at), c)
		by := CountMethods(parts[m.ID], year)
		r := MemberRow{
			Community:         c.ID,
			MemberID:          exportedID(m),
			Name:              exportedName(m),
			Unit:              m.Unit,
			Building:          m.Building,
			Posts:             s.Posts,
			Activities:        s.Activities,
			Services:          s.Services,
			Total:             s.Total,
			Minimum:           s.Minimum,
			Compliant:         s.Compliant,
			LastParticipation: s.Last,
			Strong:            by.Strong(),
			ByMethod:          by,
			ID:                m.ID,
			Status:            m.Status,
		}
		if m.Status == lamplighter.StatusForgotten {
			r.Unit, r.Building = "", ""
		}
		if !m.Joined.IsZero() {
			r.Joined = m.Joined.In(loc).Format(time.DateOnly)
		}
		rows = append(rows, r)
	}
	return rows
}

// LedgerRows returns the ledger export of one community for year: one row per
// non-voided participation whose date lies in that year, ordered by date,
// then member number, then recording time. A participation of a member who
// is not in d.Members still appears, under its M id with an empty name.
// Method is as recorded; VerifiedBy is always empty for the methods that
// name no verifier: rotating, code and location (the member checked in
// alone) and confirmed (the asker is never exported).
func LedgerRows(d CommunityData, year int) []LedgerRow {
	byID := make(map[string]*lamplighter.Member, len(d.Members))
	for i := range d.Members {
		byID[d.Members[i].ID] = &d.Members[i]
	}
	ps := make([]lamplighter.Participation, 0, len(d.Participations))
	for _, p := range d.Participations {
		if !p.Voided && p.Year() == year {
			ps = append(ps, p)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := &ps[i], &ps[j]
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		if c := compareIDs(a.Member, b.Member); c != 0 {
			return c < 0
		}
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		return compareIDs(a.Ref, b.Ref) < 0
	})

	rows := make([]LedgerRow, 0, len(ps))
	for _, p := range ps {
		r := LedgerRow{
			Community:  d.Community.ID,
			MemberID:   p.Member,
			Date:       p.Date,
			Kind:       p.Kind,
			Ref:        p.Ref,
			Title:      p.Title,
			Method:     p.Method,
			VerifiedBy: p.VerifiedBy,
			ID:         p.Member,
		}
		if m, ok := byID[p.Member]; ok {
			r.MemberID, r.Name = exportedID(m), exportedName(m)
		}
		if noVerifier(p.Method) {
			r.VerifiedBy = ""
		}
		rows = append(rows, r)
	}
	return rows
}

// noVerifier reports whether method names nobody as the verifier: a member
// checks in alone by a rotating code, a code or a live location, and a
// need's asker (who confirms) is not a member and never exported (SPEC
// section 10).
func noVerifier(method string) bool {
	switch method {
	case lamplighter.MethodRotating, lamplighter.MethodCode, lamplighter.MethodLocation, lamplighter.MethodConfirmed:
		return true
	}
	return false
}

// AllMemberRows is MemberRows for several communities (export --all): each
// community's rows in turn, communities in id order.
func AllMemberRows(ds []CommunityData, year int, now time.Time) []MemberRow {
	var rows []MemberRow
	for _, d := range byCommunityID(ds) {
		rows = append(rows, MemberRows(d, year, now)...)
	}
	return rows
}

// AllLedgerRows is LedgerRows for several communities (export --all): each
// community's rows in turn, communities in id order.
func AllLedgerRows(ds []CommunityData, year int) []LedgerRow {
	var rows []LedgerRow
	for _, d := range byCommunityID(ds) {
		rows = append(rows, LedgerRows(d, year)...)
	}
	return rows
}

// groupByMember splits the xs that member accepts by member id, keeping
// their order, with one allocation for all the groups.
func groupByMember[T any](xs []T, member func(*T) (id string, keep bool)) map[string][]T {
	counts := make(map[string]int)
	kept := 0
	for i := range xs {
		if id, ok := member(&xs[i]); ok {
			counts[id]++
			kept++
		}
	}
	next := make(map[string]int, len(counts))
	n := 0
	for id, c := range counts {
		next[id] = n
		n += c
	}
	all := make([]T, kept)
	for i := range xs {
		if id, ok := member(&xs[i]); ok {
			all[next[id]] = xs[i]
			next[id]++
		}
	}
	out := make(map[string][]T, len(counts))
	for id, end := range next {
		out[id] = all[end-counts[id] : end : end]
	}
	return out
}

// exportedID is the member_id column: the Telegram id, else the M id.
func exportedID(m *lamplighter.Member) string {
	if m.TelegramID == 0 || m.Status == lamplighter.StatusForgotten {
		return m.ID
	}
	return strconv.FormatInt(m.TelegramID, 10)
}

// exportedName is the name column: ForgottenName for a forgotten member (or
// one whose name is gone).
func exportedName(m *lamplighter.Member) string {
	if m.Status == lamplighter.StatusForgotten || m.Name == "" {
		return ForgottenName
	}
	return m.Name
}

// sortedMembers returns a copy of ms ordered by member number.
func sortedMembers(ms []lamplighter.Member) []lamplighter.Member {
	out := append([]lamplighter.Member(nil), ms...)
	sort.SliceStable(out, func(i, j int) bool { return compareIDs(out[i].ID, out[j].ID) < 0 })
	return out
}

// byCommunityID returns a copy of ds ordered by community id.
func byCommunityID(ds []CommunityData) []CommunityData {
	out := append([]CommunityData(nil), ds...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Community.ID < out[j].Community.ID })
	return out
}

// compareIDs orders short ids ("M2" < "M10") by prefix, then number; an id
// without a number sorts after those with one, by its text.
func compareIDs(a, b string) int {
	pa, na, oka := splitID(a)
	pb, nb, okb := splitID(b)
	switch {
	case oka && okb:
		if pa != pb {
			return strings.Compare(pa, pb)
		}
		if na != nb {
			if na < nb {
				return -1
			}
			return 1
		}
		return 0
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}

// splitID splits "M12" into "M" and 12.
func splitID(id string) (string, uint64, bool) {
	if len(id) < 2 {
		return "", 0, false
	}
	n, err := strconv.ParseUint(id[1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return strings.ToUpper(id[:1]), n, true
}

// Neutralize makes a cell that a spreadsheet would run as a formula (it
// starts with =, +, -, @, a tab or a carriage return: the OWASP "CSV
// injection" advice) show as text by prefixing a quote; any other s comes
// back unchanged.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
