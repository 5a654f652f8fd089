package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// encodeSkills is the skills field of a member hash: a JSON array, "" for none.
func encodeSkills(skills []string) string {
	if len(skills) == 0 {
		return ""
	}
	b, _ := json.Marshal(skills) // a []string always encodes
	return string(b)
}

// decodeMember builds a member from the fields of its hash.
func decodeMember(community, id string, h map[string]string) (ll.Member, error) {
	m := ll.Member{
		ID:          id,
		Community:   community,
		Name:        h["name"],
		Unit:        h["unit"],
		Building:    h["bldg"],
		Joined:      fromMS(h["joined"]),
		Status:      h["status"],
		Language:    h["lang"],
		Role:        ll.Role(h["role"]),
		Unreachable: h["unreach"] != "",
		Left:        fromMS(h["left"]),
		UnitID:      h["uid"],
	}
	if v := h["tg"]; v != "" {
		tg, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return ll.Member{}, fmt.Errorf("member %s/%s: telegram id %q: %w", community, id, v, err)
		}
		m.TelegramID = tg
	}
	if v := h["skills"]; v != "" {
		if err := json.Unmarshal([]byte(v), &m.Skills); err != nil {
			return ll.Member{}, fmt.Errorf("member %s/%s: skills: %w", community, id, err)
		}
	}
	return m, nil
}

// fieldMap turns a flat HGETALL reply from a script into a map.
func fieldMap(r []any, i int) map[string]string {
	l := strs(r, i)
	h := make(map[string]string, len(l)/2)
	for j := 0; j+1 < len(l); j += 2 {
		h[l[j]] = l[j+1]
	}
	return h
}

// idNumber is n of a short id "X<n>", for ordering; 0 for garbage.
func idNumber(id string) int {
	if len(id) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(id[1:])
	return n
}

// sortIDs orders short ids by number ("M2" before "M10") in place.
func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int { return idNumber(a) - idNumber(b) })
}

// Register makes Telegram user m.TelegramID an active member of the invite's
// community, atomically in one script in the community's slot:
//   - personal invite (stored with a member): binds that member to the user
//     and marks the invite used; ErrConflict with Detail "used" if it was used
//     by someone else, "registered" if the user already is another active
//     member of the community, "inactive" if the member has left;
//   - community invite: creates member M<n>, or returns the user's existing
//     active member of that community (idempotent on retries).
//
// Non-empty profile fields of m (name, unit, building, skills, language)
// overwrite the stored ones; the stored invite's role, when set, becomes the
// member's role. ErrNotFound if the invite is unknown or expired at now, or
// the community does not exist; EINVALID without a Telegram id.
//
// It then points the user at the member with a second write in the user's
// slot, which also gives the user the member's language when the user has
// chosen none (so that the reply language needs no read of the member). If
// that write is lost (Redis unreachable in between), the caller gets
// ErrUnavailable and the retry, which is idempotent, writes it. Two round trips.
func (s *Store) Register(ctx context.Context, inv ll.Invite, m ll.Member, now time.Time) (ll.Member, error) {
	return s.RegisterAudited(ctx, inv, m, now, nil)
}

