package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// SessionStore is what Sessions reads.
type SessionStore interface {
	MemberReader
	// User returns what is known about a Telegram user; an unknown user is
	// a zero User with TelegramID set, not an error. One round trip.
	User(ctx context.Context, tg int64) (ll.User, error)
	// Community returns one community; ErrNotFound if there is none.
	Community(ctx context.Context, id string) (ll.Community, error)
}

// Sessions turns a Telegram user id that a front end authenticated itself
// (the Mini App's initData) into the Actor the services check, the same
// way the chat does: one read of the user record, whose membership
// snapshot says who the caller is; nothing else is trusted from the client.
type Sessions struct {
	store SessionStore
}

// Actor reads the user record of tg and returns them as the actor of one
// request through channel at now; admin says whether tg is a district
// admin (from configuration). Errors: the store's (ErrUnavailable when
// Redis is down).
func (s *Sessions) Actor(ctx context.Context, tg int64, admin bool, channel Channel, now time.Time) (Actor, error) {
	u, err := s.store.User(ctx, tg)
	if err != nil {
		return Actor{}, fmt.Errorf("load user %d: %w", tg, err)
	}
	u.TelegramID = tg
	return Actor{TelegramID: tg, User: u, Admin: admin, Channel: channel, Now: now}, nil
}

// Language picks the language a front end answers the actor in, in the
// chat's order: the user's own choice (/lang), their member record's, the
// client's language code (hint, e.g. Telegram's language_code), their
// community's, then def. member is the actor's member record when the
// front end read it (nil: read here only when the snapshot says it has a
// language of its own).
func (s *Sessions) Language(ctx context.Context, a Actor, member *ll.Member, hint, def string) string {
	if ll.ValidLanguage(a.User.Language) {
		return a.User.Language
	}
	if member == nil && a.User.MemberID != "" && !a.User.NoMemberLanguage {
		if m, err := self(ctx, s.store, a); err == nil {
			member = m
		}
	}
	if member != nil && ll.ValidLanguage(member.Language) {
		return member.Language
	}
	switch hint = strings.ToLower(hint); {
	case strings.HasPrefix(hint, "zh"):
		return "zh"
	case strings.HasPrefix(hint, "en"):
		return "en"
	}
	community := a.User.Use
	if a.User.Community != "" {
		community = a.User.Community
	}
	if community != "" {
		if comm, err := s.store.Community(ctx, community); err == nil && ll.ValidLanguage(comm.Language) {
			return comm.Language
		}
	}
	if ll.ValidLanguage(def) {
		return def
	}
	return ll.DefaultLanguage
}
