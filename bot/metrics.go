package bot

import (
	"errors"
	"time"

	tg "github.com/go-telegram/bot"
)

// The adapter depends on no metrics library. It tells an Observer of the
// events that metrics measure one by one (the handler's latency, the answer
// to each Bot API call), and keeps its other counters and gauges for Stats,
// read when metrics are scraped. cmd/lamplighter implements Observer with
// Prometheus.

// Observer is told of the handler's latency and of Telegram's answer to each
// Bot API call as they happen (TelegramConfig.Observer). Its methods are
// called from many goroutines at once, on the path of every update: they
// must be safe for concurrent use, quick, and must not block.
type Observer interface {
	// HandlerDone reports the time the Handler took to answer one request
	// (by TelegramConfig.Now; a panic included).
	HandlerDone(d time.Duration)

	// APICall reports Telegram's answer to one Bot API call that sends
	// something: messages, edits, files, button answers, menus, for
	// immediate replies and outbox deliveries alike. Each attempt of a call
	// retried after a 429 is reported. getUpdates is not reported.
	APICall(r APIResult)
}

// APIResult is Telegram's answer to one Bot API call, as Observer.APICall
// reports it.
type APIResult int

// The answers to a Bot API call.
const (
	APIOK          APIResult = iota // accepted
	APIRateLimited                  // 429 Too Many Requests
	APIUnreachable                  // 403 Forbidden or 400 chat not found
	APIFailed                       // any other error, network errors included
)

// String names the result: "ok", "rate_limited", "unreachable" or "failed".
func (r APIResult) String() string {
	switch r {
	case APIOK:
		return "ok"
	case APIRateLimited:
		return "rate_limited"
	case APIUnreachable:
		return "unreachable"
	case APIFailed:
		return "failed"
	}
	return "unknown"
}

// apiResult classifies the error of one Bot API call.
func apiResult(err error) APIResult {
	var tooMany *tg.TooManyRequestsError
	switch {
	case err == nil:
		return APIOK
	case errors.As(err, &tooMany):
		return APIRateLimited
	case unreachable(err):
		return APIUnreachable
	}
	return APIFailed
}

// nopObserver is the Observer of a TelegramConfig without one.
type nopObserver struct{}

func (nopObserver) HandlerDone(time.Duration) {}
func (nopObserver) APICall(APIResult)         {}
