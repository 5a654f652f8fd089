package app

import (
	"context"
	"fmt"

	ll "github.com/lamplighter-bot/lamplighter"
)

// LookupStore is what the read-only lookups read.
type LookupStore interface {
	MemberReader
	// Members returns every member of the community (any status) by id order.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// Posts returns all posts of a community (open and closed) by id order.
	Posts(ctx context.Context, community string) ([]ll.Post, error)
	// Holders returns the current claims on a post, oldest first.
	Holders(ctx context.Context, community, postID string) ([]ll.Claim, error)
	// Team returns a team with Members and Leaders filled in.
	Team(ctx context.Context, community, id string) (ll.Team, error)
	// Participations returns a member's participations, oldest first.
	Participations(ctx context.Context, community, memberID string) ([]ll.Participation, error)
	// ClaimsOf returns the member's claims, current and released, oldest first.
	ClaimsOf(ctx context.Context, community, memberID string) ([]ll.Claim, error)
	// Choices returns the n most common units of the community's active
	// members and the n most common skills of its active members and open
	// posts, with their counts (and any tied with the n-th, up to n more).
	Choices(ctx context.Context, community string, n int) (units, skills map[string]int, err error)
	// ActiveMembers returns how many active members the community has,
	// from a counter the store keeps.
	ActiveMembers(ctx context.Context, community string) (int, error)
}

// Lookups are the reads a front end words its answers with (names, a
// team, a member's standing, the choices offered at registration), each
// with the rule of who may see it.
type Lookups struct {
	store LookupStore
}

// Names indexes every member of the scope's community (any status) by id,
// for the committee's lists (rosters, pending records).
func (s *Lookups) Names(ctx context.Context, sc *Scope) (map[string]ll.Member, error) {
	all, err := s.store.Members(ctx, sc.Community.ID)
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", sc.Community.ID, err)
	}
	ix := make(map[string]ll.Member, len(all))
	for _, m := range all {
		ix[m.ID] = m
	}
	return ix, nil
}

// Member is one member of the scope's community (any status), for the
// committee; ErrNotFound if unknown.
func (s *Lookups) Member(ctx context.Context, sc *Scope, id string) (ll.Member, error) {
	return s.store.Member(ctx, sc.Community.ID, id)
}

// Team is one team of community, which anyone of it may see named.
func (s *Lookups) Team(ctx context.Context, community, id string) (ll.Team, error) {
	return s.store.Team(ctx, community, id)
}

// Standing is member m's standing in the scope's community for year, for
// the committee: participations that count and posts held at the year's
// end (at now, for the current year).
func (s *Lookups) Standing(ctx context.Context, sc *Scope, m ll.Member, year int) (ps []ll.Participation, claims []ll.Claim, err error) {
	ps, err = s.store.Participations(ctx, sc.Community.ID, m.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("participations of %s/%s: %w", sc.Community.ID, m.ID, err)
	}
	claims, err = s.store.ClaimsOf(ctx, sc.Community.ID, m.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("claims of %s/%s: %w", sc.Community.ID, m.ID, err)
	}
	return ps, claims, nil
}

// ChoicesLimit is how many units and how many skills Choices returns at
// most (plus those tied with the last): more than registration offers as
// buttons, so that a front end that drops some still has enough.
const ChoicesLimit = 40

// Choices counts what a community's active members typed as unit and
// skills, and the skills its open posts want: the choices registration
// offers as buttons. Only the ChoicesLimit most common of each come back
// (every value counted more often than the last, and those tied with it
// up to ChoicesLimit of them by name), read from counters the store keeps,
// so it costs the same whatever the community's size. Counts only, never
// who typed them, so someone who is not a member yet may see them.
func (s *Lookups) Choices(ctx context.Context, community string) (units, skills map[string]int, err error) {
	units, skills, err = s.store.Choices(ctx, community, ChoicesLimit)
	if err != nil {
		return nil, nil, fmt.Errorf("choices of %s: %w", community, err)
	}
	return units, skills, nil
}

// PostFigures counts a community's active members and those holding at
// least its post minimum, for a district admin (EFORBIDDEN ReasonAdminOnly
// for anyone else).
func (s *Lookups) PostFigures(ctx context.Context, a Actor, comm ll.Community) (active, holding int, err error) {
	if !a.Admin {
		return 0, 0, ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly)
	}
	active, err = s.store.ActiveMembers(ctx, comm.ID)
	if err != nil {
		return 0, 0, fmt.Errorf("count members of %s: %w", comm.ID, err)
	}
	if comm.PostMinimum <= 0 {
		return active, active, nil
	}
	posts, err := s.store.Posts(ctx, comm.ID)
	if err != nil {
		return 0, 0, fmt.Errorf("list posts of %s: %w", comm.ID, err)
	}
	held := map[string]int{}
	for _, p := range posts {
		holders, err := s.store.Holders(ctx, comm.ID, p.ID)
		if err != nil {
			return 0, 0, fmt.Errorf("holders of %s/%s: %w", comm.ID, p.ID, err)
		}
		for _, h := range holders {
			held[h.Member]++
		}
	}
	// Only active members hold posts: removing and forgetting release.
	for _, n := range held {
		if n >= comm.PostMinimum {
			holding++
		}
	}
	return active, holding, nil
}
