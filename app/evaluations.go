package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
)

// EvaluationsStore is what Evaluations reads and writes.
type EvaluationsStore interface {
	// SetGrade stores a member's grade for its year, audited in the same
	// step; changed false when it had that grade and comment already.
	SetGrade(ctx context.Context, g ll.Grade, audit *ll.AuditEntry) (ll.Grade, bool, error)
	// Grade returns a member's grade for a year; ok false when none.
	Grade(ctx context.Context, community, member string, year int) (ll.Grade, bool, error)
	// Grades returns every grade of a community's year, by member id.
	Grades(ctx context.Context, community string, year int) (map[string]ll.Grade, error)
	// MarkGradesSent records grades sent at the versions given, audited.
	MarkGradesSent(ctx context.Context, community string, year int, versions map[string]int, now time.Time, audit *ll.AuditEntry) (int, error)
	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
	// MemberByTelegram returns the community's member with that Telegram id.
	MemberByTelegram(ctx context.Context, community string, tg int64) (ll.Member, error)
	// Members returns every member of the community (any status) by id order.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// CommunityLedger returns every participation and claim of the community.
	CommunityLedger(ctx context.Context, community string) ([]ll.Participation, []ll.Claim, error)
	// Card reads a member's card in one step.
	Card(ctx context.Context, community, memberID string) (ll.Card, error)
	// Unit returns one unit; ErrNotFound if unknown.
	Unit(ctx context.Context, id string) (ll.Unit, error)
	// User returns what is known about a Telegram user.
	User(ctx context.Context, tg int64) (ll.User, error)
	// Enqueue stores messages in the outbox, idempotent by message id.
	Enqueue(ctx context.Context, msgs ...ll.OutMessage) (int, error)
}

// Evaluations is the year-end evaluation (社区评价, SPEC section 11): the
// secretary grades the members of a year, and the grades go to the units'
// liaisons and to each member through the outbox.
//
// Decision (the specification is silent on who grades): the secretary of
// the community or a district admin (Scope.CanAppoint), the same people who
// appoint roles: a grade goes to the member's employer, so one accountable
// person sets it; deputies and committee members are refused with
// ReasonSecretaryOnly. Grading opens on the community's EvalFrom day of the
// year (1 December unless /settings evalfrom says otherwise) and stays open
// afterwards (a past year may still be graded); a grade can change at any
// time, and a change after sending is sent again as a correction.
type Evaluations struct {
	store  EvaluationsStore
	access *Access
}

func init() {
	for _, k := range []string{"evalfrom", "eval_from", "eval-from"} {
		settingAliases[k] = SettingEvalFrom
	}
}

