package app

import (
	"context"
	"fmt"
	"slices"

	ll "github.com/lamplighter-bot/lamplighter"
)

// The committee's activities page and full-screen presenter of the Mini
// App (SPEC section 12): the activities under way or to come with their
// check-in counts, and the presenter screen of one, which shows the same
// codes as /present.

// CurrentActivity is an activity not ended, with the members checked in.
type CurrentActivity struct {
	Activity  ll.Activity // without its code and secret
	CheckedIn int
}

// MaxCurrentActivities bounds Current: the activities under way or to come
// that one page lists (the soonest).
const MaxCurrentActivities = 50

// Current returns the scope community's activities that are not cancelled
// and have not ended at the scope's now, by start (the first
// MaxCurrentActivities), without their codes, each with the number of
// members checked in (the store's count, as the presenter shows it). It
// changes nothing. Errors: the store's.
func (s *Activities) Current(ctx context.Context, sc *Scope) ([]CurrentActivity, error) {
	all, err := s.store.Activities(ctx, sc.Community.ID)
	if err != nil {
		return nil, fmt.Errorf("list activities of %s: %w", sc.Community.ID, err)
	}
	var out []CurrentActivity
	for _, a := range all {
		if !a.Cancelled && a.End.After(sc.Now) {
			out = append(out, CurrentActivity{Activity: memberView(a)})
		}
	}
	slices.SortStableFunc(out, func(x, y CurrentActivity) int { return x.Activity.Start.Compare(y.Activity.Start) })
	out = out[:min(len(out), MaxCurrentActivities)]
	for i := range out {
		n, err := s.store.CheckedIn(ctx, sc.Community.ID, out[i].Activity.ID)
		if err != nil {
			return nil, fmt.Errorf("checked in to %s/%s: %w", sc.Community.ID, out[i].Activity.ID, err)
		}
		out[i].CheckedIn = n
	}
	return out, nil
}

// Screen is the presenter screen of activity id for the actor at the
// actor's now, on a screen of their own (the Mini App's full-screen
// presenter, which asks for it at each code step): the same Frame as
// /present. Who may: as for Start (the committee of the activity's
// community, or a leader of the activity's team). The first call, or the
// first after someone else presented it, records Activity.PresentedBy = the
// actor, audited as "present" with the actor's channel (changed is then
// true); later calls change nothing, so a reload or a later tap writes
// nothing (two first calls racing each other may both record the same
// presenter, each with its entry). Errors: as for Start.
func (s *Presenter) Screen(ctx context.Context, ac Actor, id string) (f Frame, changed bool, err error) {
	community, actor, err := s.who(ctx, ac, id)
	if err != nil {
		return Frame{}, false, err
	}
	a, err := s.store.Activity(ctx, community, id)
	if err != nil {
		return Frame{}, false, err
	}
	_, closes := a.CheckInWindow()
	switch {
	case a.Cancelled:
		return Frame{}, false, ll.Refuse(ll.ECONFLICT, ll.ReasonCancelled)
	case ac.Now.After(closes):
		return Frame{}, false, ll.Refuse(ll.ECONFLICT, ll.ReasonEnded)
	case a.CheckInMode() == ll.CheckInLocation:
		return Frame{}, false, ll.Refuse(ll.ECONFLICT, ll.ReasonLocationOnly)
	}
	if a.PresentedBy != actor {
		audit := &ll.AuditEntry{Time: ac.Now, Community: community, Actor: actor, Action: "present", Object: id}
		if ac.Channel == ChannelWebApp || ac.Channel == ChannelCLI {
			audit.Detail = "via " + string(ac.Channel)
		}
		if err := s.store.SetPresentedBy(ctx, community, id, actor, audit); err != nil {
			return Frame{}, false, err
		}
		a.PresentedBy, changed = actor, true
	}
	f, err = s.frame(ctx, a, ac.Now)
	return f, changed, err
}
