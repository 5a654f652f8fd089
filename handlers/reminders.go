package handlers

import (
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Texts writes what the bot sends on its own: the scheduler's reminders and
// digests (it implements scheduler.Texts) and a broadcast's progress message
// (Progress, for the outbox sender). cmd wires it in, so that the scheduler
// and the sender need not import this package.
//
// The texts live here rather than in the scheduler so that there is one
// catalog, checked as a whole for matching zh and en (i18n_test.go), and so
// that the buttons carry this package's callback data ([Sign up] su:A7,
// [Claim] c:P3): a press on a reminder is decoded and verified by the same
// code as a press on /activities or /posts. A reminder does not name its
// recipient (the scheduler gives one text to every member it fits). The
// zero value is ready to use.
type Texts struct{}

// maxEscalationLines bounds the members an escalation lists by name.
const maxEscalationLines = 100

// writer formats messages in one language, outside any request.
func writer(lang string) *call {
	if !ll.ValidLanguage(lang) {
		lang = ll.DefaultLanguage
	}
	return &call{lang: lang}
}

// BelowMinimum tells a member where they stand this year (s.Total of
// s.Minimum, daysLeft in the year), with a [Sign up] button for each of the
// upcoming activities.
func (Texts) BelowMinimum(lang string, c ll.Community, m ll.Member, s ll.Standing, daysLeft int, upcoming []ll.Activity) ll.Reply {
	k := writer(lang)
	loc := c.Location()
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(k.t("remind.below.title", c.Name))
	b.WriteString("\n" + k.t("remind.below.stand", s.Total, s.Minimum, s.Year, daysLeft))
	if len(upcoming) == 0 {
		b.WriteString("\n\n" + k.t("remind.below.no_activities"))
	} else {
		b.WriteString("\n\n" + k.t("remind.below.activities"))
		for _, a := range upcoming {
			b.WriteString("\n\n" + k.activityLine(a, loc))
			rows = append(rows, []ll.Button{{
				Text: k.label("button.signup", a.ID, truncate(a.Title, 24)),
				Data: callback{kind: cbSignUp, id: a.ID}.encode(),
			}})
		}
	}
	b.WriteString("\n\n" + k.t("remind.below.hint"))
	return ll.Reply{Text: b.String(), Buttons: rows}
}

// NoPost tells a member holding fewer posts than the minimum about open
// posts, each with a [Claim] button.
func (Texts) NoPost(lang string, c ll.Community, m ll.Member, held int, open []ll.Post) ll.Reply {
	k := writer(lang)
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(k.t("remind.nopost.title", c.Name))
	b.WriteString("\n" + k.t("remind.nopost.stand", c.PostMinimum, held))
	if len(open) == 0 {
		b.WriteString("\n\n" + k.t("remind.nopost.none"))
	} else {
		b.WriteString("\n\n" + k.t("remind.nopost.posts"))
		for _, p := range open {
			b.WriteString("\n\n" + k.postLine(p, false, true))
			rows = append(rows, []ll.Button{{
				Text: k.label("button.claim", p.ID, truncate(p.Title, 24)),
				Data: callback{kind: cbClaim, id: p.ID}.encode(),
			}})
		}
	}
	b.WriteString("\n\n" + k.t("remind.nopost.hint"))
	return ll.Reply{Text: b.String(), Buttons: rows}
}

// Digest is the committee's weekly digest: compliance, pending approvals,
// new members and unreachable members.
func (Texts) Digest(lang string, d ll.Digest) ll.Reply {
	k := writer(lang)
	c := d.Community
	since := d.Since.In(c.Location()).Format(time.DateOnly)
	pct := 0
	if d.Active > 0 {
		pct = d.Compliant * 100 / d.Active
	}
	var b strings.Builder
	b.WriteString(k.t("digest.title", c.Name))
	b.WriteString("\n" + k.t("digest.compliance", d.Year, d.Compliant, d.Active, pct, d.Below))
	if d.Pending > 0 {
		b.WriteString("\n" + k.t("digest.pending", d.Pending))
	} else {
		b.WriteString("\n" + k.t("digest.no_pending"))
	}
	if len(d.NewMembers) > 0 {
		b.WriteString("\n" + k.t("digest.new", since, len(d.NewMembers), rawHTML(k.someOf(names(d.NewMembers)))))
	} else {
		b.WriteString("\n" + k.t("digest.no_new", since))
	}
	if len(d.Unreachable) > 0 {
		b.WriteString("\n" + k.t("digest.unreachable", len(d.Unreachable), rawHTML(k.someOf(names(d.Unreachable)))))
	} else {
		b.WriteString("\n" + k.t("digest.all_reachable"))
	}
	if d.Needs != nil { // residents' needs (needs.go)
		b.WriteString("\n" + needFiguresText(lang, "digest.needs", d.Year, *d.Needs) + " " + k.t("digest.new_needs", d.NewNeeds))
	}
	return ll.Reply{Text: b.String()}
}

// names are members as escaped "M3 Name" for a list.
func names(ms []ll.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = escape(m.DisplayName())
	}
	return out
}

