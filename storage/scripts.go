package storage

import (
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Every multi-key change is one Lua script: Redis runs it atomically, and all
// the keys it touches share one hash tag, so it also runs on a Redis Cluster.
// A script answers with a table whose first element is a status the Go side
// maps to an error: ok, held, noop, exists, notfound (+ what), notmember,
// closed, full, conflict (+ detail).
//
// Conventions: ARGV[1] is the community's key base <b> (see keys.go) in every
// community script; times are unix milliseconds; the audit argument is the
// entry's JSON ("" for none) followed by its score. The JSON may hold the
// placeholders "{{id}}" (object) and "{{detail}}", which the script fills in.

// prelude holds the helpers every script may use; it is prepended to each.
var prelude = `
local SUF_MEMBER, SUF_HOLDERS, SUF_CLAIMS = '` + sufMember + `', '` + sufHolders + `', '` + sufClaims + `'
local SUF_TEAMS, SUF_TEAM, SUF_TEAM_MEM, SUF_TEAM_LEAD = '` + sufTeams + `', '` + sufTeam + `', '` + sufTeamMem + `', '` + sufTeamLead + `'
local SUF_SEQ, SUF_AUDIT = '` + sufSeq + `', '` + sufAudit + `'
local SUF_ACTS, SUF_SIGNUPS = '` + sufActs + `', '` + sufSignups + `'

local function mkey(b, id) return b .. SUF_MEMBER .. id end
local function hkey(b, p) return b .. SUF_HOLDERS .. p end
local function tmkey(b, t) return b .. SUF_TEAM .. t .. SUF_TEAM_MEM end
local function tlkey(b, t) return b .. SUF_TEAM .. t .. SUF_TEAM_LEAD end

local function replace(s, old, new)
  local i, j = string.find(s, old, 1, true)
  if not i then return s end
  return string.sub(s, 1, i - 1) .. new .. string.sub(s, j + 1)
end

local function audit(b, entry, score, id, detail)
  if entry == nil or entry == '' then return end
  if id then
    entry = replace(entry, '"object":"{{id}}"', '"object":"' .. id .. '"')
    entry = replace(entry, '"actor":"{{id}}"', '"actor":"' .. id .. '"')
  end
  if detail then entry = replace(entry, '"detail":"{{detail}}"', '"detail":"' .. detail .. '"') end
  local n = redis.call('HINCRBY', b .. SUF_SEQ, 'audit', 1)
  redis.call('ZADD', b .. SUF_AUDIT, score, string.format('%012d', n) .. ' ' .. entry)
end

-- Counters of registration's choices (SPEC section 13): every script that
-- changes an active member's unit or skills, or a member's status, or an open
-- post's skills, takes the old values away and adds the new ones in the same
-- step. seq's cv counts those changes, so that the migration that rebuilds
-- the counters can tell whether it raced one.
local SUF_UNITS, SUF_SKILLS = '` + sufUnitCounts + `', '` + sufSkillCounts + `'
local SUF_UM = '` + sufUnitMembers + `' -- the per-unit index (units.go)
local SUF_BLDGS = '` + sufBuildingCounts + `' -- the active members' buildings, as typed (figures.go)

local function bump(key, v, d)
  if tonumber(redis.call('ZINCRBY', key, d, v)) <= 0 then redis.call('ZREM', key, v) end
end

local function bumpSkills(b, l, d)
  if type(l) ~= 'table' then return end
  for _, sk in ipairs(l) do
    if type(sk) == 'string' then bump(b .. SUF_SKILLS, sk, d) end
  end
end

local function decoded(j)
  if not j or j == '' then return nil end
  local ok, v = pcall(cjson.decode, j)
  if ok then return v end
  return nil
end

-- The search index (SPEC section 13): the active members' name, unit,
-- building and skills, lowered and tab-separated, one line
-- "<fields>\1<number>\n" a member, in strings sx:<k> of 1,024 member
-- numbers each (k = number div 1024), each starting with "\n": about 40
-- bytes a member, read by string.find. Lowering is ASCII's plus the two
-- other characters Go lowers to ASCII (KELVIN SIGN, CAPITAL I WITH DOT
-- ABOVE): the Go side uses the index only for a query whose other
-- characters have no case (storage.indexable), so a line contains it
-- exactly when strings.ToLower of a field does. Only a community with
-- sx:on has the index (storage.indexThreshold).
local SUF_SX = '` + sufSearch + `'

local function lowered(s)
  s = string.gsub(s, '\226\132\170', 'k')
  s = string.gsub(s, '\196\176', 'i')
  return string.lower(s)
end

-- searchLine is the search index's line of member number n, m being its
-- fields status, unit, skills, name, bldg and skills its decoded skills.
local function searchLine(m, skills, n)
  local f = {lowered(m[4] or ''), lowered(m[2] or ''), lowered(m[5] or '')}
  if type(skills) == 'table' then
    for _, sk in ipairs(skills) do if type(sk) == 'string' then f[#f + 1] = lowered(sk) end end
  end
  return table.concat(f, '\t') .. '\1' .. n .. '\n'
end

-- indexed adds (d = 1) or takes away (d = -1) member mid's line in the
-- search index, m being its fields status, unit, skills, name, bldg and
-- skills its decoded skills.
local function indexed(b, mid, m, skills, d)
  if redis.call('EXISTS', b .. SUF_SX .. ':on') == 0 then return end
  local n = tonumber(string.sub(mid, 2))
  local key = b .. SUF_SX .. ':' .. math.floor(n / 1024)
  if d < 0 then
    local t = redis.call('GET', key)
    if not t then return end
    -- The line ends with "\1<n>\n", which no other line holds: a plain
    -- find, then back to the line's start (a pattern with [^\n]* before
    -- it backtracked over every line: 286 ms a script of 500 members once
    -- a community of 100,000 was being indexed).
    local tail = '\1' .. n .. '\n'
    local j = string.find(t, tail, 1, true)
    if not j then return end
    local i = j
    while i > 1 and string.byte(t, i - 1) ~= 10 do i = i - 1 end
    redis.call('SET', key, string.sub(t, 1, i - 1) .. string.sub(t, j + #tail))
    return
  end
  if redis.call('EXISTS', key) == 0 then redis.call('SET', key, '\n') end
  redis.call('APPEND', key, searchLine(m, skills, n))
end

-- The standing index (SPEC section 13, standing.go): bitmaps ya, bit n set
-- while member Mn is active, and yr, set while Mn is active and can be
-- reached (kept by audienceCounted, so by counted), and per year string
-- yc:<year>, at offset 2n the number of Mn's participations dated in that
-- year that count, 16 bits big-endian, whatever Mn's status (kept by
-- tallied in every script that records or voids a participation).
local SUF_YA, SUF_YR, SUF_YC = '` + sufYearActive + `', '` + sufYearReach + `', '` + sufYearCount + `'

-- tallied adds d to the count of member mid's participations that count in
-- the year of date (YYYY-MM-DD; no year, nothing counted, as
-- Participation.Year gives 0).
--
-- j is the participation's JSON (storedPart), whose method "m" it also
-- counts, with the month, in the year's totals yt:<year>:<k> of the member
-- numbers k*YT_SHARD to (k+1)*YT_SHARD-1 (figures.go): m:<method> and
-- d:<MM>, each participation that counts once, whatever the member's
-- status. Shards, so that the migration can build each one exactly in one
-- script however busy the community.
local SUF_YT, YT_SHARD = '` + sufYearTotals + `', ` + luaNumInt(yearTotalsShard) + `

-- yd:<year>, with yc: at offset 2n member Mn's latest participation dated
-- in the year that counts, 16 bits big-endian, as dayCode gives it (0:
-- none): a date of the year compares as its code does.
local SUF_YD = '` + sufYearLast + `'
local YD_PARTS, YD_ACT, YD_SVCS = '` + sufParts + `', '` + sufAct + `', '` + sufServices + `'

-- dayCode is MM*100+DD+1 of date (YYYY-MM-DD) when it is in year y, else 0.
local function dayCode(date, y)
  if type(date) ~= 'string' then return 0 end
  local yy, mo, dd = string.match(date, '^(%d%d%d%d)%-(%d%d)%-(%d%d)$')
  if yy ~= y then return 0 end
  return tonumber(mo) * 100 + tonumber(dd) + 1
end

-- latestCounting is the highest dayCode in year y of member mid's
-- participations that count (not voided: no '~' in the field), dated as
-- countingDates dates them: an activity's from its hash, a need's from its
-- JSON, a service's from its record.
local function latestCounting(b, mid, y)
  local parts = b .. YD_PARTS .. mid
  local best = 0
  for _, ref in ipairs(redis.call('HKEYS', parts)) do
    if not string.find(ref, '~', 1, true) then
      local k, d = string.sub(ref, 1, 1), nil
      if k == 'A' then
        d = redis.call('HGET', b .. YD_ACT .. ref, 'd')
      else
        local j = k == 'N' and redis.call('HGET', parts, ref) or redis.call('HGET', b .. YD_SVCS, ref)
        if j then
          local ok, p = pcall(cjson.decode, j)
          if ok and type(p) == 'table' then d = p.d end
        end
      end
      best = math.max(best, dayCode(d, y))
    end
  end
  return best
end

local function tallied(b, mid, date, d, j)
  local y, mo
  if type(date) == 'string' then y, mo = string.match(date, '^(%d%d%d%d)%-(%d%d)%-%d%d$') end
  if not y then return end
  local n = tonumber(string.sub(mid, 2))
  if not n then return end
  local method = type(j) == 'string' and string.match(j, '"m":"([^"]*)"') or ''
  local tk = b .. SUF_YT .. y .. ':' .. math.floor(n / YT_SHARD)
  for _, f in ipairs({'m:' .. method, 'd:' .. mo}) do
    if redis.call('HINCRBY', tk, f, d) <= 0 then redis.call('HDEL', tk, f) end
  end
  local key = b .. SUF_YC .. y
  local cur = redis.call('GETRANGE', key, 2 * n, 2 * n + 1)
  local v = 0
  if #cur == 2 then v = string.byte(cur, 1) * 256 + string.byte(cur, 2) end
  v = v + d
  if v < 0 then v = 0 elseif v > 65535 then v = 65535 end
  redis.call('SETRANGE', key, 2 * n, string.char(math.floor(v / 256), v % 256))
  -- The latest date: a participation added raises it; one taken away (the
  -- caller has voided it or moved its date) that was the latest makes the
  -- member's participations that count be read again.
  local lk, code = b .. SUF_YD .. y, dayCode(date, y)
  cur = redis.call('GETRANGE', lk, 2 * n, 2 * n + 1)
  local last = 0
  if #cur == 2 then last = string.byte(cur, 1) * 256 + string.byte(cur, 2) end
  local to = last
  if d > 0 and code > last then to = code elseif d < 0 and code == last then to = latestCounting(b, mid, y) end
  if to ~= last then redis.call('SETRANGE', lk, 2 * n, string.char(math.floor(to / 256), to % 256)) end
end

-- yh, also of the standing index: at byte offset n the number of posts
-- member Mn holds now (0 to 255), whatever Mn's status; kept by heldCounted
-- wherever a holder is added to or taken from a post's holders.
local SUF_YH = '` + sufYearHeld + `'

local function heldCounted(b, mid, d)
  local n = b and tonumber(string.sub(mid, 2))
  if not n then return end
  local key = b .. SUF_YH
  local cur = redis.call('GETRANGE', key, n, n)
  local v = 0
  if #cur == 1 then v = string.byte(cur) end
  v = v + d
  if v < 0 then v = 0 elseif v > 255 then v = 255 end
  redis.call('SETRANGE', key, n, string.char(v))
end

-- The audience counters (SPEC section 13, audience.go): hash aud of field
-- kind:value -> active members, and ~kind:value -> those of them who
-- cannot be reached (no Telegram id, or unreach), for kinds a (all, no
-- value), u (unit), b (building) and s (skill; each lowered skill once);
-- _c counts the changes (for RebuildAudienceCounts). counted keeps them
-- with the others; a change of tg or unreach alone calls audienceCounted
-- around it.
local SUF_AUD = '` + sufAudience + `'

-- audLower lowers as the counts compare, strings.EqualFold against an
-- argument of ASCII and caseless characters: ASCII's lowering, and the
-- two other letters that fold to ASCII ones, KELVIN SIGN and LONG S.
local function audLower(s)
  s = string.gsub(s, '\226\132\170', 'k')
  s = string.gsub(s, '\197\191', 's')
  return string.lower(s)
end

-- audienceFields are the counter fields of member mid and whether it is
-- out of reach, nil for a member who is not active.
local function audienceFields(b, mid)
  local m = redis.call('HMGET', mkey(b, mid), 'status', 'unit', 'bldg', 'skills', 'tg', 'unreach')
  if m[1] ~= 'active' then return nil end
  local f = {'a:'}
  if m[2] then f[#f + 1] = 'u:' .. audLower(m[2]) end
  if m[3] then f[#f + 1] = 'b:' .. audLower(m[3]) end
  local skills = decoded(m[4])
  if type(skills) == 'table' then
    local seen = {}
    for _, sk in ipairs(skills) do
      if type(sk) == 'string' then
        local l = audLower(sk)
        if not seen[l] then seen[l] = true; f[#f + 1] = 's:' .. l end
      end
    end
  end
  return f, (not m[5]) or m[5] == '' or (m[6] and true or false), m[6] and true or false
end

local SUF_YU, SUF_YL = '` + sufYearUnreach + `', '` + sufYearLeft + `'

local function audienceCounted(b, mid, d)
  local f, away, unreach = audienceFields(b, mid)
  if not f then return end
  local num = tonumber(string.sub(mid, 2))
  if num then
    redis.call('SETBIT', b .. SUF_YA, num, d > 0 and 1 or 0)
    redis.call('SETBIT', b .. SUF_YR, num, (d > 0 and not away) and 1 or 0)
    redis.call('SETBIT', b .. SUF_YU, num, (d > 0 and unreach) and 1 or 0)
  end
  local key = b .. SUF_AUD
  redis.call('HINCRBY', key, '_c', 1)
  for _, field in ipairs(f) do
    if redis.call('HINCRBY', key, field, d) <= 0 then redis.call('HDEL', key, field) end
    if away and redis.call('HINCRBY', key, '~' .. field, d) <= 0 then redis.call('HDEL', key, '~' .. field) end
  end
end

-- leftAt records in yl that member mid is no longer active since left
-- (unix ms; the member's left field), once: a member never becomes active
-- again (a new membership has a new number).
local function leftAt(b, mid, left)
  local n = tonumber(string.sub(mid, 2))
  if n and left then redis.call('ZADD', b .. SUF_YL, 'NX', left, n) end
end

-- memberOf splits a member's key into the community's base and the id.
local function memberOf(key)
  return string.match(key, '^(.*)' .. SUF_MEMBER .. '(M%d+)$')
end

-- counted adds (d = 1) or takes away (d = -1) the unit and skills of member
-- mid, and the member in the search index, if it is active: called before
-- and after a change.
local function counted(b, mid, d)
  local m = redis.call('HMGET', mkey(b, mid), 'status', 'unit', 'skills', 'name', 'bldg', 'uid')
  if m[1] ~= 'active' then return end
  if m[6] then redis.call('ZADD', b .. SUF_UM .. m[6], d > 0 and 1 or 0, mid) end
  redis.call('HINCRBY', b .. SUF_SEQ, 'cv', 1)
  if m[2] then bump(b .. SUF_UNITS, m[2], d) end
  if m[5] then bump(b .. SUF_BLDGS, m[5], d) end
  local skills = decoded(m[3])
  bumpSkills(b, skills, d)
  indexed(b, mid, m, skills, d)
  audienceCounted(b, mid, d)
end

-- postCounted adds or takes away the skills of a post's JSON j if it is open.
local function postCounted(b, j, d)
  local p = decoded(j)
  if type(p) ~= 'table' or p.closed == true then return end
  redis.call('HINCRBY', b .. SUF_SEQ, 'cv', 1)
  bumpSkills(b, p.skills, d)
end

-- The per-unit index of a community (SPEC section 11, units.go): um:<U>
-- holds the members whose unit id is U, score 1 while active, 0 after;
-- counted keeps it (SUF_UM, above), unlinkUnit takes a forgotten member out.
local function unlinkUnit(b, key, mid)
  local u = redis.call('HGET', key, 'uid')
  if u then
    redis.call('ZREM', b .. SUF_UM .. u, mid)
    redis.call('HDEL', key, 'uid')
  end
end

local function hset(key, field, v)
  if v == '' then redis.call('HDEL', key, field) else redis.call('HSET', key, field, v) end
end

local function hsetNonEmpty(key, field, v)
  if v ~= '' then redis.call('HSET', key, field, v) end
end

-- importMember creates the active member of an import whose 8 fields start
-- at ARGV[i] (tg, name, unit, bldg, skills, lang, role, unit id), indexes and counts
-- it, and returns its number and id. tgk, mk, seqk: the community's tg,
-- members and seq keys.
local function importMember(b, now, tgk, mk, seqk, i)
  local n = redis.call('HINCRBY', seqk, 'M', 1)
  local mid = 'M' .. n
  local key = mkey(b, mid)
  redis.call('HSET', key, 'joined', now, 'status', 'active')
  hsetNonEmpty(key, 'tg', ARGV[i])
  hsetNonEmpty(key, 'name', ARGV[i + 1])
  hsetNonEmpty(key, 'unit', ARGV[i + 2])
  hsetNonEmpty(key, 'bldg', ARGV[i + 3])
  hsetNonEmpty(key, 'skills', ARGV[i + 4])
  hsetNonEmpty(key, 'lang', ARGV[i + 5])
  hsetNonEmpty(key, 'role', ARGV[i + 6])
  hsetNonEmpty(key, 'uid', ARGV[i + 7])
  redis.call('ZADD', mk, n, mid)
  if ARGV[i] ~= '' then redis.call('HSET', tgk, ARGV[i], mid) end
  redis.call('HINCRBY', seqk, 'act', 1)
  counted(b, mid, 1)
  return n, mid
end

local function release(b, ckey, mid, now)
  local l = redis.call('LRANGE', ckey, 0, -1)
  for i, e in ipairs(l) do
    local p, c, r = string.match(e, '^([^|]*)|([^|]*)|(.*)$')
    if p and r == '' then
      if redis.call('ZREM', hkey(b, p), mid) == 1 then heldCounted(b, mid, -1) end
      redis.call('LSET', ckey, i - 1, p .. '|' .. c .. '|' .. now)
    end
  end
end

local function leaveTeams(b, mid)
  for _, t in ipairs(redis.call('HKEYS', b .. SUF_TEAMS)) do
    redis.call('SREM', tmkey(b, t), mid)
    redis.call('SREM', tlkey(b, t), mid)
  end
end

-- withdrawFuture takes the member off the sign-up lists of activities that
-- have not started by now (a member who leaves or is forgotten no longer comes).
local function withdrawFuture(b, mid, now)
  for _, a in ipairs(redis.call('ZRANGEBYSCORE', b .. SUF_ACTS, '(' .. now, '+inf')) do
    redis.call('ZREM', b .. SUF_SIGNUPS .. a, mid)
  end
end

local function activeStatus(b, mid)
  local st = redis.call('HGET', mkey(b, mid), 'status')
  if not st then return {'notfound', 'member', mid} end
  if st ~= 'active' then return {'notmember', mid} end
  return nil
end

-- caller checks that the member hash at key is an active member of Telegram
-- user tg: the member a user's membership pointer names acts only if it
-- still is that user's (a stale pointer never acts for someone else), and
-- answers notmember otherwise. A member who acts through the bot is
-- reachable again (SPEC section 5), so it clears unreach.
local function caller(key, tg)
  local m = redis.call('HMGET', key, 'status', 'tg', 'unreach')
  if m[1] ~= 'active' or m[2] ~= tg then return {'notmember'} end
  if m[3] then
    local b, mid = memberOf(key)
    if b then audienceCounted(b, mid, -1) end
    redis.call('HDEL', key, 'unreach')
    if b then audienceCounted(b, mid, 1) end
  end
  return nil
end
`

func script(body string) *redis.Script { return redis.NewScript(prelude + body) }

func luaNumInt(n int) string { return strconv.Itoa(n) }

// KEYS: community. ARGV: b, json, audit, score.
var createCommunityScript = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
redis.call('SET', KEYS[1], ARGV[2])
audit(ARGV[1], ARGV[3], ARGV[4])
return {'ok'}
`)

// KEYS: community. ARGV: b, json, audit, score.
var saveCommunityScript = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
redis.call('SET', KEYS[1], ARGV[2])
audit(ARGV[1], ARGV[3], ARGV[4])
return {'ok'}
`)

