package handlers

import (
	"errors"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// posts lists the open posts of the member's community with [Claim] buttons.
func (c *call) posts() []ll.Reply {
	r, err := c.postsPage(1)
	if err != nil {
		return c.fail(err, "")
	}
	return []ll.Reply{r}
}

// cmdClaim claims the post named in the arguments; without one it lists the
// open posts.
func (c *call) cmdClaim() []ll.Reply {
	if c.req.Args == "" {
		return c.posts()
	}
	id := ll.NormalizeID('P', c.req.Args)
	if id == "" {
		return c.fail(ll.Invalid("post", "not a post id"), "")
	}
	return c.claim(id)
}

// cmdUnclaim releases the post named in the arguments.
func (c *call) cmdUnclaim() []ll.Reply {
	id := ll.NormalizeID('P', c.req.Args)
	if id == "" {
		return c.fail(ll.Invalid("post", "not a post id"), "")
	}
	return c.unclaim(id)
}

// claim gives the member a hold on post id, in one Store step that also
// checks the caller is that active member. A paired post's target is shown
// to its new holder, in the private chat only.
func (c *call) claim(id string) []ll.Reply {
	p, changed, err := c.h.app.Posts.Claim(c.ctx, c.actor(), id)
	if c.stalePointer(err) {
		return c.notMember()
	}
	var aw *app.AwaitingError
	if errors.As(err, &aw) {
		return c.claimAwaiting(aw)
	}
	if err != nil {
		return c.fail(err, id)
	}
	if !changed {
		return c.say("claim.already", p.ID, p.Title)
	}
	var b strings.Builder
	b.WriteString(c.t("claim.done", p.ID, p.Title, rawHTML(c.holdersText(p))))
	if p.Mode == ll.ModeFixedPoint && (p.Place != "" || p.Time != "") {
		b.WriteString("\n" + c.t("post.place_time", p.Place, p.Time))
	}
	if p.Mode == ll.ModePaired && p.Target != "" && c.req.Private {
		b.WriteString("\n" + c.t("post.target", p.Target))
	}
	b.WriteString("\n" + c.t("claim.hint", p.ID))
	return text(b.String())
}

// claimAwaiting answers a claim of a paired post: it waits for a committee
// member's confirmation. A new request goes to each committee member with
// [Confirm] / [Decline]; nobody is told the target until confirmed.
func (c *call) claimAwaiting(aw *app.AwaitingError) []ll.Reply {
	p := aw.Post
	rs := c.say("claim.awaiting", p.ID, p.Title)
	if !aw.New {
		return rs
	}
	for _, m := range aw.Committee {
		lang := memberLanguage(m, ll.Community{}, c.h.cfg.DefaultLanguage)
		rs = append(rs, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m),
			Text: tr(lang, "claim.confirm_ask", aw.Claimer.DisplayName(), p.ID, p.Title),
			Buttons: [][]ll.Button{{
				{Text: tr(lang, "button.confirm"), Data: callback{kind: cbConfirm, id: p.ID, who: aw.Claimer.ID}.encode()},
				{Text: tr(lang, "button.decline"), Data: callback{kind: cbDecline, id: p.ID, who: aw.Claimer.ID}.encode()},
			}}})
	}
	return rs
}

// decideClaim confirms or declines a waiting claim of a paired post
// (committee), and tells the claimer: the target after a confirmation, in
// their private chat; never after a decline.
func (c *call) decideClaim(postID, memberID string, confirm bool) []ll.Reply {
	sc := c.scope
	d, err := c.h.app.Posts.DecideClaim(c.ctx, sc, postID, memberID, confirm)
	if err != nil {
		return c.fail(err, postID)
	}
	m, p := d.Claimer, d.Post
	if !d.Changed {
		return c.say("claim.confirm_already", m.DisplayName(), p.ID)
	}
	done := "claim.declined"
	if confirm {
		done = "claim.confirmed"
	}
	rs := c.say(done, m.DisplayName(), p.ID, p.Title)
	if m.TelegramID == 0 || !m.Active() {
		return rs
	}
	lang := memberLanguage(m, sc.Community, c.h.cfg.DefaultLanguage)
	msg := tr(lang, "claim.declined_told", p.ID, p.Title)
	if confirm {
		msg = tr(lang, "claim.confirmed_told", p.ID, p.Title)
		if p.Target != "" {
			msg += "\n" + tr(lang, "post.target", p.Target)
		}
	}
	return append(rs, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: msg})
}

