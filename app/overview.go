package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
)

// The committee's overview of the year (SPEC section 12): a traffic light
// per active member and the year's participations by month and by method,
// with the members filtered, sorted and paged for the Mini App's overview
// and members pages.

// Light is a member's traffic light for the current year.
type Light string

// The lights.
const (
	// LightGreen: compliant (record.MemberRow.Compliant, as /report and
	// the exports decide it).
	LightGreen Light = "green"
	// LightAmber: not compliant yet, but on track: the participations so
	// far plus the sign-ups for activities still to come (not ended, not
	// cancelled, dated in the year, not attended yet) reach the minimum,
	// and the posts held reach the post minimum.
	LightAmber Light = "amber"
	// LightRed: behind.
	LightRed Light = "red"
)

// Lights are the lights in the order the page lists them.
var Lights = []Light{LightGreen, LightAmber, LightRed}

// StandingQuery selects and orders the members of an overview. Empty
// fields select everyone; Sort is "" (member number), "name", "total"
// (most participations first) or "last" (latest participation first).
type StandingQuery struct {
	Light    Light
	Unit     string
	Building string
	Team     string // a team id, T2
	Sort     string
	Offset   int
	Limit    int // at most MaxStandingPage; DefaultStandingPage when 0
}

// Page sizes of Standings.
const (
	DefaultStandingPage = 30
	MaxStandingPage     = 100
	// maxChoices bounds the units and buildings offered as filters.
	maxChoices = 200
)

// MemberStanding is one active member's row of the year with their light.
type MemberStanding struct {
	record.MemberRow
	Upcoming int // sign-ups for activities still to come
	Light    Light
	Teams    []string // team ids
}

// Standings is the overview of the scope community's current year.
type Standings struct {
	Year     int
	DaysLeft int
	// Counts are the active members per light (all of them, whatever the
	// query); Active is their sum.
	Counts map[Light]int
	Active int
	// ByMonth counts the year's non-voided participations of every member
	// (those who left too) by month, January first; ByMethod by method.
	ByMonth  [12]int
	ByMethod record.Breakdown
	// Matched counts the members the query selects; Members is the page.
	Matched int
	Members []MemberStanding
	// Units and Buildings are the values the active members have (at most
	// maxChoices each, sorted); Teams the community's teams.
	Units, Buildings []string
	Teams            []ll.Team
}

// Standings gathers the overview of the scope community's current year
// (in its zone) and the page of members q selects. It changes nothing and
// writes no audit entry. Errors: EINVALID Field "light" or "sort"; the
// store's.
//
// The overview itself (in any order, with any filter) comes from the standing index (YearFigures, one round trip
// whatever the size; SPEC section 13), the sign-ups of the activities still
// to come and who attended them (few, and small), the teams, and the
// ledger of the page's members only; a unit or building filter or the name
// order adds the search index's lowered names, units and buildings
// (MemberKeys, one more round trip). A unit or building matches the query's
// when they are equal ignoring case once both are ll.IndexLower'd
// (strings.EqualFold; so İ matches i and I as well), and the name order is
// of the ll.IndexLower'd names, byte by byte, then member number; the
// last-participation order is of the latest date that counts in the year
// (record.MemberRow.LastParticipation), latest first, then member number,
// those with none last: both computations decide so. A community without a
// search index (up to 1,000 members) read the whole community a page at a
// time for a unit or building filter or the name order (standingsFull:
// memory bounded by a row per member).
func (s *Reports) Standings(ctx context.Context, sc *Scope, q StandingQuery) (Standings, error) {
	if q.Light != "" && !slices.Contains(Lights, q.Light) {
		return Standings{}, ll.Invalid("light", "not a light")
	}
	if !slices.Contains([]string{"", "id", "name", "total", "last"}, q.Sort) {
		return Standings{}, ll.Invalid("sort", "not an order")
	}
	if q.Limit <= 0 {
		q.Limit = DefaultStandingPage
	}
	q.Limit = min(q.Limit, MaxStandingPage)
	q.Offset = max(q.Offset, 0)
	return s.standingsIndexed(ctx, sc, q)
}

