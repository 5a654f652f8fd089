package app

import (
	"context"
	"errors"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Invites expire: a member invite after InviteTTL, one that grants a
// committee role (a link that can be forwarded) sooner.
const (
	InviteTTL     = 30 * 24 * time.Hour
	RoleInviteTTL = 7 * 24 * time.Hour
)

// InviteStore is what Invites reads and writes.
type InviteStore interface {
	// CreateInvite stores an invite, generating its code, audited.
	CreateInvite(ctx context.Context, inv ll.Invite, audit *ll.AuditEntry) (ll.Invite, error)
	// Invite returns an invite by code; ErrNotFound if unknown or expired.
	Invite(ctx context.Context, code string) (ll.Invite, error)
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
	// Register makes the user an active member through inv (see
	// storage.Store.Register).
	Register(ctx context.Context, inv ll.Invite, m ll.Member, now time.Time) (ll.Member, error)
	// RemoveMember marks an active member left at now, audited.
	RemoveMember(ctx context.Context, community, memberID string, now time.Time, audit *ll.AuditEntry) error
}

// Invites is how people join: the committee's invites and registration
// through them, moves between communities included.
type Invites struct {
	store InviteStore
}

// Create makes an invite to the scope's community, for a plain member or
// (secretary and admin only: EFORBIDDEN ReasonSecretaryOnly) with a
// committee role; a role invite expires sooner. Audited as "invite".
func (s *Invites) Create(ctx context.Context, sc *Scope, role ll.Role) (ll.Invite, error) {
	if role != ll.RoleNone && !sc.CanAppoint() {
		return ll.Invite{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	}
	ttl := InviteTTL
	if role != ll.RoleNone {
		ttl = RoleInviteTTL
	}
	inv := ll.Invite{
		Community: sc.Community.ID,
		Role:      role,
		CreatedBy: sc.Actor,
		Created:   sc.Now,
		Expires:   sc.Now.Add(ttl),
	}
	return s.store.CreateInvite(ctx, inv, sc.Audit("invite", "", RoleCode(role)))
}

// Opened is an invite as the person who opened it may see it.
type Opened struct {
	Invite    ll.Invite
	Community ll.Community
	// Personal is the pre-created member of a personal invite (nil for a
	// community invite): its profile is shown to confirm.
	Personal *ll.Member
	// Rejoin is true when the actor is already a member of the invite's
	// community: Join then only applies the invite's role.
	Rejoin bool
}

// Open looks up an invite code for the actor. Errors: ErrNotFound for an
// unknown or expired code, or one of a community that is gone; ECONFLICT
// ReasonUsed for a personal invite used by someone else (or whose member
// left).
func (s *Invites) Open(ctx context.Context, a Actor, code string) (Opened, error) {
	inv, err := s.store.Invite(ctx, code)
	if err != nil {
		return Opened{}, err
	}
	comm, err := s.store.Community(ctx, inv.Community)
	if err != nil {
		return Opened{}, err
	}
	me, err := self(ctx, s.store, a)
	if err != nil && !errors.Is(err, ll.ErrNotMember) {
		return Opened{}, err
	}
	o := Opened{Invite: inv, Community: comm, Rejoin: me != nil && me.Community == inv.Community}
	if inv.Member != "" && !o.Rejoin {
		pm, err := s.store.Member(ctx, inv.Community, inv.Member)
		if err != nil {
			return Opened{}, err
		}
		if inv.Used || !pm.Active() || (pm.TelegramID != 0 && pm.TelegramID != a.TelegramID) {
			return Opened{}, ll.Refuse(ll.ECONFLICT, ll.ReasonUsed)
		}
		o.Personal = &pm
	}
	return o, nil
}

// ApplyRole gives a member who opened a role invite of their own community
// that role. changed is false when the invite carries no role, the same
// role, or is a personal invite of someone else (nothing to apply).
func (s *Invites) ApplyRole(ctx context.Context, a Actor, o Opened) (m ll.Member, changed bool, err error) {
	me, err := self(ctx, s.store, a)
	if err != nil {
		return ll.Member{}, false, err
	}
	if me.Community != o.Invite.Community {
		return ll.Member{}, false, ll.ErrStale
	}
	inv := o.Invite
	if inv.Role == ll.RoleNone || inv.Role == me.Role || (inv.Member != "" && inv.Member != me.ID) {
		return *me, false, nil
	}
	reg, err := s.store.Register(ctx, inv, ll.Member{TelegramID: a.TelegramID}, a.Now)
	if err != nil {
		return ll.Member{}, false, err
	}
	return reg, true, nil
}

// Join registers the actor through the invite code with the profile p
// (name, unit, building, skills, language; validated). A membership in
// another community is left first (audited there as "move"). Errors:
// ErrNotFound (the invite is gone or expired); ECONFLICT ReasonRegistered
// when the actor is already a member of that community through another
// personal invite; ECONFLICT from the store for a personal invite someone
// else used; EINVALID for a bad profile.
func (s *Invites) Join(ctx context.Context, a Actor, code string, p ll.Member) (ll.Member, error) {
	inv, err := s.store.Invite(ctx, code)
	if err != nil {
		return ll.Member{}, err
	}
	m := ll.Member{
		TelegramID: a.TelegramID,
		Name:       p.Name,
		Unit:       p.Unit,
		Building:   p.Building,
		Skills:     p.Skills,
		Language:   p.Language,
	}
	if err := m.Validate(); err != nil {
		return ll.Member{}, err
	}
	old, err := self(ctx, s.store, a)
	if err != nil && !errors.Is(err, ll.ErrNotMember) {
		return ll.Member{}, err
	}
	if old != nil {
		if old.Community == inv.Community {
			if inv.Member != "" && inv.Member != old.ID {
				return *old, ll.Refuse(ll.ECONFLICT, ll.ReasonRegistered)
			}
		} else {
			audit := &ll.AuditEntry{Time: a.Now, Community: old.Community, Actor: old.ID, Action: "move", Object: old.ID, Detail: "to " + inv.Community}
			if err := s.store.RemoveMember(ctx, old.Community, old.ID, a.Now, audit); err != nil {
				return ll.Member{}, err
			}
		}
	}
	reg, err := s.store.Register(ctx, inv, m, a.Now)
	if err != nil && errors.Is(err, ll.ErrNotFound) {
		return ll.Member{}, ll.ErrNotFound
	}
	return reg, err
}
