package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// storedService is the JSON of a service record in the services hash
// (keys.go). Status comes last and the decision after it, so that a pending
// record's JSON ends with pendingSuffix, which Decide replaces with the
// decision without decoding and encoding the record in Lua.
type storedService struct {
	Member  string `json:"m"`
	Text    string `json:"x"`
	Date    string `json:"d"`
	Created int64  `json:"c"`
	Status  string `json:"st"`
	By      string `json:"by,omitempty"`
	At      int64  `json:"at,omitempty"`
	Reason  string `json:"r,omitempty"`
}

// pendingSuffix ends the JSON of every pending service record.
const pendingSuffix = `,"st":"` + ll.ServicePending + `"}`

// decisionSuffix replaces pendingSuffix when a record is decided.
func decisionSuffix(status, by string, at int64, reason string) string {
	b, _ := json.Marshal(struct {
		Status string `json:"st"`
		By     string `json:"by,omitempty"`
		At     int64  `json:"at,omitempty"`
		Reason string `json:"r,omitempty"`
	}{status, by, at, reason})
	return "," + string(b[1:])
}

// decodeService reads a stored service record.
func decodeService(community, id, j string) (ll.ServiceRecord, error) {
	var r storedService
	if err := json.Unmarshal([]byte(j), &r); err != nil {
		return ll.ServiceRecord{}, fmt.Errorf("service record %s/%s: %w", community, id, err)
	}
	out := ll.ServiceRecord{
		ID: id, Community: community, Member: r.Member, Text: r.Text, Date: r.Date, Status: r.Status,
		DecidedBy: r.By, DecidedAt: msTime(r.At), Reason: r.Reason, Created: msTime(r.Created),
	}
	return out, nil
}

