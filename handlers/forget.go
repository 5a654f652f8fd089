package handlers

import (
	"errors"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// /forgetme (SPEC section 6): after confirmation the member's name, Telegram
// id, unit, building and skills are deleted; the ledger stays under the
// member id, named "—", so the community's totals do not change.

// flowForget is the confirmation of /forgetme: one step, "confirm".
const flowForget = "fg"

// forgetMe asks the member to confirm that their personal data be deleted.
func (c *call) forgetMe() []ll.Reply {
	m, err := c.self()
	if err != nil {
		return c.fail(err, "")
	}
	f, err := c.startFlow(flowForget, "confirm", map[string]string{"c": m.Community, "m": m.ID})
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{{
		Text: c.t("forget.ask", m.ID) + "\n" + c.t("flow.cancel_hint"),
		Buttons: [][]ll.Button{{
			flowButton(f, c.label("button.forget_yes"), "yes"),
			flowButton(f, c.label("button.forget_no"), "no"),
		}},
	}}
}

// forgetText answers typed text in the confirmation: only a button will do.
func (c *call) forgetText(f *ll.Flow) []ll.Reply {
	return c.say("flow.press_button")
}

// forgetPress deletes the member's personal data, or keeps it.
func (c *call) forgetPress(f *ll.Flow, value string) []ll.Reply {
	m, err := c.self()
	if err != nil && !errors.Is(err, ll.ErrNotMember) {
		return c.toastErr(err, "")
	}
	if m == nil || m.ID != f.Data["m"] || m.Community != f.Data["c"] {
		if err := c.endFlow(); err != nil {
			return c.toastErr(err, "")
		}
		return c.toastErr(ll.ErrStale, "")
	}
	switch value {
	case "no":
		if err := c.endFlow(); err != nil {
			return c.toastErr(err, "")
		}
		return []ll.Reply{{Text: c.t("forget.kept"), Edit: true}}
	case "yes":
	default:
		return c.stale()
	}
	if err := c.h.app.Members.Forget(c.ctx, c.actor(), f.Data["c"], f.Data["m"]); err != nil {
		return c.toastErr(err, "")
	}
	receipts := c.sendReceipts(app.ReceiptEvent{Event: ll.ReceiptForgot, Member: *m, At: c.now})
	if err := c.endFlow(); err != nil {
		c.h.log.Warn("end forget flow", "user", c.req.UserID, "err", err)
	}
	c.member, c.user.MemberID = nil, ""
	r := ll.Reply{Text: c.t("forget.done", m.ID), Edit: true}
	if m.Role.IsCommittee() && !c.admin {
		r.SetMenu = "member"
	}
	return append([]ll.Reply{r}, receipts...)
}
