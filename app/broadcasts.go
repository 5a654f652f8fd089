package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
)

// BroadcastsStore is what Broadcasts reads and writes.
type BroadcastsStore interface {
	// Members returns every member of the community (any status) by id order.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// MembersPage returns up to n members (any status) from the offset-th
	// by id order, and how many there are in all.
	MembersPage(ctx context.Context, community string, offset, n int) ([]ll.Member, int, error)
	// Team returns a team with Members and Leaders filled in.
	Team(ctx context.Context, community, id string) (ll.Team, error)
	// Activity returns one activity; ErrNotFound if unknown.
	Activity(ctx context.Context, community, id string) (ll.Activity, error)
	// SignedUp returns the member ids signed up, in sign-up order.
	SignedUp(ctx context.Context, community, activityID string) ([]string, error)
	// CommunityLedger returns every participation and every claim (history)
	// of the community.
	CommunityLedger(ctx context.Context, community string) ([]ll.Participation, []ll.Claim, error)
	// Audit appends an entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
	// AttachStore: what a broadcast that acts reads (attach.go).
	AttachStore
	// AudienceCounter: the counters behind a broadcast's count (audience.go).
	AudienceCounter
	// StandingIndex: who is below the minimum (audience.go).
	StandingIndex
}

// Outbox is where a broadcast goes: one message per recipient and a
// progress message, delivered later at the bot's shared rate.
// *storage.Store implements it.
type Outbox interface {
	// EnqueueBroadcast stores the broadcast and its messages; it is
	// idempotent by broadcast and message id (a double tap on [Send] adds
	// nothing). created is true for the call that created it.
	EnqueueBroadcast(ctx context.Context, b ll.Broadcast, msgs []ll.OutMessage) (created bool, added int, err error)
}

// Broadcasts are the committee's messages to a part of the community (SPEC
// section 3): whom an audience names now, and the broadcast's messages,
// queued and audited.
type Broadcasts struct {
	store BroadcastsStore
}

// MaxBroadcastLen bounds a broadcast's text, in characters; it leaves room
// for a header within one Telegram message.
const MaxBroadcastLen = 3500

// Audience kinds (SPEC section 3).
const (
	AudienceAll      = "all"
	AudienceTeam     = "team"
	AudienceBuilding = "building"
	AudienceSkill    = "skill"
	AudienceActivity = "activity"
	AudienceBelow    = "below-minimum"
	AudienceNoPost   = "no-post"
	AudienceUnit     = "unit"
)

// Audience is whom a broadcast goes to: a kind and, for team, building,
// skill, activity and unit, its argument.
type Audience struct {
	Kind string
	Arg  string // T2, 19, law, A7, <unit>
}

// String is the canonical form, as shown and audited: "team:T2".
func (a Audience) String() string {
	if a.Arg == "" {
		return a.Kind
	}
	return a.Kind + ":" + a.Arg
}

// ParseAudience reads all, team:<id>, building:<b>, skill:<s>,
// activity:<id>, below-minimum, no-post or unit:<unit> (also with "：" and a
// few Chinese and shorter names). Errors: EINVALID Field "audience".
func ParseAudience(s string) (Audience, error) {
	s = strings.TrimSpace(strings.Replace(s, "：", ":", 1))
	kind, arg, _ := strings.Cut(s, ":")
	kind, arg = strings.ToLower(strings.TrimSpace(kind)), strings.TrimSpace(arg)
	bad := ll.Invalid("audience", "unknown audience %q", s)
	switch kind {
	case "all", "全部", "所有":
		kind = AudienceAll
	case "below-minimum", "below", "belowminimum", "未达标":
		kind = AudienceBelow
	case "no-post", "nopost", "未认领":
		kind = AudienceNoPost
	case "team", "服务队":
		kind, arg = AudienceTeam, ll.NormalizeID('T', arg)
	case "activity", "活动":
		kind, arg = AudienceActivity, ll.NormalizeID('A', arg)
	case "building", "bldg", "楼栋":
		kind = AudienceBuilding
	case "skill", "技能":
		kind = AudienceSkill
	case "unit", "单位":
		kind = AudienceUnit
	default:
		return Audience{}, bad
	}
	switch kind {
	case AudienceAll, AudienceBelow, AudienceNoPost:
		if arg != "" {
			return Audience{}, bad
		}
	default:
		if arg == "" || utf8.RuneCountInString(arg) > ll.MaxUnitLen || strings.ContainsAny(arg, "\n\r") {
			return Audience{}, bad
		}
	}
	return Audience{Kind: kind, Arg: arg}, nil
}

