package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// The outbox (SPEC section 5) keeps every message that is not an immediate
// reply under the one hash tag {ob} (keys.go), so that each step — enqueue,
// claim, acknowledge, requeue — is one Lua script on one cluster slot, and
// every replica shares it:
//
//   - each chat has its own queue ordered by due time (FIFO among equal
//     times), and a zset of chats by the time each may next send, so that a
//     slow or held chat never holds up another;
//   - a claimed message is leased (in-flight zset by lease expiry); a lease
//     that runs out puts the message back, so a crashed sender's messages go
//     out from any replica;
//   - a token bucket paces the whole bot at the rate the senders pass (all
//     replicas draw from it), and each chat at one message a second (a group
//     at one every three seconds, 20 a minute);
//   - a 429 holds its chat for retry_after, and repeated 429s halve the rate
//     for a while; 403 / chat not found drops the chat's messages for good;
//     other failures back off exponentially and end as dead letters.

// Outbox tuning. The rate itself is the caller's (LAMPLIGHTER_RATE).
const (
	// OutboxMaxAttempts is how many failed attempts (429s not counted) make
	// a message a dead letter.
	OutboxMaxAttempts = 8
	// OutboxBackoff is the wait after a first failure; it doubles with each
	// further one, up to OutboxMaxBackoff.
	OutboxBackoff    = 5 * time.Second
	OutboxMaxBackoff = 30 * time.Minute
	// PrivateChatInterval and GroupChatInterval space the messages to one
	// chat: 1 a second to a private chat, 20 a minute to a group.
	PrivateChatInterval = time.Second
	GroupChatInterval   = 3 * time.Second
	// ProgressInterval is the shortest time between two edits of a
	// broadcast's progress message.
	ProgressInterval = 3 * time.Second
	// outboxDoneTTL is how long the id of a delivered or dropped message is
	// remembered, so that enqueueing it again does nothing.
	outboxDoneTTL = 72 * time.Hour
	// broadcastTTL is how long a broadcast's counters outlive its last
	// change.
	broadcastTTL = 30 * 24 * time.Hour
	// burstSeconds sizes the token bucket: a sender may send this many
	// seconds' worth of messages at once after a pause.
	burstSeconds = 0.1
	// A 429 within repeat429 of the previous one halves the rate (at most
	// once a second, down to minRateFactor); the rate doubles back each
	// rateRecovery after slowFor without a halving.
	repeat429     = 10 * time.Second
	slowFor       = time.Minute
	rateRecovery  = 10 * time.Second
	minRateFactor = 1.0 / 16
	// enqueueBatch is how many messages one script call enqueues.
	enqueueBatch = 500
	// enqueueRunBatch is how many messages one EnqueueRun script stores: at
	// 500 such a script held Redis for 7-18 ms on a loaded machine.
	enqueueRunBatch = 250
	// A broadcast's recipients wait in one hash (a few dozen bytes each)
	// and become messages of their own (chat queue, ready entry, message
	// hash: some 400 bytes more) only as the senders draw near them: a
	// claim tops the chats ready up to materializeWindow, turning at most
	// materializeBatch recipients into messages at a time.
	materializeWindow = 2000
	materializeBatch  = 500
)

