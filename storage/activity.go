package storage

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
)

// maxRadiusMeters bounds an activity's check-in radius.
const maxRadiusMeters = 50_000

// codeTries is how many fresh check-in codes CreateActivity draws before it
// gives up; with a million codes and a community's few thousand activities,
// one draw in a few hundred collides.
const codeTries = 20

// newCheckInCode returns 6 random decimal digits, every code equally likely.
func newCheckInCode() string {
	var buf [4]byte
	for {
		rand.Read(buf[:]) // never fails (crypto/rand since Go 1.24)
		// 4294000000 is the largest multiple of 10^6 below 2^32: rejecting
		// larger draws keeps every code equally likely.
		if n := binary.BigEndian.Uint32(buf[:]); n < 4_294_000_000 {
			return fmt.Sprintf("%06d", n%1_000_000)
		}
	}
}

// validCheckInCode reports whether code has the shape of a check-in code.
func validCheckInCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// checkFreeText checks a note or reason: valid UTF-8 without control
// characters other than newlines, at most max characters, and not blank
// when required. The error names field.
func checkFreeText(field, v string, max int, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return ll.Invalid(field, "%s is required", field)
	}
	if !utf8.ValidString(v) {
		return ll.Invalid(field, "%s is not valid text", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return ll.Invalid(field, "%s is too long (%d characters, at most %d)", field, n, max)
	}
	for _, r := range v {
		if r < 0x20 && r != '\n' {
			return ll.Invalid(field, "%s contains control characters", field)
		}
	}
	return nil
}

// checkActivity validates a and the ids it refers to.
func checkActivity(a *ll.Activity) error {
	if err := checkCommunity(a.Community); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if a.RadiusMeters < 0 || a.RadiusMeters > maxRadiusMeters {
		return ll.Invalid("radius", "radius must be between 0 (default %d m) and %d m", ll.DefaultRadiusMeters, maxRadiusMeters)
	}
	if a.Team != "" && !validID('T', a.Team) {
		return notFound("team", a.Team)
	}
	switch a.Mode {
	case "", ll.CheckInStatic, ll.CheckInLocation:
	case ll.CheckInRotating:
		if !validSecret(a.Secret) {
			return ll.Invalid("secret", "a rotating-code activity needs a secret of %d to %d hex bytes", minSecretBytes, maxSecretBytes)
		}
	default:
		return ll.Invalid("checkin", "unknown check-in mode %q", a.Mode)
	}
	return nil
}

// The length of a rotating code's secret (RFC 4226 asks for at least 16
// bytes and recommends 20; at most one SHA-1 block keeps the script simple).
const minSecretBytes, maxSecretBytes = 16, 64

