package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// ledgerBatch is how many members CommunityLedger reads per script, so that
// no single script holds Redis for long.
const ledgerBatch = 1000

// storedPart is the JSON of a participation in the member's participations
// hash (keys.go). Kind, title and date are not stored: they come from the
// activity or service record the field names, and so do when and by whom an
// approval was made (At and By are empty for method approval).
type storedPart struct {
	Method     string `json:"m"`
	At         int64  `json:"t,omitempty"`
	By         string `json:"by,omitempty"`
	Note       string `json:"n,omitempty"`
	VoidedBy   string `json:"vb,omitempty"`
	VoidReason string `json:"vr,omitempty"`
	VoidedAt   int64  `json:"vt,omitempty"`
	// A need's participation (SPEC section 10) carries its date and the
	// asker's Telegram id: it has no record of its own to take them from.
	// The asker is kept as evidence, never read back into a Participation.
	Date  string `json:"d,omitempty"`
	Asker int64  `json:"ak,omitempty"`
}

// json encodes p for the participations hash.
func (p storedPart) json() string {
	b, _ := json.Marshal(p) // strings and numbers always encode
	return string(b)
}

// voidMembers is the JSON members (no braces) that Void appends to a
// participation's JSON.
func voidMembers(by, reason string, at int64) string {
	b, _ := json.Marshal(struct {
		VoidedBy   string `json:"vb"`
		VoidReason string `json:"vr"`
		VoidedAt   int64  `json:"vt"`
	}{by, reason, at})
	return string(b[1 : len(b)-1])
}

// activityInfo is the title and date of an activity.
type activityInfo struct{ title, date string }

// activityInfos reads the flat id, title, date list of a ledger script reply.
func activityInfos(l []string) map[string]activityInfo {
	m := make(map[string]activityInfo, len(l)/3)
	for i := 0; i+2 < len(l); i += 3 {
		m[l[i]] = activityInfo{l[i+1], l[i+2]}
	}
	return m
}

// decodePart builds a participation from its field and JSON in the member's
// hash, and its activity's title and date or its service record's JSON.
func decodePart(community, member, field, v string, acts map[string]activityInfo, service string) (ll.Participation, error) {
	ref, _, voided := strings.Cut(field, "~")
	var sp storedPart
	if err := json.Unmarshal([]byte(v), &sp); err != nil {
		return ll.Participation{}, fmt.Errorf("participation %s/%s/%s: %w", community, member, field, err)
	}
	p := ll.Participation{
		Community: community, Member: member, Kind: ll.KindActivity, Ref: ref,
		Method: sp.Method, VerifiedBy: sp.By, At: msTime(sp.At), Note: sp.Note,
		Voided: voided || sp.VoidedBy != "", VoidedBy: sp.VoidedBy, VoidReason: sp.VoidReason,
	}
	p.VoidedAt = msTime(sp.VoidedAt)
	if strings.HasPrefix(ref, "N") {
		p.Kind, p.Date = ll.KindNeed, sp.Date
		return p, nil
	}
	if !strings.HasPrefix(ref, "S") {
		a := acts[ref]
		p.Title, p.Date = a.title, a.date
		return p, nil
	}
	p.Kind = ll.KindService
	if service != "" {
		var r storedService
		if err := json.Unmarshal([]byte(service), &r); err != nil {
			return ll.Participation{}, fmt.Errorf("service record %s/%s: %w", community, ref, err)
		}
		p.Title, p.Date = r.Text, r.Date
		if sp.At == 0 && sp.By == "" {
			p.At, p.VerifiedBy = msTime(r.At), r.By
		}
	}
	return p, nil
}

// clock is now, or the store's clock when now is zero, in unix milliseconds.
func (s *Store) clock(now time.Time) int64 {
	if now.IsZero() {
		now = s.now()
	}
	return now.UnixMilli()
}

