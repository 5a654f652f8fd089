package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// encodePost is the stored JSON of p, without the fields storage fills in.
func encodePost(p ll.Post) (string, error) {
	p.Community, p.Claims = "", 0
	b, err := json.Marshal(p)
	return string(b), err
}

// decodePost reads a stored post and fills in its community and claims.
func decodePost(community, j string, claims int64) (ll.Post, error) {
	var p ll.Post
	if err := json.Unmarshal([]byte(j), &p); err != nil {
		return ll.Post{}, fmt.Errorf("post in %s: %w", community, err)
	}
	p.Community, p.Claims = community, int(claims)
	return p, nil
}

// CreatePost stores a new post with the next id P<n> (allocated in the same
// script) and its audit entry (Object defaults to the new id), and returns
// it. ErrNotFound if the community does not exist; EINVALID if p does not
// validate. Created is set when zero.
func (s *Store) CreatePost(ctx context.Context, p ll.Post, audit *ll.AuditEntry) (ll.Post, error) {
	c := p.Community
	if err := checkCommunity(c); err != nil {
		return ll.Post{}, err
	}
	if err := p.Validate(); err != nil {
		return ll.Post{}, err
	}
	if p.Created.IsZero() {
		p.Created = s.now()
	}
	p.ID = newID
	j, err := encodePost(p)
	if err != nil {
		return ll.Post{}, fmt.Errorf("create post in %s: %w", c, err)
	}
	a, score := s.auditArgs(audit, c, p.Created, newID, "")
	op := "create post in " + c
	st, rest, err := s.run(ctx, op, createPostScript, []string{s.k.community(c), s.k.posts(c), s.k.seq(c)},
		s.k.base(c), j, a, score)
	if err != nil {
		return ll.Post{}, err
	}
	if st != "ok" {
		return ll.Post{}, statusError(op, st, rest, map[string]string{"community": c})
	}
	p.ID, p.Claims = str(rest, 0), 0
	return p, nil
}

// Post returns a post with Claims (current holders) filled in; ErrNotFound if
// unknown. One round trip.
func (s *Store) Post(ctx context.Context, community, id string) (ll.Post, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Post{}, err
	}
	if !validID('P', id) {
		return ll.Post{}, notFound("post", id)
	}
	op := fmt.Sprintf("post %s/%s", community, id)
	st, rest, err := s.run(ctx, op, postScript, []string{s.k.posts(community), s.k.holders(community, id)}, id)
	if err != nil {
		return ll.Post{}, err
	}
	if st != "ok" {
		return ll.Post{}, statusError(op, st, rest, map[string]string{"post": id})
	}
	return decodePost(community, str(rest, 0), num(rest, 1))
}

// Posts returns all posts of a community (open and closed) with Claims filled
// in, by id order; an unknown community has none. One round trip.
func (s *Store) Posts(ctx context.Context, community string) ([]ll.Post, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "posts of " + community
	st, rest, err := s.run(ctx, op, postsScript, []string{s.k.posts(community)}, s.k.base(community))
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, nil)
	}
	out := make([]ll.Post, 0, len(rest)/2)
	for i := 0; i+1 < len(rest); i += 2 {
		p, err := decodePost(community, str(rest, i), num(rest, i+1))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b ll.Post) int { return idNumber(a.ID) - idNumber(b.ID) })
	return out, nil
}

