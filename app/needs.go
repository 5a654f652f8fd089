package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// NeedsStore is what Needs reads and writes; *storage.Store implements it.
type NeedsStore interface {
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
	// CreateNeed stores a new need (N<n>, status new), refusing a person's
	// MaxOpenNeeds+1st open need in the same script; idempotent by token.
	CreateNeed(ctx context.Context, n ll.Need, token string) (ll.Need, bool, error)
	Need(ctx context.Context, community, id string) (ll.Need, error)
	Needs(ctx context.Context, community string) ([]ll.Need, error)
	PendingNeeds(ctx context.Context, community string) ([]ll.Need, error)
	// PublishNeed sets a need published and returns its new round; with
	// again and seen above 0 it changes nothing at a round other than seen
	// and answers repeat (with the round now), in the same script.
	PublishNeed(ctx context.Context, n ll.Need, again bool, seen int, now time.Time, audit *ll.AuditEntry) (round int, repeat bool, err error)
	DeclineNeed(ctx context.Context, community, id, reason string, now time.Time, audit *ll.AuditEntry) (ll.Need, bool, error)
	TakeNeedAs(ctx context.Context, u ll.User, id string, now time.Time) (ll.NeedTake, error)
	DoneNeedAs(ctx context.Context, u ll.User, id, note string, toCommittee bool, now time.Time) (bool, error)
	SolveNeed(ctx context.Context, community, id string, asker int64, by string, byTG int64, date string, now time.Time, audit *ll.AuditEntry) (bool, error)
	NotYetNeed(ctx context.Context, community, id string, asker int64, now time.Time) (bool, error)
	ReleaseNeed(ctx context.Context, community, id string, due, now time.Time, audit *ll.AuditEntry) ([]string, error)
	SetNeedCommunity(ctx context.Context, tg int64, community string) error
	NeedCommunity(ctx context.Context, tg int64) (string, error)
	AskerUnreachable(ctx context.Context, tg int64) (bool, error)
	// SweepNeeds claims what is due about the needs at now, each once.
	SweepNeeds(ctx context.Context, community string, now time.Time) (ll.NeedSweep, error)
	// Members returns every member of the community (any status) by id order.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// Audit appends one entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
}

// Needs are residents' requests for help (SPEC section 10): a resident (who
// need not be a member) asks; the committee publishes or declines; members
// take one in a tap; the asker confirms it solved, which records a
// participation for each taker.
//
// The asker's Telegram id and the need's text are personal data: the
// services hand them only to the front end of the asker, the takers and the
// committee, never to a group chat or an export.
type Needs struct {
	store      NeedsStore
	broadcasts *Broadcasts
}

// needID reads a typed need id (N4, n4). Errors: EINVALID Field "need".
func needID(s string) (string, error) {
	id := ll.NormalizeID('N', s)
	if id == "" {
		return "", ll.Invalid("need", "%q is not a need id", s)
	}
	return id, nil
}

// NeedID reads a typed need id (N4, n4). Errors: EINVALID Field "need".
func NeedID(s string) (string, error) { return needID(s) }

// OpenLink records that the actor opened community's need link, so that a
// later /need of theirs goes there when they are no member, and returns the
// community. Errors: ErrNotFound (no such community).
func (x *Needs) OpenLink(ctx context.Context, a Actor, community string) (ll.Community, error) {
	comm, err := x.store.Community(ctx, community)
	if err != nil {
		return ll.Community{}, err
	}
	if err := x.store.SetNeedCommunity(ctx, a.TelegramID, comm.ID); err != nil {
		return ll.Community{}, err
	}
	return comm, nil
}

// AskCommunity is the community a /need of the actor goes to: the last
// community whose need link they opened, else their own membership's.
// Errors: ErrNotFound (Detail "need_link") when there is neither.
func (x *Needs) AskCommunity(ctx context.Context, a Actor) (ll.Community, error) {
	id, err := x.store.NeedCommunity(ctx, a.TelegramID)
	if err != nil {
		return ll.Community{}, err
	}
	if id == "" {
		id = a.Self().Community
	}
	if id == "" {
		return ll.Community{}, &ll.Error{Code: ll.ENOTFOUND, Detail: "need_link", Message: "no community to ask"}
	}
	return x.store.Community(ctx, id)
}

