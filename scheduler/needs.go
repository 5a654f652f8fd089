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

// needs queues what is due about the community's needs.
func (s *Scheduler) needs(ctx context.Context, c ll.Community, now time.Time) error {
	if s.cfg.Needs == nil {
		return nil
	}
	msgs, err := s.cfg.Needs.NeedSweep(ctx, c, now)
	if err == nil {
		err = s.enqueue(ctx, msgs)
	}
	if err != nil {
		return fmt.Errorf("needs: %w", err)
	}
	return nil
}
