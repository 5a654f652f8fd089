package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// enqueueRunCompactBatch is how many messages one compact EnqueueRun script
// stores: three short arguments each; 500 of them take Redis about a
// millisecond.
const enqueueRunCompactBatch = 500

// maxRunProfiles bounds the profiles of one EnqueueRun: a run's messages
// share a few (a template a language); messages with texts of their own
// beyond it wait whole.
const maxRunProfiles = 64

// KEYS: stats. ARGV: o, now, run, due (unix ms: when the first of them is
// due), profile ttl ms, the call's token, bodies (count, then id and JSON of each), profiles
// (count, then each: due, exp, kind, body id, j before and after the member,
// tab-separated), then per message: member, its profile's place among
// them (1-based), and chat, parts and values, tab-separated. Adds each
// message <run>:<member> not already queued, waiting or recently done to
// the run's waiting recipients in the compact form (see qpendk). Answers
// the number added.
//
// The run's mark (rr:r:<run>) holds the token of the first call that
// queued it: while it is this call's ("fresh"), none of the run's messages
// can be queued or done but those this call added, and the caller gives
// each member once, so the batch is one HSET; another call's mark (a retry
// after a crash, a second replica) makes the script look for each message
// and its done marker and add it with HSETNX. (The claim script's store
// checks them again whatever the mark: nothing goes twice.)
var enqueueRunCompactScript = outboxScript(`
local run = ARGV[3]
local b = 'r:' .. run
local rk = O .. '` + obRunMark + `' .. b
local mark = redis.call('GET', rk)
local fresh = mark == ARGV[6]
if not mark then
  -- Recipients of the run with no mark are not this call's: none fresh.
  fresh = redis.call('EXISTS', O .. '` + obCompact + `' .. b) == 0
  local own = ARGV[6]
  if not fresh then own = '-' end
  redis.call('SET', rk, own, 'PX', ARGV[5])
end
local pi = storeBodies(7)
local np = tonumber(ARGV[pi])
local rp = runpk(b)
local num, pbody = {}, {}
for k = 1, np do
  local prof = ARGV[pi + k]
  local x = redis.call('HGET', rp, prof)
  if not x then
    x = tostring(redis.call('HINCRBY', rp, '#', 1))
    redis.call('HSET', rp, prof, x, x, prof)
  end
  num[k] = '~' .. x .. '\t'
  pbody[k] = string.match(prof, '^[^\t]*\t[^\t]*\t[^\t]*\t([^\t]*)\t') or ''
end
redis.call('PEXPIRE', rp, ARGV[5])
local mpre, dpre = mk(run .. ':'), O .. '` + obDone + `' .. run .. ':'
local pk = qpendk(b)
local n = 0
local refs = {}
if fresh then
  -- Every member is new to the run (the caller gives each once): one HSET.
  local kv = {}
  for i = pi + np + 1, #ARGV, 3 do
    local p = tonumber(ARGV[i + 1])
    kv[#kv + 1] = ARGV[i]
    kv[#kv + 1] = num[p] .. ARGV[i + 2]
    local body = pbody[p]
    if body ~= '' then refs[body] = (refs[body] or 0) + 1 end
  end
  if #kv > 0 then n = redis.call('HSET', pk, unpack(kv)) end
else
  for i = pi + np + 1, #ARGV, 3 do
    local f = ARGV[i]
    if redis.call('EXISTS', mpre .. f, dpre .. f) == 0 then
      local p = tonumber(ARGV[i + 1])
      if redis.call('HSETNX', pk, f, num[p] .. ARGV[i + 2]) == 1 then
        local body = pbody[p]
        if body ~= '' then refs[body] = (refs[body] or 0) + 1 end
        n = n + 1
      end
    end
  end
end
for body, k in pairs(refs) do redis.call('HINCRBY', BODYREFS, body, k) end
if n > 0 then
  redis.call('ZADD', QPEND, 'LT', ARGV[4], b)
  redis.call('HINCRBY', STATS, 'pending', n)
elseif redis.call('EXISTS', pk) == 0 then
  redis.call('DEL', rp) -- nothing of the run waits: no profile either
end
dropUnused(7)
redis.call('HINCRBY', STATS, 'enqueued', n)
return n
`)