// msTime is unix milliseconds as a UTC time, the zero time for 0.
func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// decodeParts reads the triples (field, JSON, service record JSON) of one
// member from a ledger script reply.
func decodeParts(community, member string, triples []string, acts map[string]activityInfo, out []ll.Participation) ([]ll.Participation, error) {
	for i := 0; i+2 < len(triples); i += 3 {
		p, err := decodePart(community, member, triples[i], triples[i+1], acts, triples[i+2])
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// CheckIn records the member's participation in an activity in one script,
// one round trip, by code or, for a live location the caller checked against
// the activity's place, by activity id (method location). A code is the
// current or previous 30-second step's TOTP code of a rotating-code activity
// whose check-in is open (method rotating; the script computes the codes of
// the community's open rotating activities), or the static code of an
// activity in static mode, or stored before modes (method code). A code that
// is the code of more than one live activity is refused with
// *lamplighter.AmbiguousCodeError (not counted as wrong); the static code of
// a location-only activity with EINVALID, Detail "location_only" (a has its
// id).
// It checks, in order:
//   - the member exists (ErrNotFound, Detail "member") and is active
//     (ErrNotMember);
//   - with a code: the member has not sent lamplighter.MaxWrongCodesPerHour
//     wrong codes within the last hour (EFORBIDDEN, Detail "too_many_codes":
//     then every code is refused, the right one too, until the oldest of
//     those wrong codes is an hour old; a refused attempt does not count), and
//     the code is some activity's code (else EINVALID, Detail "code", and the
//     attempt counts as a wrong code);
//   - the activity exists (ErrNotFound, Detail "activity"), is not cancelled
//     (ErrConflict, Detail "cancelled") and now lies in its check-in window,
//     from 30 minutes before start to 2 hours after end, both included, to
//     the millisecond (ErrConflict, Detail "not_open");
//   - for a location check-in, the activity has a location (EINVALID, Detail
//     "location");
//   - with a code, the member is not the activity's creator (by member id,
//     or with a caller by Telegram id) unless someone else presents it
//     (PresentedBy): EFORBIDDEN, Detail "creator", a has its id, and the
//     refusal is audited as "checkin_refused" in the same script. An
//     activity stored before modes is exempt, as it was;
//   - the member has no counting participation in it yet: otherwise changed
//     is false and nothing is written (a retry, a double tap, a second code
//     or location message).
//
// Redis runs the script atomically: one participation per member per
// activity under any concurrency. Sign-up is not required. The participation
// is dated on the activity's date (its start's date in the community's zone,
// see CreateActivity), not the day of the check-in. A participation voided
// earlier stays voided: a check-in of that member to that activity is
// refused (ErrConflict, Detail "voided") until someone other than the voider
// re-admits them with Attend.
//
// a is the activity with Signups filled in; it is also returned with the
// ErrConflict errors, so that the caller can say when the window opens. in
// must set exactly one of Code and ActivityID (EINVALID, Detail "checkin"),
// and Method, when set, must match it (MethodCode or MethodRotating for a
// code; EINVALID, Detail "method").
func (s *Store) CheckIn(ctx context.Context, community, memberID string, in ll.CheckIn, now time.Time) (a ll.Activity, changed bool, err error) {
	if err := checkCommunity(community); err != nil {
		return ll.Activity{}, false, err
	}
	if !validID('M', memberID) {
		return ll.Activity{}, false, notFound("member", memberID)
	}
	a, changed, _, err = s.checkIn(ctx, community, memberID, "", in, now)
	return a, changed, err
}

// CheckInAs is CheckIn for the member that user u's membership pointer names
// (u.Community, u.MemberID), on behalf of u, in the same one script and round
// trip: it checks first that this member is active and is Telegram user
// u.TelegramID's, and answers ErrNotMember otherwise (a stale pointer never
// acts for someone else); the member is then marked reachable, as a user who
// writes to the bot again is. Wrong codes count against the person
// (u.TelegramID, PersonWrongCodesLeft), not the member id. Other checks,
// errors and results as for CheckIn.
//
// When it records the participation (changed), the same script also reads
// what the member's standing needs, and st is that standing for the year of
// now in the community's time zone: the participations that count (this one
// included) and the posts held at now, against the community's minimums, as
// lamplighter.ComputeStanding counts them. Otherwise st is zero.
func (s *Store) CheckInAs(ctx context.Context, u ll.User, in ll.CheckIn, now time.Time) (a ll.Activity, changed bool, st ll.Standing, err error) {
	tg, err := callerID(u)
	if err != nil {
		return ll.Activity{}, false, ll.Standing{}, err
	}
	return s.checkIn(ctx, u.Community, u.MemberID, tg, in, now)
}

// checkIn runs the check-in script; tg is the caller's telegram id, or ""
// when no caller is checked (and no standing read).
func (s *Store) checkIn(ctx context.Context, community, memberID, tg string, in ll.CheckIn, now time.Time) (a ll.Activity, changed bool, standing ll.Standing, err error) {
	return s.checkInAudited(ctx, community, memberID, tg, in, now, nil)
}

// ScanCheckIn checks a member in to an activity because an organizer
// scanned their personal check-in code (method scan, SPEC section 9): the
// same check-in script and rules as every check-in (the member active, the
// activity's check-in open, not cancelled, a voided participation stays
// voided; a repeat answers changed false), without a place or a code, the
// organizer (by) recorded as the verifier and audit written in the same
// step as the participation (nothing is audited for a repeat). Who may scan,
// the token and self-dealing are the caller's (package app) to check.
func (s *Store) ScanCheckIn(ctx context.Context, community, activityID, memberID, by string, now time.Time, audit *ll.AuditEntry) (ll.Activity, bool, error) {
	if strings.TrimSpace(by) == "" {
		return ll.Activity{}, false, ll.Invalid("by", "a scan needs who scanned")
	}
	if err := checkActivityMember(community, activityID, memberID); err != nil {
		return ll.Activity{}, false, err
	}
	a, changed, _, err := s.checkInAudited(ctx, community, memberID, "", ll.CheckIn{ActivityID: activityID, Method: ll.MethodScan, VerifiedBy: by}, now, audit)
	return a, changed, err
}

func (s *Store) checkInAudited(ctx context.Context, community, memberID, tg string, in ll.CheckIn, now time.Time, scanAudit *ll.AuditEntry) (a ll.Activity, changed bool, standing ll.Standing, err error) {
	var none ll.Standing
	code, aid, method := strings.TrimSpace(in.Code), in.ActivityID, in.Method
	switch {
	case (code == "") == (aid == ""):
		return ll.Activity{}, false, none, ll.Invalid("checkin", "a check-in needs either a code or an activity")
	case code != "" && method == "":
		method = ll.MethodCode
	case aid != "" && method == "":
		method = ll.MethodLocation
	}
	if (code != "" && method != ll.MethodCode && method != ll.MethodRotating) || (aid != "" && method != ll.MethodLocation && method != ll.MethodScan) ||
		(method == ll.MethodScan) != (scanAudit != nil) {
		return ll.Activity{}, false, none, ll.Invalid("method", "check-in method %q does not match what was given", in.Method)
	}
	if aid != "" && !validID('A', aid) {
		return ll.Activity{}, false, none, notFound("activity", aid)
	}
	if code != "" && !validCheckInCode(code) {
		code = "-" // no activity has it: it counts as a wrong code
	}
	at := s.clock(now)
	op := fmt.Sprintf("check in %s to %s/%s", memberID, community, orElse(aid, "code"))
	wrong := s.k.wrong(community, memberID)
	if tg != "" {
		wrong = s.k.wrongTG(community, tg) // the limit is the person's, whatever their membership
	}
	keys := []string{s.k.member(community, memberID), s.k.codes(community), wrong, s.k.parts(community, memberID), s.k.rot(community)}
	if tg != "" {
		keys = append(keys, s.k.community(community), s.k.claims(community, memberID), s.k.services(community))
	}
	if method == ll.MethodRotating {
		method = ll.MethodCode // the script records rotating when the code is a rotating one
	}
	refusedAudit, score := s.auditArgs(&ll.AuditEntry{Actor: memberID, Action: "checkin_refused", Object: "{{id}}", Detail: ll.ReasonCreator},
		community, msTime(at), "", "")
	by := ""
	if method == ll.MethodScan {
		refusedAudit, score = s.auditArgs(scanAudit, community, msTime(at), "{{id}}", "")
		by = in.VerifiedBy
	}
	st, rest, err := s.run(ctx, op, checkInScript, keys,
		s.k.base(community), memberID, code, aid, at, storedPart{Method: method, At: at, By: by}.json(), idNumber(memberID), tg, refusedAudit, score, method)
	if err != nil {
		return ll.Activity{}, false, none, err
	}
	ids := map[string]string{"member": memberID, "activity": aid}
	switch st {
	case "ok", "held":
		a, err = decodeActivity(community, str(rest, 0), fieldMap(rest, 1), num(rest, 2))
		if err != nil || st == "held" || tg == "" {
			return a, st == "ok", none, err
		}
		standing, err = decodeStanding(community, memberID, rest[4:], msTime(at))
		return a, true, standing, err
	case "conflict":
		ids["activity"] = str(rest, 1)
		a, err = decodeActivity(community, str(rest, 1), fieldMap(rest, 2), num(rest, 3))
		if err != nil {
			return ll.Activity{}, false, none, err
		}
		return a, false, none, ledgerError(op, st, rest, ids)
	case "toomany":
		return ll.Activity{}, false, none, &ll.Error{Code: ll.EFORBIDDEN, Detail: ll.ReasonTooManyCodes,
			Message: fmt.Sprintf("too many wrong check-in codes: at most %d an hour", ll.MaxWrongCodesPerHour)}
	case "ambiguous":
		found := strs(rest, 0)
		slices.SortFunc(found, func(a, b string) int { return idNumber(a) - idNumber(b) })
		return ll.Activity{}, false, none, &ll.AmbiguousCodeError{Activities: found}
	case "forbidden":
		ids["activity"] = str(rest, 1)
		return ll.Activity{ID: str(rest, 1), Community: community}, false, none, refusal(op, ll.EFORBIDDEN, str(rest, 0),
			fmt.Sprintf("the creator of activity %s checks in by code only when someone else presents it", str(rest, 1)))
	case "badcode":
		return ll.Activity{}, false, none, &ll.Error{Code: ll.EINVALID, Detail: ll.ReasonCode,
			Message: fmt.Sprintf("no activity has this check-in code (%d tries left this hour)", num(rest, 0))}
	case "invalid":
		ids["activity"] = str(rest, 1)
		if str(rest, 0) == "loc_only" {
			a = ll.Activity{ID: str(rest, 1), Community: community}
			return a, false, none, refusal(op, ll.EINVALID, "loc_only", fmt.Sprintf("activity %s checks in by location only", str(rest, 1)))
		}
	}
	return ll.Activity{}, false, none, ledgerError(op, st, rest, ids)
}

// decodeStanding computes a member's standing for the year of now in the
// community's zone from a script's community JSON, claims list and flat
// ref, date list of the participations that count (r[0], r[1], r[2]).
func decodeStanding(community, memberID string, r []any, now time.Time) (ll.Standing, error) {
	var comm ll.Community
	if err := json.Unmarshal([]byte(str(r, 0)), &comm); err != nil {
		return ll.Standing{}, fmt.Errorf("standing of %s/%s: community: %w", community, memberID, err)
	}
	claims, err := decodeClaims(memberID, strs(r, 1))
	if err != nil {
		return ll.Standing{}, fmt.Errorf("standing of %s/%s: %w", community, memberID, err)
	}
	dates := strs(r, 2)
	ps := make([]ll.Participation, 0, len(dates)/2)
	for i := 0; i+1 < len(dates); i += 2 {
		kind := ll.KindActivity
		if strings.HasPrefix(dates[i], "S") {
			kind = ll.KindService
		}
		if strings.HasPrefix(dates[i], "N") {
			kind = ll.KindNeed
		}
		ps = append(ps, ll.Participation{Community: community, Member: memberID, Kind: kind, Ref: dates[i], Date: dates[i+1]})
	}
	year := now.In(comm.Location()).Year()
	return ll.ComputeStanding(ps, year, ll.PostsHeldAt(claims, now), comm), nil
}

// orElse returns a, or b when a is empty.
func orElse(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// Attend records a manual participation of the member in the activity
// (method manual, verified by by, with an optional note of at most
// lamplighter.MaxDescriptionLen characters, recorded at now) with its audit
// entry (Object defaults to "<activity>/<member>"), in one script. If the
// member already has a counting participation in the activity (a check-in or
// an earlier entry), it is a no-op: changed false, no audit entry. A member
// who left may be entered (the committee records what happened); a forgotten
// one may not (ErrNotMember). ErrNotFound if the activity or member is
// unknown; ErrConflict Detail "cancelled" for a cancelled activity, Detail
// "not_open" before its check-in window opens; EFORBIDDEN Detail "voider"
// when by's person voided the member's participation in it (by anyone else,
// the entry re-admits them); EINVALID without by (the rule that nobody
// enters themselves is app.Ledger's). Like a
// check-in, it is dated on the activity's date.
func (s *Store) Attend(ctx context.Context, community, activityID, memberID, by, note string, now time.Time, audit *ll.AuditEntry) (changed bool, err error) {
	if err := checkActivityMember(community, activityID, memberID); err != nil {
		return false, err
	}
	if strings.TrimSpace(by) == "" {
		return false, ll.Invalid("by", "a manual participation needs who verified it")
	}
	if err := checkFreeText("note", note, ll.MaxDescriptionLen, false); err != nil {
		return false, err
	}
	at := s.clock(now)
	aj, score := s.auditArgs(audit, community, msTime(at), activityID+"/"+memberID, "")
	op := fmt.Sprintf("attend %s to %s/%s", memberID, community, activityID)
	st, rest, err := s.run(ctx, op, attendScript,
		[]string{s.k.member(community, memberID), s.k.parts(community, memberID)},
		s.k.base(community), activityID, at, storedPart{Method: ll.MethodManual, At: at, By: by, Note: note}.json(),
		idNumber(memberID), aj, score, by)
	switch {
	case err != nil:
		return false, err
	case st == "ok":
		return true, nil
	case st == "noop":
		return false, nil
	}
	return false, ledgerError(op, st, rest, map[string]string{"activity": activityID, "member": memberID})
}

// Void marks the member's counting participation for ref (an activity A7 or
// a service record S40) voided by by at now with a reason (required, at most
// lamplighter.MaxDescriptionLen characters), with its audit entry (Object
// defaults to "<ref>/<member>"), in one script. The voided participation
// stays in the ledger (Voided set) and no longer counts. For an activity,
// the member is marked voided there (keys.go, void:<A>): a check-in is then
// refused, and so is an Attend by the voider's person; an Attend by anyone
// else re-admits them, adding a new participation beside the voided one. For a service record, the record
// stays approved and cannot be approved again: a voided service stays
// voided. ErrNotFound (Detail "participation") if the member has no counting
// participation for ref, or the member is unknown; EINVALID without by.
func (s *Store) Void(ctx context.Context, community, ref, memberID, by, reason string, now time.Time, audit *ll.AuditEntry) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	if !validID('A', ref) && !validID('S', ref) {
		return notFound("participation", ref)
	}
	if !validID('M', memberID) {
		return notFound("member", memberID)
	}
	if strings.TrimSpace(by) == "" {
		return ll.Invalid("by", "a void needs who voided it")
	}
	if err := checkFreeText("reason", reason, ll.MaxDescriptionLen, true); err != nil {
		return err
	}
	at := s.clock(now)
	aj, score := s.auditArgs(audit, community, msTime(at), ref+"/"+memberID, "")
	op := fmt.Sprintf("void %s of %s/%s", ref, community, memberID)
	st, rest, err := s.run(ctx, op, voidScript,
		[]string{s.k.member(community, memberID), s.k.parts(community, memberID)},
		s.k.base(community), ref, voidMembers(by, reason, at), idNumber(memberID), aj, score, by)
	if err != nil || st == "ok" {
		return err
	}
	if st == "notfound" && str(rest, 0) == "participation" {
		return &ll.Error{Code: ll.ENOTFOUND, Detail: "participation",
			Message: fmt.Sprintf("member %s has no participation for %s that counts", memberID, ref)}
	}
	return statusError(op, st, rest, map[string]string{"member": memberID})
}

// Participations returns the member's participations, voided ones included,
// by date then recording time, with kind, title and date taken from the
// activity or service record; ErrNotFound if the member is unknown. One
// round trip.
func (s *Store) Participations(ctx context.Context, community, memberID string) ([]ll.Participation, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	if !validID('M', memberID) {
		return nil, notFound("member", memberID)
	}
	op := fmt.Sprintf("participations of %s/%s", community, memberID)
	st, rest, err := s.run(ctx, op, ledgerReadScript, []string{s.k.services(community)},
		s.k.base(community), "member", memberID)
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, map[string]string{"member": memberID})
	}
	out, err := decodeParts(community, memberID, strs(rest, 4), activityInfos(strs(rest, 1)), []ll.Participation{})
	if err != nil {
		return nil, err
	}
	ll.SortParticipations(out)
	return out, nil
}

