package storage

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// The search index (keys.go: sx:<k>) is kept by the scripts that change
// members (indexed in the prelude). SearchMembers finds the query in it
// with string.find, in one script, and reads the members of one page.

// KEYS: seq. ARGV: b, lowered query ("" for every active member), mode
// ("page" or "all"), offset, count. Answers ok, the number of matches,
// the ids of the page's (or all of them) in id order, then each one's
// fields; noindex when the community has no index.
var searchScript = script(`
local b, lq, mode = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', b .. SUF_SX .. ':on') == 0 then return {'noindex'} end
local maxn = tonumber(redis.call('HGET', KEYS[1], 'M') or '0')
local nums = {}
for c = 0, math.floor(maxn / 1024) do
  local t = redis.call('GET', b .. SUF_SX .. ':' .. c)
  if t then
    local cn = {}
    if lq == '' then
      for n in string.gmatch(t, '\1(%d+)\n') do cn[#cn + 1] = tonumber(n) end
    else
      local pos = 1
      while true do
        local i = string.find(t, lq, pos, true)
        if not i then break end
        local j = string.find(t, '\1', i, true)
        local e = string.find(t, '\n', i, true)
        if j and j < e then cn[#cn + 1] = tonumber(string.sub(t, j + 1, e - 1)) end
        pos = e + 1
      end
    end
    table.sort(cn)
    for _, n in ipairs(cn) do nums[#nums + 1] = n end
  end
end
local from, to = 1, #nums
if mode == 'page' then
  from = tonumber(ARGV[4]) + 1
  to = math.min(#nums, from + tonumber(ARGV[5]) - 1)
end
local ids = {}
for k = from, to do ids[#ids + 1] = 'M' .. nums[k] end
local out = {'ok', #nums, ids}
for _, mid in ipairs(ids) do out[#out + 1] = redis.call('HGETALL', mkey(b, mid)) end
return out
`)

// KEYS: seq. ARGV: b, k. Writes the search index string sx:<k> afresh
// from the members numbered k*1024 to k*1024+1023 as they are now: the line
// of each active one (replacing whatever the string held; idempotent, and
// a change made after it replaces its member's line as always). 1,024
// HMGETs and one SET: a few milliseconds whatever the community's size.
var indexChunkScript = script(`
local b, k = ARGV[1], tonumber(ARGV[2])
local lines = {'\n'}
for n = math.max(1, k * 1024), k * 1024 + 1023 do
  local m = redis.call('HMGET', mkey(b, 'M' .. n), 'status', 'unit', 'skills', 'name', 'bldg')
  if m[1] == 'active' then lines[#lines + 1] = searchLine(m, decoded(m[3]), n) end
end
local key = b .. SUF_SX .. ':' .. k
if #lines == 1 then redis.call('DEL', key) else redis.call('SET', key, table.concat(lines)) end
return {'ok'}
`)

func init() { allScripts = append(allScripts, searchScript, indexChunkScript) }

var memberIDQuery = regexp.MustCompile(`^[mM][1-9][0-9]*$`)

// indexable reports whether the index can answer q: each of its characters
// is printable ASCII or has no other case (Chinese, digits, punctuation), so
// that the index's lowering, ASCII's, agrees with strings.ToLower on what
// matches it, and q cannot span two fields or lines.
func indexable(q string) bool {
	if !utf8.ValidString(q) {
		return false
	}
	for _, r := range q {
		if r < 0x20 || r == 0x7f || r >= utf8.RuneSelf && unicode.SimpleFold(r) != r {
			return false
		}
	}
	return true
}

