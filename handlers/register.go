package handlers

import (
	"errors"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// stepConfirm is registration's last step: the profile shown with
// [Register] and [Change].
const stepConfirm = "confirm"

// maxInviteCodeLen is the longest invite code that fits a deep link payload
// ("join_" + code, at most 64 characters).
const maxInviteCodeLen = 64 - len("join_")

// cmdJoin registers through the invite code in the arguments.
func (c *call) cmdJoin() []ll.Reply {
	return c.join(c.req.Args)
}

// validInviteCode reports whether code is shaped like an invite code.
func validInviteCode(code string) bool {
	if !isToken(code, 1, maxInviteCodeLen) {
		return false
	}
	_, ok := ll.CommunityOfInvite(code)
	return ok
}

// join starts registration through an invite. A personal invite shows the
// profile stored for the member to confirm or change; a community invite asks
// for name, unit, building and skills. A member of the invite's community who
// uses an invite with a role gets the role.
func (c *call) join(code string) []ll.Reply {
	code = strings.ToLower(strings.TrimSpace(code))
	if !validInviteCode(code) {
		return c.say("invite.invalid")
	}
	inv, err := c.h.store.Invite(c.ctx, code)
	if err != nil {
		if errors.Is(err, ll.ErrNotFound) {
			return c.say("invite.invalid")
		}
		return c.fail(err, "")
	}
	comm, err := c.h.store.Community(c.ctx, inv.Community)
	if err != nil {
		if errors.Is(err, ll.ErrNotFound) {
			return c.say("invite.invalid")
		}
		return c.fail(err, "")
	}
	if c.member != nil && c.member.Community == inv.Community {
		return c.rejoin(inv, comm)
	}
	data := map[string]string{"inv": inv.Code, "c": comm.ID, "cn": comm.Name, "role": string(inv.Role)}
	step := stepName
	if inv.Member != "" {
		pm, err := c.h.store.Member(c.ctx, inv.Community, inv.Member)
		if err != nil {
			if errors.Is(err, ll.ErrNotFound) {
				return c.say("invite.invalid")
			}
			return c.fail(err, "")
		}
		if inv.Used || !pm.Active() || (pm.TelegramID != 0 && pm.TelegramID != c.req.UserID) {
			return c.say("invite.used")
		}
		data["pm"] = pm.ID
		data[stepName], data[stepUnit], data[stepBuilding] = pm.Name, pm.Unit, pm.Building
		data[stepSkills] = strings.Join(pm.Skills, listSep)
		step = stepConfirm
	} else if name := strings.TrimSpace(c.req.UserName); name != "" && validateField(stepName, name) == nil {
		data[stepName] = name
	}
	f, err := c.startFlow(flowRegister, step, data)
	if err != nil {
		return c.fail(err, "")
	}
	intro := c.t("join.intro", comm.Name, comm.ID)
	if inv.Role != ll.RoleNone {
		intro += "\n" + c.t("join.role", c.roleName(inv.Role))
	}
	if c.member != nil {
		old := c.member.Community
		if oc, err := c.h.store.Community(c.ctx, old); err == nil {
			old = oc.Name
		}
		intro += "\n" + c.t("join.move", old)
	}
	if inv.Member != "" {
		intro += "\n" + c.t("join.personal")
	}
	r := c.regPrompt(f)
	r.Text = intro + "\n\n" + r.Text
	return []ll.Reply{r}
}

// rejoin answers an invite of the community the user already belongs to; an
// invite with a role gives them the role.
func (c *call) rejoin(inv ll.Invite, comm ll.Community) []ll.Reply {
	m := c.member
	if inv.Role == ll.RoleNone || inv.Role == m.Role || (inv.Member != "" && inv.Member != m.ID) {
		return c.say("join.already", m.ID, comm.Name)
	}
	reg, err := c.h.store.Register(c.ctx, inv, ll.Member{TelegramID: c.req.UserID}, c.now)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{Text: c.t("join.role_applied", c.roleName(reg.Role), comm.Name), SetMenu: menuFor(reg.Role)}}
}

// regPrompt is the prompt of the registration's current step.
func (c *call) regPrompt(f *ll.Flow) ll.Reply {
	if f.Step != stepConfirm {
		return c.askField(f)
	}
	msg := c.t("reg.confirm", f.Data["cn"]) + "\n" + c.profileSummary(f)
	if role := ll.Role(f.Data["role"]); role != ll.RoleNone {
		msg += "\n" + c.t("join.role", c.roleName(role))
	}
	return ll.Reply{Text: msg, Buttons: [][]ll.Button{{
		flowButton(f, c.label("button.register"), "yes"),
		flowButton(f, c.label("button.change"), "edit"),
	}}}
}

