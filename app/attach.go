package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Broadcasts that act (SPEC section 10): /broadcast <audience> A7|P3|N4
// [text] attaches an activity, post or need to a broadcast. Each
// recipient's message carries the object's card and its button; pressing
// it calls the very service the command calls (Activities.SignUp,
// Posts.Claim, and for needs the needs' Take), so no rule is written twice.
//
// What an attachment may be is one table, attachers, keyed by the id's
// letter: a kind of object becomes attachable by adding its entry (the
// chat's table of cards and presses, handlers/attach.go, has the matching
// entry).

// AttachStore is what attachments read and write; *storage.Store
// implements it.
type AttachStore interface {
	// Activity returns one activity; ErrNotFound if unknown.
	Activity(ctx context.Context, community, id string) (ll.Activity, error)
	// Post returns one post with Claims filled in; ErrNotFound if unknown.
	Post(ctx context.Context, community, id string) (ll.Post, error)
	// Need returns one need; ErrNotFound if unknown.
	Need(ctx context.Context, community, id string) (ll.Need, error)
	// SaveBroadcastNote keeps the text of broadcast id (of community) for
	// ttl, so that a press on its button can show it again.
	SaveBroadcastNote(ctx context.Context, community, id, text string, ttl time.Duration) error
	// BroadcastNote is the text SaveBroadcastNote kept; ErrNotFound once
	// it expired or for an unknown id.
	BroadcastNote(ctx context.Context, community, id string) (string, error)
}

// BroadcastNoteTTL is how long a broadcast's text is kept for its buttons.
const BroadcastNoteTTL = 30 * 24 * time.Hour

// Attached is the object a broadcast carries, as of when it was read: one
// of Activity, Post and Need is set.
type Attached struct {
	Ref      string // A7, P3, N4: canonical
	Activity *ll.Activity
	Post     *ll.Post
	Need     *ll.Need // without its asker, photo or location: what members see of it
}

// attacher loads the object of one kind in community for a broadcast.
type attacher func(ctx context.Context, s AttachStore, community, id string) (Attached, error)

// attachers are the kinds of object a broadcast may carry, by the letter of
// their id.
var attachers = map[byte]attacher{
	'A': func(ctx context.Context, s AttachStore, community, id string) (Attached, error) {
		a, err := s.Activity(ctx, community, id)
		if err != nil {
			return Attached{}, err
		}
		a = memberView(a)
		return Attached{Ref: a.ID, Activity: &a}, nil
	},
	'P': func(ctx context.Context, s AttachStore, community, id string) (Attached, error) {
		p, err := s.Post(ctx, community, id)
		if err != nil {
			return Attached{}, err
		}
		p.Target = "" // a broadcast never shows a pairing target
		return Attached{Ref: p.ID, Post: &p}, nil
	},
	'N': func(ctx context.Context, s AttachStore, community, id string) (Attached, error) {
		n, err := s.Need(ctx, community, id)
		if err != nil {
			return Attached{}, err
		}
		// A broadcast shows members what the need's announcement shows: its
		// text, skills, helpers and due date, never who asked.
		n.AskerID, n.AskerLang, n.PhotoID, n.Location, n.Reason = 0, "", "", nil, ""
		return Attached{Ref: n.ID, Need: &n}, nil
	},
}

// AttachError is a refusal of the object a broadcast was to carry (Ref as
// typed), rather than of its audience or text; Err is the domain error.
type AttachError struct {
	Ref string
	Err error
}

func (e *AttachError) Error() string { return "attach " + e.Ref + ": " + e.Err.Error() }

// Unwrap is the domain error.
func (e *AttachError) Unwrap() error { return e.Err }

// ParseAttachment reads an attachment id as typed (a7, P3, n4): its
// canonical form, or ok false when s is not the id of a kind in attachers.
func ParseAttachment(s string) (ref string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	letter := s[0]
	if letter >= 'a' && letter <= 'z' {
		letter -= 'a' - 'A'
	}
	if _, known := attachers[letter]; !known {
		return "", false
	}
	ref = ll.NormalizeID(letter, s)
	return ref, ref != ""
}

// load reads the attachment ref in community through its kind's entry.
func (s *Broadcasts) load(ctx context.Context, community, ref string) (Attached, error) {
	ref, ok := ParseAttachment(ref)
	if !ok {
		return Attached{}, ll.Invalid("attach", "not an activity, post or need id")
	}
	return attachers[ref[0]](ctx, s.store, community, ref)
}

// Attach checks that ref may ride on a broadcast of the scope's community
// now and returns it: an activity neither cancelled nor ended, an open
// post, a published need still wanting helpers (a new one is published
// with /publish first). Errors: EINVALID Field "attach" (no such kind of
// id); ErrNotFound; ECONFLICT with ReasonCancelled, ReasonEnded (activity),
// ReasonClosed (post) or ReasonNeedState (need); the store's.
func (s *Broadcasts) Attach(ctx context.Context, sc *Scope, ref string) (Attached, error) {
	at, err := s.load(ctx, sc.Community.ID, ref)
	if err != nil {
		return Attached{}, err
	}
	switch {
	case at.Activity != nil && at.Activity.Cancelled:
		return Attached{}, ll.Refuse(ll.ECONFLICT, ll.ReasonCancelled)
	case at.Activity != nil && !at.Activity.End.After(sc.Now):
		return Attached{}, ll.Refuse(ll.ECONFLICT, ll.ReasonEnded)
	case at.Post != nil && at.Post.Closed:
		return Attached{}, ll.Refuse(ll.ECONFLICT, ll.ReasonClosed)
	case at.Need != nil && at.Need.Status != ll.NeedPublished:
		return Attached{}, ll.Refuse(ll.ECONFLICT, ll.ReasonNeedState)
	}
	return at, nil
}

// AttachedNow is the attachment ref as the actor's community holds it now,
// for the card a press shows again (any state: a cancelled activity, a
// closed post). Errors: ErrNotMember without a membership; ErrNotFound
// (deleted, or never the community's); EINVALID Field "attach".
func (s *Broadcasts) AttachedNow(ctx context.Context, ac Actor, ref string) (Attached, error) {
	p := ac.Self()
	if p.MemberID == "" {
		return Attached{}, ll.ErrNotMember
	}
	return s.load(ctx, p.Community, ref)
}

// Note is the text of the actor's community's broadcast whose id ends in
// suffix (the part after "<community>-"): what a press on its button shows
// again. Errors: ErrNotMember without a membership; ErrNotFound when the
// broadcast is not one of the actor's community (a member who moved since,
// forged data) or its text is no longer kept (after BroadcastNoteTTL); the
// store's.
func (s *Broadcasts) Note(ctx context.Context, ac Actor, suffix string) (string, error) {
	p := ac.Self()
	if p.MemberID == "" {
		return "", ll.ErrNotMember
	}
	text, err := s.store.BroadcastNote(ctx, p.Community, p.Community+"-"+suffix)
	if err != nil && !errors.Is(err, ll.ErrNotFound) {
		return "", fmt.Errorf("note of broadcast %s-%s: %w", p.Community, suffix, err)
	}
	return text, err
}

// BroadcastSuffix is the part of a broadcast id after "<community>-", what
// a broadcast's button carries (the presser's community is the rest).
func BroadcastSuffix(community, id string) string {
	return strings.TrimPrefix(id, community+"-")
}
