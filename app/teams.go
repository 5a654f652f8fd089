package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TeamsStore is what Teams reads and writes.
type TeamsStore interface {
	MemberReader
	// Teams returns all teams of a community with Members filled in, by id.
	Teams(ctx context.Context, community string) ([]ll.Team, error)
	// Team returns a team with Members and Leaders; ErrNotFound if unknown.
	Team(ctx context.Context, community, id string) (ll.Team, error)
	// CreateTeam stores a new team with the next id T<n>, with its audit
	// entry in the same step.
	CreateTeam(ctx context.Context, t ll.Team, audit *ll.AuditEntry) (ll.Team, error)
	// JoinTeam adds an active member; changed is false if already in.
	JoinTeam(ctx context.Context, community, teamID, memberID string) (changed bool, err error)
	// LeaveTeam removes a member (and their leadership); changed is false if
	// not in.
	LeaveTeam(ctx context.Context, community, teamID, memberID string) (changed bool, err error)
	// ToggleLeader makes the member a leader of the team or removes the
	// leadership, with its audit entry in the same step; it returns the new
	// state.
	ToggleLeader(ctx context.Context, community, teamID, memberID string, audit *ll.AuditEntry) (leader bool, err error)
	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
	// MemberByTelegram returns the community's member with that Telegram id;
	// ErrNotFound if none.
	MemberByTelegram(ctx context.Context, community string, tg int64) (ll.Member, error)
}

// Teams is the community's volunteer teams: members list, join and leave
// them; the committee creates them and appoints their leaders.
type Teams struct {
	store TeamsStore
}

// List returns the teams of the actor's community, by id, with their
// members and leaders. Errors: ErrNotMember without an active membership;
// the store's.
func (x *Teams) List(ctx context.Context, a Actor) ([]ll.Team, error) {
	m, err := self(ctx, x.store, a)
	if err != nil {
		return nil, err
	}
	teams, err := x.store.Teams(ctx, m.Community)
	if err != nil {
		return nil, fmt.Errorf("list teams of %s: %w", m.Community, err)
	}
	return teams, nil
}

// Join adds the actor to team id (T2, or as typed) of their community and
// returns the team as it was before; changed is false when they were in it
// already. Errors: ErrNotMember without an active membership; EINVALID
// (Field "team") for something that is no team id; the store's
// (ErrNotFound).
func (x *Teams) Join(ctx context.Context, a Actor, id string) (t ll.Team, changed bool, err error) {
	return x.change(ctx, a, id, x.store.JoinTeam)
}

// Leave takes the actor out of team id (and its leaders); changed is false
// when they were not in it. Errors as for Join.
func (x *Teams) Leave(ctx context.Context, a Actor, id string) (t ll.Team, changed bool, err error) {
	return x.change(ctx, a, id, x.store.LeaveTeam)
}

// change runs a member's own join or leave.
func (x *Teams) change(ctx context.Context, a Actor, id string,
	step func(ctx context.Context, community, teamID, memberID string) (bool, error)) (ll.Team, bool, error) {
	m, err := self(ctx, x.store, a)
	if err != nil {
		return ll.Team{}, false, err
	}
	tid, err := teamID(id)
	if err != nil {
		return ll.Team{}, false, err
	}
	t, err := x.store.Team(ctx, m.Community, tid)
	if err != nil {
		return ll.Team{}, false, err
	}
	changed, err := step(ctx, m.Community, t.ID, m.ID)
	if err != nil {
		return ll.Team{}, false, err
	}
	return t, changed, nil
}

// Create stores a new team named name in the scope's community and returns
// it with its id. Errors: EINVALID (Field "name") for an empty or too long
// name; the store's. It is audited as "newteam" with the name.
func (x *Teams) Create(ctx context.Context, sc *Scope, name string) (ll.Team, error) {
	name = strings.TrimSpace(name)
	if err := (&ll.Member{Name: name}).Validate(); err != nil {
		return ll.Team{}, ll.Invalid("name", "team name") // a team's name has a member's limits
	}
	return x.store.CreateTeam(ctx, ll.Team{Community: sc.Community.ID, Name: name, Created: sc.Now},
		sc.Audit("newteam", "", name))
}

// Leadership is the outcome of ToggleLeader.
type Leadership struct {
	Team   ll.Team
	Member ll.Member
	Leader bool // the member leads the team now
}

// ToggleLeader makes a member of the scope's community a leader of team id
// (joining them to it), or, when they lead it already, ends the leadership
// (they stay in the team). member is an M id or a Telegram id, as typed.
// Errors: EINVALID with Field "team" or "member" for an unreadable id;
// ErrNotFound (team or member); ErrNotMember for a member who is not active,
// with r.Member set to them; the store's. It is audited as "leader" <team>
// with the member's id.
func (x *Teams) ToggleLeader(ctx context.Context, sc *Scope, id, member string) (r Leadership, err error) {
	tid, err := teamID(id)
	if err != nil {
		return Leadership{}, err
	}
	t, err := x.store.Team(ctx, sc.Community.ID, tid)
	if err != nil {
		return Leadership{}, err
	}
	m, err := x.member(ctx, sc.Community.ID, member)
	if err != nil {
		return Leadership{}, err
	}
	if !m.Active() {
		return Leadership{Member: m}, ll.ErrNotMember
	}
	lead, err := x.store.ToggleLeader(ctx, sc.Community.ID, t.ID, m.ID, sc.Audit("leader", t.ID, m.ID))
	if err != nil {
		return Leadership{}, err
	}
	return Leadership{Team: t, Member: m, Leader: lead}, nil
}

// member finds a member of community by M id or Telegram id, as typed.
func (x *Teams) member(ctx context.Context, community, who string) (ll.Member, error) {
	who = strings.TrimSpace(who)
	if id := ll.NormalizeID('M', who); id != "" {
		return x.store.Member(ctx, community, id)
	}
	if tg, err := strconv.ParseInt(who, 10, 64); err == nil && tg > 0 {
		return x.store.MemberByTelegram(ctx, community, tg)
	}
	return ll.Member{}, ll.Invalid("member", "not a member id")
}

// teamID reads a team id as typed (T2, t2).
func teamID(s string) (string, error) {
	id := ll.NormalizeID('T', s)
	if id == "" {
		return "", ll.Invalid("team", "not a team id")
	}
	return id, nil
}
