package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// Grades of the year-end evaluation (SPEC section 11), in the community's
// slot:
//
//	<b>grades:<year>                hash    member id -> JSON lamplighter.Grade (its version v, and sv and
//	                                        sent: the version last sent and when)
const sufGrades = "grades:"

func (k keys) grades(c string, year int) string { return k.base(c) + sufGrades + strconv.Itoa(year) }

// KEYS: grades, member. ARGV: b, member id, json, audit, score. Sets the
// member's grade from json keeping what was sent: noop when grade and
// comment are those stored; else the version goes up by one.
var setGradeScript = script(`
if redis.call('EXISTS', KEYS[2]) == 0 then return {'notfound', 'member'} end
local new = cjson.decode(ARGV[3])
local old = decoded(redis.call('HGET', KEYS[1], ARGV[2]))
if old and old.grade == new.grade and (old.comment or '') == (new.comment or '') then return {'noop', cjson.encode(old)} end
new.v = 1
if old then
  new.v = (tonumber(old.v) or 0) + 1
  new.sv = old.sv
  new.sent = old.sent
end
local j = cjson.encode(new)
redis.call('HSET', KEYS[1], ARGV[2], j)
audit(ARGV[1], ARGV[4], ARGV[5])
return {'ok', j}
`)

// KEYS: grades. ARGV: b, sent (the JSON time), audit, score, then member id
// and version pairs. Marks each grade sent at that version if it still is
// that version; answers ok and how many were marked.
var markGradesScript = script(`
local n = 0
for i = 5, #ARGV, 2 do
  local g = decoded(redis.call('HGET', KEYS[1], ARGV[i]))
  if g and tostring(g.v) == ARGV[i + 1] then
    g.sv = g.v
    g.sent = ARGV[2]
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(g))
    n = n + 1
  end
end
if n > 0 then audit(ARGV[1], ARGV[3], ARGV[4]) end
return {'ok', n}
`)

func init() { allScripts = append(allScripts, setGradeScript, markGradesScript) }

func decodeGrade(community, member string, year int, j string) (ll.Grade, error) {
	var g ll.Grade
	if err := json.Unmarshal([]byte(j), &g); err != nil {
		return ll.Grade{}, fmt.Errorf("grade %s/%s %d: %w", community, member, year, err)
	}
	g.Community, g.MemberID, g.Year = community, member, year
	return g, nil
}

// SetGrade stores g (validated) as the member's grade for g.Year with its
// audit entry, in one script: changed is false (and nothing is written or
// audited) when the member has that grade and comment already; otherwise
// the version goes up and what was sent before stays recorded (so a change
// after sending is a correction). ErrNotFound if the member is unknown. It
// returns the grade as stored.
func (s *Store) SetGrade(ctx context.Context, g ll.Grade, audit *ll.AuditEntry) (ll.Grade, bool, error) {
	if err := checkCommunity(g.Community); err != nil {
		return ll.Grade{}, false, err
	}
	if !validID('M', g.MemberID) {
		return ll.Grade{}, false, notFound("member", g.MemberID)
	}
	if err := g.Validate(); err != nil {
		return ll.Grade{}, false, err
	}
	in := g
	in.Version, in.SentVersion, in.Sent = 0, 0, time.Time{}
	j, _ := json.Marshal(in) // a Grade always encodes
	a, score := s.auditArgs(audit, g.Community, g.At, g.MemberID, "")
	op := fmt.Sprintf("grade %s/%s %d", g.Community, g.MemberID, g.Year)
	st, rest, err := s.run(ctx, op, setGradeScript, []string{s.k.grades(g.Community, g.Year), s.k.member(g.Community, g.MemberID)},
		s.k.base(g.Community), g.MemberID, string(j), a, score)
	if err != nil {
		return ll.Grade{}, false, err
	}
	switch st {
	case "ok", "noop":
	default:
		return ll.Grade{}, false, statusError(op, st, rest, map[string]string{"member": g.MemberID})
	}
	got, err := decodeGrade(g.Community, g.MemberID, g.Year, str(rest, 0))
	return got, st == "ok", err
}

// Grade returns the member's grade for year; ok false when there is none.
// One round trip.
func (s *Store) Grade(ctx context.Context, community, member string, year int) (ll.Grade, bool, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Grade{}, false, err
	}
	j, err := s.c.HGet(ctx, s.k.grades(community, year), member).Result()
	if errors.Is(err, redis.Nil) {
		return ll.Grade{}, false, nil
	}
	if err != nil {
		return ll.Grade{}, false, s.wrap("grade", err)
	}
	g, err := decodeGrade(community, member, year, j)
	return g, err == nil, err
}

// Grades returns every grade of the community for year, by member id.
// One round trip.
func (s *Store) Grades(ctx context.Context, community string, year int) (map[string]ll.Grade, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	h, err := s.c.HGetAll(ctx, s.k.grades(community, year)).Result()
	if err != nil {
		return nil, s.wrap("grades of "+community, err)
	}
	out := make(map[string]ll.Grade, len(h))
	for m, j := range h {
		g, err := decodeGrade(community, m, year, j)
		if err != nil {
			return nil, err
		}
		out[m] = g
	}
	return out, nil
}

// MarkGradesSent records that the grades of year were sent at now, each at
// the version given (member id -> version): a grade changed since keeps
// its newer version unsent. Audited (when any was marked) in the same
// script. It returns how many were marked.
func (s *Store) MarkGradesSent(ctx context.Context, community string, year int, versions map[string]int, now time.Time, audit *ll.AuditEntry) (int, error) {
	if err := checkCommunity(community); err != nil {
		return 0, err
	}
	if len(versions) == 0 {
		return 0, nil
	}
	sent, _ := json.Marshal(now.UTC().Truncate(time.Millisecond))
	var sentS string
	_ = json.Unmarshal(sent, &sentS)
	a, score := s.auditArgs(audit, community, now, strconv.Itoa(year), "")
	args := []any{s.k.base(community), sentS, a, score}
	for m, v := range versions {
		args = append(args, m, strconv.Itoa(v))
	}
	st, rest, err := s.run(ctx, "mark grades sent in "+community, markGradesScript, []string{s.k.grades(community, year)}, args...)
	if err != nil {
		return 0, err
	}
	if st != "ok" {
		return 0, statusError("mark grades sent", st, rest, nil)
	}
	return int(num(rest, 0)), nil
}
