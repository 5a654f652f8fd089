package app

import (
	"context"
	"fmt"

	ll "github.com/lamplighter-bot/lamplighter"
)

// thisYearMinimum is the year of the scope's now in its community's zone and
// that year's participation minimum.
func thisYearMinimum(sc *Scope) (year, minimum int) {
	year = sc.Now.In(sc.Community.Location()).Year()
	return year, sc.Community.MinimumsFor(year).Minimum
}

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

// StandingIndex answers who is below the year's participation minimum from
// the standing index the scripts keep (storage/standing.go, SPEC section
// 13) instead of a read of every member and the ledger; *storage.Store
// implements it.
type StandingIndex interface {
	// BelowMinimumCount counts the active members of community with fewer
	// participations in year than minimum: to can be reached, skipped
	// cannot.
	BelowMinimumCount(ctx context.Context, community string, year, minimum int) (to, skipped int, err error)
	// BelowMinimum returns those of them who can be reached, by number,
	// with their totals, and how many cannot; it reads only their members.
	BelowMinimum(ctx context.Context, community string, year, minimum int) (ms []ll.Member, totals []int, skipped int, err error)
	// NoPost returns the active members who can be reached and hold
	// fewer posts now than postMinimum, with the posts they hold, and how
	// many such members cannot be reached; it reads only their members.
	NoPost(ctx context.Context, community string, postMinimum int) (ms []ll.Member, held []int, skipped int, err error)
	// NoPostCount counts the active members holding fewer posts now than
	// postMinimum: to can be reached, skipped cannot.
	NoPostCount(ctx context.Context, community string, postMinimum int) (to, skipped int, err error)
}

// AudienceCount is how many members an audience reaches now.
type AudienceCount struct {
	To      int // active members who can be reached on Telegram
	Skipped int // active members of the audience who cannot be
	// Scanned is set when the audience was counted by reading every
	// member (an argument the counters cannot match), not from counters or
	// the standing index.
	Scanned bool
}

// CountAudience counts whom aud reaches in the scope's community now, as
// Recipients would resolve it: from the community's counters for all,
// unit, building and skill (one round trip whatever the community's size),
// from the team's or the activity's own members for team and activity,
// from the standing index for below-minimum and no-post (one round trip),
// and by Recipients (a read of every member) for the rest. Errors: those of Recipients.
func (s *Broadcasts) CountAudience(ctx context.Context, sc *Scope, aud Audience) (AudienceCount, error) {
	if aud.Kind == AudienceBelow || aud.Kind == AudienceNoPost {
		year, minimum := thisYearMinimum(sc)
		var (
			to, skipped int
			err         error
		)
		if aud.Kind == AudienceNoPost {
			to, skipped, err = s.store.NoPostCount(ctx, sc.Community.ID, sc.Community.MinimumsFor(year).PostMinimum)
		} else {
			to, skipped, err = s.store.BelowMinimumCount(ctx, sc.Community.ID, year, minimum)
		}
		if err != nil {
			return AudienceCount{}, fmt.Errorf("count %s: %w", aud, err)
		}
		return AudienceCount{To: to, Skipped: skipped}, nil
	}
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
