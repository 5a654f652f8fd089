// Package handlers is Lamplighter's conversation: it turns one
// lamplighter.Request (a command, an answer in a guided flow, a button press)
// into the lamplighter.Reply values to send back. It checks every privileged
// action against the caller's role as stored at that moment, writes the audit
// entries, runs the guided flows and speaks Chinese and English.
//
// It imports neither Telegram nor Redis: the adapters in package bot turn
// updates into Requests and Replies into API calls, and the Store interface
// (implemented by *storage.Store) keeps the state. That is what lets the
// Telegram bot, the terminal console and the tests share every line here.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Config holds what the handlers need from configuration.
type Config struct {
	Admins          []int64          // district admins' Telegram ids
	BotUsername     string           // for deep links https://t.me/<bot>?start=join_<code>; when empty invites show "/join <code>"
	DefaultTimeZone string           // for /newcommunity; lamplighter.DefaultTimeZone when empty
	DefaultLanguage string           // reply language when nothing else tells; lamplighter.DefaultLanguage when empty
	Now             func() time.Time // the clock; time.Now when nil
	Logger          *slog.Logger     // slog.Default() when nil
	// Outbox takes /broadcast's messages; without one (the demo, the
	// console) they are answered as replies to their recipients.
	Outbox Outbox
	// App is the application layer the conversation calls; New builds one
	// over the store when it is nil and the store is all the services need.
	App *app.App
	// Render draws QR codes, charts and workbooks (report.Renderer).
	Render Renderer
	// BroadcastRate is how many of a broadcast's messages go out a second
	// (LAMPLIGHTER_RATE, or the paid rate with LAMPLIGHTER_PAID_BROADCAST):
	// /broadcast's confirmation shows the expected duration at it.
	// DefaultBroadcastRate when 0.
	BroadcastRate float64
	// WebAppURL is the Mini App's URL (LAMPLIGHTER_WEBAPP_URL): /app
	// answers with a button that opens it; "" when it is not served.
	WebAppURL string
	// TempDir is where /export and /notice write their files as they
	// stream them (spool.go); os.TempDir() when "".
	TempDir string
	// MaxUpload is the largest file a reply may carry (bytes);
	// lamplighter.MaxUploadSize, Telegram's limit, when 0.
	MaxUpload int64
}

// DefaultBroadcastRate is Config.BroadcastRate when unset: the outbox's
// default rate (bot.DefaultRate).
const DefaultBroadcastRate = 25.0

// Handlers answers requests. It keeps no state of its own between requests
// (everything lives in the Store), so one value is safe for concurrent use by
// any number of goroutines.
type Handlers struct {
	store  Store
	app    *app.App
	render Renderer
	cfg    Config
	admins map[int64]bool
	now    func() time.Time
	log    *slog.Logger
}

// New returns Handlers that keep their state in store.
func New(store Store, cfg Config) *Handlers {
	if cfg.DefaultTimeZone == "" {
		cfg.DefaultTimeZone = ll.DefaultTimeZone
	}
	if !ll.ValidLanguage(cfg.DefaultLanguage) {
		cfg.DefaultLanguage = ll.DefaultLanguage
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.BotUsername = strings.TrimPrefix(strings.TrimSpace(cfg.BotUsername), "@")
	if cfg.App == nil {
		cfg.App = appOver(store)
	}
	h := &Handlers{store: store, app: cfg.App, render: cfg.Render, cfg: cfg, admins: map[int64]bool{}, now: cfg.Now, log: cfg.Logger}
	for _, id := range cfg.Admins {
		h.admins[id] = true
	}
	return h
}

// call is one request being answered: who asks, in which language, and the
// community a committee command acts on once it is resolved.
type call struct {
	h    *Handlers
	ctx  context.Context
	req  ll.Request
	now  time.Time
	user ll.User
	// member is the caller's active member record once something read it
	// (self, or the committee check); nil until then. Who the caller is
	// comes from the one read of the user record (its membership snapshot);
	// the member record is data, read by what needs it.
	member     *ll.Member
	memberRead bool // self looked it up (member stays nil when there is none)
	duplicate  bool // the update was begun before: no reply, no effect
	admin      bool
	lang       string
	scope      *app.Scope // set once a committee command resolved its community
	public     bool       // the answer may stay in a group chat
}

// Handle answers one request. It never panics (a panic is recovered, logged
// with its stack and answered with an apology) and never returns zero replies
// for a message a user sent, unless it is a duplicate update (see
// HandleUpdate); a button press may be answered with a reply that carries
// only a CallbackAnswer. Reply texts are Telegram HTML in which every piece
// of user-typed text is escaped. A privileged action is checked against the
// role stored at the moment of the request, never against callback data.
func (h *Handlers) Handle(ctx context.Context, req ll.Request) []ll.Reply {
	replies, _ := h.HandleUpdate(ctx, req)
	return replies
}

// HandleUpdate is Handle, reporting duplicates. A request with an UpdateID
// marks its update taken in the same round trip that reads the user
// (Store.Begin), so no separate marker is needed: an update that was already
// taken (redelivered, or handled by another replica) gets no replies, has no
// effect, and duplicate is true. The adapter then must not answer it either.
// A request without an UpdateID (the console) is never a duplicate.
func (h *Handlers) HandleUpdate(ctx context.Context, req ll.Request) (replies []ll.Reply, duplicate bool) {
	c := &call{
		h:     h,
		ctx:   ctx,
		req:   req,
		now:   h.now(),
		admin: h.admins[req.UserID],
		lang:  hintLanguage(req.LanguageCode, h.cfg.DefaultLanguage),
	}
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("panic answering a request", "panic", r, "user", req.UserID,
				"command", req.Command, "callback", req.Callback, "stack", string(debug.Stack()))
			msg := c.t("error.internal")
			rep := ll.Reply{Text: msg}
			if req.Callback != "" {
				rep.CallbackAnswer = plain(msg)
			}
			if !req.Private {
				rep.ChatID = req.UserID
			}
			replies, duplicate = []ll.Reply{rep}, false
		}
	}()
	rs := c.handle()
	if c.duplicate {
		return nil, true
	}
	return c.finish(rs), false
}