// coming maps each member to the activities still to come of comm (not
// ended at now, not cancelled, starting in year) they signed up for and
// have no participation in that counts.
func (s *Reports) coming(ctx context.Context, comm ll.Community, year int, now time.Time) (map[string][]string, error) {
	loc := comm.Location()
	acts, err := s.store.Activities(ctx, comm.ID)
	if err != nil {
		return nil, fmt.Errorf("list activities of %s: %w", comm.ID, err)
	}
	var ids []string
	for _, a := range acts {
		if a.Cancelled || !a.End.After(now) || a.Start.In(loc).Year() != year {
			continue
		}
		ids = append(ids, a.ID)
	}
	signed, err := s.store.SignedUpNotAttended(ctx, comm.ID, ids)
	if err != nil {
		return nil, fmt.Errorf("sign-ups to come of %s: %w", comm.ID, err)
	}
	coming := map[string][]string{}
	for _, id := range ids { // activity order, as before
		for _, m := range signed[id] {
			coming[m] = append(coming[m], id)
		}
	}
	return coming, nil
}

// teamsOf lists the scope community's teams and maps each member to the
// ids of the teams they are in.
func (s *Reports) teamsOf(ctx context.Context, comm ll.Community) ([]ll.Team, map[string][]string, error) {
	teams, err := s.store.Teams(ctx, comm.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("list teams of %s: %w", comm.ID, err)
	}
	of := map[string][]string{}
	for _, t := range teams {
		for _, m := range t.Members {
			of[m] = append(of[m], t.ID)
		}
	}
	return teams, of, nil
}

// standingsIndexed is Standings from the standing index (and the search
// index for a unit or building filter or the name order: standingsFull when
// the community has none).
func (s *Reports) standingsIndexed(ctx context.Context, sc *Scope, q StandingQuery) (Standings, error) {
	comm := sc.Community
	var keys []ll.MemberKeys // at their numbers
	if q.Unit != "" || q.Building != "" || q.Sort == "name" {
		ks, ok, err := s.store.MemberKeys(ctx, comm.ID)
		if err != nil {
			return Standings{}, fmt.Errorf("member keys of %s: %w", comm.ID, err)
		}
		if !ok {
			return s.standingsFull(ctx, sc, q)
		}
		if len(ks) > 0 {
			keys = make([]ll.MemberKeys, ks[len(ks)-1].Number+1)
		}
		for _, k := range ks {
			keys[k.Number] = k
		}
	}
	unit, building := ll.IndexLower(q.Unit), ll.IndexLower(q.Building)
	loc := comm.Location()
	now := sc.Now
	year := now.In(loc).Year()
	mins := comm.MinimumsFor(year)
	out := Standings{Year: year, DaysLeft: ll.DaysLeftInYear(now, loc), Counts: map[Light]int{}}
	for _, l := range Lights {
		out.Counts[l] = 0
	}
	teams, teamsOf, err := s.teamsOf(ctx, comm)
	if err != nil {
		return Standings{}, err
	}
	out.Teams = teams
	coming, err := s.coming(ctx, comm, year, now)
	if err != nil {
		return Standings{}, err
	}
	f, err := s.store.YearFigures(ctx, comm.ID, year, time.Date(year, 1, 1, 0, 0, 0, 0, loc), q.Sort == "last") // the latest dates only to order by them
	if err != nil {
		return Standings{}, fmt.Errorf("figures of %s: %w", comm.ID, err)
	}
	out.ByMonth = f.ByMonth
	for m, n := range f.ByMethod {
		out.ByMethod.AddCount(m, n)
	}
	upcoming := make(map[int]int, len(coming)) // by member number: no id string a member
	for id, as := range coming {
		upcoming[idNum(id)] = len(as)
	}
	type pick struct {
		number, total int32
		light         int
		name          string // lowered, for the name order
		last          string // YYYY-MM-DD, "" if none
	}
	matched := make([]pick, 0, len(f.Members))
	for _, m := range f.Members {
		if !m.Active {
			continue
		}
		l := indexedLight(m.Total, upcoming[m.Number], m.Held, mins)
		out.Counts[Lights[l]]++
		out.Active++
		if q.Light != "" && Lights[l] != q.Light || q.Team != "" && !slices.Contains(teamsOf[m.ID()], q.Team) {
			continue
		}
		var k ll.MemberKeys // the zero value when not asked for, or not indexed yet
		if m.Number < len(keys) {
			k = keys[m.Number]
		}
		if q.Unit != "" && !strings.EqualFold(k.Unit, unit) || q.Building != "" && !strings.EqualFold(k.Building, building) {
			continue
		}
		matched = append(matched, pick{int32(m.Number), int32(m.Total), l, k.Name, m.Last})
	}
	from, to := min(q.Offset, len(matched)), min(len(matched), q.Offset+q.Limit)
	switch q.Sort {
	case "total":
		slices.SortStableFunc(matched, func(a, b pick) int { return int(b.total - a.total) })
	case "name":
		// Only the page's ranks are put in order (sortRange).
		sortRange(matched, from, to, func(a, b pick) int { return cmp.Or(cmp.Compare(a.name, b.name), int(a.number-b.number)) })
	case "last":
		sortRange(matched, from, to, func(a, b pick) int { return cmp.Or(cmp.Compare(b.last, a.last), int(a.number-b.number)) })
	}
	out.Matched = len(matched)
	var ids []string
	for _, p := range matched[from:to] {
		ids = append(ids, "M"+strconv.Itoa(int(p.number)))
	}
	ms, ps, cs, err := s.store.LedgerOf(ctx, comm.ID, ids)
	if err != nil {
		return Standings{}, fmt.Errorf("ledger of the overview's page of %s: %w", comm.ID, err)
	}
	byID := map[string]record.MemberRow{}
	for _, r := range record.MemberRows(record.CommunityData{Community: comm, Members: ms, Participations: ps, Claims: cs}, year, now) {
		byID[r.ID] = r
	}
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			continue // forgotten in between
		}
		ms := MemberStanding{MemberRow: r, Upcoming: len(coming[id]), Teams: teamsOf[id]}
		ms.Light = lightOf(r, ms.Upcoming, mins.PostMinimum)
		out.Members = append(out.Members, ms)
	}
	if out.Units, out.Buildings, err = s.store.FilterChoices(ctx, comm.ID, maxChoices); err != nil {
		return Standings{}, fmt.Errorf("filter choices of %s: %w", comm.ID, err)
	}
	return out, nil
}

