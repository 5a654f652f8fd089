package handlers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// committee resolves the community the caller's committee commands act on,
// from the role stored now: an admin's /use choice (or their own community),
// else the community where the caller holds a committee role.
func (c *call) committee() (*app.Scope, error) {
	if c.scope != nil {
		return c.scope, nil
	}
	sc, err := c.h.app.Access.Committee(c.ctx, c.actor())
	if err != nil {
		return nil, err
	}
	c.scope = &sc
	if c.member == nil && sc.Member != nil {
		c.member = sc.Member // the check read it: no second read
	}
	return c.scope, nil
}

// invite creates an invite link, for a plain member or (secretary and admin
// only) with a committee role; "/invite list" lists the live invites and
// "/invite revoke <code>" revokes one.
func (c *call) invite() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 2)
	if len(args) > 0 {
		switch strings.ToLower(args[0]) {
		case "list", "列表":
			return c.inviteList()
		case "revoke", "撤销":
			if len(args) < 2 {
				return c.usage("invite")
			}
			return c.inviteRevoke(args[1])
		}
	}
	role, err := ll.ParseRole(c.req.Args)
	if err != nil {
		return c.fail(err, "")
	}
	inv, err := c.h.app.Invites.Create(c.ctx, sc, role)
	if err != nil {
		return c.fail(err, "")
	}
	expires := inv.Expires.In(sc.Community.Location()).Format("2006-01-02")
	return c.say("invite.created", c.roleName(role), rawHTML(c.inviteLink(inv.Code)), expires)
}

// inviteList shows the community's live invites: the start of each code
// (enough for /invite revoke), its role, who made it, when it expires and
// whether it was used.
func (c *call) inviteList() []ll.Reply {
	sc := c.scope
	invs, total, err := c.h.app.Invites.List(c.ctx, sc)
	if err != nil {
		return c.fail(err, "")
	}
	if total == 0 {
		return text(c.communityLabel(sc.Community) + c.t("invite.list_empty"))
	}
	loc := sc.Community.Location()
	lines := make([]string, 0, len(invs))
	for _, inv := range invs {
		role := c.roleName(inv.Role)
		if inv.Member != "" {
			role = c.t("invite.personal", inv.Member)
		}
		expires := c.t("invite.never")
		if !inv.Expires.IsZero() {
			expires = inv.Expires.In(loc).Format("2006-01-02 15:04")
		}
		used := c.t("invite.unused")
		if inv.Used {
			used = c.t("invite.was_used")
		}
		lines = append(lines, c.t("invite.list_line", invitePrefix(inv.Code), role, or(inv.CreatedBy, "—"), expires, used))
	}
	if total > len(invs) {
		lines = append(lines, c.t("invite.list_more", total-len(invs)))
	}
	header := c.communityLabel(sc.Community) + c.t("invite.list_header", total)
	var rs []ll.Reply
	for _, chunk := range chunks(header, lines) {
		rs = append(rs, ll.Reply{Text: chunk})
	}
	return rs
}

// invitePrefix is the start of an invite code that /invite list shows: the
// community id and the first characters of the random part, with "…".
func invitePrefix(code string) string {
	i := strings.LastIndexByte(code, '-')
	if i < 0 || len(code)-i-1 <= app.MinInvitePrefix {
		return code
	}
	return code[:i+1+app.MinInvitePrefix] + "…"
}

// inviteRevoke revokes an invite by its code or the start /invite list shows.
func (c *call) inviteRevoke(code string) []ll.Reply {
	sc := c.scope
	inv, changed, err := c.h.app.Invites.Revoke(c.ctx, sc, code)
	switch {
	case ll.ErrorCode(err) == ll.ENOTFOUND:
		return text(c.communityLabel(sc.Community) + c.t("invite.revoke_unknown", code))
	case ll.ErrorCode(err) == ll.EINVALID:
		return text(c.communityLabel(sc.Community) + c.t("invite.revoke_bad", code))
	case err != nil:
		return c.fail(err, "")
	case !changed:
		return text(c.communityLabel(sc.Community) + c.t("invite.revoke_already", invitePrefix(inv.Code)))
	}
	return text(c.communityLabel(sc.Community) + c.t("invite.revoked_ok", invitePrefix(inv.Code), c.roleName(inv.Role)))
}

