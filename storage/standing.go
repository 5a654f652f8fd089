package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// The standing index (keys.go: ya, yc:<year>; SPEC section 13): what a
// reader of "who is below the minimum" needs without reading every member
// and the whole ledger. ya is a bitmap of the active members by number;
// yc:<year> holds, 16 bits per member number, the number of that member's
// participations dated in the year that count (ll.ComputeStanding's Total:
// not voided, activities, services and needs alike). The scripts keep both:
// counted (every member change) sets the member's bit, tallied (every
// participation recorded or voided) its count. Posts held are not in the
// index (see docs/PERFORMANCE.md).
//
// A community of 100,000 members costs 12.5 kB of ya and 200 kB per year
// of yc: reading both is two GETs.

// YearIndex is the standing index of one community and year as read at one
// instant.
type YearIndex struct {
	Year   int
	active []byte // ya
	reach  []byte // yr
	held   []byte // yh
	counts []byte // yc:<year>
	lasts  []byte // yd:<year>, when read (YearFigures)
}

// YearIndex reads the standing index of the community for year: one round
// trip, both keys in the community's slot.
func (s *Store) YearIndex(ctx context.Context, community string, year int) (YearIndex, error) {
	op := fmt.Sprintf("standing index of %s/%d", community, year)
	p := s.c.Pipeline()
	a := p.Get(ctx, s.k.yearActive(community))
	r := p.Get(ctx, s.k.yearReach(community))
	h := p.Get(ctx, s.k.yearHeld(community))
	c := p.Get(ctx, s.k.yearCount(community, year))
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return YearIndex{}, s.wrap(op, err)
	}
	x := YearIndex{Year: year}
	for _, r := range []struct {
		cmd *redis.StringCmd
		to  *[]byte
	}{{a, &x.active}, {r, &x.reach}, {h, &x.held}, {c, &x.counts}} {
		b, err := r.cmd.Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return YearIndex{}, s.wrap(op, err)
		}
		*r.to = b
	}
	return x, nil
}

// Active reports whether member number n is active.
func (x *YearIndex) Active(n int) bool { return bit(x.active, n) }

// Reachable reports whether member number n is active and can be reached
// (a Telegram id, not refused).
func (x *YearIndex) Reachable(n int) bool { return bit(x.reach, n) }

// Last is member number n's latest participation date that counts in the
// year (YYYY-MM-DD), "" if none or not read.
func (x *YearIndex) Last(n int) string { return dayString(x.Year, x.lastCode(n)) }

// lastCode is member number n's latest date in yd:<year> as the scripts'
// dayCode keeps it: MM*100+DD+1, 0 for none.
func (x *YearIndex) lastCode(n int) int {
	if n < 0 || 2*n+1 >= len(x.lasts) {
		return 0
	}
	return int(x.lasts[2*n])<<8 | int(x.lasts[2*n+1])
}

