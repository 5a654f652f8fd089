package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// ImportBatch is how many members one import script writes. A larger file
// is imported in batches so that no script holds Redis for long (about 3 ms
// a batch, more on a loaded machine: BenchmarkImportBatch), under a marker
// that makes a crashed import resumable: importing the same file again
// continues where it stopped and creates nothing twice.
const ImportBatch = 200

// importMarkerTTL is how long a finished import's marker is kept, so that
// importing the same file again says it was done.
const importMarkerTTL = 7 * 24 * time.Hour

// importFailAfter, when set by a test, stops a batched import after that
// many batches, as a crash would.
var importFailAfter int

// KEYS: tg. ARGV: b, telegram ids. Answers conflict with the first id that
// belongs to an active member, or ok. Reads only.
var importCheckScript = script(`
for i = 2, #ARGV do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if cur and redis.call('HGET', mkey(ARGV[1], cur), 'status') == 'active' then return {'conflict', ARGV[i]} end
end
return {'ok'}
`)

// KEYS: community, marker, running. ARGV: import id, batches, members.
// Starts or resumes the import: busy (with the running import's id) when
// another import of the community is unfinished, done when this one
// finished before, else ok with the next batch to write.
var importStartScript = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'community'} end
local running = redis.call('GET', KEYS[3])
if running and running ~= ARGV[1] then return {'busy', running} end
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'done' then return {'done'} end
if not state then
  redis.call('HSET', KEYS[2], 'state', 'running', 'next', 0, 'batches', ARGV[2], 'members', ARGV[3])
  redis.call('SET', KEYS[3], ARGV[1])
end
return {'ok', redis.call('HGET', KEYS[2], 'next')}
`)

// KEYS: community, tg, members, seq, marker. ARGV: b, now, batch number,
// then 8 fields a member as in importMembersScript. Writes one batch of a
// started import: conflict (a Telegram id taken since the check), or ok with
// the batch's first member number (the batch's ids are consecutive); a
// batch written before answers its first number again.
var importBatchScript = script(`
local b, now, k = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', KEYS[5], 'state') ~= 'running' then return {'notrunning'} end
local done = redis.call('HGET', KEYS[5], 'b' .. k)
if done then return {'ok', done} end
for i = 4, #ARGV, 8 do
  local tg = ARGV[i]
  if tg ~= '' then
    local cur = redis.call('HGET', KEYS[2], tg)
    if cur and redis.call('HGET', mkey(b, cur), 'status') == 'active' then return {'conflict', tg} end
  end
end
local first
for i = 4, #ARGV, 8 do
  local n = importMember(b, now, KEYS[2], KEYS[3], KEYS[4], i)
  if not first then first = n end