// SearchMembers answers a page of a member search: the active members of
// community whose id is q (case-insensitive), or whose name, unit, building
// or a skill contains q, ignoring case (strings.ToLower on both), every
// active member for an empty q, in member id order; count of them from
// offset, and how many there are in all. An empty q is answered in one
// round trip from the bitmap of the active members (memberPage), whatever
// the community's size, without the search index. ok is false when the index cannot
// answer q: a letter outside ASCII that has another case (nothing is read),
// or a community of up to indexThreshold members, which has no index (one
// script and a ZCARD are read); the caller then searches every member. The
// first search of a larger community builds its index (EnableSearchIndex).
// Then one round trip (one more to read the member a query like "m12" names
// when no field contains it): the script scans the index's lines, about 40
// bytes a member, and reads only the page's members.
func (s *Store) SearchMembers(ctx context.Context, community, q string, offset, count int) (page []ll.Member, total int, ok bool, err error) {
	if err := checkCommunity(community); err != nil {
		return nil, 0, false, err
	}
	if !indexable(q) {
		return nil, 0, false, nil
	}
	offset, count = max(offset, 0), max(count, 0)
	if q == "" {
		page, total, err := s.memberPage(ctx, community, offset, count) // memberpage.go
		if err != nil {
			return nil, 0, false, err
		}
		return page, total, true, nil
	}
	lq := strings.ToLower(q)
	idQuery := memberIDQuery.MatchString(q)
	mode := "page"
	if idQuery {
		mode = "all"
	}
	op := "search members of " + community
	st, rest, err := s.run(ctx, op, searchScript, []string{s.k.seq(community)}, s.k.base(community), lq, mode, offset, count)
	if err == nil && st == "noindex" {
		var on bool
		if on, err = s.searchIndexed(ctx, community); err != nil || !on {
			return nil, 0, false, err
		}
		st, rest, err = s.run(ctx, op, searchScript, []string{s.k.seq(community)}, s.k.base(community), lq, mode, offset, count)
	}
	if err != nil {
		return nil, 0, false, err
	}
	if st != "ok" {
		return nil, 0, false, statusError(op, st, rest, nil)
	}
	n, ids := int(num(rest, 0)), strs(rest, 1)
	found := make([]ll.Member, 0, len(ids))
	for i, id := range ids {
		m, err := decodeMember(community, id, fieldMap(rest, i+2))
		if err != nil {
			return nil, 0, false, err
		}
		found = append(found, m)
	}
	if !idQuery {
		return found, n, true, nil
	}
	id := "M" + q[1:]
	if !slices.ContainsFunc(found, func(m ll.Member) bool { return m.ID == id }) {
		m, err := s.Member(ctx, community, id)
		switch {
		case err == nil && m.Active():
			found = append(found, m)
			sortMembers(found)
		case err != nil && ll.ErrorCode(err) != ll.ENOTFOUND:
			return nil, 0, false, fmt.Errorf("%s: %w", op, err)
		}
	}
	total = len(found)
	from := min(offset, total)
	return found[from:min(from+count, total)], total, true, nil
}

func sortMembers(ms []ll.Member) {
	slices.SortFunc(ms, func(a, b ll.Member) int { return idNumber(a.ID) - idNumber(b.ID) })
}

// indexThreshold is the size above which a community gets the search
// index: a smaller one is read whole in one script (Members), faster than
// the index would save, and its members do not pay the index's 35 to 80
// bytes each.
const indexThreshold = membersBatch

// searchIndexed reports whether community has the search index, building
// it when it has more than indexThreshold members and none yet (two round
// trips, and the building's).
func (s *Store) searchIndexed(ctx context.Context, community string) (bool, error) {
	op := "search index of " + community
	flag := s.k.base(community) + sufSearch + ":on"
	on, err := s.c.Exists(ctx, flag).Result()
	if err != nil {
		return false, s.wrap(op, err)
	}
	if on == 1 {
		return true, nil
	}
	n, err := s.c.ZCard(ctx, s.k.members(community)).Result()
	if err != nil {
		return false, s.wrap(op, err)
	}
	if n <= indexThreshold {
		return false, nil
	}
	return true, s.EnableSearchIndex(ctx, community)
}

