package handlers

import (
	"context"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Store is what the conversation itself keeps and reads: the user record
// (read once per update, with its membership snapshot), the update's lease,
// the reply language, guided flows, and the two reads it words answers with
// (the caller's member record, a community's name and zone). Every rule and
// every other read or write goes through the application layer (Config.App).
// *storage.Store implements it; cmd/lamplighter passes it in.
//
// Errors are domain errors (*lamplighter.Error) or, when Redis cannot be
// reached, an error that errors.Is(err, lamplighter.ErrUnavailable).
type Store interface {
	// User returns what is known about a Telegram user; an unknown user is a
	// zero User with TelegramID set, not an error.
	User(ctx context.Context, tg int64) (ll.User, error)
	// Begin starts handling the transport's update updateID from user tg at
	// now in one atomic step (one round trip): it takes a short lease on the
	// update, across replicas and restarts, and returns the user as User
	// does. first is false for an update that is done or leased by a live
	// handler (a redelivery), which must then have no effect; an expired
	// lease (a handler killed before its effect) is taken over.
	Begin(ctx context.Context, updateID, tg int64, now time.Time) (first bool, u ll.User, err error)
	// Finish marks a begun update done: every later delivery is a duplicate.
	Finish(ctx context.Context, updateID, tg int64) error
	// SetUserLanguage stores the user's reply language ("zh" or "en") and, if the
	// user is a member, the member's language too.
	SetUserLanguage(ctx context.Context, tg int64, lang string) error
	// SetReachable records whether the bot can message Telegram user tg.
	SetReachable(ctx context.Context, tg int64, reachable bool) error
	// WriteSnapshot records the membership snapshot of user tg from the
	// member m their pointer names, for a record written before snapshots.
	WriteSnapshot(ctx context.Context, tg int64, m ll.Member) error

	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)

	// Flow returns the user's guided flow, nil when there is none or it expired.
	Flow(ctx context.Context, tg int64) (*ll.Flow, error)
	// SetFlow stores the user's guided flow; it expires after ttl.
	SetFlow(ctx context.Context, tg int64, f ll.Flow, ttl time.Duration) error
	// ClearFlow ends the user's guided flow; no error if there was none.
	ClearFlow(ctx context.Context, tg int64) error
}

// CheckIn says how a member proves presence at an activity; see lamplighter.CheckIn.
type CheckIn = ll.CheckIn

// appOver builds the application layer over store when the store is also
// everything the services need (as *storage.Store is); nil otherwise.
func appOver(store Store) *app.App {
	if full, ok := store.(app.Store); ok {
		return app.New(full)
	}
	return nil
}
