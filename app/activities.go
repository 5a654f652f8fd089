package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// ActivitiesStore is what Activities reads and writes.
type ActivitiesStore interface {
	MemberReader
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// CreateActivity stores a new activity with the next id A<n> and a fresh
	// check-in code, with its audit entry.
	CreateActivity(ctx context.Context, a ll.Activity, audit *ll.AuditEntry) (ll.Activity, error)
	// Activity returns one activity with Signups filled in; ErrNotFound if unknown.
	Activity(ctx context.Context, community, id string) (ll.Activity, error)
	// Activities returns all activities of a community, by start time.
	Activities(ctx context.Context, community string) ([]ll.Activity, error)
	// SaveActivity replaces an activity's editable fields, with its audit entry.
	SaveActivity(ctx context.Context, a ll.Activity, audit *ll.AuditEntry) error
	// CancelActivity marks it cancelled and returns the member ids signed
	// up; changed false when it was cancelled already (no audit entry then).
	CancelActivity(ctx context.Context, community, id, reason string, audit *ll.AuditEntry) (signedUp []string, changed bool, err error)
	// SignUp adds the member in one atomic step, never beyond capacity.
	SignUp(ctx context.Context, community, activityID, memberID string, now time.Time) (a ll.Activity, changed bool, err error)
	// Withdraw removes a sign-up; changed false if there was none.
	Withdraw(ctx context.Context, community, activityID, memberID string) (changed bool, err error)
	// CheckedIn counts the members whose participation in an activity
	// counts (Current).
	CheckedIn(ctx context.Context, community, activity string) (int, error)
	// SignedUp returns the member ids signed up, in sign-up order.
	SignedUp(ctx context.Context, community, activityID string) ([]string, error)
	// CommunityLedger returns every participation and claim of the community.
	CommunityLedger(ctx context.Context, community string) ([]ll.Participation, []ll.Claim, error)
	// Team returns a team; ErrNotFound if unknown.
	Team(ctx context.Context, community, id string) (ll.Team, error)
}

// Activities is the committee's activities (create, edit, cancel, roster)
// and the members' side of them (the upcoming list, sign-up, withdraw).
type Activities struct {
	store ActivitiesStore
}

// Rules on activities beyond what Activity.Validate checks.
const (
	MaxActivityBackdate = 30 * 24 * time.Hour  // an activity may start this long ago (to record it, then attend)
	MaxActivityAhead    = 366 * 24 * time.Hour // and this far ahead
	MinDuration         = time.Minute          // in whole minutes,
	MaxDuration         = 7 * 24 * time.Hour   // up to a week
	MinRadius           = 20                   // meters; 0 is the default radius
	MaxRadius           = 5000
	MaxReasonLen        = 200 // a cancel or void reason, an attend note
	// DuplicateWindow: the same activity created again by the same person
	// within it (a double tap, a resent message) is the one created before.
	DuplicateWindow = 10 * time.Minute
)

// CheckStart refuses a start too far in the past or the future of now
// (EINVALID, Field "start").
func CheckStart(start, now time.Time) error {
	if start.Before(now.Add(-MaxActivityBackdate)) || start.After(now.Add(MaxActivityAhead)) {
		return ll.Invalid("start", "start out of range")
	}
	return nil
}

// checkNotBackdated refuses (ECONFLICT ReasonBackdated) a new activity
// that starts before now (to the minute the creator typed) while its check-in
// window would still be open: created so, it would let people check in now
// to what happened yesterday (SPEC §9). An activity wholly in the past (its
// window closed) may be recorded, with /attend for who came.
func checkNotBackdated(start, end, now time.Time) error {
	if start.Before(now.Truncate(time.Minute)) && !now.After(end.Add(ll.CheckInClosesAfter)) {
		return &ll.Error{Code: ll.ECONFLICT, Detail: ll.ReasonBackdated,
			Message: "a new activity cannot start in the past while its check-in is open"}
	}
	return nil
}

