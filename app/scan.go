package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// ScanStore is what Scans reads and writes.
type ScanStore interface {
	MemberReader
	// ScanKey returns the community's key that signs personal check-in
	// codes, installing fresh when it has none.
	ScanKey(ctx context.Context, community string, fresh []byte) ([]byte, error)
	// UseScanCode marks a code's nonce scanned; first is false when it was before.
	UseScanCode(ctx context.Context, community, nonce, activity string, expires, now time.Time) (first bool, err error)
	// ScanCheckIn checks a member in with method scan, by the organizer,
	// audited in the same step.
	ScanCheckIn(ctx context.Context, community, activityID, memberID, by string, now time.Time, audit *ll.AuditEntry) (ll.Activity, bool, error)
	// Activities returns all activities of a community, by start time.
	Activities(ctx context.Context, community string) ([]ll.Activity, error)
	// Team returns a team with its Leaders; ErrNotFound if unknown.
	Team(ctx context.Context, community, id string) (ll.Team, error)
	// Teams returns a community's teams with their Leaders.
	Teams(ctx context.Context, community string) ([]ll.Team, error)
	// Audit appends one entry to a community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
	// Community returns a community; ErrNotFound if unknown.
	Community(ctx context.Context, id string) (ll.Community, error)
	// LiaisonUnits returns the ids of the units tg is a liaison of.
	LiaisonUnits(ctx context.Context, tg int64) ([]string, error)
}

// ScanCodeTTL is how long a personal check-in code is good for: the
// member's page shows a new one before it runs out.
const ScanCodeTTL = time.Minute

// scanCodeSkew is how far ahead of the server's clock a code's expiry may
// lie (replicas' clocks differ a little); anything further was not issued
// here.
const scanCodeSkew = 5 * time.Second

// scanCodePrefix starts every personal check-in code (version 1).
const scanCodePrefix = "LLS1"

// Scans is check-in by scan (SPEC section 9): a member shows their personal
// check-in code (MyCode: a QR in the chat's /mycode and on the Mini App's
// page), an organizer reads it with the Mini App's scanner (Scan) and the
// member is checked in with method scan, the organizer as the verifier.
//
// A code names the community and the member id (never the Telegram id),
// when it expires (ScanCodeTTL after it was made) and a random nonce, signed
// with HMAC-SHA256 under a key of the community kept in the store (made by
// the first code; 128 bits of the MAC are kept). It is good for one scan: a
// forged, expired, reused or another community's code checks no one in.
//
// Decision (the specification is silent): the organizers are those who may
// present the activity (Presenter): the committee of its community, or a
// leader of its team; a scan works in every check-in mode (the organizer
// sees the member, so no code or place is needed) while check-in is open.
type Scans struct {
	store  ScanStore
	access *Access
	// keys caches the communities' signing keys, which never change once
	// made: a code costs no round trip for the key after the first.
	keys sync.Map // community -> []byte
}

// ScanCode is a member's personal check-in code.
type ScanCode struct {
	Code      string // the text of the QR code
	Community string
	Member    string // the member id
	Expires   time.Time
}

// MyCode returns a new personal check-in code of the actor's own active
// membership, good for ScanCodeTTL. ErrNotMember without one.
func (s *Scans) MyCode(ctx context.Context, ac Actor) (ScanCode, error) {
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return ScanCode{}, err
	}
	key, err := s.key(ctx, m.Community)
	if err != nil {
		return ScanCode{}, err
	}
	exp := ac.Now.Add(ScanCodeTTL).Truncate(time.Millisecond)
	nonce := base64.RawURLEncoding.EncodeToString(randomBytes(9))
	body := strings.Join([]string{scanCodePrefix, m.Community, m.ID, strconv.FormatInt(exp.UnixMilli(), 36), nonce}, ".")
	return ScanCode{Code: body + "." + scanMAC(key, body), Community: m.Community, Member: m.ID, Expires: exp}, nil
}

