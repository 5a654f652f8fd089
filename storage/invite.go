package storage

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// inviteGrace is how long an expired invite stays in Redis.
const inviteGrace = 24 * time.Hour

const inviteAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newInviteCode returns <community>-<10 random [a-z0-9]>.
func newInviteCode(community string) string {
	out := make([]byte, 0, ll.InviteCodeRandomLen)
	var buf [32]byte
	for len(out) < ll.InviteCodeRandomLen {
		rand.Read(buf[:]) // never fails (crypto/rand since Go 1.24)
		for _, c := range buf {
			// 252 = 7*36: rejecting larger bytes keeps every letter equally likely.
			if c < 252 && len(out) < ll.InviteCodeRandomLen {
				out = append(out, inviteAlphabet[int(c)%len(inviteAlphabet)])
			}
		}
	}
	return community + "-" + string(out)
}

// CreateInvite stores an invite with its audit entry, generating its code
// (<community>-<10 random [a-z0-9]>) when empty, and returns it. Created is
// set when zero. ErrNotFound if the community, or the member of a personal
// invite, does not exist; ErrConflict if a given code is taken; EINVALID for
// a code that does not carry inv.Community or a role that cannot be stored.
func (s *Store) CreateInvite(ctx context.Context, inv ll.Invite, audit *ll.AuditEntry) (ll.Invite, error) {
	if err := checkCommunity(inv.Community); err != nil {
		return ll.Invite{}, err
	}
	if err := checkRole(inv.Role); err != nil {
		return ll.Invite{}, err
	}
	if inv.Member != "" && !validID('M', inv.Member) {
		return ll.Invite{}, notFound("member", inv.Member)
	}
	given := inv.Code != ""
	if given {
		if c, ok := inviteCommunity(inv.Code); !ok || c != inv.Community {
			return ll.Invite{}, ll.Invalid("code", "invite code %q does not belong to community %s", inv.Code, inv.Community)
		}
	}
	if inv.Created.IsZero() {
		inv.Created = s.now()
	}
	inv.Used = false
	// Expiry is checked against the clock of the store (Invite) or of the
	// caller (Register); Redis drops the key a day later, to save memory.
	ttl := ""
	if !inv.Expires.IsZero() {
		ttl = fmt.Sprint(max(inv.Expires.Sub(s.now()), 0).Milliseconds() + inviteGrace.Milliseconds())
	}
	op := "create invite for " + inv.Community
	for try := 0; ; try++ {
		if !given {
			inv.Code = newInviteCode(inv.Community)
		}
		j, err := json.Marshal(inv)
		if err != nil {
			return ll.Invite{}, fmt.Errorf("%s: %w", op, err)
		}
		a, score := s.auditArgs(audit, inv.Community, inv.Created, inv.Code, "")
		st, rest, err := s.run(ctx, op, createInviteScript,
			[]string{s.k.community(inv.Community), s.k.invite(inv.Community, inv.Code), s.k.invites(inv.Community)},
			s.k.base(inv.Community), j, inv.Member, string(inv.Role), millis(inv.Expires), ttl, a, score, inv.Code)
		switch {
		case err != nil:
			return ll.Invite{}, err
		case st == "ok":
			return inv, nil
		case st == "exists" && (given || try >= 3):
			return ll.Invite{}, &ll.Error{Code: ll.ECONFLICT, Message: fmt.Sprintf("invite %s already exists", inv.Code), Detail: "code"}
		case st != "exists":
			return ll.Invite{}, statusError(op, st, rest, map[string]string{"community": inv.Community, "member": inv.Member})
		}
	}
}

// Invite returns an invite by code, Used and UsedBy set if a personal or
// role invite was used, Revoked if it was revoked; ErrNotFound if unknown or
// expired.
func (s *Store) Invite(ctx context.Context, code string) (ll.Invite, error) {
	c, ok := inviteCommunity(code)
	if !ok {
		return ll.Invite{}, notFound("invite", code)
	}
	vs, err := s.c.HMGet(ctx, s.k.invite(c, code), "j", "used", "rev").Result()
	if err != nil {
		return ll.Invite{}, s.wrap("invite "+code, err)
	}
	j, _ := vs[0].(string)
	used, _ := vs[1].(string)
	rev, _ := vs[2].(string)
	inv, err := decodeInvite(code, j, used, rev)
	if err != nil {
		return ll.Invite{}, err
	}
	if !inv.Expires.IsZero() && !s.now().Before(inv.Expires) {
		return ll.Invite{}, notFound("invite", code)
	}
	return inv, nil
}

// decodeInvite reads a stored invite: j its JSON ("" for none: ErrNotFound),
// used the Telegram id that used it, rev "1" when revoked.
func decodeInvite(code, j, used, rev string) (ll.Invite, error) {
	if j == "" {
		return ll.Invite{}, notFound("invite", code)
	}
	var inv ll.Invite
	if err := json.Unmarshal([]byte(j), &inv); err != nil {
		return ll.Invite{}, fmt.Errorf("invite %s: %w", code, err)
	}
	inv.Used = used != ""
	inv.UsedBy, _ = strconv.ParseInt(used, 10, 64)
	inv.Revoked = rev != ""
	return inv, nil
}

// Invites returns the community's invites that have not expired by now
// (revoked and used ones included, flagged), soonest expiry first, those
// that never expire last. Invites created before the index existed (schema
// 1) are not listed. One round trip.
func (s *Store) Invites(ctx context.Context, community string, now time.Time) ([]ll.Invite, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "invites of " + community
	st, rest, err := s.run(ctx, op, listInvitesScript, []string{s.k.invites(community)}, s.k.base(community), s.millis(now))
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, nil)
	}
	out := make([]ll.Invite, 0, len(rest))
	for i := range rest {
		f := strs(rest, i)
		if len(f) != 4 {
			continue
		}
		inv, err := decodeInvite(f[0], f[1], f[2], f[3])
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// RevokeInvite revokes an invite of community, with its audit entry: no one
// registers with it from now on. changed is false when it already was
// revoked. ErrNotFound for an unknown code.
func (s *Store) RevokeInvite(ctx context.Context, community, code string, audit *ll.AuditEntry) (changed bool, err error) {
	c, ok := inviteCommunity(code)
	if !ok || c != community {
		return false, notFound("invite", code)
	}
	a, score := s.auditArgs(audit, c, time.Time{}, code, "")
	op := "revoke invite " + code
	st, rest, err := s.run(ctx, op, revokeInviteScript, []string{s.k.invite(c, code)}, s.k.base(c), a, score)
	return changedResult(op, st, rest, err, map[string]string{"invite": code})
}

// inviteCommunity returns the community of a well-formed invite code:
// <community>-<10 of [a-z0-9]>.
func inviteCommunity(code string) (string, bool) {
	c, ok := ll.CommunityOfInvite(code)
	if !ok {
		return "", false
	}
	for _, r := range code[len(c)+1:] {
		if !strings.ContainsRune(inviteAlphabet, r) {
			return "", false
		}
	}
	return c, true
}

// checkRole accepts the roles a member can hold in storage.
func checkRole(r ll.Role) error {
	switch r {
	case ll.RoleNone, ll.RoleSecretary, ll.RoleDeputy, ll.RoleCommittee:
		return nil
	}
	return ll.Invalid("role", "role must be secretary, deputy, committee or none")
}
