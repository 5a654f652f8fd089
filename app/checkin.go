package app

import (
	"context"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// CheckInStore is what CheckIns reads and writes.
type CheckInStore interface {
	MemberReader
	LiveTracker
	// CheckInAs records one participation of the member that u's membership
	// pointer names, on behalf of u, in one atomic step (ErrNotMember unless
	// that member is active and u's); changed false for a repeat. A wrong
	// code counts against the member's limit of ll.MaxWrongCodesPerHour.
	// When it records the participation, st is the member's standing.
	CheckInAs(ctx context.Context, u ll.User, in ll.CheckIn, now time.Time) (a ll.Activity, changed bool, st ll.Standing, err error)
	// Activities returns all activities of a community, by start time.
	Activities(ctx context.Context, community string) ([]ll.Activity, error)
}

// WrongCodeCounter is implemented by a store that can tell how many wrong
// check-in codes a person (Telegram id) may still send in a community in the
// current hour (*storage.Store does): the limit is the person's, so leaving
// and rejoining changes nothing. It is optional: CheckIns.WrongCodesLeft
// reports when the store cannot tell.
type WrongCodeCounter interface {
	PersonWrongCodesLeft(ctx context.Context, community string, tg int64, now time.Time) (int, error)
}

// CheckIns proves a member's presence at an activity (SPEC section 2): by
// the activity's code while check-in is open, or by a live location within
// the activity's radius in that window. A dropped pin or a forwarded
// location never counts. The store makes a check-in atomic and once-only
// and counts wrong codes.
type CheckIns struct {
	store CheckInStore
}

// ByCode checks the actor in with a code: the current or previous code of a
// rotating-code activity of their community whose check-in is open, or the
// static code of an activity (method MethodRotating or MethodCode), through
// their own membership (Actor.Self: the store checks in the same step that
// it is active and theirs, finds the activity and counts wrong codes per
// person). changed is false when they were checked in before; st is their
// standing for the year when it is recorded now. The store's errors are
// returned unchanged: ErrNotMember (a stale membership pointer); EINVALID
// with ReasonCode (no live activity has the code) or ReasonLocationOnly (the
// activity takes no code); *ll.AmbiguousCodeError (ECONFLICT with
// ReasonAmbiguous: the code of two live activities; no one is checked in);
// EFORBIDDEN with ReasonTooManyCodes (the wrong-code limit is exhausted) or
// ReasonCreator (the activity's creator, while no one else presents it;
// audited); ECONFLICT with ReasonNotOpen or ReasonCancelled, then with the
// activity, to say when check-in opens. ErrNotMember too for an actor with no
// membership at all. The activity comes without its check-in code and
// secret, as everywhere a member sees it.
func (s *CheckIns) ByCode(ctx context.Context, ac Actor, code string) (a ll.Activity, changed bool, st ll.Standing, err error) {
	u := ac.Self()
	if u.MemberID == "" || u.Community == "" {
		return ll.Activity{}, false, ll.Standing{}, ll.ErrNotMember
	}
	a, changed, st, err = s.store.CheckInAs(ctx, u, ll.CheckIn{Code: code, Method: ll.MethodCode}, ac.Now)
	if err != nil && a.ID == "" && ll.ErrorCode(err) == ll.ECONFLICT &&
		(ll.ErrorDetail(err) == ll.ReasonNotOpen || ll.ErrorDetail(err) == ll.ReasonCancelled) {
		// Say which activity: the one of the actor's community with the code.
		if all, lerr := s.store.Activities(ctx, u.Community); lerr == nil {
			for _, x := range all {
				if x.Code == code {
					a = x
					break
				}
			}
		}
	}
	return memberView(a), changed, st, err
}

// LocationCheckIn is the outcome of a check-in by location.
type LocationCheckIn struct {
	// Activity is the activity checked in to; with a refusal, the nearest
	// open one (too far, or refused by the store) or the next to open. It
	// comes without its check-in code: checking in by location must not
	// hand the member the code.
	Activity ll.Activity
	Distance float64 // meters from Activity's location, when one is open
	Changed  bool    // recorded now (false: checked in before)
	Standing ll.Standing
	// Speed is, with ReasonJump, the speed in m/s that the position implied
	// since the member's previous one.
	Speed float64
}

// ByLocation checks the actor in at the nearest activity of their
// community, with a location, whose check-in is open, if they are within its
// radius (SPEC section 9, live.go). Errors: ErrNotMember without a
// membership; EINVALID with ReasonNotLive for a dropped pin or a forwarded
// location; EINVALID with ReasonJump (and the Speed) for a position implying
// more than MaxLiveSpeed since the member's previous live one: it is
// ignored (never the previous one for the next) and audited; ECONFLICT with
// ReasonNotOpen (and the next activity to open) when none is open yet;
// ENOTFOUND with ReasonNoPlace when none is open or to come; EINVALID with
// ReasonInaccurate (the activity and distance) when the location's accuracy
// is worse than the activity's radius; ECONFLICT with ReasonTooFar (the
// activity and distance) outside its radius; the store's errors, unchanged.
// Every live position that is not a jump becomes the member's previous one,
// whether or not it checks them in.
func (s *CheckIns) ByLocation(ctx context.Context, ac Actor, l ll.Location) (LocationCheckIn, error) {
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return LocationCheckIn{}, err
	}
	if l.Forwarded || !l.Live {
		return LocationCheckIn{}, ll.Refuse(ll.EINVALID, ll.ReasonNotLive)
	}
	if speed, err := s.trackLive(ctx, ac, m, l); err != nil {
		return LocationCheckIn{Speed: speed}, err
	}
	all, err := s.store.Activities(ctx, m.Community)
	if err != nil {
		return LocationCheckIn{}, err
	}
	here := ll.GeoPoint{Latitude: l.Latitude, Longitude: l.Longitude}
	var (
		best, next   *ll.Activity
		bestDistance float64
	)
	for i := range all {
		a := &all[i]
		if a.Cancelled || a.Location == nil {
			continue
		}
		opens, _ := a.CheckInWindow()
		switch {
		case a.CheckInOpen(ac.Now):
			if d := ll.DistanceMeters(here, *a.Location); best == nil || d < bestDistance {
				best, bestDistance = a, d
			}
		case opens.After(ac.Now) && (next == nil || opens.Before(next.Start.Add(-ll.CheckInOpensBefore))):
			next = a
		}
	}
	switch {
	case best == nil && next != nil:
		return LocationCheckIn{Activity: memberView(*next)}, ll.Refuse(ll.ECONFLICT, ll.ReasonNotOpen)
	case best == nil:
		return LocationCheckIn{}, ll.Refuse(ll.ENOTFOUND, ll.ReasonNoPlace)
	case inaccurate(l, best.Radius()):
		return LocationCheckIn{Activity: memberView(*best), Distance: bestDistance}, ll.Refuse(ll.EINVALID, ll.ReasonInaccurate)
	case bestDistance > best.Radius():
		return LocationCheckIn{Activity: memberView(*best), Distance: bestDistance}, ll.Refuse(ll.ECONFLICT, ll.ReasonTooFar)
	}
	a, changed, st, err := s.store.CheckInAs(ctx, ac.Self(), ll.CheckIn{ActivityID: best.ID, Method: ll.MethodLocation}, ac.Now)
	if err != nil && a.ID == "" {
		a = *best
	}
	return LocationCheckIn{Activity: memberView(a), Distance: bestDistance, Changed: changed, Standing: st}, err
}

// WrongCodesLeft returns how many wrong codes the actor may still send this
// hour before ByCode refuses codes; known is false when the store cannot
// tell (it does not implement WrongCodeCounter).
func (s *CheckIns) WrongCodesLeft(ctx context.Context, ac Actor) (left int, known bool, err error) {
	wc, ok := s.store.(WrongCodeCounter)
	if !ok {
		return 0, false, nil
	}
	u := ac.Self()
	n, err := wc.PersonWrongCodesLeft(ctx, u.Community, u.TelegramID, ac.Now)
	if err != nil {
		return 0, false, err
	}
	return n, true, nil
}