// CheckDuration refuses a duration that is not whole minutes from
// MinDuration to MaxDuration (EINVALID, Field "duration").
func CheckDuration(d time.Duration) error {
	if d < MinDuration || d > MaxDuration || d%time.Minute != 0 {
		return ll.Invalid("duration", "not a duration")
	}
	return nil
}

// CheckRadius refuses a check-in radius outside MinRadius to MaxRadius
// meters; 0 (the default radius) is fine (EINVALID, Field "radius").
func CheckRadius(n int) error {
	if n != 0 && (n < MinRadius || n > MaxRadius) {
		return ll.Invalid("radius", "not a radius")
	}
	return nil
}

// NewActivity is what the committee gives for a new activity.
type NewActivity struct {
	Title    string
	Place    string
	Start    time.Time
	Duration time.Duration
	Capacity int          // 0 is unlimited
	Location *ll.GeoPoint // where check-in by location counts, nil for none
	// CheckIn is the check-in mode (ll.CheckInRotating, CheckInStatic or
	// CheckInLocation); "" is rotating, the default.
	CheckIn string
}

// Create stores a new activity in the scope's community, created by the
// scope's actor now, audited as "newactivity" with "<title> @ <start>". Its
// check-in mode is in.CheckIn, by default rotating codes from a fresh random
// secret (every activity also gets a static code, used only in static mode). The
// same activity (title and start) created again by the same person within
// DuplicateWindow is not created twice: Create returns the one created
// before and existed true. Errors: EINVALID for a start out of range
// (CheckStart); ECONFLICT ReasonBackdated for a start before now while its
// check-in would be open now; EINVALID for a duration out of range
// (CheckDuration), an unknown check-in mode (Field "checkin"), location
// mode without a location (ReasonLocation) or what Activity.Validate
// refuses; the store's errors.
func (s *Activities) Create(ctx context.Context, sc *Scope, in NewActivity) (a ll.Activity, existed bool, err error) {
	if err := CheckStart(in.Start, sc.Now); err != nil {
		return ll.Activity{}, false, err
	}
	if err := CheckDuration(in.Duration); err != nil {
		return ll.Activity{}, false, err
	}
	if err := checkNotBackdated(in.Start, in.Start.Add(in.Duration), sc.Now); err != nil {
		return ll.Activity{}, false, err
	}
	a = ll.Activity{
		Community: sc.Community.ID, Title: in.Title, Place: in.Place,
		Start: in.Start, End: in.Start.Add(in.Duration), Capacity: in.Capacity, Location: in.Location,
		CreatedBy: sc.Actor, Created: sc.Now,
		Mode: in.CheckIn,
	}
	switch a.Mode {
	case "", ll.CheckInRotating:
		a.Mode, a.Secret = ll.CheckInRotating, newSecret()
	case ll.CheckInStatic:
	case ll.CheckInLocation:
		if a.Location == nil {
			return ll.Activity{}, false, ll.Refuse(ll.EINVALID, ll.ReasonLocation)
		}
	default:
		return ll.Activity{}, false, ll.Invalid("checkin", "not a check-in mode")
	}
	if err := a.Validate(); err != nil {
		return ll.Activity{}, false, err
	}
	all, err := s.store.Activities(ctx, a.Community)
	if err != nil {
		return ll.Activity{}, false, err
	}
	for _, old := range all {
		if !old.Cancelled && old.Title == a.Title && old.Start.Equal(a.Start) && old.CreatedBy == a.CreatedBy &&
			sc.Now.Sub(old.Created) < DuplicateWindow {
			return old, true, nil
		}
	}
	detail := a.Title + " @ " + a.Start.In(sc.Community.Location()).Format("2006-01-02 15:04")
	a, err = s.store.CreateActivity(ctx, a, sc.Audit("newactivity", "", detail))
	if err != nil {
		return ll.Activity{}, false, err
	}
	return a, false, nil
}