// Escalation lists the members still below the minimum of year, fewest
// participations first, with daysLeft in the year.
func (Texts) Escalation(lang string, c ll.Community, below []ll.MemberStanding, year, daysLeft int) ll.Reply {
	k := writer(lang)
	minimum := c.Minimum
	if len(below) > 0 {
		minimum = below[0].Standing.Minimum
	}
	var b strings.Builder
	b.WriteString(k.t("escalation.title", c.Name, daysLeft, year))
	b.WriteString("\n" + k.t("escalation.below", len(below), minimum))
	for i, ms := range below {
		if i == maxEscalationLines {
			b.WriteString("\n" + k.t("escalation.more", len(below)-i))
			break
		}
		line := "\n<b>" + ms.Member.ID + "</b> " + escape(nameOrDash(ms.Member.Name))
		if ms.Member.Unit != "" {
			line += " · " + escape(truncate(ms.Member.Unit, 30))
		}
		b.WriteString(line + " · " + k.t("activity.signups", ms.Standing.Total, ms.Standing.Minimum))
	}
	b.WriteString("\n\n" + k.t("escalation.hint"))
	return ll.Reply{Text: b.String()}
}

// ActivityReminder reminds a signed-up member of an activity, with how to
// check in. It never shows the check-in code: the code proves presence, so
// it is only shown on site.
func (Texts) ActivityReminder(lang string, c ll.Community, a ll.Activity, offset time.Duration) ll.Reply {
	k := writer(lang)
	loc := c.Location()
	var b strings.Builder
	b.WriteString(k.t("remind.activity.title", a.ID, a.Title))
	b.WriteString("\n🕘 " + whenText(a, loc))
	if a.Place != "" {
		b.WriteString(" · 📍 " + escape(a.Place))
	}
	if a.Location != nil {
		b.WriteString("\n\n" + k.t("remind.activity.location"))
	} else {
		b.WriteString("\n\n" + k.t("remind.activity.code"))
	}
	b.WriteString("\n" + k.t("remind.activity.withdraw", a.ID))
	if offset >= confirmOffset { // confirm-or-release (SPEC section 10)
		b.WriteString("\n" + k.t("remind.activity.confirm"))
		return ll.Reply{Text: b.String(), Buttons: [][]ll.Button{k.confirmButtons(a.ID)}}
	}
	return ll.Reply{Text: b.String()}
}

// NoticeFailed tells a secretary that the bot cannot post to the
// community's notice chat, and why (reason is shown escaped).
func (Texts) NoticeFailed(lang string, c ll.Community, reason string) ll.Reply {
	return ll.Reply{Text: writer(lang).t("noticechat.failed", c.Name, c.NoticeChat, truncate(reason, 300))}
}

// Progress is a broadcast's progress message: its audience, how many of its
// messages were sent, failed or found unreachable, and whether it is done.
func (Texts) Progress(p ll.BroadcastProgress) ll.Reply {
	k := writer(p.Lang)
	var b strings.Builder
	b.WriteString(k.t("progress.title", p.Audience))
	b.WriteString("\n" + k.t("progress.line", p.Percent(), p.Sent, p.Total, p.Failed+p.Expired, p.Unreachable))
	if p.Finished() {
		b.WriteString("\n" + k.t("progress.done"))
	} else {
		b.WriteString("\n" + k.t("progress.running"))
	}
	return ll.Reply{Text: b.String()}
}