// inviteLink is the deep link of an invite, or the /join command when the
// bot's username is unknown.
func (c *call) inviteLink(code string) string {
	if c.h.cfg.BotUsername == "" {
		return "<code>/join " + escape(code) + "</code>"
	}
	return escape(fmt.Sprintf("https://t.me/%s?start=join_%s", c.h.cfg.BotUsername, code))
}

// roleName is a role for display; RoleNone reads "member".
func (c *call) roleName(r ll.Role) string {
	return roleNameIn(c.lang, r)
}

func roleNameIn(lang string, r ll.Role) string {
	if r == ll.RoleNone {
		return tr(lang, "role.member")
	}
	return tr(lang, "role."+string(r))
}

// setRole appoints or removes a committee role (secretary and admin only);
// the member is told.
func (c *call) setRole() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 2)
	if len(args) < 2 {
		return c.usage("role")
	}
	role, err := ll.ParseRole(args[1])
	if err != nil {
		return c.fail(err, "")
	}
	m, changed, err := c.h.app.Members.SetRole(c.ctx, sc, args[0], role)
	switch {
	case ll.ErrorDetail(err) == ll.ReasonInactive:
		return c.say("member.not_active", m.ID)
	case err != nil:
		return c.fail(err, args[0])
	case !changed:
		return c.say("role.unchanged", m.DisplayName(), c.roleName(role))
	}
	rs := c.say("role.set", m.DisplayName(), c.roleName(role))
	switch m.TelegramID {
	case 0:
	case c.req.UserID:
		rs[0].SetMenu = menuFor(role)
		if c.admin {
			rs[0].SetMenu = menuFor(ll.RoleAdmin)
		}
	default:
		lang := memberLanguage(m, sc.Community, c.h.cfg.DefaultLanguage)
		msg := tr(lang, "role.told", roleNameIn(lang, role), sc.Community.Name)
		if role == ll.RoleNone {
			msg = tr(lang, "role.told_removed", sc.Community.Name)
		}
		rs = append(rs, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: msg, SetMenu: menuFor(role)})
	}
	return rs
}

// memberLanguage is the language to write to a member in: theirs, else their
// community's, else def.
func memberLanguage(m ll.Member, comm ll.Community, def string) string {
	switch {
	case ll.ValidLanguage(m.Language):
		return m.Language
	case ll.ValidLanguage(comm.Language):
		return comm.Language
	}
	return def
}

// remove marks a member as moved away; their record is kept. Removing a
// committee member is for the secretary or an admin.
func (c *call) remove() []ll.Reply {
	sc := c.scope
	arg := strings.TrimSpace(c.req.Args)
	m, changed, err := c.h.app.Members.Remove(c.ctx, sc, arg)
	switch {
	case err != nil:
		return c.fail(err, arg)
	case !changed:
		return c.say("remove.already", m.DisplayName())
	}
	rs := c.say("remove.done", m.DisplayName())
	rs = append(rs, c.sendReceipts(app.ReceiptEvent{Event: ll.ReceiptLeft, Member: m, At: sc.Now})...)
	if m.TelegramID != 0 && m.TelegramID != c.req.UserID {
		lang := memberLanguage(m, sc.Community, c.h.cfg.DefaultLanguage)
		rs = append(rs, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m),
			Text: tr(lang, "remove.told", sc.Community.Name), SetMenu: "member"})
	}
	return rs
}

// members searches the community's active members by name, unit, building,
// skill or id.
func (c *call) members() []ll.Reply {
	q := strings.TrimSpace(c.req.Args)
	if !validQuery(q) {
		return c.fail(ll.Invalid("search", "search too long"), "")
	}
	r, err := c.membersPage(q, 1)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{r}
}

