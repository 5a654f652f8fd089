package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Waitlists, seat offers, confirmations and no-shows (SPEC section 10). The
// keys are in keys.go; every change is one script on the community's slot.
// The rule that keeps seats within the capacity: an activity's seats are
// its sign-ups plus its live offers (an offer holds its seat until it is
// taken, passed or expires), and while offers are still made (until
// ll.OfferCutoff before the start) the members waiting are owed the free
// seats before anyone new: signUpScript refuses a newcomer when sign-ups +
// offers + waiting ≥ capacity. Every script that frees a seat settles the
// activity in the same step (settle below), so it returns whom it offered
// a seat; SweepOffers settles every activity with a waitlist or an offer,
// for the offers that expire.

// waitlistPrelude is the Lua of waitlists, on top of the ledger's prelude.
var waitlistPrelude = `
local SUF_CF = '` + sufConfirmed + `'
local SUF_NOSHOWS = '` + sufNoShows + `'
local function wlkey(b, a) return b .. SUF_WL .. a end
local function offkey(b, a) return b .. SUF_OFF .. a end
local function cfkey(b, a) return b .. SUF_CF .. a end

-- offerExp is the expiry (unix ms) in an offer's value "<seq>:<expiry>".
local function offerExp(v) return tonumber(string.match(v, ':(%d+)$')) or 0 end

-- offerOut appends a live offer of activity aid to member mid to out:
-- activity, member, seq, expiry, telegram id, language.
local function offerOut(b, out, aid, mid, v)
  local seq = string.match(v, '^(%d+):')
  local m = redis.call('HMGET', mkey(b, mid), 'tg', 'lang')
  out[#out + 1] = aid; out[#out + 1] = mid; out[#out + 1] = seq; out[#out + 1] = tostring(offerExp(v))
  out[#out + 1] = m[1] or ''; out[#out + 1] = m[2] or ''
end

-- settle brings activity aid's offers up to date at now: the offers due by
-- now expire (their members are off the waitlist already), then each free
-- seat (capacity - sign-ups - live offers) goes to the first member
-- waiting who is still active and not signed up, as an offer until
-- min(now + window, start - cutoff); no offer is made from cutoff before
-- the start on. A cancelled, ended, removed or unlimited activity loses its
-- waitlist and offers. The activity stays in wlacts while it has a
-- waitlist or an offer. Every expiry and offer is audited (tpl, score; no
-- entry for tpl ''). It appends the offers made now to made (see offerOut).
local function settle(b, aid, now, window, cutoff, tpl, score, made)
  local ak, wk, ok = akey(b, aid), wlkey(b, aid), offkey(b, aid)
  local a = redis.call('HMGET', ak, 's', 'e', 'cap', 'cx')
  local cap = tonumber(a[3]) or 0
  if not a[1] or a[4] or cap == 0 or now > tonumber(a[2]) then
    redis.call('DEL', wk, ok)
    redis.call('ZREM', b .. SUF_WLACTS, aid)
    return
  end
  local offs = redis.call('HGETALL', ok)
  for i = 1, #offs, 2 do
    if offerExp(offs[i + 1]) <= now then
      redis.call('HDEL', ok, offs[i])
      audit(b, tpl, score, aid, 'offer to ' .. offs[i] .. ' expired')
    end
  end
  local start = tonumber(a[1])
  if now < start - cutoff then
    local exp = math.min(now + window, start - cutoff)
    local su = sukey(b, aid)
    local held = redis.call('ZCARD', su) + redis.call('HLEN', ok)
    while held < cap do
      local first = redis.call('ZPOPMIN', wk)
      if #first == 0 then break end
      local mid = first[1]
      if redis.call('HGET', mkey(b, mid), 'status') == 'active' and not redis.call('ZSCORE', su, mid) then
        local v = redis.call('HINCRBY', ak, 'oq', 1) .. ':' .. exp
        redis.call('HSET', ok, mid, v)
        offerOut(b, made, aid, mid, v)
        audit(b, tpl, score, aid, 'seat offered to ' .. mid)
        held = held + 1
      end
    end
  end
  if redis.call('EXISTS', wk) == 0 and redis.call('EXISTS', ok) == 0 then
    redis.call('ZREM', b .. SUF_WLACTS, aid)
  else
    redis.call('ZADD', b .. SUF_WLACTS, 0, aid)
  end
end

-- seats answers the activity's sign-ups and capacity.
local function seats(b, aid)
  return redis.call('ZCARD', sukey(b, aid)), tonumber(redis.call('HGET', akey(b, aid), 'cap')) or 0
end
`

