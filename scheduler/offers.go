package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Waitlists (SPEC section 10): on every tick, in each community, the
// scheduler sweeps the seat offers (an offer unanswered when it expires
// passes on to the next member waiting; a free seat is offered) and counts
// the no-shows of activities whose check-in has closed. Both decisions are
// Lua scripts in the store, made once whatever the replicas; the sweep then
// queues the message of every live offer by the offer's id
// (ll.Offer.MessageID), so a message is queued once even when two replicas
// sweep at the same moment, or a replica died between making an offer and
// queueing it.

// OfferStore is what the sweep needs; *storage.Store implements it. The
// scheduler sweeps when its Store implements OfferStore and its Texts
// implement OfferTexts.
type OfferStore interface {
	// SweepOffers settles the community's waitlists at now and returns
	// every live offer (made of them now).
	SweepOffers(ctx context.Context, community string, now time.Time) (live []ll.Offer, made int, err error)
	// CountNoShows counts the no-shows of an activity once its check-in
	// closed; counted is false before then.
	CountNoShows(ctx context.Context, community, activityID string, now time.Time) (members []string, counted bool, err error)
}

// OfferTexts words a seat offer with its buttons; handlers.Texts implements it.
type OfferTexts interface {
	SeatOffer(lang string, c ll.Community, a ll.Activity, o ll.Offer) ll.Reply
}

// waitlists sweeps the community's offers and counts its no-shows.
func (s *Scheduler) waitlists(ctx context.Context, sn *loader) error {
	st, ok := s.cfg.Store.(OfferStore)
	tx, ok2 := s.cfg.Texts.(OfferTexts)
	if !ok || !ok2 {
		return nil
	}
	live, made, err := st.SweepOffers(ctx, sn.c.ID, sn.now)
	if err != nil {
		return fmt.Errorf("sweep offers: %w", err)
	}
	if made > 0 {
		s.log.Info("seats offered", "community", sn.c.ID, "offers", made)
	}
	var errs []error
	if len(live) > 0 {
		acts, err := sn.activities()
		if err != nil {
			return err
		}
		byID := make(map[string]ll.Activity, len(acts))
		for _, a := range acts {
			byID[a.ID] = a
		}
		msgs := make([]ll.OutMessage, 0, len(live))
		for _, o := range live {
			a, ok := byID[o.Activity]
			if !ok || o.TelegramID == 0 {
				continue
			}
			lang := o.Language
			if !ll.ValidLanguage(lang) {
				lang = language(ll.Member{}, sn.c)
			}
			msgs = append(msgs, o.Message(tx.SeatOffer(lang, sn.c, a, o)))
		}
		if err := s.enqueue(ctx, msgs); err != nil {
			errs = append(errs, fmt.Errorf("queue offers: %w", err))
		}
	}
	if err := s.noShows(ctx, st, sn); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// noShows counts the no-shows of each activity whose check-in closed
// within the catch-up window, once per activity (the store's marker; this
// process remembers the activities it saw counted).
func (s *Scheduler) noShows(ctx context.Context, st OfferStore, sn *loader) error {
	acts, err := sn.activities()
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range acts {
		closes := a.End.Add(ll.CheckInClosesAfter)
		if a.Cancelled || closes.After(sn.now) || closes.Before(sn.now.Add(-s.cfg.CatchUp)) {
			continue
		}
		key := sn.c.ID + "/noshows/" + a.ID
		if s.settled(key) {
			continue
		}
		ms, counted, err := st.CountNoShows(ctx, sn.c.ID, a.ID, sn.now)
		if err != nil {
			errs = append(errs, fmt.Errorf("no-shows of %s: %w", a.ID, err))
			continue
		}
		if len(ms) > 0 {
			s.log.Info("no-shows counted", "community", sn.c.ID, "activity", a.ID, "members", len(ms))
		}
		if counted {
			s.settle(key, closes)
		}
	}
	return errors.Join(errs...)
}