// Get returns an activity of the scope's community (cancelled ones too).
func (s *Activities) Get(ctx context.Context, sc *Scope, id string) (ll.Activity, error) {
	return s.store.Activity(ctx, sc.Community.ID, id)
}

// Editable returns an activity of the scope's community that may still be
// changed: ECONFLICT with ReasonCancelled for a cancelled one.
func (s *Activities) Editable(ctx context.Context, sc *Scope, id string) (ll.Activity, error) {
	a, err := s.store.Activity(ctx, sc.Community.ID, id)
	if err != nil {
		return ll.Activity{}, err
	}
	if a.Cancelled {
		return a, ll.Refuse(ll.ECONFLICT, ll.ReasonCancelled)
	}
	return a, nil
}

// The fields of an activity Edit changes.
const (
	ActivityTitle    = "title"
	ActivityPlace    = "place"
	ActivityStart    = "start"
	ActivityDuration = "duration"
	ActivityCapacity = "capacity"
	ActivityRadius   = "radius"
	ActivityTeam     = "team"
	ActivityLocation = "location"
	ActivityCheckIn  = "checkin" // the check-in mode: Text is ll.CheckInStatic, CheckInRotating or CheckInLocation
)

// BelowSignUpsError refuses a capacity below the sign-ups an activity has
// now: an EINVALID for the field "capacity" (ll.ErrorCode and
// ll.ErrorDetail see it so), which a front end that names the sign-ups
// finds with errors.As (as BelowHoldersError for a post).
type BelowSignUpsError struct {
	Activity string // the activity's id
	SignUps  int    // its sign-ups now
}

func (e *BelowSignUpsError) Error() string {
	return fmt.Sprintf("%s has %d sign-ups; its capacity cannot be lower", e.Activity, e.SignUps)
}

// Unwrap is the domain error: EINVALID, Field "capacity".
func (e *BelowSignUpsError) Unwrap() error {
	return ll.Invalid(ActivityCapacity, "%d sign-ups", e.SignUps)
}

// ActivityChange is one field of an activity to change, parsed.
type ActivityChange struct {
	Field    string        // one of the Activity... field names
	Text     string        // title; place ("" clears it); team id ("" clears it)
	Start    time.Time     // start (the duration stays)
	Duration time.Duration // duration (the start stays)
	Number   int           // capacity (0 unlimited); radius in meters (0 the default)
	Location *ll.GeoPoint  // location, nil clears it
	Typed    string        // the value as the person wrote it, for the audit entry
}

