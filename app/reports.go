package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
)

// ReportsStore is what Reports reads and writes.
type ReportsStore interface {
	// Members returns every member of the community (any status) by id order.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// CommunityLedger returns every participation and every claim (history)
	// of the community.
	CommunityLedger(ctx context.Context, community string) ([]ll.Participation, []ll.Claim, error)
	// LedgerPages calls fn with the members (any status) and their ledger a
	// page at a time, in member-number order.
	LedgerPages(ctx context.Context, community string, fn func([]ll.Member, []ll.Participation, []ll.Claim) error) error
	// Posts returns all posts of a community (open and closed) by id order.
	Posts(ctx context.Context, community string) ([]ll.Post, error)
	// Audit appends an entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
	// Teams returns all teams of a community with Members filled in, by id
	// (Standings).
	Teams(ctx context.Context, community string) ([]ll.Team, error)
	// Activities returns every activity of a community (Standings).
	Activities(ctx context.Context, community string) ([]ll.Activity, error)
	// SignedUp returns the ids of the members signed up for an activity.
	SignedUp(ctx context.Context, community, activityID string) ([]string, error)
	// YearFigures reads the current year's figures from the standing
	// index, counting the members who left at or after from.
	YearFigures(ctx context.Context, community string, year int, from time.Time, lasts bool) (ll.YearFigures, error)
	// MembersByID reads the members ids (any status) in that order,
	// leaving out an id with no member.
	MembersByID(ctx context.Context, community string, ids []string) ([]ll.Member, error)
	// MemberNames reads the ID, Status, Name and TelegramID of the
	// members ids (any status) in that order, leaving out an id with no
	// member.
	MemberNames(ctx context.Context, community string, ids []string) ([]ll.Member, error)
	// LedgerOf reads the members ids (any status) with their
	// participations and claims.
	LedgerOf(ctx context.Context, community string, ids []string) ([]ll.Member, []ll.Participation, []ll.Claim, error)
	// SignedUpNotAttended maps each activity of ids to the members signed
	// up for it who have no participation in it that counts.
	SignedUpNotAttended(ctx context.Context, community string, ids []string) (map[string][]string, error)
	// FilterChoices are the units and buildings of the active members, at
	// most n of each, sorted.
	FilterChoices(ctx context.Context, community string, n int) (units, buildings []string, err error)
	// MemberKeys reads every active member's number, name, unit and
	// building, lowered (ll.IndexLower), by number, from the search index;
	// ok is false when the community has none (a small one).
	MemberKeys(ctx context.Context, community string) (keys []ll.MemberKeys, ok bool, err error)
}

// Reports are the year's figures of a community (SPEC sections 3, 6 and 7):
// the committee's report, the ledger export and the public notice (公示),
// and the district's compliance overview. They count every member who was
// active at any time in the year, including those who have since moved away
// or been forgotten (package record decides who and how). Reports gives the
// data and writes the audit entries; front ends draw and word it.
type Reports struct {
	store ReportsStore
}

// ParseYear reads a typed year (2026, 2026年): the year of now (the
// current time in the community's zone) when empty, else 2000 to that year.
// Errors: EINVALID Field "year".
func ParseYear(typed string, now time.Time) (int, error) {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return now.Year(), nil
	}
	y, err := strconv.Atoi(strings.TrimSuffix(typed, "年"))
	if err != nil || y < 2000 || y > now.Year() {
		return 0, ll.Invalid("year", "not a year")
	}
	return y, nil
}

// Year is one community's figures for one year.
type Year struct {
	Year int
	// Data is what the figures are drawn from (for a chart).
	Data record.CommunityData
	// Members are the members' rows (record.MemberRows), by member id.
	Members []record.MemberRow
	// Compliant counts the compliant rows of Members.
	Compliant int
}

// year reads the typed year and gathers the scope community's figures.
func (s *Reports) year(ctx context.Context, sc *Scope, typed string) (Year, error) {
	y, err := ParseYear(typed, sc.Now.In(sc.Community.Location()))
	if err != nil {
		return Year{}, err
	}
	return s.figures(ctx, sc.Community, y, sc.Now)
}