// CommunityLedger returns every participation (voided ones included) and
// every claim (current and released) of every member of the community,
// whatever their status, ordered by member number, then participations by
// date and claims by claim time. An unknown community has none. One script
// reads the first 1,000 members' (one round trip for a community of fewer),
// then plain commands the rest, 1,000 members a page (ledgerPages), so
// Redis is never held for long; members are only ever added, so a
// concurrent registration is either in the result or not, never half.
func (s *Store) CommunityLedger(ctx context.Context, community string) ([]ll.Participation, []ll.Claim, error) {
	if err := checkCommunity(community); err != nil {
		return nil, nil, err
	}
	op := "ledger of " + community
	parts, claims := []ll.Participation{}, []ll.Claim{}
	st, rest, err := s.run(ctx, op, ledgerReadScript, []string{s.k.services(community)},
		s.k.base(community), "range", 0, ledgerBatch)
	if err != nil {
		return nil, nil, err
	}
	if st != "ok" {
		return nil, nil, statusError(op, st, rest, nil)
	}
	acts := activityInfos(strs(rest, 1))
	for i := 2; i+2 < len(rest); i += 3 {
		mid := str(rest, i)
		cs, err := decodeClaims(mid, strs(rest, i+1))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", op, err)
		}
		claims = append(claims, cs...)
		n := len(parts)
		if parts, err = decodeParts(community, mid, strs(rest, i+2), acts, parts); err != nil {
			return nil, nil, err
		}
		ll.SortParticipations(parts[n:])
	}
	if num(rest, 0) < ledgerBatch {
		return parts, claims, nil
	}
	return s.ledgerPages(ctx, community, ledgerBatch, acts, parts, claims)
}

