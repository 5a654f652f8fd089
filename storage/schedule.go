package storage

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// The scheduler's state lives with each community (hash tag {c:<c>}, see
// keys.go): the last run of each reminder job, and one marker per scheduled
// run, so that every replica, before and after a restart, sends a run once.

// KEYS: run marker, last. ARGV: job, scheduled ms, keep ms, record ("1" to
// record the run as the job's last when later than the one recorded).
var finishRunScript = script(`
redis.call('SET', KEYS[1], 'done', 'PX', ARGV[3])
if ARGV[4] == '1' then
  local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') or 0
  if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
end
return {'ok'}
`)

func init() { allScripts = append(allScripts, finishRunScript) }

// ClaimRun claims the run of job scheduled at the given time in a community
// for lease: true for exactly one caller across replicas until the lease
// runs out (a claimer that died mid-run is replaced after it) or FinishRun
// marks the run done (then for keep). The marker is keyed by the scheduled
// time, not the time of the call.
func (s *Store) ClaimRun(ctx context.Context, community, job string, scheduled time.Time, lease time.Duration) (bool, error) {
	if err := checkCommunity(community); err != nil {
		return false, err
	}
	ok, err := s.c.SetNX(ctx, s.k.schedRun(community, job, scheduled), "running", max(lease, time.Second)).Result()
	return ok, s.wrap("claim run "+job, err)
}

// FinishRun marks a claimed run done, remembered for keep (well past any
// catch-up window), and, when last is set, records it as the job's last run
// unless a later one is recorded.
func (s *Store) FinishRun(ctx context.Context, community, job string, scheduled time.Time, keep time.Duration, last bool) error {
	if err := checkCommunity(community); err != nil {
		return err
	}
	record := "0"
	if last {
		record = "1"
	}
	_, _, err := s.run(ctx, "finish run "+job, finishRunScript,
		[]string{s.k.schedRun(community, job, scheduled), s.k.schedLast(community)},
		job, scheduled.UnixMilli(), max(keep, time.Second).Milliseconds(), record)
	return err
}

// LastRuns returns the last finished run of each job of a community.
func (s *Store) LastRuns(ctx context.Context, community string) (map[string]time.Time, error) {
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	v, err := s.c.HGetAll(ctx, s.k.schedLast(community)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.wrap("last runs", err)
	}
	out := make(map[string]time.Time, len(v))
	for job, at := range v {
		out[job] = fromMS(at)
	}
	return out, nil
}

// InitLastRun records at as the job's last run unless one is recorded, and
// returns the one recorded after the call. The scheduler calls it the first
// time it sees a job in a community, so that a new community (or a first
// start) does not catch up on runs from before it existed.
func (s *Store) InitLastRun(ctx context.Context, community, job string, at time.Time) (time.Time, error) {
	if err := checkCommunity(community); err != nil {
		return time.Time{}, err
	}
	key := s.k.schedLast(community)
	if _, err := s.c.HSetNX(ctx, key, job, at.UnixMilli()).Result(); err != nil {
		return time.Time{}, s.wrap("init last run "+job, err)
	}
	v, err := s.c.HGet(ctx, key, job).Result()
	if err != nil {
		return time.Time{}, s.wrap("init last run "+job, err)
	}
	return fromMS(v), nil
}
