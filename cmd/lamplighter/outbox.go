package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
)

const outboxUsage = `Usage:
  lamplighter outbox status [--dead <n>]
  lamplighter outbox requeue

status shows what the outbox holds (every replica shares it): messages
waiting and in flight, dead letters with the reason of their last failure,
and the counters since the outbox began. requeue puts every dead letter back
in its chat's queue, due now, with its attempts reset.`

// outbox runs "outbox status" and "outbox requeue".
func (p *program) outbox(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("outbox: want status or requeue")
	}
	switch args[0] {
	case "status":
		return p.outboxStatus(ctx, args[1:])
	case "requeue":
		return p.outboxRequeue(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(p.stdout, outboxUsage)
		return nil
	}
	return usagef("outbox: unknown subcommand %q (want status or requeue)", args[0])
}

func (p *program) outboxStatus(ctx context.Context, args []string) error {
	dead := 10
	fs := p.flagSet("outbox status", func(fs *flag.FlagSet) {
		fs.IntVar(&dead, "dead", dead, "list at most this many dead letters (0: none)")
	})
	if err := p.parse(fs, args, outboxUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("outbox status: unexpected argument %q", fs.Arg(0))
	}
	if dead < 0 {
		return usagef("outbox status --dead: must not be negative")
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	st, err := p.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	now := p.now()
	s, err := st.OutboxStatus(ctx, now)
	if err != nil {
		return fmt.Errorf("outbox status: %w", err)
	}
	w := p.stdout
	fmt.Fprintf(w, "queued       %d (%d %s)\n", s.Queued, s.Chats, plural(s.Chats, "chat", "chats"))
	fmt.Fprintf(w, "in flight    %d\n", s.InFlight)
	fmt.Fprintf(w, "oldest       %s\n", age(s.Oldest))
	fmt.Fprintf(w, "overdue      %s\n", age(s.Overdue))
	fmt.Fprintf(w, "dead         %d\n", s.Dead)
	fmt.Fprintf(w, "rate factor  %.3g\n", s.RateFactor)
	fmt.Fprintf(w, "since the start: enqueued %d, sent %d, unreachable %d, expired %d, failed attempts %d, 429s %d, deferred %d, reclaimed %d\n",
		s.Enqueued, s.Sent, s.Unreachable, s.Expired, s.Failed, s.RateLimited, s.Deferred, s.Reclaimed)
	if dead == 0 || s.Dead == 0 {
		return nil
	}
	letters, err := st.DeadLetters(ctx, dead)
	if err != nil {
		return fmt.Errorf("outbox status: %w", err)
	}
	fmt.Fprintf(w, "dead letters, latest first (lamplighter outbox requeue puts them back):\n")
	for _, d := range letters {
		fmt.Fprintf(w, "  %s  %s  chat %d  %s  %d %s: %s\n", d.Died.In(time.Local).Format("2006-01-02 15:04:05"), d.Message.ID,
			d.Message.ChatID, d.Message.Kind, d.Attempts, plural(d.Attempts, "attempt", "attempts"), strings.Join(strings.Fields(d.Reason), " "))
	}
	return nil
}

// age is a duration for the status, rounded, "-" for none.
func age(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return d.Round(time.Second).String()
}

func (p *program) outboxRequeue(ctx context.Context, args []string) error {
	fs := p.flagSet("outbox requeue", nil)
	if err := p.parse(fs, args, outboxUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("outbox requeue: unexpected argument %q", fs.Arg(0))
	}
	if err := p.setup(false, slog.LevelWarn); err != nil {
		return err
	}
	st, err := p.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Requeue(ctx, p.now())
	if err != nil {
		return fmt.Errorf("outbox requeue: %w", err)
	}
	fmt.Fprintf(p.stdout, "requeued %d dead %s\n", n, plural(n, "letter", "letters"))
	return nil
}

// noticeFailed tells the secretaries of the community whose notice chat m
// was for that the bot cannot post there (SPEC section 5). It is the outbox
// sender's OnFailure: called for a message that will not be delivered.
func noticeFailed(st *storage.Store, log *slog.Logger) func(ctx context.Context, m ll.OutMessage, err error) {
	return func(ctx context.Context, m ll.OutMessage, err error) {
		if m.ChatID >= 0 || m.Kind == ll.OutProgress {
			return // a notice chat is a group or a channel
		}
		cs, cerr := st.Communities(ctx)
		if cerr != nil {
			log.Warn("notice failure: list communities", "err", cerr)
			return
		}
		for _, c := range cs {
			if c.NoticeChat != m.ChatID {
				continue
			}
			ms, merr := st.Members(ctx, c.ID)
			if merr != nil {
				log.Warn("notice failure: list members", "community", c.ID, "err", merr)
				return
			}
			var out []ll.OutMessage
			for _, s := range ms {
				if !s.Active() || s.Role != ll.RoleSecretary || s.TelegramID == 0 {
					continue
				}
				lang := c.Language
				if ll.ValidLanguage(s.Language) {
					lang = s.Language
				}
				out = append(out, ll.OutMessage{ID: "nf:" + m.ID + ":" + s.ID, ChatID: s.TelegramID, Kind: ll.OutDirect,
					Community: c.ID, Member: s.ID, Lang: lang, Reply: handlers.Texts{}.NoticeFailed(lang, c, err.Error())})
			}
			if len(out) == 0 {
				log.Warn("the notice chat refuses the bot's messages and the community has no secretary to tell", "community", c.ID, "chat_id", m.ChatID)
				return
			}
			if _, qerr := st.Enqueue(ctx, out...); qerr != nil {
				log.Warn("notice failure: tell the secretary", "community", c.ID, "err", qerr)
			}
		}
	}
}

// wakingOutbox is the store as the outbox of this process's handlers,
// adapter and scheduler: after queueing messages it wakes the local sender,
// so that they go out at once rather than after its idle wait.
type wakingOutbox struct {
	*storage.Store
	wake func() // set before anything is queued
}

// Enqueue queues messages and wakes the sender.
func (w *wakingOutbox) Enqueue(ctx context.Context, msgs ...ll.OutMessage) (int, error) {
	n, err := w.Store.Enqueue(ctx, msgs...)
	if n > 0 && w.wake != nil {
		w.wake()
	}
	return n, err
}

// EnqueueRun queues a scheduled run's messages and wakes the sender (which
// then waits, by the claim's hint, until they are due).
func (w *wakingOutbox) EnqueueRun(ctx context.Context, run string, msgs []ll.OutMessage) (int, error) {
	n, err := w.Store.EnqueueRun(ctx, run, msgs)
	if n > 0 && w.wake != nil {
		w.wake()
	}
	return n, err
}

// EnqueueBroadcast queues a broadcast and wakes the sender.
func (w *wakingOutbox) EnqueueBroadcast(ctx context.Context, b ll.Broadcast, msgs []ll.OutMessage) (bool, int, error) {
	created, n, err := w.Store.EnqueueBroadcast(ctx, b, msgs)
	if (created || n > 0) && w.wake != nil {
		w.wake()
	}
	return created, n, err
}
