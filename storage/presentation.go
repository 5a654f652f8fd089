package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Presenter screens (SPEC section 9): a registry of the running presenter
// messages under the hash tag {pr}, so every step is one script on one slot.
// A presentation is due at each code step; a worker claims it with a lease
// (its due time moves to the lease's expiry and its claim counter is the
// token), edits the message and finishes the claim with its next due time.
// A worker that dies mid-edit loses nothing: when the lease expires the
// presentation is due again and any replica claims it.

// Paces of the presenter's edits per chat, below Telegram's limits (1
// message a second to a private chat, 20 a minute to a group).
const (
	PresentPacePrivate = time.Second
	PresentPaceGroup   = 3 * time.Second
)

// presentationID names a presentation in the registry: "<chat>:<message>".
func presentationID(chat int64, msg int) string {
	return strconv.FormatInt(chat, 10) + ":" + strconv.Itoa(msg)
}

var prPrelude = `
local PR_P, PR_PACE, PR_BY = '` + prPres + `', '` + prPace + `', '` + prBy + `'
`

func prScript(body string) *redis.Script { return redis.NewScript(prPrelude + body) }

func init() {
	allScripts = append(allScripts, prRegisterScript, prClaimScript, prFinishScript, prStopScript, prFindScript,
		presentedByScript)
}

// KEYS: activity. ARGV: b, member id, audit, score. Answers ok, or notfound.
var presentedByScript = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound', 'activity'} end
redis.call('HSET', KEYS[1], 'pby', ARGV[2])
audit(ARGV[1], ARGV[3], ARGV[4])
return {'ok'}
`)

// SetPresentedBy records who presents an activity's code now
// (Activity.PresentedBy), with its audit entry (Object defaults to the
// id), in one script. ErrNotFound if the activity is unknown.
func (s *Store) SetPresentedBy(ctx context.Context, community, activity, memberID string, audit *ll.AuditEntry) error {
	if err := checkActivityID(community, activity); err != nil {
		return err
	}
	aj, score := s.auditArgs(audit, community, time.Time{}, activity, "")
	op := fmt.Sprintf("presented by %s/%s", community, activity)
	st, rest, err := s.run(ctx, op, presentedByScript, []string{s.k.act(community, activity)}, s.k.base(community), memberID, aj, score)
	if err != nil || st == "ok" {
		return err
	}
	return statusError(op, st, rest, map[string]string{"activity": activity})
}

// CheckedIn returns how many members' participations in an activity count
// now (check-ins and manual entries, voided ones left out). One command.
func (s *Store) CheckedIn(ctx context.Context, community, activity string) (int, error) {
	if err := checkActivityID(community, activity); err != nil {
		return 0, err
	}
	n, err := s.c.SCard(ctx, s.k.attended(community, activity)).Result()
	if err != nil {
		return 0, s.wrap("checked in "+community+"/"+activity, err)
	}
	return int(n), nil
}

// KEYS: due. ARGV: base, id, json, due, by (the activity's key in the chat).
var prRegisterScript = prScript(`
local p = ARGV[1] .. PR_P .. ARGV[2]
local by = ARGV[1] .. PR_BY .. ARGV[5]
local old = redis.call('GET', by)
if old and old ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. PR_P .. old) == 1 then
  redis.call('HSET', ARGV[1] .. PR_P .. old, 'stop', '1')
  redis.call('ZADD', KEYS[1], 0, old)
