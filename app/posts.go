package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// PostsStore is what Posts reads and writes.
type PostsStore interface {
	MemberReader
	// Posts returns all posts of a community (open and closed) by id order.
	Posts(ctx context.Context, community string) ([]ll.Post, error)
	// Post returns a post with Claims filled in; ErrNotFound if unknown.
	Post(ctx context.Context, community, id string) (ll.Post, error)
	// ClaimsOf returns the member's claims, current and released.
	ClaimsOf(ctx context.Context, community, memberID string) ([]ll.Claim, error)
	// CreatePost stores a new post with the next id P<n>, with its audit
	// entry in the same step, and returns it.
	CreatePost(ctx context.Context, p ll.Post, audit *ll.AuditEntry) (ll.Post, error)
	// SavePost replaces an existing post's fields (not its claims), with its
	// audit entry in the same step.
	SavePost(ctx context.Context, p ll.Post, audit *ll.AuditEntry) error
	// ClaimAs and UnclaimAs claim and release a post for the member that
	// u's membership pointer names, checking in the same atomic step that
	// this member is active and u's (ErrNotMember otherwise).
	ClaimAs(ctx context.Context, u ll.User, postID string, now time.Time) (p ll.Post, changed bool, err error)
	UnclaimAs(ctx context.Context, u ll.User, postID string, now time.Time) (changed bool, err error)
	PairingStore
}

// Posts is the community's standing service posts: members list, claim and
// release them; the committee creates, edits and closes them.
//
// A paired post's target (often a child or an old person living alone) is
// seen only by the post's holders and the committee: the lists Posts returns
// to a member leave it empty for anyone else. A front end may hide it in
// more places (the chat shows it in private chats only).
type Posts struct {
	store PostsStore
}

// OpenPost is an open post as one member sees it.
type OpenPost struct {
	ll.Post      // Target is empty unless the member may see it
	Held    bool // the member holds it now
}

// Open lists the open posts of the actor's community, by id, with the ones
// the actor holds marked. The target of a paired post is kept for its
// holders and for the committee of that community, and emptied for everyone
// else. Errors: ErrNotMember without an active membership; the store's.
//
// Each target it returns is audited as a view ("target", the post, "posts").
func (x *Posts) Open(ctx context.Context, a Actor) ([]OpenPost, error) {
	return x.open(ctx, a, true)
}

func (x *Posts) open(ctx context.Context, a Actor, withTargets bool) ([]OpenPost, error) {
	m, err := self(ctx, x.store, a)
	if err != nil {
		return nil, err
	}
	all, err := x.store.Posts(ctx, m.Community)
	if err != nil {
		return nil, fmt.Errorf("list posts of %s: %w", m.Community, err)
	}
	claims, err := x.store.ClaimsOf(ctx, m.Community, m.ID)
	if err != nil {
		return nil, fmt.Errorf("claims of %s/%s: %w", m.Community, m.ID, err)
	}
	held := map[string]bool{}
	for _, cl := range claims {
		if cl.Released.IsZero() {
			held[cl.Post] = true
		}
	}
	committee := m.Role.IsCommittee()
	var open []OpenPost
	for _, p := range all {
		if p.Closed {
			continue
		}
		if !held[p.ID] && !committee || !withTargets {
			p.Target = ""
		}
		// Every view of a target is audited; one whose entry cannot be
		// written is not shown.
		if err := x.viewedTarget(ctx, a, p, "posts"); err != nil {
			p.Target = ""
		}
		open = append(open, OpenPost{Post: p, Held: held[p.ID]})
	}
	return open, nil
}

// OpenWithoutTargets is Open with every target left out, for a place that
// never shows one (a group chat, a suggestion); nothing is audited.
func (x *Posts) OpenWithoutTargets(ctx context.Context, a Actor) ([]OpenPost, error) {
	return x.open(ctx, a, false)
}

// Suggest returns up to n open posts the actor could claim now (not full,
// not held), those wanting more of the actor's skills first, else by id. A
// suggestion never carries a target. Errors as for Open.
func (x *Posts) Suggest(ctx context.Context, a Actor, n int) ([]ll.Post, error) {
	m, err := self(ctx, x.store, a)
	if err != nil {
		return nil, err
	}
	a.Member = m // read once for Open too
	open, err := x.open(ctx, a, false)
	if err != nil {
		return nil, err
	}
	var fit []ll.Post
	for _, p := range open {
		if !p.Held && !p.Full() {
			p.Target = ""
			fit = append(fit, p.Post)
		}
	}
	skills := a.Member.Skills
	score := func(p ll.Post) int {
		s := 0
		for _, sk := range p.Skills {
			if slices.Contains(skills, sk) {
				s++
			}
		}
		return s
	}
	slices.SortStableFunc(fit, func(p, q ll.Post) int { return score(q) - score(p) })
	return fit[:min(max(n, 0), len(fit))], nil
}

