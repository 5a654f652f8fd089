package app_test

import (
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

func TestCommitteeScope(t *testing.T) {
	f := newFixture(t)
	sc := f.scope(1)
	if sc.Community.ID != "elm" || sc.Role != ll.RoleSecretary || sc.Actor != f.ms[0].ID || !sc.CanAppoint() {
		t.Fatalf("secretary's scope = %+v", sc)
	}
	if sc := f.scope(2); sc.Role != ll.RoleCommittee || sc.CanAppoint() {
		t.Fatalf("committee member's scope = %+v, want committee without appointing", sc)
	}
	_, err := f.app.Access.Committee(f.ctx, f.actor(3, false))
	wantRefusal(t, "plain member", err, ll.EFORBIDDEN, "")
	_, err = f.app.Access.Committee(f.ctx, f.actor(99, false))
	wantRefusal(t, "stranger", err, ll.ENOTMEMBER, "")
	_, err = f.app.Access.Committee(f.ctx, f.actor(99, true))
	wantRefusal(t, "admin without /use", err, ll.EFORBIDDEN, ll.ReasonUseFirst)

	admin := f.actor(99, true)
	admin.User.Use = "elm"
	asc, err := f.app.Access.Committee(f.ctx, admin)
	if err != nil || asc.Role != ll.RoleAdmin || asc.Actor != "tg:99" {
		t.Fatalf("admin with /use elm: %+v, %v", asc, err)
	}
	admin.User.Use = "gone"
	_, err = f.app.Access.Committee(f.ctx, admin)
	wantRefusal(t, "admin using a removed community", err, ll.EFORBIDDEN, ll.ReasonUseFirst)
}

func TestAuditNamesTheChannel(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		ch   app.Channel
		want string
	}{{app.ChannelChat, "x"}, {app.ChannelConsole, "x"}, {app.ChannelWebApp, "x (via webapp)"}, {app.ChannelCLI, "x (via cli)"}} {
		sc := f.scope(1)
		sc.Channel = tc.ch
		if got := sc.Audit("a", "o", "x").Detail; got != tc.want {
			t.Errorf("%s: detail %q, want %q", tc.ch, got, tc.want)
		}
	}
}
