// Package lamplighter is the domain of the Lamplighter volunteer bot: communities,
// members, roles, posts, teams, invites and the chat request/reply values that
// every adapter (Telegram, terminal console, demo) exchanges with the handlers.
//
// It imports only the standard library. Storage, the conversation and the
// adapters live in subpackages and talk to each other in these terms.
package lamplighter

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one user-facing message per language in the
// handlers package; the code, never the Go error text, decides what a user sees.
const (
	ECONFLICT    = "conflict"    // the object already exists or the action was already taken
	EFORBIDDEN   = "forbidden"   // the caller's role does not allow the action
	EFULL        = "full"        // capacity reached
	EINVALID     = "invalid"     // malformed input
	ENOTFOUND    = "not_found"   // no such object
	ENOTMEMBER   = "not_member"  // the caller is not a registered active member
	EUNAVAILABLE = "unavailable" // storage is temporarily unreachable
	ESTALE       = "stale"       // a button or flow that no longer applies
	EINTERNAL    = "internal"    // anything else; logged, answered with an apology
)

// Error is a domain error: a code from the list above and a message that is safe
// to show to a user (it may be empty when the code says enough). Detail holds
// machine-friendly context such as a field name.
type Error struct {
	Code    string
	Message string
	Detail  string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Is makes errors.Is(err, ErrNotFound) true for any *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == "" && t.Detail == ""
}

// Sentinel errors for errors.Is; each compares equal to any *Error of its code.
var (
	ErrConflict    = &Error{Code: ECONFLICT}
	ErrForbidden   = &Error{Code: EFORBIDDEN}
	ErrFull        = &Error{Code: EFULL}
	ErrInvalid     = &Error{Code: EINVALID}
	ErrNotFound    = &Error{Code: ENOTFOUND}
	ErrNotMember   = &Error{Code: ENOTMEMBER}
	ErrUnavailable = &Error{Code: EUNAVAILABLE}
	ErrStale       = &Error{Code: ESTALE}
)

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the offending field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Detail: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Reasons say why an action was refused: the Detail of an *Error, one named
// constant each, so no front end decides anything by matching text. Each has
// a message in every language (the catalog's table test checks it).
const (
	ReasonUseFirst      = "use"            // an admin must choose a community with /use first
	ReasonSecretaryOnly = "secretary"      // only the secretary or an admin may do this
	ReasonAdminOnly     = "admin"          // only a district admin may do this
	ReasonTooManyCodes  = "too_many_codes" // the wrong-code limit is exhausted
	ReasonClosed        = "closed"         // the post is closed
	ReasonUsed          = "used"           // the invite was used by someone else
	ReasonRegistered    = "registered"     // already registered there
	ReasonInactive      = "inactive"       // the invite's community or member is no longer active
	ReasonCancelled     = "cancelled"      // the activity was cancelled
	ReasonEnded         = "ended"          // the activity has ended
	ReasonNotOpen       = "not_open"       // outside the check-in window
	ReasonDecided       = "decided"        // the record was already decided otherwise
	ReasonSelf          = "self"           // nobody verifies their own participation
	ReasonCode          = "code"           // no live activity has that code
	ReasonLocation      = "no_location"    // the activity has no location to check in at
	ReasonActivity      = "activity"       // (with EFULL) the activity's sign-ups are full
	ReasonPost          = "post"           // (with EFULL) the post's claims are full
	ReasonImported      = "imported"       // (with ECONFLICT) this very file was imported into the community before
	ReasonImportRunning = "import_running" // (with ECONFLICT) another import into the community is unfinished
	ReasonNotLive       = "not_live"       // a dropped pin or a forwarded location checks no one in
	ReasonTooFar        = "too_far"        // (with ECONFLICT) outside the activity's check-in radius
	ReasonNoPlace       = "no_place"       // (with ENOTFOUND) no activity open now to check in at by location
	ReasonRevoked       = "revoked"        // (with ECONFLICT) the invite was revoked
	ReasonRoleRejoin    = "role_rejoin"    // (with ECONFLICT) a member cannot take a role by re-joining with a role invite
	ReasonLocationOnly  = "location_only"  // (with ECONFLICT) the activity takes location check-ins only: no code to present
)

// Reasons of units and the year-end evaluation (SPEC section 11).
const (
	ReasonLiaisonOnly = "liaison_only" // (with EFORBIDDEN) only the unit's liaisons or a district admin see it
	ReasonEvalClosed  = "eval_closed"  // (with ECONFLICT) the evaluation of the year has not opened yet
	ReasonNotGraded   = "not_graded"   // (with ENOTFOUND) the member has no grade for the year
	ReasonNotInYear   = "not_in_year"  // (with ECONFLICT) the member was not a member in that year (or was forgotten)
)

