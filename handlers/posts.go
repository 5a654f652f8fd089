package handlers

import (
	"fmt"
	"slices"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
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
	p, changed, err := c.h.store.ClaimAs(c.ctx, c.caller(), id, c.now)
	if c.stalePointer(err) {
		return c.notMember()
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

// unclaim releases the member's hold on post id.
func (c *call) unclaim(id string) []ll.Reply {
	changed, err := c.h.store.UnclaimAs(c.ctx, c.caller(), id, c.now)
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

// heldPosts returns the posts the member holds now.
func (c *call) heldPosts(m ll.Member) (map[string]bool, error) {
	claims, err := c.h.store.ClaimsOf(c.ctx, m.Community, m.ID)
	if err != nil {
		return nil, fmt.Errorf("claims of %s/%s: %w", m.Community, m.ID, err)
	}
	held := map[string]bool{}
	for _, cl := range claims {
		if cl.Released.IsZero() {
			held[cl.Post] = true
		}
	}
	return held, nil
}

// openPosts returns the community's open posts.
func (c *call) openPosts(community string) ([]ll.Post, error) {
	all, err := c.h.store.Posts(c.ctx, community)
	if err != nil {
		return nil, fmt.Errorf("list posts of %s: %w", community, err)
	}
	open := all[:0:0]
	for _, p := range all {
		if !p.Closed {
			open = append(open, p)
		}
	}
	return open, nil
}

// postsPage renders one page of the open posts for the member. A paired
// post's target is shown only in a private chat, to its holders and the
// committee.
func (c *call) postsPage(page int) (ll.Reply, error) {
	m := *c.member
	open, err := c.openPosts(m.Community)
	if err != nil {
		return ll.Reply{}, err
	}
	if len(open) == 0 {
		return ll.Reply{Text: c.t("posts.none")}, nil
	}
	held, err := c.heldPosts(m)
	if err != nil {
		return ll.Reply{}, err
	}
	from, to, shown, pages := pageBounds(len(open), page)
	var (
		b    strings.Builder
		rows [][]ll.Button
	)
	b.WriteString(c.t("posts.title", len(open)))
	for _, p := range open[from:to] {
		showTarget := c.req.Private && (held[p.ID] || m.Role.IsCommittee())
		line := c.postLine(p, showTarget, true)
		switch {
		case held[p.ID]:
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
// the member's skills first, with [Claim] buttons.
func (c *call) suggestions(m ll.Member, n int) (string, [][]ll.Button, error) {
	open, err := c.openPosts(m.Community)
	if err != nil {
		return "", nil, err
	}
	held, err := c.heldPosts(m)
	if err != nil {
		return "", nil, err
	}
	var fit []ll.Post
	for _, p := range open {
		if !p.Full() && !held[p.ID] {
			fit = append(fit, p)
		}
	}
	if len(fit) == 0 {
		return "", nil, nil
	}
	score := func(p ll.Post) int {
		s := 0
		for _, sk := range p.Skills {
			if slices.Contains(m.Skills, sk) {
				s++
			}
		}
		return s
	}
	slices.SortStableFunc(fit, func(a, b ll.Post) int { return score(b) - score(a) })
	fit = fit[:min(n, len(fit))]
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