// Claim gives the actor a hold on post id (P3, or as typed: p3) through
// their own membership (Actor.Self), in one store step that also checks that
// this member is active and the actor's. It needs no membership read: an
// actor whose Member is nil acts by their user's pointer. changed is false
// when they already hold it. p has Claims filled in and, the actor being a
// holder now, its target (audited as a view). A paired post is not
// claimed at once: the claim waits for a committee member's confirmation
// (DecideClaim), and Claim answers *AwaitingError (ECONFLICT ReasonAwaiting:
// the committee to ask, when the request is new) with the post without its
// target. Errors: EINVALID (Field "post") for something that
// is no post id; otherwise the store's error unchanged — ErrNotMember
// (no active membership of the actor's: a stale pointer), ErrNotFound,
// ECONFLICT with ReasonClosed, EFULL with ReasonPost.
func (x *Posts) Claim(ctx context.Context, a Actor, id string) (p ll.Post, changed bool, err error) {
	pid, err := postID(id)
	if err != nil {
		return ll.Post{}, false, err
	}
	p, changed, err = x.store.ClaimAs(ctx, a.Self(), pid, a.Now)
	if ll.ErrorDetail(err) == ll.ReasonAwaiting {
		return x.requestPaired(ctx, a, pid)
	}
	if err == nil && !changed {
		if aerr := x.viewedTarget(ctx, a, p, "claim"); aerr != nil {
			p.Target = ""
		}
	}
	return p, changed, err
}

// Unclaim releases the actor's hold on post id, checked as Claim checks it;
// changed is false when they held none. Errors: EINVALID (Field "post");
// otherwise the store's error unchanged (ErrNotMember, ErrNotFound).
func (x *Posts) Unclaim(ctx context.Context, a Actor, id string) (changed bool, err error) {
	pid, err := postID(id)
	if err != nil {
		return false, err
	}
	return x.store.UnclaimAs(ctx, a.Self(), pid, a.Now)
}

// PostDraft is a new post as the committee typed it.
type PostDraft struct {
	Title       string
	Mode        string // claimed, fixed-point, paired or 认领, 定点, 结对; empty is claimed
	Capacity    string // 0 to MaxCapacity, unlimited/不限; empty is 0 (unlimited)
	Description string
}

// Parse checks the draft and returns the post it describes (without
// community, id or time). Errors: EINVALID with Field "mode", "capacity",
// "title" or "description", in that order.
func (d PostDraft) Parse() (ll.Post, error) {
	p := ll.Post{
		Title:       strings.TrimSpace(d.Title),
		Mode:        ll.ModeClaimed,
		Description: strings.TrimSpace(d.Description),
	}
	if strings.TrimSpace(d.Mode) != "" {
		mode, err := ll.ParseMode(d.Mode)
		if err != nil {
			return ll.Post{}, err
		}
		p.Mode = mode
	}
	if strings.TrimSpace(d.Capacity) != "" {
		n, ok := ParseCapacity(d.Capacity)
		if !ok {
			return ll.Post{}, ll.Invalid("capacity", "not a number")
		}
		p.Capacity = n
	}
	if err := p.Validate(); err != nil {
		return ll.Post{}, err
	}
	return p, nil
}

// Create stores a new post of the scope's community from d and returns it
// with its id. Errors: those of PostDraft.Parse; the store's. It is audited
// as "newpost" with the title, in the same step.
func (x *Posts) Create(ctx context.Context, sc *Scope, d PostDraft) (ll.Post, error) {
	p, err := d.Parse()
	if err != nil {
		return ll.Post{}, err
	}
	p.Community, p.Created = sc.Community.ID, sc.Now
	return x.store.CreatePost(ctx, p, sc.Audit("newpost", "", p.Title))
}

// The post fields Edit knows, by their names in the audit log.
const (
	PostTitle       = "title"
	PostDescription = "description"
	PostCapacity    = "capacity"
	PostSkills      = "skills"
	PostPlace       = "place"
	PostTime        = "time"
	PostTarget      = "target"
	PostStatus      = "status"
)

// postFieldAliases maps what a person may type to a post field.
var postFieldAliases = map[string]string{
	"title": PostTitle, "标题": PostTitle,
	"description": PostDescription, "desc": PostDescription, "描述": PostDescription, "说明": PostDescription,
	"capacity": PostCapacity, "名额": PostCapacity, "容量": PostCapacity,
	"skills": PostSkills, "技能": PostSkills,
	"place": PostPlace, "地点": PostPlace,
	"time": PostTime, "时间": PostTime,
	"target": PostTarget, "对象": PostTarget,
	"status": PostStatus, "状态": PostStatus,
}

