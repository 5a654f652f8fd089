package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// cliActor is the audit actor of every change made from the command line.
const cliActor = "cli"

// operatorScope is the committee scope of the person at the command line in
// community: the application layer's services check and audit what they do
// there, as they do for the chat.
func (p *program) operatorScope(ctx context.Context, services *app.App, community string) (*app.Scope, error) {
	sc, err := services.Access.Committee(ctx, app.Operator(community, p.now()))
	if err != nil {
		if ll.ErrorDetail(err) == ll.ReasonUseFirst {
			return nil, communityErr(community, ll.ErrNotFound)
		}
		return nil, communityErr(community, err)
	}
	return &sc, nil
}

const communityUsage = `Usage:
  lamplighter community add --id <id> --name <name> [--tz <zone>] [--lang zh|en]
  lamplighter community set --id <id> <key> <value>

Keys of "set": minimum (participations a year), postminimum (posts each member
holds), timezone (e.g. Asia/Shanghai), language (zh or en), notice (the chat id
of the public notice channel or group, or "none").`

// community runs "community add" and "community set".
func (p *program) community(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("community: want add or set")
	}
	switch args[0] {
	case "add":
		return p.communityAdd(ctx, args[1:])
	case "set":
		return p.communitySet(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(p.stdout, communityUsage)
		return nil
	}
	return usagef("community: unknown subcommand %q (want add or set)", args[0])
}

func (p *program) communityAdd(ctx context.Context, args []string) error {
	var id, name string
	fs := p.flagSet("community add", func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "community id: 1-20 of a-z, 0-9 and -")
		fs.StringVar(&name, "name", "", "community name")
	})
	if err := p.parse(fs, args, communityUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("community add: unexpected argument %q", fs.Arg(0))
	}
	if id == "" || name == "" {
		return usagef("community add: --id and --name are required")
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	c := ll.Community{
		ID:          strings.TrimSpace(id),
		Name:        strings.TrimSpace(name),
		TimeZone:    p.cfg.TimeZone,
		Language:    p.cfg.Language,
		Minimum:     ll.DefaultMinimum,
		PostMinimum: ll.DefaultPostMinimum,
		Created:     p.now(),
	}
	if err := c.Validate(); err != nil {
		return usagef("community add: %s", userMessage(err))
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		c, err := app.New(st).District.CreateCommunity(ctx, app.Operator("", p.now()), c)
		if err != nil {
			if errors.Is(err, ll.ErrConflict) {
				return fmt.Errorf("community %s already exists", strings.TrimSpace(id))
			}
			return fmt.Errorf("create community %s: %w", strings.TrimSpace(id), err)
		}
		fmt.Fprintf(p.stdout, "created community %s (%s), time zone %s, language %s\n", c.ID, c.Name, c.TimeZone, c.Language)
		return nil
	})
}

func (p *program) communitySet(ctx context.Context, args []string) error {
	var id string
	fs := p.flagSet("community set", func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "community id")
	})
	if err := p.parse(fs, args, communityUsage); err != nil {
		return err
	}
	if id == "" || fs.NArg() != 2 {
		return usagef("community set: want --id <id> <key> <value>")
	}
	key, value := strings.ToLower(fs.Arg(0)), strings.TrimSpace(fs.Arg(1))
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		services := app.New(st)
		sc, err := p.operatorScope(ctx, services, id)
		if err != nil {
			return err
		}
		c, err := services.Settings.Set(ctx, sc, key, value)
		if ll.ErrorCode(err) == ll.EINVALID {
			if ll.ErrorDetail(err) == "setting" {
				return usagef("community set: %s", userMessage(err))
			}
			return usagef("community set %s: %s", key, userMessage(err))
		}
		if err != nil {
			return fmt.Errorf("save community %s: %w", id, err)
		}
		fmt.Fprintf(p.stdout, "%s: %s = %s\n", c.ID, key, value)
		return nil
	})
}

const membersUsage = `Usage:
  lamplighter members import --community <id> <file.csv>

The file has a header row, then one member a row:
  telegram_id,name,unit,building,skills,role
telegram_id may be empty; skills are separated by ";"; role is empty for a
plain member, else secretary, deputy or committee. A UTF-8 byte-order mark and
CRLF line ends are accepted. Every bad row is reported with its line number and
nothing is imported from a file that has one. Rows without a Telegram id get a
personal invite link, printed as CSV member_id,name,invite_link ("-" reads the
file from standard input).`

