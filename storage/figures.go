package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// The year's figures from the standing index (SPEC section 13): what
// /report, the district overview and the Mini App's overview count for the
// current year, in one script whatever the community's size. Besides
// ya, yh, yc:<year> and yd:<year> (standing.go, keys.go) they read three keys kept by the
// same scripts (keys.go):
//
//   - yl, the members no longer active with the time they left: /report
//     counts a member removed in June of the year, so the year's members
//     are ya and those of yl left since the year began. A member never
//     becomes active again (a new membership has a new number), and
//     tallied and heldCounted keep yc and yh whatever the status, so a
//     member who left keeps their year's count (and holds no post).
//   - yu, the active members marked unreachable.
//   - yt:<year>:<k>, the year's participations that count by method and by
//     month of yearTotalsShard member numbers, whatever the member's status.
//
// A past year's figures are not kept (its members and the posts held at
// its end would need history the index does not have): app.Reports reads
// the whole community for them, a batch rarely asked for.

// yearTotalsShard is how many member numbers one hash yt:<year>:<k> counts
// the participations of (keys.go): 196 hashes at 100,000 members.
const yearTotalsShard = 512

// KEYS: seq (for the slot). ARGV: b, year, from (unix ms), lasts ("1" to
// read yd:<year>). Answers ok, ya, yu, yh and yc:<year> ("" for none), the
// numbers in yl left at or after from, the fields of every yt:<year>:<k>
// summed (flat field, count), and yd:<year> ("" unless asked for).
var yearFiguresScript = script(`
local b, y = ARGV[1], ARGV[2]
local function get(k) return redis.call('GET', b .. k) or '' end
local out = {'ok', get(SUF_YA), get(SUF_YU), get(SUF_YH), get(SUF_YC .. y)}
out[6] = redis.call('ZRANGEBYSCORE', b .. SUF_YL, ARGV[3], '+inf')
local last = tonumber(redis.call('HGET', KEYS[1], 'M') or '0') or 0
local sum = {}
for k = 0, math.floor(last / YT_SHARD) do
  local h = redis.call('HGETALL', b .. SUF_YT .. y .. ':' .. k)
  for i = 1, #h, 2 do sum[h[i]] = (sum[h[i]] or 0) + tonumber(h[i + 1]) end
end
local flat = {}
for f, c in pairs(sum) do flat[#flat + 1] = f; flat[#flat + 1] = tostring(c) end
out[7] = flat
out[8] = ARGV[4] == '1' and get(SUF_YD .. y) or ''
return out
`)

func init() { allScripts = append(allScripts, yearFiguresScript) }