// figures gathers the figures of comm for year as of now.
func (s *Reports) figures(ctx context.Context, comm ll.Community, year int, now time.Time) (Year, error) {
	members, err := s.store.Members(ctx, comm.ID)
	if err != nil {
		return Year{}, fmt.Errorf("list members of %s: %w", comm.ID, err)
	}
	ps, claims, err := s.store.CommunityLedger(ctx, comm.ID)
	if err != nil {
		return Year{}, fmt.Errorf("ledger of %s: %w", comm.ID, err)
	}
	d := record.CommunityData{Community: comm, Members: members, Participations: ps, Claims: claims}
	y := Year{Year: year, Data: d, Members: record.MemberRows(d, year, now)}
	for _, r := range y.Members {
		if r.Compliant {
			y.Compliant++
		}
	}
	return y, nil
}

// Report is the committee's view of a year: the figures, who is below the
// minimum, the posts filled, the members the bot cannot reach and how the
// year's participations were verified.
type Report struct {
	Year int
	// Summary is what the chart draws: the members counted in the year
	// (active at any time in it), the compliant ones, and the
	// participations by month.
	Summary record.Summary
	// Below are the rows below the participation minimum, by member id,
	// whatever the member's status now. Their ByMethod, Strong,
	// Activities, Services, LastParticipation, Unit, Building and Joined
	// are filled only when there are at most ReportNames of them (the
	// message lists those; more go to a file of ids, names, totals and
	// statuses).
	Below []record.MemberRow
	// OpenPosts counts the posts not closed; FilledPosts those of them
	// held by someone.
	OpenPosts, FilledPosts int
	// Unreachable are the first ReportNames active members the bot
	// cannot message, by number; UnreachableCount counts them all.
	Unreachable      []ll.Member
	UnreachableCount int
	// ByMethod breaks the year's participations down by method (SPEC
	// section 9).
	ByMethod record.Breakdown
}

// ReportNames is how many members below the minimum a Report gives in full
// (with their methods), and how many unreachable members it names.
const ReportNames = 10

// Report gathers the scope community's report for the typed year (as
// ParseYear reads it). It changes nothing and writes no audit entry.
//
// The current year comes from the standing index (YearFigures: one round
// trip whatever the size, SPEC section 13), then only the members it names:
// those below the minimum (their ledger too when at most ReportNames) and
// the first ReportNames unreachable. Its figures are those of the full
// computation (record.MemberRows over every member and the whole ledger),
// except that the by-method breakdown counts the year's participations of
// every member, where the full one leaves out a member not counted in the
// year (one who left before it began cannot take part in it, so they agree
// whenever the ledger was written by the product). A past year reads the
// whole community, as before: the index does not keep who was a member
// then or the posts held at its end; it is a batch, rarely asked for.
// Errors: EINVALID Field "year"; the store's.
func (s *Reports) Report(ctx context.Context, sc *Scope, year string) (Report, error) {
	comm := sc.Community
	loc := comm.Location()
	y, err := ParseYear(year, sc.Now.In(loc))
	if err != nil {
		return Report{}, err
	}
	var rep Report
	if y == sc.Now.In(loc).Year() {
		rep, err = s.indexedReport(ctx, comm, y, sc.Now)
	} else {
		rep, err = s.fullReport(ctx, comm, y, sc.Now)
	}
	if err != nil {
		return Report{}, err
	}
	posts, err := s.store.Posts(ctx, comm.ID)
	if err != nil {
		return Report{}, fmt.Errorf("list posts of %s: %w", comm.ID, err)
	}
	for _, p := range posts {
		if !p.Closed {
			rep.OpenPosts++
			if p.Claims > 0 {
				rep.FilledPosts++
			}
		}
	}
	return rep, nil
}

// fullReport is Report's figures of comm's year from every member and the
// whole ledger (a past year).
func (s *Reports) fullReport(ctx context.Context, comm ll.Community, year int, now time.Time) (Report, error) {
	y, err := s.figures(ctx, comm, year, now)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Year: year, Summary: record.Summarize(y.Data, year, now), ByMethod: record.Sum(y.Members)}
	for _, r := range y.Members {
		if r.Total < r.Minimum {
			rep.Below = append(rep.Below, r)
		}
	}
	for _, m := range y.Data.Members {
		if m.Active() && m.Unreachable {
			if len(rep.Unreachable) < ReportNames {
				rep.Unreachable = append(rep.Unreachable, m)
			}
			rep.UnreachableCount++
		}
	}
	return rep, nil
}

