package handlers

import (
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Service records (SPEC section 2): a member reports a service done with
// /log; it counts once a committee member other than its author approves
// it. app.Services owns the rules (the date range and text limits, who may
// decide, the audit entry, the refusals); the handlers word its answers,
// show the buttons and tell the author.

// flowReject is the reason asked for after [Reject]: one step, "reason".
const flowReject = "rj"

// splitServiceArgs splits "/log [date] <text>" into the typed date (empty
// when the first word is not meant as one) and the text; Services.Log reads
// the date.
func splitServiceArgs(args string) (date, text string) {
	args = strings.TrimSpace(args)
	first, rest := args, ""
	if i := strings.IndexFunc(args, isSpace); i >= 0 {
		first, rest = args[:i], strings.TrimSpace(args[i:])
	}
	if app.LooksLikeServiceDate(first) {
		return first, rest
	}
	return "", args
}

// logService records a service the member did, waiting for approval. The
// same report sent again while the first waits is not recorded twice.
func (c *call) logService() []ll.Reply {
	date, body := splitServiceArgs(c.req.Args)
	r, existed, err := c.h.app.Services.Log(c.ctx, c.actor(), date, body)
	switch {
	case err != nil && body == "" && ll.ErrorCode(err) == ll.EINVALID && ll.ErrorDetail(err) == "text":
		return c.usage("log")
	case err != nil:
		return c.fail(err, "")
	case existed:
		return c.say("log.exists", r.ID)
	}
	return c.say("log.done", r.ID, r.Date, truncate(r.Text, 200))
}

// pending lists the service records awaiting approval.
func (c *call) pending() []ll.Reply {
	r, err := c.pendingPage(1)
	if err != nil {
		return c.fail(err, "")
	}
	if nr, ok := c.pendingNeeds(); ok { // needs awaiting the committee (needs.go)
		return []ll.Reply{r, nr}
	}
	return []ll.Reply{r}
}

// pendingPage renders one page of the records awaiting approval, with
// [Approve] and [Reject] on those the caller may decide.
func (c *call) pendingPage(page int) (ll.Reply, error) {
	sc := c.scope
	recs, err := c.h.app.Services.Pending(c.ctx, sc)
	if err != nil {
		return ll.Reply{}, err
	}
	if len(recs) == 0 {
		return ll.Reply{Text: c.t("pending.none")}, nil
	}
	names, err := c.memberNames(sc.Community.ID)
	if err != nil {
		return ll.Reply{}, err
	}
	from, to, shown, pages := pageBounds(len(recs), page)
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(c.t("pending.title", len(recs)))
	for _, r := range recs[from:to] {
		b.WriteString("\n\n<b>" + r.ID + "</b> " + r.Date + " · " + escape(names.display(r.Member)) + "\n" + escape(truncate(r.Text, 300)))
		if !app.MayDecide(sc, r) || sc.IsPerson(names[r.Member]) { // any membership of theirs
			b.WriteString("\n" + c.t("pending.yours"))
			continue
		}
		rows = append(rows, []ll.Button{
			{Text: c.label("button.approve", r.ID), Data: callback{kind: cbApprove, id: r.ID}.encode()},
			{Text: c.label("button.reject", r.ID), Data: callback{kind: cbReject, id: r.ID}.encode()},
		})
	}
	b.WriteString("\n\n" + c.t("pending.hint"))
	b.WriteString(c.pageFooter(shown, pages))
	rows = appendRow(rows, navRow(listPending, shown, pages, ""))
	return ll.Reply{Text: b.String(), Buttons: rows}, nil
}

// cmdApprove approves the record in the arguments; without one it lists
// the records awaiting approval.
func (c *call) cmdApprove() []ll.Reply {
	if c.req.Args == "" {
		return c.pending()
	}
	if nid := ll.NormalizeID('N', c.req.Args); nid != "" {
		return c.approveNeed(nid) // a need awaiting the committee (needs.go)
	}
	id, err := app.ServiceID(c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	return c.decide(id, true, "")
}

// cmdReject rejects a record with a reason: "/reject S4 <reason>".
func (c *call) cmdReject() []ll.Reply {
	args := splitArgs(c.req.Args, 2)
	id, err := app.ServiceID(args[0])
	if err != nil {
		return c.fail(err, "")
	}
	if len(args) < 2 {
		return c.usage("reject")
	}
	return c.decide(id, false, args[1])
}

// decide approves or rejects a pending record and tells its author. A
// repeat (a retry, a double tap) changes nothing and tells no one again.
func (c *call) decide(id string, approve bool, reason string) []ll.Reply {
	sc := c.scope
	d, err := c.h.app.Services.Decide(c.ctx, sc, id, approve, reason)
	switch {
	case ll.ErrorCode(err) == ll.EFORBIDDEN && ll.ErrorDetail(err) == ll.ReasonSelf:
		return c.say("service.own", id)
	case ll.ErrorCode(err) == ll.ECONFLICT && d.Record.ID != "":
		return c.say("service.decided", id, rawHTML(c.serviceStatus(d.Record.Status)), or(d.Record.DecidedBy, "—"))
	case err != nil:
		return c.fail(err, id)
	}
	r := d.Record
	names, err := c.memberNames(sc.Community.ID)
	if err != nil {
		return c.fail(err, "")
	}
	if !d.Changed {
		return c.say("service.already", id, rawHTML(c.serviceStatus(r.Status)))
	}
	rs := c.say("service.rejected", id, names.display(r.Member), r.Date)
	if approve {
		rs = c.say("service.approved", id, names.display(r.Member), r.Date)
	}
	author, ok := names[r.Member]
	if !ok || author.TelegramID == 0 || author.TelegramID == c.req.UserID || !author.Active() {
		return rs
	}
	lang := memberLanguage(author, sc.Community, c.h.cfg.DefaultLanguage)
	var msg string
	if approve {
		year := 0
		if t, err := time.Parse(time.DateOnly, r.Date); err == nil {
			year = t.Year()
		}
		msg = tr(lang, "service.approved_told", r.ID, r.Date, truncate(r.Text, 100), year)
		if s, err := c.standing(author, sc.Community, year); err == nil {
			msg += "\n" + standingLineIn(lang, s)
		} else {
			c.h.log.Warn("standing after approval", "member", author.ID, "err", err)
		}
	} else {
		msg = tr(lang, "service.rejected_told", r.ID, r.Date, truncate(r.Text, 100), reason)
	}
	return append(rs, ll.Reply{ChatID: author.TelegramID, ToLabel: toLabel(author), Text: msg})
}

// serviceStatus names a service record's status.
func (c *call) serviceStatus(status string) string {
	switch status {
	case ll.ServiceApproved:
		return c.t("service.status_approved")
	case ll.ServiceRejected:
		return c.t("service.status_rejected")
	}
	return c.t("service.status_pending")
}

// startRejectFlow asks for the reason of a rejection pressed on /pending.
func (c *call) startRejectFlow(id string) []ll.Reply {
	sc := c.scope
	r, err := c.h.app.Services.Decidable(c.ctx, sc, id)
	switch {
	case ll.ErrorCode(err) == ll.EFORBIDDEN && ll.ErrorDetail(err) == ll.ReasonSelf:
		return c.say("service.own", id)
	case ll.ErrorCode(err) == ll.ECONFLICT && r.ID != "":
		return c.say("service.decided", id, rawHTML(c.serviceStatus(r.Status)), or(r.DecidedBy, "—"))
	case err != nil:
		return c.toastErr(err, id)
	}
	if _, err := c.startFlow(flowReject, "reason", map[string]string{"c": sc.Community.ID, "s": id}); err != nil {
		return c.toastErr(err, "")
	}
	return []ll.Reply{{Text: c.t("reject.ask", id, truncate(r.Text, 200)) + "\n" + c.t("flow.cancel_hint"), CallbackAnswer: "✎"}}
}

// rejectFlowText takes the reason and rejects the record.
func (c *call) rejectFlowText(f *ll.Flow) []ll.Reply {
	if err := c.flowScope(f); err != nil {
		return c.abandonFlow(err)
	}
	reason := strings.TrimSpace(c.req.Text)
	if err := app.CheckRejectReason(reason); err != nil {
		return append(c.fail(err, ""), ll.Reply{Text: c.t("reject.ask", f.Data["s"], "…")})
	}
	if err := c.endFlow(); err != nil {
		return c.fail(err, "")
	}
	return c.decide(f.Data["s"], false, reason)
}