// KEYS: community, invite, invites. ARGV: b, json, member, role, exp, ttl
// (ms, or "" to keep forever), audit, score, code.
var createInviteScript = script(`
local b = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
if ARGV[3] ~= '' and redis.call('EXISTS', mkey(b, ARGV[3])) == 0 then return {'notfound', 'member', ARGV[3]} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
redis.call('HSET', KEYS[2], 'j', ARGV[2])
local exp = ARGV[5]
if exp == '' then exp = '+inf' end
redis.call('ZADD', KEYS[3], exp, ARGV[9])
hsetNonEmpty(KEYS[2], 'm', ARGV[3])
hsetNonEmpty(KEYS[2], 'r', ARGV[4])
hsetNonEmpty(KEYS[2], 'exp', ARGV[5])
if ARGV[6] ~= '' then redis.call('PEXPIRE', KEYS[2], ARGV[6]) end
audit(b, ARGV[7], ARGV[8])
return {'ok'}
`)

// KEYS: community, invite, tg, members, seq.
// ARGV: b, tg, now, name, unit, bldg, skills, lang, audit, score, unit id
// (stored with a non-empty unit, which it belongs to: "" unlinks).
// A role invite binds the first user who registers with it (used); another
// user is refused (used), and so is a member of the community who is not
// that user (role_rejoin: a role comes with /role, not by re-joining). The
// audit entry ("join") is written when a member is registered, its actor
// and object placeholders filled with the member id.
var registerScript = script(`
local b, tg, now = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'notfound', 'invite'} end
local inv = redis.call('HMGET', KEYS[2], 'm', 'r', 'exp', 'used', 'rev')
local exp = tonumber(inv[3])
if exp and tonumber(now) >= exp then return {'notfound', 'invite'} end
if inv[5] then return {'conflict', 'revoked'} end
local cur = redis.call('HGET', KEYS[3], tg)
local curActive = cur and redis.call('HGET', mkey(b, cur), 'status') == 'active'
local mid
if inv[2] and not inv[1] then
  if inv[4] and inv[4] ~= tg then return {'conflict', 'used'} end
  if curActive and inv[4] ~= tg then return {'conflict', 'role_rejoin'} end
end
if inv[1] then
  mid = inv[1]
  local m = redis.call('HMGET', mkey(b, mid), 'status', 'tg')
  if not m[1] then return {'notfound', 'member', mid} end
  if (inv[4] and inv[4] ~= tg) or (m[2] and m[2] ~= tg) then return {'conflict', 'used'} end
  if curActive and cur ~= mid then return {'conflict', 'registered'} end
  if m[1] ~= 'active' then return {'conflict', 'inactive'} end
  counted(b, mid, -1)
  redis.call('HSET', mkey(b, mid), 'tg', tg)
  redis.call('HSET', KEYS[3], tg, mid)
  redis.call('HSET', KEYS[2], 'used', tg)
elseif curActive then
  mid = cur
  counted(b, mid, -1)
else
  local n = redis.call('HINCRBY', KEYS[5], 'M', 1)
  mid = 'M' .. n
  redis.call('HSET', mkey(b, mid), 'tg', tg, 'joined', now, 'status', 'active')
  redis.call('HINCRBY', KEYS[5], 'act', 1)
  redis.call('ZADD', KEYS[4], n, mid)
  redis.call('HSET', KEYS[3], tg, mid)
  if inv[2] then redis.call('HSET', KEYS[2], 'used', tg) end
end
if not curActive or cur ~= mid then audit(b, ARGV[9], ARGV[10], mid) end
local key = mkey(b, mid)
hsetNonEmpty(key, 'name', ARGV[4])
hsetNonEmpty(key, 'unit', ARGV[5])
hsetNonEmpty(key, 'bldg', ARGV[6])
hsetNonEmpty(key, 'skills', ARGV[7])
hsetNonEmpty(key, 'lang', ARGV[8])
if ARGV[5] ~= '' then hset(key, 'uid', ARGV[11] or '') end
counted(b, mid, 1)
if inv[2] then redis.call('HSET', key, 'role', inv[2]) end
return {'ok', mid, redis.call('HGETALL', key)}
`)

