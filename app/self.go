package app

import (
	"context"

	ll "github.com/lamplighter-bot/lamplighter"
)

// MemberReader reads a member record. Every service whose rules need the
// actor's own member record (their community, id, role, skills) includes
// it in its store interface.
type MemberReader interface {
	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
}

// self returns the actor's own active member record: the one the front end
// already read (Actor.Member), else the one the actor's membership pointer
// names, read now. ErrNotMember when the actor has none, it left, or it is
// another person's (a stale pointer). The front ends read only the user
// record per request; what a rule needs of the member is read here, by the
// service that needs it.
func self(ctx context.Context, store MemberReader, a Actor) (*ll.Member, error) {
	if a.Member != nil {
		return a.Member, nil
	}
	p := a.Self()
	if p.MemberID == "" {
		return nil, ll.ErrNotMember
	}
	m, err := store.Member(ctx, p.Community, p.MemberID)
	switch {
	case ll.ErrorCode(err) == ll.ENOTFOUND:
		return nil, ll.ErrNotMember
	case err != nil:
		return nil, err
	case !m.Active() || m.TelegramID != a.TelegramID:
		return nil, ll.ErrNotMember
	}
	return &m, nil
}