func waitlistScript(body string) *redis.Script { return ledgerScript(waitlistPrelude + body) }

func init() {
	allScripts = append(allScripts, joinWaitlistScript, releaseScript, takeSeatScript, sweepOffersScript,
		confirmScript, waitStateScript, noShowsScript)
}

// Common ARGV of the scripts that settle: b, activity id, member id, now,
// window, cutoff, audit template (object {{id}}, detail {{detail}}), score.
// Answers: status, detail, sign-ups, capacity, then the offers made.

// KEYS: activity, member. Answers ok (joined) or held (on it already) with
// the position; signed (signed up already), offered (holds an offer), room
// (the activity has a seat for them: sign up instead), unlimited; or the
// ledger's refusals.
var joinWaitlistScript = waitlistScript(`
local b, aid, mid, now, cutoff = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[6])
local a = redis.call('HGETALL', KEYS[1])
if #a == 0 then return {'notfound', 'activity'} end
local st = redis.call('HGET', KEYS[2], 'status')
if not st then return {'notfound', 'member'} end
if st ~= 'active' then return {'notmember'} end
local f = fields(a)
local n, cap = seats(b, aid)
if redis.call('ZSCORE', sukey(b, aid), mid) then return {'signed', '', n, cap} end
if f.cx then return {'conflict', 'cancelled'} end
if now > tonumber(f.e) then return {'conflict', 'ended'} end
if cap == 0 then return {'unlimited', '', n, cap} end
local o = redis.call('HGET', offkey(b, aid), mid)
if o and offerExp(o) > now then return {'offered', '', n, cap} end
local wk = wlkey(b, aid)
local held = n + redis.call('HLEN', offkey(b, aid))
if now < tonumber(f.s) - cutoff then held = held + redis.call('ZCARD', wk) end
local r = redis.call('ZRANK', wk, mid)
if r then return {'held', tostring(r + 1), n, cap} end
if held < cap then return {'room', '', n, cap} end
redis.call('ZADD', wk, now, mid)
redis.call('ZADD', b .. SUF_WLACTS, 0, aid)
return {'ok', tostring(redis.call('ZRANK', wk, mid) + 1), n, cap}
`)

// KEYS: activity, member. ARGV: the common ones. Frees what the member
// holds: a sign-up (withdrew; their confirmation goes too), else an offer
// (passed), else a place on the waitlist (left); noop when none. The
// activity is settled after a sign-up or offer went.
var releaseScript = waitlistScript(`
local b, aid, mid, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'activity'} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'notfound', 'member'} end
local made, st = {}, 'noop'
if redis.call('ZREM', sukey(b, aid), mid) == 1 then
  redis.call('HDEL', cfkey(b, aid), mid)
  st = 'withdrew'
elseif redis.call('HDEL', offkey(b, aid), mid) == 1 then
  audit(b, ARGV[7], ARGV[8], aid, mid .. ' passed the seat offered')
  st = 'passed'
elseif redis.call('ZREM', wlkey(b, aid), mid) == 1 then
  st = 'left'
end
if st == 'withdrew' or st == 'passed' then
  settle(b, aid, now, tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8], made)
end
local n, cap = seats(b, aid)
local out = {st, '', n, cap}
for _, v in ipairs(made) do out[#out + 1] = v end
return out
`)