// Edit changes one field of an activity of the scope's community and
// returns it as saved, audited as "editactivity" with "<field>=<typed>".
// ActivityCheckIn switches the check-in mode (switching to rotating makes a
// secret when it has none; an unknown mode is EINVALID, Field "checkin").
// A location-only activity needs its location: switching to location
// without one, or removing the location of one, is EINVALID with
// ReasonLocation.
// Errors: ErrNotFound; ECONFLICT with ReasonCancelled (a cancelled
// activity); ECONFLICT with ReasonCheckedIn for a start or duration once
// anyone checked in (the store checks it atomically with the check-ins);
// EINVALID for an unknown field (Field "activity_field"), a start
// out of range, a duration or radius out of range, a malformed team id
// (Field "team") or what Activity.Validate refuses; *BelowSignUpsError (an
// EINVALID, Field "capacity") for a capacity below the sign-ups already
// taken; ErrNotFound for an unknown team; the store's errors.
func (s *Activities) Edit(ctx context.Context, sc *Scope, id string, ch ActivityChange) (ll.Activity, error) {
	a, err := s.Editable(ctx, sc, id)
	if err != nil {
		return ll.Activity{}, err
	}
	switch ch.Field {
	case ActivityTitle:
		a.Title = ch.Text
	case ActivityPlace:
		a.Place = ch.Text
	case ActivityStart:
		if err := CheckStart(ch.Start, sc.Now); err != nil {
			return ll.Activity{}, err
		}
		a.Start, a.End = ch.Start, ch.Start.Add(a.End.Sub(a.Start))
	case ActivityDuration:
		if err := CheckDuration(ch.Duration); err != nil {
			return ll.Activity{}, err
		}
		a.End = a.Start.Add(ch.Duration)
	case ActivityCapacity:
		if ch.Number > 0 && ch.Number < a.Signups {
			return ll.Activity{}, &BelowSignUpsError{Activity: a.ID, SignUps: a.Signups}
		}
		a.Capacity = ch.Number
	case ActivityRadius:
		if err := CheckRadius(ch.Number); err != nil {
			return ll.Activity{}, err
		}
		a.RadiusMeters = ch.Number
	case ActivityTeam:
		if ch.Text != "" {
			if ll.NormalizeID('T', ch.Text) != ch.Text {
				return ll.Activity{}, ll.Invalid("team", "not a team id")
			}
			if _, err := s.store.Team(ctx, a.Community, ch.Text); err != nil {
				return ll.Activity{}, err
			}
		}
		a.Team = ch.Text
	case ActivityLocation:
		a.Location = ch.Location
	case ActivityCheckIn:
		switch ch.Text {
		case ll.CheckInStatic, ll.CheckInLocation:
		case ll.CheckInRotating:
			if a.Secret == "" {
				a.Secret = newSecret()
			}
		default:
			return ll.Activity{}, ll.Invalid("checkin", "not a check-in mode")
		}
		a.Mode = ch.Text
	default:
		return ll.Activity{}, ll.Invalid("activity_field", "unknown field %q", ch.Field)
	}
	if a.Mode == ll.CheckInLocation && a.Location == nil {
		// Location only, without a place: no one could check in.
		return ll.Activity{}, ll.Refuse(ll.EINVALID, ll.ReasonLocation)
	}
	if err := a.Validate(); err != nil {
		return ll.Activity{}, err
	}
	if err := s.store.SaveActivity(ctx, a, sc.Audit("editactivity", a.ID, ch.Field+"="+ch.Typed)); err != nil {
		return ll.Activity{}, err
	}
	return a, nil
}

// Cancel cancels an activity of the scope's community with an optional
// reason (at most MaxReasonLen characters), audited as "cancelactivity". It
// returns the activity as it was and the members signed up, to tell them;
// changed is false (and no one to tell, no audit entry) when it was
// cancelled already. Errors: EINVALID (Field "reason"); ErrNotFound; the
// store's errors.
func (s *Activities) Cancel(ctx context.Context, sc *Scope, id, reason string) (a ll.Activity, signedUp []string, changed bool, err error) {
	if err := ll.CheckText("reason", reason, MaxReasonLen, false); err != nil {
		return ll.Activity{}, nil, false, err
	}
	a, err = s.store.Activity(ctx, sc.Community.ID, id)
	if err != nil {
		return ll.Activity{}, nil, false, err
	}
	signedUp, changed, err = s.store.CancelActivity(ctx, sc.Community.ID, id, reason, sc.Audit("cancelactivity", id, reason))
	if err != nil {
		return ll.Activity{}, nil, false, err
	}
	return a, signedUp, changed, nil
}

// SignedUp returns the ids of the members signed up for an activity of the
// scope's community, in sign-up order.
func (s *Activities) SignedUp(ctx context.Context, sc *Scope, id string) ([]string, error) {
	return s.store.SignedUp(ctx, sc.Community.ID, id)
}

// Roster is who signed up for an activity and who is present.
type Roster struct {
	Activity ll.Activity
	SignedUp []string                    // member ids, in sign-up order
	Present  map[string]ll.Participation // by member id: the participation that counts
	Order    []string                    // the members present, in the order recorded
}

