package app_test

import (
	"context"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// The compiler checks that *storage.Store is what the services need.
var _ app.Store = (*storage.Store)(nil)

func TestMain(m *testing.M) { storagetest.Main(m) }

// fixture is one community on a real Redis with a secretary (tg 1, M1), a
// committee member (tg 2, M2) and a plain member (tg 3, M3), and the
// services over it.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	store *storage.Store
	app   *app.App
	now   time.Time
	comm  ll.Community
	ms    []ll.Member // M1 secretary, M2 committee, M3 member
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: storagetest.NewStore(t),
		now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	f.app = app.New(f.store)
	f.comm = ll.Community{ID: "elm", Name: "Elm Street", TimeZone: "Asia/Shanghai", Language: "en", Minimum: 2, Created: f.now}
	if err := f.store.CreateCommunity(f.ctx, f.comm, nil); err != nil {
		t.Fatalf("CreateCommunity: %v", err)
	}
	ms, err := f.store.ImportMembers(f.ctx, "elm", []ll.Member{
		{TelegramID: 1, Name: "Sec", Role: ll.RoleSecretary},
		{TelegramID: 2, Name: "Com", Role: ll.RoleCommittee},
		{TelegramID: 3, Name: "Mem"},
	}, f.now, nil)
	if err != nil {
		t.Fatalf("ImportMembers: %v", err)
	}
	f.ms = ms
	return f
}

// actor is Telegram user tg as the front ends build them: the user record
// and the active membership it points to.
func (f *fixture) actor(tg int64, admin bool) app.Actor {
	f.t.Helper()
	u, err := f.store.User(f.ctx, tg)
	if err != nil {
		f.t.Fatalf("User(%d): %v", tg, err)
	}
	a := app.Actor{TelegramID: tg, User: u, Admin: admin, Channel: app.ChannelChat, Now: f.now}
	if u.MemberID != "" {
		m, err := f.store.Member(f.ctx, u.Community, u.MemberID)
		if err != nil {
			f.t.Fatalf("Member: %v", err)
		}
		if m.Active() && m.TelegramID == tg {
			a.Member = &m
		}
	}
	return a
}

// scope is the committee scope of tg; it fails the test when refused.
func (f *fixture) scope(tg int64) *app.Scope {
	f.t.Helper()
	sc, err := f.app.Access.Committee(f.ctx, f.actor(tg, false))
	if err != nil {
		f.t.Fatalf("Committee(tg %d): %v", tg, err)
	}
	return &sc
}

// audit returns the community's audit log, newest first.
func (f *fixture) audit() []ll.AuditEntry {
	f.t.Helper()
	log, err := f.store.AuditLog(f.ctx, f.comm.ID, 100, time.Time{})
	if err != nil {
		f.t.Fatalf("AuditLog: %v", err)
	}
	return log
}

// wantRefusal fails unless err is a domain error of code (and reason, when
// not empty).
func wantRefusal(t *testing.T, what string, err error, code, reason string) {
	t.Helper()
	if ll.ErrorCode(err) != code || (reason != "" && ll.ErrorDetail(err) != reason) {
		t.Fatalf("%s: err = %v (code %q, detail %q), want code %q reason %q", what, err, ll.ErrorCode(err), ll.ErrorDetail(err), code, reason)
	}
}