// KEYS: activity, member. ARGV: the common ones. Takes the seat offered to
// the member: ok, or held when signed up already; conflict no_offer when
// the member holds no live offer (it expired, was passed on, or never was),
// cancelled, ended; full when the capacity was lowered below the seats held
// (the offer goes). The activity is settled first, so an expired offer is
// passed on in the same step.
var takeSeatScript = waitlistScript(`
local b, aid, mid, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local a = redis.call('HGETALL', KEYS[1])
if #a == 0 then return {'notfound', 'activity'} end
local st = redis.call('HGET', KEYS[2], 'status')
if not st then return {'notfound', 'member'} end
if st ~= 'active' then return {'notmember'} end
local f = fields(a)
local su, ok = sukey(b, aid), offkey(b, aid)
local made = {}
local function answer(status, detail)
  local n, cap = seats(b, aid)
  local out = {status, detail, n, cap}
  for _, v in ipairs(made) do out[#out + 1] = v end
  return out
end
if redis.call('ZSCORE', su, mid) then return answer('held', '') end
if f.cx then return answer('conflict', 'cancelled') end
if now > tonumber(f.e) then return answer('conflict', 'ended') end
settle(b, aid, now, tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8], made)
if not redis.call('HGET', ok, mid) then return answer('conflict', 'no_offer') end
local cap = tonumber(f.cap) or 0
local n = redis.call('ZCARD', su)
redis.call('HDEL', ok, mid)
if cap > 0 and n + redis.call('HLEN', ok) >= cap then
  audit(b, ARGV[7], ARGV[8], aid, 'offer to ' .. mid .. ' withdrawn: the activity is full')
  return answer('full', '')
end
redis.call('ZADD', su, redis.call('HINCRBY', KEYS[1], 'q', 1), mid)
audit(b, ARGV[7], ARGV[8], aid, mid .. ' took the seat offered')
settle(b, aid, now, tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8], made)
return answer('ok', '')
`)

// KEYS: wlacts. ARGV: b, now, window, cutoff, audit template, score.
// Settles every activity with a waitlist or an offer and answers ok, the
// number of offers made now, then every live offer (see offerOut), the new
// ones first.
var sweepOffersScript = waitlistScript(`
local b, now = ARGV[1], tonumber(ARGV[2])
local made = {}
for _, aid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  settle(b, aid, now, tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], made)
end
local out = {'ok', #made / 6}
for _, v in ipairs(made) do out[#out + 1] = v end
local fresh = {}
for i = 1, #made, 6 do fresh[made[i] .. '/' .. made[i + 1]] = true end
for _, aid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local offs = redis.call('HGETALL', offkey(b, aid))
  for i = 1, #offs, 2 do
    if not fresh[aid .. '/' .. offs[i]] then offerOut(b, out, aid, offs[i], offs[i + 1]) end
  end
end
return out
`)

// KEYS: activity, member. ARGV: b, activity id, member id, now. Records that
// the member will come: ok, or held when recorded before; conflict
// not_signed_up, cancelled, ended.
var confirmScript = waitlistScript(`
local b, aid, mid, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local a = redis.call('HMGET', KEYS[1], 'e', 'cx')
if not a[1] then return {'notfound', 'activity'} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'notfound', 'member'} end
if a[2] then return {'conflict', 'cancelled'} end
if now > tonumber(a[1]) then return {'conflict', 'ended'} end
if not redis.call('ZSCORE', sukey(b, aid), mid) then return {'conflict', 'not_signed_up'} end
if redis.call('HSETNX', cfkey(b, aid), mid, now) == 0 then return {'held'} end
return {'ok'}
`)

// KEYS: activity. ARGV: b, activity id. Answers ok, the waiting members in
// order, the live offers (member, value pairs), the confirmations (member,
// unix ms pairs), and "1" when the no-shows were counted.
var waitStateScript = waitlistScript(`
local b, aid = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'activity'} end
return {'ok', redis.call('ZRANGE', wlkey(b, aid), 0, -1), redis.call('HGETALL', offkey(b, aid)),
  redis.call('HGETALL', cfkey(b, aid)), redis.call('HGET', KEYS[1], 'ns') or ''}
`)