// indexedLight is lightOf from the index's figures: the index of the light
// in Lights.
func indexedLight(total, upcoming, held int, mins ll.Minimums) int {
	switch {
	case total >= mins.Minimum && held >= mins.PostMinimum:
		return 0
	case total+upcoming >= mins.Minimum && held >= mins.PostMinimum:
		return 1
	}
	return 2
}

// standingsFull is Standings from every member and the whole ledger, a
// page at a time.
func (s *Reports) standingsFull(ctx context.Context, sc *Scope, q StandingQuery) (Standings, error) {
	comm := sc.Community
	loc := comm.Location()
	now := sc.Now
	year := now.In(loc).Year()
	mins := comm.MinimumsFor(year)
	out := Standings{Year: year, DaysLeft: ll.DaysLeftInYear(now, loc), Counts: map[Light]int{}}
	for _, l := range Lights {
		out.Counts[l] = 0
	}

	teams, err := s.store.Teams(ctx, comm.ID)
	if err != nil {
		return Standings{}, fmt.Errorf("list teams of %s: %w", comm.ID, err)
	}
	out.Teams = teams
	teamsOf := map[string][]string{}
	for _, t := range teams {
		for _, m := range t.Members {
			teamsOf[m] = append(teamsOf[m], t.ID)
		}
	}

	// Sign-ups still to come: per activity not ended, not cancelled and
	// dated in the year.
	acts, err := s.store.Activities(ctx, comm.ID)
	if err != nil {
		return Standings{}, fmt.Errorf("list activities of %s: %w", comm.ID, err)
	}
	coming := map[string][]string{} // member → activity ids
	for _, a := range acts {
		if a.Cancelled || !a.End.After(now) || a.Start.In(loc).Year() != year {
			continue
		}
		ids, err := s.store.SignedUp(ctx, comm.ID, a.ID)
		if err != nil {
			return Standings{}, fmt.Errorf("sign-ups of %s/%s: %w", comm.ID, a.ID, err)
		}
		for _, m := range ids {
			coming[m] = append(coming[m], a.ID)
		}
	}

	units, buildings := map[string]bool{}, map[string]bool{}
	unit, building := ll.IndexLower(q.Unit), ll.IndexLower(q.Building) // as standingsIndexed compares
	var matched []MemberStanding
	err = s.DataPages(ctx, sc, func(d record.CommunityData) error {
		for _, p := range d.Participations {
			if p.Voided || p.Year() != year {
				continue
			}
			if mo := monthOf(p.Date); mo > 0 {
				out.ByMonth[mo-1]++
			}
		}
		rows := record.MemberRows(d, year, now)
		out.ByMethod.Add(record.Sum(rows))
		attended := map[string]bool{} // member/activity
		for _, p := range d.Participations {
			if p.Kind == ll.KindActivity && !p.Voided {
				attended[p.Member+"/"+p.Ref] = true
			}
		}
		for _, r := range rows {
			if r.Status != ll.StatusActive {
				continue
			}
			ms := MemberStanding{MemberRow: r, Teams: teamsOf[r.ID]}
			for _, a := range coming[r.ID] {
				if !attended[r.ID+"/"+a] {
					ms.Upcoming++
				}
			}
			ms.Light = lightOf(r, ms.Upcoming, mins.PostMinimum)
			out.Counts[ms.Light]++
			out.Active++
			if r.Unit != "" && len(units) < maxChoices {
				units[r.Unit] = true
			}
			if r.Building != "" && len(buildings) < maxChoices {
				buildings[r.Building] = true
			}
			if q.Light != "" && ms.Light != q.Light || q.Unit != "" && !strings.EqualFold(ll.IndexLower(r.Unit), unit) ||
				q.Building != "" && !strings.EqualFold(ll.IndexLower(r.Building), building) || q.Team != "" && !slices.Contains(ms.Teams, q.Team) {
				continue
			}
			matched = append(matched, ms)
		}
		return nil
	})
	if err != nil {
		return Standings{}, err
	}
	out.Units, out.Buildings = sortedKeys(units), sortedKeys(buildings)
	switch q.Sort {
	case "name":
		// As standingsIndexed orders them.
		slices.SortFunc(matched, func(a, b MemberStanding) int {
			return cmp.Or(cmp.Compare(ll.IndexLower(a.Name), ll.IndexLower(b.Name)), idNum(a.ID)-idNum(b.ID))
		})
	case "total":
		slices.SortStableFunc(matched, func(a, b MemberStanding) int { return b.Total - a.Total })
	case "last":
		// As standingsIndexed orders them ("" is below every date).
		slices.SortFunc(matched, func(a, b MemberStanding) int {
			return cmp.Or(cmp.Compare(b.LastParticipation, a.LastParticipation), idNum(a.ID)-idNum(b.ID))
		})
	}
	out.Matched = len(matched)
	if q.Offset < len(matched) {
		out.Members = matched[q.Offset:min(len(matched), q.Offset+q.Limit)]
	}
	return out, nil
}

