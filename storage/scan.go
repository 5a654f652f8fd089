package storage

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Personal check-in codes (SPEC section 9, scan): the community's signing
// key and the codes already scanned. Package app signs and checks the
// codes; the check-in itself is ScanCheckIn (ledger.go).

// KEYS: scankey. ARGV: a new key (hex). Installs it unless the community
// has one, then answers the community's key: replicas racing to make the
// first one agree on it.
var scanKeyScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return {'ok', redis.call('GET', KEYS[1])}
`)

func init() { allScripts = append(allScripts, scanKeyScript) }

// ScanKey returns the key that signs the personal check-in codes of a
// community, installing fresh (at least 16 bytes) when it has none yet.
func (s *Store) ScanKey(ctx context.Context, community string, fresh []byte) ([]byte, error) {
	if len(fresh) < 16 {
		return nil, fmt.Errorf("scan key of %s: a key of %d bytes is too short", community, len(fresh))
	}
	op := "scan key of " + community
	_, rest, err := s.run(ctx, op, scanKeyScript, []string{s.k.scanKey(community)}, hex.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(str(rest, 0))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("%s: stored key is not a key", op)
	}
	return key, nil
}

// UseScanCode marks a personal check-in code (by its nonce) scanned for an
// activity until it expires: first is false when it was scanned before, for
// any activity. Atomic: of two scans of one code racing, one is first.
func (s *Store) UseScanCode(ctx context.Context, community, nonce, activity string, expires, now time.Time) (first bool, err error) {
	ttl := expires.Sub(now) + time.Minute // outlives the code, whatever the clocks
	ok, err := s.c.SetNX(ctx, s.k.scanUsed(community, nonce), activity, max(ttl, time.Minute)).Result()
	return ok, s.wrap("use scan code of "+community, err)
}

// SignedUpFor reports, for each of the activity ids, whether the member is
// signed up for it (the Mini App's list of upcoming activities): one round
// trip (a pipeline, the keys in the community's slot) whatever their number.
func (s *Store) SignedUpFor(ctx context.Context, community, memberID string, activityIDs []string) (map[string]bool, error) {
	out := make(map[string]bool, len(activityIDs))
	if len(activityIDs) == 0 {
		return out, nil
	}
	if err := checkCommunity(community); err != nil {
		return nil, err
	}
	pipe := s.c.Pipeline()
	cmds := make([]*redis.FloatCmd, len(activityIDs))
	for i, id := range activityIDs {
		cmds[i] = pipe.ZScore(ctx, s.k.signups(community, id), memberID)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, s.wrap("sign-ups of "+memberID+" in "+community, err)
	}
	for i, id := range activityIDs {
		out[id] = cmds[i].Err() == nil
	}
	return out, nil
}