// KEYS: activity, signups, attended. ARGV: b, activity id, now, audit
// template, score. Once the activity's check-in has closed, counts once
// each member signed up whose participation does not count as a no-show
// (noshows hash, +1) and marks the activity counted (field ns): ok with the
// members counted; noop when counted before or cancelled; early before the
// check-in closes.
var noShowsScript = waitlistScript(`
local b, aid, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local a = redis.call('HMGET', KEYS[1], 'e', 'cx', 'ns')
if not a[1] then return {'notfound', 'activity'} end
if a[3] or a[2] then return {'noop'} end
if now < tonumber(a[1]) + CLOSES_AFTER then return {'early'} end
redis.call('HSET', KEYS[1], 'ns', '1')
local out = {'ok'}
for _, mid in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local num = string.sub(mid, 2)
  if redis.call('SISMEMBER', KEYS[3], num) == 0 then
    redis.call('HINCRBY', b .. SUF_NOSHOWS, mid, 1)
    out[#out + 1] = mid
  end
end
if #out > 1 then audit(b, ARGV[4], ARGV[5], aid, 'no-shows: ' .. table.concat(out, ' ', 2)) end
return out
`)

// waitAudit is the audit template of the waitlist's automatic steps: by
// actor (a member id, or "system" for the scheduler's sweep), action
// "waitlist", object and detail filled in by the script.
func (s *Store) waitAudit(community, actor string, now time.Time) (string, int64) {
	return s.auditArgs(&ll.AuditEntry{Actor: actor, Action: "waitlist", Time: now}, community, now, "{{id}}", "{{detail}}")
}

// settleArgs are the common ARGV of the scripts that settle.
func (s *Store) settleArgs(community, activityID, memberID string, now time.Time) []any {
	tpl, score := s.waitAudit(community, memberID, now)
	return []any{s.k.base(community), activityID, memberID, now.UnixMilli(),
		ll.OfferWindow.Milliseconds(), ll.OfferCutoff.Milliseconds(), tpl, score}
}

// offers decodes the offers in r from i on (6 values each).
func offers(community string, r []any, i int) []ll.Offer {
	var out []ll.Offer
	for ; i+5 < len(r); i += 6 {
		seq, _ := strconv.Atoi(str(r, i+2))
		exp, _ := strconv.ParseInt(str(r, i+3), 10, 64)
		tg, _ := strconv.ParseInt(str(r, i+4), 10, 64)
		out = append(out, ll.Offer{Community: community, Activity: str(r, i), Member: str(r, i+1), Seq: seq,
			Expires: time.UnixMilli(exp).UTC(), TelegramID: tg, Language: str(r, i+5)})
	}
	return out
}

// waitStep runs one of the scripts that settle (KEYS activity and member,
// the common ARGV) and decodes its answer.
func (s *Store) waitStep(ctx context.Context, op string, sc *redis.Script, community, activityID, memberID string, now time.Time) (ll.WaitStep, error) {
	if err := checkActivityMember(community, activityID, memberID); err != nil {
		return ll.WaitStep{}, err
	}
	if now.IsZero() {
		now = s.now()
	}
	st, rest, err := s.run(ctx, op, sc, []string{s.k.act(community, activityID), s.k.member(community, memberID)},
		s.settleArgs(community, activityID, memberID, now)...)
	if err != nil {
		return ll.WaitStep{}, err
	}
	ids := map[string]string{"activity": activityID, "member": memberID}
	switch st {
	case "notfound", "notmember", "conflict":
		return ll.WaitStep{}, ledgerError(op, st, rest, ids)
	}
	pos, _ := strconv.Atoi(str(rest, 0))
	return ll.WaitStep{Status: st, Position: pos, Signups: int(num(rest, 1)), Capacity: int(num(rest, 2)),
		Offers: offers(community, rest, 3)}, nil
}

// JoinWaitlist puts the member on the activity's waitlist at now, in one
// script. Status: "ok" (joined; Position from 1), "held" (on it already:
// nothing changed), "signed" (signed up already), "offered" (a seat is
// offered to them now: take it), "room" (the activity has a seat for them:
// sign up instead), "unlimited" (no capacity: sign up). Errors: ErrNotFound
// (activity or member), ErrNotMember, ECONFLICT ReasonCancelled or
// ReasonEnded.
func (s *Store) JoinWaitlist(ctx context.Context, community, activityID, memberID string, now time.Time) (ll.WaitStep, error) {
	return s.waitStep(ctx, fmt.Sprintf("join waitlist of %s/%s for %s", community, activityID, memberID),
		joinWaitlistScript, community, activityID, memberID, now)
}