// CheckBroadcastText checks the text of a broadcast (trimmed): 1 to
// MaxBroadcastLen characters of plain text. Errors: EINVALID Field "text".
func CheckBroadcastText(text string) error {
	return ll.CheckText("text", strings.TrimSpace(text), MaxBroadcastLen, true)
}

// Recipients are the members a broadcast reaches.
type Recipients struct {
	// To are the audience's active members who can be reached on
	// Telegram, by member id.
	To []ll.Member
	// Skipped counts the audience's active members who cannot be (no
	// Telegram id, or marked unreachable).
	Skipped int
}

// recipientsPage is how many members Recipients reads a round trip.
const recipientsPage = 1000

// Recipients resolves aud in the scope's community as of now, reading the
// members recipientsPage at a time (never the whole community in one read,
// and holding only the audience's members). Errors: EINVALID Field
// "audience" (an unknown kind); ErrNotFound (the team or activity); the
// store's.
func (s *Broadcasts) Recipients(ctx context.Context, sc *Scope, aud Audience) (Recipients, error) {
	comm := sc.Community
	var in func(m ll.Member) bool
	switch aud.Kind {
	case AudienceAll:
		in = func(ll.Member) bool { return true }
	case AudienceBuilding:
		in = func(m ll.Member) bool { return strings.EqualFold(strings.TrimSpace(m.Building), aud.Arg) }
	case AudienceUnit:
		in = func(m ll.Member) bool { return strings.EqualFold(strings.TrimSpace(m.Unit), aud.Arg) }
	case AudienceSkill:
		in = func(m ll.Member) bool {
			for _, sk := range m.Skills {
				if strings.EqualFold(sk, aud.Arg) {
					return true
				}
			}
			return false
		}
	case AudienceTeam:
		t, err := s.store.Team(ctx, comm.ID, aud.Arg)
		if err != nil {
			return Recipients{}, err
		}
		in = memberSet(t.Members)
	case AudienceActivity:
		if _, err := s.store.Activity(ctx, comm.ID, aud.Arg); err != nil {
			return Recipients{}, err
		}
		ids, err := s.store.SignedUp(ctx, comm.ID, aud.Arg)
		if err != nil {
			return Recipients{}, err
		}
		in = memberSet(ids)
	case AudienceBelow:
		// From the standing index: only the members below are read.
		year, minimum := thisYearMinimum(sc)
		ms, _, skipped, err := s.store.BelowMinimum(ctx, comm.ID, year, minimum)
		if err != nil {
			return Recipients{}, fmt.Errorf("members below the minimum of %s: %w", comm.ID, err)
		}
		return Recipients{To: ms, Skipped: skipped}, nil
	case AudienceNoPost:
		year, _ := thisYearMinimum(sc)
		ms, _, skipped, err := s.store.NoPost(ctx, comm.ID, comm.MinimumsFor(year).PostMinimum)
		if err != nil {
			return Recipients{}, fmt.Errorf("members holding too few posts in %s: %w", comm.ID, err)
		}
		return Recipients{To: ms, Skipped: skipped}, nil
	default:
		return Recipients{}, ll.Invalid("audience", "unknown audience")
	}
	var r Recipients
	for offset := 0; ; {
		page, total, err := s.store.MembersPage(ctx, comm.ID, offset, recipientsPage)
		if err != nil {
			return Recipients{}, fmt.Errorf("members of %s: %w", comm.ID, err)
		}
		for _, m := range page {
			if !m.Active() || !in(m) {
				continue
			}
			if m.TelegramID == 0 || m.Unreachable {
				r.Skipped++
				continue
			}
			r.To = append(r.To, m)
		}
		offset += len(page)
		if len(page) == 0 || offset >= total {
			return r, nil
		}
	}
}

