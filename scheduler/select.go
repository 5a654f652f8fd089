package scheduler

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// maxSuggestions is how many activities or posts a reminder offers.
const maxSuggestions = 5

// Snapshot is what one community's reminders are chosen from. The
// selection works on it alone, in memory, so that it is fast (100,000
// members in well under a second) and testable without Redis.
type Snapshot struct {
	Community      ll.Community
	Members        []ll.Member
	Participations []ll.Participation
	Claims         []ll.Claim
	// Upcoming are the activities not cancelled that start after now,
	// soonest first; SignedUp has the members signed up for each.
	Upcoming  []ll.Activity
	SignedUp  map[string][]string
	OpenPosts []ll.Post // open and not full
	Pending   int       // service records awaiting approval
}

// recipient reports whether a member can be sent a reminder.
func recipient(m *ll.Member) bool { return m.Active() && m.TelegramID != 0 && !m.Unreachable }

// Standings returns the standing of every active member for the calendar
// year of now in the community's zone, posts held counted at now. It
// applies ll.ComputeStanding's rules (non-voided participations dated in
// the year; compliant with enough of both) in one pass over the ledger, so
// that 100,000 members take a fraction of a second; a test holds it to
// ComputeStanding.
func (sn *Snapshot) Standings(now time.Time) map[string]ll.Standing {
	st, active := sn.standings(now)
	out := make(map[string]ll.Standing, len(st))
	for i := range st {
		if active[i] {
			out[sn.Members[i].ID] = st[i]
		}
	}
	return out
}

// standings is Standings by position in sn.Members; active tells which
// positions hold an active member.
func (sn *Snapshot) standings(now time.Time) (st []ll.Standing, active []bool) {
	c := sn.Community
	year := now.In(c.Location()).Year()
	mins := c.MinimumsFor(year)
	prefix := strconv.Itoa(year) + "-"
	index := make(map[string]int, len(sn.Members))
	st = make([]ll.Standing, len(sn.Members))
	active = make([]bool, len(sn.Members))
	for i := range sn.Members {
		if sn.Members[i].Active() {
			index[sn.Members[i].ID] = i
			active[i] = true
			st[i] = ll.Standing{Year: year, Minimum: mins.Minimum, PostMinimum: mins.PostMinimum}
		}
	}
	for i := range sn.Participations {
		p := &sn.Participations[i]
		if p.Voided || len(p.Date) != len("2006-01-02") || p.Date[:len(prefix)] != prefix {
			continue
		}
		j, ok := index[p.Member]
		if !ok {
			continue
		}
		if p.Kind == ll.KindService || p.Kind == ll.KindNeed {
			st[j].Services++
		} else {
			st[j].Activities++
		}
		if p.Date > st[j].Last {
			st[j].Last = p.Date
		}
	}
	// A member holds a post at most once at a time (the store keeps one
	// hold per member and post), so the holds at now count the posts.
	for i := range sn.Claims {
		cl := &sn.Claims[i]
		if cl.Claimed.After(now) || !cl.Released.IsZero() && !cl.Released.After(now) {
			continue
		}
		if j, ok := index[cl.Member]; ok {
			st[j].Posts++
		}
	}
	for i := range st {
		s := &st[i]
		s.Total = s.Activities + s.Services
		s.Compliant = s.Total >= s.Minimum && s.Posts >= s.PostMinimum
	}
	return st, active
}

// pick returns the members for which keep holds, with their standing, in
// member order.
func (sn *Snapshot) pick(now time.Time, keep func(m *ll.Member, s *ll.Standing) bool) []ll.MemberStanding {
	st, active := sn.standings(now)
	n := 0
	for i := range st {
		if active[i] && keep(&sn.Members[i], &st[i]) {
			n++
		}
	}
	out := make([]ll.MemberStanding, 0, n)
	for i := range st {
		if active[i] && keep(&sn.Members[i], &st[i]) {
			out = append(out, ll.MemberStanding{Member: sn.Members[i], Standing: st[i]})
		}
	}
	return out
}

// minimums are the community's minimums of the year of now.
func (sn *Snapshot) minimums(now time.Time) ll.Minimums {
	return sn.Community.MinimumsFor(now.In(sn.Community.Location()).Year())
}

// BelowMinimum returns the members to remind that they are below the
// year's participation minimum: active, reachable, fewer participations
// than the minimum. In member order.
func (sn *Snapshot) BelowMinimum(now time.Time) []ll.MemberStanding {
	if sn.minimums(now).Minimum <= 0 {
		return nil
	}
	return sn.pick(now, func(m *ll.Member, s *ll.Standing) bool { return recipient(m) && s.Total < s.Minimum })
}

