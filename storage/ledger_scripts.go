package storage

import (
	"strconv"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// The ledger's scripts: activities, sign-ups, check-ins, service records and
// participations. They follow the conventions of scripts.go (ARGV[1] is the
// community's key base, times in unix ms, audit JSON and score) and add the
// statuses forbidden (+ detail), invalid (+ detail), toomany and badcode.

// ledgerPrelude adds the ledger's key suffixes, check-in rules and helpers to
// prelude.
var ledgerPrelude = `
local SUF_ACT, SUF_SIGNUPS, SUF_ATTENDED, SUF_PARTS = '` + sufAct + `', '` + sufSignups + `', '` + sufAttended + `', '` + sufParts + `'
local SUF_MEMBERS, SUF_VOIDED, SUF_MPENDING = '` + sufMembers + `', '` + sufVoided + `', '` + sufMPending + `'
local PENDING_MAX = ` + luaNum(ll.MaxPendingServices) + `
local OPENS_BEFORE, CLOSES_AFTER = ` + luaNum(ll.CheckInOpensBefore.Milliseconds()) + `, ` + luaNum(ll.CheckInClosesAfter.Milliseconds()) + `
local WRONG_MAX, WRONG_WINDOW = ` + luaNum(ll.MaxWrongCodesPerHour) + `, 3600000
local PENDING_SUFFIX = '` + pendingSuffix + `'
local SUF_WL, SUF_OFF, SUF_WLACTS = '` + sufWaitlist + `', '` + sufOffers + `', '` + sufWaitActs + `'

local function akey(b, id) return b .. SUF_ACT .. id end
local function sukey(b, id) return b .. SUF_SIGNUPS .. id end
local function attkey(b, id) return b .. SUF_ATTENDED .. id end
local function pkey(b, mid) return b .. SUF_PARTS .. mid end
local function vkey(b, id) return b .. SUF_VOIDED .. id end

-- checkedIn reports whether anyone has a participation in the activity,
-- counting or voided: then its time no longer moves (SPEC §9).
local function checkedIn(b, id)
  return redis.call('SCARD', attkey(b, id)) > 0 or redis.call('EXISTS', vkey(b, id)) == 1
end

-- person is the Telegram id of who (an audit name: a member id, or tg:<id>),
-- nil when unknown (the operator, a forgotten member, one who never opened
-- the bot).
local function person(b, who)
  if string.sub(who, 1, 3) == 'tg:' then return string.sub(who, 4) end
  if string.sub(who, 1, 1) ~= 'M' then return nil end
  local t = redis.call('HGET', mkey(b, who), 'tg')
  if not t or t == '' or t == '0' then return nil end
  return t
end

-- samePerson reports whether the audit names x and y are one person: the
-- same member, or memberships with one Telegram id (a member who left and
-- rejoined is still themselves).
local function samePerson(b, x, y)
  if x == y then return true end
  local px = person(b, x)
  return px ~= nil and px == person(b, y)
end

-- indexRot keeps activity id in the zset rkey of rotating-code activities
-- (score: when its check-in closes) exactly when its hash akey_ says it is
-- rotating and not cancelled.
local function indexRot(rkey, akey_, id)
  local m = redis.call('HMGET', akey_, 'mode', 'e', 'cx')
  if m[1] == 'rotating' and m[2] and not m[3] then
    redis.call('ZADD', rkey, tonumber(m[2]) + CLOSES_AFTER, id)
  else
    redis.call('ZREM', rkey, id)
  end
end

-- fromhex is the bytes of a lowercase hex string; its table of the 256
-- pairs is built on first use (not by every script that loads the prelude).
local HEXBYTE
local function fromhex(h)
  if not HEXBYTE then
    HEXBYTE = {}
    for i = 0, 255 do HEXBYTE[string.format('%02x', i)] = string.char(i) end
  end
  return (string.gsub(h, '..', HEXBYTE))
end

-- xor8 is the bitwise xor of two bytes: bit.bxor where Redis has the bit
-- library, in arithmetic where it has not (the in-memory store of the demo
-- and the CLI tests, miniredis, which refuses to read a missing global).
local function xor8arith(a, b)
  local r, p = 0, 1
  for _ = 1, 8 do
    local x, y = a % 2, b % 2
    if x ~= y then r = r + p end
    a, b, p = (a - x) / 2, (b - y) / 2, p * 2
  end
  return r
end
local xor8
local function xorFunc()
  if not xor8 then
    local ok, lib = pcall(function() return bit end)
    xor8 = (ok and lib and lib.bxor) or xor8arith
  end
  return xor8
end

-- hmacPads are the inner and outer keys of HMAC-SHA1 (RFC 2104) for key
-- (bytes): K xor ipad and K xor opad, K zero-padded to 64 bytes (hashed
-- first when longer). A check-in computes them once per activity.
local function hmacPads(key)
  if #key > 64 then key = fromhex(redis.sha1hex(key)) end
  local ipad, opad, x = {}, {}, xorFunc()
  for i = 1, 64 do
    local k = string.byte(key, i)
    if k then
      ipad[i], opad[i] = x(k, 0x36), x(k, 0x5c)
    else
      ipad[i], opad[i] = 0x36, 0x5c
    end
  end
  return string.char(unpack(ipad)), string.char(unpack(opad))
end

-- totpPads is the 6-digit code of step n for the HMAC pads of a secret:
-- RFC 4226 HOTP of the 8-byte big-endian counter n,
-- H(opad .. H(ipad .. n)), with dynamic truncation, as
-- lamplighter.RotatingCode computes it.
local function totpPads(ipad, opad, n)
  local c = {}
  for i = 8, 1, -1 do
    c[i] = n % 256
    n = math.floor(n / 256)
  end
  local inner = fromhex(redis.sha1hex(ipad .. string.char(unpack(c))))
  local d = redis.sha1hex(opad .. inner) -- 40 hex digits: byte i is d[2i-1..2i]
  local off = tonumber(string.sub(d, 40), 16) -- the low 4 bits of the last byte
  local v = tonumber(string.sub(d, 2 * off + 1, 2 * off + 8), 16) % 2147483648 -- 4 bytes, top bit cleared
  return string.format('%06d', v % 1000000)
end

-- totp is the code of step n for the secret key (bytes).
local function totp(key, n)
  local ipad, opad = hmacPads(key)
  return totpPads(ipad, opad, n)
end

local function fields(flat)
  local f = {}
  for i = 1, #flat, 2 do f[flat[i]] = flat[i + 1] end
  return f
end

local function teamExists(b, team)
  return team == '' or redis.call('HEXISTS', b .. SUF_TEAMS, team) == 1
end

-- memberParts lists the member's participations as triples (flat): field,
-- JSON, and the service record's JSON from the hash svcs for a service (""
-- for an activity). It adds the id, title and date (flat) of each activity
-- referred to and not yet in seen to acts.
local function memberParts(b, mid, svcs, acts, seen)
  local all = redis.call('HGETALL', pkey(b, mid))
  local ps = {}
  for i = 1, #all, 2 do
    local ref = string.match(all[i], '^[^~]*')
    ps[#ps + 1] = all[i]
    ps[#ps + 1] = all[i + 1]
    if string.sub(ref, 1, 1) == 'A' then
      ps[#ps + 1] = ''
      if not seen[ref] then
        seen[ref] = true
        local t = redis.call('HMGET', akey(b, ref), 't', 'd')
        acts[#acts + 1] = ref
        acts[#acts + 1] = t[1] or ''
        acts[#acts + 1] = t[2] or ''
      end
    else
      ps[#ps + 1] = redis.call('HGET', svcs, ref) or ''
    end
  end
  return ps
end

-- participationDate is the date of the participation for ref whose JSON is
-- j: an activity's from its hash, a need's from j, a service's from its
-- record (as countingDates reads them).
local function participationDate(b, ref, j)
  local k = string.sub(ref, 1, 1)
  if k == 'A' then return redis.call('HGET', akey(b, ref), 'd') end
  if k == 'N' then
    local ok, p = pcall(cjson.decode, j)
    return ok and type(p) == 'table' and p.d or nil
  end
  local r = redis.call('HGET', b .. '` + sufServices + `', ref)
  if not r then return nil end
  local ok, p = pcall(cjson.decode, r)
  return ok and type(p) == 'table' and p.d or nil
end

-- countingDates lists the ref and date (flat) of each participation in the
-- hash parts that counts (not voided): an activity's date from its hash, a
-- service's from its record in the hash svcs.
local function countingDates(b, parts, svcs)
  local out = {}
  for _, ref in ipairs(redis.call('HKEYS', parts)) do
    if not string.find(ref, '~', 1, true) then
      local d
      if string.sub(ref, 1, 1) == 'A' then
        d = redis.call('HGET', akey(b, ref), 'd')
      elseif string.sub(ref, 1, 1) == 'N' then
        local j = redis.call('HGET', parts, ref)
        if j then d = cjson.decode(j).d end
      else
        local j = redis.call('HGET', svcs, ref)
        if j then d = cjson.decode(j).d end
      end
      out[#out + 1] = ref
      out[#out + 1] = d or ''
    end
  end
  return out
end
`

func luaNum(n int64) string { return strconv.FormatInt(n, 10) }

func ledgerScript(body string) *redis.Script { return script(ledgerPrelude + body) }

func init() {
	allScripts = append(allScripts,
		createActivityScript, saveActivityScript, cancelActivityScript, activityScript, activitiesScript,
		signUpScript, signedUpScript, attendanceScript, checkInScript, attendScript, voidScript,
		logServiceScript, pendingServicesScript, decideScript, ledgerReadScript)
}

// KEYS: community, codes, seq, acts, rot. ARGV: b, code, team, start, audit,
// score, then field/value pairs of the activity hash (empty values skipped).
// Answers ok with the new id, or exists when the code is taken.
var createActivityScript = ledgerScript(`
local b, code = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
if not teamExists(b, ARGV[3]) then return {'notfound', 'team', ARGV[3]} end
if redis.call('HEXISTS', KEYS[2], code) == 1 then return {'exists'} end
local id = 'A' .. redis.call('HINCRBY', KEYS[3], 'A', 1)
local h = {'code', code}
for i = 7, #ARGV, 2 do
  if ARGV[i + 1] ~= '' then h[#h + 1] = ARGV[i]; h[#h + 1] = ARGV[i + 1] end
end
redis.call('HSET', akey(b, id), unpack(h))
redis.call('HSET', KEYS[2], code, id)
redis.call('ZADD', KEYS[4], ARGV[4], id)
indexRot(KEYS[5], akey(b, id), id)
audit(b, ARGV[5], ARGV[6], id)
return {'ok', id}
`)

// KEYS: activity, acts, rot. ARGV: b, id, team, start, audit, score, then
// field/value pairs (an empty value removes the field). Answers conflict
// checked_in when the start or end would change after someone checked in.
var saveActivityScript = ledgerScript(`
local b = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'activity'} end
if not teamExists(b, ARGV[3]) then return {'notfound', 'team', ARGV[3]} end
local cur = redis.call('HMGET', KEYS[1], 's', 'e')
for i = 7, #ARGV, 2 do
  if (ARGV[i] == 's' and ARGV[i + 1] ~= cur[1]) or (ARGV[i] == 'e' and ARGV[i + 1] ~= cur[2]) then
    if checkedIn(b, ARGV[2]) then return {'conflict', 'checked_in'} end
  end
end
local oldDate = redis.call('HGET', KEYS[1], 'd')
for i = 7, #ARGV, 2 do hset(KEYS[1], ARGV[i], ARGV[i + 1]) end
local newDate = redis.call('HGET', KEYS[1], 'd')
if oldDate ~= newDate then
  -- The same start in another zone of the community can fall on another
  -- date, and year: the participations that count move with it.
  for _, n in ipairs(redis.call('SMEMBERS', attkey(b, ARGV[2]))) do
    local j = redis.call('HGET', pkey(b, 'M' .. n), ARGV[2])
    tallied(b, 'M' .. n, oldDate, -1, j)
    tallied(b, 'M' .. n, newDate, 1, j)
  end
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
indexRot(KEYS[3], KEYS[1], ARGV[2])
audit(b, ARGV[5], ARGV[6])
return {'ok'}
`)

// KEYS: activity, signups, rot. ARGV: b, reason, audit, score. Answers ok with
// the members signed up, or noop.
var cancelActivityScript = ledgerScript(`
local a = redis.call('HMGET', KEYS[1], 's', 'cx')
if not a[1] then return {'notfound', 'activity'} end
if a[2] then return {'noop'} end
redis.call('HSET', KEYS[1], 'cx', '1')
redis.call('ZREM', KEYS[3], string.match(KEYS[1], '[^:]*$'))
hsetNonEmpty(KEYS[1], 'why', ARGV[2])
local aid = string.match(KEYS[1], '[^:]*$')
redis.call('DEL', ARGV[1] .. SUF_WL .. aid, ARGV[1] .. SUF_OFF .. aid) -- its waitlist and offers go (waitlist.go)
redis.call('ZREM', ARGV[1] .. SUF_WLACTS, aid)
audit(ARGV[1], ARGV[3], ARGV[4])
return {'ok', redis.call('ZRANGE', KEYS[2], 0, -1)}
`)

// KEYS: activity, signups. Answers ok with the activity's fields and sign-up count.
var activityScript = ledgerScript(`
local a = redis.call('HGETALL', KEYS[1])
if #a == 0 then return {'notfound', 'activity'} end
return {'ok', a, redis.call('ZCARD', KEYS[2])}
`)

// KEYS: acts. ARGV: b. Answers ok, then id, fields and sign-up count of each
// activity, by start.
var activitiesScript = ledgerScript(`
local out = {'ok'}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', akey(ARGV[1], id))
  out[#out + 1] = redis.call('ZCARD', sukey(ARGV[1], id))
end
return out
`)

// KEYS: activity, member, signups. ARGV: member id, now, b, activity id,
// ll.OfferCutoff in ms. Answers ok or held with the activity's fields and
// sign-up count.
var signUpScript = ledgerScript(`
local a = redis.call('HGETALL', KEYS[1])
if #a == 0 then return {'notfound', 'activity'} end
local st = redis.call('HGET', KEYS[2], 'status')
if not st then return {'notfound', 'member'} end
if st ~= 'active' then return {'notmember'} end
local n = redis.call('ZCARD', KEYS[3])
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return {'held', a, n} end
local f = fields(a)
if f.cx then return {'conflict', 'cancelled'} end
if tonumber(ARGV[2]) > tonumber(f.e) then return {'conflict', 'ended'} end
local cap = tonumber(f.cap) or 0
if cap > 0 then
  -- Waitlists (waitlist.go): a live offer holds its seat, and a seat the
  -- waitlist is owed goes to it, not to a newcomer; a member's own live
  -- offer is their seat.
  local b, aid, now = ARGV[3], ARGV[4], tonumber(ARGV[2])
  local ok, wk = b .. SUF_OFF .. aid, b .. SUF_WL .. aid
  local mine = redis.call('HGET', ok, ARGV[1])
  if mine and tonumber(string.match(mine, ':(%d+)$')) > now then
    redis.call('HDEL', ok, ARGV[1])
  else
    local held = n + redis.call('HLEN', ok)
    if now < tonumber(f.s) - tonumber(ARGV[5]) then held = held + redis.call('ZCARD', wk) end
    if held >= cap then return {'full'} end
    redis.call('ZREM', wk, ARGV[1])
  end
end
redis.call('ZADD', KEYS[3], redis.call('HINCRBY', KEYS[1], 'q', 1), ARGV[1])
return {'ok', a, n + 1}
`)

// KEYS: activity, signups. Answers ok with the members signed up, in order.
var signedUpScript = ledgerScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'activity'} end
return {'ok', redis.call('ZRANGE', KEYS[2], 0, -1)}
`)

// KEYS: activity, attended. ARGV: b, activity id. Answers ok, the activity's
// title and date, then member id and participation JSON of each member whose
// participation counts.
var attendanceScript = ledgerScript(`
local b, aid = ARGV[1], ARGV[2]
local t = redis.call('HMGET', KEYS[1], 't', 'd')
if not t[1] then return {'notfound', 'activity'} end
local out = {'ok', t[1], t[2] or ''}
for _, n in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local v = redis.call('HGET', pkey(b, 'M' .. n), aid)
  if v then out[#out + 1] = 'M' .. n; out[#out + 1] = v end
end
return out
`)

// KEYS: member, codes, wrong, participations, rot, and with a caller also
// community, claims, services. ARGV: b, member id, code ("" for a location
// check-in), activity id (location check-in), now, participation JSON (method
// code or location), member number, the caller's telegram id or "" (then the
// member is not checked against a caller), the audit entry of a refusal by
// the creator rule (object {{id}}) and its score (for a scan: the scan's
// audit entry, written with the participation), the method without a code
// (location, or scan: the organizer scanned the member's personal code, any
// check-in mode, no place needed). Answers, with the
// activity's id, fields and sign-up count: ok, held (already counted), or
// conflict with cancelled, not_open or voided (the member's participation
// was voided and nobody re-admitted them); or toomany, badcode (+ tries left),
// ambiguous (+ the ids of the live activities whose code it is), invalid
// location or loc_only (+ id), forbidden creator (+ id), notfound, notmember.
// With a caller, ok also carries what the member's standing needs: the
// community's JSON, the member's claims, and the ref and date of each of the
// member's participations that count (flat). ok and held carry last the
// method the code matched (rotating or code; location for a location
// check-in).
//
// A code is the code of a live activity (not cancelled, check-in open now):
// a static one's from the hash codes (an activity whose mode is absent or
// static), or a rotating one's whose current or previous TOTP step's code it
// is (the zset rot, pruned of closed activities here). More than one live
// match refuses it (ambiguous); none, then a static code of an activity not
// live answers conflict as before, anything else is a wrong code.
//
// A member who sent WRONG_MAX wrong codes within the last WRONG_WINDOW is
// refused any code, right or wrong, until the oldest of them is an hour old
// (a sliding window): refused attempts do not count.
//
// The creator of an activity with a check-in mode (field by, the member or
// the same person by telegram id) checks in to it by code only while another
// member presents it (field pby): otherwise forbidden creator, audited. An
// activity stored before modes (no field mode) keeps the rules it had.
var checkInScript = ledgerScript(`
local b, mid, code, aid, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local method, pj = ARGV[11], ARGV[6]
if ARGV[8] ~= '' then
  local e = caller(KEYS[1], ARGV[8])
  if e then return e end
else
  local st = redis.call('HGET', KEYS[1], 'status')
  if not st then return {'notfound', 'member', mid} end
  if st ~= 'active' then return {'notmember', mid} end
end
local function live(s, e, cx)
  return s and not cx and now >= tonumber(s) - OPENS_BEFORE and now <= tonumber(e) + CLOSES_AFTER
end
if code ~= '' then
  local recent = 0
  for _, t in ipairs(redis.call('LRANGE', KEYS[3], 0, WRONG_MAX - 1)) do
    if tonumber(t) > now - WRONG_WINDOW then recent = recent + 1 end
  end
  if recent >= WRONG_MAX then return {'toomany'} end
  local found, methods, other, loconly = {}, {}, nil, nil
  local sid = redis.call('HGET', KEYS[2], code)
  if sid then
    local x = redis.call('HMGET', akey(b, sid), 'mode', 's', 'e', 'cx')
    if x[1] == 'location' then loconly = sid end
    if x[2] and (not x[1] or x[1] == 'static') then
      if live(x[2], x[3], x[4]) then
        found[#found + 1] = sid; methods[#found] = 'code'
      else
        other = sid
      end
    end
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[5])
  local step = math.floor(now / 30000)
  for _, rid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], ARGV[5], '+inf')) do
    local x = redis.call('HMGET', akey(b, rid), 'mode', 's', 'e', 'cx', 'sec')
    if x[1] == 'rotating' and x[5] and live(x[2], x[3], x[4]) then
      local ipad, opad = hmacPads(fromhex(x[5]))
      if totpPads(ipad, opad, step) == code or totpPads(ipad, opad, step - 1) == code then
        found[#found + 1] = rid; methods[#found] = 'rotating'
      end
    end
  end
  if #found > 1 then return {'ambiguous', found} end
  if #found == 1 then
    aid, method = found[1], methods[1]
  elseif loconly then
    return {'invalid', 'loc_only', loconly}
  elseif other then
    aid, method = other, 'code'
  else
    redis.call('LPUSH', KEYS[3], ARGV[5])
    redis.call('LTRIM', KEYS[3], 0, WRONG_MAX - 1)
    redis.call('PEXPIRE', KEYS[3], WRONG_WINDOW)
    return {'badcode', WRONG_MAX - recent - 1}
  end
  if method == 'rotating' then pj = replace(pj, '"m":"code"', '"m":"rotating"') end
end
local a = redis.call('HGETALL', akey(b, aid))
if #a == 0 then return {'notfound', 'activity', aid} end
local n = redis.call('ZCARD', sukey(b, aid))
local f = fields(a)
if f.cx then return {'conflict', 'cancelled', aid, a, n} end
if not live(f.s, f.e, f.cx) then return {'conflict', 'not_open', aid, a, n} end
if code == '' and method == 'location' and not f.lat then return {'invalid', 'location', aid} end
if code ~= '' and f.mode and f.by and f.by ~= '' and not (f.pby and f.pby ~= '' and f.pby ~= f.by) then
  local creator = f.by == mid
  if not creator and ARGV[8] ~= '' then creator = redis.call('HGET', mkey(b, f.by), 'tg') == ARGV[8] end
  if creator then
    audit(b, ARGV[9], ARGV[10], aid)
    return {'forbidden', 'creator', aid}
  end
end
if redis.call('HEXISTS', KEYS[4], aid) == 1 then return {'held', aid, a, n, method} end
if redis.call('HEXISTS', vkey(b, aid), ARGV[7]) == 1 then return {'conflict', 'voided', aid, a, n} end
redis.call('HSET', KEYS[4], aid, pj)
redis.call('SADD', attkey(b, aid), ARGV[7])
if method == 'scan' then audit(b, ARGV[9], ARGV[10], aid) end
tallied(b, mid, f.d, 1, pj)
if ARGV[8] == '' then return {'ok', aid, a, n, method} end
return {'ok', aid, a, n, method, redis.call('GET', KEYS[6]) or '', redis.call('LRANGE', KEYS[7], 0, -1),
  countingDates(b, KEYS[4], KEYS[8])}
`)

// KEYS: member, participations. ARGV: b, activity id, now, participation
// JSON, member number, audit, score, by. Answers ok or noop, or forbidden
// voider when by's person voided the member's participation in it; an
// entry by anyone else re-admits the member (the void marker goes).
var attendScript = ledgerScript(`
local b, aid = ARGV[1], ARGV[2]
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'notfound', 'member'} end
if st == 'forgotten' then return {'notmember'} end
local a = redis.call('HMGET', akey(b, aid), 's', 'cx')
if not a[1] then return {'notfound', 'activity'} end
if a[2] then return {'conflict', 'cancelled'} end
if tonumber(ARGV[3]) < tonumber(a[1]) - OPENS_BEFORE then return {'conflict', 'not_open'} end
if redis.call('HEXISTS', KEYS[2], aid) == 1 then return {'noop'} end
local voider = redis.call('HGET', vkey(b, aid), ARGV[5])
if voider and samePerson(b, voider, ARGV[8]) then return {'forbidden', 'voider'} end
redis.call('HSET', KEYS[2], aid, ARGV[4])
redis.call('HDEL', vkey(b, aid), ARGV[5])
redis.call('SADD', attkey(b, aid), ARGV[5])
tallied(b, 'M' .. ARGV[5], redis.call('HGET', akey(b, aid), 'd'), 1, ARGV[4])
audit(b, ARGV[6], ARGV[7])
return {'ok'}
`)

// KEYS: member, participations. ARGV: b, ref, void JSON members (without
// braces), member number, audit, score, by. Moves the counting participation
// for ref to "<ref>~<n>" with the void added; for an activity, marks the
// member voided there by by (void:<A>).
var voidScript = ledgerScript(`
local b, ref = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'member'} end
local v = redis.call('HGET', KEYS[2], ref)
if not v then return {'notfound', 'participation'} end
local n = 1
while redis.call('HEXISTS', KEYS[2], ref .. '~' .. n) == 1 do n = n + 1 end
redis.call('HSET', KEYS[2], ref .. '~' .. n, string.sub(v, 1, -2) .. ',' .. ARGV[3] .. '}')
redis.call('HDEL', KEYS[2], ref)
tallied(b, 'M' .. ARGV[4], participationDate(b, ref, v), -1, v)
if string.sub(ref, 1, 1) == 'A' then
  redis.call('SREM', attkey(b, ref), ARGV[4])
  redis.call('HSET', vkey(b, ref), ARGV[4], ARGV[7])
