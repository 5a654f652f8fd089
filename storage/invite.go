package storage

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
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
			[]string{s.k.community(inv.Community), s.k.invite(inv.Community, inv.Code)},
			s.k.base(inv.Community), j, inv.Member, string(inv.Role), millis(inv.Expires), ttl, a, score)
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

// Invite returns an invite by code, Used set if a personal invite was used;
// ErrNotFound if unknown or expired.
func (s *Store) Invite(ctx context.Context, code string) (ll.Invite, error) {
	c, ok := inviteCommunity(code)
	if !ok {
		return ll.Invite{}, notFound("invite", code)
	}
	vs, err := s.c.HMGet(ctx, s.k.invite(c, code), "j", "used").Result()
	if err != nil {
		return ll.Invite{}, s.wrap("invite "+code, err)
	}
	j, _ := vs[0].(string)
	if j == "" {
		return ll.Invite{}, notFound("invite", code)
	}
	var inv ll.Invite
	if err := json.Unmarshal([]byte(j), &inv); err != nil {
		return ll.Invite{}, fmt.Errorf("invite %s: %w", code, err)
	}
	if !inv.Expires.IsZero() && !s.now().Before(inv.Expires) {
		return ll.Invite{}, notFound("invite", code)
	}
	inv.Used = vs[1] != nil
	return inv, nil
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
