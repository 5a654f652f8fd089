package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lamplighter-bot/lamplighter/storage"
)

const statementsUsage = `Usage:
  lamplighter statements keys
  lamplighter statements rotate-key
  lamplighter statements retire-key <id>

The keys that sign the statements' verify links (/statement, SPEC section
11), kept in Redis and shared by every replica; the first is made by the
first /statement. keys lists them (id, created, which one is current; never
the key itself). rotate-key makes a new key current: new statements are
signed with it, and the statements signed with older keys still verify.
retire-key deletes an older key: every statement it signed is refused from
then on, as a forged one is (members ask /statement again for a new one).
The current key cannot be retired; rotate first.`

// statements runs "statements keys|rotate-key|retire-key".
func (p *program) statements(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("statements: want keys, rotate-key or retire-key")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "--help", "help":
		fmt.Fprintln(p.stdout, statementsUsage)
		return nil
	case "keys", "rotate-key", "retire-key":
	default:
		return usagef("statements: unknown subcommand %q (want keys, rotate-key or retire-key)", sub)
	}
	fs := p.flagSet("statements "+sub, nil)
	if err := p.parse(fs, rest, statementsUsage); err != nil {
		return err
	}
	want := 0
	if sub == "retire-key" {
		want = 1
	}
	if fs.NArg() != want {
		if want == 1 {
			return usagef("statements retire-key: want the key's id (lamplighter statements keys lists them)")
		}
		return usagef("statements %s: unexpected argument %q", sub, fs.Arg(0))
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		s := p.newApp(st).Statements
		switch sub {
		case "rotate-key":
			id, err := s.RotateKey(ctx, p.now())
			if err != nil {
				return fmt.Errorf("statements rotate-key: %w", err)
			}
			fmt.Fprintf(p.stdout, "key %s is current; older keys still verify their statements until retired\n", id)
			return nil
		case "retire-key":
			if err := s.RetireKey(ctx, fs.Arg(0)); err != nil {
				return fmt.Errorf("statements retire-key %s: %s", fs.Arg(0), userMessage(err))
			}
			fmt.Fprintf(p.stdout, "key %s retired: the statements it signed are refused from now on\n", fs.Arg(0))
			return nil
		}
		keys, current, err := s.Keys(ctx)
		if err != nil {
			return fmt.Errorf("statements keys: %w", err)
		}
		if len(keys) == 0 {
			fmt.Fprintln(p.stdout, "no keys yet: the first /statement makes one")
		}
		for _, k := range keys {
			mark := ""
			if k.ID == current {
				mark = " current"
			}
			fmt.Fprintf(p.stdout, "%s\t%s%s\n", k.ID, k.Created.UTC().Format(time.RFC3339), mark)
		}
		return nil
	})
}
