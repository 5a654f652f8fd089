package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// ForgottenText replaces the text of a forgotten member's service records.
const ForgottenText = "—"

// Forgetting a person (SPEC sections 6 and 9): ForgetPerson finds every
// membership a Telegram user ever had (the user's ms field, and every
// community's tg hash), and in each community, in one script on its slot,
// wipes the members' personal fields, the tg hash entries, the texts of
// their service records, their Telegram id from the invites they used, and
// rewrites the audit entries that name them to their member id; then it
// drops the messages waiting in the outbox for their chat and deletes
// every key of the user's slot (user record, flow, update markers).

// KEYS: community. ARGV: b, tg, now, audit, score, number of member ids,
// the member ids, number of names, the names (JSON-escaped), then triples
// of service record id, its JSON now, its JSON without the text.
var forgetPersonScript = script(`
local b, tg, now = ARGV[1], ARGV[2], ARGV[3]
local i = 6
local nm = tonumber(ARGV[i]); i = i + 1
local mids = {}
for k = 1, nm do mids[#mids + 1] = ARGV[i]; i = i + 1 end
local nn = tonumber(ARGV[i]); i = i + 1
local names = {}
for k = 1, nn do names[#names + 1] = ARGV[i]; i = i + 1 end

local function replaceAll(s, old, new)
  if old == '' then return s end
  local out, from = {}, 1
  while true do
    local a, z = string.find(s, old, from, true)
    if not a then break end
    out[#out + 1] = string.sub(s, from, a - 1)
    out[#out + 1] = new
    from = z + 1
  end
  out[#out + 1] = string.sub(s, from)
  return table.concat(out)
end

local tgkey = b .. '` + sufTelegram + `'
local mine = {}
for _, mid in ipairs(mids) do
  local key = mkey(b, mid)
  local m = redis.call('HMGET', key, 'status', 'tg', 'left')
  if m[1] and (m[2] == tg or (not m[2] and m[1] == 'forgotten')) then
    mine[#mine + 1] = mid
    counted(b, mid, -1)
    if m[1] == 'active' then redis.call('HINCRBY', b .. SUF_SEQ, 'act', -1) end
    if m[1] ~= 'forgotten' then
      release(b, b .. SUF_CLAIMS .. mid, mid, now)
      leaveTeams(b, mid)
      withdrawFuture(b, mid, now)
      redis.call('HSET', key, 'status', 'forgotten')
      if not m[3] then redis.call('HSET', key, 'left', now) end
      leftAt(b, mid, redis.call('HGET', key, 'left'))
    end
    unlinkUnit(b, key, mid)
    redis.call('HDEL', key, 'role', 'tg', 'name', 'unit', 'bldg', 'skills', 'lang', 'unreach')
    redis.call('DEL', b .. '` + sufLive + `' .. mid)
  end
end
if redis.call('HGET', tgkey, tg) then redis.call('HDEL', tgkey, tg) end
redis.call('DEL', b .. '` + sufWrongTG + `' .. tg)

-- service texts
local svcs = b .. '` + sufServices + `'
while i + 2 <= #ARGV do
  if redis.call('HGET', svcs, ARGV[i]) == ARGV[i + 1] then
    redis.call('HSET', svcs, ARGV[i], ARGV[i + 2])
  end
  i = i + 3
end

-- invites they used keep being spent, without their id
local invs = b .. '` + sufInvites + `'
for _, code in ipairs(redis.call('ZRANGE', invs, 0, -1)) do
  local k = b .. '` + sufInvite + `' .. code
  if redis.call('HGET', k, 'used') == tg then redis.call('HSET', k, 'used', '0') end
end

-- audit entries that name them: the names and tg:<id> become the member id
local akey = b .. SUF_AUDIT
if #mine > 0 then
  local id = mine[#mine]
  local all = redis.call('ZRANGE', akey, 0, -1, 'WITHSCORES')
  for k = 1, #all, 2 do
    local e, score = all[k], all[k + 1]
    local about = nil
    for _, mid in ipairs(mine) do
      if string.find(e, '"object":"' .. mid .. '"', 1, true) or string.find(e, '"actor":"' .. mid .. '"', 1, true) then about = mid end
    end
    local n = replaceAll(e, '"tg:' .. tg .. '"', '"' .. id .. '"')
    for _, name in ipairs(names) do
      if about or #name >= 6 then n = replaceAll(n, name, about or id) end
    end
    if n ~= e then
      redis.call('ZREM', akey, e)
      redis.call('ZADD', akey, score, n)
    end
  end
end
audit(b, ARGV[4], ARGV[5])
return {'ok', mine}
`)