// YearFigures reads the figures of community's year (the current one: the
// posts held are counted now) from the standing index, counting the
// members who left at or after from (the year's first instant in the
// community's zone). One script, every key in the community's slot; it
// copies the index's strings (about 500 kB at 100,000 members) and sums
// the year's totals hashes (one per yearTotalsShard members). Each
// member's latest participation (IndexedMember.Last, yd:<year>: 200 kB
// more at 100,000) is read only with lasts; "" otherwise.
func (s *Store) YearFigures(ctx context.Context, community string, year int, from time.Time, lasts bool) (ll.YearFigures, error) {
	if err := checkCommunity(community); err != nil {
		return ll.YearFigures{}, err
	}
	op := fmt.Sprintf("figures of %s/%d", community, year)
	withLasts := "0"
	if lasts {
		withLasts = "1"
	}
	st, rest, err := s.run(ctx, op, yearFiguresScript, []string{s.k.seq(community)}, s.k.base(community), year, from.UnixMilli(), withLasts)
	if err != nil {
		return ll.YearFigures{}, err
	}
	if st != "ok" {
		return ll.YearFigures{}, statusError(op, st, rest, nil)
	}
	var raw [4][]byte
	for i := range raw {
		raw[i] = []byte(str(rest, i))
	}
	x := YearIndex{Year: year, active: raw[0], held: raw[2], counts: raw[3], lasts: []byte(str(rest, 6))}
	unreach := raw[1]
	left, totals := strs(rest, 4), strs(rest, 5)

	gone := make([]int, 0, len(left))
	for _, v := range left {
		n, err := strconv.Atoi(v)
		if err != nil {
			return ll.YearFigures{}, fmt.Errorf("%s: left member %q: %w", op, v, err)
		}
		gone = append(gone, n)
	}
	slices.Sort(gone)

	f := ll.YearFigures{Year: year, ByMethod: map[string]int{}}
	f.Members = make([]ll.IndexedMember, 0, popcount(raw[0])+len(gone))
	g := 0
	dates := map[int]string{} // by dayCode: one string a date, not a member
	add := func(n int, active bool) {
		c := x.lastCode(n)
		last, ok := dates[c]
		if !ok {
			last = dayString(year, c)
			dates[c] = last
		}
		f.Members = append(f.Members, ll.IndexedMember{Number: n, Active: active, Total: x.Total(n), Held: x.Held(n), Last: last})
	}
	x.each(func(n, _ int) {
		for g < len(gone) && gone[g] < n {
			add(gone[g], false)
			g++
		}
		if g < len(gone) && gone[g] == n {
			g++ // cannot be both; the bitmap wins
		}
		add(n, true)
		if bit(unreach, n) {
			f.Unreachable = append(f.Unreachable, n)
		}
	})
	for ; g < len(gone); g++ {
		add(gone[g], false)
	}

	for i := 0; i+1 < len(totals); i += 2 {
		k, v := totals[i], totals[i+1]
		c, err := strconv.Atoi(v)
		if err != nil {
			return ll.YearFigures{}, fmt.Errorf("%s: total %s: %w", op, k, err)
		}
		switch {
		case strings.HasPrefix(k, "m:"):
			if c > 0 {
				f.ByMethod[k[2:]] += c
			}
		case strings.HasPrefix(k, "d:"):
			if mo, err := strconv.Atoi(k[2:]); err == nil && mo >= 1 && mo <= 12 {
				f.ByMonth[mo-1] += c
			}
		}
	}
	return f, nil
}

// popcount is the number of bits set in b.
func popcount(b []byte) int {
	n := 0
	for _, c := range b {
		for ; c != 0; c &= c - 1 {
			n++
		}
	}
	return n
}

