// Command lamplighter is the Lamplighter volunteer bot and its operator
// commands: run the bot, try it offline in a demo, chat with it in the
// terminal, create communities, import members, print invites and read the
// audit log. Run "lamplighter help" for the list.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runLookup(ctx, os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