// validSecret reports whether secret is lowercase hex of minSecretBytes to
// maxSecretBytes bytes.
func validSecret(secret string) bool {
	if len(secret)%2 != 0 || len(secret) < 2*minSecretBytes || len(secret) > 2*maxSecretBytes {
		return false
	}
	for i := range len(secret) {
		if c := secret[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// activityDate is the date of a's start in its community's zone, which
// becomes the date of every participation in a. It reads the community
// (ErrNotFound when there is none).
func (s *Store) activityDate(ctx context.Context, a *ll.Activity) (string, error) {
	c, err := s.Community(ctx, a.Community)
	if err != nil {
		return "", err
	}
	return a.Start.In(c.Location()).Format(time.DateOnly), nil
}

// msUTC is t kept to the millisecond in UTC, as storage returns it.
func msUTC(t time.Time) time.Time { return fromMS(millis(t)) }

// activityFields are the field/value pairs of the editable part of an
// activity hash; empty values mean absent.
func activityFields(a *ll.Activity, date string) []any {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	lat, lon := "", ""
	if a.Location != nil {
		lat, lon = f(a.Location.Latitude), f(a.Location.Longitude)
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	return []any{
		"t", a.Title, "pl", a.Place, "s", millis(a.Start), "e", millis(a.End), "d", date,
		"cap", num(a.Capacity), "lat", lat, "lon", lon, "r", num(a.RadiusMeters), "team", a.Team,
		"mode", a.Mode, "sec", a.Secret,
	}
}

// decodeActivity builds an activity from the fields of its hash.
func decodeActivity(community, id string, h map[string]string, signups int64) (ll.Activity, error) {
	a := ll.Activity{
		ID: id, Community: community, Title: h["t"], Place: h["pl"],
		Start: fromMS(h["s"]), End: fromMS(h["e"]), Team: h["team"], Code: h["code"],
		Cancelled: h["cx"] != "", CancelReason: h["why"], CreatedBy: h["by"], Created: fromMS(h["cr"]),
		Signups: int(signups), PresentedBy: h["pby"],
	}
	a.Mode, a.Secret = h["mode"], h["sec"] // check-in mode (SPEC section 9)
	var err error
	atoi := func(field string) int {
		v := h[field]
		if v == "" || err != nil {
			return 0
		}
		n, e := strconv.Atoi(v)
		if e != nil {
			err = fmt.Errorf("activity %s/%s: %s %q: %w", community, id, field, v, e)
		}
		return n
	}
	a.Capacity, a.RadiusMeters = atoi("cap"), atoi("r")
	if h["lat"] != "" {
		lat, e1 := strconv.ParseFloat(h["lat"], 64)
		lon, e2 := strconv.ParseFloat(h["lon"], 64)
		if e1 != nil || e2 != nil {
			return ll.Activity{}, fmt.Errorf("activity %s/%s: malformed location %q,%q", community, id, h["lat"], h["lon"])
		}
		a.Location = &ll.GeoPoint{Latitude: lat, Longitude: lon}
	}
	if err != nil {
		return ll.Activity{}, err
	}
	return a, nil
}

// CreateActivity stores a new activity with the next id A<n> and a fresh
// random 6-digit check-in code (a.Code is ignored) that no other activity of
// the community ever had, with its audit entry (Object defaults to the new
// id), in one script. It reads the community first to fix the date of the
// activity's participations: the start's date in the community's zone at
// creation (two round trips). Start, End and Created (set to now when zero)
// are kept to the millisecond and returned in UTC; Cancelled is cleared.
// ErrNotFound if the community or team does not exist; EINVALID if a does not
// validate or its radius is out of range.
func (s *Store) CreateActivity(ctx context.Context, a ll.Activity, audit *ll.AuditEntry) (ll.Activity, error) {
	if err := checkActivity(&a); err != nil {
		return ll.Activity{}, err
	}
	c := a.Community
	if a.Created.IsZero() {
		a.Created = s.now()
	}
	a.Start, a.End, a.Created = msUTC(a.Start), msUTC(a.End), msUTC(a.Created)
	a.ID, a.Cancelled, a.CancelReason, a.Signups = "", false, "", 0
	date, err := s.activityDate(ctx, &a)
	if err != nil {
		return ll.Activity{}, err
	}
	aj, score := s.auditArgs(audit, c, a.Created, newID, "")
	op := "create activity in " + c
	for try := 1; ; try++ {
		a.Code = newCheckInCode()
		args := append([]any{s.k.base(c), a.Code, a.Team, millis(a.Start), aj, score},
			activityFields(&a, date)...)
		args = append(args, "by", a.CreatedBy, "cr", millis(a.Created))
		st, rest, err := s.run(ctx, op, createActivityScript,
			[]string{s.k.community(c), s.k.codes(c), s.k.seq(c), s.k.acts(c), s.k.rot(c)}, args...)
		switch {
		case err != nil:
			return ll.Activity{}, err
		case st == "ok":
			a.ID = str(rest, 0)
			return a, nil
		case st == "exists" && try < codeTries:
			continue
		case st == "exists":
			return ll.Activity{}, fmt.Errorf("%s: no free check-in code after %d tries", op, codeTries)
		}
		return ll.Activity{}, statusError(op, st, rest, map[string]string{"community": c, "team": a.Team})
	}
}

// Activity returns one activity with Signups filled in; ErrNotFound if
// unknown. One round trip.
func (s *Store) Activity(ctx context.Context, community, id string) (ll.Activity, error) {
	if err := checkActivityID(community, id); err != nil {
		return ll.Activity{}, err
	}
	op := fmt.Sprintf("activity %s/%s", community, id)
	st, rest, err := s.run(ctx, op, activityScript, []string{s.k.act(community, id), s.k.signups(community, id)})
	if err != nil {
		return ll.Activity{}, err
	}
	if st != "ok" {
		return ll.Activity{}, statusError(op, st, rest, map[string]string{"activity": id})
	}
	return decodeActivity(community, id, fieldMap(rest, 0), num(rest, 1))
}

// Activities returns every activity of a community (past, cancelled and
// upcoming) with Signups filled in, by start time, then id; an unknown
// community has none. One round trip.
func (s *Store) Activities(ctx context.Context, community string) ([]ll.Activity, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "activities of " + community
	st, rest, err := s.run(ctx, op, activitiesScript, []string{s.k.acts(community)}, s.k.base(community))
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, nil)
	}
	out := make([]ll.Activity, 0, len(rest)/3)
	for i := 0; i+2 < len(rest); i += 3 {
		a, err := decodeActivity(community, str(rest, i), fieldMap(rest, i+1), num(rest, i+2))
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b ll.Activity) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return idNumber(a.ID) - idNumber(b.ID)
	})
	return out, nil
}