func init() { allScripts = append(allScripts, enqueueRunCompactScript) }

// EnqueueRun stores the messages of one reminder run (a run id unique to the
// job, community and scheduled time) and returns how many were added. Like
// Enqueue, it is idempotent by message id: a message queued, waiting, in
// flight, dead, or delivered or dropped in the last 72 hours is left alone,
// so a run retried after a crash adds only what the first try did not.
//
// The messages wait in one hash of the run, as a broadcast's recipients do,
// and become messages of their own only from their due time on, as
// ClaimDeliveries draws near them. A message whose id is <run>:<member>
// waits in a compact form: what it shares with the run's other messages
// (due, expiry, kind, community, language, quiet hours, and its reply or
// Template, stored once as a body) is kept once per run as a profile, and
// the message itself is its member, chat, template parts and values, a few
// dozen bytes; its Template is rendered only when it is sent
// (ll.OutMessage.Content). Other messages wait with all their fields, a
// Template rendered into their reply, and so do those beyond the first
// maxRunProfiles distinct profiles of a call (texts of their own). In the
// first call that queues a run, a batch of up to enqueueRunCompactBatch
// compact messages is one HSET (the run's mark says nothing else of the
// run exists); in a later call each costs an EXISTS and an HSETNX. An id
// given twice in one call is added once.
//
// The order among a run's messages is not kept (they go to different
// chats), and a chat found unreachable meanwhile drops only its
// materialized messages. Batches are stored in turn; a failure midway
// leaves the earlier ones queued. A malformed message is an EINVALID error
// and nothing of its batch is stored.
func (s *Store) EnqueueRun(ctx context.Context, run string, msgs []ll.OutMessage) (int, error) {
	if !runIDPattern.MatchString(run) {
		return 0, ll.Invalid("run", "run id %q must be 1-200 of A-Z, a-z, 0-9, _, ., : and -", run)
	}
	now := s.now()
	b := runBatch{store: s, run: run, now: now, prefix: run + ":", token: rand.Text(), profiles: map[profileKey]*runProfile{},
		bodies: map[*ll.Template]*runBody{}, seen: make(map[string]struct{}, len(msgs))}
	var whole []ll.OutMessage
	added := 0
	for i := range msgs {
		m := msgs[i]
		m.Broadcast = ""
		if m.Due.IsZero() {
			m.Due = now
		}
		if m.Lang != "" && !ll.ValidLanguage(m.Lang) {
			m.Lang = ""
		}
		if err := m.Validate(); err != nil {
			return added, err
		}
		ok, err := b.add(&m)
		if err != nil {
			return added, err
		}
		if !ok {
			whole = append(whole, m)
			continue
		}
		if b.n == enqueueRunCompactBatch {
			n, err := b.flush(ctx)
			added += n
			if err != nil {
				return added, err
			}
		}
	}
	n, err := b.flush(ctx)
	added += n
	if err != nil {
		return added, err
	}
	if len(whole) > 0 {
		n, err := s.enqueueRunWhole(ctx, run, now, whole)
		return added + n, err
	}
	return added, nil
}

// profileKey tells apart what a run's messages share.
type profileKey struct {
	tpl                       *ll.Template
	reply                     string // replyKey of a reply without a template
	kind, community, lang, zn string
	due, exp                  int64
	quiet                     ll.QuietHours
	hasQuiet                  bool
}

// runProfile is one profile of a run: its script form and its body.
type runProfile struct {
	text  string // due, exp, kind, body id, j before and after the member
	body  *runBody
	place int // 1-based place in the current batch's profiles, 0: not in it
}

