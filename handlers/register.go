package handlers

import (
	"errors"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
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
	o, err := c.h.app.Invites.Open(c.ctx, c.actor(), code)
	switch {
	case errors.Is(err, ll.ErrNotFound):
		return c.say("invite.invalid")
	case ll.ErrorDetail(err) == ll.ReasonUsed:
		return c.say("invite.used")
	case err != nil:
		return c.fail(err, "")
	case o.Rejoin:
		return c.rejoin(o)
	}
	inv, comm := o.Invite, o.Community
	data := map[string]string{"inv": inv.Code, "c": comm.ID, "cn": comm.Name, "role": string(inv.Role)}
	step := stepName
	if pm := o.Personal; pm != nil {
		data["pm"] = pm.ID
		data[stepName], data[stepUnit], data[stepBuilding] = pm.Name, pm.Unit, pm.Building
		data[dataUnitID] = pm.UnitID
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
	if me, _ := c.self(); me != nil {
		old := me.Community
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
func (c *call) rejoin(o app.Opened) []ll.Reply {
	reg, changed, err := c.h.app.Invites.ApplyRole(c.ctx, c.actor(), o)
	if err != nil {
		return c.fail(err, "")
	}
	if !changed {
		return c.say("join.already", reg.ID, o.Community.Name)
	}
	return []ll.Reply{{Text: c.t("join.role_applied", c.roleName(reg.Role), o.Community.Name), SetMenu: menuFor(reg.Role)}}
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
	return c.t("profile.summary", or(f.Data[stepName], none), c.unitShown(f.Data[stepUnit], f.Data[dataUnitID], none),
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
	p := ll.Member{
		Name:     f.Data[stepName],
		Unit:     f.Data[stepUnit],
		UnitID:   f.Data[dataUnitID],
		Building: f.Data[stepBuilding],
		Skills:   list(f, stepSkills),
		Language: c.lang,
	}
	var old *ll.Member // the membership a move leaves, for its receipt
	if me, err := c.self(); err == nil && me != nil {
		cp := *me
		old = &cp
	}
	reg, err := c.h.app.Invites.Join(c.ctx, c.actor(), f.Data["inv"], p)
	if err != nil {
		code := ll.ErrorCode(err)
		if code == ll.EINVALID {
			return c.fail(err, "")
		}
		if code == ll.ECONFLICT || code == ll.ENOTFOUND {
			if err := c.endFlow(); err != nil {
				c.h.log.Warn("end registration flow", "user", c.req.UserID, "err", err)
			}
			switch {
			case code == ll.ENOTFOUND:
				return c.say("invite.invalid")
			case ll.ErrorDetail(err) == ll.ReasonRegistered:
				return c.say("join.already", reg.ID, f.Data["cn"])
			}
		}
		return c.fail(err, "")
	}
	c.member = &reg
	receipts := c.joinReceipts(old, reg)
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
	return append([]ll.Reply{{Text: msg, Buttons: rows, SetMenu: menuFor(reg.Role)}}, receipts...)
}