end
audit(b, ARGV[5], ARGV[6])
return {'ok'}
`)

// KEYS: member, seq, services, pending, the member's pending. ARGV: record
// JSON. Answers ok with the new id, or toomany when the member has
// PENDING_MAX records awaiting a decision.
var logServiceScript = ledgerScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'notfound', 'member'} end
if st ~= 'active' then return {'notmember'} end
if redis.call('SCARD', KEYS[5]) >= PENDING_MAX then return {'toomany'} end
local n = redis.call('HINCRBY', KEYS[2], 'S', 1)
redis.call('HSET', KEYS[3], 'S' .. n, ARGV[1])
redis.call('ZADD', KEYS[4], n, 'S' .. n)
redis.call('SADD', KEYS[5], 'S' .. n)
return {'ok', 'S' .. n}
`)

// KEYS: pending, services. Answers ok, then id and JSON of each pending
// record, oldest first.
var pendingServicesScript = ledgerScript(`
local out = {'ok'}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local j = redis.call('HGET', KEYS[2], id)
  if j then out[#out + 1] = id; out[#out + 1] = j end
end
return out
`)

// KEYS: services, pending. ARGV: b, id, by, decision JSON suffix, "1" to
// approve, participation JSON, audit, score. Answers ok or noop with the
// record's JSON, or forbidden self, or conflict decided with the JSON.
var decideScript = ledgerScript(`
local b, id = ARGV[1], ARGV[2]
local j = redis.call('HGET', KEYS[1], id)
if not j then return {'notfound', 'service'} end
local r = cjson.decode(j)
if samePerson(b, r.m, ARGV[3]) then return {'forbidden', 'self'} end
local want = 'rejected'
if ARGV[5] == '1' then want = 'approved' end
if r.st ~= 'pending' then
  if r.st == want then return {'noop', j} end
  return {'conflict', 'decided', j}
end
if string.sub(j, -#PENDING_SUFFIX) ~= PENDING_SUFFIX then return {'corrupt', j} end
j = string.sub(j, 1, #j - #PENDING_SUFFIX) .. ARGV[4]
redis.call('HSET', KEYS[1], id, j)
redis.call('ZREM', KEYS[2], id)
redis.call('SREM', b .. SUF_MPENDING .. r.m, id)
if ARGV[5] == '1' and redis.call('HSETNX', pkey(b, r.m), id, ARGV[6]) == 1 then tallied(b, r.m, r.d, 1, ARGV[6]) end
audit(b, ARGV[7], ARGV[8])
return {'ok', j}
`)