// indexedReport is Report's figures of comm's current year from the
// standing index and the members it names.
func (s *Reports) indexedReport(ctx context.Context, comm ll.Community, year int, now time.Time) (Report, error) {
	loc := comm.Location()
	f, err := s.store.YearFigures(ctx, comm.ID, year, time.Date(year, 1, 1, 0, 0, 0, 0, loc), false)
	if err != nil {
		return Report{}, fmt.Errorf("figures of %s: %w", comm.ID, err)
	}
	mins := comm.MinimumsFor(year)
	rep := Report{Year: year, Summary: record.Summary{Community: comm, Year: year, ByMonth: f.ByMonth, Members: len(f.Members)},
		UnreachableCount: len(f.Unreachable)}
	for m, n := range f.ByMethod {
		rep.ByMethod.AddCount(m, n)
	}
	var below []string
	totals := map[string]ll.IndexedMember{}
	for _, m := range f.Members {
		if m.Total >= mins.Minimum && m.Held >= mins.PostMinimum {
			rep.Summary.Compliant++
		}
		if m.Total < mins.Minimum {
			below = append(below, m.ID())
			totals[m.ID()] = m
		}
	}
	if len(below) <= ReportNames {
		ms, ps, cs, err := s.store.LedgerOf(ctx, comm.ID, below)
		if err != nil {
			return Report{}, fmt.Errorf("ledger of those below the minimum in %s: %w", comm.ID, err)
		}
		rep.Below = record.MemberRows(record.CommunityData{Community: comm, Members: ms, Participations: ps, Claims: cs}, year, now)
	} else {
		ms, err := s.store.MemberNames(ctx, comm.ID, below)
		if err != nil {
			return Report{}, fmt.Errorf("members below the minimum in %s: %w", comm.ID, err)
		}
		rep.Below = make([]record.MemberRow, 0, len(ms))
		for _, m := range ms {
			x := totals[m.ID]
			rep.Below = append(rep.Below, record.IndexedRow(comm, m, x.Total, x.Held, mins))
		}
	}
	ids := make([]string, 0, ReportNames)
	for _, n := range f.Unreachable[:min(len(f.Unreachable), ReportNames)] {
		ids = append(ids, "M"+strconv.Itoa(n))
	}
	if rep.Unreachable, err = s.store.MembersByID(ctx, comm.ID, ids); err != nil {
		return Report{}, fmt.Errorf("unreachable members of %s: %w", comm.ID, err)
	}
	return rep, nil
}

// Export is the year's ledger as the members and ledger sheets.
type Export struct {
	Year    int
	Members []record.MemberRow
	Ledger  []record.LedgerRow
}

// Export gathers the scope community's export for the typed year and hands
// it to write (which draws and keeps the file); once write succeeded it is
// audited as "export <year>" with the row counts, and the export may go out
// only then. Errors: EINVALID Field "year"; write's; the store's (the audit
// entry included: the export does not go ahead without it).
func (s *Reports) Export(ctx context.Context, sc *Scope, year string, write func(Export) error) (Export, error) {
	y, err := s.year(ctx, sc, year)
	if err != nil {
		return Export{}, err
	}
	ex := Export{Year: y.Year, Members: y.Members, Ledger: record.LedgerRows(y.Data, y.Year)}
	if err := write(ex); err != nil {
		return Export{}, err
	}
	detail := fmt.Sprintf("%d members, %d entries", len(ex.Members), len(ex.Ledger))
	if err := s.audit(ctx, sc.Audit("export", strconv.Itoa(y.Year), detail)); err != nil {
		return Export{}, err
	}
	return ex, nil
}

// Notice is the public notice (公示) of a year: each member's
// participations and the posts they held, for the community's notice chat.
type Notice struct {
	Year
	// Chat is the community's notice chat.
	Chat int64
	// At is the instant posts are counted at: the year's end, or now for
	// the current year.
	At time.Time
	// Held maps each member id to the posts they held at At, by id.
	Held map[string][]string
	// Posts are all posts of the community (to name those held).
	Posts []ll.Post
}

// Notice gathers the scope community's public notice for the typed year and
// hands it to post, which words it and says in how many messages it goes
// out; it is then audited as "notice <year>" (members, chat, messages), and
// the messages may go out only then. Errors: EINVALID Field "notice" (no
// notice chat is set); EINVALID Field "year"; post's; the store's (the
// audit entry included).
func (s *Reports) Notice(ctx context.Context, sc *Scope, year string, post func(Notice) (messages int, err error)) (Notice, error) {
	comm := sc.Community
	if comm.NoticeChat == 0 {
		return Notice{}, ll.Invalid("notice", "no notice chat is set")
	}
	y, err := s.year(ctx, sc, year)
	if err != nil {
		return Notice{}, err
	}
	posts, err := s.store.Posts(ctx, comm.ID)
	if err != nil {
		return Notice{}, fmt.Errorf("list posts of %s: %w", comm.ID, err)
	}
	at := ll.YearEnd(y.Year, comm.Location())
	if sc.Now.Before(at) {
		at = sc.Now
	}
	n := Notice{Year: y, Chat: comm.NoticeChat, At: at, Held: heldAt(y.Data.Claims, at), Posts: posts}
	messages, err := post(n)
	if err != nil {
		return Notice{}, err
	}
	detail := fmt.Sprintf("%d members to chat %d in %d message(s)", len(y.Members), comm.NoticeChat, messages)
	if err := s.audit(ctx, sc.Audit("notice", strconv.Itoa(y.Year), detail)); err != nil {
		return Notice{}, err
	}
	return n, nil
}

