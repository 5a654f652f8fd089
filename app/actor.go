package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Channel names the front end a request came through; audit entries carry it.
type Channel string

// The front ends.
const (
	ChannelChat    Channel = "chat"
	ChannelConsole Channel = "console"
	ChannelWebApp  Channel = "webapp"
	ChannelCLI     Channel = "cli"
)

// Actor is the person making one request, read once per request: the
// Telegram user record (with its membership pointer and the snapshot of
// that membership: community, member id, role), whether they are a district
// admin, and the front end. Every service takes it and checks what the
// action needs against it; callers never pass a role of their own. A
// service whose rule needs the member record itself reads it (self), unless
// the front end already holds it in Member; a committee action's role is
// always checked against the member record (Access.Committee).
type Actor struct {
	TelegramID int64
	User       ll.User
	Member     *ll.Member // the active membership when already read; nil: not read, or none
	Admin      bool
	Channel    Channel
	Now        time.Time
}

// IsMember reports whether the actor has a membership, as the user record
// says (the services check that it is still active where it matters).
func (a Actor) IsMember() bool { return a.Self().MemberID != "" }

// AuditName names the actor in audit entries of community: their member id
// there, or tg:<id> for someone who is not a member of it ("cli" for the CLI).
func (a Actor) AuditName(community string) string {
	if a.Channel == ChannelCLI && a.TelegramID == 0 {
		return "cli"
	}
	if p := a.Self(); p.MemberID != "" && p.Community == community {
		return p.MemberID
	}
	return "tg:" + strconv.FormatInt(a.TelegramID, 10)
}

// Scope is the community a committee action acts on, who acts, with which
// role, and when. Services build it with Access.Committee; a Scope is proof
// that the role check passed.
type Scope struct {
	Community ll.Community
	Actor     string  // audit name of the actor
	Role      ll.Role // the caller's role there; RoleAdmin for a district admin
	Channel   Channel
	Now       time.Time
	// Member is the actor's own member record as the check read it: set
	// for a committee member, nil for an admin.
	Member *ll.Member
	// TelegramID is the acting person's Telegram id (0 for the operator at
	// the command line): the rules against self-dealing compare people, not
	// member ids, so a member who left and rejoined is still themselves.
	TelegramID int64
}

// IsPerson reports whether m is a membership of the person acting in the
// scope: the actor's own member record, or any member record (of any
// status, an old one too) with the actor's Telegram id.
func (s Scope) IsPerson(m ll.Member) bool {
	if s.Member != nil && m.ID == s.Member.ID && m.Community == s.Member.Community {
		return true
	}
	return s.TelegramID != 0 && m.TelegramID == s.TelegramID
}

// refusal writes the audit entry of a refused committee action (action
// "refused", detail "<what>: <why>") and returns err. The entry is written
// on its own, since nothing else is; a failure to write it is returned
// instead of err, so a refusal that should be audited never goes unaudited
// silently.
func (s Scope) refusal(ctx context.Context, a auditor, object, what, why string, err error) error {
	if aerr := a.Audit(ctx, *s.Audit("refused", object, what+": "+why)); aerr != nil {
		return fmt.Errorf("audit refusal of %s %s: %w", what, object, aerr)
	}
	return err
}

// auditor writes one audit entry on its own.
type auditor interface {
	Audit(ctx context.Context, e ll.AuditEntry) error
}

// CanAppoint reports whether the scope may grant committee roles.
func (s Scope) CanAppoint() bool {
	return s.Role == ll.RoleSecretary || s.Role == ll.RoleAdmin
}

// Audit is the audit entry of an action in the scope's community. The web
// app and the CLI are named in the entry's detail; the chat and the console
// (the same conversation) are not.
func (s Scope) Audit(action, object, detail string) *ll.AuditEntry {
	if s.Channel == ChannelWebApp || s.Channel == ChannelCLI {
		if detail == "" {
			detail = "via " + string(s.Channel)
		} else {
			detail += " (via " + string(s.Channel) + ")"
		}
	}
	return &ll.AuditEntry{
		Time:      s.Now,
		Community: s.Community.ID,
		Actor:     s.Actor,
		Action:    action,
		Object:    object,
		Detail:    truncate(detail, 200),
	}
}

// truncate shortens s to at most n runes for audit details.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Self is the actor acting through their own membership, for the store's
// ...As steps (ClaimAs, CheckInAs …), which check in the same atomic step
// that this member is active and the actor's: the membership read, or the
// one the user's pointer names. Its MemberID is empty when the actor has no
// membership at all.
func (a Actor) Self() ll.User {
	if a.Member != nil {
		return ll.User{TelegramID: a.TelegramID, Community: a.Member.Community, MemberID: a.Member.ID}
	}
	return ll.User{TelegramID: a.TelegramID, Community: a.User.Community, MemberID: a.User.MemberID}
}

// Operator is the person at the command line (lamplighter community,
// members, invite, audit, export): they hold the deployment's Redis, so they
// act with an admin's rights, in community when one is given, and are named
// "cli" in audit entries.
func Operator(community string, now time.Time) Actor {
	return Actor{User: ll.User{Use: community}, Admin: true, Channel: ChannelCLI, Now: now}
}