// KEYS: services. ARGV: b, then either "member" and a member id, or "range",
// offset and count of the community's members (by number). Answers ok, the
// number of members looked at, the title and date of every activity
// referred to (flat: id, title, date...), then for each member with claims or
// participations: id, claims ("range" only) and a list of triples per
// participation: field, JSON, and the service record's JSON for a service
// ("" for an activity).
var ledgerReadScript = ledgerScript(`
local b = ARGV[1]
local ids, withClaims
if ARGV[2] == 'range' then
  local from = tonumber(ARGV[3])
  ids = redis.call('ZRANGE', b .. SUF_MEMBERS, from, from + tonumber(ARGV[4]) - 1)
  withClaims = true
else
  if redis.call('EXISTS', mkey(b, ARGV[3])) == 0 then return {'notfound', 'member'} end
  ids = {ARGV[3]}
end
local acts, seen = {}, {}
local out = {'ok', #ids, acts}
for _, mid in ipairs(ids) do
  local claims = {}
  if withClaims then claims = redis.call('LRANGE', b .. SUF_CLAIMS .. mid, 0, -1) end
  local ps = memberParts(b, mid, KEYS[1], acts, seen)
  if #claims > 0 or #ps > 0 or not withClaims then
    out[#out + 1] = mid
    out[#out + 1] = claims
    out[#out + 1] = ps
  end
end
return out
`)