// profileSummary lists the profile gathered in a flow.
func (c *call) profileSummary(f *ll.Flow) string {
	none := c.label("skills.none")
	return c.t("profile.summary", or(f.Data[stepName], none), or(f.Data[stepUnit], none),
		or(f.Data[stepBuilding], none), joinSkills(list(f, stepSkills), none))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// regText takes a typed answer for the registration's current step.
func (c *call) regText(f *ll.Flow) []ll.Reply {
	if f.Step == stepConfirm {
		r := c.regPrompt(f)
		r.Text = c.t("flow.press_button") + "\n\n" + r.Text
		return []ll.Reply{r}
	}
	done, rs := c.fieldText(f)
	if !done {
		return rs
	}
	return c.regNext(f)
}

// regPress takes a button answer for the registration's current step.
func (c *call) regPress(f *ll.Flow, value string) []ll.Reply {
	if f.Step == stepConfirm {
		switch value {
		case "yes":
			return c.completeRegistration(f)
		case "edit":
			if err := c.enterField(f, stepName); err != nil {
				return c.fail(err, "")
			}
			if err := c.saveFlow(f); err != nil {
				return c.fail(err, "")
			}
			return []ll.Reply{c.regPrompt(f)}
		}
		return c.stale()
	}
	done, rs, ok := c.fieldPress(f, value)
	if !ok {
		return c.stale()
	}
	if !done {
		return rs
	}
	return c.regNext(f)
}

// regNext moves registration to the step after the current one.
func (c *call) regNext(f *ll.Flow) []ll.Reply {
	next := map[string]string{stepName: stepUnit, stepUnit: stepBuilding, stepBuilding: stepSkills, stepSkills: stepConfirm}[f.Step]
	if next == stepConfirm {
		f.Step = stepConfirm
		delete(f.Data, "opts")
	} else if err := c.enterField(f, next); err != nil {
		return c.fail(err, "")
	}
	if err := c.saveFlow(f); err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{c.regPrompt(f)}
}

// completeRegistration registers the user: it leaves a membership in another
// community first, then registers through the invite (applying its role) and
// suggests posts to claim.
func (c *call) completeRegistration(f *ll.Flow) []ll.Reply {
	inv, err := c.h.store.Invite(c.ctx, f.Data["inv"])
	if err != nil {
		if errors.Is(err, ll.ErrNotFound) {
			if err := c.endFlow(); err != nil {
				return c.fail(err, "")
			}
			return c.say("invite.invalid")
		}
		return c.fail(err, "")
	}
	m := ll.Member{
		TelegramID: c.req.UserID,
		Name:       f.Data[stepName],
		Unit:       f.Data[stepUnit],
		Building:   f.Data[stepBuilding],
		Skills:     list(f, stepSkills),
		Language:   c.lang,
	}
	if err := m.Validate(); err != nil {
		return c.fail(err, "")
	}
	if c.member != nil {
		if c.member.Community == inv.Community {
			if inv.Member != "" && inv.Member != c.member.ID {
				if err := c.endFlow(); err != nil {
					return c.fail(err, "")
				}
				return c.say("join.already", c.member.ID, f.Data["cn"])
			}
		} else {
			old := *c.member
			audit := &ll.AuditEntry{Time: c.now, Community: old.Community, Actor: old.ID, Action: "move", Object: old.ID, Detail: "to " + inv.Community}
			if err := c.h.store.RemoveMember(c.ctx, old.Community, old.ID, c.now, audit); err != nil {
				return c.fail(err, "")
			}
			c.member = nil
		}
	}
	reg, err := c.h.store.Register(c.ctx, inv, m, c.now)
	if err != nil {
		if code := ll.ErrorCode(err); code == ll.ECONFLICT || code == ll.ENOTFOUND {
			if err := c.endFlow(); err != nil {
				c.h.log.Warn("end registration flow", "user", c.req.UserID, "err", err)
			}
			if code == ll.ENOTFOUND {
				return c.say("invite.invalid")
			}
		}
		return c.fail(err, "")
	}
	c.member = &reg
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end registration flow", "user", c.req.UserID, "err", err)
	}
	msg := c.t("reg.done", reg.Name, reg.ID, f.Data["cn"])
	if reg.Role != ll.RoleNone {
		msg += "\n" + c.t("join.role", c.roleName(reg.Role))
	}
	sugg, rows, err := c.suggestions(reg, 5)
	if err != nil {
		c.h.log.Warn("suggest posts", "user", c.req.UserID, "err", err)
	}
	if sugg != "" {
		msg += "\n\n" + sugg
	}
	msg += "\n\n" + c.t("reg.next")
	return []ll.Reply{{Text: msg, Buttons: rows, SetMenu: menuFor(reg.Role)}}
}
