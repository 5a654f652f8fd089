package handlers

import (
	"strconv"
	"strings"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Callback data is compact text, at most 64 bytes (Telegram's limit):
//
//	c:P3              claim post P3
//	u:P3              release post P3
//	jt:T2             join team T2
//	lt:T2             leave team T2
//	su:A7             sign up for activity A7
//	wd:A7             withdraw from activity A7
//	ps:A7             stop the presenter screen of A7 that carries the button
//	ap:S4             approve service record S4 (committee)
//	rj:S4             reject service record S4: asks for the reason (committee)
//	pc:P3:M7          confirm M7's waiting claim of the paired post P3 (committee)
//	pd:P3:M7          decline M7's waiting claim of the paired post P3 (committee)
//	pg:p:2            page 2 of the open posts
//	pg:t:2            page 2 of the teams
//	pg:cm:2           page 2 of the communities (admin)
//	pg:a:2            page 2 of the upcoming activities
//	pg:sv:2           page 2 of the service records awaiting approval (committee)
//	pg:m:2:<query>    page 2 of the member search for <query> (committee)
//	f:<n>:<step>:<v>  value v for step <step> of the guided flow with nonce <n>
//	ba:<b>:A7         the button of activity A7 (or post P3) on the message of broadcast
//	                  <community>-<b> (attach.go): sign up (claim), and edit that message
//	wj:A7             join the waitlist of the full activity A7 (SPEC section 10)
//	ts:A7             take the seat of A7 offered to the presser
//	tp:A7             pass the seat of A7 offered to the presser on to the next waiting
//	cy:A7             "I'll come" to A7 (the 24-hour reminder)
//	cn:A7             "can't come" to A7: withdraws the presser's sign-up, the seat is offered on
//	pg:us:2           page 2 of the units (admin)
//	pg:ul:2:U3        page 2 of unit U3's members (its liaisons, admins)
//
// Needs (SPEC section 10, needs.go):
//
//	nt:<c>:N4         take need N4 of community <c> (a member of it), on any message that carries the button;
//	nt:N4             the same in the presser's own community
//	np:N4             publish N4 with the defaults (committee)
//	nd:N4             decline N4: asks for the reason (committee)
//	na:N4             approve N4, done and awaiting the committee (committee)
//	ns:<c>:N4         the asker confirms N4 of community <c> solved (checked against the need's asker)
//	nn:<c>:N4         the asker says N4 of community <c> is not solved yet
//	pg:nb:2           page 2 of the needs board (committee)
//
// Ids must be in canonical form (P3, not p3 or P03), so that decoding and
// encoding again gives back the same text. Data is only ever a hint of what
// the user wants: each press is checked again against storage, the user's
// current flow and their role at that moment.

// maxCallbackLen is Telegram's limit on callback data, in bytes.
const maxCallbackLen = 64

// maxQueryLen is the longest member search that fits a page button.
const maxQueryLen = 48

// Callback kinds.
const (
	cbClaim     = "c"
	cbUnclaim   = "u"
	cbJoinTeam  = "jt"
	cbLeaveTeam = "lt"
	cbSignUp    = "su"
	cbWithdraw  = "wd"
	cbPresent   = "ps"
	cbApprove   = "ap"
	cbReject    = "rj"
	cbConfirm   = "pc"
	cbDecline   = "pd"
	cbPage      = "pg"
	cbFlow      = "f"
	cbActs      = "ba" // a broadcast's attached object (attach.go)
)

// Callback kinds of waitlists and confirm-or-release (SPEC section 10).
const (
	cbWaitJoin = "wj"
	cbTakeSeat = "ts"
	cbPassSeat = "tp"
	cbComing   = "cy"
	cbCantCome = "cn"
)

// Paged lists.
const (
	listPosts       = "p"
	listTeams       = "t"
	listMembers     = "m"
	listCommunities = "cm"
	listActivities  = "a"
	listPending     = "sv"
	listUnits       = "us" // units.go
	listUnit        = "ul"
)

// callback is decoded button data.
type callback struct {
	kind  string
	id    string // c, u, jt, lt, su, wd, ap, rj, pc, pd: the post, team, activity or service record id
	who   string // pc, pd: the member whose claim it is
	list  string // pg
	page  int    // pg, from 1
	query string // pg:m
	nonce string // f
	step  string // f
	value string // f
}

// encode returns the button data for cb.
func (cb callback) encode() string {
	switch cb.kind {
	case cbPage:
		s := cbPage + ":" + cb.list + ":" + strconv.Itoa(cb.page)
		if cb.list == listMembers || cb.list == listUnit {
			s += ":" + cb.query
		}
		return s
	case cbFlow:
		return cbFlow + ":" + cb.nonce + ":" + cb.step + ":" + cb.value
	case cbConfirm, cbDecline:
		return cb.kind + ":" + cb.id + ":" + cb.who
	case cbActs:
		return cbActs + ":" + cb.value + ":" + cb.id
	case cbNeedSolved, cbNeedNotYet:
		return cb.kind + ":" + cb.who + ":" + cb.id
	case cbNeedTake:
		if cb.who != "" {
			return cb.kind + ":" + cb.who + ":" + cb.id
		}
	}
	return cb.kind + ":" + cb.id
}

// decodeCallback parses button data, refusing anything that encode would not
// have produced.
func decodeCallback(s string) (callback, bool) {
	if s == "" || len(s) > maxCallbackLen || !utf8.ValidString(s) {
		return callback{}, false
	}
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return callback{}, false
	}
	cb := callback{kind: kind}
	switch kind {
	case cbClaim, cbUnclaim:
		if ll.NormalizeID('P', rest) != rest {
			return callback{}, false
		}
		cb.id = rest
	case cbJoinTeam, cbLeaveTeam:
		if ll.NormalizeID('T', rest) != rest {
			return callback{}, false
		}
		cb.id = rest
	case cbSignUp, cbWithdraw, cbPresent:
		if ll.NormalizeID('A', rest) != rest {
			return callback{}, false
		}
		cb.id = rest
	case cbWaitJoin, cbTakeSeat, cbPassSeat, cbComing, cbCantCome:
		if ll.NormalizeID('A', rest) != rest {
			return callback{}, false
		}
		cb.id = rest
	case cbApprove, cbReject:
		if ll.NormalizeID('S', rest) != rest {
			return callback{}, false
		}
		cb.id = rest
	case cbConfirm, cbDecline:
		post, who, ok := strings.Cut(rest, ":")
		if !ok || ll.NormalizeID('P', post) != post || ll.NormalizeID('M', who) != who {
			return callback{}, false
		}
		cb.id, cb.who = post, who
	case cbPage:
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) < 2 {
			return callback{}, false
		}
		cb.list = parts[0]
		page, ok := parsePage(parts[1])
		if !ok {
			return callback{}, false
		}
		cb.page = page
		switch cb.list {
		case listPosts, listTeams, listCommunities, listActivities, listPending, listNeeds:
			if len(parts) != 2 {
				return callback{}, false
			}
		case listMembers:
			if len(parts) != 3 || !validQuery(parts[2]) {
				return callback{}, false
			}
			cb.query = parts[2]
		case listUnits:
			if len(parts) != 2 {
				return callback{}, false
			}
		case listUnit:
			if len(parts) != 3 || ll.NormalizeID('U', parts[2]) != parts[2] {
				return callback{}, false
			}
			cb.query = parts[2]
		default:
			return callback{}, false
		}
	case cbFlow:
		parts := strings.Split(rest, ":")
		if len(parts) != 3 || !isToken(parts[0], 4, 4) || !isToken(parts[1], 1, 8) || !isToken(parts[2], 1, 40) {
			return callback{}, false
		}
		cb.nonce, cb.step, cb.value = parts[0], parts[1], parts[2]
	case cbActs:
		return decodeActs(rest)
	case cbNeedTake, cbNeedPublish, cbNeedDecline, cbNeedApprove, cbNeedSolved, cbNeedNotYet:
		return decodeNeedCallback(kind, rest)
	default:
		return callback{}, false
	}
	return cb, true
}

