package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// Audience counts (SPEC section 13): the broadcast confirmation says how
// many members an audience reaches without reading the community. The
// counters (keys.go: aud) are kept by counted, which every script that
// changes a member's status, unit, building or skills calls before and
// after the change (scripts.go), and by the two places that change
// reachability alone (caller, memberFieldScript). A team or an activity's
// sign-ups are counted from their own set, reading only those members.

// KEYS: aud. ARGV: the change count the counters were computed at, then
// field and count pairs. Writes the counters unless they are built or a
// change came since (raced).
var writeAudienceScript = script(`
if redis.call('HEXISTS', KEYS[1], '_v') == 1 then return {'ok'} end
if (redis.call('HGET', KEYS[1], '_c') or '') ~= ARGV[1] then return {'raced'} end
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 1999, #ARGV)))
end
redis.call('HSET', KEYS[1], '_v', '1')
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], '_c', ARGV[1]) end
return {'ok'}
`)

// KEYS: aud. ARGV: field. Answers ok with the reachable and unreachable
// counts of field, or nocount before the counters are built.
var audienceCountScript = script(`
if redis.call('HEXISTS', KEYS[1], '_v') == 0 then return {'nocount'} end
local r = redis.call('HMGET', KEYS[1], ARGV[1], '~' .. ARGV[1])
local n, away = tonumber(r[1]) or 0, tonumber(r[2]) or 0
return {'ok', n - away, away}
`)

// KEYS: the set of members (team:<T>:members or su:<A>), the object's key
// (teams hash or a:<A>). ARGV: b, kind (team or activity), id. Counts the
// active members of the set who can and cannot be reached.
var audienceSetScript = script(`
local b, kind, id = ARGV[1], ARGV[2], ARGV[3]
local ids
if kind == 'team' then
  if redis.call('HEXISTS', KEYS[2], id) == 0 then return {'notfound', 'team', id} end
  ids = redis.call('SMEMBERS', KEYS[1])
else
  if redis.call('EXISTS', KEYS[2]) == 0 then return {'notfound', 'activity', id} end
  ids = redis.call('ZRANGE', KEYS[1], 0, -1)
end
local to, away = 0, 0
for _, mid in ipairs(ids) do
  local m = redis.call('HMGET', mkey(b, mid), 'status', 'tg', 'unreach')
  if m[1] == 'active' then
    if not m[2] or m[2] == '' or m[3] then away = away + 1 else to = to + 1 end
  end
end
return {'ok', to, away}
`)

func init() {
	allScripts = append(allScripts, writeAudienceScript, audienceCountScript, audienceSetScript)
}

// AudienceCount counts the active members of community in an audience of
// SPEC section 3, by kind as app.ParseAudience names it (all, unit,
// building, skill, team, activity) and its argument: to can be reached on
// Telegram, skipped cannot (no Telegram id, or marked unreachable). A
// unit, building or skill matches ignoring case, as app.Broadcasts'
// Recipients matches it. One round trip, whatever the community's size
// (the first count of a community builds the counters: RebuildAudienceCounts); a team
// or activity reads only its own members.
//
// ok is false, with nothing read, for an audience the counters cannot
// answer: below-minimum and no-post (they depend on each member's ledger
// of the year), and a unit, building or skill with a letter outside ASCII
// that has another case (the counters lower ASCII only). Errors:
// ErrNotFound (Detail "team" or "activity"); the store's.
func (s *Store) AudienceCount(ctx context.Context, community, kind, arg string) (to, skipped int, ok bool, err error) {
	if err := checkCommunity(community); err != nil {
		return 0, 0, false, err
	}
	op := fmt.Sprintf("count audience %s:%s of %s", kind, arg, community)
	switch kind {
	case "team", "activity":
		var keys []string
		if kind == "team" {
			if !validID('T', arg) {
				return 0, 0, false, notFound("team", arg)
			}
			keys = []string{s.k.teamMembers(community, arg), s.k.teams(community)}
		} else {
			if !validID('A', arg) {
				return 0, 0, false, notFound("activity", arg)
			}
			keys = []string{s.k.signups(community, arg), s.k.act(community, arg)}
		}
		st, rest, err := s.run(ctx, op, audienceSetScript, keys, s.k.base(community), kind, arg)
		if err != nil {
			return 0, 0, false, err
		}
		if st != "ok" {
			return 0, 0, false, statusError(op, st, rest, map[string]string{kind: arg})
		}
		return int(num(rest, 0)), int(num(rest, 1)), true, nil
	}
	var field string
	switch kind {
	case "all":
		field = "a:"
	case "unit", "building", "skill":
		if !indexable(arg) || strings.ContainsAny(arg, "\t\n") {
			return 0, 0, false, nil
		}
		field = kind[:1] + ":" + luaLower(arg)
	default:
		return 0, 0, false, nil
	}
	for range 2 {
		st, rest, err := s.run(ctx, op, audienceCountScript, []string{s.k.audience(community)}, field)
		if err != nil {
			return 0, 0, false, err
		}
		if st == "ok" {
			return int(num(rest, 0)), int(num(rest, 1)), true, nil
		}
		if err := s.RebuildAudienceCounts(ctx, community); err != nil {
			return 0, 0, false, err
		}
	}
	return 0, 0, false, fmt.Errorf("%s: the counters are not built", op)
}