// NeedDraft is what a resident gave in the intake flow.
type NeedDraft struct {
	Community string
	Text      string
	PhotoID   string
	Location  *ll.GeoPoint
	Lang      string
	Token     string // the flow's nonce: the same draft twice creates one need
}

// Ask stores the actor's new need (status new) in the community, at most
// lamplighter.MaxOpenNeeds open ones per person and community, enforced in
// the store's script. created is false for a retry of the same draft.
// Errors: EINVALID Field "text" (empty, too long, control characters);
// ErrNotFound (the community); EFULL ReasonNeedLimit.
func (x *Needs) Ask(ctx context.Context, a Actor, d NeedDraft) (ll.Need, bool, error) {
	n := ll.Need{Community: d.Community, Text: strings.TrimSpace(d.Text), PhotoID: d.PhotoID, Location: d.Location,
		AskerID: a.TelegramID, AskerLang: d.Lang, Created: a.Now, Helpers: ll.DefaultNeedHelpers}
	if err := n.Validate(); err != nil {
		return ll.Need{}, false, err
	}
	return x.store.CreateNeed(ctx, n, d.Token)
}

// CheckNeedText checks a need's text as typed. Errors: EINVALID Field "text".
func CheckNeedText(text string) error {
	return ll.CheckText("text", strings.TrimSpace(text), ll.MaxNeedTextLen, true)
}

// Board is the committee's view of the open needs: new ones first, then
// those awaiting the committee, then published, taken and done, each by id.
func (x *Needs) Board(ctx context.Context, sc *Scope) ([]ll.Need, error) {
	all, err := x.store.Needs(ctx, sc.Community.ID)
	if err != nil {
		return nil, err
	}
	rank := func(n ll.Need) int {
		switch {
		case n.Status == ll.NeedNew:
			return 0
		case n.Pending:
			return 1
		case n.Status == ll.NeedPublished:
			return 2
		case n.Status == ll.NeedTaken:
			return 3
		}
		return 4
	}
	var open []ll.Need
	for _, n := range all {
		if n.Open() {
			open = append(open, n)
		}
	}
	slices.SortStableFunc(open, func(a, b ll.Need) int { return rank(a) - rank(b) })
	return open, nil
}

// Get returns one need of the scope's community. Errors: EINVALID Field
// "need"; ErrNotFound.
func (x *Needs) Get(ctx context.Context, sc *Scope, id string) (ll.Need, error) {
	nid, err := needID(id)
	if err != nil {
		return ll.Need{}, err
	}
	return x.store.Need(ctx, sc.Community.ID, nid)
}

// All returns every need of a community (the export, the report).
func (x *Needs) All(ctx context.Context, community string) ([]ll.Need, error) {
	return x.store.Needs(ctx, community)
}

// Pending returns the done needs awaiting the committee.
func (x *Needs) Pending(ctx context.Context, sc *Scope) ([]ll.Need, error) {
	return x.store.PendingNeeds(ctx, sc.Community.ID)
}

// PublishOptions are /publish's optional arguments as typed.
type PublishOptions struct {
	Audience string // a section-3 audience; "" = members whose skills match, else all
	Helpers  string // "" = the need's (1 by default)
	Due      string // YYYY-MM-DD in the community's zone; "" = DefaultNeedDueDays from now
	Skills   string // skills wanted, comma-separated; "" = keep
	Again    bool   // announce a need published before again (the command, not the board's button)
	Lang     string // the language of the progress message in the publisher's chat; "" = the community's
	// Round, with Again and above 0, announces only a need still at this
	// round (the one its sender saw): a repeat of the same request (a
	// double tap, a retry, even one at the same instant) finds the round
	// moved on and sends nothing; the store's publish step checks it.
	Round int
}

