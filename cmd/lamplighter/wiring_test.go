package main

import (
	"context"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// The handlers mark the updates they are given themselves (Store.Begin, in
// the round trip that reads the user), and the Telegram adapter must know it:
// otherwise every update would cost a round trip more for MarkUpdate.
var (
	_ bot.UpdateHandler = (*handlers.Handlers)(nil)
	_ bot.UpdateHandler = (*usernameHandlers)(nil)
	_ bot.Finisher      = (*usernameHandlers)(nil)
)

// TestRunMarksUpdatesInTheUserSlot: in "lamplighter run" an update that
// reaches the handlers is marked once, beside its user's keys, and never
// with MarkUpdate's global marker.
func TestRunMarksUpdatesInTheUserSlot(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	tg := telegramtest.NewServer(t)
	startBot(t, e, tg, nil)
	const member = 20002
	say(t, tg, member, "/help", "/me")

	raw := storagetest.Client(t)
	if got := storagetest.Keys(t, raw, e.prefix+"upd:*"); len(got) != 0 {
		t.Errorf("global update markers %q, want none", got)
	}
	got := storagetest.Keys(t, raw, e.prefix+"{u:20002}:upd:*")
	if len(got) != 1 {
		t.Fatalf("the user's update markers are %q, want one", got)
	}
	// Once the reply was sent the marker says done, not a lease (Done runs
	// just after the send that the test saw, so allow it a moment).
	var v string
	for range 200 {
		if v, _ = raw.Get(context.Background(), got[0]).Result(); v == "done" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v != "done" {
		t.Errorf("marker %s = %q; want done", got[0], v)
	}
}