// Compliance is one community's compliance this year, for the district.
type Compliance struct {
	Year      int // the current year in the community's zone
	Compliant int
	Total     int // members active at some time this year
}

// Compliance counts comm's members active this year (in its zone, as of
// a.Now) and those compliant, for the district overview, from the standing
// index (one round trip; the figures of Report). Errors: EFORBIDDEN
// ReasonAdminOnly (a district admin's view); the store's.
func (s *Reports) Compliance(ctx context.Context, a Actor, comm ll.Community) (Compliance, error) {
	if !a.Admin {
		return Compliance{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	loc := comm.Location()
	year := a.Now.In(loc).Year()
	f, err := s.store.YearFigures(ctx, comm.ID, year, time.Date(year, 1, 1, 0, 0, 0, 0, loc), false)
	if err != nil {
		return Compliance{}, fmt.Errorf("figures of %s: %w", comm.ID, err)
	}
	mins := comm.MinimumsFor(year)
	out := Compliance{Year: year, Total: len(f.Members)}
	for _, m := range f.Members {
		if m.Total >= mins.Minimum && m.Held >= mins.PostMinimum {
			out.Compliant++
		}
	}
	return out, nil
}

// audit writes the entry of an action that changes nothing in storage (an
// export, a notice).
func (s *Reports) audit(ctx context.Context, e *ll.AuditEntry) error {
	if err := s.store.Audit(ctx, *e); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// heldAt maps each member to the posts they held at instant t, in id order.
func heldAt(claims []ll.Claim, t time.Time) map[string][]string {
	out := map[string][]string{}
	for _, cl := range claims {
		if cl.Claimed.After(t) || !(cl.Released.IsZero() || cl.Released.After(t)) {
			continue
		}
		if !slices.Contains(out[cl.Member], cl.Post) {
			out[cl.Member] = append(out[cl.Member], cl.Post)
		}
	}
	for _, ids := range out {
		slices.SortFunc(ids, compareShortIDs)
	}
	return out
}

// compareShortIDs orders short ids by number: P2 before P10.
func compareShortIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// Data is the scope community's members and ledger as stored, for a front
// end that draws an export of its own (the command line's, which may span
// every community).
func (s *Reports) Data(ctx context.Context, sc *Scope) (record.CommunityData, error) {
	members, err := s.store.Members(ctx, sc.Community.ID)
	if err != nil {
		return record.CommunityData{}, fmt.Errorf("list members of %s: %w", sc.Community.ID, err)
	}
	ps, claims, err := s.store.CommunityLedger(ctx, sc.Community.ID)
	if err != nil {
		return record.CommunityData{}, fmt.Errorf("read the ledger of %s: %w", sc.Community.ID, err)
	}
	return record.CommunityData{Community: sc.Community, Members: members, Participations: ps, Claims: claims}, nil
}

// DataPages calls fn with the scope community's data a page of members at a
// time (each with those members' ledger only), in member-number order, for
// an export that writes one row per member and must not hold a community of
// 100,000 at once; an error from fn stops it and is returned.
func (s *Reports) DataPages(ctx context.Context, sc *Scope, fn func(record.CommunityData) error) error {
	return s.store.LedgerPages(ctx, sc.Community.ID, func(ms []ll.Member, ps []ll.Participation, cs []ll.Claim) error {
		return fn(record.CommunityData{Community: sc.Community, Members: ms, Participations: ps, Claims: cs})
	})
}

// Exported audits that the scope community's year was exported from Data
// ("export <year>" with detail: what, how many rows, where).
func (s *Reports) Exported(ctx context.Context, sc *Scope, year int, detail string) error {
	return s.audit(ctx, sc.Audit("export", strconv.Itoa(year), detail))
}