// outboxPrelude holds the helpers of the outbox scripts. ARGV[1] is always
// the base <p>{ob}: and ARGV[2] the caller's now (unix ms).
var outboxPrelude = `
local O, NOW = ARGV[1], tonumber(ARGV[2])
local DONE_TTL, PROGRESS_MS, BC_TTL = ` + ms(outboxDoneTTL) + `, ` + ms(ProgressInterval) + `, ` + ms(broadcastTTL) + `
local PRIVATE_MS, GROUP_MS = ` + ms(PrivateChatInterval) + `, ` + ms(GroupChatInterval) + `

local function f0(x) return string.format('%.0f', x) end
local function mk(id) return O .. '` + obMsg + `' .. id end
local function qk(chat) return O .. '` + obQueue + `' .. chat end
local function pk(chat) return O .. '` + obPace + `' .. chat end
local function bk(b) return O .. '` + obBcast + `' .. b end
local READY, BUSY, INFLIGHT = O .. '` + obReady + `', O .. '` + obBusy + `', O .. '` + obInFlight + `'
local ALL, DEAD, STATS, BUCKET = O .. '` + obAll + `', O .. '` + obDead + `', O .. '` + obStats + `', O .. '` + obBucket + `'

-- schedule puts a chat that is not busy in READY at the time its first
-- message is due, or when its pace allows, whichever is later.
local function schedule(chat)
  if redis.call('HEXISTS', BUSY, chat) == 1 then return end
  local h = redis.call('ZRANGE', qk(chat), 0, 0, 'WITHSCORES')
  if #h == 0 then redis.call('ZREM', READY, chat) return end
  local due = math.floor(tonumber(h[2]) / 1024)
  local pace = tonumber(redis.call('GET', pk(chat)) or '0') or 0
  redis.call('ZADD', READY, f0(math.max(due, pace)), chat)
end

local function hold(chat, untilMS)
  local cur = tonumber(redis.call('GET', pk(chat)) or '0') or 0
  if untilMS > cur then
    redis.call('SET', pk(chat), f0(untilMS), 'PX', f0(untilMS - NOW + 60000))
  end
end

local BODYREFS = O .. '` + obBodyRefs + `'
local function bodyk(b) return O .. '` + obBody + `' .. b end

-- Messages waiting or in flight are counted in STATS live, and by when
-- they were queued in LIVEN (enqueue ms -> count) and LIVEB (the same ms
-- by time, for the oldest): a message's field e holds its ms while it is
-- counted. (ALL, a zset of every such message id, is where an older version
-- kept them: still read and cleaned.)
local LIVEB, LIVEN = O .. '` + obLiveBatches + `', O .. '` + obLiveCounts + `'
local function enter(e)
  redis.call('HINCRBY', LIVEN, e, 1)
  redis.call('ZADD', LIVEB, 'NX', e, e)
  redis.call('HINCRBY', STATS, 'live', 1)
end
local function leave(id)
  redis.call('ZREM', ALL, id)
  local e = redis.call('HGET', mk(id), 'e')
  if not e then return end
  redis.call('HDEL', mk(id), 'e')
  redis.call('HINCRBY', STATS, 'live', -1)
  if redis.call('HINCRBY', LIVEN, e, -1) <= 0 then
    redis.call('HDEL', LIVEN, e)
    redis.call('ZREM', LIVEB, e)
  end
end

-- store adds one message unless its id is queued, dead or recently done;
-- seq orders messages due at the same time in a chat. Answers 1 if added.
local function store(id, chat, j, due, exp, kind, bc, pb, body, seq, refd, v)
  if redis.call('EXISTS', mk(id), O .. '` + obDone + `' .. id) > 0 then return 0 end
  local sc = f0(due * 1024 + (seq % 1024))
  local f = {'j', j, 'chat', chat, 'sc', sc, 'kind', kind, 'att', 0, 'cl', 0, 'e', f0(NOW)}
  if v and v ~= '' then f[#f + 1] = 'v'; f[#f + 1] = v end
  if exp ~= '' then f[#f + 1] = 'exp'; f[#f + 1] = exp end
  if bc ~= '' then f[#f + 1] = 'bc'; f[#f + 1] = bc end
  if pb ~= '' then f[#f + 1] = 'pb'; f[#f + 1] = pb end
  if body ~= '' then
    f[#f + 1] = 'b'; f[#f + 1] = body
    if not refd then redis.call('HINCRBY', BODYREFS, body, 1) end
  end
  redis.call('HSET', mk(id), unpack(f))
  redis.call('ZADD', qk(chat), sc, id)
  enter(f0(NOW))
  if redis.call('ZRANK', qk(chat), id) == 0 then schedule(chat) end
  return 1
end

-- nextSeq reserves n sequence numbers and returns the first.
local function nextSeq(n)
  return redis.call('HINCRBY', STATS, 'seq', n) - n + 1
end

-- storeBodies stores the distinct replies of a batch: ARGV[i] is their
-- number, then id and JSON of each. Answers the index after them.
local function storeBodies(i)
  local n = tonumber(ARGV[i])
  for k = i + 1, i + 2 * n, 2 do
    redis.call('SET', bodyk(ARGV[k]), ARGV[k + 1], 'NX')
  end
  return i + 1 + 2 * n
end

-- dropUnused deletes the bodies of a batch that no message refers to.
local function dropUnused(i)
  local n = tonumber(ARGV[i])
  for k = i + 1, i + 2 * n, 2 do
    if not redis.call('HGET', BODYREFS, ARGV[k]) then redis.call('DEL', bodyk(ARGV[k])) end
  end
end

-- progress queues the next update of broadcast b's progress message, unless
-- one is already waiting or in flight.
local function progress(b)
  local key = bk(b)
  local v = redis.call('HMGET', key, 'pq', 'chat', 'plast', 'lang', 'comm')
  if v[1] == '1' or not v[2] or v[2] == '0' then return end
  local pn = redis.call('HINCRBY', key, 'pn', 1)
  local pid = 'bcp:' .. b .. ':' .. pn
  local j = '{"id":"' .. pid .. '","chat":' .. v[2] .. ',"kind":"progress","broadcast":"' .. b ..
    '","community":"' .. (v[5] or '') .. '","lang":"' .. (v[4] or '') .. '"}'
  local due = math.max(NOW, (tonumber(v[3]) or 0) + PROGRESS_MS)
  if store(pid, v[2], j, due, '', 'progress', '', b, '', nextSeq(1)) == 1 then
    redis.call('HINCRBY', STATS, 'enqueued', 1)
    redis.call('HSET', key, 'pq', '1')
  end
end

-- count records a message's end in the stats and in its broadcast.
local function count(field, bc)
  redis.call('HINCRBY', STATS, field, 1)
  if bc and bc ~= '' then
    local f = field
    if f == 'dead' then f = 'failed' end
    redis.call('HINCRBY', bk(bc), f, 1)
    redis.call('PEXPIRE', bk(bc), BC_TTL)
    progress(bc)
  end
end

-- unref drops a message's reference to its body, and the body with the last.
local function unref(body)
  if body and body ~= '' and redis.call('HINCRBY', BODYREFS, body, -1) <= 0 then
    redis.call('HDEL', BODYREFS, body)
    redis.call('DEL', bodyk(body))
  end
end

-- finish removes a message for good and counts its end.
local function finish(id, chat, bc, pb, field)
  unref(redis.call('HGET', mk(id), 'b'))
  leave(id)
  redis.call('DEL', mk(id))
  redis.call('ZREM', qk(chat), id)
  redis.call('ZREM', INFLIGHT, id)
  redis.call('SET', O .. '` + obDone + `' .. id, '1', 'PX', DONE_TTL)
  if pb and pb ~= '' then redis.call('HSET', bk(pb), 'pq', '0') end
  count(field, bc)
end

local function release(id, chat)
  redis.call('ZREM', INFLIGHT, id)
  if redis.call('HGET', BUSY, chat) == id then redis.call('HDEL', BUSY, chat) end
end

-- A broadcast's recipients wait in bp:<b> (message id -> chat, due, exp,
-- kind, body id and packed message, tab-separated), broadcasts with
-- waiting recipients in PEND by when they were queued, until the claim
-- script turns up to room of them into messages (materialize). A reminder
-- run's recipients wait the same way under b = 'r:' .. run, in PEND by
-- when they are due, and are not materialized before; they belong to no
-- broadcast.
local PEND = O .. '` + obPend + `'
local function pendk(b) return O .. '` + obPending + `' .. b end
-- A run's compact recipients (EnqueueRun) wait in bq:r:<run> as member ->
-- '~' profile, chat, parts and values (tab-separated), the message id being
-- <run>:<member>, the run in QPEND by when it is due; what the run's
-- messages share (due, exp, kind, body id, and their packed j around the
-- member) is kept once, as a profile, in rp:r:<run> (profile -> number and
-- number -> profile), deleted with the run's last waiting recipient. (Keys
-- of their own, so that a replica of an older version, which knows only
-- PEND and bp:, never meets an entry it cannot read.)
local QPEND = O .. '` + obQPend + `'
local function qpendk(b) return O .. '` + obCompact + `' .. b end
local function runpk(b) return O .. '` + obRunProf + `' .. b end

local function materialize(room)
  while room > 0 do
    local zk, compact = PEND, false
    local h = redis.call('ZRANGE', PEND, '-inf', NOW, 'BYSCORE', 'LIMIT', 0, 1)
    if #h == 0 then
      zk, compact = QPEND, true
      h = redis.call('ZRANGE', QPEND, '-inf', NOW, 'BYSCORE', 'LIMIT', 0, 1)
    end
    if #h == 0 then return end
    local b = h[1]
    local bc = b
    if string.sub(b, 1, 2) == 'r:' then bc = '' end
    local pk = pendk(b)
    if compact then pk = qpendk(b) end
    local ids = redis.call('HRANDFIELD', pk, room)
    if #ids == 0 then
      redis.call('ZREM', zk, b)
      if compact then redis.call('DEL', runpk(b)) end
    else
      local vals = redis.call('HMGET', pk, unpack(ids))
      local seq = nextSeq(#ids)
      local profs = {}
      for k = 1, #ids do
        local v = vals[k] or ''
        if string.byte(v, 1) == 126 then
          local x, chat, parts, values = string.match(v, '^~([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$')
          local pr = x and profs[x]
          if x and pr == nil then
            pr = false
            local ps = redis.call('HGET', runpk(b), x)
            if ps then
              local due, exp, kind, body, jpre, jpost = string.match(ps, '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$')
              if due then pr = {tonumber(due), exp, kind, body, jpre, jpost} end
            end
            profs[x] = pr
          end
          if pr then
            local vv = ''
            if parts ~= '' or values ~= '' then vv = parts .. '\t' .. values end
            if store(string.sub(b, 3) .. ':' .. ids[k], chat, pr[5] .. ids[k] .. pr[6], pr[1], pr[2], pr[3], bc, '', pr[4], seq, true, vv) == 0 then
              unref(pr[4])
            end
          end
        else
          local chat, due, exp, kind, body, j = string.match(v, '^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$')
          if chat and store(ids[k], chat, j, tonumber(due), exp, kind, bc, '', body, seq, true) == 0 then unref(body) end
        end
        seq = seq + 1
      end
      redis.call('HDEL', pk, unpack(ids))
      redis.call('HINCRBY', STATS, 'pending', -#ids)
      if redis.call('HLEN', pk) == 0 then
        redis.call('ZREM', zk, b)
        if compact then redis.call('DEL', runpk(b)) end
      end
      room = room - #ids
    end
  end
end
`

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