func scanMAC(key []byte, body string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// key returns the community's signing key, from the cache or the store.
func (s *Scans) key(ctx context.Context, community string) ([]byte, error) {
	if k, ok := s.keys.Load(community); ok {
		return k.([]byte), nil
	}
	k, err := s.store.ScanKey(ctx, community, randomBytes(32))
	if err != nil {
		return nil, err
	}
	s.keys.Store(community, k)
	return k, nil
}

// scanCode is a code's parts as read, before its signature is checked.
type scanCode struct {
	community, member, nonce, body, mac string
	expires                             time.Time
}

func parseScanCode(code string) (scanCode, bool) {
	parts := strings.Split(strings.TrimSpace(code), ".")
	if len(parts) != 6 || parts[0] != scanCodePrefix || !ll.ValidCommunityID(parts[1]) ||
		ll.NormalizeID('M', parts[2]) != parts[2] || len(parts[4]) != 12 {
		return scanCode{}, false
	}
	ms, err := strconv.ParseInt(parts[3], 36, 64)
	if err != nil || ms <= 0 {
		return scanCode{}, false
	}
	return scanCode{community: parts[1], member: parts[2], nonce: parts[4], mac: parts[5],
		body: strings.Join(parts[:5], "."), expires: time.UnixMilli(ms)}, true
}

// Scanned is the outcome of a scan.
type Scanned struct {
	Activity ll.Activity // without its code and secret
	Member   ll.Member   // who was checked in
	Changed  bool        // false: they were checked in before (a second scan)
}

// organizer is who scans: the committee (its Scope) or a team's leader.
type organizer struct {
	community string
	scope     *Scope     // the committee's
	leader    *ll.Member // a team leader's own member record
	ac        Actor
}

func (o organizer) name() string {
	if o.scope != nil {
		return o.scope.Actor
	}
	return o.leader.ID
}

func (o organizer) isPerson(m ll.Member) bool {
	if o.scope != nil {
		return o.scope.IsPerson(m)
	}
	return m.ID == o.leader.ID || (o.ac.TelegramID != 0 && m.TelegramID == o.ac.TelegramID)
}

func (o organizer) audit(action, object, detail string) *ll.AuditEntry {
	if o.scope != nil {
		return o.scope.Audit(action, object, detail)
	}
	sc := Scope{Community: ll.Community{ID: o.community}, Actor: o.leader.ID, Channel: o.ac.Channel, Now: o.ac.Now}
	return sc.Audit(action, object, detail)
}

// organizerOf decides whether the actor may scan for activity id: the
// committee of the community, or a member of their own community leading
// the activity's team (ErrForbidden otherwise; ErrNotFound for an unknown
// activity of a team leader's community).
func (s *Scans) organizerOf(ctx context.Context, ac Actor, id string) (organizer, error) {
	sc, err := s.access.Committee(ctx, ac)
	if err == nil {
		return organizer{community: sc.Community.ID, scope: &sc, ac: ac}, nil
	}
	if !errors.Is(err, ll.ErrForbidden) || ll.ErrorDetail(err) != "" {
		return organizer{}, err
	}
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return organizer{}, err
	}
	a, err := s.activity(ctx, m.Community, id)
	if err != nil {
		return organizer{}, err
	}
	if a.Team == "" {
		return organizer{}, ll.ErrForbidden
	}
	t, err := s.store.Team(ctx, m.Community, a.Team)
	if err != nil {
		return organizer{}, err
	}
	if !slices.Contains(t.Leaders, m.ID) {
		return organizer{}, ll.ErrForbidden
	}
	return organizer{community: m.Community, leader: m, ac: ac}, nil
}

func (s *Scans) activity(ctx context.Context, community, id string) (ll.Activity, error) {
	all, err := s.store.Activities(ctx, community)
	if err != nil {
		return ll.Activity{}, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, nil
		}
	}
	return ll.Activity{}, &ll.Error{Code: ll.ENOTFOUND, Detail: "activity", Message: "activity " + id + " not found"}
}