// KEYS: community, tg, members, seq.
// ARGV: b, now, audit, score, then per member: tg, name, unit, bldg, skills, lang, role, unit id.
var importMembersScript = script(`
local b, now = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
local seen = {}
for i = 5, #ARGV, 8 do
  local tg = ARGV[i]
  if tg ~= '' then
    if seen[tg] then return {'conflict', tg} end
    seen[tg] = true
    local cur = redis.call('HGET', KEYS[2], tg)
    if cur and redis.call('HGET', mkey(b, cur), 'status') == 'active' then return {'conflict', tg} end
  end
end
local ids = {'ok'}
for i = 5, #ARGV, 8 do
  local n, mid = importMember(b, now, KEYS[2], KEYS[3], KEYS[4], i)
  ids[#ids + 1] = mid
end
local object = ids[2]
if #ids > 2 then object = ids[2] .. '-' .. ids[#ids] end
audit(b, ARGV[3], ARGV[4], object)
return ids
`)

// KEYS: member. ARGV: name, unit, bldg, skills, lang, b, member id, unit id.
var updateProfileScript = script(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'notfound', 'member'} end
if st == 'forgotten' then return {'notmember'} end
counted(ARGV[6], ARGV[7], -1)
hset(KEYS[1], 'name', ARGV[1])
hset(KEYS[1], 'unit', ARGV[2])
hset(KEYS[1], 'bldg', ARGV[3])
hset(KEYS[1], 'skills', ARGV[4])
hset(KEYS[1], 'lang', ARGV[5])
hset(KEYS[1], 'uid', ARGV[8] or '')
counted(ARGV[6], ARGV[7], 1)
return {'ok'}
`)

// KEYS: member. ARGV: b, role, audit, score.
var setRoleScript = script(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'notfound', 'member'} end
if ARGV[2] ~= '' and st ~= 'active' then return {'notmember'} end
hset(KEYS[1], 'role', ARGV[2])
audit(ARGV[1], ARGV[3], ARGV[4])
return {'ok', redis.call('HGET', KEYS[1], 'tg') or ''}
`)

