package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
)

const usageText = `Lamplighter: a Telegram bot that coordinates community volunteers.

Usage:
  lamplighter [config flags] <command> [flags] [arguments]

Commands:
  run                                   the bot: long polling, or a webhook server when
                                        LAMPLIGHTER_WEBHOOK_URL is set; /healthz on LAMPLIGHTER_LISTEN
  demo [--as <member>]                  try the bot offline: an in-process store seeded with
                                        a demo district and a chat in this terminal
  console --as <member> [--community <id>]
                                        the same terminal chat against the configured Redis;
                                        <member> is M3 (with --community), dongan:M3 or a Telegram id
  community add --id <id> --name <name> [--tz <zone>] [--lang zh|en]
  community set --id <id> <key> <value> keys: minimum, postminimum, timezone, language, notice
  members import --community <id> <file.csv>
                                        header, then telegram_id,name,unit,building,skills,role
  export --community <id>|--all --year <y> --kind members|ledger --format csv|xlsx [--out <file>]
                                        the year's ledger; to standard output without --out
  invite --community <id> [--role <role>]
                                        a new invite code and its deep link
  audit --community <id> [--since YYYY-MM-DD]
                                        the audit log, newest first
  outbox status [--dead <n>]            messages queued, in flight, dead letters and counters
  outbox requeue                        put the dead letters back in the outbox
  statements keys|rotate-key|retire-key <id>
                                        the keys that sign the statements' verify links
  units import <file.csv>               the district's units: header name,short_name,liaison_telegram_id
  units match                           link members whose typed unit is a unit's name or short name
  units audit [--limit <n>]             the units' audit log (creations, imports, liaisons)
  export --unit <U3> --year <y> --kind members --format csv|xlsx [--out <file>]
                                        a unit's members in every community, plus unit_id
  export --community <id>|--all --year <y> --kind evaluations --format csv|xlsx [--out <file>]
                                        the year-end grades
  help                                  this text

Configuration comes from the environment; each variable is also a flag
(the flag wins). "lamplighter <command> -h" lists them.
`

// program is one invocation of lamplighter: its configuration, I/O and clock.
// run builds it from the real process; tests build it with their own I/O.
type program struct {
	env    func(string) string
	lookup func(string) (string, bool) // env telling unset from empty; from env when nil
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
	log    *slog.Logger
	cfg    Config

	// Hooks for tests; zero in the real program.
	prefix   string                                           // Redis key prefix; storage's default when empty
	sleep    func(ctx context.Context, d time.Duration) error // the Telegram adapter's waits
	onListen func(addr net.Addr)                              // called once "run" listens
}

// run executes the command line args (without the program name) and returns
// the process exit code: 0 on success, 2 for a configuration or usage mistake,
// 1 for anything that failed at run time. Every failure is reported as one
// line on stderr (a usage mistake is followed by a hint to "help").
func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	p := &program{env: env, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	return p.run(ctx, args)
}

// runLookup is run with an environment that tells an unset variable from
// an empty one (os.LookupEnv), as LAMPLIGHTER_CRON_* and
// LAMPLIGHTER_QUIET_HOURS need.
func runLookup(ctx context.Context, args []string, lookup func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) int {
	env := func(k string) string { v, _ := lookup(k); return v }
	p := &program{env: env, lookup: lookup, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	return p.run(ctx, args)
}

// run runs the command line and turns its error into the exit code and one
// line on stderr.
func (p *program) run(ctx context.Context, args []string) int {
	err := p.main(ctx, args)
	switch {
	case err == nil || errors.Is(err, errHelpShown):
		return 0
	case isConfigError(err):
		fmt.Fprintf(p.stderr, "lamplighter: %s\n", oneLine(err.Error()))
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(p.stderr, "run 'lamplighter help' for usage")
		}
		return 2
	default:
		fmt.Fprintf(p.stderr, "lamplighter: %s\n", oneLine(err.Error()))
		return 1
	}
}

// main parses the global flags and runs one command.
func (p *program) main(ctx context.Context, args []string) error {
	p.cfg = configFromEnv(p.env)
	lookup := p.lookup
	if lookup == nil {
		lookup = func(k string) (string, bool) { v := p.env(k); return v, v != "" }
	}
	p.cfg.Delivery = readDelivery(lookup)
	fs := p.flagSet("lamplighter", nil)
	if err := fs.Parse(args); err != nil {
		return p.flagError(fs, err, usageText)
	}
	args = fs.Args()
	if len(args) == 0 {
		fmt.Fprint(p.stderr, usageText)
		return usagef("no command given")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "run":
		return p.runBot(ctx, args)
	case "demo":
		return p.demo(ctx, args)
	case "console":
		return p.console(ctx, args)
	case "community":
		return p.community(ctx, args)
	case "members":
		return p.members(ctx, args)
	case "invite":
		return p.invite(ctx, args)
	case "export":
		return p.export(ctx, args)
	case "audit":
		return p.audit(ctx, args)
	case "outbox":
		return p.outbox(ctx, args)
	case "statements":
		return p.statements(ctx, args)
	case "units":
		return p.units(ctx, args) // units.go
	case "help", "-h", "--help":
		fmt.Fprint(p.stdout, usageText)
		return nil
	}
	fmt.Fprint(p.stderr, usageText)
	return usagef("unknown command %q", cmd)
}

// flagSet returns a flag set named name that also carries every
// configuration flag, and calls add to register the command's own flags.
func (p *program) flagSet(name string, add func(fs *flag.FlagSet)) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if add != nil {
		add(fs)
	}
	bindFlags(fs, &p.cfg)
	return fs
}

// parse parses a command's flags; -h prints the command's usage and every
// flag to stdout and ends the command successfully (errHelpShown).
func (p *program) parse(fs *flag.FlagSet, args []string, usage string) error {
	if err := fs.Parse(args); err != nil {
		return p.flagError(fs, err, usage)
	}
	return nil
}

// errHelpShown ends a command whose help was asked for; run exits 0.
var errHelpShown = errors.New("help shown")

func (p *program) flagError(fs *flag.FlagSet, err error, usage string) error {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(p.stdout, strings.TrimSpace(usage))
		fmt.Fprintln(p.stdout, "\nFlags:")
		fs.SetOutput(p.stdout)
		fs.PrintDefaults()
		return errHelpShown
	}
	return usagef("%s: %v", fs.Name(), err)
}

// setup validates the configuration after the command's flags are parsed and
// starts the logger. needToken is true for the commands that call Telegram.
func (p *program) setup(needToken bool, level slog.Level) error {
	if err := p.cfg.Validate(needToken); err != nil {
		return err
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(p.stderr, opts)
	if isTerminal(p.stderr) {
		h = slog.NewTextHandler(p.stderr, opts)
	}
	p.log = slog.New(h)
	return nil
}

// isTerminal reports whether w (a reader or writer) is a character device
// such as a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// oneLine folds a multi-line message into one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
