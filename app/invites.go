package app

import (
	"context"
	"errors"
	"strings"
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
	// RegisterAudited makes the user an active member through inv, with
	// the audit entry of the join (see storage.Store.RegisterAudited).
	RegisterAudited(ctx context.Context, inv ll.Invite, m ll.Member, now time.Time, audit *ll.AuditEntry) (ll.Member, error)
	// Invites returns the community's invites not expired by now.
	Invites(ctx context.Context, community string, now time.Time) ([]ll.Invite, error)
	// RevokeInvite revokes an invite, audited; changed is false if it
	// already was.
	RevokeInvite(ctx context.Context, community, code string, audit *ll.AuditEntry) (changed bool, err error)
	// Audit appends an entry to a community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
	// RemoveMember marks an active member left at now, audited.
	RemoveMember(ctx context.Context, community, memberID string, now time.Time, audit *ll.AuditEntry) error
}

// Invites is how people join: the committee's invites and registration
// through them, moves between communities included.
type Invites struct {
	store InviteStore
	units UnitMatcher // links the typed unit to a unit (SPEC section 11); nil: never linked
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
// ReasonRevoked for a revoked one; ECONFLICT ReasonUsed for a personal
// invite used by someone else (or whose member left), or a role invite that
// someone else registered with (SPEC section 9: it is spent).
func (s *Invites) Open(ctx context.Context, a Actor, code string) (Opened, error) {
	inv, err := s.store.Invite(ctx, code)
	if err != nil {
		return Opened{}, err
	}
	if inv.Revoked {
		return Opened{}, ll.Refuse(ll.ECONFLICT, ll.ReasonRevoked)
	}
	if inv.Member == "" && inv.Role != ll.RoleNone && inv.Used && inv.UsedBy != a.TelegramID {
		return Opened{}, ll.Refuse(ll.ECONFLICT, ll.ReasonUsed)
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

// ApplyRole answers a member who opened an invite of their own community.
// A member cannot take a role by re-joining (SPEC section 9): a role invite
// that would change their role is refused with ECONFLICT ReasonRoleRejoin
// and the attempt is audited ("join-refused <member> invite <code> role
// <role>"); a role comes with /role. changed is always false: nothing is
// applied (m is the member as they are) when the invite carries no role,
// their role already, is theirs (they registered with it), or is a
// personal invite of someone else.
func (s *Invites) ApplyRole(ctx context.Context, a Actor, o Opened) (m ll.Member, changed bool, err error) {
	me, err := self(ctx, s.store, a)
	if err != nil {
		return ll.Member{}, false, err
	}
	if me.Community != o.Invite.Community {
		return ll.Member{}, false, ll.ErrStale
	}
	inv := o.Invite
	if inv.Role == ll.RoleNone || inv.Role == me.Role || (inv.Member != "" && inv.Member != me.ID) ||
		(inv.Used && inv.UsedBy == a.TelegramID) {
		return *me, false, nil
	}
	return *me, false, s.refuseRejoin(ctx, a, *me, inv)
}

// refuseRejoin audits a member's attempt to take a role by re-joining and
// returns its refusal.
func (s *Invites) refuseRejoin(ctx context.Context, a Actor, me ll.Member, inv ll.Invite) error {
	e := ll.AuditEntry{Time: a.Now, Community: me.Community, Actor: me.ID, Action: "join-refused", Object: me.ID,
		Detail: "invite " + inv.Code + " role " + RoleCode(inv.Role)}
	if err := s.store.Audit(ctx, e); err != nil {
		return err
	}
	return ll.Refuse(ll.ECONFLICT, ll.ReasonRoleRejoin)
}

// Join registers the actor through the invite code with the profile p
// (name, unit, building, skills, language; validated). A membership in
// another community is left first (audited there as "move"). The join is
// audited in the same step: "join <member>" by the member, detail "invite
// <code> role <role>". Errors: ErrNotFound (the invite is gone or
// expired); ECONFLICT ReasonRevoked; ECONFLICT ReasonRegistered when the
// actor is already a member of that community through another personal
// invite; ECONFLICT ReasonUsed for a personal or role invite someone else
// used; ECONFLICT ReasonRoleRejoin (audited) for a member of the community
// with a role invite; EINVALID for a bad profile.
func (s *Invites) Join(ctx context.Context, a Actor, code string, p ll.Member) (ll.Member, error) {
	inv, err := s.store.Invite(ctx, code)
	if err != nil {
		return ll.Member{}, err
	}
	// Refused before a move leaves the old community (the store checks
	// again in the registering step).
	if inv.Revoked {
		return ll.Member{}, ll.Refuse(ll.ECONFLICT, ll.ReasonRevoked)
	}
	if inv.Member == "" && inv.Role != ll.RoleNone && inv.Used && inv.UsedBy != a.TelegramID {
		return ll.Member{}, ll.Refuse(ll.ECONFLICT, ll.ReasonUsed)
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
	if m.Unit, m.UnitID, err = linkUnit(ctx, s.units, p.Unit, p.UnitID); err != nil {
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
	audit := &ll.AuditEntry{Time: a.Now, Community: inv.Community, Actor: "{{id}}", Action: "join", Object: "{{id}}",
		Detail: "invite " + inv.Code + " role " + RoleCode(inv.Role)}
	reg, err := s.store.RegisterAudited(ctx, inv, m, a.Now, audit)
	switch {
	case err != nil && errors.Is(err, ll.ErrNotFound):
		return ll.Member{}, ll.ErrNotFound
	case ll.ErrorDetail(err) == ll.ReasonRoleRejoin && old != nil:
		return ll.Member{}, s.refuseRejoin(ctx, a, *old, inv)
	}
	return reg, err
}

// MaxInvitesListed bounds /invite list.
const MaxInvitesListed = 50

// List returns the scope's community's invites that have not expired,
// revoked ones left out, soonest expiry first (at most MaxInvitesListed;
// total is how many there are).
func (s *Invites) List(ctx context.Context, sc *Scope) (invs []ll.Invite, total int, err error) {
	all, err := s.store.Invites(ctx, sc.Community.ID, sc.Now)
	if err != nil {
		return nil, 0, err
	}
	for _, inv := range all {
		if !inv.Revoked {
			invs = append(invs, inv)
		}
	}
	total = len(invs)
	if len(invs) > MaxInvitesListed {
		invs = invs[:MaxInvitesListed]
	}
	return invs, total, nil
}

// MinInvitePrefix is the fewest characters of an invite code's random part
// that /invite revoke accepts (the list shows that many).
const MinInvitePrefix = 4

// Revoke revokes an invite of the scope's community by its code, or by a
// prefix of it (the community id, "-", and at least MinInvitePrefix
// characters: what /invite list shows) that only one live invite has. A
// role invite is the secretary's and an admin's to revoke (EFORBIDDEN
// ReasonSecretaryOnly). changed is false when it already was revoked.
// Errors: EINVALID (Field "code") for a malformed or ambiguous code;
// ErrNotFound for no such live invite of this community. Audited as
// "invite-revoke <code> <role>".
func (s *Invites) Revoke(ctx context.Context, sc *Scope, code string) (inv ll.Invite, changed bool, err error) {
	code = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(code), "…")))
	prefix := sc.Community.ID + "-"
	random, ok := strings.CutPrefix(code, prefix)
	if !ok || len(random) < MinInvitePrefix || len(random) > ll.InviteCodeRandomLen {
		return ll.Invite{}, false, ll.Invalid("code", "not an invite code of %s", sc.Community.ID)
	}
	if len(random) == ll.InviteCodeRandomLen {
		inv, err = s.store.Invite(ctx, code)
		if err != nil {
			return ll.Invite{}, false, err
		}
	} else {
		all, err := s.store.Invites(ctx, sc.Community.ID, sc.Now)
		if err != nil {
			return ll.Invite{}, false, err
		}
		n := 0
		for _, i := range all {
			if strings.HasPrefix(i.Code, code) {
				inv, n = i, n+1
			}
		}
		switch {
		case n == 0:
			return ll.Invite{}, false, ll.ErrNotFound
		case n > 1:
			return ll.Invite{}, false, ll.Invalid("code", "%d invites start with %s", n, code)
		}
	}
	if inv.Community != sc.Community.ID {
		return ll.Invite{}, false, ll.ErrNotFound
	}
	if inv.Role != ll.RoleNone && !sc.CanAppoint() {
		return inv, false, ll.Refuse(ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	}
	changed, err = s.store.RevokeInvite(ctx, sc.Community.ID, inv.Code, sc.Audit("invite-revoke", inv.Code, RoleCode(inv.Role)))
	if err != nil {
		return inv, false, err
	}
	inv.Revoked = true
	return inv, changed, nil
}