// KEYS: member, claims. ARGV: b, member id, now, audit, score.
// Answers ok with the member's telegram id ("" if none), or noop.
var removeMemberScript = script(`
local b, mid, now = ARGV[1], ARGV[2], ARGV[3]
local m = redis.call('HMGET', KEYS[1], 'status', 'tg')
if not m[1] then return {'notfound', 'member'} end
if m[1] ~= 'active' then return {'noop'} end
counted(b, mid, -1)
redis.call('HINCRBY', b .. SUF_SEQ, 'act', -1)
release(b, KEYS[2], mid, now)
leaveTeams(b, mid)
withdrawFuture(b, mid, now)
redis.call('HDEL', KEYS[1], 'role')
redis.call('HSET', KEYS[1], 'status', 'left', 'left', now)
leftAt(b, mid, now)
audit(b, ARGV[4], ARGV[5])
return {'ok', m[2] or ''}
`)

// KEYS: member, claims, tg. ARGV: b, member id, now, audit, score.
// Answers ok with the member's former telegram id ("" if none), or noop.
var forgetScript = script(`
local b, mid, now = ARGV[1], ARGV[2], ARGV[3]
local m = redis.call('HMGET', KEYS[1], 'status', 'tg', 'left')
if not m[1] then return {'notfound', 'member'} end
if m[1] == 'forgotten' then return {'noop'} end
counted(b, mid, -1)
if m[1] == 'active' then redis.call('HINCRBY', b .. SUF_SEQ, 'act', -1) end
release(b, KEYS[2], mid, now)
leaveTeams(b, mid)
withdrawFuture(b, mid, now)
unlinkUnit(b, KEYS[1], mid)
redis.call('HDEL', KEYS[1], 'role', 'tg', 'name', 'unit', 'bldg', 'skills', 'lang', 'unreach')
redis.call('DEL', b .. '` + sufLive + `' .. mid)
redis.call('HSET', KEYS[1], 'status', 'forgotten')
if not m[3] then redis.call('HSET', KEYS[1], 'left', now) end
leftAt(b, mid, redis.call('HGET', KEYS[1], 'left'))
if m[2] and redis.call('HGET', KEYS[3], m[2]) == mid then redis.call('HDEL', KEYS[3], m[2]) end
audit(b, ARGV[4], ARGV[5])
return {'ok', m[2] or ''}
`)