// Release frees what the member holds in the activity, in one script that
// also offers the freed seat: Status "withdrew" (their sign-up, and their
// confirmation with it), "passed" (the seat offered to them), "left" (their
// place on the waitlist) or "noop" (none of these). Offers are the seats
// offered to others in the same step, each made exactly once. Errors:
// ErrNotFound.
func (s *Store) Release(ctx context.Context, community, activityID, memberID string, now time.Time) (ll.WaitStep, error) {
	return s.waitStep(ctx, fmt.Sprintf("release %s from %s/%s", memberID, community, activityID),
		releaseScript, community, activityID, memberID, now)
}

// TakeSeat turns the seat offered to the member into their sign-up, in one
// script that checks that the offer is still theirs and unexpired at now and
// that the seats stay within the capacity: Status "ok", or "held" when
// signed up already. Errors: ECONFLICT ReasonNoOffer (no live offer: it
// expired or was passed on, and Offers may hold the seat's next offer),
// ReasonCancelled, ReasonEnded; EFULL ReasonActivity when the capacity was
// lowered below the seats held (the offer is gone); ErrNotFound,
// ErrNotMember.
func (s *Store) TakeSeat(ctx context.Context, community, activityID, memberID string, now time.Time) (ll.WaitStep, error) {
	op := fmt.Sprintf("take seat of %s/%s for %s", community, activityID, memberID)
	if err := checkActivityMember(community, activityID, memberID); err != nil {
		return ll.WaitStep{}, err
	}
	if now.IsZero() {
		now = s.now()
	}
	st, rest, err := s.run(ctx, op, takeSeatScript, []string{s.k.act(community, activityID), s.k.member(community, memberID)},
		s.settleArgs(community, activityID, memberID, now)...)
	if err != nil {
		return ll.WaitStep{}, err
	}
	r := ll.WaitStep{Status: st, Signups: int(num(rest, 1)), Capacity: int(num(rest, 2)), Offers: offers(community, rest, 3)}
	switch st {
	case "ok", "held":
		return r, nil
	case "conflict":
		return r, refusal(op, ll.ECONFLICT, str(rest, 0), "")
	case "full":
		return r, &ll.Error{Code: ll.EFULL, Detail: ll.ReasonActivity, Message: fmt.Sprintf("activity %s is full", activityID)}
	}
	return ll.WaitStep{}, ledgerError(op, st, rest, map[string]string{"activity": activityID, "member": memberID})
}

// SweepOffers settles, at now, every activity of the community with a
// waitlist or an offer, in one script: expired offers pass on to the next
// member waiting, and free seats are offered. It returns every live offer,
// the ones made now first (made of them): each offer is made by exactly one
// call, whatever the replicas, and its message id (Offer.MessageID) lets the
// outbox take its message once. The sweep's audit entries name the actor
// "system".
func (s *Store) SweepOffers(ctx context.Context, community string, now time.Time) (live []ll.Offer, made int, err error) {
	if err := checkCommunity(community); err != nil {
		return nil, 0, err
	}
	if now.IsZero() {
		now = s.now()
	}
	tpl, score := s.waitAudit(community, "system", now)
	op := "sweep offers of " + community
	st, rest, err := s.run(ctx, op, sweepOffersScript, []string{s.k.waitActs(community)}, s.k.base(community),
		now.UnixMilli(), ll.OfferWindow.Milliseconds(), ll.OfferCutoff.Milliseconds(), tpl, score)
	if err != nil {
		return nil, 0, err
	}
	if st != "ok" {
		return nil, 0, statusError(op, st, rest, nil)
	}
	return offers(community, rest, 1), int(num(rest, 0)), nil
}

// Confirm records at now that the member will come to the activity ("I'll
// come" on the reminder); changed is false when recorded before. Errors:
// ECONFLICT ReasonNotSignedUp, ReasonCancelled, ReasonEnded; ErrNotFound.
// One round trip.
func (s *Store) Confirm(ctx context.Context, community, activityID, memberID string, now time.Time) (changed bool, err error) {
	if err := checkActivityMember(community, activityID, memberID); err != nil {
		return false, err
	}
	if now.IsZero() {
		now = s.now()
	}
	op := fmt.Sprintf("confirm %s for %s/%s", memberID, community, activityID)
	st, rest, err := s.run(ctx, op, confirmScript, []string{s.k.act(community, activityID), s.k.member(community, memberID)},
		s.k.base(community), activityID, memberID, now.UnixMilli())
	if err != nil {
		return false, err
	}
	switch st {
	case "ok":
		return true, nil
	case "held":
		return false, nil
	case "conflict":
		return false, refusal(op, ll.ECONFLICT, str(rest, 0), "")
	}
	return false, ledgerError(op, st, rest, map[string]string{"activity": activityID, "member": memberID})
}

