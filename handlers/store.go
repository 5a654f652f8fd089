package handlers

import (
	"context"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Store is the persistence the conversation needs. *storage.Store implements it;
// cmd/lamplighter passes it in so the compiler checks the fit.
//
// Errors are domain errors (*lamplighter.Error: ErrNotFound, ErrConflict,
// ErrFull, ErrNotMember, ErrInvalid) or, when Redis cannot be reached, an error
// that errors.Is(err, lamplighter.ErrUnavailable).
//
// Methods that take an audit entry are privileged: the store writes the entry
// to the community's audit log in the same atomic step as the change (it fills
// in Time when zero, Community, and Object when empty with the new object's id).
// A nil audit entry writes none.
//
// It embeds LedgerStore (ledger_store.go): activities, check-ins, service
// records and the participation ledger.
type Store interface {
	LedgerStore

	// User returns what is known about a Telegram user; an unknown user is a
	// zero User with TelegramID set, not an error.
	User(ctx context.Context, tg int64) (ll.User, error)
	// Begin starts handling the transport's update updateID from user tg at
	// now in one atomic step (one round trip): it takes a short lease on the
	// update, across replicas and restarts, and returns the user as User
	// does. first is false for an update that is done or leased by a live
	// handler (a redelivery), which must then have no effect; an expired
	// lease (a handler killed before its effect) is taken over.
	Begin(ctx context.Context, updateID, tg int64, now time.Time) (first bool, u ll.User, err error)
	// Finish marks a begun update done: every later delivery is a duplicate.
	Finish(ctx context.Context, updateID, tg int64) error
	// SetUserLanguage stores the user's reply language ("zh" or "en") and, if the
	// user is a member, the member's language too.
	SetUserLanguage(ctx context.Context, tg int64, lang string) error
	// SetUserUse stores the community an admin's committee commands act on.
	SetUserUse(ctx context.Context, tg int64, community string) error

	// Flow returns the user's guided flow, nil when there is none or it expired.
	Flow(ctx context.Context, tg int64) (*ll.Flow, error)
	// SetFlow stores the user's guided flow; it expires after ttl.
	SetFlow(ctx context.Context, tg int64, f ll.Flow, ttl time.Duration) error
	// ClearFlow ends the user's guided flow; no error if there was none.
	ClearFlow(ctx context.Context, tg int64) error

	// CreateCommunity stores a new community; ErrConflict if the id is taken.
	CreateCommunity(ctx context.Context, c ll.Community, audit *ll.AuditEntry) error
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
	// Communities returns every community, ordered by id.
	Communities(ctx context.Context) ([]ll.Community, error)
	// SaveCommunity replaces a community's settings; ErrNotFound if it does not exist.
	SaveCommunity(ctx context.Context, c ll.Community, audit *ll.AuditEntry) error

	// CreateInvite stores an invite, generating its code (<community>-<10 random
	// [a-z0-9]>) when empty, and returns it.
	CreateInvite(ctx context.Context, inv ll.Invite, audit *ll.AuditEntry) (ll.Invite, error)
	// Invite returns an invite by code; ErrNotFound if unknown or expired.
	Invite(ctx context.Context, code string) (ll.Invite, error)
	// Register makes Telegram user m.TelegramID an active member of
	// inv.Community through inv, atomically:
	//   - personal invite (inv.Member set): binds the pre-created member to the
	//     user and marks the invite used; ErrConflict if it was used by someone else;
	//   - community invite: creates member M<n>, or returns the user's existing
	//     active member of that community (idempotent on retries);
	// non-empty profile fields of m (name, unit, building, skills, language)
	// overwrite the stored ones; inv.Role, when set, becomes the member's role.
	// It then points the user at the member. It does not touch a membership the
	// user holds in another community: callers remove that first.
	Register(ctx context.Context, inv ll.Invite, m ll.Member, now time.Time) (ll.Member, error)
	// ImportMembers creates all members of ms in one community, all or nothing:
	// ErrConflict (Detail = the telegram id) if a Telegram id already belongs to
	// an active member there or appears twice. Returned members carry their ids,
	// in the order given. Roles in ms are kept.
	ImportMembers(ctx context.Context, community string, ms []ll.Member, now time.Time, audit *ll.AuditEntry) ([]ll.Member, error)
	// Member returns a member by id (any status); ErrNotFound if unknown.
	Member(ctx context.Context, community, id string) (ll.Member, error)
	// MemberByTelegram returns the community's member with that Telegram id
	// (the active one if several); ErrNotFound if none.
	MemberByTelegram(ctx context.Context, community string, tg int64) (ll.Member, error)
	// Membership reads a community and one of its members (any status) in
	// one round trip; ErrNotFound if either is unknown.
	Membership(ctx context.Context, community, memberID string) (ll.Community, ll.Member, error)
	// WriteSnapshot records the membership snapshot of user tg from the
	// member m their pointer names, for a record written before snapshots.
	WriteSnapshot(ctx context.Context, tg int64, m ll.Member) error
	// Members returns every member of the community (any status) by id order.
	Members(ctx context.Context, community string) ([]ll.Member, error)
	// UpdateProfile replaces name, unit, building, skills and language of an
	// existing member; ErrNotFound if unknown.
	UpdateProfile(ctx context.Context, m ll.Member) error
	// SetRole sets a member's role (RoleNone removes it).
	SetRole(ctx context.Context, community, memberID string, role ll.Role, audit *ll.AuditEntry) error
	// RemoveMember marks an active member left at now: releases their claims
	// (keeping the history), takes them out of teams, clears their role and
	// the user's pointer to them. Removing a member who already left is a no-op.
	RemoveMember(ctx context.Context, community, memberID string, now time.Time, audit *ll.AuditEntry) error
	// SetReachable records whether the bot can message Telegram user tg.
	SetReachable(ctx context.Context, tg int64, reachable bool) error
	// Card reads everything a member's card shows in one step (one round
	// trip): the member (any status), the community, claims, posts held,
	// teams and participations. ErrNotFound if the member is unknown. It
	// checks nothing about who asks.
	Card(ctx context.Context, community, memberID string) (ll.Card, error)

	// CreatePost stores a new post with the next id P<n> and returns it.
	CreatePost(ctx context.Context, p ll.Post, audit *ll.AuditEntry) (ll.Post, error)
	// Post returns a post with Claims filled in; ErrNotFound if unknown.
	Post(ctx context.Context, community, id string) (ll.Post, error)
	// Posts returns all posts of a community (open and closed) by id order.
	Posts(ctx context.Context, community string) ([]ll.Post, error)
	// SavePost replaces an existing post's fields (not its claims).
	SavePost(ctx context.Context, p ll.Post, audit *ll.AuditEntry) error
	// Claim gives the member a hold on the post in one atomic step. It never
	// lets the post exceed its capacity under any concurrency. changed is false
	// when the member already holds it (a retry or double tap). Errors:
	// ErrNotFound (post or member), ErrNotMember (member not active),
	// ErrConflict with Detail "closed" (post closed), ErrFull.
	Claim(ctx context.Context, community, postID, memberID string, now time.Time) (p ll.Post, changed bool, err error)
	// Unclaim releases the member's hold at now; changed is false if they held none.
	Unclaim(ctx context.Context, community, postID, memberID string, now time.Time) (changed bool, err error)
	// ClaimAs and UnclaimAs are Claim and Unclaim for the member that user
	// u's membership pointer names (u.Community, u.MemberID), on behalf of u:
	// the same atomic step first checks that this member is active and is
	// Telegram user u.TelegramID's, and answers ErrNotMember otherwise (a
	// stale pointer never acts for someone else); it also marks the member
	// reachable. One round trip each.
	ClaimAs(ctx context.Context, u ll.User, postID string, now time.Time) (p ll.Post, changed bool, err error)
	UnclaimAs(ctx context.Context, u ll.User, postID string, now time.Time) (changed bool, err error)
	// ClaimsOf returns the member's claims, current and released, oldest first.
	ClaimsOf(ctx context.Context, community, memberID string) ([]ll.Claim, error)
	// Holders returns the current claims on a post, oldest first.
	Holders(ctx context.Context, community, postID string) ([]ll.Claim, error)

	// CreateTeam stores a new team with the next id T<n>.
	CreateTeam(ctx context.Context, t ll.Team, audit *ll.AuditEntry) (ll.Team, error)
	// Team returns a team with Members and Leaders filled in.
	Team(ctx context.Context, community, id string) (ll.Team, error)
	// Teams returns all teams of a community with Members filled in, by id order.
	Teams(ctx context.Context, community string) ([]ll.Team, error)
	// JoinTeam adds an active member; changed is false if already in.
	JoinTeam(ctx context.Context, community, teamID, memberID string) (changed bool, err error)
	// LeaveTeam removes a member (and their leadership); changed is false if not in.
	LeaveTeam(ctx context.Context, community, teamID, memberID string) (changed bool, err error)
	// ToggleLeader makes the member a leader of the team (joining them to it),
	// or, if already a leader, removes the leadership; it returns the new state.
	ToggleLeader(ctx context.Context, community, teamID, memberID string, audit *ll.AuditEntry) (leader bool, err error)

	// Audit appends an entry to the community's audit log.
	Audit(ctx context.Context, e ll.AuditEntry) error
	// AuditLog returns up to n entries at or after since, newest first.
	AuditLog(ctx context.Context, community string, n int, since time.Time) ([]ll.AuditEntry, error)
}
