package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// Needs (SPEC section 10). A need is one hash n:<N> (keys.go): j holds what
// the asker gave (JSON lamplighter.Need: text, photo, location, asker,
// language, created), the other fields what changes, each written by the
// script of the step that changes it, so that every transition is one
// compare-and-set on st in one script.

// Suffixes of the needs' keys, shared with their scripts.
const (
	sufNeeds     = "needs"  // zset of every need id, score = its number
	sufNeed      = "n:"     // hash of one need
	sufNeedOpen  = "nopen:" // set of the open needs of one asker (Telegram id)
	sufNeedDue   = "ndue"   // zset of needs with takers, not done, score = due (ms)
	sufNeedDone  = "ndone"  // zset of done needs awaiting their asker, score = done (ms)
	sufNeedPend  = "npend"  // zset of done needs awaiting the committee, score = number
	sufNeedToken = "ntok:"  // string: the need an intake (asker and flow nonce) created
	sufNeedPub   = "npub"   // zset of published needs nobody took, score = due (ms)
)

func (k keys) needs(c string) string    { return k.base(c) + sufNeeds }
func (k keys) need(c, id string) string { return k.base(c) + sufNeed + id }
func (k keys) needOpen(c string, tg int64) string {
	return k.base(c) + sufNeedOpen + strconv.FormatInt(tg, 10)
}
func (k keys) needDue(c string) string  { return k.base(c) + sufNeedDue }
func (k keys) needDone(c string) string { return k.base(c) + sufNeedDone }
func (k keys) needPend(c string) string { return k.base(c) + sufNeedPend }
func (k keys) needToken(c string, tg int64, token string) string {
	return k.base(c) + sufNeedToken + strconv.FormatInt(tg, 10) + ":" + token
}

// needPrelude holds the needs scripts' helpers.
var needPrelude = `
local SUF_NEED, SUF_NOPEN, SUF_NDUE, SUF_NDONE, SUF_NPEND = '` + sufNeed + `', '` + sufNeedOpen + `', '` + sufNeedDue + `', '` + sufNeedDone + `', '` + sufNeedPend + `'
local SUF_PARTS, SUF_NPUB = '` + sufParts + `', '` + sufNeedPub + `'

local function split(s)
  local out = {}
  if not s or s == '' then return out end
  for x in string.gmatch(s, '[^,]+') do out[#out + 1] = x end
  return out
end

-- closeNeed takes a need that is no longer open off every index.
local function closeNeed(b, id, ask)
  redis.call('SREM', b .. SUF_NOPEN .. ask, id)
  redis.call('ZREM', b .. SUF_NDUE, id)
  redis.call('ZREM', b .. SUF_NDONE, id)
  redis.call('ZREM', b .. SUF_NPEND, id)
  redis.call('ZREM', b .. SUF_NPUB, id)
end
`

func needScript(body string) *redis.Script { return script(needPrelude + body) }