// Waitlist returns the activity's waitlist, live offers, confirmations and
// whether its no-shows were counted. ErrNotFound if the activity is
// unknown. One round trip.
func (s *Store) Waitlist(ctx context.Context, community, activityID string) (ll.WaitlistState, error) {
	if err := checkActivityID(community, activityID); err != nil {
		return ll.WaitlistState{}, err
	}
	op := fmt.Sprintf("waitlist of %s/%s", community, activityID)
	st, rest, err := s.run(ctx, op, waitStateScript, []string{s.k.act(community, activityID)}, s.k.base(community), activityID)
	if err != nil {
		return ll.WaitlistState{}, err
	}
	if st != "ok" {
		return ll.WaitlistState{}, statusError(op, st, rest, map[string]string{"activity": activityID})
	}
	w := ll.WaitlistState{Waiting: strs(rest, 0), Confirmed: map[string]time.Time{}, NoShowsCounted: str(rest, 3) == "1"}
	offs := strs(rest, 1)
	for i := 0; i+1 < len(offs); i += 2 {
		seq, exp, _ := splitOffer(offs[i+1])
		w.Offers = append(w.Offers, ll.Offer{Community: community, Activity: activityID, Member: offs[i], Seq: seq, Expires: exp})
	}
	cf := strs(rest, 2)
	for i := 0; i+1 < len(cf); i += 2 {
		w.Confirmed[cf[i]] = fromMS(cf[i+1])
	}
	return w, nil
}

// splitOffer reads an offer's value "<seq>:<expiry ms>".
func splitOffer(v string) (int, time.Time, bool) {
	a, b, ok := strings.Cut(v, ":")
	if !ok {
		return 0, time.Time{}, false
	}
	seq, err := strconv.Atoi(a)
	if err != nil {
		return 0, time.Time{}, false
	}
	return seq, fromMS(b), true
}

// CountNoShows counts, once the activity's check-in has closed at now, each
// member signed up whose participation does not count as one no-show, once
// per activity whatever the calls and replicas (a marker in the activity,
// set by the same script), audited as "waitlist" by "system". It returns
// the members counted by this call (none when counted before or when the
// activity was cancelled); counted is false only before its check-in closed
// (then nothing happened). One round trip.
func (s *Store) CountNoShows(ctx context.Context, community, activityID string, now time.Time) (members []string, counted bool, err error) {
	if err := checkActivityID(community, activityID); err != nil {
		return nil, false, err
	}
	if now.IsZero() {
		now = s.now()
	}
	tpl, score := s.waitAudit(community, "system", now)
	op := fmt.Sprintf("count no-shows of %s/%s", community, activityID)
	st, rest, err := s.run(ctx, op, noShowsScript,
		[]string{s.k.act(community, activityID), s.k.signups(community, activityID), s.k.attended(community, activityID)},
		s.k.base(community), activityID, now.UnixMilli(), tpl, score)
	switch {
	case err != nil:
		return nil, false, err
	case st == "ok":
		out := make([]string, 0, len(rest))
		for i := range rest {
			out = append(out, str(rest, i))
		}
		return out, true, nil
	case st == "noop" || st == "early":
		return nil, st == "noop", nil
	}
	return nil, false, statusError(op, st, rest, map[string]string{"activity": activityID})
}

// NoShows returns how many activities the member signed up for and did not
// come to (counted by CountNoShows). One round trip.
func (s *Store) NoShows(ctx context.Context, community, memberID string) (int, error) {
	if err := checkCommunity(community); err != nil {
		return 0, err
	}
	if !validID('M', memberID) {
		return 0, notFound("member", memberID)
	}
	v, err := s.c.HGet(ctx, s.k.noShows(community), memberID).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, s.wrap("no-shows of "+memberID, err)
	}
	return v, nil
}