// Reasons of check-in by code (SPEC section 9). ReasonLocationOnly comes
// with EINVALID too, for a code sent to a location-only activity.
const (
	ReasonAmbiguous = "ambiguous" // (with ECONFLICT) the code is the code of more than one live activity
	ReasonCreator   = "creator"   // (with EFORBIDDEN) an activity's creator checks in by code only when someone else presents it
)

// AmbiguousCodeError refuses a check-in code that is the code of more than
// one live activity of the community (ECONFLICT with ReasonAmbiguous, as
// ErrorCode and ErrorDetail see it): no one is checked in to a guessed one.
// Activities are their ids, for the member to pick by QR code or link.
type AmbiguousCodeError struct {
	Activities []string
}

func (e *AmbiguousCodeError) Error() string {
	return fmt.Sprintf("the check-in code is the code of %d live activities: %v", len(e.Activities), e.Activities)
}

// Unwrap is the domain error: ECONFLICT with ReasonAmbiguous.
func (e *AmbiguousCodeError) Unwrap() error {
	return &Error{Code: ECONFLICT, Detail: ReasonAmbiguous, Message: "the code matches more than one live activity"}
}

// Refuse returns the *Error of code with reason as its Detail.
func Refuse(code, reason string) *Error { return &Error{Code: code, Detail: reason} }

// ErrorDetail returns the Detail of the first *Error in err's chain (the
// field of an EINVALID, the Reason of a refusal), "" when there is none.
func ErrorDetail(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Detail
	}
	return ""
}

// Reasons a live location checks no one in (SPEC section 9), besides
// ReasonNotLive, ReasonTooFar and ReasonNoPlace above.
const (
	ReasonInaccurate = "inaccurate"    // (with EINVALID) a live location less accurate than the activity's radius
	ReasonJump       = "location_jump" // (with EINVALID) a live position implausibly far from the member's previous one; ignored
)

// Reasons of the rules that keep the ledger honest (SPEC §9: no
// self-dealing, the record does not move, voids stick, bounded per person,
// pairing targets safeguarded), in a block of their own.
const (
	ReasonOwnEntry       = "own_entry"        // (with EFORBIDDEN) nobody enters their own participation (/attend)
	ReasonCheckedIn      = "checked_in"       // (with ECONFLICT) someone checked in: the activity's time no longer moves
	ReasonBackdated      = "backdated"        // (with ECONFLICT) a new activity cannot start in the past with its check-in open
	ReasonVoided         = "voided"           // (with ECONFLICT) the member's participation was voided: no check-in again
	ReasonVoider         = "voider"           // (with EFORBIDDEN) who voided a participation cannot re-admit the member
	ReasonTooManyPending = "too_many_pending" // (with EFULL) the member has MaxPendingServices records awaiting approval
	ReasonNotPaired      = "not_paired"       // (with ECONFLICT) the post is not a paired one (nothing to confirm)
	ReasonAwaiting       = "awaiting"         // (with ECONFLICT) a paired post's claim waits for a committee member's confirmation
)

// MaxPendingServices is how many service records one member may have
// awaiting approval at once (SPEC §9, bounded per person).
const MaxPendingServices = 20

// Reasons of waitlists and confirm-or-release (SPEC section 10).
const (
	ReasonNoOffer     = "no_offer"      // (with ECONFLICT) the seat offer expired, was passed on or is not the member's
	ReasonNotSignedUp = "not_signed_up" // (with ECONFLICT) the member is not signed up for the activity (confirm, can't come)
)

// Reasons of needs (SPEC section 10).
const (
	ReasonNeedLimit   = "need_limit"   // (with EFULL) the person has MaxOpenNeeds open needs in the community
	ReasonNeedTaken   = "need_taken"   // (with EFULL) the need has all the helpers it wants
	ReasonNeedState   = "need_state"   // (with ECONFLICT) the need is not in a status that allows this
	ReasonNeedHelpers = "need_helpers" // (with ECONFLICT) fewer helpers wanted than the need has takers
	ReasonNotTaker    = "not_taker"    // (with EFORBIDDEN) only a taker of the need may do this
	ReasonNotAsker    = "not_asker"    // (with EFORBIDDEN) only the need's asker may do this
)

// Refusals of a scan check-in (SPEC section 9): an organizer scans a
// member's personal check-in code (/mycode).
const (
	ReasonScanCode      = "scan_code"      // (with EINVALID) not a personal check-in code, or its signature is wrong
	ReasonScanExpired   = "scan_expired"   // (with ECONFLICT) the code is older than a minute: the member's page shows a new one
	ReasonScanUsed      = "scan_used"      // (with ECONFLICT) the code was scanned already: each is good for one scan
	ReasonScanCommunity = "scan_community" // (with EFORBIDDEN) the code is a member's of another community
)