// Scan checks in the member whose personal check-in code an organizer of
// activity id scanned (see Scans for who organizes), with method scan and
// the organizer as the verifier, audited as "scan" on the activity with the
// member's id (and the web app named). A second scan of the same member
// (with a new code) changes nothing: Changed false. Errors: those of
// organizerOf; EFORBIDDEN ReasonScanCommunity for a code of another
// community; EINVALID ReasonScanCode for anything not a code signed with
// the community's key (forged, altered, not a code); ECONFLICT
// ReasonScanExpired once it has expired, ReasonScanUsed when it was
// scanned before (each code is good for one scan); ENOTFOUND for a member
// who is no more; EFORBIDDEN ReasonOwnEntry for the organizer's own code
// (audited as "refused"); then the check-in's: ENOTMEMBER (not active),
// ECONFLICT ReasonNotOpen, ReasonCancelled or ReasonVoided, ENOTFOUND.
func (s *Scans) Scan(ctx context.Context, ac Actor, activityID, code string) (Scanned, error) {
	activityID = ll.NormalizeID('A', activityID)
	o, err := s.organizerOf(ctx, ac, activityID)
	if err != nil {
		return Scanned{}, err
	}
	c, ok := parseScanCode(code)
	switch {
	case !ok:
		return Scanned{}, ll.Refuse(ll.EINVALID, ll.ReasonScanCode)
	case c.community != o.community:
		return Scanned{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonScanCommunity)
	}
	key, err := s.key(ctx, o.community)
	if err != nil {
		return Scanned{}, err
	}
	switch {
	case !hmac.Equal([]byte(scanMAC(key, c.body)), []byte(c.mac)):
		return Scanned{}, ll.Refuse(ll.EINVALID, ll.ReasonScanCode)
	case c.expires.After(ac.Now.Add(ScanCodeTTL + scanCodeSkew)):
		return Scanned{}, ll.Refuse(ll.EINVALID, ll.ReasonScanCode) // not made by MyCode
	case !ac.Now.Before(c.expires):
		return Scanned{}, ll.Refuse(ll.ECONFLICT, ll.ReasonScanExpired)
	}
	m, err := s.store.Member(ctx, o.community, c.member)
	if err != nil {
		return Scanned{}, err
	}
	if o.isPerson(m) {
		if aerr := s.store.Audit(ctx, *o.audit("refused", activityID, "scan "+m.ID+": self")); aerr != nil {
			return Scanned{}, aerr
		}
		return Scanned{}, errSelf
	}
	first, err := s.store.UseScanCode(ctx, o.community, c.nonce, activityID, c.expires, ac.Now)
	if err != nil {
		return Scanned{}, err
	}
	if !first {
		return Scanned{}, ll.Refuse(ll.ECONFLICT, ll.ReasonScanUsed)
	}
	a, changed, err := s.store.ScanCheckIn(ctx, o.community, activityID, m.ID, o.name(), ac.Now, o.audit("scan", activityID, m.ID))
	return Scanned{Activity: memberView(a), Member: m, Changed: changed}, err
}

// Scannable returns the community and the activities the actor may scan
// for now or later today: not cancelled, check-in open now or opening
// within 12 hours, of the committee's community, or of the teams the actor
// leads. ErrForbidden for a member who is neither on the committee nor
// leads a team; ErrNotMember for someone who is no member.
func (s *Scans) Scannable(ctx context.Context, ac Actor) (ll.Community, []ll.Activity, error) {
	var comm ll.Community
	var leads func(team string) (bool, error)
	if sc, err := s.access.Committee(ctx, ac); err == nil {
		comm = sc.Community
		leads = func(string) (bool, error) { return true, nil }
	} else if !errors.Is(err, ll.ErrForbidden) || ll.ErrorDetail(err) != "" {
		return ll.Community{}, nil, err
	} else {
		m, err := self(ctx, s.store, ac)
		if err != nil {
			return ll.Community{}, nil, err
		}
		if comm, err = s.store.Community(ctx, m.Community); err != nil {
			return ll.Community{}, nil, err
		}
		teams, err := s.store.Teams(ctx, m.Community)
		if err != nil {
			return ll.Community{}, nil, err
		}
		led := map[string]bool{}
		for _, t := range teams {
			if slices.Contains(t.Leaders, m.ID) {
				led[t.ID] = true
			}
		}
		if len(led) == 0 {
			return ll.Community{}, nil, ll.ErrForbidden // neither the committee nor a team's leader
		}
		leads = func(team string) (bool, error) { return led[team], nil }
	}
	all, err := s.store.Activities(ctx, comm.ID)
	if err != nil {
		return ll.Community{}, nil, err
	}
	out := []ll.Activity{}
	for _, a := range all {
		opens, closes := a.CheckInWindow()
		if a.Cancelled || ac.Now.After(closes) || opens.After(ac.Now.Add(12*time.Hour)) {
			continue
		}
		ok, err := leads(a.Team)
		if err != nil {
			return ll.Community{}, nil, err
		}
		if ok {
			out = append(out, memberView(a))
		}
	}
	return comm, out, nil
}
