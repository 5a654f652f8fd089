package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// LedgerStore is what Ledger reads and writes.
type LedgerStore interface {
	// Activity returns one activity; ErrNotFound if unknown.
	Activity(ctx context.Context, community, id string) (ll.Activity, error)
	// Attend records a manual participation (method manual, verified by by)
	// with its audit entry; changed false (no audit entry) when the member
	// already counts for the activity.
	Attend(ctx context.Context, community, activityID, memberID, by, note string, now time.Time, audit *ll.AuditEntry) (changed bool, err error)
	// Void marks the member's counting participation for ref voided with a
	// reason, with its audit entry; ErrNotFound if there is none that counts.
	Void(ctx context.Context, community, ref, memberID, by, reason string, now time.Time, audit *ll.AuditEntry) error
	// Participations returns the member's participations (voided included).
	Participations(ctx context.Context, community, memberID string) ([]ll.Participation, error)
	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
	// Audit appends one entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
}

// Ledger is the committee's corrections of the participation ledger: a
// manual participation in an activity (attend) and voiding a wrong one, of
// an activity or a service record (void). They live together, apart from
// Activities, because a void corrects any entry of the ledger, a service
// record's approval too, and both are verified and audited the same way.
type Ledger struct {
	store LedgerStore
}

// CheckReason checks a reason or a note (field names it: "reason", "note")
// of a committee action: at most MaxReasonLen characters of text, no
// control characters but newlines, not blank when required (EINVALID, Field
// field). The services check it themselves; a front end may check first to
// answer in the order it asks.
func CheckReason(field, v string, required bool) error {
	return ll.CheckText(field, v, MaxReasonLen, required)
}

// Attend records that a member of the scope's community took part in an
// activity, verified by the scope's actor, with an optional note, audited
// as "attend" on the activity with "<member>[: <note>]". changed is false
// when the member already counts for it (a check-in or an earlier entry).
// It returns the activity, with the refusals too. Errors: EINVALID (Field
// "note"); ErrNotFound (activity or member); EFORBIDDEN ReasonOwnEntry when the
// member is the person acting (any membership of theirs, by Telegram id),
// audited as "refused"; EFORBIDDEN ReasonVoider when the scope's person
// voided the member's participation in it (another committee member's entry
// re-admits them), audited as "refused"; EFORBIDDEN ReasonSecretaryOnly
// for an activity of an earlier year (the community's zone: a closed year)
// unless the scope CanAppoint, audited as "refused" (the secretary's entry
// says "closed year <y>" in its audit detail); ECONFLICT with ReasonNotOpen
// before its check-in window opens or ReasonCancelled; ErrNotMember for a
// forgotten member; the store's errors.
func (s *Ledger) Attend(ctx context.Context, sc *Scope, activityID, memberID, note string) (ll.Activity, bool, error) {
	if err := CheckReason("note", note, false); err != nil {
		return ll.Activity{}, false, err
	}
	a, err := s.store.Activity(ctx, sc.Community.ID, activityID)
	if err != nil {
		return ll.Activity{}, false, err
	}
	m, err := s.store.Member(ctx, sc.Community.ID, memberID)
	if err != nil {
		return ll.Activity{}, false, err
	}
	if sc.IsPerson(m) {
		return a, false, sc.refusal(ctx, s.store, activityID, "attend "+memberID, "self", errSelf)
	}
	detail := memberID
	if note != "" {
		detail += ": " + note
	}
	if y := a.Start.In(sc.Community.Location()).Year(); closedYear(sc, y) {
		if !sc.CanAppoint() {
			return a, false, sc.refusal(ctx, s.store, activityID, "attend "+memberID, closedYearNote(y), errClosedYear)
		}
		detail += " (" + closedYearNote(y) + ")"
	}
	changed, err := s.store.Attend(ctx, sc.Community.ID, activityID, memberID, sc.Actor, note, sc.Now, sc.Audit("attend", activityID, detail))
	if ll.ErrorDetail(err) == ll.ReasonVoider {
		return a, false, sc.refusal(ctx, s.store, activityID, "attend "+memberID, "voided by them", err)
	}
	return a, changed, err
}

// Void voids a member's participation for ref (an activity A7 or a service
// record S4) of the scope's community, with a reason, voided by the scope's
// actor, audited as "void" on ref with "<member>: <reason>". Errors:
// EINVALID (Field "ref" for anything but an activity or service id, Field
// "reason"); EFORBIDDEN ReasonSecretaryOnly for a participation dated in an
// earlier year (the community's zone) unless the scope CanAppoint, audited
// as "refused" with "closed year <y>" (the void of a closed year by the
// secretary says so in its audit entry); ENOTFOUND with Detail "participation" when the member has no
// participation for ref that counts (none, or voided a moment ago); the
// store's errors.
func (s *Ledger) Void(ctx context.Context, sc *Scope, ref, memberID, reason string) error {
	if ll.NormalizeID('A', ref) != ref && ll.NormalizeID('S', ref) != ref {
		return ll.Invalid("ref", "not an activity or service id")
	}
	if err := CheckReason("reason", reason, true); err != nil {
		return err
	}
	ps, err := s.store.Participations(ctx, sc.Community.ID, memberID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ps, func(p ll.Participation) bool { return p.Ref == ref && !p.Voided })
	if i < 0 {
		return noParticipation(ref, memberID)
	}
	detail := memberID + ": " + reason
	if y, err := strconv.Atoi(ps[i].Date[:min(4, len(ps[i].Date))]); err == nil && closedYear(sc, y) {
		if !sc.CanAppoint() {
			return sc.refusal(ctx, s.store, ref, "void "+memberID, closedYearNote(y), errClosedYear)
		}
		detail = memberID + " (" + closedYearNote(y) + "): " + reason
	}
	err = s.store.Void(ctx, sc.Community.ID, ref, memberID, sc.Actor, reason, sc.Now, sc.Audit("void", ref, detail))
	if ll.ErrorCode(err) == ll.ENOTFOUND {
		return noParticipation(ref, memberID) // voided by someone else a moment ago
	}
	return err
}

// errClosedYear refuses a correction of an earlier year by anyone but the
// secretary or an admin.
var errClosedYear = &ll.Error{Code: ll.EFORBIDDEN, Detail: ll.ReasonSecretaryOnly, Message: "an earlier year is closed: only the secretary corrects it"}

// closedYear reports whether year is before the scope's current year in
// the community's zone: a closed year (SPEC §9).
func closedYear(sc *Scope, year int) bool {
	return year < sc.Now.In(sc.Community.Location()).Year()
}

// closedYearNote is what the audit entry of a correction of a closed year
// says.
func closedYearNote(year int) string { return "closed year " + strconv.Itoa(year) }

// errSelf refuses a committee member's verification of their own
// participation.
var errSelf = &ll.Error{Code: ll.EFORBIDDEN, Detail: ll.ReasonOwnEntry, Message: "nobody enters their own participation"}

// noParticipation is the refusal of a void with nothing to void.
func noParticipation(ref, memberID string) error {
	return &ll.Error{Code: ll.ENOTFOUND, Detail: "participation",
		Message: fmt.Sprintf("member %s has no participation for %s that counts", memberID, ref)}
}