// RebuildAudienceCounts builds the audience counters of community from its
// members unless they are built already: a community from before the
// counters gets them at its first count. It reads the members as Members
// does (1,000 a round trip, so Redis is never held for long), counts them
// here and writes the counters in one script only if no member changed
// meanwhile (the counters' change count, _c), else it starts again, up to
// 5 times. Safe against concurrent changes and replicas.
func (s *Store) RebuildAudienceCounts(ctx context.Context, community string) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	op := "count the audiences of " + community
	key := s.k.audience(community)
	for range 5 {
		v, err := s.c.HMGet(ctx, key, "_v", "_c").Result()
		if err != nil {
			return s.wrap(op, err)
		}
		if v[0] != nil {
			return nil
		}
		at, _ := v[1].(string)
		ms, err := s.Members(ctx, community)
		if err != nil {
			return err
		}
		n := map[string]int{}
		for _, m := range ms {
			if !m.Active() {
				continue
			}
			fields := []string{"a:"}
			if m.Unit != "" {
				fields = append(fields, "u:"+luaLower(m.Unit))
			}
			if m.Building != "" {
				fields = append(fields, "b:"+luaLower(m.Building))
			}
			seen := map[string]bool{}
			for _, sk := range m.Skills {
				if l := luaLower(sk); !seen[l] {
					seen[l] = true
					fields = append(fields, "s:"+l)
				}
			}
			for _, f := range fields {
				n[f]++
				if m.TelegramID == 0 || m.Unreachable {
					n["~"+f]++
				}
			}
		}
		args := make([]any, 0, 1+2*len(n))
		args = append(args, at)
		for f, c := range n {
			args = append(args, f, c)
		}
		st, _, err := s.run(ctx, op, writeAudienceScript, []string{key}, args...)
		if err != nil {
			return err
		}
		if st == "ok" {
			return nil
		}
	}
	return fmt.Errorf("%s: members kept changing while they were counted", op)
}

// luaLower is the scripts' audLower (scripts.go): ASCII's lowering, and
// KELVIN SIGN and LONG S as k and s, the two letters outside ASCII that
// strings.EqualFold matches with ASCII ones.
func luaLower(s string) string {
	s = strings.ReplaceAll(s, "\u212a", "k")
	s = strings.ReplaceAll(s, "\u017f", "s")
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// SaveBroadcastNote keeps the text of broadcast id of community for ttl:
// what a press on the button of its attached object shows again (the
// recipients' messages hold it, the outbox shares it; this copy is the
// only one a press can read). One round trip.
func (s *Store) SaveBroadcastNote(ctx context.Context, community, id, text string, ttl time.Duration) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	if !broadcastIDPattern.MatchString(id) {
		return ll.Invalid("broadcast", "bad broadcast id %q", id)
	}
	return s.wrap("keep the text of broadcast "+id, s.c.Set(ctx, s.k.bcNote(community, id), text, ttl).Err())
}

// BroadcastNote is the text SaveBroadcastNote kept. ErrNotFound (Detail
// "broadcast") once it expired, or for an id never kept. One round trip.
func (s *Store) BroadcastNote(ctx context.Context, community, id string) (string, error) {
	if err := checkCommunity(community); err != nil {
		return "", err
	}
	if !broadcastIDPattern.MatchString(id) {
		return "", notFound("broadcast", id)
	}
	v, err := s.c.Get(ctx, s.k.bcNote(community, id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", notFound("broadcast", id)
	}
	return v, s.wrap("text of broadcast "+id, err)
}

// KEYS: members. ARGV: b, offset, n. Answers ok, the number of members,
// the ids of up to n members from offset (by number), then each one's hash.
var membersPageScript = script(`
local from = tonumber(ARGV[2])
local ids = redis.call('ZRANGE', KEYS[1], from, from + tonumber(ARGV[3]) - 1)
local out = {'ok', redis.call('ZCARD', KEYS[1]), ids}
for _, mid in ipairs(ids) do
  out[#out + 1] = redis.call('HGETALL', mkey(ARGV[1], mid))
end
return out
`)

func init() { allScripts = append(allScripts, membersPageScript) }

// MembersPage returns up to n (at most 1,000) members of community (any
// status) from the offset-th by id order, and how many members it has in
// all: one round trip, one short script. Members are only ever added, at
// the end of that order, so paging from 0 until total sees each member
// that existed at the start once (what a broadcast's sending walks).
func (s *Store) MembersPage(ctx context.Context, community string, offset, n int) ([]ll.Member, int, error) {
	if err := checkCommunity(community); err != nil {
		return nil, 0, err
	}
	n = min(max(n, 1), membersBatch)
	op := fmt.Sprintf("members of %s from %d", community, offset)
	st, rest, err := s.run(ctx, op, membersPageScript, []string{s.k.members(community)}, s.k.base(community), max(offset, 0), n)
	if err != nil {
		return nil, 0, err
	}
	if st != "ok" {
		return nil, 0, statusError(op, st, rest, nil)
	}
	ids := strs(rest, 1)
	out := make([]ll.Member, 0, len(ids))
	for i, id := range ids {
		m, err := decodeMember(community, id, fieldMap(rest, i+2))
		if err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, int(num(rest, 0)), nil
}
