package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// The counters of registration's choices (keys.go: cnt:unit, cnt:skill) are
// kept by the scripts that change members and posts (counted and
// postCounted in the prelude); Choices reads the top of them.

// KEYS: units, skills. ARGV: n. Answers ok, then for each counter its top n
// (value, count pairs): the values counted more than the n-th, then those
// counted as often as the n-th in byte order, at most n of them, so the
// first n by count and then value are all there.
var choicesScript = script(`
local n = tonumber(ARGV[1])
local function top(key)
  local t = redis.call('ZREVRANGE', key, 0, n - 1, 'WITHSCORES')
  if #t < 2 * n then return t end
  local last = t[#t]
  local out = redis.call('ZREVRANGEBYSCORE', key, '+inf', '(' .. last, 'WITHSCORES')
  for _, v in ipairs(redis.call('ZRANGEBYSCORE', key, last, last, 'WITHSCORES', 'LIMIT', 0, n)) do
    out[#out + 1] = v
  end
  return out
end
return {'ok', top(KEYS[1]), top(KEYS[2])}
`)

// KEYS: seq, units, skills. ARGV: cv read before counting, the number of
// active members, the number of units, unit-count pairs, skill-count pairs.
// Replaces the counters unless a change was counted since (changed: the
// caller counts again).
var swapChoicesScript = script(`
if (redis.call('HGET', KEYS[1], 'cv') or '0') ~= ARGV[1] then return {'changed'} end
redis.call('HSET', KEYS[1], 'act', ARGV[2])
redis.call('DEL', KEYS[2], KEYS[3])
local nu = tonumber(ARGV[3])
for i = 4, #ARGV, 2 do
  local key = KEYS[3]
  if i < 4 + 2 * nu then key = KEYS[2] end
  redis.call('ZADD', key, ARGV[i + 1], ARGV[i])
end
return {'ok'}
`)

func init() { allScripts = append(allScripts, choicesScript, swapChoicesScript) }

// Choices returns the n units most active members of community typed, and
// the n skills most often held by its active members or wanted by its open
// posts, with their counts: every value counted more often than the n-th,
// and those counted as often as it up to n of them in byte order, so that
// the first n by descending count, then by value, are all included. One
// round trip that reads at most 2n entries of each counter, whatever the
// community's size; an unknown community has none.
func (s *Store) Choices(ctx context.Context, community string, n int) (units, skills map[string]int, err error) {
	if err := checkCommunity(community); err != nil {
		return nil, nil, err
	}
	if n <= 0 {
		return map[string]int{}, map[string]int{}, nil
	}
	op := "choices of " + community
	st, rest, err := s.run(ctx, op, choicesScript, []string{s.k.unitCounts(community), s.k.skillCounts(community)}, n)
	if err != nil {
		return nil, nil, err
	}
	if st != "ok" {
		return nil, nil, statusError(op, st, rest, nil)
	}
	pairs := func(l []string) (map[string]int, error) {
		out := make(map[string]int, len(l)/2)
		for i := 0; i+1 < len(l); i += 2 {
			f, err := strconv.ParseFloat(l[i+1], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: count of %q: %w", op, l[i], err)
			}
			out[l[i]] = int(math.Round(f))
		}
		return out, nil
	}
	if units, err = pairs(strs(rest, 0)); err != nil {
		return nil, nil, err
	}
	if skills, err = pairs(strs(rest, 1)); err != nil {
		return nil, nil, err
	}
	return units, skills, nil
}

// CountChoices counts community's choices the slow way, reading every
// member and post: the active members' units and skills, and the open
// posts' skills. It is what the counters must equal, and what the
// migration to schema 3 builds them from.
func (s *Store) CountChoices(ctx context.Context, community string) (units, skills map[string]int, err error) {
	_, units, skills, err = s.countChoices(ctx, community)
	return units, skills, err
}

// countChoices is CountChoices with the number of active members.
func (s *Store) countChoices(ctx context.Context, community string) (active int, units, skills map[string]int, err error) {
	members, err := s.Members(ctx, community)
	if err != nil {
		return 0, nil, nil, err
	}
	posts, err := s.Posts(ctx, community)
	if err != nil {
		return 0, nil, nil, err
	}
	units, skills = map[string]int{}, map[string]int{}
	for _, m := range members {
		if !m.Active() {
			continue
		}
		active++
		if m.Unit != "" {
			units[m.Unit]++
		}
		for _, sk := range m.Skills {
			skills[sk]++
		}
	}
	for _, p := range posts {
		if !p.Closed {
			for _, sk := range p.Skills {
				skills[sk]++
			}
		}
	}
	return active, units, skills, nil
}

// ActiveMembers returns how many active members community has, from the
// counter (seq's act) that the scripts which register, import, remove and
// forget members keep; one round trip. 0 for an unknown community.
func (s *Store) ActiveMembers(ctx context.Context, community string) (int, error) {
	if err := checkCommunity(community); err != nil {
		return 0, err
	}
	n, err := s.c.HGet(ctx, s.k.seq(community), "act").Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, s.wrap("active members of "+community, err)
	}
	return n, nil
}

// migrateChoices (schema 2 to 3) builds the counters of every community
// from its members and posts.
func (s *Store) migrateChoices(ctx context.Context) error {
	return s.eachCommunity(ctx, s.RebuildChoices)
}

// RebuildChoices replaces community's choice counters by a count of every
// member and post (CountChoices). A change counted while it reads makes it
// count again, up to 5 times, then it gives up with an error; so the
// counters it leaves equal the data at one instant. Run it once the scripts
// that keep the counters are the only writers (no replica of an older
// version still running).
func (s *Store) RebuildChoices(ctx context.Context, community string) error {
	op := "rebuild the choice counters of " + community
	for try := 0; ; try++ {
		cv, err := s.c.HGet(ctx, s.k.seq(community), "cv").Result()
		if errors.Is(err, redis.Nil) {
			cv, err = "0", nil
		}
		if err != nil {
			return s.wrap(op, err)
		}
		active, units, skills, err := s.countChoices(ctx, community)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		args := []any{cv, active, len(units)}
		for u, n := range units {
			args = append(args, u, n)
		}
		for sk, n := range skills {
			args = append(args, sk, n)
		}
		st, _, err := s.run(ctx, op, swapChoicesScript,
			[]string{s.k.seq(community), s.k.unitCounts(community), s.k.skillCounts(community)}, args...)
		switch {
		case err != nil:
			return err
		case st == "ok":
			return nil
		case try >= 5:
			return fmt.Errorf("%s: the community keeps changing", op)
		}
	}
}