// KEYS: community, seq, needs, nopen:<asker>, ntok:<asker>:<token>.
// ARGV: b, json, asker, max open, token ttl (ms).
var createNeedScript = needScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
local prev = redis.call('GET', KEYS[5])
if prev then return {'ok', prev, '0'} end
if redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[4]) then return {'full', 'need_limit'} end
local n = redis.call('HINCRBY', KEYS[2], 'N', 1)
local id = 'N' .. n
redis.call('HSET', ARGV[1] .. SUF_NEED .. id, 'j', ARGV[2], 'st', 'new', 'h', 1, 'ask', ARGV[3])
redis.call('ZADD', KEYS[3], n, id)
redis.call('SADD', KEYS[4], id)
redis.call('SET', KEYS[5], id, 'PX', ARGV[5])
return {'ok', id, '1'}
`)

// needFields are the fields of a need's hash that Need reads.
var needFields = []string{"j", "st", "h", "sk", "due", "pub", "rd", "tk", "pc", "why", "dn", "dby", "dat", "sv", "sby"}

// decodeNeed builds a need from its hash's fields (in needFields order).
func decodeNeed(community, id string, v []any) (ll.Need, error) {
	j := str(v, 0)
	if j == "" {
		return ll.Need{}, notFound("need", id)
	}
	var n ll.Need
	if err := json.Unmarshal([]byte(j), &n); err != nil {
		return ll.Need{}, fmt.Errorf("need %s/%s: %w", community, id, err)
	}
	n.ID, n.Community = id, community
	n.Status = str(v, 1)
	n.Helpers, _ = strconv.Atoi(str(v, 2))
	if sk := str(v, 3); sk != "" {
		if err := json.Unmarshal([]byte(sk), &n.Skills); err != nil {
			return ll.Need{}, fmt.Errorf("need %s/%s skills: %w", community, id, err)
		}
	}
	n.Due = fromMS(str(v, 4))
	n.Published = fromMS(str(v, 5))
	n.Round, _ = strconv.Atoi(str(v, 6))
	if tk := str(v, 7); tk != "" {
		n.Takers = strings.Split(tk, ",")
	}
	n.Pending = str(v, 8) == "1"
	n.Reason, n.DoneNote, n.DoneBy = str(v, 9), str(v, 10), str(v, 11)
	n.DoneAt, n.Solved = fromMS(str(v, 12)), fromMS(str(v, 13))
	n.SolvedBy = str(v, 14)
	return n, nil
}

// CreateNeed stores a resident's new need with the next id N<n>, status new,
// one helper wanted, in one script that also refuses a person with
// lamplighter.MaxOpenNeeds open needs in the community (EFULL, Reason
// ReasonNeedLimit). token (the intake flow's nonce) makes it idempotent for
// a day: the same asker and token give back the need created first
// (created false). n needs Text and AskerID; Created defaults to now.
// Errors: ErrNotFound (the community), EINVALID (see Need.Validate).
func (s *Store) CreateNeed(ctx context.Context, n ll.Need, token string) (out ll.Need, created bool, err error) {
	c := n.Community
	if err := checkCommunity(c); err != nil {
		return ll.Need{}, false, err
	}
	n.Helpers = ll.DefaultNeedHelpers
	if err := n.Validate(); err != nil {
		return ll.Need{}, false, err
	}
	if n.AskerID == 0 || token == "" {
		return ll.Need{}, false, ll.Invalid("asker", "a need needs its asker")
	}
	if n.Created.IsZero() {
		n.Created = s.now()
	}
	stored := ll.Need{Text: n.Text, PhotoID: n.PhotoID, Location: n.Location, AskerID: n.AskerID,
		AskerLang: n.AskerLang, Created: n.Created}
	j, err := json.Marshal(stored)
	if err != nil {
		return ll.Need{}, false, fmt.Errorf("create need in %s: %w", c, err)
	}
	op := "create need in " + c
	st, rest, err := s.run(ctx, op, createNeedScript,
		[]string{s.k.community(c), s.k.seq(c), s.k.needs(c), s.k.needOpen(c, n.AskerID), s.k.needToken(c, n.AskerID, token)},
		s.k.base(c), string(j), n.AskerID, ll.MaxOpenNeeds, (24 * time.Hour).Milliseconds())
	if err != nil {
		return ll.Need{}, false, err
	}
	switch st {
	case "ok":
	case "full":
		return ll.Need{}, false, &ll.Error{Code: ll.EFULL, Detail: ll.ReasonNeedLimit, Message: "too many open needs"}
	default:
		return ll.Need{}, false, statusError(op, st, rest, map[string]string{"community": c})
	}
	id := str(rest, 0)
	if err := s.rememberAskedIn(ctx, n.AskerID, c); err != nil {
		return ll.Need{}, false, err
	}
	if str(rest, 1) == "0" {
		out, err := s.Need(ctx, c, id)
		return out, false, err
	}
	n.ID, n.Status = id, ll.NeedNew
	return n, true, nil
}

// Need returns one need; ErrNotFound if unknown. One round trip.
func (s *Store) Need(ctx context.Context, community, id string) (ll.Need, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Need{}, err
	}
	if !validID('N', id) {
		return ll.Need{}, notFound("need", id)
	}
	v, err := s.c.HMGet(ctx, s.k.need(community, id), needFields...).Result()
	if err != nil {
		return ll.Need{}, s.wrap(fmt.Sprintf("need %s/%s", community, id), err)
	}
	return decodeNeed(community, id, v)
}

// Needs returns every need of the community by id order (an unknown
// community has none). Two round trips.
func (s *Store) Needs(ctx context.Context, community string) ([]ll.Need, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "needs of " + community
	ids, err := s.c.ZRange(ctx, s.k.needs(community), 0, -1).Result()
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return s.needsByID(ctx, community, ids)
}

func (s *Store) needsByID(ctx context.Context, community string, ids []string) ([]ll.Need, error) {
	op := "needs of " + community
	cmds := make([]*redis.SliceCmd, len(ids))
	if len(ids) > 0 {
		if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = p.HMGet(ctx, s.k.need(community, id), needFields...)
			}
			return nil
		}); err != nil {
			return nil, s.wrap(op, err)
		}
	}
	out := make([]ll.Need, 0, len(ids))
	for i, id := range ids {
		n, err := decodeNeed(community, id, cmds[i].Val())
		if errors.Is(err, ll.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b ll.Need) int { return idNumber(a.ID) - idNumber(b.ID) })
	return out, nil
}

// PendingNeeds returns the done needs awaiting the committee, by id.
func (s *Store) PendingNeeds(ctx context.Context, community string) ([]ll.Need, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	ids, err := s.c.ZRange(ctx, s.k.needPend(community), 0, -1).Result()
	if err != nil {
		return nil, s.wrap("pending needs of "+community, err)
	}
	return s.needsByID(ctx, community, ids)
}

// KEYS: need. ARGV: b, from statuses (comma), helpers, skills JSON, due (ms),
// now (ms), audit, score, expected round ('0' = any).
var publishNeedScript = needScript(`
local cur = redis.call('HMGET', KEYS[1], 'st', 'tk', 'rd')
if not cur[1] then return {'notfound', 'need'} end
if ARGV[9] ~= '0' and (tonumber(cur[3]) or 0) ~= tonumber(ARGV[9]) then return {'repeat', cur[3] or '0'} end
if not string.find(',' .. ARGV[2] .. ',', ',' .. cur[1] .. ',', 1, true) then return {'conflict', 'need_state', cur[1]} end
local h = tonumber(ARGV[3])
if #split(cur[2]) > h then return {'conflict', 'need_helpers'} end
redis.call('HSET', KEYS[1], 'st', 'published', 'h', h, 'sk', ARGV[4], 'due', ARGV[5], 'pub', ARGV[6])
redis.call('HDEL', KEYS[1], 'rem', 'ovd')
local rd = redis.call('HINCRBY', KEYS[1], 'rd', 1)
local id = string.match(KEYS[1], '[^:]*$')
if #split(cur[2]) == 0 then
  redis.call('ZADD', ARGV[1] .. SUF_NPUB, ARGV[5], id)