// ledgerPages reads the ledger of the community's members from position
// from on, ledgerBatch members at a time, with plain commands (ledgerPage),
// appending to parts and claims. acts holds the activities already known.
func (s *Store) ledgerPages(ctx context.Context, community string, from int, acts map[string]activityInfo,
	parts []ll.Participation, claims []ll.Claim) ([]ll.Participation, []ll.Claim, error) {
	for ; ; from += ledgerBatch {
		pg, err := s.ledgerPage(ctx, community, from, false, acts, parts, claims)
		if err != nil {
			return nil, nil, err
		}
		parts, claims = pg.Participations, pg.Claims
		if pg.ids < ledgerBatch {
			return parts, claims, nil
		}
	}
}

// ledgerPageData is a page of a community's members, with their ledger.
type ledgerPageData struct {
	Members        []ll.Member        // by member number
	Participations []ll.Participation // theirs, voided ones included, member by member
	Claims         []ll.Claim         // theirs, current and released
	ids            int                // members listed on the page
}

// LedgerPages calls fn with the community's members (any status) and their
// ledger (participations, voided ones included, and claims, current and
// released), up to 1,000 members a page in member-number order, so that a caller such as
// the members export holds one page at a time whatever the community's size
// (Members and CommunityLedger hold all of it). Each page is two round
// trips and no script. A page is read when fn has returned from the one
// before; members are only ever added, at the end, so a registration during
// the walk is in the last page or not at all, never twice. An error from fn
// stops the walk and is returned.
func (s *Store) LedgerPages(ctx context.Context, community string, fn func([]ll.Member, []ll.Participation, []ll.Claim) error) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	acts := map[string]activityInfo{}
	for from := 0; ; from += ledgerBatch {
		pg, err := s.ledgerPage(ctx, community, from, true, acts, nil, nil)
		if err != nil {
			return err
		}
		if pg.ids == 0 {
			return nil
		}
		if err := fn(pg.Members, pg.Participations, pg.Claims); err != nil {
			return err
		}
		if pg.ids < ledgerBatch {
			return nil
		}
	}
}