func outboxScript(body string) *redis.Script { return redis.NewScript(outboxPrelude + body) }

// KEYS: stats. ARGV: o, now, bodies (count, then id and JSON of each),
// then per message: id, chat, json, due, exp, kind, bc, body id.
// Answers the number of messages added.
var obEnqueueScript = outboxScript(`
local first = storeBodies(3)
local seq = nextSeq(math.floor((#ARGV - first + 1) / 8))
local n = 0
for i = first, #ARGV, 8 do
  n = n + store(ARGV[i], ARGV[i+1], ARGV[i+2], tonumber(ARGV[i+3]), ARGV[i+4], ARGV[i+5], ARGV[i+6], '', ARGV[i+7], seq)
  seq = seq + 1
end
dropUnused(3)
redis.call('HINCRBY', STATS, 'enqueued', n)
return n
`)

// KEYS: stats. ARGV: o, now, broadcast id, community, chat, lang, audience,
// by, created, progress json, bodies, then messages as for obEnqueueScript. Creates the
// broadcast (and queues its first progress message) unless it exists, and
// adds the messages not already queued or delivered to its total.
// Answers {created (0/1), added}.
var enqueueBroadcastScript = outboxScript(`
local b = ARGV[3]
local key = bk(b)
local created = 0
if redis.call('EXISTS', key) == 0 then
  created = 1
  redis.call('HSET', key, 'comm', ARGV[4], 'chat', ARGV[5], 'lang', ARGV[6], 'aud', ARGV[7], 'by', ARGV[8],
    'created', ARGV[9], 'total', 0, 'sent', 0, 'failed', 0, 'unreachable', 0, 'expired', 0, 'pn', 0, 'pq', 0, 'plast', 0)
end
redis.call('PEXPIRE', key, BC_TTL)
local first = storeBodies(11)
local seq = nextSeq(1)
-- The progress message goes first in its chat, before the sender's own copy.
if created == 1 and ARGV[5] ~= '0' then
  if store('bcp:' .. b .. ':0', ARGV[5], ARGV[10], NOW, '', 'progress', '', b, '', seq) == 1 then
    redis.call('HINCRBY', STATS, 'enqueued', 1)
    redis.call('HSET', key, 'pq', '1')
  end
end
-- The recipients wait in bp:<b> until the claim script materializes them.
local n = 0
local pk = pendk(b)
for i = first, #ARGV, 8 do
  local id, body = ARGV[i], ARGV[i+7]
  if redis.call('EXISTS', mk(id)) == 0 and redis.call('EXISTS', O .. '` + obDone + `' .. id) == 0 and
    redis.call('HSETNX', pk, id, ARGV[i+1] .. '\t' .. ARGV[i+3] .. '\t' .. ARGV[i+4] .. '\t' .. ARGV[i+5] .. '\t' .. body .. '\t' .. ARGV[i+2]) == 1 then
    if body ~= '' then redis.call('HINCRBY', BODYREFS, body, 1) end
    n = n + 1
  end
end
if n > 0 then
  redis.call('ZADD', PEND, 'NX', f0(NOW), b)
  redis.call('HINCRBY', STATS, 'pending', n)
end
dropUnused(11)
redis.call('HINCRBY', key, 'total', n)
redis.call('HINCRBY', STATS, 'enqueued', n)
return {created, n}
`)

// KEYS: stats. ARGV: o, now, run, due (unix ms: when the first of them is
// due), bodies, then messages as for obEnqueueScript. Adds the messages not
// already queued, waiting or recently done to the run's waiting recipients
// (bp:r:<run>), to be materialized from due on. Answers the number added.
var enqueueRunScript = outboxScript(`
local b = 'r:' .. ARGV[3]
local first = storeBodies(5)
local pk = pendk(b)
local n = 0
local refs = {}
for i = first, #ARGV, 8 do
  local id, body = ARGV[i], ARGV[i+7]
  if redis.call('EXISTS', mk(id)) == 0 and redis.call('EXISTS', O .. '` + obDone + `' .. id) == 0 and
    redis.call('HSETNX', pk, id, ARGV[i+1] .. '\t' .. ARGV[i+3] .. '\t' .. ARGV[i+4] .. '\t' .. ARGV[i+5] .. '\t' .. body .. '\t' .. ARGV[i+2]) == 1 then
    if body ~= '' then refs[body] = (refs[body] or 0) + 1 end
    n = n + 1
  end
end
for body, k in pairs(refs) do redis.call('HINCRBY', BODYREFS, body, k) end
if n > 0 then
  redis.call('ZADD', PEND, 'LT', ARGV[4], b)
  redis.call('HINCRBY', STATS, 'pending', n)
end
dropUnused(5)
redis.call('HINCRBY', STATS, 'enqueued', n)
return n
`)