// ParsePublishArgs reads "[<audience>] [helpers=<n>] [due=<YYYY-MM-DD>]
// [skills=<a,b>]" in any order. Errors: EINVALID Field "arguments".
func ParsePublishArgs(words []string) (PublishOptions, error) {
	var o PublishOptions
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		switch {
		case ok && strings.EqualFold(k, "helpers"):
			o.Helpers = v
		case ok && strings.EqualFold(k, "due"):
			o.Due = v
		case ok && strings.EqualFold(k, "skills"):
			o.Skills = v
		case !ok && o.Audience == "":
			o.Audience = w
		default:
			return PublishOptions{}, ll.Invalid("arguments", "unexpected %q", w)
		}
	}
	return o, nil
}

// Published is what Publish did.
type Published struct {
	Need     ll.Need
	Audience string // as resolved: "skill:law,plumbing" or "all"
	// Messages are the announcements, one per recipient, queued in the
	// outbox (without one, the front end delivers them itself).
	Messages   []ll.OutMessage
	Recipients []ll.Member
	Skipped    int
	// Repeat is set when Round named a round the need has passed: nothing
	// was changed or sent, Need is the need as it is.
	Repeat bool
}

// Publish announces a need through the outbox to an audience of section 3
// (default: the active members whose skills match the need's, else all),
// each message worded by message (the front end puts the take button on
// it), after setting it published with its helpers wanted and due date
// (end of that day in the community's zone; DefaultNeedDueDays from now by
// default) and the audit entry in one store step. Each announcement has the
// id of the need's round, so a retry queues nothing twice. Errors: EINVALID
// Field "need", "helpers", "due", "audience", "skills"; ErrNotFound;
// ECONFLICT ReasonNeedState (not new; or, with Again, not new nor
// published); the outbox's. With Again and Round, a need past that round
// answers Repeat (see PublishOptions.Round): of simultaneous calls with the
// same Round exactly one announces a new round, the others answer Repeat.
func (x *Needs) Publish(ctx context.Context, sc *Scope, out Outbox, id string, o PublishOptions,
	message func(m ll.Member, n ll.Need) (ll.Reply, string)) (Published, error) {
	n, err := x.Get(ctx, sc, id)
	if err != nil {
		return Published{}, err
	}
	if o.Again && o.Round > 0 && n.Round != o.Round { // a repeat seen early; the store step decides
		return Published{Need: n, Repeat: true}, nil
	}
	loc := sc.Community.Location()
	now := sc.Now.In(loc)
	if o.Helpers != "" {
		h, err := strconv.Atoi(o.Helpers)
		if err != nil || h < 1 || h > ll.MaxNeedHelpers {
			return Published{}, ll.Invalid("helpers", "helpers must be 1 to %d", ll.MaxNeedHelpers)
		}
		n.Helpers = h
	}
	if n.Helpers < 1 {
		n.Helpers = ll.DefaultNeedHelpers
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, ll.DefaultNeedDueDays)
	if o.Due != "" {
		t, err := time.ParseInLocation(time.DateOnly, o.Due, loc)
		if err != nil {
			return Published{}, ll.Invalid("due", "not a date")
		}
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		if t.Before(today) || t.After(today.AddDate(0, 0, ll.MaxNeedDueDays)) {
			return Published{}, ll.Invalid("due", "the due date must be from today to %d days ahead", ll.MaxNeedDueDays)
		}
		day = t
	}
	n.Due = day.AddDate(0, 0, 1).Add(-time.Millisecond) // the end of the due day
	if o.Skills != "" {
		n.Skills = ll.ParseSkills(o.Skills)
	}
	if err := n.Validate(); err != nil {
		return Published{}, err
	}
	var aud Audience
	if o.Audience != "" {
		if aud, err = ParseAudience(o.Audience); err != nil {
			return Published{}, err
		}
	}
	rec, audName, err := x.recipients(ctx, sc, n, aud, o.Audience != "")
	if err != nil {
		return Published{}, err
	}
	detail := fmt.Sprintf("%s, helpers %d, due %s: %d recipient(s)", audName, n.Helpers, day.Format(time.DateOnly), len(rec.To))
	seen := 0
	if o.Again {
		seen = o.Round
	}
	round, repeat, err := x.store.PublishNeed(ctx, n, o.Again, seen, sc.Now, sc.Audit("need_publish", n.ID, detail))
	if err != nil {
		return Published{}, err
	}
	if repeat { // another request announced round o.Round again first
		if n, err = x.Get(ctx, sc, id); err != nil {
			return Published{}, err
		}
		return Published{Need: n, Repeat: true}, nil
	}
	n.Status, n.Round, n.Published = ll.NeedPublished, round, sc.Now
	p := Published{Need: n, Audience: audName, Recipients: rec.To, Skipped: rec.Skipped}
	if len(rec.To) == 0 {
		return p, nil
	}
	bid := fmt.Sprintf("%s-%s-r%d", sc.Community.ID, n.ID, round)
	for _, m := range rec.To {
		reply, lang := message(m, n)
		p.Messages = append(p.Messages, ll.OutMessage{ID: "bc:" + bid + ":" + m.ID, ChatID: m.TelegramID, Reply: reply,
			Kind: ll.OutBroadcast, Community: sc.Community.ID, Member: m.ID, Lang: lang})
	}
	if out != nil {
		lang := o.Lang
		if !ll.ValidLanguage(lang) {
			lang = sc.Community.Language
		}
		b := ll.Broadcast{ID: bid, Community: sc.Community.ID, By: sc.Actor, ChatID: sc.TelegramID, Lang: lang,
			Audience: "need " + n.ID + " " + audName, Total: len(p.Messages), Created: sc.Now}
		if _, _, err := out.EnqueueBroadcast(ctx, b, p.Messages); err != nil {
			return Published{}, fmt.Errorf("announce need %s: %w", n.ID, err)
		}
	}
	return p, nil
}

