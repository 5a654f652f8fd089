package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// Units (SPEC section 11) are district-wide, like the list of communities:
// their keys share the hash tag {units}, so every change of them is one
// script on one slot. The base <p>{units}: is written <n>.
//
//	<n>seq                          hash    v (version: +1 at every change of the units), U (last unit
//	                                        number allocated), audit (audit sequence)
//	<n>u                            hash    unit id -> JSON lamplighter.Unit
//	<n>names                        hash    lamplighter.UnitKey of every unit's name and short name -> unit id
//	                                        (what matching a typed unit reads: one HGET)
//	<n>lia                          hash    liaison's Telegram id -> the ids of their units, comma-separated
//	<n>audit                        zset    the units' audit log, as a community's: "<12-digit seq> <JSON
//	                                        lamplighter.AuditEntry>" (Community "district"), score = unix ms
//	<n>comms:<U>                    set     the communities where unit U has (or had) members: added before
//	                                        the community's script links a member to U, never removed, so it
//	                                        holds every community whose um:<U> is not empty
//
// Per community <c> (in the community's slot, written <b>):
//
//	<b>um:<U>                       zset    the members whose unit id is U: score 1 while active, 0 once they
//	                                        left (a forgotten member is taken out); kept by counted in the
//	                                        scripts that change members, so a unit's members are read without
//	                                        reading the community
const (
	sufUnitMembers = "um:"

	unitsSeq    = "seq"
	unitsByID   = "u"
	unitsNames  = "names"
	unitsLia    = "lia"
	unitsAudit  = "audit"
	unitsComms  = "comms:"
	unitsMaxTry = 50 // units change rarely (an admin, an import): retries are cheap
)

// AuditDistrict is the Community of the audit entries of district-wide
// objects (units), kept in the units' own log.
const AuditDistrict = "district"

func (k keys) units() string                  { return k.prefix + "{units}:" }
func (k keys) unitComms(unit string) string   { return k.units() + unitsComms + unit }
func (k keys) unitMembers(c, u string) string { return k.base(c) + sufUnitMembers + u }

// KEYS: seq, u, names, lia. ARGV: expected version, last unit number, audit
// json, score, number of changed units, then id and json of each, then the
// number of names pairs and the pairs, then liaison pairs. Writes the whole
// derived state (names, lia) anew: stale when the version moved.
var writeUnitsScript = script(`
local v = redis.call('HGET', KEYS[1], 'v') or '0'
if v ~= ARGV[1] then return {'stale'} end
local b = string.sub(KEYS[1], 1, #KEYS[1] - 3)
local i = 6
local n = tonumber(ARGV[5])
for k = 1, n do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('DEL', KEYS[3])
local np = tonumber(ARGV[i]); i = i + 1
for k = 1, np do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('DEL', KEYS[4])
while i + 1 <= #ARGV do
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('HSET', KEYS[1], 'v', tonumber(v) + 1, 'U', ARGV[2])
audit(b, ARGV[3], ARGV[4])
return {'ok'}
`)

// KEYS: members. ARGV: b, then member id, typed unit, unit id triples.
// Links each active member whose typed unit is still the one given to the
// unit id (counted keeps um:<U> and the counters); answers ok and how many
// changed.
var linkUnitsScript = script(`
local b = ARGV[1]
local changed = 0
for i = 2, #ARGV, 3 do
  local key = mkey(b, ARGV[i])
  local m = redis.call('HMGET', key, 'status', 'unit', 'uid')
  if m[1] == 'active' and m[2] == ARGV[i + 1] and (m[3] or '') ~= ARGV[i + 2] then
    counted(b, ARGV[i], -1)
    hset(key, 'uid', ARGV[i + 2])
    counted(b, ARGV[i], 1)
    changed = changed + 1
  end
end
return {'ok', changed}
`)