// KEYS: member. ARGV: tg, field, value. Sets (or, when value is empty,
// removes) a field of the member if the member belongs to that telegram user.
var memberFieldScript = script(`
if redis.call('HGET', KEYS[1], 'tg') ~= ARGV[1] then return {'noop'} end
local b, mid = memberOf(KEYS[1])
if b then audienceCounted(b, mid, -1) end
hset(KEYS[1], ARGV[2], ARGV[3])
if b then audienceCounted(b, mid, 1) end
return {'ok'}
`)

// KEYS: tg. ARGV: b, tg.
var memberByTelegramScript = script(`
local mid = redis.call('HGET', KEYS[1], ARGV[2])
if not mid then return {'notfound', 'member'} end
local m = redis.call('HGETALL', mkey(ARGV[1], mid))
if #m == 0 then return {'notfound', 'member'} end
return {'ok', mid, m}
`)

// KEYS: members. ARGV: b, n. Answers ok, the number of members, the ids of
// the first n in order, then the fields of each of them.
var membersScript = script(`
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local out = {'ok', redis.call('ZCARD', KEYS[1]), ids}
for _, mid in ipairs(ids) do
  out[#out + 1] = redis.call('HGETALL', mkey(ARGV[1], mid))
end
return out
`)

// KEYS: community, posts, seq. ARGV: b, json, audit, score.
var createPostScript = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
local id = 'P' .. redis.call('HINCRBY', KEYS[3], 'P', 1)
redis.call('HSET', KEYS[2], id, replace(ARGV[2], '"id":"{{id}}"', '"id":"' .. id .. '"'))
postCounted(ARGV[1], ARGV[2], 1)
audit(ARGV[1], ARGV[3], ARGV[4], id)
return {'ok', id}
`)

// KEYS: posts. ARGV: b, id, json, audit, score.
var savePostScript = script(`
local old = redis.call('HGET', KEYS[1], ARGV[2])
if not old then return {'notfound', 'post'} end
postCounted(ARGV[1], old, -1)
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
postCounted(ARGV[1], ARGV[3], 1)
audit(ARGV[1], ARGV[4], ARGV[5])
return {'ok'}
`)

// KEYS: posts, holders. ARGV: post id.
var postScript = script(`
local p = redis.call('HGET', KEYS[1], ARGV[1])
if not p then return {'notfound', 'post'} end
return {'ok', p, redis.call('ZCARD', KEYS[2])}
`)

// KEYS: posts. ARGV: b. Answers ok, then JSON and holder count of each post.
var postsScript = script(`
local out = {'ok'}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  out[#out + 1] = all[i + 1]
  out[#out + 1] = redis.call('ZCARD', hkey(ARGV[1], all[i]))
end
return out
`)

// KEYS: posts, member, holders, claims. ARGV: post id, member id, now, and
// the caller's telegram id or "" (then the member is checked after the post,
// and an unknown one is notfound). Answers ok or held with the post's JSON
// and holder count; with a caller, conflict awaiting for a paired post (its
// claims wait for a confirmation: pairing.go).
var claimScript = script(`
if ARGV[4] ~= '' then
  local e = caller(KEYS[2], ARGV[4])
  if e then return e end
end
local pj = redis.call('HGET', KEYS[1], ARGV[1])
if not pj then return {'notfound', 'post'} end
if ARGV[4] == '' then
  local st = redis.call('HGET', KEYS[2], 'status')
  if not st then return {'notfound', 'member'} end
  if st ~= 'active' then return {'notmember'} end
end
local n = redis.call('ZCARD', KEYS[3])
if redis.call('ZSCORE', KEYS[3], ARGV[2]) then return {'held', pj, n} end
local p = cjson.decode(pj)
if ARGV[4] ~= '' and p.mode == 'paired' then return {'conflict', 'awaiting'} end
if p.closed == true then return {'closed'} end
local cap = tonumber(p.capacity) or 0
if cap > 0 and n >= cap then return {'full'} end
if redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2]) == 1 then heldCounted(memberOf(KEYS[2]), ARGV[2], 1) end
redis.call('RPUSH', KEYS[4], ARGV[1] .. '|' .. ARGV[3] .. '|')
return {'ok', pj, n + 1}
`)

// KEYS: posts, member, holders, claims. ARGV: post id, member id, now, the
// caller's telegram id or "" (as for claimScript), how many released claims
// of the year to keep, and the bounds (unix ms) of the instants no zone's
// year end can be in around now.
var unclaimScript = script(`
if ARGV[4] ~= '' then
  local e = caller(KEYS[2], ARGV[4])
  if e then return e end
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'notfound', 'post'} end
if ARGV[4] == '' and redis.call('EXISTS', KEYS[2]) == 0 then return {'notfound', 'member'} end
if redis.call('ZREM', KEYS[3], ARGV[2]) == 0 then return {'noop'} end
heldCounted(memberOf(KEYS[2]), ARGV[2], -1)
local l = redis.call('LRANGE', KEYS[4], 0, -1)
for i = #l, 1, -1 do
  local p, c, r = string.match(l[i], '^([^|]*)|([^|]*)|(.*)$')
  if p == ARGV[1] and r == '' then
    redis.call('LSET', KEYS[4], i - 1, p .. '|' .. c .. '|' .. ARGV[3])
    l[i] = p .. '|' .. c .. '|' .. ARGV[3]
    break
  end