// EnableSearchIndex gives community the search index (keys.go: sx:on,
// sx:<k>): from now on every script that changes a member keeps it, and
// this writes each string of 1,024 member numbers afresh, one script each
// (indexChunkScript: a few ms, so Redis is never held long; 98 scripts for
// 100,000 members). Safe to run again, from several replicas at once, and
// concurrently with changes: each string is written in one script from
// what its members are then, and a later change replaces its member's line.
// SearchMembers calls it for a community past indexThreshold members, and
// ImportMembers when an import takes a community past it.
func (s *Store) EnableSearchIndex(ctx context.Context, community string) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	op := "index the members of " + community
	if err := s.c.Set(ctx, s.k.base(community)+sufSearch+":on", "1", 0).Err(); err != nil {
		return s.wrap(op, err)
	}
	maxn, err := s.c.HGet(ctx, s.k.seq(community), "M").Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return s.wrap(op, err)
	}
	for k := 0; k <= maxn/1024; k++ {
		if _, _, err := s.run(ctx, op, indexChunkScript, []string{s.k.seq(community)}, s.k.base(community), k); err != nil {
			return err
		}
	}
	return nil
}

// KEYS: seq. ARGV: b. Answers ok and every string of the search index
// ("" for one that is not there), or noindex when the community has none.
var memberKeysScript = script(`
local b = ARGV[1]
if redis.call('EXISTS', b .. SUF_SX .. ':on') == 0 then return {'noindex'} end
local maxn = tonumber(redis.call('HGET', KEYS[1], 'M') or '0')
local out = {'ok'}
for c = 0, math.floor(maxn / 1024) do out[#out + 1] = redis.call('GET', b .. SUF_SX .. ':' .. c) or '' end
return out
`)

func init() { allScripts = append(allScripts, memberKeysScript) }

// MemberKeys reads the search index of community: every active member's
// number with its name, unit and building lowered as the index keeps them
// (ll.IndexLower), by number. One round trip, one script that only reads
// the index's strings (about 40 bytes a member: 4 MB at 100,000), parsed
// here; the answer is one instant's. ok is false for a community of up to
// indexThreshold members, which has no index (a script and a ZCARD are
// read); a larger one without an index yet gets it first
// (EnableSearchIndex), as SearchMembers does.
func (s *Store) MemberKeys(ctx context.Context, community string) (keys []ll.MemberKeys, ok bool, err error) {
	if err := checkCommunity(community); err != nil {
		return nil, false, err
	}
	op := "member keys of " + community
	st, rest, err := s.run(ctx, op, memberKeysScript, []string{s.k.seq(community)}, s.k.base(community))
	if err == nil && st == "noindex" {
		var on bool
		if on, err = s.searchIndexed(ctx, community); err != nil || !on {
			return nil, false, err
		}
		st, rest, err = s.run(ctx, op, memberKeysScript, []string{s.k.seq(community)}, s.k.base(community))
	}
	if err != nil {
		return nil, false, err
	}
	if st != "ok" {
		return nil, false, statusError(op, st, rest, nil)
	}
	lines := 0
	for i := range rest {
		lines += strings.Count(str(rest, i), "\x01")
	}
	keys = make([]ll.MemberKeys, 0, lines)
	for i := range rest {
		t, start := str(rest, i), len(keys)
		for len(t) > 0 {
			line := t
			if e := strings.IndexByte(t, '\n'); e >= 0 {
				line, t = t[:e], t[e+1:]
			} else {
				t = ""
			}
			fields, n, found := strings.Cut(line, "\x01")
			if !found {
				continue // the string's first, empty line
			}
			k := ll.MemberKeys{}
			if k.Number, err = strconv.Atoi(n); err != nil {
				return nil, false, fmt.Errorf("%s: a line of the index ends with %q", op, n)
			}
			var rest string
			k.Name, rest, _ = strings.Cut(fields, "\t")
			k.Unit, rest, _ = strings.Cut(rest, "\t")
			k.Building, _, _ = strings.Cut(rest, "\t")
			keys = append(keys, k)
		}
		// A string's lines are in the order they were written.
		slices.SortFunc(keys[start:], func(a, b ll.MemberKeys) int { return a.Number - b.Number })
	}
	return keys, true, nil
}