// LogService stores the member's report of a service done as a pending record
// with the next id S<n>, and returns it. Created is set to now when zero and
// kept to the millisecond; the status is pending whatever r says. Date must
// be a YYYY-MM-DD date from lamplighter.MaxServiceBackdate days before
// Created's date to that date, in the community's zone; an empty Date is that
// date (today). The text is required, at most lamplighter.MaxDescriptionLen
// characters. A member has at most lamplighter.MaxPendingServices records
// awaiting a decision (EFULL, Detail "too_many_pending", checked in the
// script). Errors: EINVALID (Detail "text" or "date"); ErrNotFound if the
// community or member does not exist; ErrNotMember if the member is not
// active. Two round trips: the community's zone, then one script.
func (s *Store) LogService(ctx context.Context, r ll.ServiceRecord) (ll.ServiceRecord, error) {
	c := r.Community
	if err := checkCommunity(c); err != nil {
		return ll.ServiceRecord{}, err
	}
	if !validID('M', r.Member) {
		return ll.ServiceRecord{}, notFound("member", r.Member)
	}
	if err := checkFreeText("text", r.Text, ll.MaxDescriptionLen, true); err != nil {
		return ll.ServiceRecord{}, err
	}
	if r.Created.IsZero() {
		r.Created = s.now()
	}
	r.Created = msUTC(r.Created)
	com, err := s.Community(ctx, c)
	if err != nil {
		return ll.ServiceRecord{}, err
	}
	today := r.Created.In(com.Location())
	todayDate := today.Format(time.DateOnly)
	if r.Date == "" {
		r.Date = todayDate
	}
	if d, err := time.Parse(time.DateOnly, r.Date); err != nil || d.Format(time.DateOnly) != r.Date {
		return ll.ServiceRecord{}, ll.Invalid("date", "service date %q is not a YYYY-MM-DD date", r.Date)
	}
	earliest := time.Date(today.Year(), today.Month(), today.Day()-ll.MaxServiceBackdate, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	if r.Date > todayDate {
		return ll.ServiceRecord{}, ll.Invalid("date", "service date %s is in the future", r.Date)
	}
	if r.Date < earliest {
		return ll.ServiceRecord{}, ll.Invalid("date", "service date %s is more than %d days back", r.Date, ll.MaxServiceBackdate)
	}
	r.Status, r.DecidedBy, r.DecidedAt, r.Reason = ll.ServicePending, "", time.Time{}, ""
	j, err := json.Marshal(storedService{Member: r.Member, Text: r.Text, Date: r.Date, Created: r.Created.UnixMilli(), Status: r.Status})
	if err != nil {
		return ll.ServiceRecord{}, fmt.Errorf("log service of %s/%s: %w", c, r.Member, err)
	}
	op := fmt.Sprintf("log service of %s/%s", c, r.Member)
	st, rest, err := s.run(ctx, op, logServiceScript,
		[]string{s.k.member(c, r.Member), s.k.seq(c), s.k.services(c), s.k.pending(c), s.k.memberPending(c, r.Member)}, j)
	if err != nil {
		return ll.ServiceRecord{}, err
	}
	if st == "toomany" {
		return ll.ServiceRecord{}, &ll.Error{Code: ll.EFULL, Detail: ll.ReasonTooManyPending,
			Message: fmt.Sprintf("member %s has %d service records awaiting approval", r.Member, ll.MaxPendingServices)}
	}
	if st != "ok" {
		return ll.ServiceRecord{}, statusError(op, st, rest, map[string]string{"member": r.Member})
	}
	r.ID = str(rest, 0)
	return r, nil
}

// ServiceRecord returns one service record; ErrNotFound if unknown. One
// round trip.
func (s *Store) ServiceRecord(ctx context.Context, community, id string) (ll.ServiceRecord, error) {
	if err := checkCommunity(community); err != nil {
		return ll.ServiceRecord{}, err
	}
	if !validID('S', id) {
		return ll.ServiceRecord{}, notFound("service", id)
	}
	j, err := s.c.HGet(ctx, s.k.services(community), id).Result()
	if errors.Is(err, redis.Nil) {
		return ll.ServiceRecord{}, notFound("service", id)
	}
	if err != nil {
		return ll.ServiceRecord{}, s.wrap(fmt.Sprintf("service record %s/%s", community, id), err)
	}
	return decodeService(community, id, j)
}

// PendingServices returns the service records awaiting a decision, oldest
// (lowest id) first; an unknown community has none. One round trip.
func (s *Store) PendingServices(ctx context.Context, community string) ([]ll.ServiceRecord, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "pending services of " + community
	st, rest, err := s.run(ctx, op, pendingServicesScript, []string{s.k.pending(community), s.k.services(community)})
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, nil)
	}
	out := make([]ll.ServiceRecord, 0, len(rest)/2)
	for i := 0; i+1 < len(rest); i += 2 {
		r, err := decodeService(community, str(rest, i), str(rest, i+1))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Decide approves or rejects a pending service record at now, by by, with a
// reason (optional, at most lamplighter.MaxDescriptionLen characters) and its
// audit entry (Object defaults to the id), in one script, one round trip. An
// approval adds exactly one participation for the author: kind service, ref
// the record's id, dated on the record's service date, method approval,
// verified by by at now (both read from the record). Errors: ErrNotFound if the record is unknown; EFORBIDDEN
// Detail "self" if by is its author's person (the author's member id, or a
// membership with the author's Telegram id; checked first: an author never decides
// their own record); ErrConflict Detail "decided" if it was decided the
// other way (r is then the record as decided); EINVALID without by. Deciding
// it again the same way is a no-op: changed false, no audit entry, r as
// decided the first time. The author need not be active any more.
func (s *Store) Decide(ctx context.Context, community, id string, approve bool, by, reason string, now time.Time, audit *ll.AuditEntry) (r ll.ServiceRecord, changed bool, err error) {
	if err := checkCommunity(community); err != nil {
		return ll.ServiceRecord{}, false, err
	}
	if !validID('S', id) {
		return ll.ServiceRecord{}, false, notFound("service", id)
	}
	if strings.TrimSpace(by) == "" {
		return ll.ServiceRecord{}, false, ll.Invalid("by", "a decision needs who made it")
	}
	if err := checkFreeText("reason", reason, ll.MaxDescriptionLen, false); err != nil {
		return ll.ServiceRecord{}, false, err
	}
	status, flag := ll.ServiceRejected, "0"
	if approve {
		status, flag = ll.ServiceApproved, "1"
	}
	at := s.clock(now)
	aj, score := s.auditArgs(audit, community, msTime(at), id, "")
	op := fmt.Sprintf("decide %s/%s (%s)", community, id, status)
	st, rest, err := s.run(ctx, op, decideScript, []string{s.k.services(community), s.k.pending(community)},
		s.k.base(community), id, by, decisionSuffix(status, by, at, reason), flag,
		storedPart{Method: ll.MethodApproval}.json(), aj, score)
	if err != nil {
		return ll.ServiceRecord{}, false, err
	}
	switch st {
	case "ok", "noop":
		r, err = decodeService(community, id, str(rest, 0))
		return r, st == "ok" && err == nil, err
	case "conflict":
		r, err = decodeService(community, id, str(rest, 1))
		if err != nil {
			return ll.ServiceRecord{}, false, err
		}
		return r, false, refusal(op, ll.ECONFLICT, str(rest, 0), fmt.Sprintf("service record %s was already %s", id, r.Status))
	case "corrupt":
		return ll.ServiceRecord{}, false, fmt.Errorf("%s: stored record %q is not pending as written", op, str(rest, 0))
	}
	return ll.ServiceRecord{}, false, ledgerError(op, st, rest, map[string]string{"service": id})
}