// KEYS: stats. ARGV: o, now, chat. Drops every message waiting for chat
// (not one in flight) and its dead letters, and the chat's pace; counted as
// "forgotten".
var obForgetChatScript = outboxScript(`
local chat = ARGV[3]
local n = 0
for _, id in ipairs(redis.call('ZRANGE', qk(chat), 0, -1)) do
  if redis.call('ZSCORE', INFLIGHT, id) == false then
    local v = redis.call('HMGET', mk(id), 'bc', 'pb')
    finish(id, chat, v[1], v[2], 'forgotten')
    n = n + 1
  end
end
for _, id in ipairs(redis.call('ZRANGE', DEAD, 0, -1)) do
  if redis.call('HGET', mk(id), 'chat') == chat then
    unref(redis.call('HGET', mk(id), 'b'))
    redis.call('DEL', mk(id))
    redis.call('ZREM', DEAD, id)
    n = n + 1
  end
end
if redis.call('ZCARD', qk(chat)) == 0 then redis.call('ZREM', READY, chat) end
redis.call('DEL', pk(chat))
return {'ok', n}
`)

func init() { allScripts = append(allScripts, forgetPersonScript, obForgetChatScript) }

// ForgetPerson deletes what is stored about the Telegram user tg, in every
// community they were ever a member of (SPEC sections 6 and 9), keeping
// only member ids and counts: each membership becomes forgotten (claims
// released, teams left, future sign-ups withdrawn, name, Telegram id, unit,
// building, skills, language and role removed), the texts of their service
// records become ForgottenText, the audit entries naming them (by a name
// they had, or as tg:<id>) name their member id instead, invites they used
// stay spent without their id, messages waiting for their chat are dropped,
// and the user's own keys (record, flow, update markers, anything under
// their hash tag) are deleted. audit (the "forgetme" entry) is written in
// its community's step; nil for none. Idempotent: running it again, or
// after an interruption, finishes the job. It reports the memberships it
// forgot, "<community>/<member id>".
func (s *Store) ForgetPerson(ctx context.Context, tg int64, now time.Time, audit *ll.AuditEntry) ([]string, error) {
	if tg <= 0 {
		return nil, ll.Invalid("telegram", "forgetting needs a Telegram user id")
	}
	op := fmt.Sprintf("forget user %d", tg)
	byCommunity, err := s.membershipsOf(ctx, tg)
	if err != nil {
		return nil, err
	}
	if audit != nil {
		if _, ok := byCommunity[audit.Community]; !ok && ll.ValidCommunityID(audit.Community) {
			byCommunity[audit.Community] = nil
		}
	}
	communities := make([]string, 0, len(byCommunity))
	for c := range byCommunity {
		communities = append(communities, c)
	}
	slices.Sort(communities)
	var forgotten []string
	tgs := strconv.FormatInt(tg, 10)
	for _, c := range communities {
		mids := byCommunity[c]
		args, err := s.forgetArgs(ctx, c, tgs, mids)
		if err != nil {
			return forgotten, err
		}
		var a string
		var score int64
		if audit != nil && audit.Community == c {
			a, score = s.auditArgs(audit, c, now, "", "")
		}
		all := append([]any{s.k.base(c), tgs, s.millis(now), a, score}, args...)
		st, rest, err := s.run(ctx, op, forgetPersonScript, []string{s.k.community(c)}, all...)
		if err != nil {
			return forgotten, err
		}
		if st != "ok" {
			return forgotten, statusError(op, st, rest, nil)
		}
		for _, mid := range strs(rest, 0) {
			forgotten = append(forgotten, pointer(c, mid))
		}
	}
	if err := s.forgetAsker(ctx, tg, communities); err != nil { // residents' needs (needs.go)
		return forgotten, err
	}
	if _, _, err := s.run(ctx, op, obForgetChatScript, []string{s.k.obStats()}, s.k.outbox(), s.millis(now), tgs); err != nil {
		return forgotten, err
	}
	keys, err := s.scanKeys(ctx, s.k.userSlot(tg)+"*")
	if err != nil {
		return forgotten, s.wrap(op, err)
	}
	for _, k := range keys {
		if err := s.c.Del(ctx, k).Err(); err != nil {
			return forgotten, s.wrap(op, err)
		}
	}
	return forgotten, nil
}

