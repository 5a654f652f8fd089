package app

import (
	"context"

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