// Roster returns the roster of an activity of the scope's community: those
// signed up and those whose participation counts (check-ins and manual
// entries, voided ones left out), signed up or not.
func (s *Activities) Roster(ctx context.Context, sc *Scope, id string) (Roster, error) {
	a, err := s.store.Activity(ctx, sc.Community.ID, id)
	if err != nil {
		return Roster{}, err
	}
	signed, err := s.store.SignedUp(ctx, sc.Community.ID, id)
	if err != nil {
		return Roster{}, err
	}
	ps, _, err := s.store.CommunityLedger(ctx, sc.Community.ID)
	if err != nil {
		return Roster{}, err
	}
	r := Roster{Activity: a, SignedUp: signed, Present: map[string]ll.Participation{}}
	for _, p := range ps {
		if p.Kind != ll.KindActivity || p.Ref != id || p.Voided {
			continue
		}
		if _, ok := r.Present[p.Member]; !ok {
			r.Order = append(r.Order, p.Member)
		}
		r.Present[p.Member] = p
	}
	return r, nil
}

// memberView is an activity as a member may see it: without its check-in
// code, which the committee shows only at the activity (anyone who had it
// could check in from anywhere), nor its rotating code's secret.
func memberView(a ll.Activity) ll.Activity {
	a.Code, a.Secret = "", ""
	return a
}

// newSecret is a fresh rotating-code secret: 20 random bytes (RFC 4226's
// recommended length), hex.
func newSecret() string {
	var b [20]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

// Upcoming returns the actor's community and its activities that are not
// cancelled and have not ended at the actor's now, by start, without their
// check-in codes. ErrNotMember without a membership.
func (s *Activities) Upcoming(ctx context.Context, ac Actor) (ll.Community, []ll.Activity, error) {
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return ll.Community{}, nil, err
	}
	community := m.Community
	comm, err := s.store.Community(ctx, community)
	if err != nil {
		return ll.Community{}, nil, fmt.Errorf("load community %s: %w", community, err)
	}
	all, err := s.store.Activities(ctx, community)
	if err != nil {
		return ll.Community{}, nil, fmt.Errorf("list activities of %s: %w", community, err)
	}
	var out []ll.Activity
	for _, a := range all {
		if !a.Cancelled && a.End.After(ac.Now) {
			out = append(out, memberView(a))
		}
	}
	slices.SortStableFunc(out, func(x, y ll.Activity) int { return x.Start.Compare(y.Start) })
	return comm, out, nil
}

// IsSignedUp reports whether the actor is signed up for an activity of
// their community. ErrNotMember without a membership.
func (s *Activities) IsSignedUp(ctx context.Context, ac Actor, id string) (bool, error) {
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return false, err
	}
	ids, err := s.store.SignedUp(ctx, m.Community, id)
	if err != nil {
		return false, fmt.Errorf("signed up for %s/%s: %w", m.Community, id, err)
	}
	return slices.Contains(ids, m.ID), nil
}

// SignUp signs the actor up for an activity of their community, never
// beyond its capacity, and returns it without its check-in code; changed is
// false when they were signed up already.
// Errors: ErrNotMember; the store's ErrNotFound, EFULL with ReasonActivity,
// ECONFLICT with ReasonCancelled or ReasonEnded.
func (s *Activities) SignUp(ctx context.Context, ac Actor, id string) (ll.Activity, bool, error) {
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return ll.Activity{}, false, err
	}
	a, changed, err := s.store.SignUp(ctx, m.Community, id, m.ID, ac.Now)
	return memberView(a), changed, err
}

// Withdraw takes the actor's sign-up for an activity back; changed is false
// when there was none. Errors: ErrNotMember; the store's ErrNotFound.
func (s *Activities) Withdraw(ctx context.Context, ac Actor, id string) (bool, error) {
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return false, err
	}
	return s.store.Withdraw(ctx, m.Community, id, m.ID)
}