// KEYS: um:<U>. ARGV: b, min score. The members of the index (those with
// at least that score), with their fields.
var unitMembersScript = script(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf')
local out = {'ok', ids}
for _, mid in ipairs(ids) do
  out[#out + 1] = redis.call('HGETALL', mkey(ARGV[1], mid))
end
return out
`)

func init() { allScripts = append(allScripts, writeUnitsScript, linkUnitsScript, unitMembersScript) }

// unitOf is the unit id stored with m: its UnitID when m has a typed unit
// (a unit id belongs to the typed text it matched), else "".
func unitOf(m ll.Member) string {
	if m.Unit == "" {
		return ""
	}
	return m.UnitID
}

// Units returns every unit, ordered by number. One round trip.
func (s *Store) Units(ctx context.Context) ([]ll.Unit, error) {
	us, _, _, err := s.readUnits(ctx)
	return us, err
}

// unitsCache holds, per Store, the units as last read with their version:
// registration's unit step searches them at every answer, and the version
// (one HGET) tells whether they changed, so a search costs one small round
// trip, not a read of every unit.
var unitsCache sync.Map // *Store -> cachedUnits

type cachedUnits struct {
	version string
	last    int
	units   []ll.Unit
}

func (s *Store) readUnits(ctx context.Context) (us []ll.Unit, version string, last int, err error) {
	v, err := s.c.HGet(ctx, s.k.units()+unitsSeq, "v").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", 0, s.wrap("units", err)
	}
	if c, ok := unitsCache.Load(s); ok && v != "" && c.(cachedUnits).version == v {
		c := c.(cachedUnits)
		return cloneUnits(c.units), c.version, c.last, nil
	}
	us, version, last, err = s.readUnitsNow(ctx)
	if err == nil {
		unitsCache.Store(s, cachedUnits{version: version, last: last, units: cloneUnits(us)})
	}
	return us, version, last, err
}

func cloneUnits(us []ll.Unit) []ll.Unit {
	out := make([]ll.Unit, len(us))
	for i, u := range us {
		u.Liaisons = slices.Clone(u.Liaisons)
		out[i] = u
	}
	return out
}

// readUnitsNow reads every unit and the version they have, in one round trip.
func (s *Store) readUnitsNow(ctx context.Context) (us []ll.Unit, version string, last int, err error) {
	var (
		all  *redis.MapStringStringCmd
		meta *redis.SliceCmd
	)
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, s.k.units()+unitsByID)
		meta = p.HMGet(ctx, s.k.units()+unitsSeq, "v", "U")
		return nil
	}); err != nil {
		return nil, "", 0, s.wrap("units", err)
	}
	for id, j := range all.Val() {
		var u ll.Unit
		if err := json.Unmarshal([]byte(j), &u); err != nil {
			return nil, "", 0, fmt.Errorf("unit %s: %w", id, err)
		}
		u.ID = id
		us = append(us, u)
	}
	slices.SortFunc(us, func(a, b ll.Unit) int { return idNumber(a.ID) - idNumber(b.ID) })
	version = "0"
	if v, ok := meta.Val()[0].(string); ok {
		version = v
	}
	if v, ok := meta.Val()[1].(string); ok {
		last, _ = strconv.Atoi(v)
	}
	return us, version, last, nil
}

// Unit returns one unit; ErrNotFound (Detail "unit") if unknown.
func (s *Store) Unit(ctx context.Context, id string) (ll.Unit, error) {
	if !validID('U', id) {
		return ll.Unit{}, notFound("unit", id)
	}
	j, err := s.c.HGet(ctx, s.k.units()+unitsByID, id).Result()
	if errors.Is(err, redis.Nil) {
		return ll.Unit{}, notFound("unit", id)
	}
	if err != nil {
		return ll.Unit{}, s.wrap("unit "+id, err)
	}
	var u ll.Unit
	if err := json.Unmarshal([]byte(j), &u); err != nil {
		return ll.Unit{}, fmt.Errorf("unit %s: %w", id, err)
	}
	u.ID = id
	return u, nil
}

// MatchUnit returns the unit whose name or short name typed is (compared as
// lamplighter.UnitKey); ok false when none is. Two round trips when one is.
func (s *Store) MatchUnit(ctx context.Context, typed string) (u ll.Unit, ok bool, err error) {
	k := ll.UnitKey(typed)
	if k == "" {
		return ll.Unit{}, false, nil
	}
	id, err := s.c.HGet(ctx, s.k.units()+unitsNames, k).Result()
	if errors.Is(err, redis.Nil) {
		return ll.Unit{}, false, nil
	}
	if err != nil {
		return ll.Unit{}, false, s.wrap("match unit", err)
	}
	u, err = s.Unit(ctx, id)
	if err != nil {
		return ll.Unit{}, false, err
	}
	return u, true, nil
}

// LiaisonUnits returns the ids of the units Telegram user tg is a liaison
// of, by number. One round trip.
func (s *Store) LiaisonUnits(ctx context.Context, tg int64) ([]string, error) {
	v, err := s.c.HGet(ctx, s.k.units()+unitsLia, strconv.FormatInt(tg, 10)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap("units of liaison", err)
	}
	ids := strings.Split(v, ",")
	sortIDs(ids)
	return ids, nil
}

// ChangeUnits applies change to the units as stored now and writes the
// units it returns (new ones with an empty ID get the next U<n>, in order)
// with audit (Community AuditDistrict), in one script that writes only if
// no other change came in between (else it reads and applies change again,
// a few times, then ErrUnavailable). The changed units are validated, and
// ECONFLICT (Detail "unit", Message naming the name) refuses a name or short
// name that another unit has. It returns the changed units with their ids.
func (s *Store) ChangeUnits(ctx context.Context, change func(current []ll.Unit) ([]ll.Unit, error), now time.Time, audit *ll.AuditEntry) ([]ll.Unit, error) {
	for try := 0; try < unitsMaxTry; try++ {
		cur, version, last, err := s.readUnits(ctx)
		if err != nil {
			return nil, err
		}
		changed, err := change(slices.Clone(cur))
		if err != nil {
			return nil, err
		}
		if len(changed) == 0 {
			return nil, nil
		}
		byID := map[string]ll.Unit{}
		for _, u := range cur {
			byID[u.ID] = u
		}
		for i := range changed {
			u := &changed[i]
			if u.ID == "" {
				last++
				u.ID = "U" + strconv.Itoa(last)
				if u.Created.IsZero() {
					u.Created = now
				}
			} else if _, ok := byID[u.ID]; !ok {
				return nil, notFound("unit", u.ID)
			}
			if err := u.Validate(); err != nil {
				return nil, err
			}
			byID[u.ID] = *u
		}
		names := map[string]string{}
		lia := map[int64][]string{}
		ids := make([]string, 0, len(byID))
		for id := range byID {
			ids = append(ids, id)
		}
		sortIDs(ids)
		for _, id := range ids {
			u := byID[id]
			for _, k := range []string{ll.UnitKey(u.Name), ll.UnitKey(u.ShortName)} {
				if k == "" {
					continue
				}
				if other, ok := names[k]; ok && other != id {
					return nil, &ll.Error{Code: ll.ECONFLICT, Detail: "unit", Message: fmt.Sprintf("%q is already the name of %s", k, other)}
				}
				names[k] = id
			}
			for _, tg := range u.Liaisons {
				lia[tg] = append(lia[tg], id)
			}
		}
		a, score := s.auditArgs(audit, AuditDistrict, now, changed[0].ID, "")
		args := []any{version, last, a, score, len(changed)}
		for _, u := range changed {
			j, _ := json.Marshal(u) // a Unit always encodes
			args = append(args, u.ID, string(j))
		}
		args = append(args, len(names))
		for k, id := range names {
			args = append(args, k, id)
		}
		for tg, us := range lia {
			args = append(args, strconv.FormatInt(tg, 10), strings.Join(us, ","))
		}
		n := s.k.units()
		st, _, err := s.run(ctx, "change units", writeUnitsScript, []string{n + unitsSeq, n + unitsByID, n + unitsNames, n + unitsLia}, args...)
		if err != nil {
			return nil, err
		}
		if st == "ok" {
			return changed, nil
		}
	}
	return nil, fmt.Errorf("change units: %w", ll.ErrUnavailable)
}

// UnitsAudit returns up to n entries of the units' audit log, newest first.
func (s *Store) UnitsAudit(ctx context.Context, n int) ([]ll.AuditEntry, error) {
	vs, err := s.c.ZRevRange(ctx, s.k.units()+unitsAudit, 0, int64(n)-1).Result()
	if err != nil {
		return nil, s.wrap("units audit", err)
	}
	out := make([]ll.AuditEntry, 0, len(vs))
	for _, v := range vs {
		_, j, _ := strings.Cut(v, " ")
		var e ll.AuditEntry
		if err := json.Unmarshal([]byte(j), &e); err != nil {
			return nil, fmt.Errorf("units audit entry: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// noteUnitCommunity records that community has members of the units of ms,
// before the community's script links them (so that <n>comms:<U> always
// holds every community where U has members). One round trip when any has
// a unit.
func (s *Store) noteUnitCommunity(ctx context.Context, community string, ms ...ll.Member) error {
	seen := map[string]bool{}
	for _, m := range ms {
		if u := unitOf(m); u != "" && !seen[u] {
			seen[u] = true
		}
	}
	if len(seen) == 0 {
		return nil
	}
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for u := range seen {
			p.SAdd(ctx, s.k.unitComms(u), community)
		}
		return nil
	})
	return s.wrap("note the communities of units", err)
}

// UnitLink links one member to a unit (lamplighter.UnitLink).
type UnitLink = ll.UnitLink

// LinkUnits stores the unit ids of links in community in one script: a
// member is changed only while active and their typed unit is still Typed
// (a profile changed in between keeps its own match). It returns how many
// members changed.
func (s *Store) LinkUnits(ctx context.Context, community string, links []UnitLink) (int, error) {
	if err := checkCommunity(community); err != nil {
		return 0, err
	}
	if len(links) == 0 {
		return 0, nil
	}
	ms := make([]ll.Member, 0, len(links))
	args := []any{s.k.base(community)}
	for _, l := range links {
		if !validID('M', l.MemberID) || (l.UnitID != "" && !validID('U', l.UnitID)) {
			return 0, ll.Invalid("unit", "bad link %s -> %s", l.MemberID, l.UnitID)
		}
		ms = append(ms, ll.Member{Unit: l.Typed, UnitID: l.UnitID})
		args = append(args, l.MemberID, l.Typed, l.UnitID)
	}
	if err := s.noteUnitCommunity(ctx, community, ms...); err != nil {
		return 0, err
	}
	st, rest, err := s.run(ctx, "link units in "+community, linkUnitsScript, []string{s.k.members(community)}, args...)
	if err != nil {
		return 0, err
	}
	if st != "ok" {
		return 0, statusError("link units", st, rest, nil)
	}
	return int(num(rest, 0)), nil
}

// UnitCommunities returns the communities where unit has or had members,
// ordered by id. One round trip.
func (s *Store) UnitCommunities(ctx context.Context, unit string) ([]string, error) {
	cs, err := s.c.SMembers(ctx, s.k.unitComms(unit)).Result()
	if err != nil {
		return nil, s.wrap("communities of unit "+unit, err)
	}
	slices.Sort(cs)
	return cs, nil
}

// UnitMembers returns the members of community whose unit id is unit, by
// id order: the active ones, or with former true also those who left. It
// reads the unit's index, never the community. One round trip.
func (s *Store) UnitMembers(ctx context.Context, community, unit string, former bool) ([]ll.Member, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	if !validID('U', unit) {
		return nil, notFound("unit", unit)
	}
	least := "1"
	if former {
		least = "0"
	}
	op := fmt.Sprintf("members of unit %s in %s", unit, community)
	st, rest, err := s.run(ctx, op, unitMembersScript, []string{s.k.unitMembers(community, unit)}, s.k.base(community), least)
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, nil)
	}
	ids := strs(rest, 0)
	out := make([]ll.Member, 0, len(ids))
	for i, id := range ids {
		h := fieldMap(rest, i+1)
		if len(h) == 0 {
			continue
		}
		m, err := decodeMember(community, id, h)
		if err != nil {
			return nil, err
		}
		if m.UnitID == unit {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b ll.Member) int { return idNumber(a.ID) - idNumber(b.ID) })
	return out, nil
}