// runBody is a body (a reply or a template) of a run's messages.
type runBody struct {
	id, json string
	inBatch  bool
}

// runBatch gathers the compact messages of one EnqueueRun script.
type runBatch struct {
	store    *Store
	run      string
	now      time.Time
	prefix   string
	token    string              // this call's, for the run's mark
	seen     map[string]struct{} // members added in the compact form, each once
	profiles map[profileKey]*runProfile
	bodies   map[*ll.Template]*runBody
	replies  map[string]*runBody

	n        int
	due      int64
	batchP   []*runProfile
	batchB   []*runBody
	messages []any
}

// packable reports whether s can go in a tab- and packSep-separated field.
func packable(s string) bool { return !strings.ContainsAny(s, "\t"+packSep) }

// add puts m (fixed and valid) in the batch in the compact form, or
// answers false when m cannot take it.
func (b *runBatch) add(m *ll.OutMessage) (bool, error) {
	if m.Kind == ll.OutProgress || m.Member == "" || len(m.ID) != len(b.prefix)+len(m.Member) ||
		!strings.HasPrefix(m.ID, b.prefix) || !strings.HasSuffix(m.ID, m.Member) || m.Reply.File != nil ||
		!packable(m.Member) || !packable(m.Community) || !packable(m.Lang) || !packable(m.Zone) || !packable(m.Kind) ||
		strings.HasPrefix(m.Community, "{") {
		return false, nil
	}
	if _, dup := b.seen[m.Member]; dup {
		return true, nil // the same id again: added once, as HSETNX would
	}
	values := ""
	if m.Template != nil {
		for _, v := range m.Values {
			if !packable(v) {
				return false, nil
			}
		}
		values = strings.Join(m.Values, packSep)
	}
	k := profileKey{tpl: m.Template, kind: m.Kind, community: m.Community, lang: m.Lang, zn: m.Zone,
		due: m.Due.UnixMilli(), exp: -1}
	if !m.Expires.IsZero() {
		k.exp = m.Expires.UnixMilli()
	}
	if m.Quiet != nil {
		k.quiet, k.hasQuiet = *m.Quiet, true
	}
	if m.Template == nil {
		k.reply = replyKey(m.Reply)
	}
	p := b.profiles[k]
	if p == nil && len(b.profiles) >= maxRunProfiles {
		return false, nil // texts of their own: a profile each would cost more than it saves
	}
	if p == nil {
		body, err := b.body(m)
		if err != nil {
			return false, err
		}
		quiet := ""
		if m.Quiet != nil {
			quiet = strconv.Itoa(m.Quiet.Start) + "-" + strconv.Itoa(m.Quiet.End)
		}
		p = &runProfile{body: body, text: strconv.FormatInt(k.due, 10) + "\t" + millis(m.Expires) + "\t" + m.Kind + "\t" + body.id + "\t" +
			m.Community + packSep + "\t" + packSep + strings.Join([]string{m.Lang, millis(m.Due), quiet, m.Zone}, packSep)}
		b.profiles[k] = p
	}
	if p.place == 0 {
		b.batchP = append(b.batchP, p)
		p.place = len(b.batchP)
		if !p.body.inBatch {
			p.body.inBatch = true
			b.batchB = append(b.batchB, p.body)
		}
	}
	if b.n == 0 || k.due < b.due {
		b.due = k.due
	}
	parts := ""
	if m.Template != nil {
		parts = strconv.FormatUint(m.Parts, 36)
	}
	b.messages = append(b.messages, m.Member, p.place, strconv.FormatInt(m.ChatID, 10)+"\t"+parts+"\t"+values)
	b.seen[m.Member] = struct{}{}
	b.n++
	return true, nil
}

