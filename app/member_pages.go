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