// RegisterAudited is Register with an audit entry, written in the same step
// when a member is registered (not when the user already was that member):
// its Actor and Object may be "{{id}}", filled with the member id. A role
// invite binds the first user who registers with it: another user gets
// ECONFLICT ReasonUsed; an active member of the community other than that
// user gets ECONFLICT ReasonRoleRejoin. A revoked invite gives ECONFLICT
// ReasonRevoked.
func (s *Store) RegisterAudited(ctx context.Context, inv ll.Invite, m ll.Member, now time.Time, audit *ll.AuditEntry) (ll.Member, error) {
	if m.TelegramID <= 0 {
		return ll.Member{}, ll.Invalid("telegram", "registration needs a Telegram user id")
	}
	c, ok := inviteCommunity(inv.Code)
	if !ok || (inv.Community != "" && inv.Community != c) {
		return ll.Member{}, notFound("invite", inv.Code)
	}
	tg := strconv.FormatInt(m.TelegramID, 10)
	op := fmt.Sprintf("register user %s in %s", tg, c)
	a, score := s.auditArgs(audit, c, now, "", "")
	if err := s.noteUnitCommunity(ctx, c, m); err != nil {
		return ll.Member{}, err
	}
	st, rest, err := s.run(ctx, op, registerScript,
		[]string{s.k.community(c), s.k.invite(c, inv.Code), s.k.telegram(c), s.k.members(c), s.k.seq(c)},
		s.k.base(c), tg, s.millis(now), m.Name, m.Unit, m.Building, encodeSkills(m.Skills), m.Language, a, score, unitOf(m))
	if err != nil {
		return ll.Member{}, err
	}
	switch st {
	case "ok":
	case "conflict":
		d := str(rest, 0)
		return ll.Member{}, refusal(op, ll.ECONFLICT, d, fmt.Sprintf("invite %s cannot be used: %s", inv.Code, d))
	default:
		return ll.Member{}, statusError(op, st, rest, map[string]string{"community": c, "invite": inv.Code, "member": inv.Member})
	}
	id := str(rest, 0)
	got, err := decodeMember(c, id, fieldMap(rest, 1))
	if err != nil {
		return ll.Member{}, err
	}
	lang := ""
	if ll.ValidLanguage(got.Language) {
		lang = got.Language
	}
	if _, _, err := s.run(ctx, op, pointUserScript, []string{s.k.user(m.TelegramID)}, pointer(c, id), lang, string(got.Role), ""); err != nil {
		return ll.Member{}, err
	}
	return got, nil
}