// parsePage accepts a canonical page number from 1 to 9999.
func parsePage(s string) (int, bool) {
	if s == "" || len(s) > 4 || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// isToken reports whether s is min to max bytes of [a-z0-9-].
func isToken(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

// validQuery reports whether a member search fits a page button.
func validQuery(q string) bool {
	if len(q) > maxQueryLen || !utf8.ValidString(q) || strings.TrimSpace(q) != q {
		return false
	}
	for _, r := range q {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// onCallback answers a button press. Whatever the data says, it is checked
// again: the member and their role as stored now, the flow as stored now.
func (c *call) onCallback() []ll.Reply {
	cb, ok := decodeCallback(c.req.Callback)
	if !ok {
		c.h.log.Info("unknown callback data", "user", c.req.UserID, "data", truncate(c.req.Callback, 80))
		c.public = true
		return c.stale()
	}
	switch cb.kind {
	case cbPresent:
		return c.presentStop()
	case cbClaim, cbUnclaim, cbJoinTeam, cbLeaveTeam, cbSignUp, cbWithdraw:
		if !c.hasMembership() {
			c.public = true
			return c.toastErr(ll.ErrNotMember, "")
		}
		var rs []ll.Reply
		switch cb.kind {
		case cbClaim:
			rs = c.claim(cb.id)
		case cbUnclaim:
			rs = c.unclaim(cb.id)
		case cbJoinTeam:
			rs = c.joinTeam(cb.id)
		case cbSignUp:
			rs = c.signUp(cb.id)
		case cbWithdraw:
			rs = c.withdraw(cb.id)
		default:
			rs = c.leaveTeam(cb.id)
		}
		return withToast(rs)
	case cbApprove, cbReject:
		if _, err := c.committee(); err != nil {
			c.public = true
			return c.toastErr(err, "")
		}
		if cb.kind == cbReject {
			return c.startRejectFlow(cb.id)
		}
		return withToast(c.decide(cb.id, true, ""))
	case cbConfirm, cbDecline:
		if _, err := c.committee(); err != nil {
			c.public = true
			return c.toastErr(err, "")
		}
		return withToast(c.decideClaim(cb.id, cb.who, cb.kind == cbConfirm))
	case cbWaitJoin, cbTakeSeat, cbPassSeat, cbComing, cbCantCome:
		return c.waitlistPress(cb)
	case cbPage:
		return c.pagePress(cb)
	case cbActs:
		return c.actsPress(cb)
	case cbFlow:
		return c.flowPress(cb)
	case cbNeedTake, cbNeedPublish, cbNeedDecline, cbNeedApprove, cbNeedSolved, cbNeedNotYet:
		return c.needCallback(cb)
	}
	return c.stale()
}

// withToast makes the first reply's text the toast of a button press, unless
// a toast is already set.
func withToast(rs []ll.Reply) []ll.Reply {
	for _, r := range rs {
		if r.CallbackAnswer != "" {
			return rs
		}
	}
	if len(rs) > 0 && rs[0].Text != "" {
		first := strings.SplitN(plain(rs[0].Text), "\n", 2)[0]
		rs[0].CallbackAnswer = truncate(first, 200)
	}
	return rs
}

// pageButton is a [‹] or [›] button for a paged list.
func pageButton(label, list string, page int, query string) ll.Button {
	return ll.Button{Text: label, Data: callback{kind: cbPage, list: list, page: page, query: query}.encode()}
}

// pagePress shows another page of a list, replacing the message that
// carried the button.
func (c *call) pagePress(cb callback) []ll.Reply {
	var (
		r   ll.Reply
		err error
	)
	switch cb.list {
	case listPosts:
		if !c.hasMembership() {
			c.public = true
			return c.toastErr(ll.ErrNotMember, "")
		}
		r, err = c.postsPage(cb.page)
	case listTeams:
		if !c.hasMembership() {
			c.public = true
			return c.toastErr(ll.ErrNotMember, "")
		}
		c.public = true
		r, err = c.teamsPage(cb.page)
	case listMembers:
		if _, err := c.committee(); err != nil {
			c.public = true
			return c.toastErr(err, "")
		}
		r, err = c.membersPage(cb.query, cb.page)
	case listCommunities:
		if !c.admin {
			c.public = true
			return c.toastErr(&ll.Error{Code: ll.EFORBIDDEN, Detail: "admin"}, "")
		}
		r, err = c.communitiesPage(cb.page)
	case listActivities:
		if !c.hasMembership() {
			c.public = true
			return c.toastErr(ll.ErrNotMember, "")
		}
		r, err = c.activitiesPage(cb.page)
	case listPending:
		if _, err := c.committee(); err != nil {
			c.public = true
			return c.toastErr(err, "")
		}
		r, err = c.pendingPage(cb.page)
	case listUnits:
		r, err = c.unitsPage(cb.page) // the app layer refuses anyone but an admin
	case listUnit:
		r, err = c.unitPage(cb.query, cb.page) // only the unit's liaisons and admins
	case listNeeds:
		if _, err := c.committee(); err != nil {
			c.public = true
			return c.toastErr(err, "")
		}
		r, err = c.needsPage(cb.page)
	default:
		return c.stale()
	}
	if err != nil {
		return c.toastErr(err, "")
	}
	r.Edit = true
	r.CallbackAnswer = c.t("page.toast", cb.page)
	return []ll.Reply{r}
}
