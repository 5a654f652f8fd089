package scheduler

import (
	"context"
	"fmt"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// NeedSweeper says what is due about a community's needs at now (SPEC
// section 10): the takers' reminders the day before a due date, the
// committee's notices of overdue needs and of needs their asker left
// unanswered. Each event is claimed in the store by exactly one call, so
// two replicas and restarts never repeat one; the messages have ids that
// name the event, so queueing them again adds nothing. handlers.Handlers
// implements it.
type NeedSweeper interface {
	NeedSweep(ctx context.Context, c ll.Community, now time.Time) ([]ll.OutMessage, error)
}

// needs queues what is due about the community's needs: scheduled
// messages, so quiet hours hold them like the other reminders.
func (s *Scheduler) needs(ctx context.Context, c ll.Community, now time.Time) error {
	if s.cfg.Needs == nil {
		return nil
	}
	msgs, err := s.cfg.Needs.NeedSweep(ctx, c, now)
	tm := s.timing(c, now)
	for i := range msgs {
		msgs[i].Due, msgs[i].Quiet, msgs[i].Zone = tm.due, tm.quiet, tm.zone
	}
	if err == nil {
		err = s.enqueue(ctx, msgs)
	}
	if err != nil {
		return fmt.Errorf("needs: %w", err)
	}
	return nil
}

// NeedsReader lists a community's needs; *storage.Store implements it. The
// digest counts them when the Store has it.
type NeedsReader interface {
	Needs(ctx context.Context, community string) ([]ll.Need, error)
}

// digestNeeds adds the year's needs figures to the digest d.
func (s *Scheduler) digestNeeds(l *loader, d *ll.Digest) error {
	nr, ok := s.cfg.Store.(NeedsReader)
	if !ok {
		return nil
	}
	needs, err := nr.Needs(l.ctx, l.c.ID)
	if err != nil {
		return fmt.Errorf("needs of %s: %w", l.c.ID, err)
	}
	loc := l.c.Location()
	from := time.Date(d.Year, 1, 1, 0, 0, 0, 0, loc)
	f := ll.CountNeeds(needs, from, from.AddDate(1, 0, 0))
	d.Needs = &f
	for _, n := range needs {
		if n.Status == ll.NeedNew || n.Pending {
			d.NewNeeds++
		}
	}
	return nil
}
