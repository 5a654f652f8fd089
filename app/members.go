package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// MemberStore is what Members reads and writes.
type MemberStore interface {
	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
	// MemberByTelegram returns the community's member with that Telegram id
	// (the active one if several); ErrNotFound if none.
	MemberByTelegram(ctx context.Context, community string, tg int64) (ll.Member, error)
	// Members returns every member of the community (any status) by id order.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// SearchMembers answers a page of Search from the store's index, in
	// id order, with the number of matches in all; ok false when the index
	// cannot answer q (then nothing was read).
	SearchMembers(ctx context.Context, community, q string, offset, count int) (page []ll.Member, total int, ok bool, err error)
	// Card reads a member's card in one step; ErrNotFound if unknown.
	Card(ctx context.Context, community, memberID string) (ll.Card, error)
	// UpdateProfile replaces name, unit, building, skills and language.
	UpdateProfile(ctx context.Context, m ll.Member) error
	// SetRole sets a member's role (RoleNone removes it), audited.
	SetRole(ctx context.Context, community, memberID string, role ll.Role, audit *ll.AuditEntry) error
	// RemoveMember marks an active member left at now, audited.
	RemoveMember(ctx context.Context, community, memberID string, now time.Time, audit *ll.AuditEntry) error
	// Forget deletes a member's personal data, keeping the ledger, audited.
	Forget(ctx context.Context, community, memberID string, now time.Time, audit *ll.AuditEntry) error
	// ForgetPerson deletes what is stored about a Telegram user in every
	// membership they ever had, keeping member ids and counts (see
	// storage.Store.ForgetPerson); audit is written in its community.
	ForgetPerson(ctx context.Context, tg int64, now time.Time, audit *ll.AuditEntry) ([]string, error)
	// ImportMembers creates all members of ms in one community, all or
	// nothing, audited; ECONFLICT (Detail the Telegram id) for a Telegram id
	// that is taken or appears twice.
	ImportMembers(ctx context.Context, community string, ms []ll.Member, now time.Time, audit *ll.AuditEntry) ([]ll.Member, error)
	// CreateInvite stores an invite, generating its code, audited.
	CreateInvite(ctx context.Context, inv ll.Invite, audit *ll.AuditEntry) (ll.Invite, error)
}

// Members is the membership: the committee's search, cards, roles and
// removals, and a member's own card, profile and forgetting.
type Members struct {
	store MemberStore
	units UnitMatcher // links the typed unit to a unit (SPEC section 11); nil: never linked
}

// Resolve finds a member of the scope's community by what the committee
// typed: a member id (M12, m12, 12) or a Telegram id. Errors: EINVALID
// (Field "member") for neither, ErrNotFound.
func (s *Members) Resolve(ctx context.Context, sc *Scope, ref string) (ll.Member, error) {
	return resolveMember(ctx, s.store, sc.Community.ID, ref)
}

func resolveMember(ctx context.Context, store MemberStore, community, ref string) (ll.Member, error) {
	ref = strings.TrimSpace(ref)
	if id := ll.NormalizeID('M', ref); id != "" {
		return store.Member(ctx, community, id)
	}
	if tg, err := strconv.ParseInt(ref, 10, 64); err == nil && tg > 0 {
		return store.MemberByTelegram(ctx, community, tg)
	}
	return ll.Member{}, ll.Invalid("member", "not a member id")
}

// MaxQueryLen is the longest member search the committee may type.
const MaxQueryLen = 64

// Search returns the active members of the scope's community whose id is q,
// or whose name, unit, building or a skill contains q (case-insensitive);
// every active member for an empty q. EINVALID (Field "search") for a
// query longer than MaxQueryLen runes or with a line break.
func (s *Members) Search(ctx context.Context, sc *Scope, q string) ([]ll.Member, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) > MaxQueryLen || strings.ContainsAny(q, "\r\n") {
		return nil, ll.Invalid("search", "search too long")
	}
	all, err := s.store.Members(ctx, sc.Community.ID)
	if err != nil {
		return nil, err
	}
	var found []ll.Member
	for _, m := range all {
		if !m.Active() {
			continue
		}
		if q == "" || strings.EqualFold(m.ID, q) || containsFold(q, append([]string{m.Name, m.Unit, m.Building}, m.Skills...)...) {
			found = append(found, m)
		}
	}
	return found, nil
}

