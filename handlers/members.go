package handlers

import (
	"slices"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// me shows the member's own card, read in one Store step through the user's
// membership pointer; that member must be active and the user's.
func (c *call) me() []ll.Reply {
	cd, err := c.h.app.Members.Mine(c.ctx, c.actor())
	if c.stalePointer(err) {
		return c.notMember()
	}
	if err != nil {
		return c.fail(err, "")
	}
	if c.member == nil {
		c.member = &cd.Member
		c.markReachable()
	}
	return text(c.card(cd, false), c.appButtonRow("me")...)
}

// card is a member's card: profile, role, posts held against the post
// minimum, teams, and the ledger: this year's participations, compliance,
// the days left in the year in the community's zone and the last entries.
// The committee's view adds status, joined date and reachability. It reads
// nothing: cd is what Store.Card read in one step.
func (c *call) card(cd ll.Card, forCommittee bool) string {
	m, comm := cd.Member, cd.Community
	none := c.label("skills.none")
	var b strings.Builder
	b.WriteString(c.t("card.title", m.ID, nameOrDash(m.Name)))
	b.WriteString("\n" + c.t("card.community", comm.Name, comm.ID))
	b.WriteString("\n" + c.t("card.unit", or(m.Unit, none)))
	b.WriteString("\n" + c.t("card.building", or(m.Building, none)))
	b.WriteString("\n" + c.t("card.skills", joinSkills(m.Skills, none)))
	b.WriteString("\n" + c.t("card.role", c.roleName(m.Role)))
	loc := comm.Location()
	if forCommittee {
		status := c.t("status." + m.Status)
		if !m.Left.IsZero() && m.Status != ll.StatusActive {
			status += " " + m.Left.In(loc).Format("2006-01-02")
		}
		b.WriteString("\n" + c.t("card.status", rawHTML(status), m.Joined.In(loc).Format("2006-01-02")))
		if m.Unreachable {
			b.WriteString("\n" + c.t("card.unreachable"))
		}
	}

	var names []string
	for _, p := range cd.Posts {
		names = append(names, escape(p.ID+" "+truncate(p.Title, 40)))
	}
	b.WriteString("\n" + c.t("card.posts", len(names), comm.PostMinimum))
	if len(names) > 0 {
		b.WriteString(" — " + c.someOf(names))
	}

	var tnames []string
	for _, t := range cd.Teams {
		n := escape(t.ID + " " + truncate(t.Name, 40))
		if slices.Contains(t.Leaders, m.ID) {
			n += " " + c.t("card.leader")
		}
		tnames = append(tnames, n)
	}
	teamList := escape(none)
	if len(tnames) > 0 {
		teamList = c.someOf(tnames)
	}
	b.WriteString("\n" + c.t("card.teams", rawHTML(teamList)))
	b.WriteString(c.cardLedger(cd))
	return b.String()
}

// maxCardItems is how many posts or teams a card names.
const maxCardItems = 10

// someOf joins up to maxCardItems items (HTML) and says how many more there are.
func (c *call) someOf(items []string) string {
	if len(items) <= maxCardItems {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:maxCardItems], "; ") + " " + c.t("card.more", len(items)-maxCardItems)
}

// daysLeft counts the days from t's date to the end of its year, t's day included.
func daysLeft(t time.Time) int {
	last := time.Date(t.Year(), time.December, 31, 12, 0, 0, 0, t.Location())
	return last.YearDay() - t.YearDay() + 1
}

// profileFields maps what a user may type for a field to its flow step.
var profileFields = map[string]string{
	"name": stepName, "姓名": stepName, "名字": stepName,
	"unit": stepUnit, "单位": stepUnit, "workplace": stepUnit,
	"building": stepBuilding, "bldg": stepBuilding, "楼栋": stepBuilding, "楼": stepBuilding,
	"skills": stepSkills, "skill": stepSkills, "技能": stepSkills, "特长": stepSkills,
}

// profile changes the member's name, unit, building or skills: in one line
// ("/profile unit Bank of China") or guided.
func (c *call) profile() []ll.Reply {
	args := splitArgs(c.req.Args, 2)
	if len(args) == 0 {
		return c.startProfileFlow("")
	}
	step, ok := profileFields[strings.ToLower(args[0])]
	if !ok {
		return c.usage("profile")
	}
	if len(args) == 1 {
		return c.startProfileFlow(step)
	}
	cur, err := c.self()
	if err != nil {
		return c.fail(err, "")
	}
	m := *cur
	switch step {
	case stepName:
		m.Name = args[1]
	case stepUnit:
		m.Unit = args[1]
	case stepBuilding:
		m.Building = args[1]
	case stepSkills:
		m.Skills = ll.ParseSkills(args[1])
	}
	rs, _ := c.saveProfile(m)
	return rs
}

