package handlers

import (
	"errors"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Broadcasts that act (SPEC section 10): /broadcast <audience> A7|P3|N4
// [text] sends, with the text, the object's card and its button. A press
// does what the command does, through the same service call (sign-up:
// Waitlist.SignUp as /signup; claim: Posts.Claim as /claim; take: Needs.Take
// as [我来]), and edits
// only the presser's own message: the broadcast's text again, the card as
// it is now, and the outcome with the count. The other recipients'
// messages stay as they were.
//
// app.Broadcasts.Attach decides what may be attached (its table,
// app/attach.go); attachViews below is how the chat shows each kind and
// what its button does, keyed by the same letter.

// attachView is how the chat shows one kind of attached object.
type attachView struct {
	// card is the object's card on a broadcast message, in c's language.
	card func(c *call, at app.Attached, comm ll.Community) (string, error)
	// button is the card's button on the messages of the broadcast whose
	// id ends in suffix.
	button func(c *call, at app.Attached, suffix string) ll.Button
	// press does for the presser what the command does and words the
	// outcome: the result line, the object after it (nil: read it again),
	// whether the button stays (a refusal that may pass later), and
	// replies to others (a paired claim asks the committee).
	press func(c *call, ref string) (result string, now *app.Attached, keep bool, extra []ll.Reply)
}

// attachViews are the kinds of object the chat attaches, by their id's
// letter; a letter missing here is a button the chat does not take
// (decodeActs refuses it).
var attachViews = map[byte]attachView{
	'N': {
		card: func(c *call, at app.Attached, comm ll.Community) (string, error) {
			n := at.Need
			card := c.t("actbc.need_card", n.ID, n.Text, c.t("need.status."+n.Status), len(n.Takers), n.Helpers,
				n.Due.In(comm.Location()).Format(time.DateOnly))
			if len(n.Skills) > 0 {
				card += "\n" + c.t("need.skills", strings.Join(n.Skills, ", "))
			}
			return card, nil
		},
		button: func(c *call, at app.Attached, suffix string) ll.Button {
			return ll.Button{Text: c.label("button.need_take"), Data: actsData(suffix, at.Need.ID)}
		},
		// What the need's own [我来] does (takeNeed): helpers wanted is a
		// capacity, a double tap takes once, the asker is told who comes.
		press: func(c *call, ref string) (string, *app.Attached, bool, []ll.Reply) {
			line, _, tell, err := c.takeNeed("", ref)
			if c.stalePointer(err) {
				err = ll.ErrNotMember
			}
			if err != nil {
				return c.refusedLine(err, ref), nil, keepAfter(err), nil
			}
			return line, nil, false, tell
		},
	},
	'A': {
		card: func(c *call, at app.Attached, comm ll.Community) (string, error) {
			return c.activityCard(*at.Activity, comm, false)
		},
		button: func(c *call, at app.Attached, suffix string) ll.Button {
			a := at.Activity
			return ll.Button{Text: c.label("button.signup", a.ID, truncate(a.Title, 24)), Data: actsData(suffix, a.ID)}
		},
		press: func(c *call, ref string) (string, *app.Attached, bool, []ll.Reply) {
			// What /signup does: a full activity offers its waitlist.
			r, err := c.h.app.Waitlist.SignUp(c.ctx, c.actor(), ref)
			if err != nil {
				return c.refusedLine(err, ref), nil, keepAfter(err), nil
			}
			a := r.Activity
			now := &app.Attached{Ref: a.ID, Activity: &a}
			switch r.Outcome {
			case ll.AlreadySignedUp:
				return c.t("actbc.already_in", c.signupsText(a)), now, false, nil
			case ll.SignedUp:
				return c.t("actbc.signed_up", c.signupsText(a)), now, false, nil
			}
			// Full, waiting, or a seat offered to the presser: the edit says
			// so, and the waitlist's own message carries its buttons.
			extra := c.signUpResult(r)
			line := ""
			if len(extra) > 0 {
				line = extra[0].Text
			}
			return line, now, r.Outcome == ll.Full, extra
		},
	},
	'P': {
		card: func(c *call, at app.Attached, _ ll.Community) (string, error) {
			return c.postCard(*at.Post, false), nil
		},
		button: func(c *call, at app.Attached, suffix string) ll.Button {
			p := at.Post
			return ll.Button{Text: c.label("button.claim", p.ID, truncate(p.Title, 24)), Data: actsData(suffix, p.ID)}
		},
		press: func(c *call, ref string) (string, *app.Attached, bool, []ll.Reply) {
			p, changed, err := c.h.app.Posts.Claim(c.ctx, c.actor(), ref)
			var aw *app.AwaitingError
			if errors.As(err, &aw) {
				return c.t("actbc.awaiting", aw.Post.ID), nil, false, c.claimAwaiting(aw)[1:]
			}
			if c.stalePointer(err) {
				err = ll.ErrNotMember
			}
			if err != nil {
				return c.refusedLine(err, ref), nil, keepAfter(err), nil
			}
			p.Target = "" // the card is the broadcast's: no pairing target on it
			now := &app.Attached{Ref: p.ID, Post: &p}
			if !changed {
				return c.t("actbc.already_held", p.ID, rawHTML(c.holdersText(p))), now, false, nil
			}
			return c.t("actbc.claimed", p.ID, rawHTML(c.holdersText(p))), now, false, nil
		},
	},
}

// actsData is the data of an attached object's button on the messages of
// the broadcast whose id ends in suffix.
func actsData(suffix, ref string) string {
	return callback{kind: cbActs, value: suffix, id: ref}.encode()
}

// decodeActs reads the rest of ba:<suffix>:<ref>: a suffix of 1 to 40 of
// [a-z0-9-] and the canonical id of a kind in attachViews.
func decodeActs(rest string) (callback, bool) {
	suffix, ref, ok := strings.Cut(rest, ":")
	if !ok || !isToken(suffix, 1, 40) || ref == "" {
		return callback{}, false
	}
	if _, known := attachViews[ref[0]]; !known || ll.NormalizeID(ref[0], ref) != ref {
		return callback{}, false
	}
	return callback{kind: cbActs, value: suffix, id: ref}, true
}

// keepAfter reports whether a refused press keeps its button: a full
// activity or post may have room later; anything else will not change.
func keepAfter(err error) bool { return ll.ErrorCode(err) == ll.EFULL }

// refusedLine words a refused press: "❌" and the refusal, or that the
// object is gone.
func (c *call) refusedLine(err error, ref string) string {
	if ll.ErrorCode(err) == ll.ENOTFOUND {
		return c.t("actbc.gone", ref)
	}
	return c.t("actbc.refused", rawHTML(c.errorText(err, ref)))
}

// splitAttach takes an attachment id off the front of a broadcast's text:
// "A7 Come and help" is A7 and "Come and help"; a text whose first word is
// no such id is all text.
func splitAttach(text string) (ref, rest string) {
	text = strings.TrimSpace(text)
	first, after, _ := strings.Cut(text, " ")
	if i := strings.IndexAny(first, "\n\t"); i >= 0 {
		first, after = first[:i], first[i+1:]+" "+after
	}
	ref, ok := app.ParseAttachment(first)
	if !ok {
		return "", text
	}
	return ref, strings.TrimSpace(after)
}

// attachedParts renders what a broadcast carrying at shows in lang: the
// card and its button, for the messages of broadcast suffix.
func (c *call) attachedParts(lang string, at app.Attached, comm ll.Community, suffix string) (string, ll.Button, error) {
	v, ok := attachViews[at.Ref[0]]
	if !ok {
		return "", ll.Button{}, ll.ErrStale
	}
	cc := *c
	cc.lang = lang
	card, err := v.card(&cc, at, comm)
	if err != nil {
		return "", ll.Button{}, err
	}
	return card, v.button(&cc, at, suffix), nil
}

// actsPress takes the press of an attached object's button: it does what
// the command does and edits the presser's message with the broadcast's
// text, the card as it is now and the outcome. A broadcast that is not of
// the presser's community now (or no longer kept) makes the button stale.
func (c *call) actsPress(cb callback) []ll.Reply {
	if !c.hasMembership() {
		c.public = true
		return c.toastErr(ll.ErrNotMember, "")
	}
	ac := c.actor()
	// The broadcast must be one of the presser's community, still kept: a
	// member who moved since, or forged data, does nothing.
	note, err := c.h.app.Broadcasts.Note(c.ctx, ac, cb.value)
	switch {
	case ll.ErrorCode(err) == ll.ENOTFOUND:
		return c.stale()
	case err != nil:
		return c.toastErr(err, "")
	}
	v := attachViews[cb.id[0]]
	result, now, keep, extra := v.press(c, cb.id)
	if now == nil {
		at, err := c.h.app.Broadcasts.AttachedNow(c.ctx, ac, cb.id)
		switch {
		case err == nil:
			now = &at
		case ll.ErrorCode(err) != ll.ENOTFOUND && ll.ErrorCode(err) != ll.ENOTMEMBER:
			c.h.log.Warn("read attached object", "user", c.req.UserID, "ref", cb.id, "err", err)
		}
	}
	var b strings.Builder
	comm, err := c.h.store.Community(c.ctx, c.user.Community)
	if err == nil {
		b.WriteString(c.t("broadcast.header", comm.Name) + "\n\n")
	}
	if note != "" {
		b.WriteString(escape(note) + "\n\n")
	}
	r := ll.Reply{Edit: true, CallbackAnswer: truncate(plain(result), 200)}
	if now != nil {
		card, err := v.card(c, *now, comm)
		if err != nil {
			c.h.log.Warn("render attached object", "ref", cb.id, "err", err)
		} else {
			b.WriteString(card + "\n\n")
		}
		if keep {
			r.Buttons = [][]ll.Button{{v.button(c, *now, cb.value)}}
		}
	}
	b.WriteString(result)
	r.Text = b.String()
	return append([]ll.Reply{r}, extra...)
}

func init() { invalidFields = append(invalidFields, "attach") }