// memberSet is membership in a list of member ids.
func memberSet(ids []string) func(ll.Member) bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return func(m ll.Member) bool { return set[m.ID] }
}

// Draft is a broadcast to confirm: its new id, audience and text, and whom
// it reaches as of now.
type Draft struct {
	ID       string // empty when it reaches nobody
	Audience Audience
	Text     string // trimmed
	// Recipients are whom it reaches now (Prepare); PrepareAttached only
	// counts them (Count), and sets Skipped alone. Send resolves them again.
	Recipients
	// Attached is the object the broadcast carries (PrepareAttached), nil
	// for none.
	Attached *Attached
	// Count is how many it reaches now and how many it skips, counted
	// from the community's counters where the audience has them
	// (CountAudience); To is then nil.
	Count AudienceCount
}

// Prepare checks a broadcast of text to aud in the scope's community and
// lists whom it reaches now (Recipients: a read of every member; Draft.To
// and Draft.Count both set). When it reaches somebody it gets a new id,
// which makes sending it idempotent; the front end keeps the draft until
// it is confirmed (Send). It changes nothing. Errors: EINVALID Field "text"
// (see CheckBroadcastText); those of Recipients. A confirmation that only
// needs the count calls PrepareAttached, which counts from counters.
func (s *Broadcasts) Prepare(ctx context.Context, sc *Scope, aud Audience, text string) (Draft, error) {
	text = strings.TrimSpace(text)
	if err := CheckBroadcastText(text); err != nil {
		return Draft{}, err
	}
	r, err := s.Recipients(ctx, sc, aud)
	if err != nil {
		return Draft{}, err
	}
	d := Draft{Audience: aud, Text: text, Recipients: r, Count: AudienceCount{To: len(r.To), Skipped: r.Skipped, Scanned: true}}
	if len(r.To) > 0 {
		d.ID = newBroadcastID(sc.Community.ID)
	}
	return d, nil
}

// PrepareAttached is Prepare of a broadcast that carries the object ref
// (A7, P3; "" for none, see Attach), whose text may then be empty; a
// refusal of the attachment comes as *AttachError. It
// counts whom the broadcast reaches with CountAudience (counters, not a
// read of the community, for the audiences that have them): Draft.To stays
// nil and Draft.Count says how many. Errors: those of Prepare, of
// Attach, of CountAudience.
func (s *Broadcasts) PrepareAttached(ctx context.Context, sc *Scope, aud Audience, text, ref string) (Draft, error) {
	text = strings.TrimSpace(text)
	d := Draft{Audience: aud, Text: text}
	if ref != "" {
		at, err := s.Attach(ctx, sc, ref)
		if err != nil {
			return Draft{}, &AttachError{Ref: ref, Err: err}
		}
		d.Attached = &at
	}
	if err := CheckBroadcastText(text); err != nil && (d.Attached == nil || text != "") {
		return Draft{}, err
	}
	n, err := s.CountAudience(ctx, sc, aud)
	if err != nil {
		return Draft{}, err
	}
	d.Count = n
	d.Skipped = n.Skipped
	if n.To > 0 {
		d.ID = newBroadcastID(sc.Community.ID)
	}
	return d, nil
}

// newBroadcastID is a new broadcast id: the community and 10 random characters.
func newBroadcastID(community string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return community + "-" + string(b[:])
}

