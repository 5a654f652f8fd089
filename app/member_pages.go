package app

import (
	"context"
	"errors"
	"slices"

	ll "github.com/lamplighter-bot/lamplighter"
)

// WithSelf returns the actor with their own active member record read
// (Actor.Member), so that the several services one web request calls read
// it once. ErrNotMember without an active membership of theirs.
func (s *Sessions) WithSelf(ctx context.Context, a Actor) (Actor, error) {
	m, err := self(ctx, s.store, a)
	if err != nil {
		return a, err
	}
	a.Member = m
	return a, nil
}

// Leads reports whether a member's card shows them leading a team (the
// card's teams carry the member in Leaders when they lead it).
func Leads(cd ll.Card) bool {
	for _, t := range cd.Teams {
		if len(t.Leaders) > 0 {
			return true
		}
	}
	return false
}

// AppMenu reports whether the actor's private chat gets the Mini App as its
// menu button beyond the committee's (SPEC section 12): a member leading a
// team of their community, or a unit's liaison.
func (s *Scans) AppMenu(ctx context.Context, ac Actor) (bool, error) {
	if ac.TelegramID != 0 {
		units, err := s.store.LiaisonUnits(ctx, ac.TelegramID)
		if err != nil || len(units) > 0 {
			return len(units) > 0, err
		}
	}
	m, err := self(ctx, s.store, ac)
	if err != nil {
		if errors.Is(err, ll.ErrNotMember) {
			return false, nil
		}
		return false, err
	}
	teams, err := s.store.Teams(ctx, m.Community)
	if err != nil {
		return false, err
	}
	for _, t := range teams {
		if slices.Contains(t.Leaders, m.ID) {
			return true, nil
		}
	}
	return false, nil
}

// MyNeeds is what the Mini App's needs page shows a person: the needs they
// asked (as a resident) and the needs they took (as a member), newest
// first, at most MaxMyNeeds of each.
type MyNeeds struct {
	Asked []ll.Need
	Taken []ll.Need
}

// MaxMyNeeds bounds each list of MyNeeds.
const MaxMyNeeds = 20

// Mine returns the needs the actor asked, in the community they ask in
// (the need link's, else their membership's), by Telegram id, and the needs
// their active membership took. Decision (the specification is silent):
// it reads the community's needs and keeps the person's (the store keeps no
// index of needs by person; a community's needs are few next to its
// members). Anyone may ask for their own: a resident who asked need not be
// a member.
func (x *Needs) Mine(ctx context.Context, a Actor) (MyNeeds, error) {
	var out MyNeeds
	asked, err := x.store.NeedCommunity(ctx, a.TelegramID)
	if err != nil && !errors.Is(err, ll.ErrNotFound) {
		return out, err
	}
	var m *ll.Member
	if a.Self().MemberID != "" {
		if m, err = self(ctx, x.store, a); err != nil && !errors.Is(err, ll.ErrNotMember) {
			return out, err
		}
	}
	communities := []string{}
	if asked != "" {
		communities = append(communities, asked)
	}
	if m != nil && m.Community != asked {
		communities = append(communities, m.Community)
	}
	for _, c := range communities {
		all, err := x.store.Needs(ctx, c)
		if err != nil {
			return out, err
		}
		for i := len(all) - 1; i >= 0; i-- {
			n := all[i]
			if n.AskerID == a.TelegramID && a.TelegramID != 0 && len(out.Asked) < MaxMyNeeds {
				out.Asked = append(out.Asked, n)
			}
			if m != nil && n.Community == m.Community && slices.Contains(n.Takers, m.ID) && len(out.Taken) < MaxMyNeeds {
				out.Taken = append(out.Taken, n)
			}
		}
	}
	return out, nil
}

// signUpsReader is implemented by a store that tells in one step which of
// several activities a member signed up for (*storage.Store does).
type signUpsReader interface {
	SignedUpFor(ctx context.Context, community, memberID string, activityIDs []string) (map[string]bool, error)
}

// SignedUpFor reports which of the activities of their community the actor
// is signed up for: in one step when the store can, else one IsSignedUp
// each. ErrNotMember without a membership.
func (s *Activities) SignedUpFor(ctx context.Context, ac Actor, ids []string) (map[string]bool, error) {
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return nil, err
	}
	if r, ok := s.store.(signUpsReader); ok {
		return r.SignedUpFor(ctx, m.Community, m.ID, ids)
	}
	ac.Member = m
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		if out[id], err = s.IsSignedUp(ctx, ac, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}
