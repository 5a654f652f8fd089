package bot

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// maxWebhookBody bounds the size of one update accepted by the webhook.
const maxWebhookBody = 4 << 20

// secretHeader carries the webhook's secret_token on every request Telegram makes.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// WebhookHandler returns the HTTP handler for Telegram's webhook requests,
// to be mounted at WebhookPath on cmd's server. It is safe for concurrent use
// and may serve requests before Run starts (updates wait in the queue).
//
// It answers, in this order of checks:
//   - 401 when the X-Telegram-Bot-Api-Secret-Token header is missing or is
//     not WebhookSecret; the request has no effect at all;
//   - 405 for a method other than POST;
//   - 400 when the body is not a JSON update;
//   - 503 (with Retry-After) when the queue is full or the adapter has
//     stopped, so that Telegram delivers the update again later;
//   - 200 once the update is queued. It is handled after the answer.
func (t *Telegram) WebhookHandler() http.Handler {
	return http.HandlerFunc(t.serveWebhook)
}

func (t *Telegram) serveWebhook(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get(secretHeader)
	if t.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(t.cfg.WebhookSecret)) != 1 {
		t.stats.rejected.Add(1)
		t.log.Warn("webhook request with a wrong secret token refused", "remote", r.RemoteAddr, "header_present", got != "")
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost {
		t.stats.rejected.Add(1)
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		t.stats.rejected.Add(1)
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	var head struct {
		ID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID == nil {
		t.stats.rejected.Add(1)
		t.log.Warn("webhook request is not an update", "err", errText(err, "no update_id"))
		http.Error(w, "not a Telegram update", http.StatusBadRequest)
		return
	}
	// Valid JSON the library cannot read (a newer kind of update) is
	// accepted bare, so that Telegram does not redeliver it forever.
	u := t.decodeUpdate(rawUpdate{id: *head.ID, raw: raw})
	switch err := t.q.push(item{u: u, key: chatKey(u)}); {
	case err == nil:
		t.stats.received.Add(1)
		w.WriteHeader(http.StatusOK)
	case errors.Is(err, errQueueFull), errors.Is(err, errQueueClosed):
		t.stats.rejected.Add(1)
		t.stats.queueFull.Add(1)
		t.log.Warn("webhook update refused", "update_id", u.ID, "reason", err)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}
}

// errText returns err's text, or missing when err is nil.
func errText(err error, missing string) string {
	if err == nil {
		return missing
	}
	return err.Error()
}