// NoPost returns the members to remind that they hold fewer posts than the
// post minimum: active and reachable.
func (sn *Snapshot) NoPost(now time.Time) []ll.MemberStanding {
	if sn.minimums(now).PostMinimum <= 0 {
		return nil
	}
	return sn.pick(now, func(m *ll.Member, s *ll.Standing) bool { return recipient(m) && s.Posts < s.PostMinimum })
}

// Below returns every active member below the participation minimum,
// reachable or not, fewest participations first: the year-end escalation.
func (sn *Snapshot) Below(now time.Time) []ll.MemberStanding {
	out := sn.pick(now, func(_ *ll.Member, s *ll.Standing) bool { return s.Total < s.Minimum })
	slices.SortStableFunc(out, func(a, b ll.MemberStanding) int { return cmp.Compare(a.Standing.Total, b.Standing.Total) })
	return out
}

// Digest sums up the community for its committee at now; since starts the
// period whose new members it lists.
func (sn *Snapshot) Digest(now, since time.Time) ll.Digest {
	st, active := sn.standings(now)
	d := ll.Digest{Community: sn.Community, Since: since, Year: now.In(sn.Community.Location()).Year(), Pending: sn.Pending}
	for i := range sn.Members {
		m := &sn.Members[i]
		if !active[i] {
			continue
		}
		d.Active++
		s := st[i]
		if s.Compliant {
			d.Compliant++
		}
		if s.Total < s.Minimum {
			d.Below++
		}
		if !m.Joined.Before(since) {
			d.NewMembers = append(d.NewMembers, *m)
		}
		if m.Unreachable || m.TelegramID == 0 {
			d.Unreachable = append(d.Unreachable, *m)
		}
	}
	return d
}

// Committee returns the members a committee message goes to.
func (sn *Snapshot) Committee() []ll.Member {
	var out []ll.Member
	for i := range sn.Members {
		if m := &sn.Members[i]; recipient(m) && m.Role.IsCommittee() {
			out = append(out, *m)
		}
	}
	return out
}

