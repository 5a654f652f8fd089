package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/alicebob/miniredis/v2"

	"github.com/lamplighter-bot/lamplighter/storage"
)

const demoUsage = `Usage:
  lamplighter demo [--as <member>]

Try the bot offline: an in-process Redis-compatible store (nothing is kept)
seeded with a demo district, and a chat with the bot in this terminal. No
Telegram, no Redis server. --as picks who you are (default: the secretary of
dongan, M1): M3, xiyuan:M1, or a Telegram user id such as 99999 (a newcomer).
The demo also serves the statements' verify pages on a loopback port
(--http, printed at start): /statement sends a certificate whose QR code
and link open in a browser on this machine.`

// demo runs "demo": the demo district in miniredis and the terminal chat.
func (p *program) demo(ctx context.Context, args []string) error {
	var as, httpAddr string
	fs := p.flagSet("demo", func(fs *flag.FlagSet) {
		fs.StringVar(&as, "as", "M1", "who you are: M3 (of dongan), <community>:M3 or a Telegram user id")
		fs.StringVar(&httpAddr, "http", "127.0.0.1:0", "loopback address of the demo's verify pages (port 0: any free port)")
	})
	if err := p.parse(fs, args, demoUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo: unexpected argument %q", fs.Arg(0))
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return fmt.Errorf("start the in-process store: %w", err)
	}
	defer mr.Close()
	st, err := storage.Connect(ctx, storage.Config{URL: "redis://" + mr.Addr() + "/0", Now: p.now})
	if err != nil {
		return fmt.Errorf("demo store: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("demo store: %w", err)
	}
	d, err := seedDemo(ctx, st, p.now())
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	admins := append(append([]int64(nil), p.cfg.Admins...), demoAdminTG)
	r := &resolver{store: st, community: demoCommunity, admins: admins}
	_, who, err := r.resolve(ctx, as)
	if err != nil {
		return usagef("demo --as %s: %v", as, err)
	}
	stop, err := p.demoWeb(st, httpAddr)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprint(p.stdout, demoBanner(d, who))
	fmt.Fprintf(p.stdout, "Verify pages: %s/verify/… (/statement sends a certificate with its link)\n", p.cfg.PublicURL)
	fmt.Fprint(p.stdout, p.demoMiniAppLinks())
	return p.chat(ctx, st, as, demoCommunity, admins)
}

// demoBanner says what the demo holds, who you are and how to move around.
func demoBanner(d demoDistrict, who string) string {
	var b strings.Builder
	b.WriteString("Lamplighter demo: a demo district in memory. Nothing is kept and nothing goes to Telegram.\n")
	for _, c := range d.Communities {
		fmt.Fprintf(&b, "  %s %s: %d members", c.ID, c.Name, len(d.Members[c.ID]))
		if c.ID == demoCommunity {
			fmt.Fprintf(&b, ", %d posts, %d teams", len(d.Posts), len(d.Teams))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "You are %s.\n", who)
	b.WriteString("Try:\n")
	for _, l := range [][2]string{
		{"/help", "what you may do here"},
		{"/as M3", "become member M3 of " + demoCommunity + " (also /as xiyuan:M1, or a Telegram id: /as 10003)"},
		{fmt.Sprintf("/as %d", demoNewcomerTG), "a newcomer, not registered anywhere; then /join " + demoInviteCode},
		{fmt.Sprintf("/as %d", demoAdminTG), "the district admin (/communities, /use xiyuan)"},
		{fmt.Sprintf("/as %d", demoLiaisonTG), "the liaison of unit U1 区人民法院 (/unit); the admin has /units, /unit U2"},
		{fmt.Sprintf("/as %d", demoResidentTG), "a resident with two needs (/reply N2 …; /start need_dongan asks again); /as M1: /needs, /publish N1; /as M5: /take N2"},
		{"/lang en", "answers in English (/lang zh for Chinese)"},
		{"/statement", "your certificate of the year: its QR code and link open the verify page in a browser"},
		{"/withdraw " + d.Waitlisted.ID, "as M1: free your seat of the full " + d.Waitlisted.ID + "; M4, first on its waitlist, is offered it"},
		{"/quit", "leave"},
	} {
		fmt.Fprintf(&b, "  %-12s %s\n", l[0], l[1])
	}
	b.WriteString("Buttons show as numbered choices: type the number to press one. Messages to\n")
	b.WriteString("other people print as \"→ M3 (name): …\".\n")
	return b.String()
}
