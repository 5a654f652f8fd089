package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// decodeTeam reads a stored team and fills in its community, members and
// leaders (each ordered by id).
func decodeTeam(community, j string, members, leaders []string) (ll.Team, error) {
	var t ll.Team
	if err := json.Unmarshal([]byte(j), &t); err != nil {
		return ll.Team{}, fmt.Errorf("team in %s: %w", community, err)
	}
	sortIDs(members)
	sortIDs(leaders)
	t.Community, t.Members, t.Leaders = community, members, leaders
	return t, nil
}

// CreateTeam stores a new team with the next id T<n> (allocated in the same
// script) and its audit entry (Object defaults to the new id). t.Leaders and
// t.Members, if any, join it (leaders are members too); each must be an active
// member (ErrNotFound, ErrNotMember). ErrNotFound if the community does not
// exist; EINVALID without a name. Created is set when zero.
func (s *Store) CreateTeam(ctx context.Context, t ll.Team, audit *ll.AuditEntry) (ll.Team, error) {
	c := t.Community
	if err := checkCommunity(c); err != nil {
		return ll.Team{}, err
	}
	if err := t.Validate(); err != nil {
		return ll.Team{}, err
	}
	if t.Created.IsZero() {
		t.Created = s.now()
	}
	var ids []string
	for _, id := range t.Leaders {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	nl := len(ids)
	for _, id := range t.Members {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if !validID('M', id) {
			return ll.Team{}, notFound("member", id)
		}
	}
	stored := ll.Team{ID: newID, Name: t.Name, Created: t.Created}
	j, err := json.Marshal(stored)
	if err != nil {
		return ll.Team{}, fmt.Errorf("create team in %s: %w", c, err)
	}
	a, score := s.auditArgs(audit, c, t.Created, newID, "")
	args := []any{s.k.base(c), j, a, score, nl}
	for _, id := range ids {
		args = append(args, id)
	}
	op := "create team in " + c
	st, rest, err := s.run(ctx, op, createTeamScript, []string{s.k.community(c), s.k.teams(c), s.k.seq(c)}, args...)
	if err != nil {
		return ll.Team{}, err
	}
	if st != "ok" {
		return ll.Team{}, statusError(op, st, rest, map[string]string{"community": c})
	}
	t.ID = str(rest, 0)
	t.Leaders, t.Members = slices.Clone(ids[:nl]), slices.Clone(ids)
	sortIDs(t.Leaders)
	sortIDs(t.Members)
	return t, nil
}

// Team returns a team with Members and Leaders filled in (by id order);
// ErrNotFound if unknown. One round trip.
func (s *Store) Team(ctx context.Context, community, id string) (ll.Team, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Team{}, err
	}
	if !validID('T', id) {
		return ll.Team{}, notFound("team", id)
	}
	op := fmt.Sprintf("team %s/%s", community, id)
	st, rest, err := s.run(ctx, op, teamScript, []string{s.k.teams(community)}, s.k.base(community), id)
	if err != nil {
		return ll.Team{}, err
	}
	if st != "ok" {
		return ll.Team{}, statusError(op, st, rest, map[string]string{"team": id})
	}
	return decodeTeam(community, str(rest, 0), strs(rest, 1), strs(rest, 2))
}

// Teams returns all teams of a community with Members and Leaders filled in,
// by id order; an unknown community has none. One round trip.
func (s *Store) Teams(ctx context.Context, community string) ([]ll.Team, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "teams of " + community
	st, rest, err := s.run(ctx, op, teamsScript, []string{s.k.teams(community)}, s.k.base(community))
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, nil)
	}
	out := make([]ll.Team, 0, len(rest)/3)
	for i := 0; i+2 < len(rest); i += 3 {
		t, err := decodeTeam(community, str(rest, i), strs(rest, i+1), strs(rest, i+2))
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b ll.Team) int { return idNumber(a.ID) - idNumber(b.ID) })
	return out, nil
}

// JoinTeam adds an active member to a team; changed is false if already in.
// ErrNotFound if the team or member is unknown, ErrNotMember if the member
// is not active.
func (s *Store) JoinTeam(ctx context.Context, community, teamID, memberID string) (changed bool, err error) {
	return s.teamChange(ctx, "join", joinTeamScript, community, teamID, memberID)
}

// LeaveTeam removes a member from a team, and from its leaders; changed is
// false if they were not in it. ErrNotFound if the team or member is unknown.
func (s *Store) LeaveTeam(ctx context.Context, community, teamID, memberID string) (changed bool, err error) {
	return s.teamChange(ctx, "leave", leaveTeamScript, community, teamID, memberID)
}

func (s *Store) teamChange(ctx context.Context, verb string, sc *redis.Script, community, teamID, memberID string) (bool, error) {
	if err := s.checkTeamIDs(community, teamID, memberID); err != nil {
		return false, err
	}
	op := fmt.Sprintf("%s team %s/%s for %s", verb, community, teamID, memberID)
	st, rest, err := s.run(ctx, op, sc, []string{s.k.teams(community)}, s.k.base(community), teamID, memberID)
	return changedResult(op, st, rest, err, map[string]string{"team": teamID, "member": memberID})
}

func (s *Store) checkTeamIDs(community, teamID, memberID string) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	if !validID('T', teamID) {
		return notFound("team", teamID)
	}
	if !validID('M', memberID) {
		return notFound("member", memberID)
	}
	return nil
}

// ToggleLeader makes the member a leader of the team (joining them to it), or,
// if already a leader, removes the leadership (they stay in the team); it
// returns the new state and writes the audit entry in the same script
// (Object defaults to "<team>/<member>", Detail to "on" or "off").
// ErrNotFound if the team or member is unknown, ErrNotMember when making an
// inactive member a leader.
func (s *Store) ToggleLeader(ctx context.Context, community, teamID, memberID string, audit *ll.AuditEntry) (leader bool, err error) {
	if err := s.checkTeamIDs(community, teamID, memberID); err != nil {
		return false, err
	}
	a, score := s.auditArgs(audit, community, time.Time{}, teamID+"/"+memberID, auditDetail)
	op := fmt.Sprintf("toggle leader of %s/%s for %s", community, teamID, memberID)
	st, rest, err := s.run(ctx, op, toggleLeaderScript, []string{s.k.teams(community)},
		s.k.base(community), teamID, memberID, a, score)
	if err != nil {
		return false, err
	}
	if st != "ok" {
		return false, statusError(op, st, rest, map[string]string{"team": teamID, "member": memberID})
	}
	return num(rest, 0) == 1, nil
}