// suggestions returns the upcoming activities a member could sign up for:
// not signed up yet, not full; at most maxSuggestions.
func (sn *Snapshot) suggestions(member string, signed map[string]map[string]bool) []ll.Activity {
	var out []ll.Activity
	for _, a := range sn.Upcoming {
		if len(out) == maxSuggestions {
			break
		}
		if signed[a.ID][member] || (a.Capacity > 0 && a.Signups >= a.Capacity) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// language is the language to write to a member in.
func language(m ll.Member, c ll.Community) string {
	switch {
	case ll.ValidLanguage(m.Language):
		return m.Language
	case ll.ValidLanguage(c.Language):
		return c.Language
	}
	return ll.DefaultLanguage
}

// timing is when a run's messages are due (now, or when the quiet hours
// end) and the quiet hours they carry, the same for every message of a run.
type timing struct {
	due   time.Time
	quiet *ll.QuietHours
	zone  string
}

// timing computes the timing of messages enqueued at now in community c.
func (s *Scheduler) timing(c ll.Community, now time.Time) timing {
	q := s.cfg.Schedules.Quiet
	t := timing{due: now}
	if q.None() {
		return t
	}
	if until, held := q.Until(now, c.Location()); held {
		t.due = until
	}
	t.quiet, t.zone = &q, c.TimeZone
	return t
}

// message builds the outbox message of a reminder of kind to member m, for
// the run identified by run (its scheduled time, or an activity and time);
// dropped if not delivered by expires (ReminderTTL after its due time when
// zero).
func (s *Scheduler) message(kind string, c ll.Community, m ll.Member, run string, tm timing, r ll.Reply, expires time.Time) ll.OutMessage {
	if expires.IsZero() {
		expires = tm.due.Add(s.cfg.ReminderTTL)
	}
	return ll.OutMessage{
		ID:        kind + ":" + c.ID + ":" + run + ":" + m.ID,
		ChatID:    m.TelegramID,
		Reply:     r,
		Kind:      kind,
		Community: c.ID,
		Member:    m.ID,
		Due:       tm.due,
		Expires:   expires,
		Lang:      language(m, c),
		Quiet:     tm.quiet,
		Zone:      tm.zone,
	}
}

// runID names a cron run in message ids: its scheduled time in unix ms.
func runID(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// BelowMinimumMessages builds the below-minimum reminders of the run
// scheduled at run, enqueued at now. Members with the same language,
// figures and suggested activities share one text (see Texts).
func (s *Scheduler) BelowMinimumMessages(sn *Snapshot, run, now time.Time) []ll.OutMessage {
	return s.belowMinimumMessages(sn, sn.BelowMinimum(now), run, now)
}

// belowMinimumMessages builds the reminders of the members below (from the
// snapshot or the standing index); sn gives the community and the upcoming
// activities.
func (s *Scheduler) belowMinimumMessages(sn *Snapshot, below []ll.MemberStanding, run, now time.Time) []ll.OutMessage {
	if len(below) == 0 {
		return nil
	}
	if tt, ok := s.cfg.Texts.(TemplateTexts); ok {
		return s.belowMinimumTemplated(tt, sn, below, run, now)
	}
	signed := make(map[string]map[string]bool, len(sn.SignedUp))
	for a, ms := range sn.SignedUp {
		set := make(map[string]bool, len(ms))
		for _, m := range ms {
			set[m] = true
		}
		signed[a] = set
	}
	days := ll.DaysLeftInYear(now, sn.Community.Location())
	tm := s.timing(sn.Community, now)
	texts := map[string]ll.Reply{}
	out := make([]ll.OutMessage, 0, len(below))
	var key strings.Builder
	for _, b := range below {
		lang := language(b.Member, sn.Community)
		acts := sn.suggestions(b.Member.ID, signed)
		key.Reset()
		fmt.Fprintf(&key, "%s|%d|%d|%d", lang, b.Standing.Total, b.Standing.Minimum, b.Standing.Year)
		for _, a := range acts {
			key.WriteString("|" + a.ID)
		}
		r, ok := texts[key.String()]
		if !ok {
			r = s.cfg.Texts.BelowMinimum(lang, sn.Community, b.Member, b.Standing, days, acts)
			texts[key.String()] = r
		}
		out = append(out, s.message(ll.OutBelowMinimum, sn.Community, b.Member, runID(run), tm, r, time.Time{}))
	}
	return out
}

// NoPostMessages builds the no-post reminders of a run.
func (s *Scheduler) NoPostMessages(sn *Snapshot, run, now time.Time) []ll.OutMessage {
	return s.noPostMessages(sn, sn.NoPost(now), run, now)
}

// noPostMessages builds the no-post reminders of the members given (from
// the snapshot or the standing index); sn gives the community and its open
// posts.
func (s *Scheduler) noPostMessages(sn *Snapshot, members []ll.MemberStanding, run, now time.Time) []ll.OutMessage {
	if tt, ok := s.cfg.Texts.(TemplateTexts); ok {
		return s.noPostTemplated(tt, sn, members, run, now)
	}
	open := sn.OpenPosts[:min(len(sn.OpenPosts), maxSuggestions)]
	tm := s.timing(sn.Community, now)
	texts := map[string]ll.Reply{}
	var out []ll.OutMessage
	for _, b := range members {
		lang := language(b.Member, sn.Community)
		key := lang + "|" + strconv.Itoa(b.Standing.Posts)
		r, ok := texts[key]
		if !ok {
			r = s.cfg.Texts.NoPost(lang, sn.Community, b.Member, b.Standing.Posts, open)
			texts[key] = r
		}
		out = append(out, s.message(ll.OutNoPost, sn.Community, b.Member, runID(run), tm, r, time.Time{}))
	}
	return out
}

// loader reads what one community's tick needs, each part once.
type loader struct {
	st  Store
	ctx context.Context
	c   ll.Community
	now time.Time

	members  []ll.Member
	ledger   bool
	parts    []ll.Participation
	claims   []ll.Claim
	acts     []ll.Activity
	actsRead bool
}

func (l *loader) loadMembers() ([]ll.Member, error) {
	if l.members == nil {
		ms, err := l.st.Members(l.ctx, l.c.ID)
		if err != nil {
			return nil, fmt.Errorf("members: %w", err)
		}
		if ms == nil {
			ms = []ll.Member{}
		}
		l.members = ms
	}
	return l.members, nil
}

func (l *loader) activities() ([]ll.Activity, error) {
	if !l.actsRead {
		as, err := l.st.Activities(l.ctx, l.c.ID)
		if err != nil {
			return nil, fmt.Errorf("activities: %w", err)
		}
		l.acts, l.actsRead = as, true
	}
	return l.acts, nil
}

// openPosts fills sn's open posts that are not full.
func (l *loader) openPosts(sn *Snapshot) error {
	ps, err := l.st.Posts(l.ctx, l.c.ID)
	if err != nil {
		return fmt.Errorf("posts: %w", err)
	}
	for _, p := range ps {
		if !p.Closed && !p.Full() {
			sn.OpenPosts = append(sn.OpenPosts, p)
		}
	}
	return nil
}

// upcoming fills sn's upcoming activities and who signed up for them.
func (l *loader) upcoming(sn *Snapshot) error {
	as, err := l.activities()
	if err != nil {
		return err
	}
	sn.SignedUp = map[string][]string{}
	for _, a := range as {
		if a.Cancelled || !a.Start.After(l.now) {
			continue
		}
		sn.Upcoming = append(sn.Upcoming, a)
	}
	slices.SortStableFunc(sn.Upcoming, func(a, b ll.Activity) int { return a.Start.Compare(b.Start) })
	if len(sn.Upcoming) > 3*maxSuggestions {
		sn.Upcoming = sn.Upcoming[:3*maxSuggestions]
	}
	for _, a := range sn.Upcoming {
		if sn.SignedUp[a.ID], err = l.st.SignedUp(l.ctx, l.c.ID, a.ID); err != nil {
			return fmt.Errorf("signed up for %s: %w", a.ID, err)
		}
	}
	return nil
}

// snapshot reads the members, the ledger and what else is asked for. The
// members and the ledger, the two large reads, are read side by side: each
// waits on its round trips and decodes while the other's are in flight.
func (l *loader) snapshot(upcoming, posts, pending bool) (*Snapshot, error) {
	var ledgerErr error
	var wg sync.WaitGroup
	if !l.ledger {
		wg.Go(func() {
			if l.parts, l.claims, ledgerErr = l.st.CommunityLedger(l.ctx, l.c.ID); ledgerErr != nil {
				ledgerErr = fmt.Errorf("ledger: %w", ledgerErr)
			}
		})
	}
	ms, err := l.loadMembers()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if ledgerErr != nil {
		return nil, ledgerErr
	}
	l.ledger = true
	sn := &Snapshot{Community: l.c, Members: ms, Participations: l.parts, Claims: l.claims}
	if upcoming {
		if err := l.upcoming(sn); err != nil {
			return nil, err
		}
	}
	if posts {
		if err := l.openPosts(sn); err != nil {
			return nil, err
		}
	}
	if pending {
		rs, err := l.st.PendingServices(l.ctx, l.c.ID)
		if err != nil {
			return nil, fmt.Errorf("pending services: %w", err)
		}
		sn.Pending = len(rs)
	}
	return sn, nil
}

// StandingIndex gives the members below the year's participation minimum
// from the index the scripts keep (storage/standing.go), reading only
// those members; *storage.Store implements it. A Store without it has the
// below-minimum run read every member and the ledger.
type StandingIndex interface {
	BelowMinimum(ctx context.Context, community string, year, minimum int) (ms []ll.Member, totals []int, skipped int, err error)
	NoPost(ctx context.Context, community string, postMinimum int) (ms []ll.Member, held []int, skipped int, err error)
}

func (s *Scheduler) belowMinimum(l *loader, run time.Time) ([]ll.OutMessage, error) {
	idx, ok := l.st.(StandingIndex)
	if !ok {
		sn, err := l.snapshot(true, false, false)
		if err != nil {
			return nil, err
		}
		return s.BelowMinimumMessages(sn, run, l.now), nil
	}
	year := l.now.In(l.c.Location()).Year()
	mins := l.c.MinimumsFor(year)
	if mins.Minimum <= 0 {
		return nil, nil
	}
	ms, totals, _, err := idx.BelowMinimum(l.ctx, l.c.ID, year, mins.Minimum)
	if err != nil {
		return nil, fmt.Errorf("members below the minimum: %w", err)
	}
	if len(ms) == 0 {
		return nil, nil
	}
	below := make([]ll.MemberStanding, len(ms))
	for i := range ms {
		below[i] = ll.MemberStanding{Member: ms[i], Standing: ll.Standing{Year: year, Minimum: mins.Minimum,
			PostMinimum: mins.PostMinimum, Total: totals[i]}}
	}
	sn := &Snapshot{Community: l.c}
	if err := l.upcoming(sn); err != nil {
		return nil, err
	}
	return s.belowMinimumMessages(sn, below, run, l.now), nil
}

func (s *Scheduler) noPost(l *loader, run time.Time) ([]ll.OutMessage, error) {
	idx, ok := l.st.(StandingIndex)
	if !ok {
		sn, err := l.snapshot(false, true, false)
		if err != nil {
			return nil, err
		}
		return s.NoPostMessages(sn, run, l.now), nil
	}
	year := l.now.In(l.c.Location()).Year()
	mins := l.c.MinimumsFor(year)
	if mins.PostMinimum <= 0 {
		return nil, nil
	}
	ms, held, _, err := idx.NoPost(l.ctx, l.c.ID, mins.PostMinimum)
	if err != nil {
		return nil, fmt.Errorf("members holding too few posts: %w", err)
	}
	if len(ms) == 0 {
		return nil, nil
	}
	members := make([]ll.MemberStanding, len(ms))
	for i := range ms {
		members[i] = ll.MemberStanding{Member: ms[i], Standing: ll.Standing{Year: year, Minimum: mins.Minimum,
			PostMinimum: mins.PostMinimum, Posts: held[i]}}
	}
	sn := &Snapshot{Community: l.c}
	if err := l.openPosts(sn); err != nil {
		return nil, err
	}
	return s.noPostMessages(sn, members, run, l.now), nil
}

// digest builds the committee's digest; it covers the time since the
// previous run (a week by default), at most 31 days.
func (s *Scheduler) digest(l *loader, run, prev time.Time) ([]ll.OutMessage, error) {
	sn, err := l.snapshot(false, false, true)
	if err != nil {
		return nil, err
	}
	since := prev
	if since.IsZero() || !since.Before(run) || run.Sub(since) > 31*24*time.Hour {
		since = run.Add(-7 * 24 * time.Hour)
	}
	d := sn.Digest(l.now, since)
	if err := s.digestNeeds(l, &d); err != nil { // needs.go
		return nil, err
	}
	tm := s.timing(sn.Community, l.now)
	var out []ll.OutMessage
	for _, m := range sn.Committee() {
		r := s.cfg.Texts.Digest(language(m, sn.Community), d)
		out = append(out, s.message(ll.OutDigest, sn.Community, m, runID(run), tm, r, time.Time{}))
	}
	return out, nil
}

// escalation tells the committee who is still below the minimum; nothing
// when nobody is.
func (s *Scheduler) escalation(l *loader, run time.Time) ([]ll.OutMessage, error) {
	sn, err := l.snapshot(false, false, false)
	if err != nil {
		return nil, err
	}
	below := sn.Below(l.now)
	if len(below) == 0 {
		return nil, nil
	}
	loc := sn.Community.Location()
	days, year := ll.DaysLeftInYear(l.now, loc), l.now.In(loc).Year()
	tm := s.timing(sn.Community, l.now)
	var out []ll.OutMessage
	for _, m := range sn.Committee() {
		r := s.cfg.Texts.Escalation(language(m, sn.Community), sn.Community, below, year, days)
		out = append(out, s.message(ll.OutEscalation, sn.Community, m, runID(run), tm, r, time.Time{}))
	}
	return out, nil
}

// activityMessages builds the reminders of activity a at offset before its
// start to those signed up. Those that could only arrive after the start
// (the activity started, or quiet hours last past it) are counted in late.
func (s *Scheduler) activityMessages(l *loader, a ll.Activity, offset time.Duration, fire time.Time) (msgs []ll.OutMessage, late int, err error) {
	ids, err := l.st.SignedUp(l.ctx, l.c.ID, a.ID)
	if err != nil || len(ids) == 0 {
		return nil, 0, err
	}
	ms, err := l.loadMembers()
	if err != nil {
		return nil, 0, err
	}
	byID := make(map[string]*ll.Member, len(ms))
	for i := range ms {
		byID[ms[i].ID] = &ms[i]
	}
	run := a.ID + "-" + runID(fire)
	tm := s.timing(l.c, l.now)
	texts := map[string]ll.Reply{}
	for _, id := range ids {
		m := byID[id]
		if m == nil || !recipient(m) {
			continue
		}
		lang := language(*m, l.c)
		r, ok := texts[lang]
		if !ok {
			r = s.cfg.Texts.ActivityReminder(lang, l.c, a, offset)
			texts[lang] = r
		}
		msg := s.message(ll.OutActivityReminder, l.c, *m, run, tm, r, a.Start)
		if !msg.Due.Before(a.Start) {
			late++
			continue
		}
		msgs = append(msgs, msg)
	}
	return msgs, late, nil
}