end
redis.call('HSET', KEYS[5], 'b' .. k, first, 'next', tonumber(k) + 1)
return {'ok', tostring(first)}
`)

// KEYS: marker, running. ARGV: b, import id, audit, score, object, ttl ms.
// Finishes the import: the marker says done (and expires), the community
// may import again, and the one audit entry of the whole file is written.
var importFinishScript = script(`
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return {'ok'} end
redis.call('HSET', KEYS[1], 'state', 'done')
redis.call('PEXPIRE', KEYS[1], ARGV[6])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
audit(ARGV[1], ARGV[3], ARGV[4], ARGV[5])
return {'ok'}
`)

func init() {
	allScripts = append(allScripts, importCheckScript, importStartScript, importBatchScript, importFinishScript)
}

// importID names an import by what it writes: the same file into the same
// community is the same import, whatever run of the command sends it.
func importID(community string, fields [][]any) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", community, len(fields))
	for _, f := range fields {
		for _, v := range f {
			fmt.Fprintf(h, "%v\x00", v)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// importLarge imports fields (8 a member, validated) in batches of
// ImportBatch under a marker; see ImportMembers.
func (s *Store) importLarge(ctx context.Context, community string, fields [][]any, now time.Time, audit *ll.AuditEntry) ([]string, error) {
	b := s.k.base(community)
	op := fmt.Sprintf("import %d members into %s", len(fields), community)
	id := importID(community, fields)
	marker, running := b+"imp:"+id, b+"imp:running"
	// A resumed import has written its first batches; their Telegram ids
	// are its own members' now. Every other Telegram id is checked before
	// anything more is written (and each batch checks its own again).
	resumeFrom := 0
	if v, err := s.c.HGet(ctx, marker, "next").Result(); err == nil {
		resumeFrom, _ = strconv.Atoi(v)
	}
	seen := map[string]bool{}
	var tgs []any
	for i, f := range fields {
		if tg := f[0].(string); tg != "" {
			if seen[tg] {
				return nil, importConflict(community, tg)
			}
			seen[tg] = true
			if i >= resumeFrom*ImportBatch {
				tgs = append(tgs, tg)
			}
		}
	}
	for i := 0; i < len(tgs); i += ImportBatch {
		j := min(i+ImportBatch, len(tgs))
		st, rest, err := s.run(ctx, op, importCheckScript, []string{s.k.telegram(community)}, append([]any{b}, tgs[i:j]...)...)
		if err != nil {
			return nil, err
		}
		if st == "conflict" {
			return nil, importConflict(community, str(rest, 0))
		}
	}

	batches := (len(fields) + ImportBatch - 1) / ImportBatch
	st, rest, err := s.run(ctx, op, importStartScript, []string{s.k.community(community), marker, running},
		id, batches, len(fields))
	if err != nil {
		return nil, err
	}
	switch st {
	case "ok":
	case "done":
		return nil, ll.Refuse(ll.ECONFLICT, ll.ReasonImported)
	case "busy":
		return nil, &ll.Error{Code: ll.ECONFLICT, Detail: ll.ReasonImportRunning,
			Message: fmt.Sprintf("another import into %s (%s) is unfinished: run it again to finish it", community, str(rest, 0))}
	default:
		return nil, statusError(op, st, rest, map[string]string{"community": community})
	}
	next, _ := strconv.Atoi(str(rest, 0))

	ids := make([]string, 0, len(fields))
	for k := 0; k < batches; k++ {
		if importFailAfter > 0 && k >= importFailAfter && k >= next {
			return nil, fmt.Errorf("%s: stopped after %d batches (test)", op, k)
		}
		lo, hi := k*ImportBatch, min((k+1)*ImportBatch, len(fields))
		args := []any{b, s.millis(now), k}
		for _, f := range fields[lo:hi] {
			args = append(args, f...)
		}
		st, rest, err := s.run(ctx, op, importBatchScript,
			[]string{s.k.community(community), s.k.telegram(community), s.k.members(community), s.k.seq(community), marker}, args...)
		if err != nil {
			return nil, err
		}
		switch st {
		case "ok":
		case "conflict":
			return nil, importConflict(community, str(rest, 0))
		default:
			return nil, statusError(op, st, rest, map[string]string{"community": community})
		}
		first, _ := strconv.Atoi(str(rest, 0))
		for n := first; n < first+hi-lo; n++ {
			ids = append(ids, "M"+strconv.Itoa(n))
		}
	}
	object := ids[0] + "-" + ids[len(ids)-1]
	a, score := s.auditArgs(audit, community, now, object, "")
	if _, _, err := s.run(ctx, op, importFinishScript, []string{marker, running},
		b, id, a, score, object, importMarkerTTL.Milliseconds()); err != nil {
		return nil, err
	}
	return ids, nil
}

// importConflict is the refusal of an import whose Telegram id tg is taken
// or appears twice.
func importConflict(community, tg string) error {
	return &ll.Error{Code: ll.ECONFLICT, Message: fmt.Sprintf("telegram id %s is already a member of %s or appears twice", tg, community), Detail: tg}
}
