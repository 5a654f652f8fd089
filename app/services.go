package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// ServicesStore is what Services reads and writes.
type ServicesStore interface {
	MemberReader
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// LogService stores a pending service record with the next id S<n>.
	LogService(ctx context.Context, r ll.ServiceRecord) (ll.ServiceRecord, error)
	// ServiceRecord returns one record; ErrNotFound if unknown.
	ServiceRecord(ctx context.Context, community, id string) (ll.ServiceRecord, error)
	// Audit appends one entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
	// PendingServices returns the records awaiting a decision, oldest first.
	PendingServices(ctx context.Context, community string) ([]ll.ServiceRecord, error)
	// Decide approves or rejects a pending record in one atomic step and
	// writes audit with it; ErrForbidden if by is the author, changed false
	// if it was already decided the same way, ECONFLICT "decided" (with the
	// record as decided) if decided otherwise.
	Decide(ctx context.Context, community, id string, approve bool, by, reason string, now time.Time, audit *ll.AuditEntry) (r ll.ServiceRecord, changed bool, err error)
}

// Services are service records (SPEC section 2): a member reports a service
// done; it counts once a committee member other than its author approves it.
type Services struct {
	store ServicesStore
}

// MaxDecisionReasonLen bounds the reason of a rejection, in characters.
const MaxDecisionReasonLen = 200

// serviceDatePattern is what a typed service date looks like.
var serviceDatePattern = regexp.MustCompile(`^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$`)

// LooksLikeServiceDate reports whether a typed word is meant as a service
// date (today, yesterday, 今天, 昨天, or digits like 2026-03-01), valid or
// not: front ends that take "[date] text" in one line split on it.
func LooksLikeServiceDate(word string) bool {
	switch {
	case strings.EqualFold(word, "today") || word == "今天",
		strings.EqualFold(word, "yesterday") || word == "昨天":
		return true
	}
	return serviceDatePattern.MatchString(word)
}

// ServiceDate reads a typed service date as YYYY-MM-DD, where now is the
// current time in the community's zone: empty, today or 今天 is today,
// yesterday or 昨天 the day before, else a date written Y-M-D (also with / or
// .). It may not lie in the future nor more than ll.MaxServiceBackdate days
// back. Errors: EINVALID Field "date".
func ServiceDate(typed string, now time.Time) (string, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	day := today
	typed = strings.TrimSpace(typed)
	switch {
	case typed == "" || strings.EqualFold(typed, "today") || typed == "今天":
	case strings.EqualFold(typed, "yesterday") || typed == "昨天":
		day = today.AddDate(0, 0, -1)
	case serviceDatePattern.MatchString(typed):
		t, err := time.ParseInLocation("2006-1-2", strings.NewReplacer("/", "-", ".", "-").Replace(typed), now.Location())
		if err != nil {
			return "", ll.Invalid("date", "not a date")
		}
		day = t
	default:
		return "", ll.Invalid("date", "not a date")
	}
	if day.After(today) || day.Before(today.AddDate(0, 0, -ll.MaxServiceBackdate)) {
		return "", ll.Invalid("date", "date out of range")
	}
	return day.Format(time.DateOnly), nil
}

// ServiceID reads a typed service record id (s4, S04 …) in canonical form.
// Errors: EINVALID Field "service".
func ServiceID(typed string) (string, error) {
	id := ll.NormalizeID('S', typed)
	if id == "" {
		return "", ll.Invalid("service", "not a service record id")
	}
	return id, nil
}

// Log records a service the actor did on date (as ServiceDate reads it),
// waiting for approval. The same report (same date and text) sent again
// while the first waits is not recorded twice: existed is then true and rec
// the first. Errors: ErrNotMember; EINVALID Field "date", or "text" (empty,
// longer than ll.MaxDescriptionLen, or not plain text); EFULL
// ReasonTooManyPending when the member already has ll.MaxPendingServices
// records awaiting a decision (the store checks it atomically); the store's
// errors. A member's own report is not audited.
func (s *Services) Log(ctx context.Context, a Actor, date, text string) (rec ll.ServiceRecord, existed bool, err error) {
	m, err := self(ctx, s.store, a)
	if err != nil {
		return ll.ServiceRecord{}, false, err
	}
	comm, err := s.store.Community(ctx, m.Community)
	if err != nil {
		return ll.ServiceRecord{}, false, err
	}
	day, err := ServiceDate(date, a.Now.In(comm.Location()))
	if err != nil {
		return ll.ServiceRecord{}, false, err
	}
	text = strings.TrimSpace(text)
	if err := ll.CheckText("text", text, ll.MaxDescriptionLen, true); err != nil {
		return ll.ServiceRecord{}, false, err
	}
	pending, err := s.store.PendingServices(ctx, m.Community)
	if err != nil {
		return ll.ServiceRecord{}, false, err
	}
	for _, r := range pending {
		if r.Member == m.ID && r.Date == day && r.Text == text {
			return r, true, nil
		}
	}
	rec, err = s.store.LogService(ctx, ll.ServiceRecord{
		Community: m.Community, Member: m.ID, Text: text, Date: day, Status: ll.ServicePending, Created: a.Now,
	})
	if err != nil {
		return ll.ServiceRecord{}, false, err
	}
	return rec, false, nil
}

