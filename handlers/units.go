package handlers

import (
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Workplaces (SPEC section 11): /units, /newunit and /liaison for admins,
// /unit for a unit's liaisons (and admins), the unit step of registration
// and /profile that offers the units matching what the person types, and
// the registration receipts (报到回执) to the liaisons.

// Flow data and button values of the unit step.
const (
	dataUnitID   = "uid"   // the unit id the typed unit is linked to, "" for unmatched
	dataTyped    = "typed" // what the person typed, while matching units are offered
	dataUnitOpts = "uopts" // the ids of the units offered
	unitOption   = "u"     // button value u<i>: the i-th unit offered
	unitAsTyped  = "asis"  // button value: keep the typed text, unmatched
	maxUnitHits  = 6       // units offered for one typed search
)

// unitSearchHint tells the person they may type a few characters of their
// workplace to find it, when the district has units.
func (c *call) unitSearchHint() string {
	if !c.hasUnits() {
		return ""
	}
	return "\n" + c.t("ask.unit_search")
}

// hasUnits reports whether the district has any unit.
func (c *call) hasUnits() bool {
	n, err := c.h.app.Units.Count(c.ctx)
	return err == nil && n > 0
}

// unitShown is a typed unit as a profile shows it: with its unit id when it
// matched one, marked unmatched when it did not (and the district has
// units), none when empty.
func (c *call) unitShown(unit, id, none string) string {
	switch {
	case unit == "":
		return none
	case id != "":
		return unit + " (" + id + ")"
	case c.hasUnits():
		return unit + " (" + c.label("unit.unmatched") + ")"
	}
	return unit
}

// unitTyped takes the text typed at the unit step: a unit's name or short
// name links it at once; text that some units contain offers them as
// buttons, with one to keep the text as typed (unmatched); anything else is
// kept unmatched.
func (c *call) unitTyped(f *ll.Flow, v string) (done bool, rs []ll.Reply) {
	_, id, err := c.h.app.Units.Match(c.ctx, v, "")
	if err != nil {
		return false, c.fail(err, "")
	}
	if id != "" {
		f.Data[stepUnit], f.Data[dataUnitID] = v, id
		delete(f.Data, dataTyped)
		delete(f.Data, dataUnitOpts)
		return true, nil
	}
	hits, err := c.h.app.Units.Search(c.ctx, v, maxUnitHits)
	if err != nil {
		return false, c.fail(err, "")
	}
	if len(hits) == 0 {
		f.Data[stepUnit] = v
		delete(f.Data, dataUnitID)
		return true, nil
	}
	f.Data[dataTyped] = v
	ids := make([]string, len(hits))
	var rows [][]ll.Button
	for i, u := range hits {
		ids[i] = u.ID
		rows = append(rows, []ll.Button{flowButton(f, truncate(u.Label(), 40), unitOption+strconv.Itoa(i))})
	}
	setList(f, dataUnitOpts, ids)
	rows = append(rows, []ll.Button{flowButton(f, c.label("button.unit_as_typed", truncate(v, 24)), unitAsTyped)})
	if err := c.saveFlow(f); err != nil {
		return false, c.fail(err, "")
	}
	return false, []ll.Reply{{Text: c.t("ask.unit_pick", v) + "\n" + c.t("flow.cancel_hint"), Buttons: rows}}
}

// unitPicked takes a press on a unit offered by unitTyped, or the button
// that keeps the typed text.
func (c *call) unitPicked(f *ll.Flow, value string) (done bool, rs []ll.Reply, ok bool) {
	if value == unitAsTyped {
		if f.Data[dataTyped] == "" {
			return false, nil, false
		}
		f.Data[stepUnit] = f.Data[dataTyped]
		delete(f.Data, dataUnitID)
	} else {
		i, err := strconv.Atoi(strings.TrimPrefix(value, unitOption))
		ids := list(f, dataUnitOpts)
		if err != nil || i < 0 || i >= len(ids) || unitOption+strconv.Itoa(i) != value {
			return false, nil, false
		}
		unit, id, err := c.h.app.Units.Match(c.ctx, "", ids[i])
		if err != nil {
			return false, c.toastErr(err, ""), true
		}
		if id == "" {
			return false, nil, false
		}
		f.Data[stepUnit], f.Data[dataUnitID] = unit, id
	}
	delete(f.Data, dataTyped)
	delete(f.Data, dataUnitOpts)
	return true, nil, true
}

// linkTypedUnit links the unit chosen among the community's common typed
// units when it is a unit's name or short name.
func (c *call) linkTypedUnit(f *ll.Flow) {
	_, id, err := c.h.app.Units.Match(c.ctx, f.Data[stepUnit], "")
	if err != nil {
		c.h.log.Warn("match unit", "user", c.req.UserID, "err", err)
	}
	if id != "" {
		f.Data[dataUnitID] = id
	} else {
		delete(f.Data, dataUnitID)
	}
}

// joinReceipts tells the liaisons of the units concerned that the member
// registered (reg) and, for a move, left old.
func (c *call) joinReceipts(old *ll.Member, reg ll.Member) []ll.Reply {
	evs := []app.ReceiptEvent{{Event: ll.ReceiptJoined, Member: reg, Now: &reg, At: reg.Joined}}
	if old != nil && old.Community != reg.Community {
		evs = append(evs, app.ReceiptEvent{Event: ll.ReceiptMoved, Member: *old, Now: &reg, At: c.now})
	}
	return c.sendReceipts(evs...)
}

// sendReceipts queues the receipts of evs; a failure is logged, not shown
// (the member's own action took effect). Without an outbox (the demo, the
// console) the receipts are also replies to the liaisons, shown as
// "→ …: …" (see queuedReplies).
func (c *call) sendReceipts(evs ...app.ReceiptEvent) []ll.Reply {
	msgs, err := c.h.app.Units.SendReceipts(c.ctx, receiptText, evs...)
	if err != nil {
		c.h.log.Warn("registration receipts", "user", c.req.UserID, "err", err)
	}
	return c.queuedReplies(msgs)
}

// queuedReplies shows messages queued for others as replies to them when
// no outbox sender runs (the terminal demo and console); nil otherwise.
func (c *call) queuedReplies(msgs []ll.OutMessage) []ll.Reply {
	if c.h.cfg.Outbox != nil {
		return nil
	}
	var rs []ll.Reply
	for _, m := range msgs {
		r := m.Reply
		r.ChatID = m.ChatID
		if r.ToLabel == "" {
			r.ToLabel = "tg:" + strconv.FormatInt(m.ChatID, 10)
			if m.Member != "" {
				r.ToLabel = m.Member
			}
		}
		rs = append(rs, r)
	}
	return rs
}

// receiptText words a receipt for a liaison: the unit, the member by id and
// name (none once forgotten), the community and the date. No Telegram id.
func receiptText(lang string, r app.Receipt) ll.Reply {
	date := r.At.In(r.Community.Location()).Format(time.DateOnly)
	head := tr(lang, "receipt.head", r.Unit.Name, r.Unit.ID)
	var body string
	switch r.Event {
	case ll.ReceiptJoined:
		body = tr(lang, "receipt.joined", r.Name, r.MemberID, r.Community.Name, r.Community.ID, date)
	case ll.ReceiptMoved:
		body = tr(lang, "receipt.moved", r.Name, r.MemberID, r.Community.Name, r.To.Name, r.To.ID, r.ToMember, date)
	case ll.ReceiptLeft:
		body = tr(lang, "receipt.left", r.Name, r.MemberID, r.Community.Name, r.Community.ID, date)
	default:
		body = tr(lang, "receipt.forgot", r.MemberID, r.Community.Name, r.Community.ID, date)
	}
	return ll.Reply{Text: head + "\n" + body + "\n\n" + tr(lang, "receipt.foot")}
}

// units lists the district's units (admins).
func (c *call) unitsList() []ll.Reply {
	r, err := c.unitsPage(1)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{r}
}

// unitsPage is one page of /units.
func (c *call) unitsPage(page int) (ll.Reply, error) {
	all, err := c.h.app.Units.List(c.ctx, c.actor())
	if err != nil {
		return ll.Reply{}, err
	}
	if len(all) == 0 {
		return ll.Reply{Text: c.t("units.empty")}, nil
	}
	from, to, shown, pages := pageBounds(len(all), page)
	var b strings.Builder
	b.WriteString(c.t("units.title", len(all)))
	for _, u := range all[from:to] {
		b.WriteString("\n" + c.t("units.line", u.Label(), len(u.Liaisons)))
	}
	b.WriteString(c.pageFooter(shown, pages))
	return ll.Reply{Text: b.String(), Buttons: appendRow(nil, navRow(listUnits, shown, pages, ""))}, nil
}

// newUnit creates a unit: /newunit <name> [| <short name>] (admins).
func (c *call) newUnit() []ll.Reply {
	u, err := c.h.app.Units.Create(c.ctx, c.actor(), c.req.Args)
	if err != nil {
		if ll.ErrorCode(err) == ll.ECONFLICT {
			return c.say("unit.taken")
		}
		return c.fail(err, "")
	}
	return c.say("unit.created", u.Label(), u.ID, u.ID)
}

// liaison adds (/liaison U3 <tg id>) or removes (/liaison U3 -<tg id>) a
// unit's liaison (admins).
func (c *call) liaison() []ll.Reply {
	args := splitArgs(c.req.Args, 3)
	if len(args) != 2 {
		return c.usage("liaison")
	}
	arg, remove := strings.CutPrefix(args[1], "-")
	tg, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || tg <= 0 {
		return c.fail(ll.Invalid("liaison", "not a Telegram id"), "")
	}
	u, changed, err := c.h.app.Units.SetLiaison(c.ctx, c.actor(), args[0], tg, remove)
	if err != nil {
		return c.fail(err, strings.ToUpper(args[0]))
	}
	key := "liaison.added"
	switch {
	case remove && changed:
		key = "liaison.removed"
	case !changed:
		key = "liaison.unchanged"
	}
	rs := c.say(key, u.Label(), len(u.Liaisons))
	if changed && tg != c.req.UserID {
		// The person is told (through the outbox when one runs).
		lang := c.h.cfg.DefaultLanguage
		if usr, err := c.h.store.User(c.ctx, tg); err == nil && ll.ValidLanguage(usr.Language) {
			lang = usr.Language
		}
		if !ll.ValidLanguage(lang) {
			lang = ll.DefaultLanguage
		}
		told := "liaison.told_added"
		if remove {
			told = "liaison.told_removed"
		}
		to := ll.Reply{ChatID: tg, ToLabel: "tg:" + strconv.FormatInt(tg, 10), Text: tr(lang, told, u.Label())}
		if !remove && !c.committeeMember(tg) {
			to.SetMenu = "member+app" // the Mini App as their menu button: the unit page (the committee has it)
		}
		rs = append(rs, to)
	}
	return rs
}

// unit is the liaison's view (/unit, or /unit U3 for an admin or a liaison
// of several units): the unit's members in every community, those at risk
// first, paged. Only in the private chat.
func (c *call) unit() []ll.Reply {
	arg := strings.TrimSpace(c.req.Args)
	if arg != "" && ll.NormalizeID('U', arg) == "" {
		return c.usage("unit")
	}
	r, err := c.unitPage(ll.NormalizeID('U', arg), 1)
	if err != nil {
		return c.fail(err, strings.ToUpper(arg))
	}
	return []ll.Reply{r}
}

// unitPage is one page of /unit.
func (c *call) unitPage(id string, page int) (ll.Reply, error) {
	v, err := c.h.app.Units.View(c.ctx, c.actor(), id)
	if err != nil {
		return ll.Reply{}, err
	}
	var b strings.Builder
	b.WriteString(c.t("unitview.title", v.Unit.Label(), v.Year, len(v.Members), v.AtRisk))
	if len(v.Members) == 0 {
		b.WriteString("\n" + c.t("unitview.empty"))
	}
	from, to, shown, pages := pageBounds(len(v.Members), page)
	for _, m := range v.Members[from:to] {
		mark := "✅"
		if m.AtRisk() {
			mark = "⚠️"
		}
		b.WriteString("\n" + c.t("unitview.line", mark, or(m.Member.Name, "—"), m.Member.ID, m.Community.Name,
			m.Standing.Posts, m.Standing.Total, m.Standing.Minimum, c.label(compliantKey(m.Standing.Compliant)), m.DaysLeft))
	}
	if len(v.Mine) > 0 {
		b.WriteString("\n\n" + c.t("unitview.others", strings.Join(v.Mine, ", ")))
	}
	b.WriteString(c.pageFooter(shown, pages))
	return ll.Reply{Text: b.String(), Buttons: appendRow(nil, navRow(listUnit, shown, pages, v.Unit.ID))}, nil
}

func compliantKey(ok bool) string {
	if ok {
		return "unitview.compliant"
	}
	return "unitview.behind"
}

// committeeMember reports whether Telegram user tg's active membership has
// a committee role (false when it cannot be read).
func (c *call) committeeMember(tg int64) bool {
	usr, err := c.h.store.User(c.ctx, tg)
	if err != nil || usr.MemberID == "" {
		return false
	}
	m, err := c.h.store.Member(c.ctx, usr.Community, usr.MemberID)
	return err == nil && m.Active() && m.TelegramID == tg && m.Role.IsCommittee()
}