// BelowHoldersError refuses a capacity below the holders a post has now:
// an EINVALID for the field "capacity" (ll.ErrorCode and ll.ErrorDetail see
// it so), which a front end that names the holders finds with errors.As.
type BelowHoldersError struct {
	Post    string // the post's id
	Holders int    // its holders now
}

func (e *BelowHoldersError) Error() string {
	return fmt.Sprintf("%s has %d holders; its capacity cannot be lower", e.Post, e.Holders)
}

// Unwrap is the domain error: EINVALID, Field "capacity".
func (e *BelowHoldersError) Unwrap() error {
	return ll.Invalid(PostCapacity, "%d holders", e.Holders)
}

// Edit changes one field of post id in the scope's community to value, as
// typed: a field name (title, description, capacity, skills, place, time,
// target, status, or their Chinese names) and its value, "-" clearing an
// optional text field; status takes open or closed (开放, 关闭). It returns
// the post as saved. Errors: EINVALID with Field "post" (no post id), "field"
// (unknown field), "capacity", "status", or the post's own validation; a
// *BelowHoldersError for a capacity below the holders; the store's
// (ErrNotFound). The change is audited as "editpost" <id> "<field>=<value>".
func (x *Posts) Edit(ctx context.Context, sc *Scope, id, field, value string) (ll.Post, error) {
	pid, err := postID(id)
	if err != nil {
		return ll.Post{}, err
	}
	value = strings.TrimSpace(value)
	cleared := value
	if value == "-" {
		cleared = ""
	}
	p, err := x.store.Post(ctx, sc.Community.ID, pid)
	if err != nil {
		return ll.Post{}, err
	}
	name, ok := postFieldAliases[strings.ToLower(strings.TrimSpace(field))]
	if !ok {
		return ll.Post{}, ll.Invalid("field", "unknown field %q", field)
	}
	switch name {
	case PostTitle:
		p.Title = value
	case PostDescription:
		p.Description = cleared
	case PostCapacity:
		n, ok := ParseCapacity(value)
		if !ok {
			return ll.Post{}, ll.Invalid(PostCapacity, "not a number")
		}
		if n > 0 && n < p.Claims {
			return ll.Post{}, &BelowHoldersError{Post: p.ID, Holders: p.Claims}
		}
		p.Capacity = n
	case PostSkills:
		p.Skills = ll.ParseSkills(cleared)
		if err := (&ll.Member{Name: "x", Skills: p.Skills}).Validate(); err != nil {
			return ll.Post{}, err // Member.Validate checks skill tags
		}
	case PostPlace:
		p.Place = cleared
	case PostTime:
		p.Time = cleared
	case PostTarget:
		p.Target = cleared
	case PostStatus:
		switch strings.ToLower(value) {
		case "open", "开放", "开启":
			p.Closed = false
		case "closed", "close", "关闭":
			p.Closed = true
		default:
			return ll.Post{}, ll.Invalid(PostStatus, "open or closed")
		}
	}
	if err := p.Validate(); err != nil {
		return ll.Post{}, err
	}
	detail := name + "=" + value
	if name == PostTarget && cleared != "" {
		detail = name + " set" // a pairing target is personal data: never in the audit log
	}
	if err := x.store.SavePost(ctx, p, sc.Audit("editpost", p.ID, detail)); err != nil {
		return ll.Post{}, err
	}
	// The post card shows the target: that view is audited (and without
	// its entry the target is left out).
	if p.Mode == ll.ModePaired && p.Target != "" {
		if err := x.store.Audit(ctx, *sc.Audit("target", p.ID, "post card")); err != nil {
			p.Target = ""
		}
	}
	return p, nil
}

// Close closes post id of the scope's community: nobody can claim it any
// more, and its holders keep it. Edit's status open reopens it. Errors and
// audit as for Edit (status=closed).
func (x *Posts) Close(ctx context.Context, sc *Scope, id string) (ll.Post, error) {
	return x.Edit(ctx, sc, id, PostStatus, "closed")
}

// ParseCapacity accepts a capacity as typed: 0 (unlimited) to MaxCapacity;
// unlimited, none, 不限 and 无限 mean 0.
func ParseCapacity(s string) (int, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "unlimited", "none", "不限", "无限":
		return 0, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > ll.MaxCapacity {
		return 0, false
	}
	return n, true
}

// postID reads a post id as typed (P3, p3).
func postID(s string) (string, error) {
	id := ll.NormalizeID('P', s)
	if id == "" {
		return "", ll.Invalid("post", "not a post id")
	}
	return id, nil
}