// ImportMembers creates all members of ms in one community in one script, all
// or nothing: ErrConflict (Detail = the telegram id) if a Telegram id already
// belongs to an active member there or appears twice; EINVALID (Detail = the
// field) if a member does not validate or has a role that cannot be stored;
// ErrNotFound if the community does not exist. Returned members carry their
// ids (consecutive), in the order given; roles are kept. The audit entry's
// Object defaults to the range of new ids ("M5-M12").
//
// Imported members with a Telegram id are then pointed at, for users that have
// no membership pointer yet, and their language given to users that have none
// (one more round trip); a community past indexThreshold members then gets
// the search index if it has none (one or two round trips, and the
// building's: EnableSearchIndex).
func (s *Store) ImportMembers(ctx context.Context, community string, ms []ll.Member, now time.Time, audit *ll.AuditEntry) ([]ll.Member, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return []ll.Member{}, nil
	}
	fields := make([][]any, 0, len(ms))
	for i := range ms {
		m := &ms[i]
		if err := m.Validate(); err != nil {
			return nil, err
		}
		if err := checkRole(m.Role); err != nil {
			return nil, err
		}
		if m.TelegramID < 0 {
			return nil, ll.Invalid("telegram", "telegram id %d is not a user id", m.TelegramID)
		}
		tg := ""
		if m.TelegramID != 0 {
			tg = strconv.FormatInt(m.TelegramID, 10)
		}
		fields = append(fields, []any{tg, m.Name, m.Unit, m.Building, encodeSkills(m.Skills), m.Language, string(m.Role), unitOf(*m)})
	}
	if err := s.noteUnitCommunity(ctx, community, ms...); err != nil {
		return nil, err
	}
	var ids []string
	if len(fields) <= ImportBatch {
		args := make([]any, 0, 4+8*len(ms))
		a, score := s.auditArgs(audit, community, now, newID, "")
		args = append(args, s.k.base(community), s.millis(now), a, score)
		for _, f := range fields {
			args = append(args, f...)
		}
		op := fmt.Sprintf("import %d members into %s", len(ms), community)
		st, rest, err := s.run(ctx, op, importMembersScript,
			[]string{s.k.community(community), s.k.telegram(community), s.k.members(community), s.k.seq(community)}, args...)
		if err != nil {
			return nil, err
		}
		switch st {
		case "ok":
		case "conflict":
			return nil, importConflict(community, str(rest, 0))
		default:
			return nil, statusError(op, st, rest, map[string]string{"community": community})
		}
		for i := range ms {
			ids = append(ids, str(rest, i))
		}
	} else {
		var err error
		if ids, err = s.importLarge(ctx, community, fields, now, audit); err != nil {
			return nil, err
		}
	}
	op := fmt.Sprintf("point the users of %d imported members of %s", len(ms), community)
	out := make([]ll.Member, len(ms))
	for i, m := range ms {
		m.ID = ids[i]
		m.Community = community
		m.Joined = fromMS(s.millis(now))
		m.Status = ll.StatusActive
		m.Left = time.Time{}
		m.Unreachable = false
		out[i] = m
	}
	// Point each user who points at no member yet at theirs (one pipeline),
	// then write the snapshot of those now pointing here (a second one).
	pointed := make([]*redis.BoolCmd, len(out))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range out {
			if m.TelegramID != 0 {
				pointed[i] = p.HSetNX(ctx, s.k.user(m.TelegramID), "m", pointer(community, m.ID))
				p.HSetNX(ctx, s.k.user(m.TelegramID), "ms", pointer(community, m.ID))
			}
		}
		return nil
	})
	if err != nil {
		return out, s.wrap(op, err)
	}
	_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range out {
			if pointed[i] == nil || !pointed[i].Val() {
				continue
			}
			u := s.k.user(m.TelegramID)
			p.HSet(ctx, u, "r", string(m.Role))
			if ll.ValidLanguage(m.Language) {
				p.HSetNX(ctx, u, "lang", m.Language)
			} else {
				p.HSet(ctx, u, "nml", "1") // the member has no language
			}
		}
		return nil
	})
	if err != nil {
		return out, s.wrap(op, err)
	}
	// An import that takes the community past indexThreshold gives it the
	// search index now, not in the first search, which waits on it.
	if _, err := s.searchIndexed(ctx, community); err != nil {
		return out, err
	}
	return out, nil
}

// Member returns a member by id (any status); ErrNotFound if unknown. One
// round trip.
func (s *Store) Member(ctx context.Context, community, id string) (ll.Member, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Member{}, err
	}
	if !validID('M', id) {
		return ll.Member{}, notFound("member", id)
	}
	h, err := s.c.HGetAll(ctx, s.k.member(community, id)).Result()
	if err != nil {
		return ll.Member{}, s.wrap(fmt.Sprintf("member %s/%s", community, id), err)
	}
	if len(h) == 0 {
		return ll.Member{}, notFound("member", id)
	}
	return decodeMember(community, id, h)
}

// MemberByTelegram returns the community's member with Telegram id tg: the
// active one if there is one, else the latest; ErrNotFound if none.
func (s *Store) MemberByTelegram(ctx context.Context, community string, tg int64) (ll.Member, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Member{}, err
	}
	t := strconv.FormatInt(tg, 10)
	op := fmt.Sprintf("member of %s with telegram id %s", community, t)
	st, rest, err := s.run(ctx, op, memberByTelegramScript, []string{s.k.telegram(community)}, s.k.base(community), t)
	if err != nil {
		return ll.Member{}, err
	}
	if st != "ok" {
		return ll.Member{}, statusError(op, st, rest, map[string]string{"member": "with telegram id " + t})
	}
	return decodeMember(community, str(rest, 0), fieldMap(rest, 1))
}

// membersBatch is how many members Members reads per script or pipeline:
// reading all of a large community's members in one script would hold Redis
// for half a second at 100,000 members.
const membersBatch = 1000