// dayString is the date YYYY-MM-DD of code (dayCode's) in year y, "" for
// code 0.
func dayString(y, code int) string {
	if code <= 0 {
		return ""
	}
	m, d := (code-1)/100, (code-1)%100
	if y < 0 || y > 9999 {
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

// Held is the number of posts member number n holds now.
func (x *YearIndex) Held(n int) int {
	if n < 0 || n >= len(x.held) {
		return 0
	}
	return int(x.held[n])
}

// bit is bit n of a Redis bitmap (SETBIT's order: the high bit first).
func bit(b []byte, n int) bool {
	i := n / 8
	return n >= 0 && i < len(b) && b[i]&(0x80>>(n%8)) != 0
}

// Total is the number of member number n's participations that count in the
// year.
func (x *YearIndex) Total(n int) int {
	i := 2 * n
	if n < 0 || i+1 >= len(x.counts) {
		return 0
	}
	return int(x.counts[i])<<8 | int(x.counts[i+1])
}

// each calls fn with the number and total of every active member, by number.
func (x *YearIndex) each(fn func(n, total int)) {
	for i, bits := range x.active {
		if bits == 0 {
			continue
		}
		for j := 0; j < 8; j++ {
			if bits&(0x80>>j) != 0 {
				fn(8*i+j, x.Total(8*i+j))
			}
		}
	}
}

// BelowMinimumCount counts the active members of community with fewer
// participations in year than minimum from the standing index: to can be
// reached, skipped cannot. One round trip.
func (s *Store) BelowMinimumCount(ctx context.Context, community string, year, minimum int) (to, skipped int, err error) {
	c, err := s.StandingCounts(ctx, community, year, minimum, 0)
	return c.BelowReachable, c.Below - c.BelowReachable, err
}

// belowPage is how many members one script of BelowMinimum reads.
const belowPage = 2000

// KEYS: members (for the slot). ARGV: b, then member ids. Answers ok, then
// for each of them "<tg> <lang>" when they are active and can be reached,
// else "".
var reachableMembersScript = script(`
local b = ARGV[1]
local out = {'ok'}
for i = 2, #ARGV do
  local m = redis.call('HMGET', mkey(b, ARGV[i]), 'status', 'tg', 'unreach', 'lang')
  if m[1] == 'active' and m[2] and m[2] ~= '' and not m[3] then
    out[i] = m[2] .. ' ' .. (m[4] or '')
  else
    out[i] = ''
  end
end
return out
`)

// StandingCounts are a community's figures of one year from the standing
// index, of its active members (posts held counted now).
type StandingCounts struct {
	Active    int
	Compliant int // enough participations and enough posts
	// Below have fewer participations than the minimum; BelowReachable
	// of them can be reached.
	Below, BelowReachable int
	// NoPost hold fewer posts than the post minimum; NoPostReachable of
	// them can be reached.
	NoPost, NoPostReachable int
}

// Counts are the figures of the index for the minimums.
func (x *YearIndex) Counts(minimum, postMinimum int) StandingCounts {
	var c StandingCounts
	x.each(func(n, total int) {
		c.Active++
		held := x.Held(n)
		if total >= minimum && held >= postMinimum {
			c.Compliant++
		}
		if total < minimum {
			c.Below++
			if x.Reachable(n) {
				c.BelowReachable++
			}
		}
		if held < postMinimum {
			c.NoPost++
			if x.Reachable(n) {
				c.NoPostReachable++
			}
		}
	})
	return c
}

// NoPostCount counts the active members of community holding fewer posts
// now than postMinimum from the standing index: to can be reached, skipped
// cannot. One round trip.
func (s *Store) NoPostCount(ctx context.Context, community string, postMinimum int) (to, skipped int, err error) {
	c, err := s.StandingCounts(ctx, community, 0, 0, postMinimum)
	return c.NoPostReachable, c.NoPost - c.NoPostReachable, err
}

// StandingCounts reads the community's figures for year and its minimums
// from the standing index: one round trip.
func (s *Store) StandingCounts(ctx context.Context, community string, year, minimum, postMinimum int) (StandingCounts, error) {
	if err := checkCommunity(community); err != nil {
		return StandingCounts{}, err
	}
	x, err := s.YearIndex(ctx, community, year)
	if err != nil {
		return StandingCounts{}, err
	}
	return x.Counts(minimum, postMinimum), nil
}

// BelowMinimum returns the active members of community who can be reached
// and have fewer participations in year than minimum, by number, with
// their totals, and how many such members cannot be reached. It reads the
// standing index, then only those members (reachableMembers).
func (s *Store) BelowMinimum(ctx context.Context, community string, year, minimum int) (ms []ll.Member, totals []int, skipped int, err error) {
	if err := checkCommunity(community); err != nil {
		return nil, nil, 0, err
	}
	x, err := s.YearIndex(ctx, community, year)
	if err != nil {
		return nil, nil, 0, err
	}
	c := x.Counts(minimum, 0)
	ms, totals, err = s.reachableMembers(ctx, community, &x, func(n, total int) (int, bool) { return total, total < minimum })
	return ms, totals, c.Below - c.BelowReachable, err
}

// NoPost returns the active members of community who can be reached and
// hold fewer posts now than postMinimum, by number, with the posts they
// hold, and how many such members cannot be reached; as BelowMinimum.
func (s *Store) NoPost(ctx context.Context, community string, postMinimum int) (ms []ll.Member, held []int, skipped int, err error) {
	if err := checkCommunity(community); err != nil {
		return nil, nil, 0, err
	}
	x, err := s.YearIndex(ctx, community, 0) // no year's counts needed
	if err != nil {
		return nil, nil, 0, err
	}
	c := x.Counts(0, postMinimum)
	ms, held, err = s.reachableMembers(ctx, community, &x, func(n, _ int) (int, bool) { return x.Held(n), x.Held(n) < postMinimum })
	return ms, held, c.NoPost - c.NoPostReachable, err
}

// reachableMembers reads the active members of the index who can be
// reached and for whom pick holds (it is given the number and year's
// total, and answers the figure to return), belowPage a script, and of them
// only what a message to them needs: ID, Community, Status, TelegramID
// and Language are set (a reminder or broadcast does not name its
// recipient). A member who changed in between so that they are no longer
// active and reachable is left out.
func (s *Store) reachableMembers(ctx context.Context, community string, x *YearIndex, pick func(n, total int) (int, bool)) ([]ll.Member, []int, error) {
	var ids []string
	figure := map[string]int{}
	x.each(func(n, total int) {
		if !x.Reachable(n) {
			return
		}
		if v, ok := pick(n, total); ok {
			id := "M" + strconv.Itoa(n)
			ids = append(ids, id)
			figure[id] = v
		}
	})
	op := "members of the standing index of " + community
	ms := make([]ll.Member, 0, len(ids))
	figures := make([]int, 0, len(ids))
	args := make([]any, 0, belowPage+1)
	for from := 0; from < len(ids); from += belowPage {
		args = append(args[:0], s.k.base(community))
		for _, id := range ids[from:min(from+belowPage, len(ids))] {
			args = append(args, id)
		}
		st, rest, err := s.run(ctx, op, reachableMembersScript, []string{s.k.members(community)}, args...)
		if err != nil {
			return nil, nil, err
		}
		if st != "ok" {
			return nil, nil, statusError(op, st, rest, nil)
		}
		for i, id := range args[1:] {
			v := str(rest, i)
			if v == "" {
				continue
			}
			t, lang, _ := strings.Cut(v, " ")
			tg, err := strconv.ParseInt(t, 10, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: member %s: telegram id: %w", op, id, err)
			}
			ms = append(ms, ll.Member{ID: id.(string), Community: community, Status: ll.StatusActive, TelegramID: tg, Language: lang})
			figures = append(figures, figure[id.(string)])
		}
	}
	return ms, figures, nil
}

// yearIndexPage is how many members one step of RebuildYearIndex reads.
const yearIndexPage = 500

// KEYS: members, services. ARGV: b, the last member number done, count.
// Sets the bits of ya, yr and yu, the members who left in yl, the posts held in yh, and the count in every yc:<year> (and the latest date in
// yd:<year>) in which they have a participation that counts of each of the next count members after it, by
// number, from the member's status and ledger. Answers ok, the number of
// members done and the last number.
var rebuildYearIndexScript = ledgerScript(`
local b = ARGV[1]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf', 'LIMIT', 0, tonumber(ARGV[3]))
local last = tonumber(ARGV[2])
for _, mid in ipairs(ids) do
  local n = tonumber(string.sub(mid, 2))
  last = n
  local m = redis.call('HMGET', mkey(b, mid), 'status', 'tg', 'unreach', 'left')
  local active = m[1] == 'active'
  redis.call('SETBIT', b .. SUF_YA, n, active and 1 or 0)
  redis.call('SETBIT', b .. SUF_YR, n, (active and m[2] and m[2] ~= '' and not m[3]) and 1 or 0)
  redis.call('SETBIT', b .. SUF_YU, n, (active and m[3]) and 1 or 0)
  if active then
    redis.call('ZREM', b .. SUF_YL, n)
  elseif m[1] then
    leftAt(b, mid, m[4] or '0')
  end
  local byYear, latest = {}, {}
  local cd = countingDates(b, pkey(b, mid), KEYS[2])
  for i = 2, #cd, 2 do
    local y = string.match(cd[i], '^(%d%d%d%d)%-%d%d%-%d%d$')
    if y then
      byYear[y] = (byYear[y] or 0) + 1
      latest[y] = math.max(latest[y] or 0, dayCode(cd[i], y))
    end
  end
  for y, c in pairs(byYear) do
    local v = math.min(c, 65535)
    redis.call('SETRANGE', b .. SUF_YC .. y, 2 * n, string.char(math.floor(v / 256), v % 256))
    v = latest[y]
    redis.call('SETRANGE', b .. SUF_YD .. y, 2 * n, string.char(math.floor(v / 256), v % 256))
  end
  local held, seen = 0, {}
  for _, e in ipairs(redis.call('LRANGE', b .. SUF_CLAIMS .. mid, 0, -1)) do
    local p, _, r = string.match(e, '^([^|]*)|([^|]*)|(.*)$')
    if p and r == '' and not seen[p] then seen[p] = true; held = held + 1 end
  end
  redis.call('SETRANGE', b .. SUF_YH, n, string.char(math.min(held, 255)))
end
return {'ok', #ids, last}
`)

func init() { allScripts = append(allScripts, rebuildYearIndexScript, reachableMembersScript) }

// RebuildYearIndex builds the community's standing index from its members
// and ledger (schema 4, migrateYearIndex), yearIndexPage members per
// script so that it never holds Redis long. Each step sets what it reads
// atomically, and the scripts keep what it set, so it may run while the
// community changes, from several replicas, and again. It sets the counts of
// the years in which a member has participations that count; a count the
// scripts kept can be wrong only in such a year (tallied never counts above
// the ledger; and yd's latest date, which only a void of the latest
// lowers, from the ledger), so a run over data from before the index is
// exact.
func (s *Store) RebuildYearIndex(ctx context.Context, community string) error {
	op := "rebuild the standing index of " + community
	last := int64(0)
	for {
		st, rest, err := s.run(ctx, op, rebuildYearIndexScript,
			[]string{s.k.members(community), s.k.services(community)}, s.k.base(community), last, yearIndexPage)
		if err != nil {
			return err
		}
		if st != "ok" {
			return fmt.Errorf("%s: unexpected status %q", op, st)
		}
		n, _ := rest[0].(int64)
		if n == 0 {
			return nil
		}
		last, _ = rest[1].(int64)
	}
}

// migrateYearIndex (schema 3 to 4, and 5 to 6: the latest dates yd:<year>)
// builds the standing index of every community.
func (s *Store) migrateYearIndex(ctx context.Context) error {
	return s.eachCommunity(ctx, s.RebuildYearIndex)
}
