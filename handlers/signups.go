package handlers

import (
	"slices"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Sign-ups (SPEC section 3): members see the upcoming activities with
// [Sign up] buttons, sign up and withdraw; the Store never lets an activity
// take more sign-ups than its capacity. The committee sees the roster.

// activities lists the upcoming activities with [Sign up] buttons.
func (c *call) activities() []ll.Reply {
	r, err := c.activitiesPage(1)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{r}
}

// activitiesPage renders one page of the upcoming activities for the member.
func (c *call) activitiesPage(page int) (ll.Reply, error) {
	comm, list, err := c.h.app.Activities.Upcoming(c.ctx, c.actor())
	if err != nil {
		return ll.Reply{}, err
	}
	if len(list) == 0 {
		return ll.Reply{Text: c.t("activities.none")}, nil
	}
	loc := comm.Location()
	from, to, shown, pages := pageBounds(len(list), page)
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(c.t("activities.title", len(list)))
	for _, a := range list[from:to] {
		mine, err := c.h.app.Activities.IsSignedUp(c.ctx, c.actor(), a.ID)
		if err != nil {
			return ll.Reply{}, err
		}
		line := c.activityLine(a, loc)
		switch {
		case mine:
			line = markFirstLine(line, c.t("activities.yours"))
			rows = append(rows, []ll.Button{{
				Text: c.label("button.withdraw", a.ID, truncate(a.Title, 24)),
				Data: callback{kind: cbWithdraw, id: a.ID}.encode(),
			}})
		case activityFull(a):
			line = markFirstLine(line, c.t("posts.full"))
			rows = append(rows, []ll.Button{{ // a waitlist (SPEC section 10)
				Text: c.label("button.waitlist_list", a.ID, truncate(a.Title, 24)),
				Data: callback{kind: cbWaitJoin, id: a.ID}.encode(),
			}})
		default:
			rows = append(rows, []ll.Button{{
				Text: c.label("button.signup", a.ID, truncate(a.Title, 24)),
				Data: callback{kind: cbSignUp, id: a.ID}.encode(),
			}})
		}
		b.WriteString("\n\n" + line)
	}
	b.WriteString("\n\n" + c.t("activities.hint"))
	b.WriteString(c.pageFooter(shown, pages))
	rows = appendRow(rows, navRow(listActivities, shown, pages, ""))
	return ll.Reply{Text: b.String(), Buttons: rows}, nil
}

// cmdSignUp signs up for the activity in the arguments; without one it
// lists the upcoming activities.
func (c *call) cmdSignUp() []ll.Reply {
	if c.req.Args == "" {
		return c.activities()
	}
	id, err := activityArg(c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	return c.signUp(id)
}

// cmdWithdraw withdraws from the activity in the arguments.
func (c *call) cmdWithdraw() []ll.Reply {
	id, err := activityArg(c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	return c.withdraw(id)
}

// signUp signs the member up for activity id; a full one offers its
// waitlist (app.Waitlist.SignUp's result, worded by signUpResult).
func (c *call) signUp(id string) []ll.Reply {
	if _, err := c.self(); err != nil { // read here, the service takes it from the actor
		return c.fail(err, id)
	}
	r, err := c.h.app.Waitlist.SignUp(c.ctx, c.actor(), id)
	if err != nil {
		return c.fail(err, id)
	}
	return c.signUpResult(r)
}

// withdraw takes the member's sign-up for activity id back (the seat is
// offered to the first waiting), or their place on its waitlist, or passes
// the seat offered to them.
func (c *call) withdraw(id string) []ll.Reply {
	return c.release(id, false)
}

// roster shows the committee who signed up for an activity and who checked
// in, with how.
func (c *call) roster() []ll.Reply {
	sc := c.scope
	id, err := activityArg(c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	r, err := c.h.app.Activities.Roster(c.ctx, sc, id)
	if ll.ErrorCode(err) == ll.ENOTFOUND {
		return c.fail(err, id)
	}
	if err != nil {
		return c.fail(err, "")
	}
	names, err := c.memberNames(sc.Community.ID)
	if err != nil {
		return c.fail(err, "")
	}
	loc := sc.Community.Location()
	a, signed, checked, order := r.Activity, r.SignedUp, r.Present, r.Order
	how := func(p ll.Participation) string {
		s := "✅ " + c.t("method."+p.Method) + " " + p.At.In(loc).Format("01-02 15:04")
		if p.VerifiedBy != "" {
			s += " " + c.t("entry.by", p.VerifiedBy)
		}
		return s
	}
	mark, waitLines, err := c.rosterWaitlist(id, names, loc) // confirmations and the waitlist (SPEC section 10)
	if err != nil {
		return c.fail(err, "")
	}
	ended, noShows := c.now.After(a.End), 0
	var lines []string
	lines = append(lines, "", c.t("roster.signed_up", len(signed)))
	for _, mid := range signed {
		line := escape(names.display(mid)) + mark(mid)
		if p, ok := checked[mid]; ok {
			line += " · " + how(p)
		} else if ended {
			line += " · " + c.t("roster.no_show")
			noShows++
		} else {
			line += " · " + c.t("roster.not_checked_in")
		}
		lines = append(lines, line)
	}
	if ended {
		lines = append(lines, c.t("roster.no_shows", noShows))
	}
	lines = append(lines, waitLines...)
	var walkIns []string
	for _, mid := range order {
		if !slices.Contains(signed, mid) {
			walkIns = append(walkIns, escape(names.display(mid))+" · "+how(checked[mid]))
		}
	}
	lines = append(lines, "", c.t("roster.walk_ins", len(walkIns)))
	lines = append(lines, walkIns...)
	header := c.t("roster.title", a.ID, a.Title, whenText(a, loc), len(checked))
	var rs []ll.Reply
	for _, chunk := range chunks(header, lines) {
		rs = append(rs, ll.Reply{Text: chunk})
	}
	return rs
}

// memberIndex finds members of a community by id, for display.
type memberIndex map[string]ll.Member

// display is "M3 Name", "M3 —" for a forgotten member, the bare id for one
// not found.
func (ix memberIndex) display(id string) string {
	if m, ok := ix[id]; ok {
		return m.DisplayName()
	}
	return id
}

// memberNames indexes every member of a community by id.
func (c *call) memberNames(community string) (memberIndex, error) {
	sc, err := c.committee()
	if err != nil {
		return nil, err
	}
	if sc.Community.ID != community {
		return nil, ll.ErrStale
	}
	ix, err := c.h.app.Lookups.Names(c.ctx, sc)
	return memberIndex(ix), err
}
