package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// pollLimit is the most updates one getUpdates call returns (Bot API maximum).
const pollLimit = 100

// idleRepoll bounds how long the poller waits for a handled update before it
// polls again when Telegram only had updates it already holds.
const idleRepoll = time.Second

// apiError is an unsuccessful Bot API answer to a call made without the library.
type apiError struct {
	Method      string
	Code        int
	Description string
	RetryAfter  int
}

// Error describes the answer.
func (e *apiError) Error() string {
	return fmt.Sprintf("telegram %s: %d %s", e.Method, e.Code, e.Description)
}

// answerError is an answer to a call made without the library that is not
// the Bot API's JSON: a proxy's HTML error page, plain text, some other
// JSON. Its text carries the HTTP status and the start of the body.
type answerError struct {
	Method string
	Status int    // HTTP status
	Body   string // the body's first bytes, made fit for a log line (logSnippet)
	Err    error  // the JSON decoding error; nil when the JSON is not Telegram's
}

// Error describes the answer.
func (e *answerError) Error() string {
	why := "not a Bot API answer"
	if e.Err != nil {
		why += " (" + e.Err.Error() + ")"
	}
	body := e.Body
	if body == "" {
		body = "(empty)"
	}
	return fmt.Sprintf("telegram %s: HTTP %d: %s: body: %s", e.Method, e.Status, why, body)
}

func (e *answerError) Unwrap() error { return e.Err }

// snippetLen bounds, in bytes, the part of an unexpected body that is logged.
const snippetLen = 200

// logSnippet returns the start of body for a log line: the token removed,
// invalid UTF-8 replaced by U+FFFD, newlines, tabs and other control
// characters turned into spaces and runs of spaces collapsed, at most
// snippetLen bytes cut at a character boundary ("…" marks a cut).
func logSnippet(body []byte, token string) string {
	var b strings.Builder
	space := false
	// Ranging over a string yields U+FFFD for each invalid byte.
	for _, r := range redact(string(body), token) {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		n := utf8.RuneLen(r)
		if space {
			n++
		}
		if b.Len()+n > snippetLen {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// poller runs the getUpdates loop.
//
// Telegram confirms every update below the offset of a getUpdates call, so
// the poller asks for offset = the lowest update it took that is not handled
// yet: an update is confirmed only once it and every earlier one has been
// handled. Telegram then sends again the updates still in progress; the
// poller skips every id it has taken already.
type poller struct {
	t *Telegram

	mu      sync.Mutex
	pending map[int64]struct{} // taken, not yet handled
	maxSeen int64              // highest update id taken
	done    int64              // updates handled so far

	handledOne chan struct{} // signalled (without blocking) when an update is handled
}

func (t *Telegram) newPoller() *poller {
	return &poller{t: t, pending: map[int64]struct{}{}, handledOne: make(chan struct{}, 1)}
}

// offset is the getUpdates offset that confirms exactly the handled updates.
func (p *poller) offset() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) > 0 {
		lowest := int64(-1)
		for id := range p.pending {
			if lowest < 0 || id < lowest {
				lowest = id
			}
		}
		return lowest
	}
	if p.maxSeen > 0 {
		return p.maxSeen + 1
	}
	return 0
}

// take records id as taken unless it was taken before.
func (p *poller) take(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if id <= p.maxSeen {
		return false
	}
	p.maxSeen = id
	p.pending[id] = struct{}{}
	return true
}

// restart forgets the ids taken so far, so that id and what follows it are
// taken again.
func (p *poller) restart(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maxSeen = id - 1
}

func (p *poller) handled(id int64) {
	p.mu.Lock()
	delete(p.pending, id)
	p.done++
	p.mu.Unlock()
	select {
	case p.handledOne <- struct{}{}:
	default:
	}
}

// progress is how many updates are handled so far and how many are held.
func (p *poller) progress() (done int64, held int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done, len(p.pending)
}

// awaitProgress waits, after an answer that brought few new updates, until
// a quarter of the updates held then are handled (at least one), or
// idleRepoll passes. Telegram answers a getUpdates at once with every held
// update above the offset, so polling again sooner would only fetch and
// skip the same window again.
func (p *poller) awaitProgress(ctx context.Context) {
	since, held := p.progress()
	want := max(int64(held/4), 1)
	timer := time.NewTimer(idleRepoll)
	defer timer.Stop()
	for {
		if done, _ := p.progress(); done-since >= want {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		case <-p.handledOne:
		}
	}
}

// loop polls until ctx is done. It stops fetching while the queue is full.
func (p *poller) loop(ctx context.Context) {
	t := p.t
	var backoff time.Duration
	for ctx.Err() == nil {
		if t.q.full() {
			t.stats.pollPaused.Add(1)
			select {
			case <-ctx.Done():
				return
			case <-t.q.freed:
			}
			continue
		}
		offset := p.offset()
		polled := time.Now()
		updates, err := t.getUpdates(ctx, offset, pollLimit, t.cfg.PollTimeout)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = nextBackoff(backoff)
			wait := backoff
			var api *apiError
			switch {
			case errors.As(err, &api) && api.Code == http.StatusConflict:
				t.log.Warn("getUpdates conflict: another instance is polling or a webhook is set; retrying", "err", err, "wait", wait)
			case errors.As(err, &api) && api.Code == http.StatusTooManyRequests:
				t.stats.rateLimited.Add(1)
				wait = retryAfter(api.RetryAfter)
				t.log.Warn("getUpdates rate limited", "wait", wait)
			default:
				t.log.Error("getUpdates failed; retrying", "err", err, "wait", wait)
			}
			if t.sleep(ctx, wait) != nil {
				return
			}
			continue
		}
		backoff = 0
		if len(updates) == 0 && t.cfg.EmptyPollPause > 0 && time.Since(polled) < t.cfg.PollTimeout/2 {
			// An empty answer long before the timeout: the server does not
			// long-poll. Pause so the loop does not spin.
			if t.cfg.EmptyPollSleep(ctx, t.cfg.EmptyPollPause) != nil {
				return
			}
			continue
		}
		took := 0
		for _, r := range updates {
			id := r.id
			if offset > 0 && id < offset {
				// Telegram never returns a confirmed update: it restarted
				// its numbering (it does after a week without updates).
				t.log.Warn("getUpdates restarted update ids", "offset", offset, "update_id", id)
				p.restart(id)
				offset = 0
			}
			if !p.take(id) {
				continue // held already: not decoded again
			}
			u := t.decodeUpdate(r)
			it := item{u: u, key: chatKey(u), done: func() { p.handled(id) }}
			if !p.enqueue(ctx, it) {
				p.handled(id) // not taken after all: Telegram sends it again
				p.mu.Lock()
				if p.maxSeen == id {
					p.maxSeen = id - 1
				}
				p.mu.Unlock()
				return
			}
			t.stats.received.Add(1)
			took++
		}
		if len(updates) > 0 && took < len(updates)/4+1 {
			// Telegram had mostly updates we hold: let the handlers move the
			// offset on before fetching the window again.
			p.awaitProgress(ctx)
		}
	}
}