// Done records that the update of req took effect and its replies were
// sent (Store.Finish): a later delivery of it is then a duplicate. Until
// Done, a delivery after the update's lease expired (the process was killed
// before the effect) is handled again. Adapters call it after sending the
// replies; a request without an UpdateID needs none.
func (h *Handlers) Done(ctx context.Context, req ll.Request) error {
	if req.UpdateID == 0 {
		return nil
	}
	return h.store.Finish(ctx, req.UpdateID, req.UserID)
}

// handle routes the request: a button press, a command, or text for a flow.
func (c *call) handle() []ll.Reply {
	press := c.req.Callback != "" || c.req.CallbackID != ""
	if err := c.load(); err != nil {
		c.public = true
		if press {
			return c.toastErr(err, "")
		}
		return c.fail(err, "")
	}
	if c.duplicate {
		return nil
	}
	if press {
		return c.onCallback()
	}
	if !utf8.ValidString(c.req.Text) {
		c.public = true
		return c.say("input.unreadable")
	}
	if n := utf8.RuneCountInString(c.req.Text); n > ll.MaxInputLen {
		c.public = true
		return c.say("input.too_long", n, ll.MaxInputLen)
	}
	if c.req.Command != "" && c.req.ForwardedFromChat == 0 {
		return c.onCommand()
	}
	return c.onText()
}

// load reads the user record (beginning the update, when the request has
// one): one round trip that tells who the caller is (the membership
// snapshot: community, member id, role), their language and reachability.
// Nothing else is read up front, whatever the command. A user record
// written before snapshots existed has its member read once here and the
// snapshot written.
func (c *call) load() error {
	var (
		u   ll.User
		err error
	)
	if c.req.UpdateID != 0 {
		var first bool
		first, u, err = c.h.store.Begin(c.ctx, c.req.UpdateID, c.req.UserID, c.now)
		if err == nil && !first {
			c.duplicate = true
			c.h.log.Info("duplicate update skipped", "update_id", c.req.UpdateID, "user", c.req.UserID)
			return nil
		}
	} else {
		u, err = c.h.store.User(c.ctx, c.req.UserID)
	}
	if err != nil {
		return fmt.Errorf("load user %d: %w", c.req.UserID, err)
	}
	c.user = u
	if u.MemberID != "" && !u.HasSnapshot {
		m, err := c.self()
		switch {
		case err == nil:
			if err := c.h.store.WriteSnapshot(c.ctx, c.req.UserID, *m); err != nil {
				c.h.log.Warn("write membership snapshot", "user", c.req.UserID, "err", err)
			}
		case !errors.Is(err, ll.ErrNotMember):
			return err
		}
	}
	c.lang = c.language()
	c.markReachable()
	return nil
}

// hasMembership reports whether the user record names a membership of the
// caller's. The store steps that act through it (ClaimAs, CheckInAs, Card)
// and self check that it is still active and theirs.
func (c *call) hasMembership() bool {
	return c.member != nil || c.user.MemberID != ""
}