end
-- Keep the newest ARGV[5] released claims that lie wholly between the
-- possible year ends around now (ARGV[6], ARGV[7]): no total counts them
-- (a year's posts are those held at its end, or now). Older ones go.
local keep, lo, hi = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local drop = {}
for i = #l, 1, -1 do
  local c, r = string.match(l[i], '^[^|]*|([^|]*)|(.*)$')
  if r ~= '' and tonumber(c) >= lo and tonumber(r) < hi then
    if keep > 0 then keep = keep - 1 else drop[#drop + 1] = i end
  end
end
if #drop > 0 then
  for _, i in ipairs(drop) do redis.call('LSET', KEYS[4], i - 1, '~') end
  redis.call('LREM', KEYS[4], 0, '~')
end
return {'ok'}
`)

// KEYS: member, claims.
var claimsOfScript = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'member'} end
return {'ok', redis.call('LRANGE', KEYS[2], 0, -1)}
`)

// KEYS: posts, holders. ARGV: post id.
var holdersScript = script(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {'notfound', 'post'} end
return {'ok', redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')}
`)

// KEYS: community, teams, seq. ARGV: b, json, audit, score, number of
// leaders, then leader ids, then member ids.
var createTeamScript = script(`
local b = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
for i = 6, #ARGV do
  local e = activeStatus(b, ARGV[i])
  if e then return e end
end
local id = 'T' .. redis.call('HINCRBY', KEYS[3], 'T', 1)
redis.call('HSET', KEYS[2], id, replace(ARGV[2], '"id":"{{id}}"', '"id":"' .. id .. '"'))
local nl = tonumber(ARGV[5])
for i = 6, #ARGV do
  redis.call('SADD', tmkey(b, id), ARGV[i])
  if i < 6 + nl then redis.call('SADD', tlkey(b, id), ARGV[i]) end
end
audit(b, ARGV[3], ARGV[4], id)
return {'ok', id}
`)

// KEYS: teams. ARGV: b, team id.
var teamScript = script(`
local t = redis.call('HGET', KEYS[1], ARGV[2])
if not t then return {'notfound', 'team'} end
return {'ok', t, redis.call('SMEMBERS', tmkey(ARGV[1], ARGV[2])), redis.call('SMEMBERS', tlkey(ARGV[1], ARGV[2]))}
`)

// KEYS: teams. ARGV: b. Answers ok, then JSON, members and leaders of each team.
var teamsScript = script(`
local out = {'ok'}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  out[#out + 1] = all[i + 1]
  out[#out + 1] = redis.call('SMEMBERS', tmkey(ARGV[1], all[i]))
  out[#out + 1] = redis.call('SMEMBERS', tlkey(ARGV[1], all[i]))
end
return out
`)

// KEYS: teams. ARGV: b, team id, member id.
var joinTeamScript = script(`
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return {'notfound', 'team'} end
local e = activeStatus(ARGV[1], ARGV[3])
if e then return e end
if redis.call('SADD', tmkey(ARGV[1], ARGV[2]), ARGV[3]) == 0 then return {'noop'} end
return {'ok'}
`)

// KEYS: teams. ARGV: b, team id, member id.
var leaveTeamScript = script(`
local b = ARGV[1]
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return {'notfound', 'team'} end
if redis.call('EXISTS', mkey(b, ARGV[3])) == 0 then return {'notfound', 'member', ARGV[3]} end
redis.call('SREM', tlkey(b, ARGV[2]), ARGV[3])
if redis.call('SREM', tmkey(b, ARGV[2]), ARGV[3]) == 0 then return {'noop'} end
return {'ok'}
`)

// KEYS: teams. ARGV: b, team id, member id, audit, score. Answers ok with 1
// (now a leader) or 0 (no longer one).
var toggleLeaderScript = script(`
local b, t, mid = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HEXISTS', KEYS[1], t) == 0 then return {'notfound', 'team'} end
if redis.call('EXISTS', mkey(b, mid)) == 0 then return {'notfound', 'member', mid} end
if redis.call('SREM', tlkey(b, t), mid) == 1 then
  audit(b, ARGV[4], ARGV[5], nil, 'off')
  return {'ok', 0}
end
local e = activeStatus(b, mid)
if e then return e end
redis.call('SADD', tlkey(b, t), mid)
redis.call('SADD', tmkey(b, t), mid)
audit(b, ARGV[4], ARGV[5], nil, 'on')
return {'ok', 1}
`)

// KEYS: audit. ARGV: b, entry, score.
var auditScript = script(`
audit(ARGV[1], ARGV[2], ARGV[3])
return {'ok'}
`)

// KEYS: user. ARGV: pointer, language ("" for none), role ("" for a plain
// member), "nx" to leave a user who points at another member alone. Adds
// the pointer to the user's memberships (ms) in any case. Points
// the user at a member and snapshots what every update needs of it: the
// role (r) and whether it has a language of its own (nml: it has none, so a
// reply's language needs no read of the member); the user gets the
// member's language if they have none.
var pointUserScript = script(`
local ms = redis.call('HGET', KEYS[1], 'ms')
if not ms then
  redis.call('HSET', KEYS[1], 'ms', ARGV[1])
elseif not string.find(',' .. ms .. ',', ',' .. ARGV[1] .. ',', 1, true) then
  redis.call('HSET', KEYS[1], 'ms', ms .. ',' .. ARGV[1])
end
local cur = redis.call('HGET', KEYS[1], 'm')
if ARGV[4] == 'nx' and cur and cur ~= ARGV[1] then return {'noop'} end
redis.call('HSET', KEYS[1], 'm', ARGV[1], 'r', ARGV[3])
redis.call('HDEL', KEYS[1], 'ur')
if ARGV[2] ~= '' then
  redis.call('HSETNX', KEYS[1], 'lang', ARGV[2])
  redis.call('HDEL', KEYS[1], 'nml')
else
  redis.call('HSET', KEYS[1], 'nml', '1')
end
return {'ok'}
`)

// KEYS: user. ARGV: pointer, field, value. Sets a snapshot field of the
// user's membership (r, ur) if the user still points at that member.
var snapshotScript = script(`
if redis.call('HGET', KEYS[1], 'm') ~= ARGV[1] then return {'noop'} end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return {'ok'}
`)

// KEYS: user. ARGV: pointer, role, unreachable ("1" or ""). Writes the whole
// membership snapshot if the user still points at that member.
var writeSnapshotScript = script(`
if redis.call('HGET', KEYS[1], 'm') ~= ARGV[1] then return {'noop'} end
redis.call('HSET', KEYS[1], 'r', ARGV[2])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'ur', '1') else redis.call('HDEL', KEYS[1], 'ur') end
return {'ok'}
`)

// KEYS: user. ARGV: pointer. Removes the user's membership pointer, and
// its snapshot, if it still is the given one.
var dropPointerScript = script(`
if redis.call('HGET', KEYS[1], 'm') == ARGV[1] then redis.call('HDEL', KEYS[1], 'm', 'r', 'ur', 'nml') end
return {'ok'}
`)

// KEYS: user, flow. ARGV: pointer. Deletes what is stored about the user
// unless they are a member somewhere else.
var forgetUserScript = script(`
local m = redis.call('HGET', KEYS[1], 'm')
if m and m ~= ARGV[1] then return {'noop'} end
redis.call('DEL', KEYS[1], KEYS[2])
return {'ok'}
`)

// KEYS: invite. ARGV: b, audit, score. Revokes an invite: ok, or noop when
// it already was.
var revokeInviteScript = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'invite'} end
if redis.call('HEXISTS', KEYS[1], 'rev') == 1 then return {'noop'} end
redis.call('HSET', KEYS[1], 'rev', '1')
audit(ARGV[1], ARGV[2], ARGV[3])
return {'ok'}
`)

// KEYS: invites. ARGV: b, now. Drops the index entries of invites Redis has
// dropped or that expired before now, then answers ok and, for each live
// invite by expiry, its code, j, used and rev.
var listInvitesScript = script(`
local b = ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
local out = {'ok'}
for _, code in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('HMGET', b .. '` + sufInvite + `' .. code, 'j', 'used', 'rev')
  if v[1] then
    out[#out + 1] = {code, v[1], v[2] or '', v[3] or ''}
  else
    redis.call('ZREM', KEYS[1], code)
  end
end
return out
`)

// allScripts is what LoadScripts loads.
var allScripts = []*redis.Script{
	createCommunityScript, saveCommunityScript, createInviteScript, registerScript,
	importMembersScript, updateProfileScript, setRoleScript, removeMemberScript,
	forgetScript, memberFieldScript, memberByTelegramScript, membersScript,
	createPostScript, savePostScript, postScript, postsScript, claimScript,
	unclaimScript, claimsOfScript, holdersScript, createTeamScript, teamScript,
	teamsScript, joinTeamScript, leaveTeamScript, toggleLeaderScript, auditScript,
	dropPointerScript, forgetUserScript, pointUserScript, snapshotScript,
	writeSnapshotScript, revokeInviteScript, listInvitesScript,
}