// recipients resolves whom a need's announcement reaches: aud when given,
// else the members with any of its skills, else all.
func (x *Needs) recipients(ctx context.Context, sc *Scope, n ll.Need, aud Audience, given bool) (Recipients, string, error) {
	if given {
		r, err := x.broadcasts.Recipients(ctx, sc, aud)
		return r, aud.String(), err
	}
	if len(n.Skills) > 0 {
		var out Recipients
		seen := map[string]bool{}
		for _, sk := range n.Skills {
			r, err := x.broadcasts.Recipients(ctx, sc, Audience{Kind: AudienceSkill, Arg: sk})
			if err != nil {
				return Recipients{}, "", err
			}
			for _, m := range r.To {
				if !seen[m.ID] {
					seen[m.ID] = true
					out.To = append(out.To, m)
				}
			}
			out.Skipped += r.Skipped
		}
		if len(out.To) > 0 {
			slices.SortFunc(out.To, func(a, b ll.Member) int { return idNum(a.ID) - idNum(b.ID) })
			return out, AudienceSkill + ":" + strings.Join(n.Skills, ","), nil
		}
	}
	r, err := x.broadcasts.Recipients(ctx, sc, Audience{Kind: AudienceAll})
	return r, AudienceAll, err
}

// Decline declines a new or published need with a reason (required, at
// most MaxDecisionReasonLen characters), audited; the front end tells the
// asker (n.AskerID). changed is false when it was declined already.
// Errors: EINVALID Field "need", "reason"; ErrNotFound; ECONFLICT
// ReasonNeedState (taken or closed).
func (x *Needs) Decline(ctx context.Context, sc *Scope, id, reason string) (n ll.Need, changed bool, err error) {
	nid, err := needID(id)
	if err != nil {
		return ll.Need{}, false, err
	}
	reason = strings.TrimSpace(reason)
	if err := ll.CheckText("reason", reason, MaxDecisionReasonLen, true); err != nil {
		return ll.Need{}, false, err
	}
	return x.store.DeclineNeed(ctx, sc.Community.ID, nid, reason, sc.Now, sc.Audit("need_decline", nid, reason))
}