// SearchPage is one page of Search: count members from offset, and how
// many match in all. It reads the store's search index, not every member,
// except for a query with a letter outside ASCII that has another case
// (then it filters every member, as Search does). Same errors as Search.
func (s *Members) SearchPage(ctx context.Context, sc *Scope, q string, offset, count int) ([]ll.Member, int, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) > MaxQueryLen || strings.ContainsAny(q, "\r\n") {
		return nil, 0, ll.Invalid("search", "search too long")
	}
	page, total, ok, err := s.store.SearchMembers(ctx, sc.Community.ID, q, offset, count)
	if err != nil {
		return nil, 0, fmt.Errorf("search members of %s: %w", sc.Community.ID, err)
	}
	if ok {
		return page, total, nil
	}
	all, err := s.Search(ctx, sc, q)
	if err != nil {
		return nil, 0, err
	}
	from := min(max(offset, 0), len(all))
	return all[from:min(from+max(count, 0), len(all))], len(all), nil
}

// containsFold reports whether any of fields contains q, ignoring case.
func containsFold(q string, fields ...string) bool {
	lq := strings.ToLower(q)
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), lq) {
			return true
		}
	}
	return false
}

// Card is the committee's view of a member of the scope's community (any
// status), by what the committee typed (see Resolve).
func (s *Members) Card(ctx context.Context, sc *Scope, ref string) (ll.Card, error) {
	m, err := s.Resolve(ctx, sc, ref)
	if err != nil {
		return ll.Card{}, err
	}
	return s.store.Card(ctx, sc.Community.ID, m.ID)
}

// Mine is the actor's own card, read in one store step through their
// membership (Actor.Self). ErrNotMember when the actor has no membership or
// the one their pointer names is no longer active or theirs.
func (s *Members) Mine(ctx context.Context, a Actor) (ll.Card, error) {
	self := a.Self()
	if self.MemberID == "" {
		return ll.Card{}, ll.ErrNotMember
	}
	cd, err := s.store.Card(ctx, self.Community, self.MemberID)
	switch {
	case ll.ErrorCode(err) == ll.ENOTFOUND:
		return ll.Card{}, ll.ErrNotMember
	case err != nil:
		return ll.Card{}, err
	case !cd.Member.Active() || cd.Member.TelegramID != a.TelegramID:
		return ll.Card{}, ll.ErrNotMember
	}
	return cd, nil
}

// UpdateProfile stores the actor's own name, unit, building and skills from
// p (the rest of p is ignored) after validating them, and returns the member
// as stored. ErrNotMember for someone who is not a member; EINVALID with the
// field for a bad value.
func (s *Members) UpdateProfile(ctx context.Context, a Actor, p ll.Member) (ll.Member, error) {
	cur, err := self(ctx, s.store, a)
	if err != nil {
		return ll.Member{}, err
	}
	m := *cur
	m.Name, m.Unit, m.Building, m.Skills = p.Name, p.Unit, p.Building, p.Skills
	if err := m.Validate(); err != nil {
		return ll.Member{}, err
	}
	// A unit picked from the offered ones comes as p.UnitID; a unit typed
	// anew is matched by its text (the old link does not stick to it).
	chosen := p.UnitID
	if p.Unit != cur.Unit && chosen == cur.UnitID {
		chosen = ""
	}
	if p.Unit != cur.Unit || chosen != cur.UnitID {
		if m.Unit, m.UnitID, err = linkUnit(ctx, s.units, p.Unit, chosen); err != nil {
			return ll.Member{}, err
		}
	}
	if err := s.store.UpdateProfile(ctx, m); err != nil {
		return ll.Member{}, err
	}
	return m, nil
}