else
  redis.call('ZADD', ARGV[1] .. SUF_NDUE, ARGV[5], id)
end
audit(ARGV[1], ARGV[7], ARGV[8])
return {'ok', rd}
`)

// PublishNeed publishes a need that is new (or, with again, one published
// before and not taken: a new announcement) with its helpers wanted, skills
// and due date, and the audit entry, in one script; round is the number of
// this announcement. With again and seen above 0, only a need still at round
// seen (the one the caller showed) is announced: at any other round the
// script changes nothing and answers repeat, with the need's round now, so
// of simultaneous requests with the same seen round exactly one announces.
// Errors: ErrNotFound; ECONFLICT ReasonNeedState (the need is in another
// status: Detail names it in Message).
func (s *Store) PublishNeed(ctx context.Context, n ll.Need, again bool, seen int, now time.Time, audit *ll.AuditEntry) (round int, repeat bool, err error) {
	c := n.Community
	if err := checkCommunity(c); err != nil {
		return 0, false, err
	}
	if !validID('N', n.ID) {
		return 0, false, notFound("need", n.ID)
	}
	if !again || seen < 0 {
		seen = 0
	}
	from := ll.NeedNew
	if again {
		from += "," + ll.NeedPublished
	}
	sk, _ := json.Marshal(n.Skills)
	if len(n.Skills) == 0 {
		sk = []byte("")
	}
	a, score := s.auditArgs(audit, c, now, n.ID, "")
	op := fmt.Sprintf("publish need %s/%s", c, n.ID)
	st, rest, err := s.run(ctx, op, publishNeedScript, []string{s.k.need(c, n.ID)},
		s.k.base(c), from, n.Helpers, string(sk), n.Due.UnixMilli(), s.clock(now), a, score, seen)
	if err != nil {
		return 0, false, err
	}
	switch st {
	case "ok":
		return int(num(rest, 0)), false, nil
	case "repeat":
		return int(num(rest, 0)), true, nil
	}
	return 0, false, needError(op, st, rest, n.ID)
}

// needError maps a needs script's refusal to a domain error.
func needError(op, st string, rest []any, id string) error {
	switch st {
	case "conflict":
		code := ll.ECONFLICT
		if str(rest, 0) == "need_taken" {
			code = ll.EFULL
		}
		return refusal(op, code, str(rest, 0), "need "+id+": "+str(rest, 0)+" "+str(rest, 1))
	case "forbidden":
		return refusal(op, ll.EFORBIDDEN, str(rest, 0), "need "+id+": "+str(rest, 0))
	}
	return statusError(op, st, rest, map[string]string{"need": id})
}

// KEYS: need. ARGV: b, reason, audit, score.
var declineNeedScript = needScript(`
local cur = redis.call('HMGET', KEYS[1], 'st', 'ask')
if not cur[1] then return {'notfound', 'need'} end
if cur[1] == 'declined' then return {'ok', '0'} end
if cur[1] ~= 'new' and cur[1] ~= 'published' then return {'conflict', 'need_state', cur[1]} end
redis.call('HSET', KEYS[1], 'st', 'declined', 'why', ARGV[2])
closeNeed(ARGV[1], string.match(KEYS[1], '[^:]*$'), cur[2])
audit(ARGV[1], ARGV[3], ARGV[4])
return {'ok', '1'}
`)

// DeclineNeed declines a new or published need (not taken) with the reason
// and the audit entry in one script; changed is false when it was declined
// already. Errors: ErrNotFound; ECONFLICT ReasonNeedState.
func (s *Store) DeclineNeed(ctx context.Context, community, id, reason string, now time.Time, audit *ll.AuditEntry) (n ll.Need, changed bool, err error) {
	if err := checkCommunity(community); err != nil {
		return ll.Need{}, false, err
	}
	if !validID('N', id) {
		return ll.Need{}, false, notFound("need", id)
	}
	a, score := s.auditArgs(audit, community, now, id, "")
	op := fmt.Sprintf("decline need %s/%s", community, id)
	st, rest, err := s.run(ctx, op, declineNeedScript, []string{s.k.need(community, id)}, s.k.base(community), reason, a, score)
	if err != nil {
		return ll.Need{}, false, err
	}
	if st != "ok" {
		return ll.Need{}, false, needError(op, st, rest, id)
	}
	n, err = s.Need(ctx, community, id)
	return n, str(rest, 0) == "1", err
}

// KEYS: need, member. ARGV: b, member id, tg, now (ms).
var takeNeedScript = needScript(`
local bad = caller(KEYS[2], ARGV[3])
if bad then return bad end
local cur = redis.call('HMGET', KEYS[1], 'st', 'tk', 'h', 'ask', 'due', 'j')
if not cur[1] then return {'notfound', 'need'} end
local tk = split(cur[2])
local h = tonumber(cur[3]) or 1
local who = redis.call('HMGET', KEYS[2], 'name', 'unit')
for _, t in ipairs(tk) do
  if t == ARGV[2] then return {'ok', '0', #tk, h, cur[4], who[1] or '', who[2] or '', cur[6]} end
end
if cur[1] == 'taken' or cur[1] == 'done' or cur[1] == 'solved' or #tk >= h then return {'conflict', 'need_taken', #tk, h} end
if cur[1] ~= 'published' then return {'conflict', 'need_state', cur[1]} end
tk[#tk + 1] = ARGV[2]
local fields = {'tk', table.concat(tk, ',')}
if #tk >= h then fields[#fields + 1] = 'st'; fields[#fields + 1] = 'taken' end
redis.call('HSET', KEYS[1], unpack(fields))
if #tk == 1 and cur[5] then
  local id = string.match(KEYS[1], '[^:]*$')
  redis.call('ZADD', ARGV[1] .. SUF_NDUE, cur[5], id)
  redis.call('ZREM', ARGV[1] .. SUF_NPUB, id)
end
return {'ok', '1', #tk, h, cur[4], who[1] or '', who[2] or '', cur[6]}
`)

// TakeNeedAs makes the member u's membership pointer names a taker of the
// need, in one script and one round trip: that member must be active and
// u's (ErrNotMember), the need published and not yet taken by as many
// helpers as it wants (EFULL ReasonNeedTaken; ECONFLICT ReasonNeedState for
// one not published). The helpers wanted are a capacity: under any
// concurrency there are never more takers than wanted, and a member takes
// a need once (a second take answers Changed false with the same counts).
func (s *Store) TakeNeedAs(ctx context.Context, u ll.User, id string, now time.Time) (ll.NeedTake, error) {
	c := u.Community
	if u.MemberID == "" || checkCommunity(c) != nil {
		return ll.NeedTake{}, ll.ErrNotMember
	}
	if !validID('N', id) {
		return ll.NeedTake{}, notFound("need", id)
	}
	op := fmt.Sprintf("take need %s/%s", c, id)
	st, rest, err := s.run(ctx, op, takeNeedScript, []string{s.k.need(c, id), s.k.member(c, u.MemberID)},
		s.k.base(c), u.MemberID, strconv.FormatInt(u.TelegramID, 10), s.clock(now))
	if err != nil {
		return ll.NeedTake{}, err
	}
	if st == "conflict" && str(rest, 0) == "need_taken" {
		return ll.NeedTake{Takers: int(num(rest, 1)), Helpers: int(num(rest, 2))}, needError(op, st, rest, id)
	}
	if st != "ok" {
		return ll.NeedTake{}, needError(op, st, rest, id)
	}
	r := ll.NeedTake{Changed: str(rest, 0) == "1", Takers: int(num(rest, 1)), Helpers: int(num(rest, 2)),
		TakerName: str(rest, 4), TakerUnit: str(rest, 5)}
	r.Asker, _ = strconv.ParseInt(str(rest, 3), 10, 64)
	var j struct {
		Lang string `json:"asker_lang"`
	}
	_ = json.Unmarshal([]byte(str(rest, 6)), &j)
	r.AskerLang = j.Lang
	return r, nil
}

// KEYS: need, member. ARGV: b, member id, tg, now (ms), note, pending ("1":
// the committee decides at once).
var doneNeedScript = needScript(`
local bad = caller(KEYS[2], ARGV[3])
if bad then return bad end
local cur = redis.call('HMGET', KEYS[1], 'st', 'tk')
if not cur[1] then return {'notfound', 'need'} end
local mine = false
for _, t in ipairs(split(cur[2])) do if t == ARGV[2] then mine = true end end
if not mine then return {'forbidden', 'not_taker'} end
if cur[1] == 'done' or cur[1] == 'solved' then return {'ok', '0'} end
if cur[1] ~= 'published' and cur[1] ~= 'taken' then return {'conflict', 'need_state', cur[1]} end
local id = string.match(KEYS[1], '[^:]*$')
redis.call('HSET', KEYS[1], 'st', 'done', 'dat', ARGV[4], 'dby', ARGV[2], 'dn', ARGV[5])
redis.call('ZREM', ARGV[1] .. SUF_NDUE, id)
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'pc', '1')
  redis.call('ZADD', ARGV[1] .. SUF_NPEND, tonumber(string.sub(id, 2)), id)
else
  redis.call('ZADD', ARGV[1] .. SUF_NDONE, ARGV[4], id)
end
return {'ok', '1'}
`)

// DoneNeedAs marks the need done by one of its takers (the member u's
// pointer names), with an optional note, in one script. With toCommittee
// it goes straight to the committee (the asker cannot be reached or took
// it themselves), else it waits for the asker's confirmation.
// changed is false when it was done already. Errors: ErrNotMember;
// ErrNotFound; EFORBIDDEN ReasonNotTaker; ECONFLICT ReasonNeedState.
func (s *Store) DoneNeedAs(ctx context.Context, u ll.User, id, note string, toCommittee bool, now time.Time) (changed bool, err error) {
	c := u.Community
	if u.MemberID == "" || checkCommunity(c) != nil {
		return false, ll.ErrNotMember
	}
	if !validID('N', id) {
		return false, notFound("need", id)
	}
	pend := ""
	if toCommittee {
		pend = "1"
	}
	op := fmt.Sprintf("done need %s/%s", c, id)
	st, rest, err := s.run(ctx, op, doneNeedScript, []string{s.k.need(c, id), s.k.member(c, u.MemberID)},
		s.k.base(c), u.MemberID, strconv.FormatInt(u.TelegramID, 10), s.clock(now), note, pend)
	if err != nil {
		return false, err
	}
	if st != "ok" {
		return false, needError(op, st, rest, id)
	}
	return str(rest, 0) == "1", nil
}

// KEYS: need. ARGV: b, asker tg ("" for the committee), approver member id,
// approver tg, now (ms), date, part JSON (method, t, by, d, ak), audit, score.
var solveNeedScript = needScript(`
local cur = redis.call('HMGET', KEYS[1], 'st', 'tk', 'ask', 'pc')
if not cur[1] then return {'notfound', 'need'} end
if ARGV[2] ~= '' and cur[3] ~= ARGV[2] then return {'forbidden', 'not_asker'} end
if cur[1] == 'solved' then return {'ok', '0'} end
if cur[1] ~= 'done' then return {'conflict', 'need_state', cur[1]} end
if ARGV[2] == '' and cur[4] ~= '1' then return {'conflict', 'need_state', 'awaiting_asker'} end
local tk = split(cur[2])
local b = ARGV[1]
for _, t in ipairs(tk) do
  local ttg = redis.call('HGET', mkey(b, t), 'tg')
  -- Nobody verifies their own participation: the asker confirming help they
  -- gave themselves, or a committee member approving a need they took.
  local own
  if ARGV[2] ~= '' then own = ttg == cur[3] else own = t == ARGV[3] or (ttg and ttg == ARGV[4]) end
  if own then
    if ARGV[2] ~= '' then
      -- The asker took it: the committee decides instead.
      local id = string.match(KEYS[1], '[^:]*$')
      redis.call('HSET', KEYS[1], 'pc', '1')
      redis.call('ZREM', b .. SUF_NDONE, id)
      redis.call('ZADD', b .. SUF_NPEND, tonumber(string.sub(id, 2)), id)
    end
    return {'forbidden', 'self'}
  end
end
if ARGV[2] == '' and ARGV[4] ~= '' and cur[3] == ARGV[4] then return {'forbidden', 'self'} end
local id = string.match(KEYS[1], '[^:]*$')
local pd = cjson.decode(ARGV[7]).d
for _, t in ipairs(tk) do
  if redis.call('HSETNX', b .. SUF_PARTS .. t, id, ARGV[7]) == 1 then tallied(b, t, pd, 1, ARGV[7]) end
end
redis.call('HSET', KEYS[1], 'st', 'solved', 'sv', ARGV[5], 'sby', ARGV[3])
redis.call('HDEL', KEYS[1], 'pc')
closeNeed(b, id, cur[3])
audit(b, ARGV[8], ARGV[9])
return {'ok', '1', cur[2]}
`)

// SolveNeed records a done need solved, in one script: a participation for
// each taker (kind need, ref the need's id, dated date, method confirmed
// when the asker confirms, approval when a committee member approves; the
// asker's Telegram id kept in the record, never read back by the ledger),
// the need solved and taken off the asker's open needs, and the audit
// entry. asker is the confirming asker's Telegram id (0: the committee
// member by, Telegram id byTG, approves a need awaiting it). A participation
// is recorded once per taker whatever is retried: changed is false when it
// was solved already. Errors: ErrNotFound; EFORBIDDEN ReasonNotAsker (asker
// is not its asker); EFORBIDDEN ReasonSelf (the asker took it: the need
// then goes to the committee; or the approving committee member took it or
// asked it); ECONFLICT ReasonNeedState (not done, or still awaiting its
// asker when the committee approves).
func (s *Store) SolveNeed(ctx context.Context, community, id string, asker int64, by string, byTG int64, date string, now time.Time, audit *ll.AuditEntry) (changed bool, err error) {
	if err := checkCommunity(community); err != nil {
		return false, err
	}
	if !validID('N', id) {
		return false, notFound("need", id)
	}
	at := s.clock(now)
	part := storedPart{Method: ll.MethodConfirmed, At: at, Date: date}
	askArg, byTGArg := "", ""
	if asker != 0 {
		askArg = strconv.FormatInt(asker, 10)
		part.Asker = asker
	} else {
		part.Method, part.By = ll.MethodApproval, by
		byTGArg = strconv.FormatInt(byTG, 10)
	}
	a, score := s.auditArgs(audit, community, now, id, "")
	op := fmt.Sprintf("solve need %s/%s", community, id)
	st, rest, err := s.run(ctx, op, solveNeedScript, []string{s.k.need(community, id)},
		s.k.base(community), askArg, by, byTGArg, at, date, part.json(), a, score)
	if err != nil {
		return false, err
	}
	if st != "ok" {
		return false, needError(op, st, rest, id)
	}
	return str(rest, 0) == "1", nil
}

// KEYS: need. ARGV: b, asker tg, now (ms).
var notYetNeedScript = needScript(`
local cur = redis.call('HMGET', KEYS[1], 'st', 'tk', 'ask', 'h', 'due', 'pc')
if not cur[1] then return {'notfound', 'need'} end
if cur[3] ~= ARGV[2] then return {'forbidden', 'not_asker'} end
if cur[1] ~= 'done' then return {'ok', '0'} end
local id = string.match(KEYS[1], '[^:]*$')
local st = 'taken'
if #split(cur[2]) < (tonumber(cur[4]) or 1) then st = 'published' end
redis.call('HSET', KEYS[1], 'st', st)
redis.call('HDEL', KEYS[1], 'dat', 'dby', 'dn', 'pc')
redis.call('ZREM', ARGV[1] .. SUF_NDONE, id)
redis.call('ZREM', ARGV[1] .. SUF_NPEND, id)
if cur[5] then redis.call('ZADD', ARGV[1] .. SUF_NDUE, cur[5], id) end
return {'ok', '1'}
`)

// NotYetNeed is the asker saying a done need is not solved yet: it is
// taken again (published, when it wants more helpers than it has), its
// takers keep it, in one script; changed is false when it was not done.
// Errors: ErrNotFound; EFORBIDDEN ReasonNotAsker.
func (s *Store) NotYetNeed(ctx context.Context, community, id string, asker int64, now time.Time) (changed bool, err error) {
	if err := checkCommunity(community); err != nil {
		return false, err
	}
	if !validID('N', id) {
		return false, notFound("need", id)
	}
	op := fmt.Sprintf("need %s/%s not yet solved", community, id)
	st, rest, err := s.run(ctx, op, notYetNeedScript, []string{s.k.need(community, id)},
		s.k.base(community), strconv.FormatInt(asker, 10), s.clock(now))
	if err != nil {
		return false, err
	}
	if st != "ok" {
		return false, needError(op, st, rest, id)
	}
	return str(rest, 0) == "1", nil
}

// KEYS: need. ARGV: b, audit, score, due (ms: the least due date it keeps).
var releaseNeedScript = needScript(`
local cur = redis.call('HMGET', KEYS[1], 'st', 'tk')
if not cur[1] then return {'notfound', 'need'} end
if cur[1] ~= 'published' and cur[1] ~= 'taken' then return {'conflict', 'need_state', cur[1]} end
if not cur[2] or cur[2] == '' then return {'ok', ''} end
local id = string.match(KEYS[1], '[^:]*$')
redis.call('HSET', KEYS[1], 'st', 'published')
redis.call('HDEL', KEYS[1], 'tk', 'rem', 'ovd')
redis.call('ZREM', ARGV[1] .. SUF_NDUE, id)
local due = tonumber(redis.call('HGET', KEYS[1], 'due') or '0') or 0
if due < tonumber(ARGV[4]) then
  due = tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], 'due', ARGV[4])