// unclaim releases the member's hold on post id.
func (c *call) unclaim(id string) []ll.Reply {
	changed, err := c.h.app.Posts.Unclaim(c.ctx, c.actor(), id)
	if c.stalePointer(err) {
		return c.notMember()
	}
	if err != nil {
		return c.fail(err, id)
	}
	if !changed {
		return c.say("unclaim.none", id)
	}
	return c.say("unclaim.done", id)
}

// holdersText is "2/5", or "2" with no limit, for a post's holders.
func (c *call) holdersText(p ll.Post) string {
	if p.Capacity == 0 {
		return c.t("post.holders_unlimited", p.Claims)
	}
	return c.t("post.holders", p.Claims, p.Capacity)
}

// postsPage renders one page of the open posts for the member. A paired
// post's target comes only to its holders and the committee (Posts.Open
// decides), and the chat shows it in a private chat only.
func (c *call) postsPage(page int) (ll.Reply, error) {
	open_ := c.h.app.Posts.OpenWithoutTargets
	if c.req.Private {
		open_ = c.h.app.Posts.Open // each target shown is audited
	}
	open, err := open_(c.ctx, c.actor())
	if err != nil {
		return ll.Reply{}, err
	}
	if len(open) == 0 {
		return ll.Reply{Text: c.t("posts.none")}, nil
	}
	from, to, shown, pages := pageBounds(len(open), page)
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(c.t("posts.title", len(open)))
	for _, p := range open[from:to] {
		line := c.postLine(p.Post, c.req.Private, true)
		switch {
		case p.Held:
			line = markFirstLine(line, c.t("posts.yours"))
		case p.Full():
			line = markFirstLine(line, c.t("posts.full"))
		default:
			rows = append(rows, []ll.Button{{
				Text: c.label("button.claim", p.ID, truncate(p.Title, 24)),
				Data: callback{kind: cbClaim, id: p.ID}.encode(),
			}})
		}
		b.WriteString("\n\n" + line)
	}
	b.WriteString(c.pageFooter(shown, pages))
	rows = appendRow(rows, navRow(listPosts, shown, pages, ""))
	return ll.Reply{Text: b.String(), Buttons: rows}, nil
}

// markFirstLine appends mark to the first line of a multi-line item.
func markFirstLine(item, mark string) string {
	first, rest, ok := strings.Cut(item, "\n")
	if !ok {
		return item + " " + mark
	}
	return first + " " + mark + "\n" + rest
}

// postLine is a post in a list: id, title, mode, holders, and the details
// that matter for its mode. brief clips long fields so that a page of a list
// stays well within one Telegram message; the card shows them whole.
func (c *call) postLine(p ll.Post, showTarget, brief bool) string {
	clip := func(s string, n int) string {
		if brief {
			return truncate(s, n)
		}
		return s
	}
	line := "<b>" + p.ID + "</b> " + escape(clip(p.Title, 80)) + " · " + c.t("mode."+p.Mode) + " · " + c.holdersText(p)
	if p.Closed {
		line += " · " + c.t("post.closed")
	}
	if len(p.Skills) > 0 {
		line += "\n" + c.t("post.skills", clip(strings.Join(p.Skills, ", "), 60))
	}
	if p.Mode == ll.ModeFixedPoint && (p.Place != "" || p.Time != "") {
		line += "\n" + c.t("post.place_time", clip(p.Place, 40), clip(p.Time, 40))
	}
	if showTarget && p.Mode == ll.ModePaired && p.Target != "" {
		line += "\n" + c.t("post.target", clip(p.Target, 60))
	}
	return line
}

// postCard is a post with all its details, for its new holder and the committee.
func (c *call) postCard(p ll.Post, showTarget bool) string {
	card := c.postLine(p, showTarget, false)
	if p.Description != "" {
		card += "\n" + escape(p.Description)
	}
	return card
}

// suggestions lists up to n open posts the member could claim, those wanting
// the member's skills first (Posts.Suggest), with [Claim] buttons.
func (c *call) suggestions(m ll.Member, n int) (string, [][]ll.Button, error) {
	a := c.actor()
	a.Member = &m
	fit, err := c.h.app.Posts.Suggest(c.ctx, a, n)
	if err != nil || len(fit) == 0 {
		return "", nil, err
	}
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(c.t("posts.suggest"))
	for _, p := range fit {
		b.WriteString("\n" + c.postLine(p, false, true))
		rows = append(rows, []ll.Button{{
			Text: c.label("button.claim", p.ID, truncate(p.Title, 24)),
			Data: callback{kind: cbClaim, id: p.ID}.encode(),
		}})
	}
	return b.String(), rows, nil
}
