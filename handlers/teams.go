package handlers

import (
	"slices"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// teams lists the community's teams with [Join] buttons. In a group the list
// stays in the group and shows nothing personal.
func (c *call) teams() []ll.Reply {
	r, err := c.teamsPage(1)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{r}
}

// teamsPage renders one page of the teams for the member.
func (c *call) teamsPage(page int) (ll.Reply, error) {
	me, err := c.self()
	if err != nil {
		return ll.Reply{}, err
	}
	teams, err := c.h.app.Teams.List(c.ctx, c.actor())
	if err != nil {
		return ll.Reply{}, err
	}
	m := *me
	if len(teams) == 0 {
		return ll.Reply{Text: c.t("teams.none")}, nil
	}
	personal := c.req.Private
	from, to, shown, pages := pageBounds(len(teams), page)
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(c.t("teams.title", len(teams)))
	for _, t := range teams[from:to] {
		line := "<b>" + t.ID + "</b> " + escape(truncate(t.Name, 64)) + " · " + c.t("teams.count", len(t.Members))
		if len(t.Leaders) > 0 {
			line += " · " + c.t("teams.leaders", truncate(strings.Join(t.Leaders, ", "), 60))
		}
		in := slices.Contains(t.Members, m.ID)
		if personal && in {
			line += " " + c.t("teams.yours")
			rows = append(rows, []ll.Button{{
				Text: c.label("button.leave_team", t.ID, truncate(t.Name, 24)),
				Data: callback{kind: cbLeaveTeam, id: t.ID}.encode(),
			}})
		} else if !in || !personal {
			rows = append(rows, []ll.Button{{
				Text: c.label("button.join_team", t.ID, truncate(t.Name, 24)),
				Data: callback{kind: cbJoinTeam, id: t.ID}.encode(),
			}})
		}
		b.WriteString("\n" + line)
	}
	b.WriteString(c.pageFooter(shown, pages))
	rows = appendRow(rows, navRow(listTeams, shown, pages, ""))
	return ll.Reply{Text: b.String(), Buttons: rows}, nil
}

// cmdJoinTeam joins the team named in the arguments.
func (c *call) cmdJoinTeam() []ll.Reply {
	id := ll.NormalizeID('T', c.req.Args)
	if id == "" {
		return c.fail(ll.Invalid("team", "not a team id"), "")
	}
	return c.joinTeam(id)
}

// cmdLeaveTeam leaves the team named in the arguments.
func (c *call) cmdLeaveTeam() []ll.Reply {
	id := ll.NormalizeID('T', c.req.Args)
	if id == "" {
		return c.fail(ll.Invalid("team", "not a team id"), "")
	}
	return c.leaveTeam(id)
}

// joinTeam adds the member to team id.
func (c *call) joinTeam(id string) []ll.Reply {
	t, changed, err := c.h.app.Teams.Join(c.ctx, c.actor(), id)
	if err != nil {
		return c.fail(err, id)
	}
	if !changed {
		return c.say("team.already", t.ID, t.Name)
	}
	return c.say("team.joined", t.ID, t.Name)
}

// leaveTeam takes the member out of team id.
func (c *call) leaveTeam(id string) []ll.Reply {
	t, changed, err := c.h.app.Teams.Leave(c.ctx, c.actor(), id)
	if err != nil {
		return c.fail(err, id)
	}
	if !changed {
		return c.say("team.not_in", t.ID, t.Name)
	}
	return c.say("team.left", t.ID, t.Name)
}

// newTeam creates a team.
func (c *call) newTeam() []ll.Reply {
	t, err := c.h.app.Teams.Create(c.ctx, c.scope, c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	return c.say("team.created", t.ID, t.Name)
}

// leader appoints a team leader, or removes the leadership of one who is.
func (c *call) leader() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 2)
	if len(args) < 2 {
		return c.usage("leader")
	}
	r, err := c.h.app.Teams.ToggleLeader(c.ctx, sc, args[0], args[1])
	switch {
	case ll.ErrorCode(err) == ll.ENOTMEMBER && r.Member.ID != "":
		return c.say("member.not_active", r.Member.ID)
	case ll.ErrorCode(err) == ll.ENOTFOUND && ll.ErrorDetail(err) == "member":
		return c.fail(err, args[1])
	case err != nil:
		return c.fail(err, ll.NormalizeID('T', args[0]))
	}
	t, m := r.Team, r.Member
	key, told := "leader.on", "leader.told_on"
	if !r.Leader {
		key, told = "leader.off", "leader.told_off"
	}
	rs := c.say(key, m.DisplayName(), t.ID, t.Name)
	if m.TelegramID != 0 && m.TelegramID != c.req.UserID {
		lang := memberLanguage(m, sc.Community, c.h.cfg.DefaultLanguage)
		to := ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: tr(lang, told, t.ID, t.Name)}
		if r.Leader && !m.Role.IsCommittee() {
			// The Mini App as their menu button (the committee has it); a
			// leader removed keeps it until /help sets their menu again
			// (they may lead another team).
			to.SetMenu = "member+app"
		}
		rs = append(rs, to)
	}
	return rs
}
