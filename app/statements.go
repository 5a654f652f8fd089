package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// StatementsStore is what Statements reads and writes.
type StatementsStore interface {
	MemberReader
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// Participations returns the member's participations (voided included).
	Participations(ctx context.Context, community, memberID string) ([]ll.Participation, error)
	// StatementKeys returns the signing keys, oldest first, and the current
	// key's id; with create set and no key yet, create becomes the first.
	StatementKeys(ctx context.Context, create []byte, now time.Time) ([]ll.StatementKey, string, error)
	// RotateStatementKey adds a key and makes it current; it returns its id.
	RotateStatementKey(ctx context.Context, key []byte, now time.Time) (string, error)
	// RetireStatementKey deletes a key that is not current: ErrNotFound,
	// ErrConflict (Detail "current").
	RetireStatementKey(ctx context.Context, id string) error
	// IssueStatement stores st as the member's latest statement of its
	// year, or returns that one when it has the same key, parts and grade;
	// audited; ErrNotMember unless the member is tg's and active.
	IssueStatement(ctx context.Context, tg int64, st ll.Statement, now time.Time, audit *ll.AuditEntry) (ll.Statement, error)
	// Statement returns one statement; ErrNotFound if unknown.
	Statement(ctx context.Context, community, id string) (ll.Statement, error)
}

// GradeSource gives a member's year-end grade (SPEC section 11, 社区评价):
// value is one of excellent, good, fair, poor; at is when it was given; ok
// is false when the member has no grade for year. The evaluations service
// implements it; Statements works without one (no grades).
type GradeSource interface {
	Grade(ctx context.Context, community, memberID string, year int) (value, comment string, at time.Time, ok bool, err error)
}

// Statements issues members' verifiable statements of a year (SPEC section
// 11: /statement) and verifies them for the public page. A statement's
// token names the community, the signing key, a random statement id and
// an HMAC-SHA256 signature: it cannot be guessed or enumerated, names no
// Telegram id, and a forged or altered one is refused before any lookup of
// the statement.
//
// Set the exported fields before the first call; they are read, never
// written, by the service.
type Statements struct {
	store StatementsStore
	// Grades gives the year's grade shown on the statement; nil: no grades.
	Grades GradeSource
	// PublicURL is the base of the verify links (LAMPLIGHTER_PUBLIC_URL):
	// a statement's URL is PublicURL + "/verify/" + token. Empty: online
	// verification is not configured; statements are issued all the same.
	PublicURL string
}

// Token format: <community>.<key id>.<id>.<signature>, the id 9 random
// bytes and the signature the first 12 bytes of the HMAC, both base64url
// without padding: 72 bits that cannot be guessed, 96 bits of signature,
// and a token of about 40 characters, which keeps the QR code small.
const (
	statementIDBytes  = 9
	statementSigBytes = 12
	statementKeyBytes = 32
)

var b64 = base64.RawURLEncoding

// statementIDLen and statementSigLen are the encoded lengths.
var (
	statementIDLen  = b64.EncodedLen(statementIDBytes)
	statementSigLen = b64.EncodedLen(statementSigBytes)
)

// errBadToken refuses a token that is malformed, altered, forged or
// signed with a retired key: nothing says which.
var errBadToken = ll.Invalid("token", "not a valid statement token")

// IssuedStatement is a statement as /statement sends it: the facts, the
// token and its verify URL ("" without a PublicURL), and what the
// certificate prints besides (the member's name and unit, the community).
type IssuedStatement struct {
	Statement ll.Statement
	Token     string
	URL       string
	Member    ll.Member
	Community ll.Community
}

