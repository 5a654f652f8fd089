package main

import (
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/handlers"
)

// The handlers mark the updates they are given themselves (Store.Begin, in
// the round trip that reads the user), and the Telegram adapter must know it:
// otherwise every update would cost a round trip more for MarkUpdate.
var _ bot.UpdateHandler = (*handlers.Handlers)(nil)