// Pending lists the scope community's records awaiting a decision, oldest
// first. MayDecide tells which of them the scope may decide.
func (s *Services) Pending(ctx context.Context, sc *Scope) ([]ll.ServiceRecord, error) {
	return s.store.PendingServices(ctx, sc.Community.ID)
}

// MayDecide reports whether the scope may decide r by member id: nobody
// decides their own record. Decidable and Decide also compare the person
// (Telegram id), which needs the author's member record.
func MayDecide(sc *Scope, r ll.ServiceRecord) bool {
	return r.Member != sc.Actor
}

// errOwnRecord refuses a decision on the decider's own record.
var errOwnRecord = ll.Refuse(ll.EFORBIDDEN, ll.ReasonSelf)

// notOwn refuses (EFORBIDDEN ReasonSelf, audited as "refused" with what)
// a decision on a record of the person acting: by member id, or by the
// Telegram id of its author's membership, an old one too.
func (s *Services) notOwn(ctx context.Context, sc *Scope, r ll.ServiceRecord, what string) error {
	own := !MayDecide(sc, r)
	if !own {
		m, err := s.store.Member(ctx, sc.Community.ID, r.Member)
		if err != nil && !errors.Is(err, ll.ErrNotFound) {
			return fmt.Errorf("author of %s: %w", r.ID, err)
		}
		own = err == nil && sc.IsPerson(m)
	}
	if own {
		return sc.refusal(ctx, s.store, r.ID, what+" "+r.Member, "self", errOwnRecord)
	}
	return nil
}

// Decidable returns the record id (as ServiceID reads it) if the scope may
// decide it now, before asking for a reason. Errors: EINVALID Field
// "service"; ErrNotFound; EFORBIDDEN ReasonSelf (the scope's own record);
// ECONFLICT ReasonDecided with the record as it stands (no longer pending).
func (s *Services) Decidable(ctx context.Context, sc *Scope, id string) (ll.ServiceRecord, error) {
	id, err := ServiceID(id)
	if err != nil {
		return ll.ServiceRecord{}, err
	}
	r, err := s.store.ServiceRecord(ctx, sc.Community.ID, id)
	if err != nil {
		return ll.ServiceRecord{}, err
	}
	if err := s.notOwn(ctx, sc, r, "decide"); err != nil {
		return r, err
	}
	if r.Status != ll.ServicePending {
		return r, ll.Refuse(ll.ECONFLICT, ll.ReasonDecided)
	}
	return r, nil
}

// CheckRejectReason checks the reason of a rejection as Decide does, for
// front ends that ask for it in a step of its own. Errors: EINVALID Field
// "reason".
func CheckRejectReason(reason string) error {
	return ll.CheckText("reason", reason, MaxDecisionReasonLen, true)
}

// Decision is the outcome of Decide.
type Decision struct {
	// Record is the record as decided; with ReasonDecided, the record as
	// it stands (zero when it could not be read).
	Record ll.ServiceRecord
	// Changed is false for a repeat of the same decision (a retry, a
	// double tap): nothing changed, no audit entry, nobody to tell again.
	Changed bool
}

// Decide approves or rejects the record id (as ServiceID reads it) of the
// scope's community. A rejection needs a reason. The decision is audited as
// "approve <id>" or "reject <id> <reason>" in the same store step. Errors:
// EINVALID Field "service" or "reason" (missing for a rejection, longer
// than MaxDecisionReasonLen, not plain text); ErrNotFound; EFORBIDDEN
// ReasonSelf (the scope's own record); ECONFLICT ReasonDecided (decided the
// other way already; Decision.Record says how and by whom); the store's.
func (s *Services) Decide(ctx context.Context, sc *Scope, id string, approve bool, reason string) (Decision, error) {
	id, err := ServiceID(id)
	if err != nil {
		return Decision{}, err
	}
	if err := ll.CheckText("reason", reason, MaxDecisionReasonLen, !approve); err != nil {
		return Decision{}, err
	}
	r, err := s.store.ServiceRecord(ctx, sc.Community.ID, id)
	if err != nil {
		return Decision{}, err
	}
	action := "reject"
	if approve {
		action = "approve"
	}
	if err := s.notOwn(ctx, sc, r, action); err != nil {
		return Decision{}, err
	}
	r, changed, err := s.store.Decide(ctx, sc.Community.ID, id, approve, sc.Actor, reason, sc.Now, sc.Audit(action, id, reason))
	switch {
	case errors.Is(err, ll.ErrForbidden):
		return Decision{}, sc.refusal(ctx, s.store, id, action+" "+r.Member, "self", errOwnRecord)
	case ll.ErrorCode(err) == ll.ECONFLICT:
		if r.ID == "" {
			if cur, rerr := s.store.ServiceRecord(ctx, sc.Community.ID, id); rerr == nil {
				r = cur
			}
		}
		return Decision{Record: r}, err
	case err != nil:
		return Decision{}, fmt.Errorf("decide %s: %w", id, err)
	}
	return Decision{Record: r, Changed: changed}, nil
}
