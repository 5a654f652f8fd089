package app

import (
	"context"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Live location rules (SPEC section 9). A live location counts only with
// live_period set, not forwarded, with a horizontal accuracy (when Telegram
// sends one) no larger than the activity's radius, and within the radius;
// a position implying more than MaxLiveSpeed since the member's previous
// one is ignored and audited.
const (
	// MaxLiveSpeed is the fastest, in meters a second, that a member's live
	// position may move from the previous one (180 km/h: a car on a
	// motorway, not a jump across town).
	MaxLiveSpeed = 50.0
	// LiveTrackTTL is how long a member's last live position is kept to
	// judge the next one: long enough to catch a jump from another city
	// (1,000 km take 5.6 hours at MaxLiveSpeed), short enough that nobody's
	// whereabouts are kept for long.
	LiveTrackTTL = 6 * time.Hour
	// auditLocationJump is the audit action of an ignored jump.
	auditLocationJump = "locationjump"
)

// LiveTracker keeps each member's last live position (one per member,
// forgotten ttl after it was taken) and judges the next one against it.
type LiveTracker interface {
	// TrackLive, in one atomic step per member (two positions sent at
	// once are judged one after the other), computes the speed from the
	// kept position to p taken at at: above maxSpeed it keeps the previous
	// position, appends audit (with the speed as its Detail) and answers
	// jumped; otherwise p becomes the kept position. speed is 0 when none
	// was kept.
	TrackLive(ctx context.Context, community, memberID string, p ll.GeoPoint, at time.Time, maxSpeed float64, ttl time.Duration, audit *ll.AuditEntry) (speed float64, jumped bool, err error)
}

// trackLive judges member m's live position l against their previous one:
// EINVALID with ReasonJump, audited by the store in the same step, when it
// implies more than MaxLiveSpeed; speed is what it implies. A position is
// timed by when Telegram received it (l.At), when the front end knows, and
// otherwise by ac.Now: updates that waited in Telegram's queue while the bot
// was away arrive all at once, and timing them by their arrival would make
// a walk look like a jump.
func (s *CheckIns) trackLive(ctx context.Context, ac Actor, m *ll.Member, l ll.Location) (speed float64, err error) {
	audit := &ll.AuditEntry{Time: ac.Now, Community: m.Community, Actor: m.ID, Action: auditLocationJump, Object: m.ID}
	here := ll.GeoPoint{Latitude: l.Latitude, Longitude: l.Longitude}
	at := ac.Now
	if !l.At.IsZero() {
		at = l.At
	}
	speed, jumped, err := s.store.TrackLive(ctx, m.Community, m.ID, here, at, MaxLiveSpeed, LiveTrackTTL, audit)
	if err != nil {
		return 0, err
	}
	if jumped {
		return speed, ll.Refuse(ll.EINVALID, ll.ReasonJump)
	}
	return speed, nil
}

// inaccurate reports whether a location's horizontal accuracy (0 when
// Telegram sent none) is worse than radius meters.
func inaccurate(l ll.Location, radius float64) bool {
	return l.Accuracy > radius || l.Accuracy != l.Accuracy // NaN never counts as accurate
}