// self returns the caller's active member record, reading it on first use:
// ErrNotMember when the user record names none, or one that left or is
// someone else's (a stale pointer).
func (c *call) self() (*ll.Member, error) {
	if c.member != nil {
		return c.member, nil
	}
	if c.memberRead || c.user.MemberID == "" {
		return nil, ll.ErrNotMember
	}
	c.memberRead = true
	m, err := c.h.store.Member(c.ctx, c.user.Community, c.user.MemberID)
	switch {
	case errors.Is(err, ll.ErrNotFound):
		return nil, ll.ErrNotMember
	case err != nil:
		return nil, fmt.Errorf("load member %s/%s: %w", c.user.Community, c.user.MemberID, err)
	case !m.Active() || m.TelegramID != c.req.UserID:
		return nil, ll.ErrNotMember
	}
	c.member = &m
	return c.member, nil
}

// stalePointer reports whether err is the Store refusing a step that acted
// through the user's membership pointer (ClaimAs, CheckInAs, Card) because
// it names no active member of the user's, when the member was not read.
func (c *call) stalePointer(err error) bool {
	return c.member == nil && ll.ErrorCode(err) == ll.ENOTMEMBER
}

// notMember answers a request whose membership pointer turned out stale the
// way it answers the same request from a user who is no member.
func (c *call) notMember() []ll.Reply {
	switch {
	case c.req.Callback != "":
		c.public = true
		return c.toastErr(ll.ErrNotMember, "")
	case c.req.Command == "start":
		return c.say("checkin.register_first")
	}
	return c.fail(ll.ErrNotMember, "")
}

// actor is the caller as the application layer sees them.
func (c *call) actor() app.Actor {
	return app.Actor{
		TelegramID: c.req.UserID,
		User:       c.user,
		Member:     c.member,
		Admin:      c.admin,
		Channel:    c.channel(),
		Now:        c.now,
	}
}

// channel names the front end: the console sends requests without update ids.
func (c *call) channel() app.Channel {
	if c.req.UpdateID == 0 {
		return app.ChannelConsole
	}
	return app.ChannelChat
}

// markReachable records that a member who writes to the bot is reachable again.
func (c *call) markReachable() {
	if c.user.Unreachable || (c.member != nil && c.member.Unreachable) {
		if err := c.h.store.SetReachable(c.ctx, c.req.UserID, true); err != nil {
			c.h.log.Warn("mark user reachable", "user", c.req.UserID, "err", err)
		}
	}
}

// language picks the reply language: the user's choice, the member's, the
// Telegram client's, the community's, then the configured default.
func (c *call) language() string {
	if ll.ValidLanguage(c.user.Language) {
		return c.user.Language
	}
	if c.member == nil && c.user.MemberID != "" && !c.user.NoMemberLanguage {
		// The snapshot says the member has a language, the user record none
		// of its own: read the member for it.
		_, _ = c.self()
	}
	if c.member != nil && ll.ValidLanguage(c.member.Language) {
		return c.member.Language
	}
	if l := hintLanguage(c.req.LanguageCode, ""); l != "" {
		return l
	}
	community := c.user.Use
	if c.user.Community != "" {
		community = c.user.Community
	}
	if community != "" {
		if comm, err := c.h.store.Community(c.ctx, community); err == nil && ll.ValidLanguage(comm.Language) {
			return comm.Language
		}
	}
	return c.h.cfg.DefaultLanguage
}

// hintLanguage maps Telegram's language_code to a reply language, def when it
// names neither Chinese nor English.
func hintLanguage(code, def string) string {
	code = strings.ToLower(code)
	switch {
	case strings.HasPrefix(code, "zh"):
		return "zh"
	case strings.HasPrefix(code, "en"):
		return "en"
	}
	return def
}

// onText answers a message that is not a command: the next answer of the
// user's guided flow, a shared location (a live one checks in), or a hint.
func (c *call) onText() []ll.Reply {
	if !c.req.Private {
		// In a group the bot only hears commands and replies to its own
		// messages; guided steps happen in the private chat.
		c.public = true
		return c.say("text.group")
	}
	f, err := c.h.store.Flow(c.ctx, c.req.UserID)
	if err != nil {
		return c.fail(err, "")
	}
	if f != nil {
		return c.flowText(f)
	}
	if c.req.Location != nil {
		return c.onLocation()
	}
	if !c.hasMembership() {
		return c.say("text.hint_guest")
	}
	return c.say("text.hint")
}

