package storage

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// Verifiable statements (SPEC section 11): the signing keys, global, and
// each statement in its community's slot (keys.go). A statement holds no
// personal data; the verify page reads the member record and the ledger now
// and compares them with it (package app).

// KEYS: stkeys. ARGV: key (hex, "" to only read), now. Installs the key as
// key 1 when there is no current key, then answers every key.
var statementKeysScript = redis.NewScript(`
if ARGV[1] ~= '' and not redis.call('HGET', KEYS[1], 'cur') then
  local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
  redis.call('HSET', KEYS[1], 'cur', n, 'k:' .. n, ARGV[1], 't:' .. n, ARGV[2])
end
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// KEYS: stkeys. ARGV: key (hex), now. Adds a key and makes it current.
var rotateStatementKeyScript = redis.NewScript(`
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'cur', n, 'k:' .. n, ARGV[1], 't:' .. n, ARGV[2])
return {'ok', tostring(n)}
`)

// KEYS: stkeys. ARGV: id. Deletes a key that is not the current one.
var retireStatementKeyScript = redis.NewScript(`
if not redis.call('HGET', KEYS[1], 'k:' .. ARGV[1]) then return {'notfound', 'key', ARGV[1]} end
if redis.call('HGET', KEYS[1], 'cur') == ARGV[1] then return {'current'} end
redis.call('HDEL', KEYS[1], 'k:' .. ARGV[1], 't:' .. ARGV[1])
return {'ok'}
`)

// KEYS: m:<M>, stm:<M>. ARGV: b, tg, member, year, id, kid, now, parts,
// grade, audit, score. The member must be Telegram user tg's and active. A
// statement of that year with the same key, parts and grade is the same
// statement: its id and issue time are answered again; otherwise a new one
// is stored as the member's latest of the year. Audited either way.
var issueStatementScript = script(`
local b = ARGV[1]
local c = caller(KEYS[1], ARGV[2])
if c then return c end
local prev = redis.call('HGET', KEYS[2], ARGV[4])
if prev then
  local v = redis.call('HMGET', b .. '` + sufStatement + `' .. prev, 'kid', 'p', 'g', 'at')
  if v[1] == ARGV[6] and v[2] == ARGV[8] and (v[3] or '') == ARGV[9] and v[4] then
    audit(b, ARGV[10], ARGV[11], nil, ARGV[4] .. ' ' .. prev .. ' again')
    return {'ok', prev, v[4]}
  end