// members runs "members import".
func (p *program) members(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(p.stdout, membersUsage)
			return nil
		}
		return usagef("members: want import")
	}
	var community string
	fs := p.flagSet("members import", func(fs *flag.FlagSet) {
		fs.StringVar(&community, "community", "", "community id")
	})
	if err := p.parse(fs, args[1:], membersUsage); err != nil {
		return err
	}
	if community == "" || fs.NArg() != 1 {
		return usagef("members import: want --community <id> <file.csv>")
	}
	file := fs.Arg(0)
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	data, err := p.readImportFile(file, 1<<30)
	if err != nil {
		return err
	}
	rows, bad := parseMembersCSV(data)
	if err := p.badRows(file, bad); err != nil {
		return err
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		return p.importMembers(ctx, st, community, file, rows)
	})
}

// importMembers stores the parsed rows in one ImportMembers call, creates a
// personal invite for each member without a Telegram id and prints their
// links as CSV on stdout.
func (p *program) importMembers(ctx context.Context, st *storage.Store, community, file string, rows []importRow) error {
	services := app.New(st)
	sc, err := p.operatorScope(ctx, services, community)
	if err != nil {
		return err
	}
	ms := make([]ll.Member, len(rows))
	lineOf := map[int64]int{}
	for i, r := range rows {
		ms[i] = r.Member
		if r.Member.TelegramID != 0 {
			lineOf[r.Member.TelegramID] = r.Line
		}
	}
	imported, err := services.Members.Import(ctx, sc, ms, file)
	created := imported.Members
	if err != nil && created == nil {
		var de *ll.Error
		if errors.As(err, &de) && de.Code == ll.ECONFLICT {
			tg, _ := strconv.ParseInt(de.Detail, 10, 64)
			if line, ok := lineOf[tg]; ok {
				fmt.Fprintf(p.stderr, "%s:%d: telegram_id %d already belongs to a member of %s\n", file, line, tg, community)
			}
			return fmt.Errorf("%s: telegram_id %s already belongs to a member of %s; nothing imported", file, de.Detail, community)
		}
		switch {
		case ll.ErrorDetail(err) == ll.ReasonImported:
			return fmt.Errorf("%s was imported into %s already; nothing imported again", file, community)
		case ll.ErrorDetail(err) == ll.ReasonImportRunning:
			return fmt.Errorf("import into %s: %s", community, userMessage(err))
		case ll.ErrorCode(err) == ll.EINTERNAL || ll.ErrorCode(err) == ll.EUNAVAILABLE:
			return fmt.Errorf("import %d members into %s stopped: %w; run the same command again to finish it (nobody is created twice)", len(ms), community, err)
		}
		return fmt.Errorf("import %d members into %s: %w; nothing imported", len(ms), community, err)
	}
	var invited int
	w := csv.NewWriter(p.stdout)
	for _, m := range created {
		inv, ok := imported.Invites[m.ID]
		if !ok {
			continue
		}
		if invited == 0 {
			w.Write([]string{"member_id", "name", "invite_link"})
		}
		invited++
		w.Write([]string{m.ID, m.Name, p.cfg.inviteLink(inv.Code)})
	}
	w.Flush()
	if err != nil {
		return err // the import stands; a personal invite failed
	}
	if err := w.Error(); err != nil {
		return fmt.Errorf("write invite links: %w", err)
	}
	fmt.Fprintf(p.stderr, "imported %d %s into %s; %d personal invite %s\n",
		len(created), plural(len(created), "member", "members"), community, invited, plural(invited, "link", "links"))
	printLinked(p.stderr, created) // units.go
	if invited > 0 && p.cfg.BotUsername == "" {
		fmt.Fprintln(p.stderr, "note: LAMPLIGHTER_BOT_USERNAME is not set, so links are printed as start payloads: send https://t.me/<bot>?start=<payload>, or have the member type /join <code>")
	}
	return nil
}

const inviteUsage = `Usage:
  lamplighter invite --community <id> [--role secretary|deputy|committee]

Prints a new community invite code and its deep link. Anyone with the code
can register until it expires: a member invite after 30 days, one with a
committee role (which it gives to whoever uses it) after 7 days.`

// invite runs "invite": a new community invite code and its deep link.
func (p *program) invite(ctx context.Context, args []string) error {
	var community, roleArg string
	fs := p.flagSet("invite", func(fs *flag.FlagSet) {
		fs.StringVar(&community, "community", "", "community id")
		fs.StringVar(&roleArg, "role", "", "role the invite gives: secretary, deputy or committee (none for a member)")
	})
	if err := p.parse(fs, args, inviteUsage); err != nil {
		return err
	}
	if community == "" || fs.NArg() > 0 {
		return usagef("invite: want --community <id> [--role <role>]")
	}
	role, err := ll.ParseRole(roleArg)
	if err != nil {
		return usagef("invite --role: %q is not secretary, deputy, committee or none", roleArg)
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		services := app.New(st)
		sc, err := p.operatorScope(ctx, services, community)
		if err != nil {
			return err
		}
		c := sc.Community
		inv, err := services.Invites.Create(ctx, sc, role)
		if err != nil {
			return fmt.Errorf("create invite for %s: %w", community, err)
		}
		fmt.Fprintf(p.stdout, "code: %s\n", inv.Code)
		if p.cfg.BotUsername != "" {
			fmt.Fprintf(p.stdout, "link: %s\n", p.cfg.inviteLink(inv.Code))
		} else {
			fmt.Fprintf(p.stdout, "link: https://t.me/<bot>?start=join_%s\n", inv.Code)
			fmt.Fprintln(p.stderr, "note: set LAMPLIGHTER_BOT_USERNAME to print the full link; in the chat, /join "+inv.Code+" works too")
		}
		if role != ll.RoleNone {
			fmt.Fprintf(p.stdout, "role: %s\n", role)
		}
		if !inv.Expires.IsZero() {
			fmt.Fprintf(p.stdout, "expires: %s\n", inv.Expires.In(c.Location()).Format("2006-01-02 15:04"))
		}
		return nil
	})
}