// Take makes the actor a taker of need id of community ("" for the
// actor's own; any other than the actor's own is refused with
// ErrNotMember), in one store step: helpers wanted is a capacity, never
// exceeded under any concurrency; a member takes a need once, and a second
// press answers the same counts with Changed false. The result names whom
// to tell (the asker) and how (the taker's name and unit only). Errors:
// EINVALID Field "need"; ErrNotMember; ErrNotFound; EFULL ReasonNeedTaken
// (with the counts in the result); ECONFLICT ReasonNeedState (not published).
func (x *Needs) Take(ctx context.Context, a Actor, community, id string) (ll.NeedTake, error) {
	nid, err := needID(id)
	if err != nil {
		return ll.NeedTake{}, err
	}
	if community != "" && community != a.Self().Community {
		return ll.NeedTake{}, ll.ErrNotMember
	}
	return x.store.TakeNeedAs(ctx, a.Self(), nid, a.Now)
}

// DoneResult is what Done did.
type DoneResult struct {
	Need    ll.Need
	Changed bool
	// Committee is set when the committee decides instead of the asker
	// (the asker cannot be reached, or took the need themselves).
	Committee bool
}

// Done is a taker saying the need is done, with an optional note (at most
// MaxNeedNoteLen characters): it waits for its asker's confirmation, or
// for the committee when the asker cannot be reached or took it. Errors:
// EINVALID Field "need", "note"; ErrNotMember; ErrNotFound; EFORBIDDEN
// ReasonNotTaker; ECONFLICT ReasonNeedState.
func (x *Needs) Done(ctx context.Context, a Actor, id, note string) (DoneResult, error) {
	nid, err := needID(id)
	if err != nil {
		return DoneResult{}, err
	}
	note = strings.TrimSpace(note)
	if err := ll.CheckText("note", note, ll.MaxNeedNoteLen, false); err != nil {
		return DoneResult{}, err
	}
	p := a.Self()
	if p.MemberID == "" {
		return DoneResult{}, ll.ErrNotMember
	}
	n, err := x.store.Need(ctx, p.Community, nid)
	if err != nil {
		return DoneResult{}, err
	}
	unreachable, err := x.store.AskerUnreachable(ctx, n.AskerID)
	if err != nil {
		return DoneResult{}, err
	}
	committee := unreachable || n.AskerID == a.TelegramID || n.AskerID == 0 // 0: the asker was forgotten
	changed, err := x.store.DoneNeedAs(ctx, p, nid, note, committee, a.Now)
	if err != nil {
		return DoneResult{}, err
	}
	n, err = x.store.Need(ctx, p.Community, nid)
	return DoneResult{Need: n, Changed: changed, Committee: n.Pending}, err
}

// Confirm is the asker answering a done need: solved records a
// participation for each taker (method confirmed, the asker's Telegram id
// kept as its evidence) and the need solved, audited; not solved puts it
// back to its takers. changed is false for a repeated answer. Errors:
// EINVALID Field "need"; ErrNotFound; EFORBIDDEN ReasonNotAsker; EFORBIDDEN
// ReasonSelf (the asker took it: it goes to the committee instead);
// ECONFLICT ReasonNeedState.
func (x *Needs) Confirm(ctx context.Context, a Actor, community, id string, solved bool) (n ll.Need, changed bool, err error) {
	nid, err := needID(id)
	if err != nil {
		return ll.Need{}, false, err
	}
	comm, err := x.store.Community(ctx, community)
	if err != nil {
		return ll.Need{}, false, err
	}
	if solved {
		date := a.Now.In(comm.Location()).Format(time.DateOnly)
		entry := &ll.AuditEntry{Time: a.Now, Actor: "asker", Action: "need_solved", Object: nid, Detail: ll.MethodConfirmed}
		changed, err = x.store.SolveNeed(ctx, comm.ID, nid, a.TelegramID, "", 0, date, a.Now, entry)
	} else {
		changed, err = x.store.NotYetNeed(ctx, comm.ID, nid, a.TelegramID, a.Now)
	}
	if err != nil && !(solved && ll.ErrorDetail(err) == ll.ReasonSelf) {
		return ll.Need{}, false, err
	}
	n, nerr := x.store.Need(ctx, comm.ID, nid)
	if nerr != nil {
		return ll.Need{}, false, nerr
	}
	return n, changed, err
}

