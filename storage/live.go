package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TrackLive keeps a member's last live position and judges the next one
// against it (SPEC section 9: a position implying more than maxSpeed m/s
// since the member's previous one is ignored and audited). In one script,
// so two positions of one member sent at the same time are judged one
// after the other, it reads the position kept before, and:
//
//   - without one (none yet, or it is older than ttl at at), p taken at at
//     becomes the kept position and speed is 0;
//   - otherwise speed is the great-circle distance between the two over the
//     time between them (at least one second, so two positions in the same
//     instant are not infinitely fast). Above maxSpeed it is a jump: the
//     kept position stays as it was (a jump never becomes the position the
//     next one is judged by), audit is appended with the speed, distance
//     and time as its Detail (Object defaults to the member), and jumped is
//     true. Otherwise p becomes the kept position, unless the kept one was
//     taken after at (positions that arrive out of order).
//
// The kept position expires ttl after it is written. TrackLive does not check
// the member; EINVALID for a point that is not on Earth or a ttl or
// maxSpeed that is not positive.
func (s *Store) TrackLive(ctx context.Context, community, memberID string, p ll.GeoPoint, at time.Time, maxSpeed float64, ttl time.Duration, audit *ll.AuditEntry) (speed float64, jumped bool, err error) {
	if err := checkCommunity(community); err != nil {
		return 0, false, err
	}
	if !validID('M', memberID) {
		return 0, false, notFound("member", memberID)
	}
	if !(p.Latitude >= -90 && p.Latitude <= 90 && p.Longitude >= -180 && p.Longitude <= 180) {
		return 0, false, ll.Invalid("location", "location is not on Earth")
	}
	if !(maxSpeed > 0) || ttl < time.Millisecond {
		return 0, false, ll.Invalid("live", "a live position needs a positive speed limit and time to live")
	}
	ms := s.clock(at)
	aj, score := s.auditArgs(audit, community, msTime(ms), memberID, auditDetail)
	op := fmt.Sprintf("track live position of %s/%s", community, memberID)
	st, rest, err := s.run(ctx, op, trackLiveScript, []string{s.k.live(community, memberID)},
		s.k.base(community), strconv.FormatFloat(p.Latitude, 'f', -1, 64), strconv.FormatFloat(p.Longitude, 'f', -1, 64),
		ms, strconv.FormatFloat(maxSpeed, 'f', -1, 64), ttl.Milliseconds(), aj, score)
	if err != nil {
		return 0, false, err
	}
	if st != "ok" && st != "jump" {
		return 0, false, statusError(op, st, rest, map[string]string{"member": memberID})
	}
	speed, err = strconv.ParseFloat(str(rest, 0), 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: speed %q: %w", op, str(rest, 0), err)
	}
	return speed, st == "jump", nil
}

// KEYS: live. ARGV: b, lat, lon, at, max speed (m/s), ttl (ms), audit,
// score. Answers ok or jump with the speed (m/s, a string: Redis would cut
// a Lua number to an integer). The distance is lamplighter.DistanceMeters
// (a test compares the two).
var trackLiveScript = script(`
local lat, lon, at = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local vmax, ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local function distance(lat1, lon1, lat2, lon2)
  local rad = math.pi / 180
  local dlat, dlon = (lat2 - lat1) * rad, (lon2 - lon1) * rad
  local h = math.sin(dlat / 2) ^ 2 + math.cos(lat1 * rad) * math.cos(lat2 * rad) * math.sin(dlon / 2) ^ 2
  return 2 * 6371000.0 * math.asin(math.min(1, math.sqrt(h)))
end
local prev = redis.call('HMGET', KEYS[1], 'lat', 'lon', 't')
local v = 0
local pt = tonumber(prev[3])
if prev[1] and prev[2] and pt and at - pt <= ttl then
  local d = distance(tonumber(prev[1]), tonumber(prev[2]), lat, lon)
  local dt = math.max(math.abs(at - pt), 1000) / 1000
  v = d / dt
  if v > vmax then
    audit(ARGV[1], ARGV[7], ARGV[8], nil, string.format('%.1f m/s: %.0f m in %.0f s', v, d, dt))
    return {'jump', string.format('%.3f', v)}
  end
  if at < pt then return {'ok', string.format('%.3f', v)} end
end
redis.call('HSET', KEYS[1], 'lat', ARGV[2], 'lon', ARGV[3], 't', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
return {'ok', string.format('%.3f', v)}
`)

func init() { allScripts = append(allScripts, trackLiveScript) }