const auditUsage = `Usage:
  lamplighter audit --community <id> [--since YYYY-MM-DD] [--limit n]

Prints the community's audit log, newest first, one entry a line:
time (community time zone), actor, action, object, detail.`

// maxAuditLines bounds what "audit" prints when no --limit is given.
const maxAuditLines = 100000

// audit runs "audit": the community's audit log, newest first.
func (p *program) audit(ctx context.Context, args []string) error {
	var community, since string
	var limit int
	fs := p.flagSet("audit", func(fs *flag.FlagSet) {
		fs.StringVar(&community, "community", "", "community id")
		fs.StringVar(&since, "since", "", "only entries on or after this date, YYYY-MM-DD in the community's zone")
		fs.IntVar(&limit, "limit", 0, "at most this many entries (0: all)")
	})
	if err := p.parse(fs, args, auditUsage); err != nil {
		return err
	}
	if community == "" || fs.NArg() > 0 {
		return usagef("audit: want --community <id> [--since YYYY-MM-DD]")
	}
	if limit < 0 {
		return usagef("audit --limit: must not be negative")
	}
	if limit == 0 || limit > maxAuditLines {
		limit = maxAuditLines
	}
	if since != "" {
		if _, err := time.Parse(time.DateOnly, since); err != nil {
			return usagef("audit --since: %q is not a date YYYY-MM-DD", since)
		}
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		services := app.New(st)
		sc, err := p.operatorScope(ctx, services, community)
		if err != nil {
			return err
		}
		loc := sc.Community.Location()
		var from time.Time
		if since != "" {
			from, _ = time.ParseInLocation(time.DateOnly, since, loc)
		}
		entries, err := services.District.AuditLog(ctx, sc, limit, from)
		if err != nil {
			return fmt.Errorf("read the audit log of %s: %w", community, err)
		}
		for _, e := range entries {
			fmt.Fprintln(p.stdout, formatAudit(e, loc))
		}
		if len(entries) == 0 {
			fmt.Fprintf(p.stderr, "no audit entries for %s\n", community)
		}
		return nil
	})
}

// formatAudit is one audit entry on one line; user-typed text with line
// breaks is folded so that every entry stays on its line.
func formatAudit(e ll.AuditEntry, loc *time.Location) string {
	fields := []string{e.Time.In(loc).Format("2006-01-02 15:04:05"), e.Actor, e.Action}
	if e.Object != "" {
		fields = append(fields, e.Object)
	}
	if e.Detail != "" {
		fields = append(fields, strings.Join(strings.Fields(e.Detail), " "))
	}
	return strings.Join(fields, "  ")
}

// communityErr turns a failed community lookup into a message for the operator.
func communityErr(id string, err error) error {
	if errors.Is(err, ll.ErrNotFound) {
		return fmt.Errorf("community %q not found (create it with: lamplighter community add --id %s --name <name>)", id, id)
	}
	return fmt.Errorf("load community %s: %w", id, err)
}

// userMessage is the safe message of a domain error, or its text.
func userMessage(err error) string {
	var de *ll.Error
	if errors.As(err, &de) && de.Message != "" {
		return de.Message
	}
	return err.Error()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// readImportFile reads an import file, or standard input (at most limit
// bytes) when file is "-".
func (p *program) readImportFile(file string, limit int64) ([]byte, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(p.stdin, limit))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return data, nil
}

// badRows prints every bad row of an import file with its line and refuses
// the whole file when there is any.
func (p *program) badRows(file string, bad []rowError) error {
	if len(bad) == 0 {
		return nil
	}
	for _, e := range bad {
		fmt.Fprintf(p.stderr, "%s:%d: %s\n", file, e.Line, e.Msg)
	}
	return fmt.Errorf("%s: %d bad %s; nothing imported", file, len(bad), plural(len(bad), "row", "rows"))
}
