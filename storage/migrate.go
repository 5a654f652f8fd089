package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// Schema migrations (Migrate). Each step is idempotent: it may run again,
// from several replicas at once, and after an interrupted run.

// KEYS: schema. ARGV: version. Raises the recorded schema version, never
// lowers it.
var raiseSchemaScript = script(`
local v = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return {'ok'}
`)

// KEYS: community. ARGV: the JSON read, the JSON to write. Writes only if the
// community is still what was read (a change in between wins; the step is
// then tried again).
var swapCommunityScript = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'changed'} end
redis.call('SET', KEYS[1], ARGV[2])
return {'ok'}
`)

func init() { allScripts = append(allScripts, raiseSchemaScript, swapCommunityScript) }

// migrateYears (schema 1 to 2) seeds the per-year minimums of every
// community that has none: the year now in its zone gets today's minimum
// and post minimum, which (Community.MinimumsFor) earlier years also use,
// since they counted with them until now. The rest of each community's JSON
// is kept as it is, fields this code does not know included.
func (s *Store) migrateYears(ctx context.Context) error {
	return s.eachCommunity(ctx, s.seedYears)
}

// eachCommunity runs f for every stored community id, stopping at the
// first error.
func (s *Store) eachCommunity(ctx context.Context, f func(ctx context.Context, id string) error) error {
	ids, err := s.c.SMembers(ctx, s.k.communities()).Result()
	if err != nil {
		return s.wrap("communities", err)
	}
	for _, id := range ids {
		if !ll.ValidCommunityID(id) {
			continue
		}
		if err := f(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// seedYears is migrateYears for one community.
func (s *Store) seedYears(ctx context.Context, id string) error {
	op := "seed the minimums by year of " + id
	for try := 0; ; try++ {
		old, err := s.c.Get(ctx, s.k.community(id)).Result()
		if errors.Is(err, redis.Nil) {
			return nil // indexed but never written
		}
		if err != nil {
			return s.wrap(op, err)
		}
		var raw map[string]json.RawMessage
		var c ll.Community
		if err := json.Unmarshal([]byte(old), &raw); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if err := json.Unmarshal([]byte(old), &c); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if len(c.Years) > 0 {
			return nil
		}
		year := s.now().In(c.Location()).Year()
		years, err := json.Marshal(map[string]ll.Minimums{
			strconv.Itoa(year): {Minimum: c.Minimum, PostMinimum: c.PostMinimum},
		})
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		raw["years"] = years
		j, err := json.Marshal(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		st, _, err := s.run(ctx, op, swapCommunityScript, []string{s.k.community(id)}, old, j)
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
