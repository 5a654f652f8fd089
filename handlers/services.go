package handlers

import (
	"errors"
	"regexp"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Service records (SPEC section 2): a member reports a service done with
// /log; it counts once a committee member other than its author approves
// it. The Store makes the decision atomic and refuses self-approval; the
// handlers check it first too, to say so plainly, and tell the author.

// flowReject is the reason asked for after [Reject]: one step, "reason".
const flowReject = "rj"

// datePattern is what a date typed as the first word of /log looks like.
var datePattern = regexp.MustCompile(`^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$`)

// parseServiceArgs splits "/log [date] <text>" into the service date
// (YYYY-MM-DD; today in the community's zone when none is given) and the
// text. The date may not lie in the future nor more than
// MaxServiceBackdate days back; "today", "yesterday", 今天 and 昨天 work too.
func parseServiceArgs(args string, now time.Time) (date, text string, err error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	day := today
	args = strings.TrimSpace(args)
	first, rest := args, ""
	if i := strings.IndexFunc(args, isSpace); i >= 0 {
		first, rest = args[:i], strings.TrimSpace(args[i:])
	}
	switch {
	case strings.EqualFold(first, "today") || first == "今天":
		text = rest
	case strings.EqualFold(first, "yesterday") || first == "昨天":
		day, text = today.AddDate(0, 0, -1), rest
	case datePattern.MatchString(first):
		t, perr := time.ParseInLocation("2006-1-2", strings.NewReplacer("/", "-", ".", "-").Replace(first), now.Location())
		if perr != nil {
			return "", "", ll.Invalid("date", "not a date")
		}
		day, text = t, rest
	default:
		text = args
	}
	if day.After(today) || day.Before(today.AddDate(0, 0, -ll.MaxServiceBackdate)) {
		return "", "", ll.Invalid("date", "date out of range")
	}
	return day.Format(time.DateOnly), text, nil
}

// logService records a service the member did, waiting for approval. The
// same report sent again while the first waits is not recorded twice.
func (c *call) logService() []ll.Reply {
	m := c.member
	comm, err := c.h.store.Community(c.ctx, m.Community)
	if err != nil {
		return c.fail(err, "")
	}
	date, body, err := parseServiceArgs(c.req.Args, c.now.In(comm.Location()))
	if err != nil {
		return c.fail(err, "")
	}
	if body == "" {
		return c.usage("log")
	}
	if err := checkFreeText("text", body, ll.MaxDescriptionLen, true); err != nil {
		return c.fail(err, "")
	}
	pending, err := c.h.store.PendingServices(c.ctx, m.Community)
	if err != nil {
		return c.fail(err, "")
	}
	for _, r := range pending {
		if r.Member == m.ID && r.Date == date && r.Text == body {
			return c.say("log.exists", r.ID)
		}
	}
	r, err := c.h.store.LogService(c.ctx, ll.ServiceRecord{
		Community: m.Community, Member: m.ID, Text: body, Date: date, Status: ll.ServicePending, Created: c.now,
	})
	if err != nil {
		return c.fail(err, "")
	}
	return c.say("log.done", r.ID, r.Date, truncate(r.Text, 200))
}

// pending lists the service records awaiting approval.
func (c *call) pending() []ll.Reply {
	r, err := c.pendingPage(1)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{r}
}

// pendingPage renders one page of the records awaiting approval, with
// [Approve] and [Reject] on those the caller may decide.
func (c *call) pendingPage(page int) (ll.Reply, error) {
	sc := c.scope
	recs, err := c.h.store.PendingServices(c.ctx, sc.Community.ID)
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
		if r.Member == sc.Actor {
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

// serviceArg reads a service record id argument.
func serviceArg(s string) (string, error) {
	id := ll.NormalizeID('S', s)
	if id == "" {
		return "", ll.Invalid("service", "not a service record id")
	}
	return id, nil
}

// cmdApprove approves the record in the arguments; without one it lists
// the records awaiting approval.
func (c *call) cmdApprove() []ll.Reply {
	if c.req.Args == "" {
		return c.pending()
	}
	id, err := serviceArg(c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	return c.decide(id, true, "")
}

// cmdReject rejects a record with a reason: "/reject S4 <reason>".
func (c *call) cmdReject() []ll.Reply {
	args := splitArgs(c.req.Args, 2)
	id, err := serviceArg(args[0])
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
	if err := checkFreeText("reason", reason, maxReasonLen, !approve); err != nil {
		return c.fail(err, "")
	}
	r, err := c.h.store.ServiceRecord(c.ctx, sc.Community.ID, id)
	if err != nil {
		return c.fail(err, id)
	}
	if r.Member == sc.Actor {
		return c.say("service.own", id)
	}
	action := "reject"
	if approve {
		action = "approve"
	}
	r, changed, err := c.h.store.Decide(c.ctx, sc.Community.ID, id, approve, sc.Actor, reason, c.now, sc.Audit(action, id, reason))
	switch {
	case errors.Is(err, ll.ErrForbidden):
		return c.say("service.own", id)
	case ll.ErrorCode(err) == ll.ECONFLICT:
		if cur, err := c.h.store.ServiceRecord(c.ctx, sc.Community.ID, id); err == nil {
			return c.say("service.decided", id, rawHTML(c.serviceStatus(cur.Status)), or(cur.DecidedBy, "—"))
		}
		return c.fail(err, id)
	case err != nil:
		return c.fail(err, id)
	}
	names, err := c.memberNames(sc.Community.ID)
	if err != nil {
		return c.fail(err, "")
	}
	if !changed {
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
	r, err := c.h.store.ServiceRecord(c.ctx, sc.Community.ID, id)
	if err != nil {
		return c.toastErr(err, id)
	}
	if r.Member == sc.Actor {
		return c.say("service.own", id)
	}
	if r.Status != ll.ServicePending {
		return c.say("service.decided", id, rawHTML(c.serviceStatus(r.Status)), or(r.DecidedBy, "—"))
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
	if err := checkFreeText("reason", reason, maxReasonLen, true); err != nil {
		return append(c.fail(err, ""), ll.Reply{Text: c.t("reject.ask", f.Data["s"], "…")})
	}
	if err := c.endFlow(); err != nil {
		return c.fail(err, "")
	}
	return c.decide(f.Data["s"], false, reason)
}