// SaveActivity replaces an activity's editable fields (title, place, start,
// end, capacity, location, radius, team) with its audit entry (Object
// defaults to the id). The code, sign-ups, participations, cancellation and
// creation stay. The start and end no longer change once anyone has a
// participation in it, counting or voided (ECONFLICT Detail "checked_in",
// checked in the same script as the check-ins), so a participation keeps its
// date (the start's date in the community's zone, read first: two round
// trips). Lowering the capacity below the sign-ups keeps them and lets no
// one else sign up. ErrNotFound if the activity or team does not exist;
// EINVALID if a does not validate.
func (s *Store) SaveActivity(ctx context.Context, a ll.Activity, audit *ll.AuditEntry) error {
	if err := checkActivity(&a); err != nil {
		return err
	}
	c := a.Community
	if !validID('A', a.ID) {
		return notFound("activity", a.ID)
	}
	date, err := s.activityDate(ctx, &a)
	if err != nil {
		return err
	}
	aj, score := s.auditArgs(audit, c, time.Time{}, a.ID, "")
	args := append([]any{s.k.base(c), a.ID, a.Team, millis(a.Start), aj, score}, activityFields(&a, date)...)
	op := fmt.Sprintf("save activity %s/%s", c, a.ID)
	st, rest, err := s.run(ctx, op, saveActivityScript, []string{s.k.act(c, a.ID), s.k.acts(c), s.k.rot(c)}, args...)
	if err != nil || st == "ok" {
		return err
	}
	if st == "conflict" {
		return refusal(op, ll.ECONFLICT, str(rest, 0), fmt.Sprintf("someone checked in to %s: its time no longer changes", a.ID))
	}
	return statusError(op, st, rest, map[string]string{"activity": a.ID, "team": a.Team})
}

// CancelActivity marks an activity cancelled with a reason (optional, at most
// lamplighter.MaxDescriptionLen characters) and its audit entry (Object
// defaults to the id), and returns the members signed up, in sign-up order,
// to tell them. Cancelling a cancelled activity is a no-op: changed false, no
// one to tell, no audit entry. Sign-ups stay; participations already recorded
// stay too (void them if they should not count). Its code stays taken and
// check-ins are refused. ErrNotFound if unknown. One round trip.
func (s *Store) CancelActivity(ctx context.Context, community, id, reason string, audit *ll.AuditEntry) (signedUp []string, changed bool, err error) {
	if err := checkActivityID(community, id); err != nil {
		return nil, false, err
	}
	if err := checkFreeText("reason", reason, ll.MaxDescriptionLen, false); err != nil {
		return nil, false, err
	}
	aj, score := s.auditArgs(audit, community, time.Time{}, id, "")
	op := fmt.Sprintf("cancel activity %s/%s", community, id)
	st, rest, err := s.run(ctx, op, cancelActivityScript,
		[]string{s.k.act(community, id), s.k.signups(community, id), s.k.rot(community)}, s.k.base(community), reason, aj, score)
	switch {
	case err != nil:
		return nil, false, err
	case st == "noop":
		return nil, false, nil
	case st == "ok":
		return strs(rest, 0), true, nil
	}
	return nil, false, statusError(op, st, rest, map[string]string{"activity": id})
}