// ledgerPage reads the ledger of up to ledgerBatch of the community's
// members from position from, appending to parts and claims, and with
// members their records too: a ZRANGE of their ids, a transaction of an
// LRANGE of the claims and the HKEYS and HVALS of the participations of
// each (and an HGETALL of the member), and a pipeline of what those refer
// to (the title and date of activities not in acts, which it adds, and the
// service records), three round trips and no script, so that each command
// is short however large the community (a script per page spent 3-8 ms of
// Redis's time in Lua itself).
func (s *Store) ledgerPage(ctx context.Context, community string, from int, members bool, acts map[string]activityInfo,
	parts []ll.Participation, claims []ll.Claim) (ledgerPageData, error) {
	op := "ledger of " + community
	ids, err := s.c.ZRange(ctx, s.k.members(community), int64(from), int64(from+ledgerBatch-1)).Result()
	if err != nil {
		return ledgerPageData{}, s.wrap(op, err)
	}
	return s.ledgerOfIDs(ctx, community, ids, members, acts, parts, claims)
}

// ledgerOfIDs is ledgerPage for the members ids (at most ledgerBatch) of
// the community, in that order; an id with no member hash gives a member
// with no fields but the id (decodeMember's).
func (s *Store) ledgerOfIDs(ctx context.Context, community string, ids []string, members bool, acts map[string]activityInfo,
	parts []ll.Participation, claims []ll.Claim) (ledgerPageData, error) {
	op := "ledger of " + community
	if len(ids) == 0 {
		return ledgerPageData{Participations: parts, Claims: claims}, nil
	}
	// HKEYS and HVALS list a hash in the same order (the script's, which
	// breaks ties in SortParticipations) when nothing writes between
	// them: hence a transaction.
	cls := make([]*redis.StringSliceCmd, len(ids))
	keys := make([]*redis.StringSliceCmd, len(ids))
	vals := make([]*redis.StringSliceCmd, len(ids))
	mcmds := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cls[i] = p.LRange(ctx, s.k.claims(community, id), 0, -1)
			keys[i] = p.HKeys(ctx, s.k.parts(community, id))
			vals[i] = p.HVals(ctx, s.k.parts(community, id))
			if members {
				mcmds[i] = p.HGetAll(ctx, s.k.member(community, id))
			}
		}
		return nil
	}); err != nil {
		return ledgerPageData{}, s.wrap(op, err)
	}
	actCmds := map[string]*redis.SliceCmd{}
	svcCmds := map[string]*redis.StringCmd{}
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range keys {
			for _, field := range c.Val() {
				ref, _, _ := strings.Cut(field, "~")
				if strings.HasPrefix(ref, "A") {
					if _, ok := acts[ref]; !ok && actCmds[ref] == nil {
						actCmds[ref] = p.HMGet(ctx, s.k.act(community, ref), "t", "d")
					}
				} else if svcCmds[ref] == nil && !strings.HasPrefix(ref, "N") {
					svcCmds[ref] = p.HGet(ctx, s.k.services(community), ref)
				}
			}
		}
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return ledgerPageData{}, s.wrap(op, err)
	}
	for ref, c := range actCmds {
		acts[ref] = activityInfo{str(c.Val(), 0), str(c.Val(), 1)}
	}
	pg := ledgerPageData{ids: len(ids)}
	for i, id := range ids {
		if members {
			m, err := decodeMember(community, id, mcmds[i].Val())
			if err != nil {
				return ledgerPageData{}, err
			}
			pg.Members = append(pg.Members, m)
		}
		cs, err := decodeClaims(id, cls[i].Val())
		if err != nil {
			return ledgerPageData{}, fmt.Errorf("%s: %w", op, err)
		}
		claims = append(claims, cs...)
		n := len(parts)
		vs := vals[i].Val()
		if len(vs) != len(keys[i].Val()) {
			return ledgerPageData{}, fmt.Errorf("%s: participations of %s: %d fields, %d values", op, id, len(keys[i].Val()), len(vs))
		}
		for k, field := range keys[i].Val() {
			v := vs[k]
			service := ""
			if c := svcCmds[strings.SplitN(field, "~", 2)[0]]; c != nil {
				service = c.Val()
			}
			p, err := decodePart(community, id, field, v, acts, service)
			if err != nil {
				return ledgerPageData{}, err
			}
			parts = append(parts, p)
		}
		ll.SortParticipations(parts[n:])
	}
	pg.Participations, pg.Claims = parts, claims
	return pg, nil
}

// decodeClaims reads a member's claims list (keys.go), oldest first.
func decodeClaims(member string, l []string) ([]ll.Claim, error) {
	out := make([]ll.Claim, 0, len(l))
	for _, e := range l {
		f := strings.Split(e, "|")
		if len(f) != 3 {
			return nil, fmt.Errorf("claims of %s: malformed entry %q", member, e)
		}
		out = append(out, ll.Claim{Post: f[0], Member: member, Claimed: fromMS(f[1]), Released: fromMS(f[2])})
	}
	slices.SortStableFunc(out, func(a, b ll.Claim) int { return a.Claimed.Compare(b.Claimed) })
	return out, nil
}