// SavePost replaces an existing post's fields (not its claims, not Created
// when p.Created is zero) with its audit entry. Lowering the capacity below
// the current holders keeps them and lets no one else claim. ErrNotFound if
// the post does not exist; EINVALID if p does not validate.
func (s *Store) SavePost(ctx context.Context, p ll.Post, audit *ll.AuditEntry) error {
	c := p.Community
	if err := checkCommunity(c); err != nil {
		return err
	}
	if !validID('P', p.ID) {
		return notFound("post", p.ID)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Created.IsZero() {
		old, err := s.Post(ctx, c, p.ID)
		if err != nil {
			return err
		}
		p.Created = old.Created
	}
	j, err := encodePost(p)
	if err != nil {
		return fmt.Errorf("save post %s/%s: %w", c, p.ID, err)
	}
	a, score := s.auditArgs(audit, c, time.Time{}, p.ID, "")
	op := fmt.Sprintf("save post %s/%s", c, p.ID)
	st, rest, err := s.run(ctx, op, savePostScript, []string{s.k.posts(c)}, s.k.base(c), p.ID, j, a, score)
	if err != nil || st == "ok" {
		return err
	}
	return statusError(op, st, rest, map[string]string{"post": p.ID})
}

// Claim gives the member a hold on the post at now in one script, one round
// trip. It checks, in order: the post exists (ErrNotFound, Detail "post"), the
// member exists (ErrNotFound, Detail "member") and is active (ErrNotMember),
// the member does not hold it already (then changed is false: a retry or a
// double tap), the post is open (ErrConflict, Detail "closed") and has room
// (ErrFull; capacity 0 is unlimited). Redis runs the script atomically, so
// the post never exceeds its capacity under any concurrency. The claim is
// recorded with its time in the member's claim history. p has Claims filled in.
func (s *Store) Claim(ctx context.Context, community, postID, memberID string, now time.Time) (p ll.Post, changed bool, err error) {
	return s.claim(ctx, community, postID, memberID, "", now)
}

// ClaimAs is Claim for the member that user u's membership pointer names
// (u.Community, u.MemberID), on behalf of u: in the same script, one round
// trip, it checks first that this member is active and is Telegram user
// u.TelegramID's, and answers ErrNotMember otherwise (no member there, one
// who left or was forgotten, or another user's: a stale pointer never acts
// for someone else). The member is then marked reachable, as a user who
// writes to the bot again is. A paired post is not claimed so: its claims
// wait for a committee member's confirmation (ECONFLICT Detail "awaiting";
// RequestClaimAs, DecideClaim), unless the member holds it already. Other
// errors and results as for Claim.
func (s *Store) ClaimAs(ctx context.Context, u ll.User, postID string, now time.Time) (p ll.Post, changed bool, err error) {
	tg, err := callerID(u)
	if err != nil {
		return ll.Post{}, false, err
	}
	return s.claim(ctx, u.Community, postID, u.MemberID, tg, now)
}

// claim runs the claim script; tg is the caller's telegram id, or "" when
// no caller is checked.
func (s *Store) claim(ctx context.Context, community, postID, memberID, tg string, now time.Time) (p ll.Post, changed bool, err error) {
	if err := s.checkClaimIDs(community, postID, memberID); err != nil {
		return ll.Post{}, false, err
	}
	op := fmt.Sprintf("claim %s/%s for %s", community, postID, memberID)
	st, rest, err := s.run(ctx, op, claimScript, s.claimKeys(community, postID, memberID), postID, memberID, s.millis(now), tg)
	if err != nil {
		return ll.Post{}, false, err
	}
	if st == "conflict" {
		return ll.Post{}, false, refusal(op, ll.ECONFLICT, str(rest, 0), fmt.Sprintf("a claim of the paired post %s waits for a confirmation", postID))
	}
	if st != "ok" && st != "held" {
		return ll.Post{}, false, statusError(op, st, rest, map[string]string{"post": postID, "member": memberID})
	}
	p, err = decodePost(community, str(rest, 0), num(rest, 1))
	return p, st == "ok", err
}

// Unclaim releases the member's hold on the post at now, keeping the claim in
// the history with its release time; changed is false if they held none.
// ErrNotFound if the post or the member is unknown. One round trip.
func (s *Store) Unclaim(ctx context.Context, community, postID, memberID string, now time.Time) (changed bool, err error) {
	return s.unclaim(ctx, community, postID, memberID, "", now)
}

// UnclaimAs is Unclaim for the member that user u's membership pointer
// names, on behalf of u, checked as ClaimAs checks it (ErrNotMember unless
// that member is active and u's), in the same script: one round trip.
func (s *Store) UnclaimAs(ctx context.Context, u ll.User, postID string, now time.Time) (changed bool, err error) {
	tg, err := callerID(u)
	if err != nil {
		return false, err
	}
	return s.unclaim(ctx, u.Community, postID, u.MemberID, tg, now)
}

func (s *Store) unclaim(ctx context.Context, community, postID, memberID, tg string, now time.Time) (changed bool, err error) {
	if err := s.checkClaimIDs(community, postID, memberID); err != nil {
		return false, err
	}
	op := fmt.Sprintf("unclaim %s/%s for %s", community, postID, memberID)
	lo, hi := yearInterior(msTime(s.clock(now)))
	st, rest, err := s.run(ctx, op, unclaimScript, s.claimKeys(community, postID, memberID), postID, memberID, s.millis(now), tg,
		ReleasedClaimsKept, lo.UnixMilli(), hi.UnixMilli())
	return changedResult(op, st, rest, err, map[string]string{"post": postID, "member": memberID})
}

// ReleasedClaimsKept bounds a member's claim history (SPEC §9, bounded per
// person): an unclaim keeps the newest ReleasedClaimsKept released claims
// that no total counts (claimed and released within one year, in every time
// zone) and drops older ones of those. A claim held across any year's end
// stays, so every year's totals (posts held at its end, or now) and every
// standing are unchanged; the history grows by at most this many entries a
// year, whatever one account does.
const ReleasedClaimsKept = 200

// yearInterior is the part of now's UTC year that lies inside the year in
// every time zone (UTC-12 to UTC+14): from 1 January 12:00 UTC to 31
// December 10:00 UTC. Before its start nothing is ever trimmed.
func yearInterior(now time.Time) (lo, hi time.Time) {
	y := now.UTC().Year()
	return time.Date(y, 1, 1, 12, 0, 0, 0, time.UTC), time.Date(y+1, 1, 1, -14, 0, 0, 0, time.UTC)
}

func (s *Store) checkClaimIDs(community, postID, memberID string) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	if !validID('P', postID) {
		return notFound("post", postID)
	}
	if !validID('M', memberID) {
		return notFound("member", memberID)
	}
	return nil
}