// SignUp adds the member to the activity's sign-ups at now in one script, one
// round trip. It checks, in order: the activity exists (ErrNotFound, Detail
// "activity"), the member exists (ErrNotFound, Detail "member") and is
// active (ErrNotMember), the member is not signed up already (then changed is
// false: a retry or a double tap), the activity is not cancelled (ErrConflict,
// Detail "cancelled") and has not ended at now (ErrConflict, Detail "ended"),
// and it has room (ErrFull; capacity 0 is unlimited). Redis runs the script
// atomically, so sign-ups never exceed the capacity under any concurrency. a
// has Signups filled in.
func (s *Store) SignUp(ctx context.Context, community, activityID, memberID string, now time.Time) (a ll.Activity, changed bool, err error) {
	if err := checkActivityMember(community, activityID, memberID); err != nil {
		return ll.Activity{}, false, err
	}
	op := fmt.Sprintf("sign up %s for %s/%s", memberID, community, activityID)
	st, rest, err := s.run(ctx, op, signUpScript,
		[]string{s.k.act(community, activityID), s.k.member(community, memberID), s.k.signups(community, activityID)},
		memberID, s.millis(now), s.k.base(community), activityID, ll.OfferCutoff.Milliseconds())
	if err != nil {
		return ll.Activity{}, false, err
	}
	if st != "ok" && st != "held" {
		return ll.Activity{}, false, ledgerError(op, st, rest, map[string]string{"activity": activityID, "member": memberID})
	}
	a, err = decodeActivity(community, activityID, fieldMap(rest, 0), num(rest, 1))
	return a, st == "ok", err
}

// Withdraw removes the member's sign-up; changed is false if there was none.
// ErrNotFound if the activity or member is unknown. One round trip. It is
// Release at the store's now: the seat freed is offered to the waitlist,
// and a member without a sign-up leaves the waitlist or passes an offer
// (changed false then).
func (s *Store) Withdraw(ctx context.Context, community, activityID, memberID string) (changed bool, err error) {
	if err := checkActivityMember(community, activityID, memberID); err != nil {
		return false, err
	}
	// The freed seat is offered in the same step (Release); the offer's
	// message goes with the next SweepOffers.
	r, err := s.Release(ctx, community, activityID, memberID, time.Time{})
	return r.Status == "withdrew", err
}

// SignedUp returns the ids of the members signed up for the activity, in
// sign-up order; ErrNotFound if the activity is unknown. One round trip.
func (s *Store) SignedUp(ctx context.Context, community, activityID string) ([]string, error) {
	if err := checkActivityID(community, activityID); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("sign-ups of %s/%s", community, activityID)
	st, rest, err := s.run(ctx, op, signedUpScript, []string{s.k.act(community, activityID), s.k.signups(community, activityID)})
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, map[string]string{"activity": activityID})
	}
	return strs(rest, 0), nil
}

// Attendance returns the participations in the activity that count (check-ins
// and manual entries, not voided ones), by member number: who a roster shows
// as present, and how. ErrNotFound if the activity is unknown. One round
// trip, reading only the activity's participants whatever the community's
// size. (Not part of the services' store interfaces: /roster can use it instead of
// CommunityLedger.)
func (s *Store) Attendance(ctx context.Context, community, activityID string) ([]ll.Participation, error) {
	if err := checkActivityID(community, activityID); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("attendance of %s/%s", community, activityID)
	st, rest, err := s.run(ctx, op, attendanceScript,
		[]string{s.k.act(community, activityID), s.k.attended(community, activityID)}, s.k.base(community), activityID)
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, map[string]string{"activity": activityID})
	}
	acts := map[string]activityInfo{activityID: {str(rest, 0), str(rest, 1)}}
	out := make([]ll.Participation, 0, len(rest)/2)
	for i := 2; i+1 < len(rest); i += 2 {
		p, err := decodePart(community, str(rest, i), activityID, str(rest, i+1), acts, "")
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b ll.Participation) int { return idNumber(a.Member) - idNumber(b.Member) })
	return out, nil
}

