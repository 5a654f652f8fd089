package scheduler

import (
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TemplateTexts writes a run's reminders once for all its members, as
// templates the outbox stores once a run and language and fills in for
// each member just before sending (ll.Template). handlers.Texts implements
// it; with Texts that do not, each distinct text is written whole.
type TemplateTexts interface {
	// BelowMinimumTemplate is BelowMinimum for every member, in parts: 0
	// the title and standing with the member's total as value 0 (s.Total is
	// not used), 1 no activity offered, 2 the heading of the activities,
	// 3+i upcoming[i] with its [Sign up], 3+len(upcoming) the closing hint.
	BelowMinimumTemplate(lang string, c ll.Community, s ll.Standing, daysLeft int, upcoming []ll.Activity) *ll.Template
	// NoPostTemplate is NoPost for every member, in parts: 0 the title and
	// standing with the member's posts held as value 0, 1 no post open, 2
	// the heading of the posts, 3+i open[i] with its [Claim], 3+len(open)
	// the closing hint.
	NoPostTemplate(lang string, c ll.Community, open []ll.Post) *ll.Template
}

// The parts every reminder template has before its list (TemplateTexts).
const (
	partHead    = 1 << 0
	partNone    = 1 << 1
	partHeading = 1 << 2
	partsBefore = 3
)

// counts are the decimal strings of small counts, shared by the messages
// that carry them as a template value.
var counts = func() []string {
	out := make([]string, 256)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

// count is n as a template value.
func count(n int) []string {
	if n >= 0 && n < len(counts) {
		return counts[n : n+1 : n+1]
	}
	return []string{strconv.Itoa(n)}
}

// belowMinimumTemplated is belowMinimumMessages with templates: one per
// language, each member's message the parts offered to them and their total.
func (s *Scheduler) belowMinimumTemplated(tt TemplateTexts, sn *Snapshot, below []ll.MemberStanding, run, now time.Time) []ll.OutMessage {
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
	tpls := map[string]*ll.Template{}
	last := uint64(1) << (partsBefore + len(sn.Upcoming))
	out := make([]ll.OutMessage, 0, len(below))
	for _, b := range below {
		lang := language(b.Member, sn.Community)
		t := tpls[lang]
		if t == nil {
			t = tt.BelowMinimumTemplate(lang, sn.Community, b.Standing, days, sn.Upcoming)
			tpls[lang] = t
		}
		parts := uint64(partHead) | last
		offered := 0
		for i, a := range sn.Upcoming {
			if offered == maxSuggestions {
				break
			}
			if signed[a.ID][b.Member.ID] || (a.Capacity > 0 && a.Signups >= a.Capacity) {
				continue
			}
			parts |= 1 << (partsBefore + i)
			offered++
		}
		if offered == 0 {
			parts |= partNone
		} else {
			parts |= partHeading
		}
		m := s.message(ll.OutBelowMinimum, sn.Community, b.Member, runID(run), tm, ll.Reply{}, time.Time{})
		m.Template, m.Parts, m.Values = t, parts, count(b.Standing.Total)
		out = append(out, m)
	}
	return out
}

// noPostTemplated is noPostMessages with templates: one per language, each
// member's message the same parts and the posts they hold.
func (s *Scheduler) noPostTemplated(tt TemplateTexts, sn *Snapshot, members []ll.MemberStanding, run, now time.Time) []ll.OutMessage {
	open := sn.OpenPosts[:min(len(sn.OpenPosts), maxSuggestions)]
	tm := s.timing(sn.Community, now)
	tpls := map[string]*ll.Template{}
	parts := uint64(partHead) | uint64(1)<<(partsBefore+len(open))
	if len(open) == 0 {
		parts |= partNone
	} else {
		parts |= partHeading | (uint64(1)<<len(open)-1)<<partsBefore
	}
	out := make([]ll.OutMessage, 0, len(members))
	for _, b := range members {
		lang := language(b.Member, sn.Community)
		t := tpls[lang]
		if t == nil {
			t = tt.NoPostTemplate(lang, sn.Community, open)
			tpls[lang] = t
		}
		m := s.message(ll.OutNoPost, sn.Community, b.Member, runID(run), tm, ll.Reply{}, time.Time{})
		m.Template, m.Parts, m.Values = t, parts, count(b.Standing.Posts)
		out = append(out, m)
	}
	return out
}