// saveProfile validates and stores the member's profile and shows it; ok
// tells whether it was stored.
func (c *call) saveProfile(m ll.Member) (rs []ll.Reply, ok bool) {
	m, err := c.h.app.Members.UpdateProfile(c.ctx, c.actor(), m)
	if err != nil {
		return c.fail(err, ""), false
	}
	c.member = &m
	none := c.label("skills.none")
	return c.say("profile.saved", rawHTML(c.t("profile.summary", or(m.Name, none), c.unitShown(m.Unit, m.UnitID, none),
		or(m.Building, none), joinSkills(m.Skills, none)))), true
}

// startProfileFlow starts the guided /profile: the field buttons, or the
// given field's step directly.
func (c *call) startProfileFlow(step string) []ll.Reply {
	m, err := c.self()
	if err != nil {
		return c.fail(err, "")
	}
	data := map[string]string{
		"c": m.Community, stepName: m.Name, stepUnit: m.Unit, stepBuilding: m.Building,
		stepSkills: strings.Join(m.Skills, listSep), dataUnitID: m.UnitID,
	}
	f, err := c.startFlow(flowProfile, "field", data)
	if err != nil {
		return c.fail(err, "")
	}
	if step == "" {
		return []ll.Reply{c.profilePrompt(f)}
	}
	if err := c.enterField(f, step); err != nil {
		return c.fail(err, "")
	}
	if err := c.saveFlow(f); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{c.askField(f)}
}

// profilePrompt shows the profile and a button per field.
func (c *call) profilePrompt(f *ll.Flow) ll.Reply {
	return ll.Reply{
		Text: c.t("profile.choose") + "\n" + c.profileSummary(f),
		Buttons: [][]ll.Button{
			{flowButton(f, c.label("field.name"), stepName), flowButton(f, c.label("field.unit"), stepUnit)},
			{flowButton(f, c.label("field.building"), stepBuilding), flowButton(f, c.label("field.skills"), stepSkills)},
		},
	}
}

// profText takes a typed answer in the guided /profile.
func (c *call) profText(f *ll.Flow) []ll.Reply {
	if f.Step == "field" {
		if step, ok := profileFields[strings.ToLower(strings.TrimSpace(c.req.Text))]; ok {
			return c.profPress(f, step)
		}
		r := c.profilePrompt(f)
		r.Text = c.t("flow.press_button") + "\n\n" + r.Text
		return []ll.Reply{r}
	}
	done, rs := c.fieldText(f)
	if !done {
		return rs
	}
	return c.finishProfile(f)
}

// profPress takes a button answer in the guided /profile.
func (c *call) profPress(f *ll.Flow, value string) []ll.Reply {
	if f.Step == "field" {
		switch value {
		case stepName, stepUnit, stepBuilding, stepSkills:
		default:
			return c.stale()
		}
		if err := c.enterField(f, value); err != nil {
			return c.fail(err, "")
		}
		if err := c.saveFlow(f); err != nil {
			return c.fail(err, "")
		}
		return []ll.Reply{c.askField(f)}
	}
	done, rs, ok := c.fieldPress(f, value)
	if !ok {
		return c.stale()
	}
	if !done {
		return rs
	}
	return c.finishProfile(f)
}

// finishProfile stores the field the guided /profile asked for.
func (c *call) finishProfile(f *ll.Flow) []ll.Reply {
	cur, err := c.self()
	if err != nil {
		return c.fail(err, "")
	}
	m := *cur
	switch f.Step {
	case stepName:
		m.Name = f.Data[stepName]
	case stepUnit:
		m.Unit, m.UnitID = f.Data[stepUnit], f.Data[dataUnitID]
	case stepBuilding:
		m.Building = f.Data[stepBuilding]
	case stepSkills:
		m.Skills = list(f, stepSkills)
	}
	rs, ok := c.saveProfile(m)
	if ok {
		if err := c.endFlow(); err != nil {
			c.h.log.Warn("end profile flow", "user", c.req.UserID, "err", err)
		}
	}
	return rs
}
