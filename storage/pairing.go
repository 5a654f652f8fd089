package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// A claim of a paired post waits for a committee member's confirmation (SPEC
// §9, pairing targets are safeguarded): RequestClaimAs records it in
// pclaim:<P> (keys.go), DecideClaim turns it into a hold or drops it. The
// requester is not a holder until then, so nothing that shows a target to
// holders shows it to them.

func init() { allScripts = append(allScripts, requestClaimScript, decideClaimScript) }

// KEYS: posts, member, holders, pending claims. ARGV: post id, member id,
// now, the caller's telegram id. Answers ok or noop (already waiting) or
// held, with the post's JSON and holder count; or closed, full, notfound,
// notmember, or conflict not_paired.
var requestClaimScript = ledgerScript(`
local e = caller(KEYS[2], ARGV[4])
if e then return e end
local pj = redis.call('HGET', KEYS[1], ARGV[1])
if not pj then return {'notfound', 'post'} end
local n = redis.call('ZCARD', KEYS[3])
if redis.call('ZSCORE', KEYS[3], ARGV[2]) then return {'held', pj, n} end
local p = cjson.decode(pj)
if p.mode ~= 'paired' then return {'conflict', 'not_paired'} end
if p.closed == true then return {'closed'} end
local cap = tonumber(p.capacity) or 0
if cap > 0 and n >= cap then return {'full'} end
if redis.call('HSETNX', KEYS[4], ARGV[2], ARGV[3]) == 0 then return {'noop', pj, n} end
return {'ok', pj, n}
`)

// KEYS: posts, member, holders, claims, pending claims. ARGV: b, post id,
// member id, now, "1" to confirm, by, audit, score. Answers ok (with the
// post's JSON and holder count) or noop (already a holder); or notfound
// claim (no claim waiting), forbidden self (by is the claimer's person),
// closed, full (the claim keeps waiting), notmember (the claim is dropped).
var decideClaimScript = ledgerScript(`
local b, pid, mid = ARGV[1], ARGV[2], ARGV[3]
local pj = redis.call('HGET', KEYS[1], pid)
if not pj then return {'notfound', 'post'} end
local n = redis.call('ZCARD', KEYS[3])
if redis.call('HEXISTS', KEYS[5], mid) == 0 then
  if redis.call('ZSCORE', KEYS[3], mid) then return {'noop', pj, n} end
  return {'notfound', 'claim'}
end
if samePerson(b, mid, ARGV[6]) then return {'forbidden', 'self'} end
if ARGV[5] ~= '1' then
  redis.call('HDEL', KEYS[5], mid)
  audit(b, ARGV[7], ARGV[8])
  return {'ok', pj, n}
end
if redis.call('HGET', KEYS[2], 'status') ~= 'active' then
  redis.call('HDEL', KEYS[5], mid)
  return {'notmember'}
end
local p = cjson.decode(pj)
if p.closed == true then return {'closed'} end
local cap = tonumber(p.capacity) or 0
if cap > 0 and n >= cap then return {'full'} end
redis.call('HDEL', KEYS[5], mid)
if redis.call('ZADD', KEYS[3], ARGV[4], mid) == 1 then heldCounted(b, mid, 1) end
redis.call('RPUSH', KEYS[4], pid .. '|' .. ARGV[4] .. '|')
audit(b, ARGV[7], ARGV[8])
return {'ok', pj, n + 1}
`)

