package app

import (
	"context"
	"fmt"
)

// AudienceCounter counts an audience from counters and indexes that the
// scripts changing members keep (SPEC section 13); *storage.Store
// implements it.
type AudienceCounter interface {
	// AudienceCount counts the active members of community in the
	// audience kind:arg: to can be reached on Telegram, skipped cannot. ok
	// is false when the counters cannot answer that audience (then nothing
	// is read). Errors: ErrNotFound (team, activity); the store's.
	AudienceCount(ctx context.Context, community, kind, arg string) (to, skipped int, ok bool, err error)
}

// AudienceCount is how many members an audience reaches now.
type AudienceCount struct {
	To      int // active members who can be reached on Telegram
	Skipped int // active members of the audience who cannot be
	// Scanned is set when the audience was counted by reading every
	// member and the community's ledger (below-minimum, no-post, or an
	// argument the counters cannot match), not from counters.
	Scanned bool
}

// CountAudience counts whom aud reaches in the scope's community now, as
// Recipients would resolve it: from the community's counters for all,
// unit, building and skill (one round trip whatever the community's size),
// from the team's or the activity's own members for team and activity, and
// by Recipients (a read of every member, and for below-minimum and no-post
// of the ledger) for the rest. Errors: those of Recipients.
func (s *Broadcasts) CountAudience(ctx context.Context, sc *Scope, aud Audience) (AudienceCount, error) {
	to, skipped, ok, err := s.store.AudienceCount(ctx, sc.Community.ID, aud.Kind, aud.Arg)
	if err != nil {
		return AudienceCount{}, err
	}
	if ok {
		return AudienceCount{To: to, Skipped: skipped}, nil
	}
	r, err := s.Recipients(ctx, sc, aud)
	if err != nil {
		return AudienceCount{}, fmt.Errorf("count %s: %w", aud, err)
	}
	return AudienceCount{To: len(r.To), Skipped: r.Skipped, Scanned: true}, nil
}