// body returns the body of m's template or reply, encoded once a call.
func (b *runBatch) body(m *ll.OutMessage) (*runBody, error) {
	if m.Template != nil {
		if rb := b.bodies[m.Template]; rb != nil {
			return rb, nil
		}
		j, err := encodeTemplate(m.Template)
		if err != nil {
			return nil, fmt.Errorf("encode template of outbox message %s: %w", m.ID, err)
		}
		rb := newRunBody(j)
		b.bodies[m.Template] = rb
		return rb, nil
	}
	r := m.Reply
	r.ChatID, r.CallbackAnswer, r.Edit = 0, "", false
	j, err := encodeReply(r)
	if err != nil {
		return nil, fmt.Errorf("encode reply of outbox message %s: %w", m.ID, err)
	}
	if b.replies == nil {
		b.replies = map[string]*runBody{}
	}
	if rb := b.replies[j]; rb != nil {
		return rb, nil
	}
	rb := newRunBody(j)
	b.replies[j] = rb
	return rb, nil
}

func newRunBody(j string) *runBody {
	sum := sha256.Sum256([]byte(j))
	return &runBody{id: hex.EncodeToString(sum[:16]), json: j}
}

// flush runs the script of the batch gathered, if any, and empties it.
func (b *runBatch) flush(ctx context.Context) (int, error) {
	if b.n == 0 {
		return 0, nil
	}
	s := b.store
	ttl := max(b.due-b.now.UnixMilli(), 0) + broadcastTTL.Milliseconds()
	args := make([]any, 0, 8+2*len(b.batchB)+len(b.batchP)+len(b.messages))
	args = append(args, s.k.outbox(), b.now.UnixMilli(), b.run, b.due, ttl, b.token, len(b.batchB))
	for _, rb := range b.batchB {
		args = append(args, rb.id, rb.json)
		rb.inBatch = false
	}
	args = append(args, len(b.batchP))
	for _, p := range b.batchP {
		args = append(args, p.text)
		p.place = 0
	}
	args = append(args, b.messages...)
	b.n, b.batchB, b.batchP, b.messages = 0, b.batchB[:0], b.batchP[:0], b.messages[:0]
	n, err := enqueueRunCompactScript.Run(ctx, s.c, []string{s.k.obStats()}, args...).Int()
	if err != nil {
		return 0, s.wrap("enqueue run "+b.run, err)
	}
	return n, nil
}

// templatePrefix starts a body that holds a template (encodeTemplate).
const templatePrefix = `{"v":2,`

// storedTemplate is how a body keeps a template.
type storedTemplate struct {
	Version int               `json:"v"` // 2
	Parts   []ll.TemplatePart `json:"p"`
}

// encodeTemplate is the body of template t.
func encodeTemplate(t *ll.Template) (string, error) {
	return encodeJSON(storedTemplate{Version: 2, Parts: t.Parts})
}

// templates caches decoded template bodies by their JSON: a run's messages
// share a few, each claimed message would decode one again.
var templates struct {
	sync.Mutex
	m map[string]*ll.Template
}

// maxCachedTemplates bounds the cache; it is emptied when full.
const maxCachedTemplates = 64

// decodeTemplated sets m's Template, Parts and Values from its body and
// its field v (parts in base 36, a tab, values separated by packSep).
func decodeTemplated(body, filled string, m *ll.OutMessage) error {
	templates.Lock()
	t := templates.m[body]
	templates.Unlock()
	if t == nil {
		var st storedTemplate
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			return err
		}
		t = &ll.Template{Parts: st.Parts}
		templates.Lock()
		if len(templates.m) >= maxCachedTemplates || templates.m == nil {
			templates.m = map[string]*ll.Template{}
		}
		templates.m[body] = t
		templates.Unlock()
	}
	parts, values, _ := strings.Cut(filled, "\t")
	p, err := strconv.ParseUint(parts, 36, 64)
	if err != nil {
		return fmt.Errorf("template parts %q: %w", parts, err)
	}
	m.Template, m.Parts, m.Values = t, p, nil
	if values != "" {
		m.Values = strings.Split(values, packSep)
	}
	return nil
}