// RequestClaimAs asks, on behalf of user u (checked as ClaimAs checks it:
// ErrNotMember unless u's pointer names an active member that is u's), for a
// hold on the paired post postID, to be confirmed by a committee member. It
// records the request (changed) or finds it waiting already (not changed);
// held is true when the member holds the post already. p is the post with
// Claims filled in. Errors: ErrNotFound; ECONFLICT Detail "closed" or
// ReasonNotPaired (the post is not a paired one: claim it with ClaimAs);
// EFULL. One round trip.
func (s *Store) RequestClaimAs(ctx context.Context, u ll.User, postID string, now time.Time) (p ll.Post, changed, held bool, err error) {
	tg, err := callerID(u)
	if err != nil {
		return ll.Post{}, false, false, err
	}
	c := u.Community
	if err := s.checkClaimIDs(c, postID, u.MemberID); err != nil {
		return ll.Post{}, false, false, err
	}
	op := fmt.Sprintf("request claim of %s/%s for %s", c, postID, u.MemberID)
	st, rest, err := s.run(ctx, op, requestClaimScript,
		[]string{s.k.posts(c), s.k.member(c, u.MemberID), s.k.holders(c, postID), s.k.pendingClaims(c, postID)},
		postID, u.MemberID, s.millis(now), tg)
	if err != nil {
		return ll.Post{}, false, false, err
	}
	switch st {
	case "ok", "noop", "held":
		p, err = decodePost(c, str(rest, 0), num(rest, 1))
		return p, st == "ok", st == "held", err
	case "conflict":
		return ll.Post{}, false, false, refusal(op, ll.ECONFLICT, str(rest, 0), fmt.Sprintf("post %s is not a paired post", postID))
	}
	return ll.Post{}, false, false, statusError(op, st, rest, map[string]string{"post": postID, "member": u.MemberID})
}

// PendingClaims returns the members waiting for a confirmation of their
// claim of the post, with when they asked, oldest first. One round trip.
func (s *Store) PendingClaims(ctx context.Context, community, postID string) ([]ll.Claim, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	if !validID('P', postID) {
		return nil, notFound("post", postID)
	}
	h, err := s.c.HGetAll(ctx, s.k.pendingClaims(community, postID)).Result()
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("pending claims of %s/%s", community, postID), err)
	}
	out := make([]ll.Claim, 0, len(h))
	for m, at := range h {
		out = append(out, ll.Claim{Post: postID, Member: m, Claimed: fromMS(at)})
	}
	slices.SortFunc(out, func(a, b ll.Claim) int {
		if c := a.Claimed.Compare(b.Claimed); c != 0 {
			return c
		}
		return strings.Compare(a.Member, b.Member)
	})
	return out, nil
}

// DecideClaim confirms (the member then holds the post from now, as Claim
// records it) or declines the member's waiting claim of a paired post, by
// by, with its audit entry (Object defaults to the post id), in one script.
// changed is false when the member already holds it (a second confirmation).
// p is the post with Claims filled in. Errors: ErrNotFound (Detail "claim")
// when no claim of theirs waits; EFORBIDDEN Detail "self" when by is the
// claimer's person; on a confirmation ECONFLICT Detail "closed" and EFULL
// (the claim keeps waiting) and ErrNotMember (the member left: the claim is
// dropped).
func (s *Store) DecideClaim(ctx context.Context, community, postID, memberID string, confirm bool, by string, now time.Time, audit *ll.AuditEntry) (p ll.Post, changed bool, err error) {
	if err := s.checkClaimIDs(community, postID, memberID); err != nil {
		return ll.Post{}, false, err
	}
	if strings.TrimSpace(by) == "" {
		return ll.Post{}, false, ll.Invalid("by", "a confirmation needs who made it")
	}
	flag := "0"
	if confirm {
		flag = "1"
	}
	at := s.clock(now)
	aj, score := s.auditArgs(audit, community, msTime(at), postID, "")
	op := fmt.Sprintf("decide claim of %s/%s for %s", community, postID, memberID)
	keys := append(s.claimKeys(community, postID, memberID), s.k.pendingClaims(community, postID))
	st, rest, err := s.run(ctx, op, decideClaimScript, keys,
		s.k.base(community), postID, memberID, at, flag, by, aj, score)
	if err != nil {
		return ll.Post{}, false, err
	}
	switch st {
	case "ok", "noop":
		p, err = decodePost(community, str(rest, 0), num(rest, 1))
		return p, st == "ok", err
	case "forbidden":
		return ll.Post{}, false, refusal(op, ll.EFORBIDDEN, str(rest, 0), fmt.Sprintf("the claim of %s by %s cannot be decided by its claimer", postID, memberID))
	case "notfound":
		if str(rest, 0) == "claim" {
			return ll.Post{}, false, &ll.Error{Code: ll.ENOTFOUND, Detail: "claim", Message: fmt.Sprintf("no claim of %s by %s waits", postID, memberID)}
		}
	}
	return ll.Post{}, false, statusError(op, st, rest, map[string]string{"post": postID, "member": memberID})
}