// SetRole appoints the member ref to role, or removes their role
// (RoleNone): the secretary's and an admin's only. changed is false when the
// member already has that role. Errors: EFORBIDDEN ReasonSecretaryOnly;
// ECONFLICT ReasonInactive for a member who left (m is returned so the front
// end can name them); Resolve's errors. Audited as "role <member> <role>".
func (s *Members) SetRole(ctx context.Context, sc *Scope, ref string, role ll.Role) (m ll.Member, changed bool, err error) {
	if !sc.CanAppoint() {
		return ll.Member{}, false, ll.Refuse(ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	}
	m, err = s.Resolve(ctx, sc, ref)
	if err != nil {
		return ll.Member{}, false, err
	}
	if !m.Active() {
		return m, false, ll.Refuse(ll.ECONFLICT, ll.ReasonInactive)
	}
	if m.Role == role {
		return m, false, nil
	}
	if err := s.store.SetRole(ctx, sc.Community.ID, m.ID, role, sc.Audit("role", m.ID, RoleCode(role))); err != nil {
		return m, false, err
	}
	m.Role = role
	return m, true, nil
}

// RoleCode names a role in audit entries, "none" for a plain member.
func RoleCode(r ll.Role) string {
	if r == ll.RoleNone {
		return "none"
	}
	return string(r)
}

// Remove marks the member ref as moved away (their record and ledger are
// kept); removing a committee member is for the secretary or an admin.
// changed is false when they had already left. Errors: EFORBIDDEN
// ReasonSecretaryOnly; Resolve's errors. Audited as "remove <member> <name>".
func (s *Members) Remove(ctx context.Context, sc *Scope, ref string) (m ll.Member, changed bool, err error) {
	m, err = s.Resolve(ctx, sc, ref)
	if err != nil {
		return ll.Member{}, false, err
	}
	if !m.Active() {
		return m, false, nil
	}
	if m.Role.IsCommittee() && !sc.CanAppoint() {
		return m, false, ll.Refuse(ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
	}
	if err := s.store.RemoveMember(ctx, sc.Community.ID, m.ID, sc.Now, sc.Audit("remove", m.ID, m.Name)); err != nil {
		return m, false, err
	}
	return m, true, nil
}

// Forget deletes the actor's personal data (SPEC sections 6 and 9): their
// name, Telegram id, unit, building, skills and service texts in every
// membership they ever had, in every community, the audit details that
// name them and every index of their Telegram id, keeping member ids and
// counts (storage's ForgetPerson). memberID must be the actor's active
// membership (the id the confirmation was asked for), else ErrStale.
// Audited as "forgetme" in that community.
func (s *Members) Forget(ctx context.Context, a Actor, community, memberID string) error {
	me, err := self(ctx, s.store, a)
	if err != nil && !errors.Is(err, ll.ErrNotMember) {
		return err
	}
	if me == nil || me.ID != memberID || me.Community != community {
		return ll.ErrStale
	}
	audit := &ll.AuditEntry{Time: a.Now, Community: community, Actor: memberID, Action: "forgetme", Object: memberID}
	_, err = s.store.ForgetPerson(ctx, a.TelegramID, a.Now, audit)
	return err
}

// Imported is the outcome of an import: the members created, in the order
// given, and the personal invite of each one without a Telegram id (by
// member id), for the secretary to hand out.
type Imported struct {
	Members []ll.Member
	Invites map[string]ll.Invite
}

// Import creates the members ms in the scope's community all or nothing
// (the secretary's list; source names it in the audit entry "import"), then
// a personal invite, which does not expire, for each member without a
// Telegram id. Each member is validated first: the first bad one's EINVALID
// is returned and nothing is written. ECONFLICT with the Telegram id as Detail when one is
// taken or appears twice. When an invite fails after the import, the
// members stay and the error says how far it got.
func (s *Members) Import(ctx context.Context, sc *Scope, ms []ll.Member, source string) (Imported, error) {
	in := make([]ll.Member, len(ms))
	for i, m := range ms {
		if err := m.Validate(); err != nil {
			return Imported{}, err
		}
		m.Community, m.Joined = sc.Community.ID, sc.Now
		var err error
		if m.Unit, m.UnitID, err = linkUnit(ctx, s.units, m.Unit, m.UnitID); err != nil {
			return Imported{}, err
		}
		in[i] = m
	}
	created, err := s.store.ImportMembers(ctx, sc.Community.ID, in, sc.Now,
		sc.Audit("import", "", fmt.Sprintf("%d members from %s", len(in), source)))
	if err != nil {
		return Imported{}, err
	}
	out := Imported{Members: created, Invites: map[string]ll.Invite{}}
	for _, m := range created {
		if m.TelegramID != 0 {
			continue
		}
		inv, err := s.store.CreateInvite(ctx, ll.Invite{Community: sc.Community.ID, Member: m.ID, CreatedBy: sc.Actor, Created: sc.Now}, nil)
		if err != nil {
			return out, fmt.Errorf("imported %d members into %s, but the personal invite of %s failed: %w", len(created), sc.Community.ID, m.ID, err)
		}
		out.Invites[m.ID] = inv
	}
	return out, nil
}