// lightOf is the light of a member's row with upcoming sign-ups to come.
func lightOf(r record.MemberRow, upcoming, postMinimum int) Light {
	switch {
	case r.Compliant:
		return LightGreen
	case r.Total+upcoming >= r.Minimum && r.Posts >= postMinimum:
		return LightAmber
	}
	return LightRed
}

// monthOf is the month (1-12) of a YYYY-MM-DD date, 0 if it is none.
func monthOf(date string) int {
	if len(date) < 7 {
		return 0
	}
	m := int(date[5]-'0')*10 + int(date[6]-'0')
	if m < 1 || m > 12 {
		return 0
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sortRange puts in a[from:to] the elements that have those places once a
// is sorted by cmp, in that order (the rest of a is left in some order):
// a quickselect that sorts only the parts overlapping [from, to), about 2n
// comparisons and the page's sort instead of n log n. cmp must be a strict
// total order (no two elements equal) for the result to be that of a
// sort.
func sortRange[E any](a []E, from, to int, cmp func(a, b E) int) {
	lo, hi := 0, len(a) // a[lo:hi] holds the ranks lo..hi-1, [from, to) within
	for hi-lo > 12 && from < to {
		if from <= lo && hi <= to {
			break
		}
		// Median of three as the pivot, moved to hi-1; Lomuto partition.
		mid := lo + (hi-lo)/2
		if cmp(a[mid], a[lo]) < 0 {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if cmp(a[hi-1], a[lo]) < 0 {
			a[hi-1], a[lo] = a[lo], a[hi-1]
		}
		if cmp(a[mid], a[hi-1]) < 0 {
			a[mid], a[hi-1] = a[hi-1], a[mid]
		}
		p := lo
		for i := lo; i < hi-1; i++ {
			if cmp(a[i], a[hi-1]) < 0 {
				a[i], a[p] = a[p], a[i]
				p++
			}
		}
		a[p], a[hi-1] = a[hi-1], a[p] // a[p] is in its place
		switch {
		case to <= p: // the page is left of the pivot
			hi = p
		case from > p: // right of it
			lo = p + 1
		default: // it spans the pivot: both sides, each only its part
			sortRange(a[lo:p], max(from-lo, 0), p-lo, cmp)
			sortRange(a[p+1:hi], 0, min(to, hi)-(p+1), cmp)
			return
		}
	}
	if from < to {
		slices.SortFunc(a[lo:hi], cmp)
	}
}
