package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// PresenterStore is what Presenter reads and writes.
type PresenterStore interface {
	MemberReader
	// Activity returns one activity with Signups filled in; ErrNotFound if unknown.
	Activity(ctx context.Context, community, id string) (ll.Activity, error)
	// Team returns a team with its Leaders; ErrNotFound if unknown.
	Team(ctx context.Context, community, id string) (ll.Team, error)
	// SetPresentedBy records who presents an activity now, with its audit entry.
	SetPresentedBy(ctx context.Context, community, activity, memberID string, audit *ll.AuditEntry) error
	// CheckedIn counts the members whose participation in an activity counts.
	CheckedIn(ctx context.Context, community, activity string) (int, error)
	// Presentation returns the presentation of a message; ErrNotFound if none.
	Presentation(ctx context.Context, chat int64, msg int) (ll.Presentation, error)
	// PresentationOf returns the latest presentation of an activity in a
	// chat; ErrNotFound if none.
	PresentationOf(ctx context.Context, chat int64, community, activity string) (ll.Presentation, error)
	// StopPresentation marks a presentation stopped: its next edit closes it.
	StopPresentation(ctx context.Context, chat int64, msg int) (p ll.Presentation, changed bool, err error)
	// Audit appends one entry to a community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
}

// Presenter is the presenter screen (SPEC section 9): the committee of an
// activity's community, or a leader of the activity's team, shows its
// check-in code as a QR code that the bot renews at each code step while
// check-in is open.
type Presenter struct {
	store  PresenterStore
	access *Access
}

// Frame is what a presenter screen shows at one moment.
type Frame struct {
	Activity  ll.Activity // without its code and secret
	Community string
	Code      string    // the code to type or scan now; "" while check-in is not open
	Changes   time.Time // when Code changes; zero for a static code
	CheckedIn int       // members whose participation counts now
	Opens     time.Time // when check-in opens
	Closes    time.Time // when it closes
	Closed    bool      // check-in closed (or the activity was cancelled): the screen ends
}

// Start begins presenting an activity in chat for the actor, or, when the
// actor already presents it there, stops that presentation (stopped is then
// set and the Frame is empty; audited as "present" with detail "stop"). Who may: the committee of the activity's
// community (Access.Committee's scope), or a member leading the activity's
// team. It records Activity.PresentedBy = the actor's member id, audited as
// "present". Errors: ErrNotMember; ErrForbidden (neither committee nor the
// team's leader); ErrNotFound; ECONFLICT with ReasonCancelled, ReasonEnded
// (check-in has closed) or ReasonLocationOnly; the store's errors.
func (s *Presenter) Start(ctx context.Context, ac Actor, chat int64, id string) (f Frame, stopped *ll.Presentation, err error) {
	community, actor, err := s.who(ctx, ac, id)
	if err != nil {
		return Frame{}, nil, err
	}
	if p, err := s.store.PresentationOf(ctx, chat, community, id); err == nil && !p.Stopped {
		if _, _, err := s.store.StopPresentation(ctx, chat, p.MessageID); err != nil {
			return Frame{}, nil, err
		}
		p.Stopped = true
		return Frame{}, &p, s.stopped(ctx, community, actor, id, ac.Now)
	} else if err != nil && !errors.Is(err, ll.ErrNotFound) {
		return Frame{}, nil, err
	}
	a, err := s.store.Activity(ctx, community, id)
	if err != nil {
		return Frame{}, nil, err
	}
	_, closes := a.CheckInWindow()
	switch {
	case a.Cancelled:
		return Frame{}, nil, ll.Refuse(ll.ECONFLICT, ll.ReasonCancelled)
	case ac.Now.After(closes):
		return Frame{}, nil, ll.Refuse(ll.ECONFLICT, ll.ReasonEnded)
	case a.CheckInMode() == ll.CheckInLocation:
		return Frame{}, nil, ll.Refuse(ll.ECONFLICT, ll.ReasonLocationOnly)
	}
	audit := &ll.AuditEntry{Time: ac.Now, Community: community, Actor: actor, Action: "present", Object: id}
	if err := s.store.SetPresentedBy(ctx, community, id, actor, audit); err != nil {
		return Frame{}, nil, err
	}
	a.PresentedBy = actor
	f, err = s.frame(ctx, a, ac.Now)
	return f, nil, err
}

