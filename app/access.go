package app

import (
	"context"
	"errors"
	"fmt"

	ll "github.com/lamplighter-bot/lamplighter"
)

// AccessStore is what Access reads.
type AccessStore interface {
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// Membership reads a community and one of its members (any status) in
	// one step; ErrNotFound if either is unknown.
	Membership(ctx context.Context, community, memberID string) (ll.Community, ll.Member, error)
}

// Access decides who may act where: it resolves the community a committee
// action acts on from the role stored now, never from anything the caller
// sends, nor from the snapshot in the user record.
type Access struct {
	store AccessStore
}

// Committee resolves the scope of a committee action by the actor: an
// admin's /use choice (or their own community), else the community where the
// actor holds a committee role, read from the member record now (one round
// trip). Errors: ErrNotMember (no active membership of the actor's),
// ErrForbidden (no committee role), EFORBIDDEN with ReasonUseFirst (an admin
// who chose no existing community).
func (x *Access) Committee(ctx context.Context, a Actor) (Scope, error) {
	self := a.Self()
	if a.Admin {
		id := a.User.Use
		if id == "" {
			id = self.Community
		}
		if id == "" {
			return Scope{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonUseFirst)
		}
		comm, err := x.store.Community(ctx, id)
		if errors.Is(err, ll.ErrNotFound) {
			return Scope{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonUseFirst)
		}
		if err != nil {
			return Scope{}, fmt.Errorf("load community %s: %w", id, err)
		}
		return Scope{Community: comm, Actor: a.AuditName(comm.ID), Role: ll.RoleAdmin, Channel: a.Channel, Now: a.Now, TelegramID: a.TelegramID}, nil
	}
	if self.MemberID == "" {
		return Scope{}, ll.ErrNotMember
	}
	comm, m, err := x.store.Membership(ctx, self.Community, self.MemberID)
	switch {
	case errors.Is(err, ll.ErrNotFound):
		return Scope{}, ll.ErrNotMember
	case err != nil:
		return Scope{}, fmt.Errorf("load membership %s/%s: %w", self.Community, self.MemberID, err)
	case !m.Active() || m.TelegramID != a.TelegramID:
		return Scope{}, ll.ErrNotMember
	case !m.Role.IsCommittee():
		return Scope{}, ll.ErrForbidden
	}
	return Scope{Community: comm, Actor: m.ID, Role: m.Role, Channel: a.Channel, Now: a.Now, Member: &m, TelegramID: m.TelegramID}, nil
}