end
redis.call('ZADD', ARGV[1] .. SUF_NPUB, due, id)
audit(ARGV[1], ARGV[2], ARGV[3])
return {'ok', cur[2]}
`)

// ReleaseNeed takes a published or taken need from its takers, in one
// script with the audit entry: it is published again (its buttons take it
// again) and the old takers are returned, to be told. None is returned,
// nothing audited, when it had no takers. A due date before due is moved
// to due, so that a need released because it was overdue does not expire
// at once. Errors: ErrNotFound; ECONFLICT ReasonNeedState (done, solved,
// declined, expired or new).
func (s *Store) ReleaseNeed(ctx context.Context, community, id string, due, now time.Time, audit *ll.AuditEntry) (old []string, err error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	if !validID('N', id) {
		return nil, notFound("need", id)
	}
	a, score := s.auditArgs(audit, community, now, id, "")
	op := fmt.Sprintf("release need %s/%s", community, id)
	st, rest, err := s.run(ctx, op, releaseNeedScript, []string{s.k.need(community, id)}, s.k.base(community), a, score, due.UnixMilli())
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, needError(op, st, rest, id)
	}
	if str(rest, 0) == "" {
		return nil, nil
	}
	return strings.Split(str(rest, 0), ","), nil
}

// KEYS: due zset, done zset, published zset. ARGV: b, remind before (ms: now + 2 days), now
// (ms), confirm deadline (ms: now - 3 days).
var sweepNeedsScript = needScript(`
local b = ARGV[1]
local remind, overdue, expired, waited = {}, {}, {}, {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, 500)) do
  local k = b .. SUF_NEED .. id
  local due = redis.call('HGET', k, 'due') or ''
  if tonumber(due) and tonumber(due) <= tonumber(ARGV[3]) then
    if redis.call('HSETNX', k, 'ovd', due) == 1 then overdue[#overdue + 1] = id end
  elseif redis.call('HSETNX', k, 'rem', due) == 1 then
    remind[#remind + 1] = id
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4], 'LIMIT', 0, 500)) do
  local k = b .. SUF_NEED .. id
  redis.call('ZREM', KEYS[2], id)
  if redis.call('HGET', k, 'st') == 'done' then
    redis.call('HSET', k, 'pc', '1')
    redis.call('ZADD', b .. SUF_NPEND, tonumber(string.sub(id, 2)), id)
    waited[#waited + 1] = id
  end
end
local expired = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[3], 'LIMIT', 0, 500)) do
  local k = b .. SUF_NEED .. id
  local cur = redis.call('HMGET', k, 'st', 'tk', 'ask')
  redis.call('ZREM', KEYS[3], id)
  if cur[1] == 'published' and (not cur[2] or cur[2] == '') then
    redis.call('HSET', k, 'st', 'expired')
    closeNeed(b, id, cur[3] or '')
    expired[#expired + 1] = id
  end
end
return {'ok', remind, overdue, waited, expired}
`)

// SweepNeeds claims, in one script, what is due about the community's needs
// at now: the takers' reminder the day before a need's due date (a due
// date is the end of its day, so from the start of the day before; once per
// need and due date), the committee's notice after it (once), and the move
// of a done need its asker left unanswered for lamplighter.NeedConfirmDays
// days to the committee's pending list, and the expiry of a published need
// nobody took by its due date. Each is claimed by exactly one call,
// so two replicas or a restart never repeat one.
func (s *Store) SweepNeeds(ctx context.Context, community string, now time.Time) (ll.NeedSweep, error) {
	if err := checkCommunity(community); err != nil {
		return ll.NeedSweep{}, err
	}
	op := "sweep needs of " + community
	at := now.UnixMilli()
	st, rest, err := s.run(ctx, op, sweepNeedsScript, []string{s.k.needDue(community), s.k.needDone(community), s.k.base(community) + sufNeedPub},
		s.k.base(community), at+(48*time.Hour).Milliseconds(), at, at-(ll.NeedConfirmDays*24*time.Hour).Milliseconds())
	if err != nil {
		return ll.NeedSweep{}, err
	}
	if st != "ok" {
		return ll.NeedSweep{}, statusError(op, st, rest, nil)
	}
	var sw ll.NeedSweep
	for i, dst := range []*[]ll.Need{&sw.Remind, &sw.Overdue, &sw.Waited, &sw.Expired} {
		ids := strs(rest, i)
		if len(ids) == 0 {
			continue
		}
		if *dst, err = s.needsByID(ctx, community, ids); err != nil {
			return ll.NeedSweep{}, err
		}
	}
	return sw, nil
}

// SetNeedCommunity remembers the community whose need link user tg opened
// last: where their /need goes when they are no member. One round trip.
func (s *Store) SetNeedCommunity(ctx context.Context, tg int64, community string) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	return s.wrap("set need community", s.c.HSet(ctx, s.k.user(tg), "nc", community).Err())
}

// NeedCommunity is the community SetNeedCommunity remembered for tg, "" for none.
func (s *Store) NeedCommunity(ctx context.Context, tg int64) (string, error) {
	v, err := s.c.HGet(ctx, s.k.user(tg), "nc").Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return v, s.wrap("need community", err)
}

// AskerUnreachable reports whether the bot could not message Telegram user
// tg when last it tried: a member's snapshot says, for a user with no
// membership (a resident) their own flag (SetReachable).
func (s *Store) AskerUnreachable(ctx context.Context, tg int64) (bool, error) {
	v, err := s.c.HMGet(ctx, s.k.user(tg), "m", "ur", "nur").Result()
	if err != nil {
		return false, s.wrap("asker reachable", err)
	}
	if str(v, 0) != "" { // a member: the membership snapshot says
		return str(v, 1) == "1", nil
	}
	return str(v, 2) == "1", nil
}

// setResidentReachable records whether the bot can message tg, a user with
// no membership (a resident who asked for help): field nur of their user hash.
func (s *Store) setResidentReachable(ctx context.Context, tg int64, reachable bool) error {
	op := fmt.Sprintf("set reachable of resident %d", tg)
	if reachable {
		return s.wrap(op, s.c.HDel(ctx, s.k.user(tg), "nur").Err())
	}
	return s.wrap(op, s.c.HSet(ctx, s.k.user(tg), "nur", "1").Err())
}

// rememberAskedIn adds community to the communities where user tg asked for
// help (field ncs of their user hash), for ForgetPerson.
func (s *Store) rememberAskedIn(ctx context.Context, tg int64, community string) error {
	_, _, err := s.run(ctx, "remember asker", rememberAskedScript, []string{s.k.user(tg)}, community)
	return err
}

// KEYS: user. ARGV: community.
var rememberAskedScript = script(`
local cs = redis.call('HGET', KEYS[1], 'ncs') or ''
if not string.find(',' .. cs .. ',', ',' .. ARGV[1] .. ',', 1, true) then
  if cs == '' then cs = ARGV[1] else cs = cs .. ',' .. ARGV[1] end
  redis.call('HSET', KEYS[1], 'ncs', cs)
end
return {'ok'}
`)

// KEYS: needs. ARGV: b, asker tg.
var forgetAskerScript = needScript(`
local b = ARGV[1]
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local k = b .. SUF_NEED .. id
  local h = redis.call('HMGET', k, 'ask', 'j', 'tk')
  if h[1] == ARGV[2] then
    local j = cjson.decode(h[2])
    j.text, j.photo, j.loc, j.asker, j.asker_lang = '—', nil, nil, 0, nil
    redis.call('HSET', k, 'j', cjson.encode(j), 'ask', '0')
    redis.call('HDEL', k, 'dn')
    for _, t in ipairs(split(h[3])) do
      local pk = b .. SUF_PARTS .. t
      local v = redis.call('HGET', pk, id)
      if v then
        local p = cjson.decode(v)
        if p.ak then
          p.ak = nil
          redis.call('HSET', pk, id, cjson.encode(p))
        end
      end
    end
    n = n + 1
  end
end
redis.call('DEL', b .. SUF_NOPEN .. ARGV[2])
return {'ok', n}
`)

// forgetAsker wipes what user tg gave as the asker of needs (SPEC section 6:
// forgetting is complete): in the communities given and those where they
// asked, each of their needs keeps its id, status, takers and dates, with
// the text "—", no photo or location, no asker; the asker's Telegram id is
// removed from the takers' participations, which keep counting. One script
// per community.
func (s *Store) forgetAsker(ctx context.Context, tg int64, communities []string) error {
	cs, err := s.c.HGet(ctx, s.k.user(tg), "ncs").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return s.wrap("forget asker", err)
	}
	all := slices.Clone(communities)
	for _, c := range strings.Split(cs, ",") {
		if ll.ValidCommunityID(c) && !slices.Contains(all, c) {
			all = append(all, c)
		}
	}
	for _, c := range all {
		if _, _, err := s.run(ctx, "forget asker in "+c, forgetAskerScript, []string{s.k.needs(c)},
			s.k.base(c), strconv.FormatInt(tg, 10)); err != nil {
			return err
		}
	}
	return nil
}
