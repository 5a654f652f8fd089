package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// PairingStore is what the confirmation of paired posts' claims needs
// (SPEC §9: pairing targets are safeguarded).
type PairingStore interface {
	// RequestClaimAs records u's member's claim of a paired post as waiting
	// for a confirmation (held: they hold it already).
	RequestClaimAs(ctx context.Context, u ll.User, postID string, now time.Time) (p ll.Post, changed, held bool, err error)
	// DecideClaim confirms or declines a waiting claim, with its audit entry.
	DecideClaim(ctx context.Context, community, postID, memberID string, confirm bool, by string, now time.Time, audit *ll.AuditEntry) (p ll.Post, changed bool, err error)
	// Members returns the community's members, any status.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// Audit appends one entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
}

// AwaitingError is the answer to a claim of a paired post: it waits for a
// committee member's confirmation (ECONFLICT with ReasonAwaiting, as
// ll.ErrorCode and ll.ErrorDetail see it). A front end finds it with
// errors.As to tell the committee.
type AwaitingError struct {
	Post      ll.Post     // the post, without its target
	Claimer   ll.Member   // who asked
	New       bool        // the request was recorded now (false: it was waiting already)
	Committee []ll.Member // the active committee members to ask (the claimer's person excluded), when New
}

func (e *AwaitingError) Error() string {
	return fmt.Sprintf("the claim of %s by %s waits for a committee member's confirmation", e.Post.ID, e.Claimer.ID)
}

// Unwrap is the domain error: ECONFLICT, ReasonAwaiting.
func (e *AwaitingError) Unwrap() error { return ll.Refuse(ll.ECONFLICT, ll.ReasonAwaiting) }

// requestPaired records the actor's claim of a paired post as waiting and
// returns the *AwaitingError that says so, or the post with its target when
// the actor holds it already.
func (x *Posts) requestPaired(ctx context.Context, a Actor, pid string) (ll.Post, bool, error) {
	p, changed, held, err := x.store.RequestClaimAs(ctx, a.Self(), pid, a.Now)
	if err != nil {
		return ll.Post{}, false, err
	}
	if held {
		if err := x.viewedTarget(ctx, a, p, "claim"); err != nil {
			p.Target = ""
		}
		return p, false, nil
	}
	p.Target = ""
	self := a.Self()
	e := &AwaitingError{Post: p, Claimer: ll.Member{ID: self.MemberID, Community: self.Community, TelegramID: a.TelegramID}, New: changed}
	if !changed {
		return p, false, e
	}
	ms, err := x.store.Members(ctx, self.Community)
	if err != nil {
		return p, false, fmt.Errorf("committee of %s: %w", self.Community, err)
	}
	for _, m := range ms {
		switch {
		case m.ID == self.MemberID:
			e.Claimer = m
		case m.Active() && m.Role.IsCommittee() && m.TelegramID != 0 && m.TelegramID != a.TelegramID:
			e.Committee = append(e.Committee, m)
		}
	}
	return p, true, e
}

// viewedTarget audits that the actor is shown the target of p (action
// "target", object the post, detail where): every view of a target is
// audited. It returns the store's error; callers then leave the target out,
// so no target is shown unaudited.
func (x *Posts) viewedTarget(ctx context.Context, a Actor, p ll.Post, where string) error {
	if p.Mode != ll.ModePaired || p.Target == "" {
		return nil
	}
	comm := p.Community
	if comm == "" {
		comm = a.Self().Community
	}
	return x.store.Audit(ctx, ll.AuditEntry{Time: a.Now, Community: comm, Actor: a.AuditName(comm), Action: "target", Object: p.ID, Detail: where})
}

// ClaimDecision is the outcome of DecideClaim.
type ClaimDecision struct {
	Post    ll.Post   // the post; with its target after a confirmation
	Claimer ll.Member // who asked: to tell them
	Changed bool      // false for a repeat (already confirmed)
}

// DecideClaim confirms or declines member's waiting claim of the paired
// post id in the scope's community, audited as "confirmclaim" or
// "declineclaim" with the member, in the same store step. After a
// confirmation the claimer holds the post and is told its target (that view
// is audited as "target"); a declined claimer is told without it. Errors:
// EINVALID (Field "post" or "member"); ErrNotFound (Detail "claim": no claim
// of theirs waits); EFORBIDDEN ReasonSelf (the claimer is the scope's
// person, audited as "refused"); ECONFLICT ReasonClosed, EFULL ReasonPost,
// ErrNotMember (the claimer left); the store's.
func (x *Posts) DecideClaim(ctx context.Context, sc *Scope, id, memberID string, confirm bool) (ClaimDecision, error) {
	pid, err := postID(id)
	if err != nil {
		return ClaimDecision{}, err
	}
	if ll.NormalizeID('M', memberID) != memberID {
		return ClaimDecision{}, ll.Invalid("member", "not a member id")
	}
	m, err := x.store.Member(ctx, sc.Community.ID, memberID)
	if err != nil {
		return ClaimDecision{}, err
	}
	action := "declineclaim"
	if confirm {
		action = "confirmclaim"
	}
	if sc.IsPerson(m) {
		return ClaimDecision{}, sc.refusal(ctx, x.store, pid, action+" "+memberID, "self", ll.Refuse(ll.EFORBIDDEN, ll.ReasonSelf))
	}
	p, changed, err := x.store.DecideClaim(ctx, sc.Community.ID, pid, memberID, confirm, sc.Actor, sc.Now, sc.Audit(action, pid, memberID))
	if errors.Is(err, ll.ErrForbidden) {
		return ClaimDecision{}, sc.refusal(ctx, x.store, pid, action+" "+memberID, "self", err)
	}
	if err != nil {
		return ClaimDecision{}, err
	}
	d := ClaimDecision{Post: p, Claimer: m, Changed: changed}
	if !confirm || !changed {
		d.Post.Target = ""
		return d, nil
	}
	// The claimer is told the target: that view is audited, and without
	// the entry the target is not sent.
	if err := x.store.Audit(ctx, ll.AuditEntry{Time: sc.Now, Community: sc.Community.ID, Actor: memberID, Action: "target", Object: pid, Detail: "confirmed claim"}); err != nil {
		d.Post.Target = ""
	}
	return d, nil
}
