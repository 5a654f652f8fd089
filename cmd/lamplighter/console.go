package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/lamplighter-bot/lamplighter/report"
	"log/slog"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
)

const consoleUsage = `Usage:
  lamplighter console --as <member> [--community <id>]

A chat with the bot in this terminal, against the configured Redis. <member>
is M3 (with --community), dongan:M3, or a Telegram user id (an admin, or
someone not registered yet). /as <member> switches user, a number presses a
button, /quit leaves. Messages the bot would send to other people are printed
as "→ M3 (name): …", not sent.`

// console runs "console": the terminal chat against the configured Redis.
func (p *program) console(ctx context.Context, args []string) error {
	var as, community string
	fs := p.flagSet("console", func(fs *flag.FlagSet) {
		fs.StringVar(&as, "as", "", "who you are: M3 (with --community), <community>:M3 or a Telegram user id")
		fs.StringVar(&community, "community", "", "community of a bare member id such as M3")
	})
	if err := p.parse(fs, args, consoleUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("console: unexpected argument %q", fs.Arg(0))
	}
	if as == "" {
		return usagef("console: --as <member> is required")
	}
	if community != "" && !ll.ValidCommunityID(community) {
		return usagef("console --community: %q is not a community id", community)
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	return p.withStore(ctx, func(st *storage.Store) error {
		return p.chat(ctx, st, as, community, p.cfg.Admins)
	})
}

// chat runs a terminal chat with the conversation on st as the user as, in
// which "/as" accepts members of defCommunity by bare id.
func (p *program) chat(ctx context.Context, st *storage.Store, as, defCommunity string, admins []int64) error {
	h := handlers.New(st, handlers.Config{Render: report.Renderer{},
		App:             p.newApp(st),
		Admins:          admins,
		BotUsername:     p.cfg.BotUsername,
		DefaultTimeZone: p.cfg.TimeZone,
		DefaultLanguage: p.cfg.Language,
		Now:             p.now,
		Logger:          p.log,
		WebAppURL:       p.cfg.WebAppURL,
	})
	r := &resolver{store: st, community: defCommunity, admins: admins}
	// Resolve the first user here, so that a wrong --as is one clear line.
	if _, _, err := r.resolve(ctx, as); err != nil {
		return usagef("--as %s: %v", as, err)
	}
	prompt := ""
	if isTerminal(p.stdin) {
		prompt = "> "
	}
	c, err := bot.NewConsole(bot.ConsoleConfig{
		In:           p.stdin,
		Out:          p.stdout,
		Handler:      h,
		Resolve:      r.resolve,
		As:           as,
		Prompt:       prompt,
		LanguageCode: p.cfg.Language,
	})
	if err != nil {
		return err
	}
	return c.Run(ctx)
}

// resolver turns what follows "/as" into a Telegram user id and a label.
type resolver struct {
	store     *storage.Store
	community string // for bare member ids ("M3"); none when empty
	admins    []int64
}

// resolve accepts a Telegram user id (registered or not), "<community>:M3",
// or "M3" in the resolver's community.
func (r *resolver) resolve(ctx context.Context, who string) (int64, string, error) {
	who = strings.TrimSpace(who)
	if tg, err := strconv.ParseInt(who, 10, 64); err == nil {
		if tg <= 0 {
			return 0, "", errors.New("a Telegram user id is a positive number")
		}
		return tg, r.telegramLabel(ctx, tg), nil
	}
	community, id, ok := strings.Cut(who, ":")
	if !ok {
		community, id = r.community, who
		if community == "" {
			return 0, "", fmt.Errorf("say which community: <community>:%s (or --community)", who)
		}
	}
	mid := ll.NormalizeID('M', id)
	if mid == "" {
		return 0, "", fmt.Errorf("%q is not a member id (M3), <community>:M3 or a Telegram user id", who)
	}
	m, err := r.store.Member(ctx, community, mid)
	if errors.Is(err, ll.ErrNotFound) {
		return 0, "", fmt.Errorf("no member %s in community %s", mid, community)
	}
	if err != nil {
		return 0, "", err
	}
	if m.TelegramID == 0 {
		return 0, "", fmt.Errorf("%s:%s has no Telegram id yet (they register through their personal invite)", community, mid)
	}
	return m.TelegramID, memberLabel(m), nil
}

// telegramLabel names a Telegram user by their membership, if any.
func (r *resolver) telegramLabel(ctx context.Context, tg int64) string {
	var notes []string
	for _, a := range r.admins {
		if a == tg {
			notes = append(notes, "district admin")
		}
	}
	if u, err := r.store.User(ctx, tg); err == nil && u.Community != "" && u.MemberID != "" {
		if m, err := r.store.Member(ctx, u.Community, u.MemberID); err == nil && m.Active() && m.TelegramID == tg {
			label := memberLabel(m)
			if len(notes) > 0 {
				label += ", " + strings.Join(notes, ", ")
			}
			return label
		}
	}
	if len(notes) == 0 {
		notes = append(notes, "not registered")
	}
	return fmt.Sprintf("Telegram user %d (%s)", tg, strings.Join(notes, ", "))
}

// memberLabel is "dongan:M1 李秀兰 (secretary, Telegram id 10001)".
func memberLabel(m ll.Member) string {
	var notes []string
	if m.Role != ll.RoleNone {
		notes = append(notes, string(m.Role))
	}
	if !m.Active() {
		notes = append(notes, m.Status)
	}
	notes = append(notes, "Telegram id "+strconv.FormatInt(m.TelegramID, 10))
	return fmt.Sprintf("%s:%s %s (%s)", m.Community, m.ID, m.Name, strings.Join(notes, ", "))
}
