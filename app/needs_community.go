package app

import (
	"context"

	ll "github.com/lamplighter-bot/lamplighter"
)

// CommunityOf returns the community of need n (its name, zone and
// language), for a front end wording what a need's change owes its
// committee, its asker and its takers. Errors: ErrNotFound; the store's.
func (x *Needs) CommunityOf(ctx context.Context, n ll.Need) (ll.Community, error) {
	return x.store.Community(ctx, n.Community)
}