// Approve is the committee deciding a need awaiting it (the asker did not
// answer in NeedConfirmDays days, cannot be reached, or took it): it
// records each taker's participation with method approval, verified by the
// approver, audited. Nobody approves a need they took or asked (EFORBIDDEN
// ReasonSelf, audited as a refusal). Errors: EINVALID Field "need";
// ErrNotFound; ECONFLICT ReasonNeedState (not awaiting the committee).
func (x *Needs) Approve(ctx context.Context, sc *Scope, id string) (n ll.Need, changed bool, err error) {
	nid, err := needID(id)
	if err != nil {
		return ll.Need{}, false, err
	}
	by := sc.Actor
	date := sc.Now.In(sc.Community.Location()).Format(time.DateOnly)
	changed, err = x.store.SolveNeed(ctx, sc.Community.ID, nid, 0, by, sc.TelegramID, date, sc.Now,
		sc.Audit("need_approve", nid, ll.MethodApproval))
	if ll.ErrorDetail(err) == ll.ReasonSelf {
		return ll.Need{}, false, sc.refusal(ctx, x.store, nid, "need_approve", "own need", err)
	}
	if err != nil {
		return ll.Need{}, false, err
	}
	n, err = x.store.Need(ctx, sc.Community.ID, nid)
	return n, changed, err
}

// Release takes a need from its takers (overdue, or they cannot do it): it
// is published again, its buttons take it again, due DefaultNeedDueDays
// from today at the earliest, audited; the front end
// tells the old takers (returned with their member records). Errors:
// EINVALID Field "need"; ErrNotFound; ECONFLICT ReasonNeedState.
func (x *Needs) Release(ctx context.Context, sc *Scope, id string) (n ll.Need, old []ll.Member, err error) {
	nid, err := needID(id)
	if err != nil {
		return ll.Need{}, nil, err
	}
	loc := sc.Community.Location()
	now := sc.Now.In(loc)
	due := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, ll.DefaultNeedDueDays+1).Add(-time.Millisecond)
	ids, err := x.store.ReleaseNeed(ctx, sc.Community.ID, nid, due, sc.Now, sc.Audit("need_release", nid, ""))
	if err != nil {
		return ll.Need{}, nil, err
	}
	for _, mid := range ids {
		m, err := x.store.Member(ctx, sc.Community.ID, mid)
		if err != nil && !errors.Is(err, ll.ErrNotFound) {
			return ll.Need{}, nil, err
		}
		if err == nil {
			old = append(old, m)
		}
	}
	n, err = x.store.Need(ctx, sc.Community.ID, nid)
	return n, old, err
}

// Relay is whom a /reply about a need goes to.
type Relay struct {
	Need     ll.Need
	FromAsk  bool        // the actor is its asker (the message goes to the takers)
	To       []int64     // Telegram ids of the recipients
	Takers   []ll.Member // the takers, when the asker writes
	From     *ll.Member  // the writing taker, when a taker writes
	Language string      // the asker's language, when a taker writes
}

// MaxRelayLen bounds a relayed message, in characters.
const MaxRelayLen = 1000

// Relay resolves a message about need id from the actor, its asker or one
// of its takers, to the other side, neither seeing the other's Telegram
// account. The need is looked up in the actor's own community, then in
// the community of the need link they opened last. Errors: EINVALID Field
// "need", "text"; ErrNotFound; EFORBIDDEN ReasonNotTaker (neither asker nor
// taker); ECONFLICT ReasonNeedState (nobody took it yet, or it is closed).
func (x *Needs) Relay(ctx context.Context, a Actor, id, text string) (Relay, error) {
	nid, err := needID(id)
	if err != nil {
		return Relay{}, err
	}
	if err := ll.CheckText("text", strings.TrimSpace(text), MaxRelayLen, true); err != nil {
		return Relay{}, err
	}
	var places []string
	if c := a.Self().Community; c != "" {
		places = append(places, c)
	}
	if c, err := x.store.NeedCommunity(ctx, a.TelegramID); err != nil {
		return Relay{}, err
	} else if c != "" && !slices.Contains(places, c) {
		places = append(places, c)
	}
	var found bool
	for _, c := range places {
		n, err := x.store.Need(ctx, c, nid)
		if errors.Is(err, ll.ErrNotFound) {
			continue
		}
		if err != nil {
			return Relay{}, err
		}
		found = true
		r, ok, err := x.relayIn(ctx, a, n)
		if err != nil {
			return Relay{}, err
		}
		if ok {
			return r, nil
		}
	}
	if !found {
		return Relay{}, notFoundNeed(nid)
	}
	return Relay{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonNotTaker)
}