// enqueue pushes it, waiting for room; false when ctx is done first.
func (p *poller) enqueue(ctx context.Context, it item) bool {
	for {
		err := p.t.q.push(it)
		if err == nil {
			return true
		}
		if errors.Is(err, errQueueClosed) {
			return false
		}
		p.t.stats.pollPaused.Add(1)
		select {
		case <-ctx.Done():
			return false
		case <-p.t.q.freed:
		}
	}
}

// confirm tells Telegram that every update taken was handled, so that the
// next poller (after a restart) does not receive them again.
func (p *poller) confirm(ctx context.Context) {
	p.mu.Lock()
	maxSeen, pending := p.maxSeen, len(p.pending)
	p.mu.Unlock()
	if maxSeen == 0 || pending > 0 {
		return
	}
	next := maxSeen + 1
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := p.t.getUpdates(ctx, next, 1, 0); err != nil {
		p.t.log.Warn("confirm handled updates", "offset", next, "err", err)
	}
}

// rawUpdate is one update of a getUpdates answer, decoded no further than
// its id: while a window of updates is in progress Telegram sends the same
// ones again on every call, and only those not taken yet are decoded.
type rawUpdate struct {
	id  int64
	raw json.RawMessage
}

// getUpdates calls https://core.telegram.org/bots/api#getupdates and returns
// the updates with only their ids read. An update without an id is an error.
func (t *Telegram) getUpdates(ctx context.Context, offset int64, limit int, timeout time.Duration) ([]rawUpdate, error) {
	params := struct {
		Offset         int64    `json:"offset,omitempty"`
		Limit          int      `json:"limit"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}{offset, limit, int(timeout / time.Second), allowedUpdates}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("telegram getUpdates: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.APIURL+"/bot"+t.cfg.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("telegram getUpdates: %s", redact(err.Error(), t.cfg.Token))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL holds the token
		}
		return nil, fmt.Errorf("telegram getUpdates: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("telegram getUpdates: read: %w", err)
	}
	var answer struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, &answerError{Method: "getUpdates", Status: resp.StatusCode, Body: logSnippet(raw, t.cfg.Token), Err: err}
	}
	if !answer.OK && answer.ErrorCode == 0 && answer.Description == "" {
		// Telegram describes every error it answers.
		return nil, &answerError{Method: "getUpdates", Status: resp.StatusCode, Body: logSnippet(raw, t.cfg.Token)}
	}
	if !answer.OK {
		code := answer.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return nil, &apiError{Method: "getUpdates", Code: code, Description: answer.Description, RetryAfter: answer.Parameters.RetryAfter}
	}
	updates := make([]rawUpdate, 0, len(answer.Result))
	for _, r := range answer.Result {
		var head struct {
			ID int64 `json:"update_id"`
		}
		if err := json.Unmarshal(r, &head); err != nil || head.ID == 0 {
			return nil, fmt.Errorf("telegram getUpdates: update without id: %.80s", r)
		}
		updates = append(updates, rawUpdate{id: head.ID, raw: r})
	}
	return updates, nil
}

// decodeUpdate decodes an update in full. One the library's models cannot
// decode is logged and returned bare (only its id), so that it is confirmed
// and ignored instead of blocking the queue.
func (t *Telegram) decodeUpdate(r rawUpdate) *models.Update {
	u := &models.Update{}
	if err := json.Unmarshal(r.raw, u); err != nil {
		t.log.Warn("undecodable update ignored", "update_id", r.id, "err", err)
		return &models.Update{ID: r.id}
	}
	return u
}