// mayGrade refuses anyone but the secretary or an admin, and a year whose
// evaluation has not opened.
func mayGrade(sc *Scope, year int) error {
	if !sc.CanAppoint() {
		return ll.Refuse(ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	}
	if sc.Now.Before(sc.Community.EvalOpens(year)) {
		return ll.Refuse(ll.ECONFLICT, ll.ReasonEvalClosed)
	}
	return nil
}

// Year reads the year an evaluation command names ("" for the current year
// in the community's zone). EINVALID (Field "year") otherwise.
func (s *Evaluations) Year(sc *Scope, typed string) (int, error) {
	return ParseYear(typed, sc.Now.In(sc.Community.Location()))
}

// activeIn reports whether m was a member at some time in year, in loc.
func activeIn(m ll.Member, year int, loc *time.Location) bool {
	start := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	end := ll.YearEnd(year, loc)
	if !m.Joined.IsZero() && m.Joined.After(end) {
		return false
	}
	return m.Left.IsZero() || !m.Left.Before(start)
}

// resolve finds a member of the scope's community as Members.Resolve does.
func (s *Evaluations) resolve(ctx context.Context, sc *Scope, ref string) (ll.Member, error) {
	ref = strings.TrimSpace(ref)
	if id := ll.NormalizeID('M', ref); id != "" {
		return s.store.Member(ctx, sc.Community.ID, id)
	}
	if tg, err := strconv.ParseInt(ref, 10, 64); err == nil && tg > 0 {
		return s.store.MemberByTelegram(ctx, sc.Community.ID, tg)
	}
	return ll.Member{}, ll.Invalid("member", "not a member id")
}

// Proposal is one member of the guided evaluation: their year, the grade
// the ledger proposes and the grade they have, if any.
type Proposal struct {
	Year     int
	Member   ll.Member
	Standing ll.Standing
	Strong   int
	Proposed string    // lamplighter.ProposeGrade of the standing
	Current  *ll.Grade // nil when not graded yet
}

// Propose reads the member ref of the scope's community for grading year.
// Errors: mayGrade's; Resolve's; ECONFLICT ReasonNotInYear for a member who
// was not a member in that year or was forgotten.
func (s *Evaluations) Propose(ctx context.Context, sc *Scope, ref string, year int) (Proposal, error) {
	if err := mayGrade(sc, year); err != nil {
		return Proposal{}, err
	}
	m, err := s.resolve(ctx, sc, ref)
	if err != nil {
		return Proposal{}, err
	}
	if m.Status == ll.StatusForgotten || !activeIn(m, year, sc.Community.Location()) {
		return Proposal{}, ll.Refuse(ll.ECONFLICT, ll.ReasonNotInYear)
	}
	return s.proposal(ctx, sc, m, year)
}

func (s *Evaluations) proposal(ctx context.Context, sc *Scope, m ll.Member, year int) (Proposal, error) {
	cd, err := s.store.Card(ctx, sc.Community.ID, m.ID)
	if err != nil {
		return Proposal{}, err
	}
	loc := sc.Community.Location()
	posts := len(cd.Posts)
	if year < sc.Now.In(loc).Year() {
		posts = ll.PostsHeldAt(cd.Claims, ll.YearEnd(year, loc))
	}
	st := ll.ComputeStanding(cd.Participations, year, posts, sc.Community)
	p := Proposal{Year: year, Member: m, Standing: st, Strong: record.CountMethods(cd.Participations, year).Strong(), Proposed: ll.ProposeGrade(st)}
	g, ok, err := s.store.Grade(ctx, sc.Community.ID, m.ID, year)
	if err != nil {
		return Proposal{}, err
	}
	if ok {
		p.Current = &g
	}
	return p, nil
}

// maxWalkGap is how many missing member numbers end the walk (member ids
// are allocated one after the other and never deleted, so the first gap is
// the end; a few more are read in case of an import in flight).
const maxWalkGap = 3

// Next is the member after the member id after ("" for the first) in id
// order who was a member in year and not forgotten, with their proposal:
// the next step of /evaluate. ok is false at the end. It reads members one
// by one from after, never the whole community. Errors: mayGrade's.
func (s *Evaluations) Next(ctx context.Context, sc *Scope, year int, after string) (p Proposal, ok bool, err error) {
	if err := mayGrade(sc, year); err != nil {
		return Proposal{}, false, err
	}
	n := 0
	if after != "" {
		if id := ll.NormalizeID('M', after); id != "" {
			n, _ = strconv.Atoi(id[1:])
		}
	}
	loc := sc.Community.Location()
	for gap := 0; gap < maxWalkGap; {
		n++
		m, err := s.store.Member(ctx, sc.Community.ID, "M"+strconv.Itoa(n))
		if errors.Is(err, ll.ErrNotFound) {
			gap++
			continue
		}
		if err != nil {
			return Proposal{}, false, err
		}
		gap = 0
		if m.Status == ll.StatusForgotten || !activeIn(m, year, loc) {
			continue
		}
		p, err := s.proposal(ctx, sc, m, year)
		return p, err == nil, err
	}
	return Proposal{}, false, nil
}

// SetGrade grades the member ref for year: grade as typed (excellent, good,
// fair, poor or 优秀, 合格, 基本合格, 不合格) and an optional one-line
// comment. changed is false when the member already had that grade and
// comment. Errors: mayGrade's; Propose's; EINVALID (Field "grade" or
// "comment"). Audited as "grade <member>" with the year, grade and comment
// in the same store step.
func (s *Evaluations) SetGrade(ctx context.Context, sc *Scope, ref string, year int, grade, comment string) (ll.Grade, bool, error) {
	if err := mayGrade(sc, year); err != nil {
		return ll.Grade{}, false, err
	}
	v, err := ll.ParseGrade(grade)
	if err != nil {
		return ll.Grade{}, false, err
	}
	comment = strings.TrimSpace(comment)
	if err := ll.CheckLine("comment", comment, ll.MaxGradeComment, false); err != nil {
		return ll.Grade{}, false, err
	}
	m, err := s.resolve(ctx, sc, ref)
	if err != nil {
		return ll.Grade{}, false, err
	}
	if m.Status == ll.StatusForgotten || !activeIn(m, year, sc.Community.Location()) {
		return ll.Grade{}, false, ll.Refuse(ll.ECONFLICT, ll.ReasonNotInYear)
	}
	g := ll.Grade{Community: sc.Community.ID, MemberID: m.ID, Year: year, Value: v, Comment: comment, By: sc.Actor, At: sc.Now}
	detail := fmt.Sprintf("%d %s", year, v)
	if comment != "" {
		detail += ": " + comment
	}
	return s.store.SetGrade(ctx, g, sc.Audit("grade", m.ID, truncate(detail, 200)))
}

// Grade is the read the verifiable statement uses (SPEC section 11): the
// member's grade for year in community, ok false when there is none. The
// grade carries Value, Comment, At (when it was set), By and Version (which
// goes up at every change, so a statement that recorded the version it
// showed can tell that it was superseded). Anyone may read it: the caller
// decides what to show. One store round trip.
func (s *Evaluations) Grade(ctx context.Context, community, memberID string, year int) (ll.Grade, bool, error) {
	return s.store.Grade(ctx, community, memberID, year)
}

// UnitGrades is one unit's share of a send: the rows of its members whose
// grades go out now (member_id is the M id), those that correct a grade
// sent before marked in Corrections.
type UnitGrades struct {
	Unit        ll.Unit
	Community   ll.Community
	Year        int
	Rows        []record.EvaluationRow
	Corrections map[string]bool // member id -> the row corrects an earlier grade
}

// MemberGrade is one member's own grade as sent to them.
type MemberGrade struct {
	Community  ll.Community
	Member     ll.Member
	Grade      ll.Grade
	Correction bool
}

// EvaluationWords words what a send queues: the handlers implement it.
type EvaluationWords interface {
	// UnitGrades is the message (a summary and an XLSX file) to a liaison.
	UnitGrades(lang string, u UnitGrades) (ll.Reply, error)
	// MemberGrade is the message to a member about their own grade.
	MemberGrade(lang string, g MemberGrade) ll.Reply
}

// SendResult counts what a send queued.
type SendResult struct {
	Year        int
	Grades      int // grades sent (first sends and corrections)
	Corrections int
	Units       int // units told
	Liaisons    int // messages to liaisons
	Members     int // messages to members
	NoUnit      int // graded members without a unit (or whose unit has no liaison)
	NoChat      int // graded members the bot cannot write to (no Telegram id)
	// Messages are the messages queued (a front end without a sender, the
	// terminal demo, shows them).
	Messages []ll.OutMessage
}

// Send queues, through the outbox, every grade of year not sent yet (only
// that of member only, when set): to each liaison of the member's unit a
// summary and the XLSX of the unit's rows, and to each member their own
// grade; a grade changed after it was sent goes again as a correction.
// Message ids name the grades' versions, so a send repeated after a
// failure queues nothing twice; the grades are then marked sent (audited
// as "evaluations send"). Errors: mayGrade's.
func (s *Evaluations) Send(ctx context.Context, sc *Scope, year int, only string, w EvaluationWords) (SendResult, error) {
	res := SendResult{Year: year}
	if err := mayGrade(sc, year); err != nil {
		return res, err
	}
	comm := sc.Community
	grades, err := s.store.Grades(ctx, comm.ID, year)
	if err != nil {
		return res, err
	}
	pending := map[string]ll.Grade{}
	for id, g := range grades {
		if g.Unsent() && (only == "" || id == only) {
			pending[id] = g
		}
	}
	if len(pending) == 0 {
		return res, nil
	}
	members, err := s.store.Members(ctx, comm.ID)
	if err != nil {
		return res, err
	}
	ps, claims, err := s.store.CommunityLedger(ctx, comm.ID)
	if err != nil {
		return res, err
	}
	d := record.CommunityData{Community: comm, Members: members, Participations: ps, Claims: claims}
	rows := record.EvaluationRows(d, year, sc.Now, pending, true)
	byID := map[string]ll.Member{}
	for _, m := range members {
		byID[m.ID] = m
	}
	var msgs []ll.OutMessage
	lang := func(tg int64, own string) string {
		if ll.ValidLanguage(own) {
			return own
		}
		if u, err := s.store.User(ctx, tg); err == nil && ll.ValidLanguage(u.Language) {
			return u.Language
		}
		return comm.Language
	}
	byUnit := map[string][]record.EvaluationRow{}
	for _, r := range rows {
		if r.UnitID == "" {
			res.NoUnit++
			continue
		}
		byUnit[r.UnitID] = append(byUnit[r.UnitID], r)
	}
	units := make([]string, 0, len(byUnit))
	for u := range byUnit {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, uid := range units {
		u, err := s.store.Unit(ctx, uid)
		if errors.Is(err, ll.ErrNotFound) || (err == nil && len(u.Liaisons) == 0) {
			res.NoUnit += len(byUnit[uid])
			continue
		}
		if err != nil {
			return res, err
		}
		ug := UnitGrades{Unit: u, Community: comm, Year: year, Rows: byUnit[uid], Corrections: map[string]bool{}}
		h := sha256.New()
		for _, r := range ug.Rows {
			g := pending[r.ID]
			fmt.Fprintf(h, "%s:%d;", r.ID, g.Version)
			if g.Correction() {
				ug.Corrections[r.ID] = true
			}
		}
		digest := hex.EncodeToString(h.Sum(nil))[:12]
		res.Units++
		for _, tg := range u.Liaisons {
			l := lang(tg, "")
			reply, err := w.UnitGrades(l, ug)
			if err != nil {
				return res, fmt.Errorf("word the grades of %s for %s: %w", comm.ID, uid, err)
			}
			msgs = append(msgs, ll.OutMessage{ID: fmt.Sprintf("ev:%s:%d:%s:%d:%s", comm.ID, year, uid, tg, digest),
				ChatID: tg, Kind: ll.OutDirect, Community: comm.ID, Lang: l, Reply: reply})
			res.Liaisons++
		}
	}
	ids := make([]string, 0, len(pending))
	for id := range pending {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareShortIDs)
	versions := map[string]int{}
	for _, id := range ids {
		g := pending[id]
		versions[id] = g.Version
		res.Grades++
		if g.Correction() {
			res.Corrections++
		}
		m, ok := byID[id]
		if !ok || m.TelegramID == 0 || m.Status == ll.StatusForgotten {
			res.NoChat++
			continue
		}
		l := lang(m.TelegramID, m.Language)
		msgs = append(msgs, ll.OutMessage{ID: fmt.Sprintf("evm:%s:%d:%s:%d", comm.ID, year, id, g.Version),
			ChatID: m.TelegramID, Kind: ll.OutDirect, Community: comm.ID, Member: id, Lang: l,
			Reply: w.MemberGrade(l, MemberGrade{Community: comm, Member: m, Grade: g, Correction: g.Correction()})})
		res.Members++
	}
	if len(msgs) > 0 {
		if _, err := s.store.Enqueue(ctx, msgs...); err != nil {
			return res, err
		}
		res.Messages = msgs
	}
	detail := fmt.Sprintf("%d grades (%d corrections) to %d units and %d members", res.Grades, res.Corrections, res.Units, res.Members)
	if _, err := s.store.MarkGradesSent(ctx, comm.ID, year, versions, sc.Now, sc.Audit("evaluations send", strconv.Itoa(year), detail)); err != nil {
		return res, err
	}
	return res, nil
}

// Export is the evaluations export of the scope's community for year
// (lamplighter export --kind evaluations): one row per graded member, the
// member_id column as the other exports write it.
func (s *Evaluations) Export(ctx context.Context, sc *Scope, year int) ([]record.EvaluationRow, error) {
	grades, err := s.store.Grades(ctx, sc.Community.ID, year)
	if err != nil {
		return nil, err
	}
	members, err := s.store.Members(ctx, sc.Community.ID)
	if err != nil {
		return nil, err
	}
	ps, claims, err := s.store.CommunityLedger(ctx, sc.Community.ID)
	if err != nil {
		return nil, err
	}
	d := record.CommunityData{Community: sc.Community, Members: members, Participations: ps, Claims: claims}
	return record.EvaluationRows(d, year, sc.Now, grades, false), nil
}