// membersPage renders one page of a member search.
func (c *call) membersPage(q string, page int) (ll.Reply, error) {
	sc := c.scope
	page = max(page, 1)
	found, total, err := c.h.app.Members.SearchPage(c.ctx, sc, q, (page-1)*pageSize, pageSize)
	if err == nil && len(found) == 0 && total > 0 { // past the last page: show the last
		_, _, last, _ := pageBounds(total, page)
		found, total, err = c.h.app.Members.SearchPage(c.ctx, sc, q, (last-1)*pageSize, pageSize)
	}
	if err != nil {
		return ll.Reply{}, fmt.Errorf("search members of %s: %w", sc.Community.ID, err)
	}
	if total == 0 {
		if q == "" {
			return ll.Reply{Text: c.t("members.empty")}, nil
		}
		return ll.Reply{Text: c.t("members.none", q)}, nil
	}
	_, _, shown, pages := pageBounds(total, page)
	var b strings.Builder
	if q == "" {
		b.WriteString(c.t("members.title", total))
	} else {
		b.WriteString(c.t("members.found", q, total))
	}
	for _, m := range found {
		b.WriteString("\n" + c.memberLine(m))
	}
	b.WriteString(c.pageFooter(shown, pages))
	return ll.Reply{Text: b.String(), Buttons: appendRow(nil, navRow(listMembers, shown, pages, q))}, nil
}

// memberLine is one member in a list, long fields clipped so that a page
// stays well within one message.
func (c *call) memberLine(m ll.Member) string {
	parts := []string{"<b>" + m.ID + "</b> " + escape(nameOrDash(m.Name))}
	if m.Unit != "" {
		parts = append(parts, escape(truncate(m.Unit, 40)))
	}
	if m.Building != "" {
		parts = append(parts, escape(truncate(m.Building, 20)))
	}
	if len(m.Skills) > 0 {
		parts = append(parts, escape(truncate(strings.Join(m.Skills, ", "), 60)))
	}
	if m.Role != ll.RoleNone {
		parts = append(parts, c.roleName(m.Role))
	}
	return strings.Join(parts, " · ")
}

func nameOrDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// memberCard shows one member of the community to the committee, with all
// of this year's ledger entries.
func (c *call) memberCard() []ll.Reply {
	sc := c.scope
	arg := strings.TrimSpace(c.req.Args)
	cd, err := c.h.app.Members.Card(c.ctx, sc, arg)
	if err != nil {
		return c.fail(err, arg)
	}
	return append(text(c.card(cd, true)+c.noShowLine(cd.Member.ID)), c.yearEntries(cd)...)
}

// audit shows the last n entries of the community's audit log.
func (c *call) audit() []ll.Reply {
	sc := c.scope
	n := 10
	if a := strings.TrimSpace(c.req.Args); a != "" {
		v, err := strconv.Atoi(a)
		if err != nil {
			return c.fail(ll.Invalid("count", "1-50"), "")
		}
		n = v
	}
	entries, err := c.h.app.District.AuditLog(c.ctx, sc, n, time.Time{})
	if err != nil {
		return c.fail(err, "")
	}
	if len(entries) == 0 {
		return c.say("audit.empty")
	}
	loc := sc.Community.Location()
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		line := e.Time.In(loc).Format("2006-01-02 15:04") + " · " + escape(e.Actor) + " · <b>" + escape(e.Action) + "</b>"
		if e.Object != "" {
			line += " " + escape(e.Object)
		}
		if e.Detail != "" {
			line += " — " + escape(truncate(e.Detail, 80))
		}
		lines = append(lines, line)
	}
	var rs []ll.Reply
	for _, chunk := range chunks(c.t("audit.title", len(entries)), lines) {
		rs = append(rs, ll.Reply{Text: chunk})
	}
	return rs
}