func (s *Store) claimKeys(community, postID, memberID string) []string {
	return []string{s.k.posts(community), s.k.member(community, memberID),
		s.k.holders(community, postID), s.k.claims(community, memberID)}
}

// ClaimsOf returns the member's claims, current and released, oldest first;
// ErrNotFound if the member is unknown. Times are kept to the millisecond.
func (s *Store) ClaimsOf(ctx context.Context, community, memberID string) ([]ll.Claim, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	if !validID('M', memberID) {
		return nil, notFound("member", memberID)
	}
	op := fmt.Sprintf("claims of %s/%s", community, memberID)
	st, rest, err := s.run(ctx, op, claimsOfScript,
		[]string{s.k.member(community, memberID), s.k.claims(community, memberID)})
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, map[string]string{"member": memberID})
	}
	l := strs(rest, 0)
	out := make([]ll.Claim, 0, len(l))
	for _, e := range l {
		f := strings.Split(e, "|")
		if len(f) != 3 {
			return nil, fmt.Errorf("%s: malformed entry %q", op, e)
		}
		out = append(out, ll.Claim{Post: f[0], Member: memberID, Claimed: fromMS(f[1]), Released: fromMS(f[2])})
	}
	slices.SortStableFunc(out, func(a, b ll.Claim) int { return a.Claimed.Compare(b.Claimed) })
	return out, nil
}

// Holders returns the current claims on a post, oldest first; ErrNotFound if
// the post is unknown.
func (s *Store) Holders(ctx context.Context, community, postID string) ([]ll.Claim, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	if !validID('P', postID) {
		return nil, notFound("post", postID)
	}
	op := fmt.Sprintf("holders of %s/%s", community, postID)
	st, rest, err := s.run(ctx, op, holdersScript, []string{s.k.posts(community), s.k.holders(community, postID)}, postID)
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, map[string]string{"post": postID})
	}
	l := strs(rest, 0)
	out := make([]ll.Claim, 0, len(l)/2)
	for i := 0; i+1 < len(l); i += 2 {
		out = append(out, ll.Claim{Post: postID, Member: l[i], Claimed: fromMS(scoreMS(l[i+1]))})
	}
	return out, nil
}

// scoreMS normalises a sorted-set score ("1.7e12" or "1700000000000") to
// integer milliseconds.
func scoreMS(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return ""
	}
	return strconv.FormatInt(int64(f), 10)
}