// KEYS: ready. ARGV: o, now, max, lease ms, rate (messages/s), paid rate
// (0: none). Puts back messages whose lease ran out, then claims up to max
// messages, one per ready chat, as the token buckets allow. Answers {'wait', ms} when
// no token is left, else {'ok', hint ms (-1: nothing queued), items...}
// with each item {id, json, attempts, token, broadcast fields (or empty), reply
// JSON (or empty), chat, kind, bc, exp, paid ("1": drawn on the paid bucket),
// template parts and values (or empty)}.
var obClaimScript = outboxScript(`
local maxn, lease, rate = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])

for _, id in ipairs(redis.call('ZRANGEBYSCORE', INFLIGHT, '-inf', ARGV[2], 'LIMIT', 0, 200)) do
  local m = redis.call('HMGET', mk(id), 'chat', 'sc')
  release(id, m[1] or '')
  if m[1] then
    redis.call('ZADD', qk(m[1]), m[2], id)
    redis.call('HINCRBY', STATS, 'reclaimed', 1)
    schedule(m[1])
  end
end

-- Keep up to ` + strconv.Itoa(materializeWindow) + ` chats ready or waiting for their pace, taken
-- from the broadcasts' waiting recipients.
local room = ` + strconv.Itoa(materializeWindow) + ` - redis.call('ZCARD', READY)
if room > 0 and redis.call('EXISTS', PEND, QPEND) > 0 then materialize(math.min(room, ` + strconv.Itoa(materializeBatch) + `)) end

local prate = tonumber(ARGV[6]) or 0
local b = redis.call('HMGET', BUCKET, 'tok', 'ts', 'f', 'slow', 'ptok', 'pts')
local f = tonumber(b[3]) or 1
local slow = tonumber(b[4]) or 0
if f < 1 and NOW >= slow then
  f = math.min(1, f * 2)
  slow = NOW + ` + ms(rateRecovery) + `
end
-- fill answers a bucket's tokens and time at now, for the rate eff.
local function fill(tok, ts, eff)
  local burst = math.max(1, eff * ` + strconv.FormatFloat(burstSeconds, 'f', -1, 64) + `)
  ts = tonumber(ts) or NOW
  tok = tonumber(tok) or burst
  if NOW > ts then
    tok = tok + (NOW - ts) * eff / 1000
    ts = NOW
  end
  return math.min(tok, burst), ts
end
-- The free bucket paces every message at rate; with a paid rate,
-- broadcast messages (not their progress messages) draw on a bucket of
-- their own instead and go with allow_paid_broadcast.
local eff, peff = rate * f, prate * f
local tok, ts = fill(b[1], b[2], eff)
local ptok, pts = 0, NOW
if prate > 0 then ptok, pts = fill(b[5], b[6], peff) end
local function save()
  redis.call('HSET', BUCKET, 'tok', tostring(tok), 'ts', f0(ts), 'f', tostring(f), 'slow', f0(slow))
  if prate > 0 then redis.call('HSET', BUCKET, 'ptok', tostring(ptok), 'pts', f0(pts)) end
end
local function tokenWait(t, e) return math.ceil((1 - t) * 1000 / e) end
if tok < 1 and ptok < 1 then
  save()
  local w = tokenWait(tok, eff)
  if prate > 0 then w = math.min(w, tokenWait(ptok, peff)) end
  return {'wait', f0(w)}
end

local n = maxn
local out = {'ok', 0}
local claimed = 0
local short = nil -- a bucket that held up a ready chat: wait for its next token
local skipped = 0 -- ready chats held up so: some are worth looking past, not the whole window
for _, chat in ipairs(redis.call('ZRANGEBYSCORE', READY, '-inf', ARGV[2], 'LIMIT', 0, n + 50)) do
  if claimed >= n or (tok < 1 and ptok < 1) or skipped >= 32 then break end
  while true do
    local h = redis.call('ZRANGE', qk(chat), 0, 0, 'WITHSCORES')
    if #h == 0 then redis.call('ZREM', READY, chat) break end
    local id = h[1]
    local due = math.floor(tonumber(h[2]) / 1024)
    local m = redis.call('HMGET', mk(id), 'j', 'exp', 'att', 'bc', 'pb', 'b', 'kind', 'v')
    if not m[1] then
      redis.call('ZREM', qk(chat), id)
    elseif m[2] and tonumber(m[2]) <= NOW then
      finish(id, chat, m[4], m[5], 'expired')
    elseif due > NOW then
      schedule(chat)
      break
    elseif (prate > 0 and m[4] and not m[5] and ptok < 1) or (not (prate > 0 and m[4] and not m[5]) and tok < 1) then
      -- Come back when 10 ms of that bucket's tokens are there, not for each one.
      if prate > 0 and m[4] and not m[5] then
        short = tokenWait(ptok - math.max(0, peff / 100 - 1), peff)
      else
        short = tokenWait(tok - math.max(0, eff / 100 - 1), eff)
      end
      skipped = skipped + 1
      break
    else
      local paid = '0'
      if prate > 0 and m[4] and not m[5] then
        paid = '1'
        ptok = ptok - 1
      else
        tok = tok - 1
      end
      redis.call('ZREM', qk(chat), id)
      redis.call('ZREM', READY, chat)
      redis.call('ZADD', INFLIGHT, f0(NOW + lease), id)
      redis.call('HSET', BUSY, chat, id)
      local cl = redis.call('HINCRBY', mk(id), 'cl', 1)
      local gap = PRIVATE_MS
      if tonumber(chat) < 0 then gap = GROUP_MS end
      hold(chat, NOW + gap)
      local p = ''
      if m[5] then
        p = redis.call('HMGET', bk(m[5]), 'total', 'sent', 'failed', 'unreachable', 'expired', 'msg', 'aud', 'lang', 'comm')
        for i = 1, #p do if not p[i] then p[i] = '' end end
      end
      local body = ''
      if m[6] then body = redis.call('GET', bodyk(m[6])) or '' end
      out[#out + 1] = {id, m[1], m[3] or '0', cl, p, body, chat, m[7] or '', m[4] or '', m[2] or '', paid, m[8] or ''}
      claimed = claimed + 1
      break
    end
  end
end
save()
local first = redis.call('ZRANGE', READY, 0, 0, 'WITHSCORES')
if #first == 0 then
  if redis.call('HLEN', BUSY) == 0 then out[2] = -1 end
else
  out[2] = f0(math.max(0, tonumber(first[2]) - NOW))
  if short and claimed == 0 then out[2] = f0(math.max(tonumber(out[2]), short)) end
end
-- Recipients waiting to be due (a reminder run held by quiet hours).
for _, zk in ipairs({PEND, QPEND}) do
  local pend = redis.call('ZRANGE', zk, 0, 0, 'WITHSCORES')
  if #pend > 0 then
    local w = math.max(0, tonumber(pend[2]) - NOW)
    if tonumber(out[2]) < 0 or w < tonumber(out[2]) then out[2] = f0(w) end
  end
end
return out
`)

// KEYS: stats. ARGV: o, now, id, token, status, message id, retry after ms,
// until ms, reason, rendered, max attempts, backoff ms, max backoff ms.
// Answers {'ok'}, {'noop'} (no such message) or {'stale'} (a later claim
// owns it).
var obAckScript = outboxScript(`
local id, token, status = ARGV[3], ARGV[4], ARGV[5]
local m = redis.call('HMGET', mk(id), 'chat', 'cl', 'bc', 'pb', 'att', 'sc')
if not m[1] then return {'noop'} end
local chat, bc, pb = m[1], m[3], m[4]
local inflight = redis.call('ZSCORE', INFLIGHT, id)
if status ~= 'sent' and (not inflight or m[2] ~= token) then return {'stale'} end
release(id, chat)

if status == 'sent' then
  finish(id, chat, bc, pb, 'sent')
  if pb then
    local key = bk(pb)
    if ARGV[6] ~= '0' then redis.call('HSET', key, 'msg', ARGV[6]) end
    redis.call('HSET', key, 'plast', f0(NOW))
    local v = redis.call('HMGET', key, 'sent', 'failed', 'unreachable', 'expired')
    local done = 0
    for i = 1, 4 do done = done + (tonumber(v[i]) or 0) end
    if done > tonumber(ARGV[10]) then progress(pb) end
  end
elseif status == 'retry' then
  redis.call('ZADD', qk(chat), m[6], id)
  hold(chat, NOW + tonumber(ARGV[7]))
  redis.call('HINCRBY', STATS, 'ratelimited', 1)
  local v = redis.call('HMGET', BUCKET, 'l429', 'lh', 'f')
  local l429, lh, f = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 1
  if v[1] and NOW - l429 < ` + ms(repeat429) + ` and NOW - lh >= 1000 then
    f = math.max(f / 2, ` + strconv.FormatFloat(minRateFactor, 'f', -1, 64) + `)
    redis.call('HSET', BUCKET, 'f', tostring(f), 'lh', f0(NOW), 'slow', f0(NOW + ` + ms(slowFor) + `), 'tok', '0')
  end
  redis.call('HSET', BUCKET, 'l429', f0(NOW))
elseif status == 'unreachable' then
  finish(id, chat, bc, pb, 'unreachable')
  for _, other in ipairs(redis.call('ZRANGE', qk(chat), 0, -1)) do
    local o = redis.call('HMGET', mk(other), 'bc', 'pb')
    finish(other, chat, o[1], o[2], 'unreachable')
  end
elseif status == 'deferred' then
  local seq = redis.call('HINCRBY', STATS, 'seq', 1)
  local sc = f0(tonumber(ARGV[8]) * 1024 + (seq % 1024))
  redis.call('HSET', mk(id), 'sc', sc)
  redis.call('ZADD', qk(chat), sc, id)
  redis.call('HINCRBY', STATS, 'deferred', 1)
else
  local att = redis.call('HINCRBY', mk(id), 'att', 1)
  redis.call('HSET', mk(id), 'err', ARGV[9])
  redis.call('HINCRBY', STATS, 'failed', 1)
  if att >= tonumber(ARGV[11]) then
    leave(id)
    redis.call('ZADD', DEAD, f0(NOW), id)
    redis.call('HSET', mk(id), 'died', f0(NOW))
    if pb then redis.call('HSET', bk(pb), 'pq', '0') end
    count('dead', bc)
  else
    local wait = math.min(tonumber(ARGV[12]) * 2 ^ (att - 1), tonumber(ARGV[13]))
    local seq = redis.call('HINCRBY', STATS, 'seq', 1)
    local sc = f0((NOW + wait) * 1024 + (seq % 1024))
    redis.call('HSET', mk(id), 'sc', sc)
    redis.call('ZADD', qk(chat), sc, id)
  end
end
schedule(chat)
return {'ok'}
`)