// membershipsOf finds the member ids the user ever had, by community: the
// pointers of the user record (m and ms), and every community's tg hash.
func (s *Store) membershipsOf(ctx context.Context, tg int64) (map[string][]string, error) {
	out := map[string][]string{}
	add := func(ptr string) {
		c, m, ok := strings.Cut(ptr, "/")
		if ok && ll.ValidCommunityID(c) && validID('M', m) && !slices.Contains(out[c], m) {
			out[c] = append(out[c], m)
		}
	}
	h, err := s.c.HMGet(ctx, s.k.user(tg), "m", "ms").Result()
	if err != nil {
		return nil, s.wrap("memberships", err)
	}
	for _, v := range h {
		if v, ok := v.(string); ok {
			for _, p := range strings.Split(v, ",") {
				add(p)
			}
		}
	}
	ids, err := s.c.SMembers(ctx, s.k.communities()).Result()
	if err != nil {
		return nil, s.wrap("memberships", err)
	}
	tgs := strconv.FormatInt(tg, 10)
	cmds := make(map[string]*redis.StringCmd, len(ids))
	_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range ids {
			if ll.ValidCommunityID(c) {
				cmds[c] = p.HGet(ctx, s.k.telegram(c), tgs)
			}
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, s.wrap("memberships", err)
	}
	for c, cmd := range cmds {
		if m, err := cmd.Result(); err == nil {
			add(c + "/" + m)
		}
	}
	return out, nil
}

// forgetArgs are the script arguments of one community after its fixed
// ones: the member ids, the names they had (JSON-escaped, as they appear
// in audit entries), and the service records to rewrite without their text.
func (s *Store) forgetArgs(ctx context.Context, c, tg string, mids []string) ([]any, error) {
	args := []any{len(mids)}
	var names []string
	for _, mid := range mids {
		args = append(args, mid)
		h, err := s.c.HMGet(ctx, s.k.member(c, mid), "name", "tg").Result()
		if err != nil {
			return nil, s.wrap("forget "+c, err)
		}
		name, _ := h[0].(string)
		owner, _ := h[1].(string)
		if name != "" && owner == tg {
			j, _ := json.Marshal(name)
			if e := string(j[1 : len(j)-1]); !slices.Contains(names, e) {
				names = append(names, e)
			}
		}
	}
	args = append(args, len(names))
	for _, n := range names {
		args = append(args, n)
	}
	svcs, err := s.c.HGetAll(ctx, s.k.services(c)).Result()
	if err != nil {
		return nil, s.wrap("forget "+c, err)
	}
	for id, j := range svcs {
		var r storedService
		if json.Unmarshal([]byte(j), &r) != nil || !slices.Contains(mids, r.Member) || r.Text == ForgottenText {
			continue
		}
		r.Text = ForgottenText
		nj, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("forget %s: %w", c, err)
		}
		args = append(args, id, j, string(nj))
	}
	return args, nil
}

// scanKeys returns every key matching pattern, on every master of a cluster.
func (s *Store) scanKeys(ctx context.Context, pattern string) ([]string, error) {
	scan := func(ctx context.Context, c redis.Cmdable) ([]string, error) {
		var out []string
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			out = append(out, iter.Val())
		}
		return out, iter.Err()
	}
	cc, ok := s.c.(*redis.ClusterClient)
	if !ok {
		return scan(ctx, s.c)
	}
	var (
		out []string
		mu  sync.Mutex
	)
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		ks, err := scan(ctx, c)
		mu.Lock()
		out = append(out, ks...)
		mu.Unlock()
		return err
	})
	return out, err
}