// finish names the community on committee replies, moves personal answers
// out of group chats, and makes sure a request gets an answer.
func (c *call) finish(rs []ll.Reply) []ll.Reply {
	if c.scope != nil {
		label := c.communityLabel(c.scope.Community)
		for i := range rs {
			if rs[i].Text != "" && (rs[i].ChatID == 0 || rs[i].ChatID == c.req.UserID) &&
				!strings.HasPrefix(rs[i].Text, label) {
				rs[i].Text = label + rs[i].Text
			}
		}
	}
	if !c.req.Private && !c.public {
		rs = c.toPrivate(rs)
	}
	if len(rs) == 0 {
		if c.req.Callback != "" {
			return []ll.Reply{{CallbackAnswer: "✓"}}
		}
		if c.req.Location != nil && c.req.Location.Update {
			return nil // a live position that changed nothing: silence is the answer
		}
		c.h.log.Error("no reply for a request", "user", c.req.UserID, "command", c.req.Command)
		return []ll.Reply{{Text: c.t("error.internal")}}
	}
	return rs
}

// toPrivate sends the replies meant for the requester to their private chat
// and leaves a short note (or, for a button, a toast) in the group.
func (c *call) toPrivate(rs []ll.Reply) []ll.Reply {
	out := make([]ll.Reply, 0, len(rs)+1)
	toast := ""
	for _, r := range rs {
		if r.CallbackAnswer != "" && toast == "" {
			toast = r.CallbackAnswer
		}
		r.CallbackAnswer = ""
		if r.ChatID == 0 {
			if r.Text == "" && r.File == nil {
				continue
			}
			r.ChatID = c.req.UserID
			r.Edit = false
		}
		out = append(out, r)
	}
	if c.req.Callback != "" {
		if toast == "" {
			toast = plain(c.t("group.sent_private"))
		}
		return append(out, ll.Reply{CallbackAnswer: toast})
	}
	return append(out, ll.Reply{Text: c.t("group.sent_private") + c.botLinkHint()})
}

// botLinkHint points at the private chat with the bot when its username is known.
func (c *call) botLinkHint() string {
	if c.h.cfg.BotUsername == "" {
		return ""
	}
	return " " + fmt.Sprintf(`<a href="https://t.me/%s">@%s</a>`, c.h.cfg.BotUsername, c.h.cfg.BotUsername)
}

// say is a single reply to the requester from a catalog message.
func (c *call) say(id string, args ...any) []ll.Reply {
	return []ll.Reply{{Text: c.t(id, args...)}}
}

// text is a single reply to the requester with HTML built by the caller.
func text(s string, buttons ...[]ll.Button) []ll.Reply {
	return []ll.Reply{{Text: s, Buttons: buttons}}
}

// communityLabel is the header naming the community a committee reply acted on.
func (c *call) communityLabel(comm ll.Community) string {
	return c.t("label.community", comm.Name, comm.ID) + "\n"
}

// actorFor names the caller in audit entries of a community: their member id
// there, or tg:<id> for an admin who is not a member of it.
func (c *call) actorFor(community string) string {
	return c.actor().AuditName(community)
}

// toLabel names a member as the recipient of a message: "M3 (Li Wei)".
func toLabel(m ll.Member) string {
	name := m.Name
	if name == "" {
		name = "—"
	}
	return m.ID + " (" + name + ")"
}

// isCommitteeMember reports whether the caller holds a committee role in
// their own community, as the user record's snapshot says: for what a reply
// offers (help, menus), never for what a command may do (Access.Committee).
func (c *call) isCommitteeMember() bool {
	return c.hasMembership() && c.role().IsCommittee()
}

// role is the caller's role in their community: the member record's once
// read, else the user record's snapshot.
func (c *call) role() ll.Role {
	if c.member != nil {
		return c.member.Role
	}
	return c.user.Role
}

// splitArgs splits arguments on whitespace into at most n fields; the last
// field keeps the rest of the text.
func splitArgs(s string, n int) []string {
	var out []string
	s = strings.TrimSpace(s)
	for s != "" && len(out) < n-1 {
		i := strings.IndexFunc(s, isSpace)
		if i < 0 {
			break
		}
		out = append(out, s[:i])
		s = strings.TrimSpace(s[i:])
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000'
}

// truncate shortens s to at most n runes, marking the cut with "…"; it is for
// button labels and one-line summaries, never for stored data.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// joinSkills lists skills for display.
func joinSkills(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}

// containsFold reports whether any of fields contains q, ignoring case.
func containsFold(q string, fields ...string) bool {
	q = strings.ToLower(q)
	return slices.ContainsFunc(fields, func(f string) bool {
		return strings.Contains(strings.ToLower(f), q)
	})
}