// MembersByID reads the members ids of community (any status), in that
// order, ledgerBatch a round trip; an id with no member is left out.
func (s *Store) MembersByID(ctx context.Context, community string, ids []string) ([]ll.Member, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "members of " + community
	out := make([]ll.Member, 0, len(ids))
	for from := 0; from < len(ids); from += ledgerBatch {
		page := ids[from:min(from+ledgerBatch, len(ids))]
		cmds := make([]*redis.MapStringStringCmd, len(page))
		if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range page {
				cmds[i] = p.HGetAll(ctx, s.k.member(community, id))
			}
			return nil
		}); err != nil {
			return nil, s.wrap(op, err)
		}
		for i, id := range page {
			h := cmds[i].Val()
			if len(h) == 0 {
				continue
			}
			m, err := decodeMember(community, id, h)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// memberNamesPage is how many members one script of MemberNames reads.
const memberNamesPage = 5000

// KEYS: members (for the slot). ARGV: b, then member ids. Answers ok, then
// flat for each id its status, name and Telegram id ("" when none; status ""
// when there is no such member).
var memberNamesScript = script(`
local b = ARGV[1]
local out = {'ok'}
for i = 2, #ARGV do
  local m = redis.call('HMGET', mkey(b, ARGV[i]), 'status', 'name', 'tg')
  out[#out + 1] = m[1] or ''
  out[#out + 1] = m[2] or ''
  out[#out + 1] = m[3] or ''
end
return out
`)

func init() { allScripts = append(allScripts, memberNamesScript) }

// MemberNames reads of the members ids of community (any status), in that
// order, only the ID, Community, Status, Name and TelegramID (what a list
// of names needs), memberNamesPage a script; an id with no member is left
// out.
func (s *Store) MemberNames(ctx context.Context, community string, ids []string) ([]ll.Member, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	op := "names of members of " + community
	out := make([]ll.Member, 0, len(ids))
	args := make([]any, 0, memberNamesPage+1)
	for from := 0; from < len(ids); from += memberNamesPage {
		page := ids[from:min(from+memberNamesPage, len(ids))]
		args = append(args[:0], s.k.base(community))
		for _, id := range page {
			args = append(args, id)
		}
		st, rest, err := s.run(ctx, op, memberNamesScript, []string{s.k.members(community)}, args...)
		if err != nil {
			return nil, err
		}
		if st != "ok" {
			return nil, statusError(op, st, rest, nil)
		}
		for i, id := range page {
			status := str(rest, 3*i)
			if status == "" {
				continue
			}
			m := ll.Member{ID: id, Community: community, Status: status, Name: str(rest, 3*i+1)}
			if t := str(rest, 3*i+2); t != "" {
				if m.TelegramID, err = strconv.ParseInt(t, 10, 64); err != nil {
					return nil, fmt.Errorf("%s: member %s: telegram id: %w", op, id, err)
				}
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// SignedUpNotAttended maps each of the activities ids of community to the
// members signed up for it (in sign-up order) who have no participation in
// it that counts: one round trip for them all (the sign-ups and the
// attendance set of each). An unknown activity has none.
func (s *Store) SignedUpNotAttended(ctx context.Context, community string, ids []string) (map[string][]string, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	op := "sign-ups to come of " + community
	ups := make([]*redis.StringSliceCmd, len(ids))
	att := make([]*redis.StringSliceCmd, len(ids))
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			ups[i] = p.ZRange(ctx, s.k.signups(community, id), 0, -1)
			att[i] = p.SMembers(ctx, s.k.attended(community, id))
		}
		return nil
	}); err != nil {
		return nil, s.wrap(op, err)
	}
	for i, id := range ids {
		came := map[string]bool{}
		for _, n := range att[i].Val() {
			came["M"+n] = true
		}
		for _, m := range ups[i].Val() {
			if !came[m] {
				out[id] = append(out[id], m)
			}
		}
	}
	return out, nil
}

// LedgerOf reads the members ids of community (any status) with their
// participations and claims, as LedgerPages gives a page: three round trips
// per ledgerBatch members. An id with no member is left out.
func (s *Store) LedgerOf(ctx context.Context, community string, ids []string) ([]ll.Member, []ll.Participation, []ll.Claim, error) {
	if err := checkCommunity(community); err != nil {
		return nil, nil, nil, err
	}
	acts := map[string]activityInfo{}
	var ms []ll.Member
	var parts []ll.Participation
	var claims []ll.Claim
	for from := 0; from < len(ids); from += ledgerBatch {
		pg, err := s.ledgerOfIDs(ctx, community, ids[from:min(from+ledgerBatch, len(ids))], true, acts, parts, claims)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, m := range pg.Members {
			if m.Status != "" {
				ms = append(ms, m)
			}
		}
		parts, claims = pg.Participations, pg.Claims
	}
	return ms, parts, claims, nil
}

// FilterChoices are the units and buildings (as typed) of community's
// active members, at most n of each, sorted: from the counters cnt:unit and
// cnt:bldg, one round trip.
func (s *Store) FilterChoices(ctx context.Context, community string, n int) (units, buildings []string, err error) {
	if err := checkCommunity(community); err != nil {
		return nil, nil, err
	}
	op := "filter choices of " + community
	p := s.c.Pipeline()
	u := p.ZRange(ctx, s.k.unitCounts(community), 0, -1)
	bl := p.ZRange(ctx, s.k.buildingCounts(community), 0, -1)
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, s.wrap(op, err)
	}
	units, buildings = u.Val(), bl.Val()
	slices.Sort(units)
	slices.Sort(buildings)
	return units[:min(n, len(units))], buildings[:min(n, len(buildings))], nil
}

// KEYS: members, services, seq. ARGV: b, k. Sets yt:<year>:<k> of every
// year in which the members numbered k*YT_SHARD to (k+1)*YT_SHARD-1 have a
// participation that counts to exactly their totals, from their ledger, in
// one step (so a change before or after it is counted once). Answers ok
// and the highest member number.
var rebuildYearTotalsScript = ledgerScript(`
local b, k = ARGV[1], tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], k * YT_SHARD, (k + 1) * YT_SHARD - 1)
local acc = {}
for _, mid in ipairs(ids) do
  local pk = pkey(b, mid)
  local cd = countingDates(b, pk, KEYS[2])
  for i = 1, #cd, 2 do
    local y, mo = string.match(cd[i + 1], '^(%d%d%d%d)%-(%d%d)%-%d%d$')
    if y then
      local j = redis.call('HGET', pk, cd[i]) or ''
      local m = string.match(j, '"m":"([^"]*)"') or ''
      acc[y] = acc[y] or {}
      for _, f in ipairs({'m:' .. m, 'd:' .. mo}) do acc[y][f] = (acc[y][f] or 0) + 1 end
    end
  end
end
for y, fs in pairs(acc) do
  local key = b .. SUF_YT .. y .. ':' .. k
  redis.call('DEL', key)
  for f, c in pairs(fs) do redis.call('HSET', key, f, c) end
end
return {'ok', tonumber(redis.call('HGET', KEYS[3], 'M') or '0') or 0}
`)

func init() { allScripts = append(allScripts, rebuildYearTotalsScript) }

// RebuildYearTotals builds the community's yt:<year>:<k> counters from its
// ledger (schema 5, migrateFigures), one script per yearTotalsShard member
// numbers, each exact at its instant and kept by the scripts after it, so it
// may run while the community changes, from several replicas, and again.
// It sets the years in which the shard's members have a participation that
// counts; a shard-year whose every participation was voided keeps what the
// scripts left (nothing, unless its counts had drifted).
func (s *Store) RebuildYearTotals(ctx context.Context, community string) error {
	op := "rebuild the year totals of " + community
	for k := int64(0); ; k++ {
		st, rest, err := s.run(ctx, op, rebuildYearTotalsScript,
			[]string{s.k.members(community), s.k.services(community), s.k.seq(community)}, s.k.base(community), k)
		if err != nil {
			return err
		}
		if st != "ok" {
			return fmt.Errorf("%s: unexpected status %q", op, st)
		}
		if last, _ := rest[0].(int64); k >= last/yearTotalsShard {
			return nil
		}
	}
}

// KEYS: seq, buildings. ARGV: the cv read before, then building, count
// pairs. Replaces the building counters if no counted change happened in
// between; else answers changed.
var swapBuildingsScript = script(`
if (redis.call('HGET', KEYS[1], 'cv') or '0') ~= ARGV[1] then return {'changed'} end
redis.call('DEL', KEYS[2])
for i = 2, #ARGV, 2 do redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i]) end
return {'ok'}
`)

func init() { allScripts = append(allScripts, swapBuildingsScript) }

// RebuildBuildings replaces community's building counters (cnt:bldg) by a
// count of every active member, as RebuildChoices does the units: a change
// counted meanwhile makes it count again, up to 5 times.
func (s *Store) RebuildBuildings(ctx context.Context, community string) error {
	op := "rebuild the building counters of " + community
	for try := 0; ; try++ {
		cv, err := s.c.HGet(ctx, s.k.seq(community), "cv").Result()
		if errors.Is(err, redis.Nil) {
			cv, err = "0", nil
		}
		if err != nil {
			return s.wrap(op, err)
		}
		ms, err := s.Members(ctx, community)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		count := map[string]int{}
		for _, m := range ms {
			if m.Active() && m.Building != "" {
				count[m.Building]++
			}
		}
		args := []any{cv}
		for b, n := range count {
			args = append(args, b, n)
		}
		st, _, err := s.run(ctx, op, swapBuildingsScript, []string{s.k.seq(community), s.k.buildingCounts(community)}, args...)
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

// migrateFigures (schema 4 to 5) builds what the year's figures add to the
// standing index: yu and yl (RebuildYearIndex sets them now), the
// building counters and the year totals, for every community.
func (s *Store) migrateFigures(ctx context.Context) error {
	return s.eachCommunity(ctx, func(ctx context.Context, id string) error {
		if err := s.RebuildYearIndex(ctx, id); err != nil {
			return err
		}
		if err := s.RebuildBuildings(ctx, id); err != nil {
			return err
		}
		return s.RebuildYearTotals(ctx, id)
	})
}