func notFoundNeed(id string) error {
	return &ll.Error{Code: ll.ENOTFOUND, Detail: "need", Message: "need " + id + " not found"}
}

// relayIn resolves the relay in need n's community; ok is false when the
// actor is neither its asker nor a taker.
func (x *Needs) relayIn(ctx context.Context, a Actor, n ll.Need) (Relay, bool, error) {
	if len(n.Takers) == 0 || !n.Open() {
		if n.AskerID == a.TelegramID || x.isTaker(a, n) {
			return Relay{}, false, ll.Refuse(ll.ECONFLICT, ll.ReasonNeedState)
		}
		return Relay{}, false, nil
	}
	if n.AskerID == a.TelegramID && !x.isTaker(a, n) {
		r := Relay{Need: n, FromAsk: true}
		for _, mid := range n.Takers {
			m, err := x.store.Member(ctx, n.Community, mid)
			if err != nil && !errors.Is(err, ll.ErrNotFound) {
				return Relay{}, false, err
			}
			if err == nil && m.TelegramID != 0 && m.Active() {
				r.Takers = append(r.Takers, m)
				r.To = append(r.To, m.TelegramID)
			}
		}
		return r, true, nil
	}
	if !x.isTaker(a, n) {
		return Relay{}, false, nil
	}
	m, err := x.store.Member(ctx, n.Community, a.Self().MemberID)
	if err != nil {
		return Relay{}, false, err
	}
	if n.AskerID == 0 { // the asker was forgotten
		return Relay{}, false, ll.Refuse(ll.ECONFLICT, ll.ReasonNeedState)
	}
	return Relay{Need: n, To: []int64{n.AskerID}, From: &m, Language: n.AskerLang}, true, nil
}

// isTaker reports whether the actor's own membership took n.
func (x *Needs) isTaker(a Actor, n ll.Need) bool {
	p := a.Self()
	return p.MemberID != "" && p.Community == n.Community && n.HasTaker(p.MemberID)
}

// Sweep claims what is due about a community's needs at now (reminders,
// overdue notices, done needs left unanswered, now pending): each once,
// whatever the replicas and restarts.
func (x *Needs) Sweep(ctx context.Context, community string, now time.Time) (ll.NeedSweep, error) {
	return x.store.SweepNeeds(ctx, community, now)
}

// Figures counts the community's needs created in [from, to).
func (x *Needs) Figures(ctx context.Context, community string, from, to time.Time) (ll.NeedFigures, error) {
	all, err := x.store.Needs(ctx, community)
	if err != nil {
		return ll.NeedFigures{}, err
	}
	return ll.CountNeeds(all, from, to), nil
}

// idNum is the number of a short id (M12 -> 12), 0 for a malformed one.
func idNum(id string) int {
	if len(id) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(id[1:])
	return n
}

// Committee returns the community's active committee members who can be
// messaged on Telegram: whom a need awaiting a decision is told to.
func (x *Needs) Committee(ctx context.Context, community string) ([]ll.Member, error) {
	all, err := x.store.Members(ctx, community)
	if err != nil {
		return nil, err
	}
	var out []ll.Member
	for _, m := range all {
		if m.Active() && m.Role.IsCommittee() && m.TelegramID != 0 && !m.Unreachable {
			out = append(out, m)
		}
	}
	return out, nil
}

// Takers returns the member records of n's takers (those still known).
func (x *Needs) Takers(ctx context.Context, n ll.Need) ([]ll.Member, error) {
	var out []ll.Member
	for _, mid := range n.Takers {
		m, err := x.store.Member(ctx, n.Community, mid)
		if errors.Is(err, ll.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