// KEYS: dead. ARGV: o, now. Puts every dead letter back in its chat's
// queue with its attempts reset; answers how many.
var obRequeueScript = outboxScript(`
local n = 0
for _, id in ipairs(redis.call('ZRANGE', DEAD, 0, -1)) do
  redis.call('ZREM', DEAD, id)
  local m = redis.call('HMGET', mk(id), 'chat', 'bc')
  if m[1] then
    local seq = redis.call('HINCRBY', STATS, 'seq', 1)
    local sc = f0(NOW * 1024 + (seq % 1024))
    redis.call('HSET', mk(id), 'att', 0, 'sc', sc, 'e', f0(NOW))
    redis.call('HDEL', mk(id), 'err', 'died')
    redis.call('ZADD', qk(m[1]), sc, id)
    enter(f0(NOW))
    if m[2] then redis.call('HINCRBY', bk(m[2]), 'failed', -1) end
    schedule(m[1])
    n = n + 1
  end
end
return n
`)

// KEYS: stats. ARGV: o, now. Answers {stats..., queued+inflight, inflight,
// dead, ready chats, busy chats, oldest, first ready, rate factor, oldest
// broadcast with recipients not yet materialized}.
var outboxStatusScript = outboxScript(`
local first = redis.call('ZRANGE', ALL, 0, 0, 'WITHSCORES')
local firstLive = redis.call('ZRANGE', LIVEB, 0, 0, 'WITHSCORES')
if firstLive[2] and (not first[2] or tonumber(firstLive[2]) < tonumber(first[2])) then first = firstLive end
local ready = redis.call('ZRANGE', READY, 0, 0, 'WITHSCORES')
return {
  redis.call('HGETALL', STATS),
  redis.call('ZCARD', ALL) + (tonumber(redis.call('HGET', STATS, 'live')) or 0), redis.call('ZCARD', INFLIGHT), redis.call('ZCARD', DEAD),
  redis.call('ZCARD', READY), redis.call('HLEN', BUSY),
  first[2] or '', ready[2] or '', redis.call('HGET', BUCKET, 'f') or '1',
  redis.call('ZRANGE', PEND, 0, 0, 'WITHSCORES')[2] or '',
  redis.call('ZRANGE', QPEND, 0, 0, 'WITHSCORES')[2] or ''
}
`)

func init() {
	allScripts = append(allScripts, obEnqueueScript, enqueueBroadcastScript, enqueueRunScript, obClaimScript, obAckScript,
		obRequeueScript, outboxStatusScript)
}

// broadcastIDPattern is what a broadcast id may hold: it ends up in keys,
// message ids and hand-built JSON.
var broadcastIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// storedMessage is how a message was kept before messages were packed
// (packMessage): JSON without its reply. decodeMessage still reads it, for
// messages queued by an older version.
type storedMessage struct {
	ll.OutMessage
	Reply *ll.Reply `json:"reply,omitempty"` // hides OutMessage.Reply
}

// packSep separates the fields of a packed message; no id, language, zone
// or community holds it (a message whose fields do is kept as JSON).
const packSep = "\x1f"

// packMessage is how a message is kept in its hash (field j): what the
// hash's other fields (chat, kind, bc, exp, b) do not already say, in a few
// dozen bytes rather than a JSON object, so that the hash stays in Redis's
// compact encoding (every value under 64 bytes): community, member,
// language, due (unix ms), quiet hours ("start-end") and zone, separated by
// packSep. A message with a field holding packSep, or a progress message
// (built by a script), is kept as JSON; decodeMessage tells them apart by
// the leading "{".
func packMessage(m ll.OutMessage) (string, error) {
	quiet := ""
	if m.Quiet != nil {
		quiet = strconv.Itoa(m.Quiet.Start) + "-" + strconv.Itoa(m.Quiet.End)
	}
	f := []string{m.Community, m.Member, m.Lang, millis(m.Due), quiet, m.Zone}
	p := strings.Join(f, packSep)
	if strings.Count(p, packSep) != len(f)-1 || strings.HasPrefix(p, "{") {
		return encodeJSON(storedMessage{OutMessage: m})
	}
	return p, nil
}

// unpackMessage reads what packMessage wrote into m (whose ID, ChatID,
// Kind, Broadcast and Expires come from the hash's own fields).
func unpackMessage(p string, m *ll.OutMessage) error {
	f := strings.Split(p, packSep)
	if len(f) != 6 {
		return fmt.Errorf("packed message has %d fields, want 6", len(f))
	}
	m.Community, m.Member, m.Lang, m.Due, m.Zone = f[0], f[1], f[2], fromMS(f[3]), f[5]
	if start, end, ok := strings.Cut(f[4], "-"); ok {
		a, err1 := strconv.Atoi(start)
		b, err2 := strconv.Atoi(end)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("packed message: bad quiet hours %q", f[4])
		}
		m.Quiet = &ll.QuietHours{Start: a, End: b}
	}
	return nil
}