// Outgoing is a confirmed broadcast, as its Draft named it, and where its
// progress is shown.
type Outgoing struct {
	ID       string // the Draft's
	Audience Audience
	Text     string
	ChatID   int64  // the chat of the progress message
	Lang     string // the language of the progress message
	// Attach is the object the broadcast carries (A7, P3), "" for none:
	// checked again when sent (Attach), its text kept for its buttons.
	Attach string
}

// Sent is what Send did.
type Sent struct {
	// Broadcast is the broadcast as queued (Total messages).
	Broadcast ll.Broadcast
	// Messages are its messages, one per Recipients.To, in that order;
	// without an outbox the front end delivers them itself.
	Messages []ll.OutMessage
	Recipients
	// AuditErr is set when the messages went out (or were queued) but the
	// audit entry could not be written: the broadcast is not undone.
	AuditErr error
}

// Send sends the confirmed broadcast b to its audience's recipients as of
// now (Recipients again: the audience may have changed since the draft),
// one message each worded by message (which returns the reply and its
// language), queued in out (nil: the front end delivers Sent.Messages
// itself), and audits it as "broadcast <id>" with the audience and the
// number of recipients. When it reaches nobody now nothing is queued nor
// audited (Sent.To is empty). Errors: EINVALID Field "broadcast" (an id
// that is not the community's), "text" (see CheckBroadcastText); those of
// Recipients; the outbox's (then nothing is audited).
func (s *Broadcasts) Send(ctx context.Context, sc *Scope, out Outbox, b Outgoing, message func(ll.Member) (ll.Reply, string)) (Sent, error) {
	comm := sc.Community
	if !strings.HasPrefix(b.ID, comm.ID+"-") || len(b.ID) == len(comm.ID)+1 {
		return Sent{}, ll.Invalid("broadcast", "not a broadcast of %s", comm.ID)
	}
	if err := CheckBroadcastText(b.Text); err != nil && (b.Attach == "" || strings.TrimSpace(b.Text) != "") {
		return Sent{}, err
	}
	if b.Attach != "" {
		at, err := s.Attach(ctx, sc, b.Attach)
		if err != nil {
			return Sent{}, &AttachError{Ref: b.Attach, Err: err}
		}
		b.Attach = at.Ref
	}
	r, err := s.Recipients(ctx, sc, b.Audience)
	if err != nil {
		return Sent{}, err
	}
	sent := Sent{Recipients: r}
	if len(r.To) == 0 {
		return sent, nil
	}
	sent.Messages = make([]ll.OutMessage, 0, len(r.To))
	for _, m := range r.To {
		reply, lang := message(m)
		sent.Messages = append(sent.Messages, ll.OutMessage{ID: "bc:" + b.ID + ":" + m.ID, ChatID: m.TelegramID, Reply: reply,
			Kind: ll.OutBroadcast, Community: comm.ID, Member: m.ID, Lang: lang})
	}
	sent.Broadcast = ll.Broadcast{ID: b.ID, Community: comm.ID, By: sc.Actor, ChatID: b.ChatID, Lang: b.Lang,
		Audience: b.Audience.String(), Total: len(sent.Messages), Created: sc.Now}
	if b.Attach != "" {
		if err := s.store.SaveBroadcastNote(ctx, comm.ID, b.ID, strings.TrimSpace(b.Text), BroadcastNoteTTL); err != nil {
			return Sent{}, fmt.Errorf("keep the text of broadcast %s: %w", b.ID, err)
		}
	}
	if out != nil {
		if _, _, err := out.EnqueueBroadcast(ctx, sent.Broadcast, sent.Messages); err != nil {
			return Sent{}, err
		}
	}
	what := b.Audience.String()
	if b.Attach != "" {
		what += " + " + b.Attach
	}
	entry := sc.Audit("broadcast", b.ID, fmt.Sprintf("%s: %d recipient(s)", what, len(sent.Messages)))
	if err := s.store.Audit(ctx, *entry); err != nil {
		sent.AuditErr = fmt.Errorf("audit broadcast %s: %w", b.ID, err)
	}
	return sent, nil
}
