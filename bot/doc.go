// Package bot connects the Lamplighter conversation to its users: Telegram
// (Telegram, through the Bot API) and the terminal (Console, for
// "lamplighter demo" and "lamplighter console"). Sender delivers the outbox
// (the messages that are not immediate replies) through Telegram.Deliver.
//
// It is the only package that imports github.com/go-telegram/bot. It turns
// Telegram updates into lamplighter.Request values, hands them to a Handler
// and turns the lamplighter.Reply values it gets back into Bot API calls. It
// does not use the library's poller, dispatcher or webhook handler (see
// /work/shared/LIBRARIES.md): it polls with its own getUpdates loop that
// confirms an update only after it was handled, runs a bounded pool of
// workers that keeps each chat's updates in order, recovers from panics, and
// checks the webhook secret before it accepts anything. A per-user flood
// limit (flood.go) refuses a user's excess updates before the handler.
//
// It depends on no metrics library: it tells an Observer (implemented by
// cmd/lamplighter with Prometheus) of each handler latency and Bot API
// answer, and cmd/lamplighter reads Telegram.Stats and Sender.Stats when
// /metrics is scraped.
//
// Bot API reference: https://core.telegram.org/bots/api
package bot

import (
	"context"

	"github.com/lamplighter-bot/lamplighter"
)

// Handler answers one request with the replies to send. *handlers.Handlers
// implements it. Telegram calls Handle from several goroutines at once, but
// never concurrently for two updates of the same chat.
type Handler interface {
	Handle(ctx context.Context, req lamplighter.Request) []lamplighter.Reply
}

// UpdateHandler is a Handler that marks each update it is given as taken
// itself, in the same round trip to Redis as its first read
// (*handlers.Handlers does, with Store.Begin). Telegram then calls
// HandleUpdate instead of Handle and calls UpdateStore.MarkUpdate only for
// the updates that never reach the handler (chat member changes, updates it
// cannot convert): one round trip less per update. duplicate reports an
// update the handler had already taken (a redelivery): Telegram then sends
// nothing, answers no button and counts it in Stats.Duplicates.
type UpdateHandler interface {
	Handler
	HandleUpdate(ctx context.Context, req lamplighter.Request) (replies []lamplighter.Reply, duplicate bool)
}

// Finisher is an UpdateHandler that records when an update's replies were
// sent; the adapter calls Done after sending them (and after an apology for
// a panic), so an update whose process died before that is handled again.
type Finisher interface {
	Done(ctx context.Context, req lamplighter.Request) error
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(ctx context.Context, req lamplighter.Request) []lamplighter.Reply

// Handle calls f(ctx, req).
func (f HandlerFunc) Handle(ctx context.Context, req lamplighter.Request) []lamplighter.Reply {
	return f(ctx, req)
}

// UpdateStore is the little persistent state the Telegram adapter needs.
// *storage.Store implements it. Both methods are called concurrently.
type UpdateStore interface {
	// MarkUpdate records that the update was seen; first is true only the
	// first time an update id is marked, across replicas and restarts. With
	// an UpdateHandler it is called only for updates that do not reach the
	// handler.
	MarkUpdate(ctx context.Context, updateID int64) (first bool, err error)
	// SetReachable records whether the bot can message Telegram user tg.
	SetReachable(ctx context.Context, tg int64, reachable bool) error
}