end
redis.call('HSET', p, 'j', ARGV[3], 'by', ARGV[5])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
redis.call('SET', by, ARGV[2])
return {'ok'}
`)

// KEYS: due. ARGV: base, now, max, lease, private pace, group pace. Claims
// up to max due presentations, at most one per chat and none of a chat
// whose pace has not passed; answers ok, then id, json, stop flag and token
// of each.
var prClaimScript = prScript(`
local b, now, max, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {'ok'}
local chats = {}
local n = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, max * 4)) do
  if n >= max then break end
  local p = b .. PR_P .. id
  local h = redis.call('HMGET', p, 'j', 'stop')
  local chat = string.match(id, '^(-?%d+):')
  if not h[1] then
    redis.call('ZREM', KEYS[1], id)
  elseif not chats[chat] then
    local pace = tonumber(redis.call('GET', b .. PR_PACE .. chat) or '0')
    if pace > now then
      redis.call('ZADD', KEYS[1], pace, id)
    else
      chats[chat] = true
      local gap = tonumber(ARGV[5])
      if string.sub(chat, 1, 1) == '-' then gap = tonumber(ARGV[6]) end
      redis.call('SET', b .. PR_PACE .. chat, now + gap, 'PX', gap + 60000)
      local tok = redis.call('HINCRBY', p, 'cl', 1)
      redis.call('ZADD', KEYS[1], now + lease, id)
      out[#out + 1] = id
      out[#out + 1] = h[1]
      out[#out + 1] = h[2] or ''
      out[#out + 1] = tok
      n = n + 1
    end
  end
end
return out
`)

// KEYS: due. ARGV: base, id, token, next due (-1: the presentation ends),
// now, pace (0: none). Answers ok, or lost when the claim is no longer the
// worker's.
var prFinishScript = prScript(`
local b, id = ARGV[1], ARGV[2]
local p = b .. PR_P .. id
local h = redis.call('HMGET', p, 'cl', 'stop', 'by')
if not h[1] or h[1] ~= ARGV[3] then return {'lost'} end
local chat = string.match(id, '^(-?%d+):')
if tonumber(ARGV[6]) > 0 then
  redis.call('SET', b .. PR_PACE .. chat, ARGV[6], 'PX', tonumber(ARGV[6]) - tonumber(ARGV[5]) + 60000)
end
if ARGV[4] == '-1' then
  redis.call('DEL', p)
  redis.call('ZREM', KEYS[1], id)
  if h[3] and redis.call('GET', b .. PR_BY .. h[3]) == id then redis.call('DEL', b .. PR_BY .. h[3]) end
  return {'ok'}
end
redis.call('HINCRBY', p, 'cl', 1)
if h[2] then
  redis.call('ZADD', KEYS[1], ARGV[5], id)
else
  redis.call('ZADD', KEYS[1], ARGV[4], id)
end
return {'ok'}
`)

// KEYS: due. ARGV: base, id. Marks a presentation stopped and due now;
// answers ok with its json and whether it was stopped before, or notfound.
var prStopScript = prScript(`
local p = ARGV[1] .. PR_P .. ARGV[2]
local h = redis.call('HMGET', p, 'j', 'stop')
if not h[1] then return {'notfound'} end
if not h[2] then
  redis.call('HSET', p, 'stop', '1')
  redis.call('ZADD', KEYS[1], 0, ARGV[2])
end
return {'ok', h[1], h[2] or ''}
`)

// KEYS: due. ARGV: base, id or "", by. Answers ok with the json and stop
// flag of the presentation id names, or of the one by names; notfound.
var prFindScript = prScript(`
local id = ARGV[2]
if id == '' then id = redis.call('GET', ARGV[1] .. PR_BY .. ARGV[3]) end
if not id then return {'notfound'} end
local h = redis.call('HMGET', ARGV[1] .. PR_P .. id, 'j', 'stop')
if not h[1] then return {'notfound'} end
return {'ok', h[1], h[2] or ''}
`)

// presentationBy is the key of an activity's presentation in a chat.
func presentationBy(chat int64, community, activity string) string {
	return strconv.FormatInt(chat, 10) + ":" + community + "/" + activity
}

func decodePresentation(j, stop string) (ll.Presentation, error) {
	var p ll.Presentation
	if err := json.Unmarshal([]byte(j), &p); err != nil {
		return ll.Presentation{}, fmt.Errorf("decode presentation: %w", err)
	}
	p.Stopped = stop != ""
	return p, nil
}

// RegisterPresentation records a running presenter message, due at p.Due
// (at now when it is zero or earlier). A presentation of the same
// activity running before in the same chat is stopped: one screen per
// activity and chat. One round trip.
func (s *Store) RegisterPresentation(ctx context.Context, p ll.Presentation, now time.Time) error {
	if p.ChatID == 0 || p.MessageID == 0 || p.Activity == "" {
		return ll.Invalid("presentation", "a presentation needs a chat, a message and an activity")
	}
	p.Stopped = false
	due := now
	if p.Due.After(now) {
		due = p.Due
	}
	j, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode presentation: %w", err)
	}
	op := "register presentation " + presentationID(p.ChatID, p.MessageID)
	st, rest, err := s.run(ctx, op, prRegisterScript, []string{s.k.prDue()}, s.k.presenter(),
		presentationID(p.ChatID, p.MessageID), string(j), due.UnixMilli(), presentationBy(p.ChatID, p.Community, p.Activity))
	if err != nil || st == "ok" {
		return err
	}
	return statusError(op, st, rest, nil)
}

// ClaimPresentations claims up to max presentations due at now, each with a
// lease: until now+lease no other claim returns it. It never returns two of
// one chat, nor one of a chat edited less than PresentPacePrivate (a group:
// PresentPaceGroup) ago, so edits respect Telegram's per-chat limits across
// every replica. One round trip.
func (s *Store) ClaimPresentations(ctx context.Context, now time.Time, max int, lease time.Duration) ([]ll.PresentationClaim, error) {
	op := "claim presentations"
	st, rest, err := s.run(ctx, op, prClaimScript, []string{s.k.prDue()}, s.k.presenter(), now.UnixMilli(), max,
		lease.Milliseconds(), PresentPacePrivate.Milliseconds(), PresentPaceGroup.Milliseconds())
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, statusError(op, st, rest, nil)
	}
	var out []ll.PresentationClaim
	for i := 0; i+3 < len(rest); i += 4 {
		p, err := decodePresentation(str(rest, i+1), str(rest, i+2))
		if err != nil {
			return nil, err
		}
		out = append(out, ll.PresentationClaim{Presentation: p, Token: num(rest, i+3)})
	}
	return out, nil
}

// FinishPresentation ends a claim: the presentation is due again at next,
// or is removed when next is zero. A stopped presentation is due at once
// instead (its closing edit). paceUntil, when set, holds the chat's edits
// until then (a 429's retry_after). ok is false, and nothing changes, when
// the claim's lease had expired and another claim took it.
func (s *Store) FinishPresentation(ctx context.Context, c ll.PresentationClaim, next, now, paceUntil time.Time) (ok bool, err error) {
	nextArg := "-1"
	if !next.IsZero() {
		nextArg = strconv.FormatInt(next.UnixMilli(), 10)
	}
	var pace int64
	if !paceUntil.IsZero() {
		pace = paceUntil.UnixMilli()
	}
	id := presentationID(c.ChatID, c.MessageID)
	op := "finish presentation " + id
	st, rest, err := s.run(ctx, op, prFinishScript, []string{s.k.prDue()}, s.k.presenter(), id,
		c.Token, nextArg, now.UnixMilli(), pace)
	switch {
	case err != nil:
		return false, err
	case st == "ok":
		return true, nil
	case st == "lost":
		return false, nil
	}
	return false, statusError(op, st, rest, nil)
}

// StopPresentation marks the presentation of a message stopped (its next
// edit closes it); changed is false when it was stopped before. ErrNotFound
// when no presentation runs in that message.
func (s *Store) StopPresentation(ctx context.Context, chat int64, msg int) (p ll.Presentation, changed bool, err error) {
	id := presentationID(chat, msg)
	op := "stop presentation " + id
	st, rest, err := s.run(ctx, op, prStopScript, []string{s.k.prDue()}, s.k.presenter(), id)
	if err != nil {
		return ll.Presentation{}, false, err
	}
	if st != "ok" {
		return ll.Presentation{}, false, notFound("presentation", id)
	}
	p, err = decodePresentation(str(rest, 0), str(rest, 1))
	return p, str(rest, 1) == "", err
}

// Presentation returns the presentation of a message; ErrNotFound if none runs there.
func (s *Store) Presentation(ctx context.Context, chat int64, msg int) (ll.Presentation, error) {
	return s.findPresentation(ctx, presentationID(chat, msg), "")
}

// PresentationOf returns the latest presentation of an activity in a chat;
// ErrNotFound if none runs there.
func (s *Store) PresentationOf(ctx context.Context, chat int64, community, activity string) (ll.Presentation, error) {
	return s.findPresentation(ctx, "", presentationBy(chat, community, activity))
}

func (s *Store) findPresentation(ctx context.Context, id, by string) (ll.Presentation, error) {
	op := "presentation " + id + by
	st, rest, err := s.run(ctx, op, prFindScript, []string{s.k.prDue()}, s.k.presenter(), id, by)
	if err != nil {
		return ll.Presentation{}, err
	}
	if st != "ok" {
		return ll.Presentation{}, notFound("presentation", id+by)
	}
	return decodePresentation(str(rest, 0), str(rest, 1))
}