// encodeJSON is json.Marshal without escaping <, > and &: the texts are
// Telegram HTML, and escaping would only make them longer.
func encodeJSON(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// storedReply is how a body keeps a reply: short names, empty fields left
// out (a reply's JSON with Go's names and every field is some 200 bytes
// longer; a reminder run with a text per member stores one body per
// member). A reply with a file keeps the full form.
type storedReply struct {
	Compact        int              `json:"v"` // 1; tells this form from the full one
	ToLabel        string           `json:"to,omitempty"`
	Text           string           `json:"t,omitempty"`
	Buttons        [][]storedButton `json:"b,omitempty"`
	Choices        []string         `json:"c,omitempty"`
	Location       bool             `json:"loc,omitempty"`
	RemoveKeyboard bool             `json:"rm,omitempty"`
	SetMenu        string           `json:"menu,omitempty"`
}

type storedButton struct {
	Text string `json:"t,omitempty"`
	Data string `json:"d,omitempty"`
	URL  string `json:"u,omitempty"`
}

// encodeReply is the body of reply r: storedReply, or r's full JSON when
// it has a file (or fields storedReply does not keep).
func encodeReply(r ll.Reply) (string, error) {
	if r.File != nil || r.Edit || r.CallbackAnswer != "" || r.ChatID != 0 {
		return encodeJSON(r)
	}
	sr := storedReply{Compact: 1, ToLabel: r.ToLabel, Text: r.Text, Choices: r.Choices, Location: r.RequestLocation,
		RemoveKeyboard: r.RemoveKeyboard, SetMenu: r.SetMenu}
	for _, row := range r.Buttons {
		out := make([]storedButton, len(row))
		for i, b := range row {
			out[i] = storedButton{Text: b.Text, Data: b.Data, URL: b.URL}
		}
		sr.Buttons = append(sr.Buttons, out)
	}
	return encodeJSON(sr)
}

// decodeReply reads a body in either form into r.
func decodeReply(body string, r *ll.Reply) error {
	if !strings.HasPrefix(body, `{"v":`) {
		return json.Unmarshal([]byte(body), r)
	}
	var sr storedReply
	if err := json.Unmarshal([]byte(body), &sr); err != nil {
		return err
	}
	*r = ll.Reply{ToLabel: sr.ToLabel, Text: sr.Text, Choices: sr.Choices, RequestLocation: sr.Location,
		RemoveKeyboard: sr.RemoveKeyboard, SetMenu: sr.SetMenu}
	for _, row := range sr.Buttons {
		out := make([]ll.Button, len(row))
		for i, b := range row {
			out[i] = ll.Button{Text: b.Text, Data: b.Data, URL: b.URL}
		}
		r.Buttons = append(r.Buttons, out)
	}
	return nil
}

// replyKey identifies a reply's content for sharing within a batch; "" for
// one with a file, which is not compared.
func replyKey(r ll.Reply) string {
	if r.File != nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(r.Text)
	b.WriteString("\x00" + r.ToLabel + "\x00" + r.SetMenu + "\x00")
	fmt.Fprint(&b, r.RequestLocation, r.RemoveKeyboard, r.Choices)
	for _, row := range r.Buttons {
		b.WriteString("\x00")
		for _, bt := range row {
			b.WriteString(bt.Text + "\x01" + bt.Data + "\x01" + bt.URL + "\x02")
		}
	}
	return b.String()
}

// batchArgs returns the script arguments of a batch of messages: the
// distinct replies (their number, then id and JSON of each), then id, chat,
// json, due, exp, kind, broadcast and reply id of each message. A zero Due
// is now. A body's id is a digest of its JSON, so equal replies share one
// body across batches and calls.
func batchArgs(msgs []ll.OutMessage, now time.Time, fix func(*ll.OutMessage)) ([]any, error) {
	ids := map[string]string{}
	var bodies, args []any
	for _, m := range msgs {
		if fix != nil {
			fix(&m)
		}
		if m.Due.IsZero() {
			m.Due = now
		}
		if m.Lang != "" && !ll.ValidLanguage(m.Lang) {
			m.Lang = ""
		}
		if err := m.Validate(); err != nil {
			return nil, err
		}
		if m.Template != nil { // stored whole, its text of its own
			m.Reply, m.Template = m.Content(), nil
		}
		m.Reply.ChatID, m.Reply.CallbackAnswer, m.Reply.Edit = 0, "", false
		body := ""
		if m.Kind != ll.OutProgress {
			key := replyKey(m.Reply)
			if id, ok := ids[key]; ok && key != "" {
				body = id
			} else {
				rj, err := encodeReply(m.Reply)
				if err != nil {
					return nil, fmt.Errorf("encode reply of outbox message %s: %w", m.ID, err)
				}
				sum := sha256.Sum256([]byte(rj))
				body = hex.EncodeToString(sum[:16])
				bodies = append(bodies, body, rj)
				if key != "" {
					ids[key] = body
				}
			}
		}
		var j string
		var err error
		if m.Kind == ll.OutProgress {
			j, err = encodeJSON(storedMessage{OutMessage: m})
		} else {
			j, err = packMessage(m)
		}
		if err != nil {
			return nil, fmt.Errorf("encode outbox message %s: %w", m.ID, err)
		}
		args = append(args, m.ID, strconv.FormatInt(m.ChatID, 10), j, m.Due.UnixMilli(), millis(m.Expires), m.Kind, m.Broadcast, body)
	}
	out := make([]any, 0, 1+len(bodies)+len(args))
	out = append(out, len(bodies)/2)
	out = append(out, bodies...)
	return append(out, args...), nil
}

// messageFields are the fields of a message's hash that its field j
// leaves out when packed.
type messageFields struct {
	chat, kind, broadcast, expires string
	// filled is a templated message's parts and values (field v), "" for
	// another.
	filled string
}

// decodeMessage reads a stored message (j: packed, or JSON as an older
// version kept it, see packMessage) and its reply (JSON, "" for none).
func decodeMessage(id, j, reply string, h messageFields) (ll.OutMessage, error) {
	var sm storedMessage
	if strings.HasPrefix(j, "{") {
		if err := json.Unmarshal([]byte(j), &sm); err != nil {
			return ll.OutMessage{}, fmt.Errorf("decode outbox message %s: %w", id, err)
		}
	} else {
		sm.ChatID, _ = strconv.ParseInt(h.chat, 10, 64)
		sm.Kind, sm.Broadcast, sm.Expires = h.kind, h.broadcast, fromMS(h.expires)
		if err := unpackMessage(j, &sm.OutMessage); err != nil {
			return ll.OutMessage{}, fmt.Errorf("decode outbox message %s: %w", id, err)
		}
	}
	m := sm.OutMessage
	m.ID = id
	switch {
	case strings.HasPrefix(reply, templatePrefix):
		if err := decodeTemplated(reply, h.filled, &m); err != nil {
			return ll.OutMessage{}, fmt.Errorf("decode template of outbox message %s: %w", id, err)
		}
	case reply != "":
		if err := decodeReply(reply, &m.Reply); err != nil {
			return ll.OutMessage{}, fmt.Errorf("decode reply of outbox message %s: %w", id, err)
		}
	case sm.Reply != nil:
		m.Reply = *sm.Reply
	}
	return m, nil
}

// Enqueue stores msgs in the outbox, each in one atomic step, and returns
// how many were added: a message whose id is queued, in flight, dead, or was
// delivered or dropped in the last 72 hours is left alone, so enqueueing
// again is a no-op. A zero Due means now (the store's clock). A malformed
// message is an EINVALID error and nothing of its batch is stored.
func (s *Store) Enqueue(ctx context.Context, msgs ...ll.OutMessage) (int, error) {
	now := s.now()
	added := 0
	for start := 0; start < len(msgs); start += enqueueBatch {
		batch := msgs[start:min(start+enqueueBatch, len(msgs))]
		margs, err := batchArgs(batch, now, func(m *ll.OutMessage) { m.Broadcast = "" })
		if err != nil {
			return added, err
		}
		args := append([]any{s.k.outbox(), now.UnixMilli()}, margs...)
		n, err := obEnqueueScript.Run(ctx, s.c, []string{s.k.obStats()}, args...).Int()
		if err != nil {
			return added, s.wrap("enqueue", err)
		}
		added += n
	}
	return added, nil
}

// runIDPattern is what a reminder run's id may hold: it ends up in a key.
var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,200}$`)

// enqueueRunWhole stores msgs as EnqueueRun does, each waiting entry with
// everything it needs (no shared profile): the form for messages whose id is
// not <run>:<member>, or whose fields the compact form cannot hold.
func (s *Store) enqueueRunWhole(ctx context.Context, run string, now time.Time, msgs []ll.OutMessage) (int, error) {
	added := 0
	for start := 0; start < len(msgs); start += enqueueRunBatch {
		batch := msgs[start:min(start+enqueueRunBatch, len(msgs))]
		var due int64
		margs, err := batchArgs(batch, now, func(m *ll.OutMessage) {
			m.Broadcast = ""
			if m.Due.IsZero() {
				m.Due = now
			}
			if d := m.Due.UnixMilli(); due == 0 || d < due {
				due = d
			}
		})
		if err != nil {
			return added, err
		}
		args := append([]any{s.k.outbox(), now.UnixMilli(), run, due}, margs...)
		n, err := enqueueRunScript.Run(ctx, s.c, []string{s.k.obStats()}, args...).Int()
		if err != nil {
			return added, s.wrap("enqueue run "+run, err)
		}
		added += n
	}
	return added, nil
}

// EnqueueBroadcast stores a broadcast and one message per recipient (each
// with Broadcast set to b.ID), and queues its first progress message to
// b.ChatID (none when 0). It is idempotent by b.ID and by message id:
// calling it again (a double tap on [Send]) adds nothing. created is true
// for the call that created the broadcast; added counts the messages added.
// Recipients are stored in batches; a failure midway leaves the earlier
// batches queued and counted.
//
// The recipients wait in one hash of the broadcast, a few dozen bytes each
// beside the reply they share (stored once), and become messages of their
// own (queue, pace, lease) only as ClaimDeliveries draws near them, at most
// a couple of thousand chats ahead; a chat found unreachable meanwhile
// drops only its materialized messages, and a waiting one to it fails once
// on its own. The order among a broadcast's recipients is not kept.
func (s *Store) EnqueueBroadcast(ctx context.Context, b ll.Broadcast, msgs []ll.OutMessage) (created bool, added int, err error) {
	if !broadcastIDPattern.MatchString(b.ID) {
		return false, 0, ll.Invalid("broadcast", "broadcast id %q must be 1-64 of A-Z, a-z, 0-9, _, . and -", b.ID)
	}
	if b.Lang != "" && !ll.ValidLanguage(b.Lang) {
		return false, 0, ll.Invalid("language", "broadcast language must be zh or en")
	}
	if b.Community != "" && !ll.ValidCommunityID(b.Community) {
		return false, 0, ll.Invalid("community", "bad community id %q", b.Community)
	}
	now := s.now()
	if b.Created.IsZero() {
		b.Created = now
	}
	progress := ll.OutMessage{ID: "bcp:" + b.ID + ":0", ChatID: b.ChatID, Kind: ll.OutProgress,
		Broadcast: b.ID, Community: b.Community, Lang: b.Lang, Due: now}
	pj, err := encodeJSON(storedMessage{OutMessage: progress})
	if err != nil {
		return false, 0, fmt.Errorf("encode progress message: %w", err)
	}
	for start := 0; start == 0 || start < len(msgs); start += enqueueBatch {
		batch := msgs[start:min(start+enqueueBatch, len(msgs))]
		margs, err := batchArgs(batch, now, func(m *ll.OutMessage) {
			m.Broadcast = b.ID
			if m.Kind == "" {
				m.Kind = ll.OutBroadcast
			}
		})
		if err != nil {
			return created, added, err
		}
		args := append([]any{s.k.outbox(), now.UnixMilli(), b.ID, b.Community, strconv.FormatInt(b.ChatID, 10),
			b.Lang, b.Audience, b.By, b.Created.UnixMilli(), pj}, margs...)
		r, err := enqueueBroadcastScript.Run(ctx, s.c, []string{s.k.obStats()}, args...).Int64Slice()
		if err != nil {
			return created, added, s.wrap("enqueue broadcast "+b.ID, err)
		}
		if len(r) == 2 {
			created = created || r[0] == 1
			added += int(r[1])
		}
	}
	return created, added, nil
}

// ClaimDeliveries leases up to max messages that are due at now, at most one per chat,
// for lease; it first puts back every message whose lease ran out before
// now. It takes one token per message from the bucket that paces all
// senders at rate messages a second (fewer after repeated 429s). wait says
// how long until it is worth claiming again when it returned nothing: until
// the next token, the next due chat, or -1 when nothing is queued at all.
// Expired messages met at the head of a queue are dropped and counted.
// Safe for concurrent use by any number of senders and replicas.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, max int, rate float64, lease time.Duration) (ds []ll.Delivery, wait time.Duration, err error) {
	return s.ClaimDeliveriesPaid(ctx, now, max, rate, 0, lease)
}

// ClaimDeliveriesPaid is ClaimDeliveries with paid broadcasts: when
// paidRate > 0, the messages of a broadcast (not its progress messages)
// draw on a token bucket of their own at paidRate messages a second, shared
// by all senders like the other, and are claimed with Delivery.Paid set (to
// go with allow_paid_broadcast); every other message draws on rate's
// bucket. Repeated 429s slow both alike.
func (s *Store) ClaimDeliveriesPaid(ctx context.Context, now time.Time, max int, rate, paidRate float64, lease time.Duration) (ds []ll.Delivery, wait time.Duration, err error) {
	if max <= 0 {
		return nil, 0, nil
	}
	if rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
		return nil, 0, ll.Invalid("rate", "the outbox rate must be a positive number")
	}
	if paidRate < 0 || math.IsInf(paidRate, 0) || math.IsNaN(paidRate) {
		return nil, 0, ll.Invalid("rate", "the paid broadcast rate must be a positive number or 0")
	}
	if lease < time.Second {
		lease = time.Second
	}
	v, err := obClaimScript.Run(ctx, s.c, []string{s.k.obReady()}, s.k.outbox(), now.UnixMilli(), max,
		lease.Milliseconds(), strconv.FormatFloat(rate, 'f', -1, 64), strconv.FormatFloat(paidRate, 'f', -1, 64)).Slice()
	if err != nil {
		return nil, 0, s.wrap("claim outbox messages", err)
	}
	if str(v, 0) == "wait" {
		return nil, time.Duration(num(v, 1)) * time.Millisecond, nil
	}
	wait = time.Duration(num(v, 1)) * time.Millisecond
	if num(v, 1) < 0 {
		wait = -1
	}
	for _, it := range v[2:] {
		item, _ := it.([]any)
		var d ll.Delivery
		h := messageFields{chat: str(item, 6), kind: str(item, 7), broadcast: str(item, 8), expires: str(item, 9), filled: str(item, 11)}
		if d.Message, err = decodeMessage(str(item, 0), str(item, 1), str(item, 5), h); err != nil {
			return ds, 0, fmt.Errorf("claim: %w", err)
		}
		d.Attempt = int(num(item, 2))
		d.Paid = str(item, 10) == "1"
		d.Token = num(item, 3)
		if p, ok := item[4].([]any); ok && len(p) == 9 {
			d.Progress = &ll.BroadcastProgress{
				ID: d.Message.Broadcast, Total: int(num(p, 0)), Sent: int(num(p, 1)), Failed: int(num(p, 2)),
				Unreachable: int(num(p, 3)), Expired: int(num(p, 4)), MessageID: int(num(p, 5)),
				Audience: str(p, 6), Lang: str(p, 7), Community: str(p, 8),
			}
		}
		ds = append(ds, d)
	}
	return ds, wait, nil
}

// AckDelivery records the outcome of delivering d at now:
//   - AckSent deletes the message (and remembers its id); for a progress
//     message it records the Telegram message id to edit next time;
//   - AckRetryAfter holds the chat for a.RetryAfter and puts the message
//     back first in line; a 429 soon after another halves the rate;
//   - AckUnreachable drops the message and every other message queued for
//     that chat, counted, never retried;
//   - AckDeferred puts it back, due at a.Until, without counting an attempt;
//   - AckFailed puts it back after an exponential backoff, and makes it a
//     dead letter with a.Reason after OutboxMaxAttempts failures.
//
// An ack for a message that is gone, or (except AckSent) whose lease was
// taken over by a later claim, changes nothing.
func (s *Store) AckDelivery(ctx context.Context, d ll.Delivery, a ll.Ack, now time.Time) error {
	switch a.Status {
	case ll.AckSent, ll.AckRetryAfter, ll.AckUnreachable, ll.AckFailed, ll.AckDeferred:
	default:
		return ll.Invalid("status", "unknown delivery outcome %q", a.Status)
	}
	until := a.Until
	if until.Before(now) {
		until = now
	}
	retry := max(a.RetryAfter, 0)
	reason := a.Reason
	if len(reason) > 500 {
		reason = reason[:500]
	}
	st, _, err := s.run(ctx, "ack "+d.Message.ID, obAckScript, []string{s.k.obStats()}, s.k.outbox(), now.UnixMilli(),
		d.Message.ID, d.Token, a.Status, a.MessageID, retry.Milliseconds(), until.UnixMilli(), reason, a.Rendered,
		OutboxMaxAttempts, OutboxBackoff.Milliseconds(), OutboxMaxBackoff.Milliseconds())
	if err != nil {
		return err
	}
	switch st {
	case "ok", "noop", "stale":
		return nil
	}
	return fmt.Errorf("ack %s: unexpected script status %q", d.Message.ID, st)
}

// Requeue puts every dead letter back in its chat's queue, due at now, with
// its attempts reset, and returns how many.
func (s *Store) Requeue(ctx context.Context, now time.Time) (int, error) {
	n, err := obRequeueScript.Run(ctx, s.c, []string{s.k.obDead()}, s.k.outbox(), now.UnixMilli()).Int()
	return n, s.wrap("requeue dead letters", err)
}

// OutboxStatus returns a snapshot of the outbox at now.
func (s *Store) OutboxStatus(ctx context.Context, now time.Time) (ll.OutboxStatus, error) {
	v, err := outboxStatusScript.Run(ctx, s.c, []string{s.k.obStats()}, s.k.outbox(), now.UnixMilli()).Slice()
	if err != nil {
		return ll.OutboxStatus{}, s.wrap("outbox status", err)
	}
	var st ll.OutboxStatus
	stats := map[string]int64{}
	if l, ok := v[0].([]any); ok {
		for i := 0; i+1 < len(l); i += 2 {
			stats[str(l, i)] = num(l, i+1)
		}
	}
	st.Enqueued, st.Sent, st.Unreachable = stats["enqueued"], stats["sent"], stats["unreachable"]
	st.Expired, st.Failed, st.RateLimited = stats["expired"], stats["failed"], stats["ratelimited"]
	st.Deferred, st.Reclaimed = stats["deferred"], stats["reclaimed"]
	all := int(num(v, 1))
	st.InFlight = int(num(v, 2))
	// A broadcast's recipients not yet materialized are queued, each
	// (as far as the outbox knows) to a chat of its own.
	pending := int(max(0, stats["pending"]))
	st.Queued = max(0, all-st.InFlight) + pending
	st.Dead = int(num(v, 3))
	st.Chats = int(num(v, 4)) + int(num(v, 5)) + pending
	for _, t := range []string{str(v, 6), str(v, 9), str(v, 10)} {
		if t != "" {
			st.Oldest = max(st.Oldest, now.Sub(fromMS(t)))
		}
	}
	if t := str(v, 7); t != "" {
		st.Overdue = max(0, now.Sub(fromMS(t)))
	}
	st.RateFactor, _ = strconv.ParseFloat(str(v, 8), 64)
	if st.RateFactor == 0 {
		st.RateFactor = 1
	}
	return st, nil
}

// DeadLetters returns up to n dead letters (all when n <= 0), most recent first.
func (s *Store) DeadLetters(ctx context.Context, n int) ([]ll.DeadLetter, error) {
	stop := int64(-1)
	if n > 0 {
		stop = int64(n - 1)
	}
	ids, err := s.c.ZRevRange(ctx, s.k.obDead(), 0, stop).Result()
	if err != nil {
		return nil, s.wrap("dead letters", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.c.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, s.k.outbox()+obMsg+id, "j", "att", "err", "died", "b", "chat", "kind", "bc", "exp", "v")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.wrap("dead letters", err)
	}
	bodies := make([]*redis.StringCmd, len(ids))
	for i, c := range cmds {
		if b := str(c.Val(), 4); b != "" {
			bodies[i] = pipe.Get(ctx, s.k.outbox()+obBody+b)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.wrap("dead letters", err)
	}
	out := make([]ll.DeadLetter, 0, len(ids))
	for i, c := range cmds {
		v := c.Val()
		j := str(v, 0)
		if j == "" {
			continue
		}
		reply := ""
		if bodies[i] != nil {
			reply = bodies[i].Val()
		}
		var d ll.DeadLetter
		var err error
		h := messageFields{chat: str(v, 5), kind: str(v, 6), broadcast: str(v, 7), expires: str(v, 8), filled: str(v, 9)}
		if d.Message, err = decodeMessage(ids[i], j, reply, h); err != nil {
			return nil, fmt.Errorf("dead letter: %w", err)
		}
		d.Attempts = int(num(v, 1))
		d.Reason = str(v, 2)
		d.Died = fromMS(str(v, 3))
		out = append(out, d)
	}
	return out, nil
}

// BroadcastProgress returns the counters of broadcast id; ErrNotFound if
// there is none.
func (s *Store) BroadcastProgress(ctx context.Context, id string) (ll.BroadcastProgress, error) {
	if !broadcastIDPattern.MatchString(id) {
		return ll.BroadcastProgress{}, notFound("broadcast", id)
	}
	v, err := s.c.HGetAll(ctx, s.k.outbox()+obBcast+id).Result()
	if err != nil {
		return ll.BroadcastProgress{}, s.wrap("broadcast "+id, err)
	}
	if len(v) == 0 {
		return ll.BroadcastProgress{}, notFound("broadcast", id)
	}
	n := func(f string) int { x, _ := strconv.Atoi(v[f]); return x }
	return ll.BroadcastProgress{ID: id, Community: v["comm"], Audience: v["aud"], Lang: v["lang"],
		Total: n("total"), Sent: n("sent"), Failed: n("failed"), Unreachable: n("unreachable"),
		Expired: n("expired"), MessageID: n("msg")}, nil
}
