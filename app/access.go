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
}

// Access decides who may act where: it resolves the community a committee
// action acts on from the role stored now, never from anything the caller
// sends.
type Access struct {
	store AccessStore
}

// Committee resolves the scope of a committee action by the actor: an
// admin's /use choice (or their own community), else the community where the
// actor holds a committee role. Errors: ErrNotMember (no membership),
// ErrForbidden (no committee role), EFORBIDDEN with ReasonUseFirst (an admin
// who chose no existing community).
func (x *Access) Committee(ctx context.Context, a Actor) (Scope, error) {
	var (
		id   string
		role ll.Role
	)
	switch {
	case a.Admin && a.User.Use != "":
		id, role = a.User.Use, ll.RoleAdmin
	case a.Admin && a.Member != nil:
		id, role = a.Member.Community, ll.RoleAdmin
	case a.Admin:
		return Scope{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonUseFirst)
	case a.Member == nil:
		return Scope{}, ll.ErrNotMember
	case !a.Member.Role.IsCommittee():
		return Scope{}, ll.ErrForbidden
	default:
		id, role = a.Member.Community, a.Member.Role
	}
	comm, err := x.store.Community(ctx, id)
	if err != nil {
		if a.Admin && errors.Is(err, ll.ErrNotFound) {
			return Scope{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonUseFirst)
		}
		return Scope{}, fmt.Errorf("load community %s: %w", id, err)
	}
	return Scope{Community: comm, Actor: a.AuditName(comm.ID), Role: role, Channel: a.Channel, Now: a.Now}, nil
}