end
local sk = b .. '` + sufStatement + `' .. ARGV[5]
if redis.call('EXISTS', sk) == 1 then return {'exists'} end
redis.call('HSET', sk, 'm', ARGV[3], 'y', ARGV[4], 'kid', ARGV[6], 'at', ARGV[7], 'p', ARGV[8])
if ARGV[9] ~= '' then redis.call('HSET', sk, 'g', ARGV[9]) end
redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
audit(b, ARGV[10], ARGV[11], nil, ARGV[4] .. ' ' .. ARGV[5])
return {'ok', ARGV[5], ARGV[7]}
`)

func init() {
	allScripts = append(allScripts, statementKeysScript, rotateStatementKeyScript, retireStatementKeyScript, issueStatementScript)
}

// StatementKeys returns the keys that sign statements, oldest first, and
// the current key's id. With create set and no current key (the first
// statement of the deployment), create becomes key 1 in the same step, so
// replicas racing to make the first key agree on one. Without create and
// without keys, it returns none and current "".
func (s *Store) StatementKeys(ctx context.Context, create []byte, now time.Time) (keys []ll.StatementKey, current string, err error) {
	st, rest, err := s.run(ctx, "statement keys", statementKeysScript, []string{s.k.statementKeys()},
		hex.EncodeToString(create), s.clock(now))
	if err != nil {
		return nil, "", err
	}
	if st != "ok" {
		return nil, "", statusError("statement keys", st, rest, nil)
	}
	kv := strs(rest, 0)
	byID := map[string]*ll.StatementKey{}
	for i := 0; i+1 < len(kv); i += 2 {
		f, v := kv[i], kv[i+1]
		switch {
		case f == "cur":
			current = v
		case strings.HasPrefix(f, "k:"), strings.HasPrefix(f, "t:"):
			id := f[2:]
			k := byID[id]
			if k == nil {
				k = &ll.StatementKey{ID: id}
				byID[id] = k
			}
			if f[0] == 'k' {
				if k.Key, err = hex.DecodeString(v); err != nil {
					return nil, "", fmt.Errorf("statement key %s: %w", id, err)
				}
			} else if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
				k.Created = msTime(ms)
			}
		}
	}
	for _, k := range byID {
		if len(k.Key) > 0 {
			keys = append(keys, *k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.Atoi(keys[i].ID)
		b, _ := strconv.Atoi(keys[j].ID)
		return a < b
	})
	return keys, current, nil
}

// RotateStatementKey adds key as a new signing key and makes it current;
// the older keys still verify the statements they signed. It returns the
// new key's id.
func (s *Store) RotateStatementKey(ctx context.Context, key []byte, now time.Time) (string, error) {
	if len(key) == 0 {
		return "", ll.Invalid("key", "empty key")
	}
	st, rest, err := s.run(ctx, "rotate statement key", rotateStatementKeyScript, []string{s.k.statementKeys()},
		hex.EncodeToString(key), s.clock(now))
	if err != nil {
		return "", err
	}
	if st != "ok" {
		return "", statusError("rotate statement key", st, rest, nil)
	}
	return str(rest, 0), nil
}

// RetireStatementKey deletes signing key id: the statements it signed no
// longer verify. ErrNotFound (Detail "key") for an unknown or retired key;
// ErrConflict (Detail "current") for the current key, which only a rotation
// replaces.
func (s *Store) RetireStatementKey(ctx context.Context, id string) error {
	if _, err := strconv.Atoi(id); err != nil {
		return notFound("key", id)
	}
	st, rest, err := s.run(ctx, "retire statement key "+id, retireStatementKeyScript, []string{s.k.statementKeys()}, id)
	if err != nil {
		return err
	}
	switch st {
	case "ok":
		return nil
	case "current":
		return &ll.Error{Code: ll.ECONFLICT, Detail: "current", Message: "the current key is replaced by a rotation, not retired"}
	}
	return statusError("retire statement key "+id, st, rest, map[string]string{"key": id})
}

// IssueStatement stores st (its ID, KeyID, Community, Member, Year, Parts
// and Grade; Issued is set here) as the latest statement of its member and
// year, with its audit entry (object: the member; detail "<year> <id>", or
// "<year> <id> again"), in one script that checks that the member is
// Telegram user tg's and active (ErrNotMember otherwise). When the member's
// latest statement of that year has the same key, parts and grade, that
// one is returned instead (same id, first issue time) and nothing new is
// stored: asking again gives the same certificate. ErrConflict if st.ID is
// taken (a random id: practically never).
func (s *Store) IssueStatement(ctx context.Context, tg int64, st ll.Statement, now time.Time, audit *ll.AuditEntry) (ll.Statement, error) {
	if err := checkCommunity(st.Community); err != nil {
		return ll.Statement{}, err
	}
	if !validID('M', st.Member) {
		return ll.Statement{}, notFound("member", st.Member)
	}
	if st.ID == "" || strings.ContainsAny(st.ID, " ,") || st.KeyID == "" {
		return ll.Statement{}, ll.Invalid("statement", "statement id and key id are required")
	}
	a, score := s.auditArgs(audit, st.Community, now, st.Member, auditDetail)
	op := fmt.Sprintf("issue statement %s of %s/%s", st.ID, st.Community, st.Member)
	status, rest, err := s.run(ctx, op, issueStatementScript,
		[]string{s.k.member(st.Community, st.Member), s.k.memberStatements(st.Community, st.Member)},
		s.k.base(st.Community), strconv.FormatInt(tg, 10), st.Member, strconv.Itoa(st.Year), st.ID, st.KeyID,
		s.clock(now), encodeParts(st.Parts), st.Grade, a, score)
	if err != nil {
		return ll.Statement{}, err
	}
	switch status {
	case "ok":
	case "exists":
		return ll.Statement{}, &ll.Error{Code: ll.ECONFLICT, Detail: "statement", Message: "statement id " + st.ID + " is taken"}
	default:
		return ll.Statement{}, statusError(op, status, rest, map[string]string{"member": st.Member})
	}
	st.ID = str(rest, 0)
	if ms, err := strconv.ParseInt(str(rest, 1), 10, 64); err == nil {
		st.Issued = msTime(ms)
	}
	return st, nil
}

// Statement returns a statement of community by id; ErrNotFound (Detail
// "statement") when there is none. One round trip.
func (s *Store) Statement(ctx context.Context, community, id string) (ll.Statement, error) {
	if err := checkCommunity(community); err != nil {
		return ll.Statement{}, err
	}
	if id == "" || strings.ContainsAny(id, " ,{}") {
		return ll.Statement{}, notFound("statement", id)
	}
	v, err := s.c.HGetAll(ctx, s.k.statement(community, id)).Result()
	if err != nil {
		return ll.Statement{}, s.wrap("statement "+community+"/"+id, err)
	}
	if len(v) == 0 || v["m"] == "" {
		return ll.Statement{}, notFound("statement", id)
	}
	st := ll.Statement{ID: id, KeyID: v["kid"], Community: community, Member: v["m"], Grade: v["g"], Parts: decodeStatementParts(v["p"])}
	st.Year, _ = strconv.Atoi(v["y"])
	if ms, err := strconv.ParseInt(v["at"], 10, 64); err == nil {
		st.Issued = msTime(ms)
	}
	return st, nil
}

// encodeParts is the p field of a statement: "<ref> <kind> <method>" joined
// by ",".
func encodeParts(ps []ll.StatementPart) string {
	l := make([]string, len(ps))
	for i, p := range ps {
		l[i] = p.Ref + " " + p.Kind + " " + p.Method
	}
	return strings.Join(l, ",")
}

// decodeStatementParts reads the p field of a statement.
func decodeStatementParts(s string) []ll.StatementPart {
	out := []ll.StatementPart{}
	if s == "" {
		return out
	}
	for _, f := range strings.Split(s, ",") {
		ref, rest, _ := strings.Cut(f, " ")
		kind, method, _ := strings.Cut(rest, " ")
		out = append(out, ll.StatementPart{Ref: ref, Kind: kind, Method: method})
	}
	return out
}