// WrongCodesLeft returns how many wrong check-in codes the member may still
// send before CheckIn refuses codes (see CheckIn), at now; an unknown member
// has them all. One round trip. It implements app.WrongCodeCounter.
func (s *Store) WrongCodesLeft(ctx context.Context, community, memberID string, now time.Time) (int, error) {
	if err := checkCommunity(community); err != nil {
		return 0, err
	}
	if !validID('M', memberID) {
		return 0, notFound("member", memberID)
	}
	if now.IsZero() {
		now = s.now()
	}
	return s.wrongCodesLeft(ctx, s.k.wrong(community, memberID), now)
}

// wrongCodesLeft counts the wrong codes of the last hour in the list key.
func (s *Store) wrongCodesLeft(ctx context.Context, key string, now time.Time) (int, error) {
	if now.IsZero() {
		now = s.now()
	}
	l, err := s.c.LRange(ctx, key, 0, ll.MaxWrongCodesPerHour-1).Result()
	if err != nil {
		return 0, s.wrap("wrong codes "+key, err)
	}
	left := ll.MaxWrongCodesPerHour
	for _, v := range l {
		if at, err := strconv.ParseInt(v, 10, 64); err == nil && at > now.UnixMilli()-time.Hour.Milliseconds() {
			left--
		}
	}
	return max(left, 0), nil
}

// PersonWrongCodesLeft is WrongCodesLeft for a person checking in through
// their membership (CheckInAs): the limit is counted by Telegram id, so
// leaving and rejoining the community changes nothing. One round trip. It
// implements app.WrongCodeCounter.
func (s *Store) PersonWrongCodesLeft(ctx context.Context, community string, tg int64, now time.Time) (int, error) {
	if err := checkCommunity(community); err != nil {
		return 0, err
	}
	if tg <= 0 {
		return 0, ll.Invalid("telegram_id", "not a telegram id")
	}
	return s.wrongCodesLeft(ctx, s.k.wrongTG(community, strconv.FormatInt(tg, 10)), now)
}

func checkActivityID(community, id string) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	if !validID('A', id) {
		return notFound("activity", id)
	}
	return nil
}

func checkActivityMember(community, activityID, memberID string) error {
	if err := checkActivityID(community, activityID); err != nil {
		return err
	}
	if !validID('M', memberID) {
		return notFound("member", memberID)
	}
	return nil
}

// ledgerError maps the failure statuses of the ledger's scripts to domain
// errors, and the others as statusError does. ids names the objects the call
// was about, by kind ("activity": "A7").
func ledgerError(op, st string, rest []any, ids map[string]string) error {
	d := str(rest, 0)
	switch st {
	case "conflict":
		var msg string
		switch d {
		case "cancelled":
			msg = fmt.Sprintf("activity %s is cancelled", ids["activity"])
		case "ended":
			msg = fmt.Sprintf("activity %s has ended", ids["activity"])
		case "not_open":
			msg = fmt.Sprintf("check-in to activity %s is not open now", ids["activity"])
		case "decided":
			msg = fmt.Sprintf("service record %s was already decided", ids["service"])
		}
		return refusal(op, ll.ECONFLICT, d, msg)
	case "forbidden":
		var msg string
		if d == "self" {
			msg = fmt.Sprintf("service record %s cannot be decided by its author", ids["service"])
		}
		return refusal(op, ll.EFORBIDDEN, d, msg)
	case "invalid":
		var msg string
		if d == "location" {
			msg = fmt.Sprintf("activity %s has no location to check in at", ids["activity"])
		}
		return refusal(op, ll.EINVALID, d, msg)
	case "full":
		return &ll.Error{Code: ll.EFULL, Detail: ll.ReasonActivity, Message: fmt.Sprintf("activity %s is full", ids["activity"])}
	}
	return statusError(op, st, rest, ids)
}
