package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// The compiler checks that *storage.Store is what the handlers need.
var _ handlers.Store = (*storage.Store)(nil)

func TestMain(m *testing.M) { storagetest.Main(m) }

var (
	ctx = context.Background()
	t0  = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
)

// code is the domain error code of err ("" for nil).
func code(err error) string { return ll.ErrorCode(err) }

// newCommunity creates community id with defaults.
func newCommunity(t testing.TB, s *storage.Store, id string) ll.Community {
	t.Helper()
	c := ll.Community{ID: id, Name: "Community " + id, TimeZone: ll.DefaultTimeZone, Language: ll.DefaultLanguage,
		Minimum: ll.DefaultMinimum, PostMinimum: ll.DefaultPostMinimum, Created: t0}
	if err := s.CreateCommunity(ctx, c, nil); err != nil {
		t.Fatalf("CreateCommunity(%s) = %v", id, err)
	}
	return c
}

// importMembers creates n members without Telegram ids.
func importMembers(t testing.TB, s *storage.Store, community string, n int) []ll.Member {
	t.Helper()
	ms := make([]ll.Member, n)
	for i := range ms {
		ms[i] = ll.Member{Name: "Member", Unit: "Bank of Dongan", Building: "19", Skills: []string{"law"}}
	}
	got, err := s.ImportMembers(ctx, community, ms, t0, nil)
	if err != nil {
		t.Fatalf("ImportMembers(%d) = %v", n, err)
	}
	return got
}

// newPost creates an open claimed post with that capacity.
func newPost(t testing.TB, s *storage.Store, community string, capacity int) ll.Post {
	t.Helper()
	p, err := s.CreatePost(ctx, ll.Post{Community: community, Title: "Street lights", Mode: ll.ModeClaimed, Capacity: capacity, Created: t0}, nil)
	if err != nil {
		t.Fatalf("CreatePost = %v", err)
	}
	return p
}

// register registers Telegram user tg through a new community invite.
func register(t testing.TB, s *storage.Store, community string, tg int64, name string) ll.Member {
	t.Helper()
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: community, Created: t0}, nil)
	if err != nil {
		t.Fatalf("CreateInvite = %v", err)
	}
	m, err := s.Register(ctx, inv, ll.Member{TelegramID: tg, Name: name}, t0)
	if err != nil {
		t.Fatalf("Register(%d) = %v", tg, err)
	}
	return m
}

func wantCode(t testing.TB, what string, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, want)
	}
}

func isUnavailable(err error) bool { return errors.Is(err, ll.ErrUnavailable) }