// Members returns every member of the community (any status) by id order; an
// unknown community has none. One script reads the first 1,000 members, so a
// community of up to 1,000 members costs one round trip; a larger one then
// costs a ZRANGE of the other ids and a pipeline of 1,000 HGETALLs per 1,000
// members, one round trip each, so that Redis is never held for long (one
// script reading 100,000 members held it for half a second). Members are
// only ever added, so a concurrent registration is either in the result or
// not, never half.
func (s *Store) Members(ctx context.Context, community string) ([]ll.Member, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "members of " + community
	st, rest, err := s.run(ctx, op, membersScript, []string{s.k.members(community)}, s.k.base(community), membersBatch)
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, nil)
	}
	total, ids := num(rest, 0), strs(rest, 1)
	out := make([]ll.Member, 0, total)
	for i, id := range ids {
		m, err := decodeMember(community, id, fieldMap(rest, i+2))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if len(ids) < membersBatch {
		return out, nil
	}
	more, err := s.c.ZRange(ctx, s.k.members(community), membersBatch, -1).Result()
	if err != nil {
		return nil, s.wrap(op, err)
	}
	ids = append(ids, more...)
	for from := len(out); from < len(ids); from += membersBatch {
		batch := ids[from:min(from+membersBatch, len(ids))]
		cmds := make([]*redis.MapStringStringCmd, len(batch))
		if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range batch {
				cmds[i] = p.HGetAll(ctx, s.k.member(community, id))
			}
			return nil
		}); err != nil {
			return nil, s.wrap(op, err)
		}
		for i, id := range batch {
			m, err := decodeMember(community, id, cmds[i].Val())
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// UpdateProfile replaces name, unit, building, skills and language of an
// existing member (empty values clear them); ErrNotFound if unknown,
// ErrNotMember for a forgotten member (whose data stays deleted), EINVALID if
// m does not validate.
func (s *Store) UpdateProfile(ctx context.Context, m ll.Member) error {
	if err := checkCommunity(m.Community); err != nil {
		return err
	}
	if !validID('M', m.ID) {
		return notFound("member", m.ID)
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Language != "" && !ll.ValidLanguage(m.Language) {
		return ll.Invalid("language", "language must be zh or en")
	}
	op := fmt.Sprintf("update profile of %s/%s", m.Community, m.ID)
	if err := s.noteUnitCommunity(ctx, m.Community, m); err != nil {
		return err
	}
	st, rest, err := s.run(ctx, op, updateProfileScript, []string{s.k.member(m.Community, m.ID)},
		m.Name, m.Unit, m.Building, encodeSkills(m.Skills), m.Language, s.k.base(m.Community), m.ID, unitOf(m))
	if err != nil || st == "ok" {
		return err
	}
	return statusError(op, st, rest, map[string]string{"member": m.ID})
}

// SetRole sets a member's role (RoleNone removes it) with its audit entry.
// ErrNotFound if the member is unknown, ErrNotMember when giving a role to a
// member who is not active, EINVALID for a role that cannot be stored
// (RoleAdmin comes from configuration).
func (s *Store) SetRole(ctx context.Context, community, memberID string, role ll.Role, audit *ll.AuditEntry) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	if !validID('M', memberID) {
		return notFound("member", memberID)
	}
	if err := checkRole(role); err != nil {
		return err
	}
	a, score := s.auditArgs(audit, community, time.Time{}, memberID, "")
	op := fmt.Sprintf("set role of %s/%s", community, memberID)
	st, rest, err := s.run(ctx, op, setRoleScript, []string{s.k.member(community, memberID)},
		s.k.base(community), string(role), a, score)
	if err != nil {
		return err
	}
	if st != "ok" {
		return statusError(op, st, rest, map[string]string{"member": memberID})
	}
	// The user's snapshot follows (a second round trip); should it fail, a
	// committee action still checks the member record itself.
	if tg, err := strconv.ParseInt(str(rest, 0), 10, 64); err == nil && tg > 0 {
		return s.snapshot(ctx, op, tg, pointer(community, memberID), "r", string(role))
	}
	return nil
}

// RemoveMember marks an active member left at now in one script: releases
// their claims (keeping the history), takes them out of teams, clears their
// role and writes the audit entry. The user's pointer to them is then cleared
// (a second round trip). Removing a member who already left is a no-op that
// writes no audit entry. ErrNotFound if the member is unknown.
func (s *Store) RemoveMember(ctx context.Context, community, memberID string, now time.Time, audit *ll.AuditEntry) error {
	return s.leave(ctx, "remove", removeMemberScript, community, memberID, now, audit)
}

// Forget deletes a member's personal data (section 6 of the specification):
// name, Telegram id, unit, building, skills and language go, the status
// becomes forgotten and Left is set to now if the member had not left. Like
// RemoveMember it releases claims, leaves teams and clears the role; the
// ledger stays under the member id. The user's data (language, flow) is then
// deleted unless the user is a member elsewhere. Forgetting a forgotten member
// is a no-op. ErrNotFound if the member is unknown.
func (s *Store) Forget(ctx context.Context, community, memberID string, now time.Time, audit *ll.AuditEntry) error {
	return s.leave(ctx, "forget", forgetScript, community, memberID, now, audit)
}

func (s *Store) leave(ctx context.Context, verb string, sc *redis.Script, community, memberID string, now time.Time, audit *ll.AuditEntry) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	if !validID('M', memberID) {
		return notFound("member", memberID)
	}
	a, score := s.auditArgs(audit, community, now, memberID, "")
	op := fmt.Sprintf("%s member %s/%s", verb, community, memberID)
	keys := []string{s.k.member(community, memberID), s.k.claims(community, memberID), s.k.telegram(community)}
	st, rest, err := s.run(ctx, op, sc, keys, s.k.base(community), memberID, s.millis(now), a, score)
	if err != nil {
		return err
	}
	switch st {
	case "noop":
		return nil
	case "ok":
	default:
		return statusError(op, st, rest, map[string]string{"member": memberID})
	}
	tg, err := strconv.ParseInt(str(rest, 0), 10, 64)
	if err != nil || tg == 0 {
		return nil
	}
	ptr := pointer(community, memberID)
	if sc == forgetScript {
		_, _, err = s.run(ctx, op, forgetUserScript, []string{s.k.user(tg), s.k.flow(tg)}, ptr)
	} else {
		_, _, err = s.run(ctx, op, dropPointerScript, []string{s.k.user(tg)}, ptr)
	}
	return err
}

// Membership reads, in one round trip, community and the member memberID
// of it (any status): what a committee action checks the caller's role
// against. ErrNotFound (Detail "community" or "member") when either is
// unknown.
func (s *Store) Membership(ctx context.Context, community, memberID string) (ll.Community, ll.Member, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Community{}, ll.Member{}, err
	}
	if !validID('M', memberID) {
		return ll.Community{}, ll.Member{}, notFound("member", memberID)
	}
	op := fmt.Sprintf("membership %s/%s", community, memberID)
	var (
		cv *redis.StringCmd
		mh *redis.MapStringStringCmd
	)
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		cv = p.Get(ctx, s.k.community(community))
		mh = p.HGetAll(ctx, s.k.member(community, memberID))
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return ll.Community{}, ll.Member{}, notFound("community", community)
	}
	if err != nil {
		return ll.Community{}, ll.Member{}, s.wrap(op, err)
	}
	var c ll.Community
	if err := json.Unmarshal([]byte(cv.Val()), &c); err != nil {
		return ll.Community{}, ll.Member{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(mh.Val()) == 0 {
		return c, ll.Member{}, notFound("member", memberID)
	}
	m, err := decodeMember(community, memberID, mh.Val())
	return c, m, err
}