// Issue issues the actor's own statement of a typed year (the current year
// in the community's zone when empty): the participations that count in
// that year, by kind and method, and the grade when Grades gives one,
// signed with the current key (made on first use). Asking again while the
// facts and the key are unchanged gives the same statement (same token,
// first issue date); after a change it is a new one, and the old one reads
// superseded. Audited as "statement" on the member with "<year> <id>".
// Errors: ErrNotMember; EINVALID Field "year" for a year that is not a year,
// is in the future or before the member joined; the grade source's; the
// store's.
func (s *Statements) Issue(ctx context.Context, a Actor, typedYear string) (IssuedStatement, error) {
	me, err := self(ctx, s.store, a)
	if err != nil {
		return IssuedStatement{}, err
	}
	comm, err := s.store.Community(ctx, me.Community)
	if err != nil {
		return IssuedStatement{}, err
	}
	loc := comm.Location()
	year, err := ParseYear(typedYear, a.Now.In(loc))
	if err != nil {
		return IssuedStatement{}, err
	}
	if !me.Joined.IsZero() && year < me.Joined.In(loc).Year() {
		return IssuedStatement{}, ll.Invalid("year", "the member joined in %d", me.Joined.In(loc).Year())
	}
	ps, err := s.store.Participations(ctx, comm.ID, me.ID)
	if err != nil {
		return IssuedStatement{}, err
	}
	grade, _, err := s.grade(ctx, comm.ID, me.ID, year)
	if err != nil {
		return IssuedStatement{}, err
	}
	keys, current, err := s.store.StatementKeys(ctx, randomBytes(statementKeyBytes), a.Now)
	if err != nil {
		return IssuedStatement{}, err
	}
	key := findKey(keys, current)
	if key == nil {
		return IssuedStatement{}, fmt.Errorf("statement of %s/%s: current key %q is missing", comm.ID, me.ID, current)
	}
	st := ll.Statement{
		ID: b64.EncodeToString(randomBytes(statementIDBytes)), KeyID: current,
		Community: comm.ID, Member: me.ID, Year: year,
		Parts: ll.StatementPartsOf(ps, year), Grade: grade,
	}
	audit := &ll.AuditEntry{Time: a.Now, Community: comm.ID, Actor: me.ID, Action: "statement", Object: me.ID}
	st, err = s.store.IssueStatement(ctx, a.TelegramID, st, a.Now, audit)
	if err != nil {
		return IssuedStatement{}, err
	}
	out := IssuedStatement{Statement: st, Token: statementToken(key.Key, st), Member: *me, Community: comm}
	if s.PublicURL != "" {
		out.URL = VerifyURL(s.PublicURL, out.Token)
	}
	return out, nil
}

// VerifyURL is the verify page of token under the public base URL.
func VerifyURL(base, token string) string {
	return strings.TrimSuffix(base, "/") + "/verify/" + token
}

// grade is the year's grade from Grades ("" when none or without Grades).
func (s *Statements) grade(ctx context.Context, community, memberID string, year int) (string, time.Time, error) {
	if s.Grades == nil {
		return "", time.Time{}, nil
	}
	v, _, at, ok, err := s.Grades.Grade(ctx, community, memberID, year)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("grade of %s/%s for %d: %w", community, memberID, year, err)
	}
	if !ok {
		return "", at, nil
	}
	return v, at, nil
}

// Verification is what the public verify page may show of a statement:
// its facts as issued, whether they still hold, and the member's name
// masked (ll.MaskName). It holds no Telegram id, unit or full name.
type Verification struct {
	Statement ll.Statement
	// Status is ll.StatementValid, ll.StatementSuperseded or
	// ll.StatementWithdrawn.
	Status string
	// Since is when it was superseded (the void, or the new grade), zero
	// when valid, withdrawn or not known.
	Since time.Time
	// Name is the member's name masked; "" once withdrawn.
	Name string
	// CommunityName, CommunityLanguage and CommunityZone describe the
	// community (its name, language and time zone for the dates).
	CommunityName     string
	CommunityLanguage string
	CommunityZone     *time.Location
}

// Verify checks a statement token as the public page does, at now: the
// signature (with any key not retired), then the statement, then whether
// its facts still hold: withdrawn when the member was forgotten;
// superseded when a participation behind it no longer counts as it did
// (voided, or counted by another method) or the grade is not the one it
// states (changed, or withdrawn); valid otherwise. Participations added
// since do not supersede it: what it states is still true. Errors: EINVALID
// Field "token" for a malformed, altered or forged token or one signed
// with a retired key; ENOTFOUND Detail "statement" for a well-signed token
// of a statement that is not stored (its community's data is gone); the
// store's and the grade source's.
func (s *Statements) Verify(ctx context.Context, token string) (Verification, error) {
	community, kid, id, sig, ok := parseStatementToken(token)
	if !ok {
		return Verification{}, errBadToken
	}
	keys, _, err := s.store.StatementKeys(ctx, nil, time.Time{})
	if err != nil {
		return Verification{}, err
	}
	key := findKey(keys, kid)
	if key == nil || !hmac.Equal([]byte(sig), []byte(statementSig(key.Key, community, kid, id))) {
		return Verification{}, errBadToken
	}
	st, err := s.store.Statement(ctx, community, id)
	if ll.ErrorCode(err) == ll.ENOTFOUND {
		return Verification{}, &ll.Error{Code: ll.ENOTFOUND, Detail: "statement", Message: "no such statement"}
	}
	if err != nil {
		return Verification{}, err
	}
	if st.KeyID != kid { // a stored statement is signed by the key it names
		return Verification{}, errBadToken
	}
	comm, err := s.store.Community(ctx, community)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Statement: st, Status: ll.StatementValid, CommunityName: comm.Name, CommunityLanguage: comm.Language, CommunityZone: comm.Location()}
	m, err := s.store.Member(ctx, community, st.Member)
	if err != nil {
		return Verification{}, err
	}
	if m.Status == ll.StatusForgotten {
		v.Status = ll.StatementWithdrawn
		return v, nil
	}
	v.Name = ll.MaskName(m.Name)
	ps, err := s.store.Participations(ctx, community, st.Member)
	if err != nil {
		return Verification{}, err
	}
	var changes []time.Time
	changed := false
	now := ll.StatementPartsOf(ps, st.Year)
	for _, p := range st.Parts {
		if slices.Contains(now, p) {
			continue
		}
		changed = true
		for i := range ps {
			if ps[i].Ref == p.Ref && ps[i].Voided && !ps[i].VoidedAt.IsZero() && !ps[i].VoidedAt.Before(st.Issued) {
				changes = append(changes, ps[i].VoidedAt)
			}
		}
	}
	if s.Grades != nil {
		g, at, err := s.grade(ctx, community, st.Member, st.Year)
		if err != nil {
			return Verification{}, err
		}
		if g != st.Grade {
			changed = true
			if !at.IsZero() && !at.Before(st.Issued) {
				changes = append(changes, at)
			}
		}
	}
	if changed {
		v.Status = ll.StatementSuperseded
		if len(changes) > 0 {
			v.Since = slices.MinFunc(changes, func(a, b time.Time) int { return a.Compare(b) })
		}
	}
	return v, nil
}

