package handlers

import (
	"context"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// CheckIn says how a member proves presence at an activity; see lamplighter.CheckIn.
type CheckIn = ll.CheckIn

// LedgerStore is the persistence of activities, check-ins, service records and
// the participation ledger. *storage.Store implements it. Errors as for Store;
// audit entries as for Store (written atomically with the change).
type LedgerStore interface {
	// CreateActivity stores a new activity with the next id A<n> and a fresh
	// 6-digit check-in code unique among the community's activities.
	CreateActivity(ctx context.Context, a ll.Activity, audit *ll.AuditEntry) (ll.Activity, error)
	// Activity returns one activity with Signups filled in; ErrNotFound if unknown.
	Activity(ctx context.Context, community, id string) (ll.Activity, error)
	// Activities returns all activities of a community, by start time.
	Activities(ctx context.Context, community string) ([]ll.Activity, error)
	// SaveActivity replaces an activity's editable fields (not code, sign-ups or check-ins).
	SaveActivity(ctx context.Context, a ll.Activity, audit *ll.AuditEntry) error
	// CancelActivity marks it cancelled with a reason and returns the member ids
	// signed up (to tell them). Cancelling twice is a no-op (changed false).
	CancelActivity(ctx context.Context, community, id, reason string, audit *ll.AuditEntry) (signedUp []string, changed bool, err error)

	// SignUp adds the member in one atomic step, never beyond capacity.
	// changed false when already signed up. Errors: ErrNotFound, ErrNotMember,
	// ErrFull, ErrConflict Detail "cancelled" or "ended".
	SignUp(ctx context.Context, community, activityID, memberID string, now time.Time) (a ll.Activity, changed bool, err error)
	// Withdraw removes a sign-up; changed false if there was none.
	Withdraw(ctx context.Context, community, activityID, memberID string) (changed bool, err error)
	// SignedUp returns the member ids signed up, in sign-up order.
	SignedUp(ctx context.Context, community, activityID string) ([]string, error)

	// CheckIn records one participation of the member in one atomic step (one
	// round trip): at most one per member per activity, whatever is retried;
	// changed false for a repeat. With a code, a wrong code counts against the
	// member's limit of ll.MaxWrongCodesPerHour per hour. Errors: ErrNotMember;
	// EINVALID Detail "code" (no live activity has that code); EFORBIDDEN Detail
	// "too_many_codes"; ECONFLICT Detail "not_open" (outside the window) or
	// "cancelled"; ErrNotFound (activity).
	CheckIn(ctx context.Context, community, memberID string, in CheckIn, now time.Time) (a ll.Activity, changed bool, err error)
	// CheckInAs is CheckIn for the member that user u's membership pointer
	// names, on behalf of u, checked as ClaimAs checks it (ErrNotMember unless
	// that member is active and u's) in the same atomic step, one round trip.
	// When it records the participation (changed), st is the member's
	// standing, read in that same step, for the year of now in the
	// community's zone (participations that count, posts held at now).
	CheckInAs(ctx context.Context, u ll.User, in CheckIn, now time.Time) (a ll.Activity, changed bool, st ll.Standing, err error)
	// Attend records a manual participation (method manual, verified by the actor).
	Attend(ctx context.Context, community, activityID, memberID, by, note string, now time.Time, audit *ll.AuditEntry) (changed bool, err error)
	// Void marks the member's participation for ref (A7 or S40) voided with a
	// reason; ErrNotFound if there is none that counts.
	Void(ctx context.Context, community, ref, memberID, by, reason string, now time.Time, audit *ll.AuditEntry) error

	// LogService stores a pending service record with the next id S<n>.
	LogService(ctx context.Context, r ll.ServiceRecord) (ll.ServiceRecord, error)
	// ServiceRecord returns one record; ErrNotFound if unknown.
	ServiceRecord(ctx context.Context, community, id string) (ll.ServiceRecord, error)
	// PendingServices returns the records awaiting a decision, oldest first.
	PendingServices(ctx context.Context, community string) ([]ll.ServiceRecord, error)
	// Decide approves or rejects a pending record in one atomic step; an approval
	// adds one participation dated on the service date, method approval,
	// verified by `by`. ErrForbidden if by is the author; changed false if it was
	// already decided the same way; ErrConflict Detail "decided" if decided otherwise.
	Decide(ctx context.Context, community, id string, approve bool, by, reason string, now time.Time, audit *ll.AuditEntry) (r ll.ServiceRecord, changed bool, err error)

	// Participations returns the member's participations (voided included), by date.
	Participations(ctx context.Context, community, memberID string) ([]ll.Participation, error)
	// CommunityLedger returns every participation and every claim (history) of
	// the community, for exports, reports and notices.
	CommunityLedger(ctx context.Context, community string) ([]ll.Participation, []ll.Claim, error)
	// Forget erases the member's personal data (name, Telegram id, unit,
	// building, skills), sets status forgotten, releases claims and teams and
	// drops the user's pointer; participations stay under the member id.
	Forget(ctx context.Context, community, memberID string, now time.Time, audit *ll.AuditEntry) error
}