// who decides whether the actor may present activity id: the committee in
// its scope's community, or a member of their own community leading the
// activity's team. It returns the community and the actor's audit name.
func (s *Presenter) who(ctx context.Context, ac Actor, id string) (community, actor string, err error) {
	sc, err := s.access.Committee(ctx, ac)
	if err == nil {
		return sc.Community.ID, sc.Actor, nil
	}
	if !errors.Is(err, ll.ErrForbidden) || ll.ErrorDetail(err) != "" {
		return "", "", err
	}
	m, err := self(ctx, s.store, ac)
	if err != nil {
		return "", "", err
	}
	a, err := s.store.Activity(ctx, m.Community, id)
	if err != nil {
		return "", "", err
	}
	if a.Team == "" {
		return "", "", ll.ErrForbidden
	}
	t, err := s.store.Team(ctx, m.Community, a.Team)
	if err != nil {
		return "", "", err
	}
	if !slices.Contains(t.Leaders, m.ID) {
		return "", "", ll.ErrForbidden
	}
	return m.Community, m.ID, nil
}

// Frame is the screen of a running presentation at now: the code valid
// now (CodeAt of the activity's secret for a rotating code, its static code
// otherwise), when it changes, and the number checked in. Closed is set
// once check-in has closed or the activity was cancelled. It is for the
// presenter worker, which edits only presentations that Start allowed.
func (s *Presenter) Frame(ctx context.Context, p ll.Presentation, now time.Time) (Frame, error) {
	a, err := s.store.Activity(ctx, p.Community, p.Activity)
	if err != nil {
		return Frame{}, err
	}
	return s.frame(ctx, a, now)
}

func (s *Presenter) frame(ctx context.Context, a ll.Activity, now time.Time) (Frame, error) {
	n, err := s.store.CheckedIn(ctx, a.Community, a.ID)
	if err != nil {
		return Frame{}, err
	}
	opens, closes := a.CheckInWindow()
	f := Frame{Community: a.Community, CheckedIn: n, Opens: opens, Closes: closes, Closed: a.Cancelled || now.After(closes)}
	switch {
	case f.Closed || now.Before(opens) || a.CheckInMode() == ll.CheckInLocation:
	case a.CheckInMode() == ll.CheckInRotating:
		secret, err := hex.DecodeString(a.Secret)
		if err != nil || len(secret) == 0 {
			return Frame{}, fmt.Errorf("activity %s/%s: no rotating secret", a.Community, a.ID)
		}
		f.Code = ll.CodeAt(secret, now)
		f.Changes = time.Unix((ll.CodeStepAt(now)+1)*int64(ll.CodeStep/time.Second), 0)
	default:
		f.Code = a.Code
	}
	f.Activity = memberView(a)
	f.Activity.Secret = ""
	return f, nil
}

// Stop stops the presentation of a message ([Stop]): the one who started
// it, or the committee of its community, may; audited as "present" with
// detail "stop". It returns the presentation;
// changed is false when it was stopped already. Errors: ErrNotFound (none
// runs there); ErrForbidden; Access.Committee's errors for someone else.
func (s *Presenter) Stop(ctx context.Context, ac Actor, chat int64, msg int) (p ll.Presentation, changed bool, err error) {
	p, err = s.store.Presentation(ctx, chat, msg)
	if err != nil {
		return ll.Presentation{}, false, err
	}
	if p.Presenter != ac.TelegramID {
		sc, err := s.access.Committee(ctx, ac)
		if err != nil {
			return ll.Presentation{}, false, err
		}
		if sc.Community.ID != p.Community {
			return ll.Presentation{}, false, ll.ErrForbidden
		}
	}
	p, changed, err = s.store.StopPresentation(ctx, chat, msg)
	if err != nil || !changed {
		return p, changed, err
	}
	return p, true, s.stopped(ctx, p.Community, ac.AuditName(p.Community), p.Activity, ac.Now)
}

// stopped audits that actor stopped presenting an activity: "present" with
// detail "stop".
func (s *Presenter) stopped(ctx context.Context, community, actor, id string, now time.Time) error {
	return s.store.Audit(ctx, ll.AuditEntry{Time: now, Community: community, Actor: actor, Action: "present", Object: id, Detail: "stop"})
}