// RotateKey makes a new signing key current (lamplighter statements
// rotate-key): new statements are signed with it; the statements signed
// with older keys still verify until those keys are retired. It returns
// the new key's id.
func (s *Statements) RotateKey(ctx context.Context, now time.Time) (string, error) {
	return s.store.RotateStatementKey(ctx, randomBytes(statementKeyBytes), now)
}

// RetireKey deletes an old signing key (lamplighter statements retire-key):
// every statement it signed is refused from then on, as a forged one is.
// Errors: ENOTFOUND for an unknown key; ECONFLICT Detail "current" for the
// current key (rotate first).
func (s *Statements) RetireKey(ctx context.Context, id string) error {
	return s.store.RetireStatementKey(ctx, id)
}

// Keys lists the signing keys (ids and dates; the key bytes are left out)
// and the current one's id.
func (s *Statements) Keys(ctx context.Context) ([]ll.StatementKey, string, error) {
	keys, current, err := s.store.StatementKeys(ctx, nil, time.Time{})
	for i := range keys {
		keys[i].Key = nil
	}
	return keys, current, err
}

// statementToken is the token of st signed with key.
func statementToken(key []byte, st ll.Statement) string {
	return st.Community + "." + st.KeyID + "." + st.ID + "." + statementSig(key, st.Community, st.KeyID, st.ID)
}

// statementSig is the token's signature: HMAC-SHA256 under key of the
// community, key id and statement id, its first statementSigBytes bytes.
func statementSig(key []byte, community, kid, id string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("lamplighter statement v1\n" + community + "\n" + kid + "\n" + id))
	return b64.EncodeToString(mac.Sum(nil)[:statementSigBytes])
}

// parseStatementToken splits a token into its parts; ok is false unless
// each part has its form.
func parseStatementToken(t string) (community, kid, id, sig string, ok bool) {
	parts := strings.Split(t, ".")
	if len(parts) != 4 {
		return "", "", "", "", false
	}
	community, kid, id, sig = parts[0], parts[1], parts[2], parts[3]
	if !ll.ValidCommunityID(community) || len(id) != statementIDLen || len(sig) != statementSigLen {
		return "", "", "", "", false
	}
	if n, err := strconv.Atoi(kid); err != nil || n < 1 || strconv.Itoa(n) != kid {
		return "", "", "", "", false
	}
	if _, err := b64.DecodeString(id); err != nil {
		return "", "", "", "", false
	}
	if _, err := b64.DecodeString(sig); err != nil {
		return "", "", "", "", false
	}
	return community, kid, id, sig, true
}

// findKey returns the key with id, nil if there is none.
func findKey(keys []ll.StatementKey, id string) *ll.StatementKey {
	for i := range keys {
		if keys[i].ID == id {
			return &keys[i]
		}
	}
	return nil
}

// randomBytes returns n bytes from crypto/rand (which never fails on the
// platforms Go supports).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// evaluationGrades gives Statements the year-end grades of Evaluations
// (app.New wires it): the grade's value and comment, and when it was set,
// so a statement is superseded from the day its grade changed.
type evaluationGrades struct{ e *Evaluations }

func (g evaluationGrades) Grade(ctx context.Context, community, memberID string, year int) (string, string, time.Time, bool, error) {
	gr, ok, err := g.e.Grade(ctx, community, memberID, year)
	if err != nil || !ok {
		return "", "", time.Time{}, false, err
	}
	return gr.Value, gr.Comment, gr.At, true, nil
}
