package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/lamplighter-bot/lamplighter/report"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
)

func TestBadInputAnsweredInBothLanguages(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
	e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	long := strings.Repeat("灯", 10000)

	type input struct {
		name     string
		who      map[string]person
		text     string // a message, or
		callback string // a button press
		want     map[string]string
	}
	members := map[string]person{"en": alice, "zh": lin}
	strangers := map[string]person{"en": stranger, "zh": mou}
	inputs := []input{
		{"unknown command", members, "/frobnicate now", "", map[string]string{"en": "I don't know the command /frobnicate", "zh": "没有 /frobnicate 这个命令"}},
		{"malformed post id", members, "/claim P-1", "", map[string]string{"en": "That is not a post id", "zh": "这不是岗位编号"}},
		{"malformed team id", members, "/jointeam team2", "", map[string]string{"en": "That is not a team id", "zh": "这不是服务队编号"}},
		{"unknown post", members, "/claim P4294967295", "", map[string]string{"en": "P4294967295 was not found", "zh": "没有找到 P4294967295"}},
		{"10,000 characters", members, long, "", map[string]string{"en": "too long (10000 characters; at most 4096)", "zh": "消息太长（10000 个字符"}},
		{"10,000 characters command", members, "/claim " + long, "", map[string]string{"en": "too long", "zh": "消息太长"}},
		{"invalid UTF-8", members, "/profile name \xff\xfe", "", map[string]string{"en": "could not read that message", "zh": "无法识别这条消息"}},
		{"missing arguments", members, "/unclaim", "", map[string]string{"en": "Usage:", "zh": "用法："}},
		{"forged callback", members, "", "c:P1;DROP", map[string]string{"en": "This button no longer applies", "zh": "此按钮已失效"}},
		{"forged callback kind", members, "", "admin:grant", map[string]string{"en": "This button no longer applies", "zh": "此按钮已失效"}},
		{"non-canonical id", members, "", "c:P01", map[string]string{"en": "This button no longer applies", "zh": "此按钮已失效"}},
		{"oversized callback", members, "", "pg:m:1:" + strings.Repeat("x", 80), map[string]string{"en": "This button no longer applies", "zh": "此按钮已失效"}},
		{"flow button without flow", members, "", "f:abcd:name:keep", map[string]string{"en": "This button no longer applies", "zh": "此按钮已失效"}},
		{"member uses committee command", members, "/newpost X", "", map[string]string{"en": "Only the community committee", "zh": "只有社区大党委成员"}},
		{"member uses admin command", members, "/communities", "", map[string]string{"en": "Only district admins", "zh": "只有区级管理员"}},
		{"not a member: /me", strangers, "/me", "", map[string]string{"en": "You are not a registered member", "zh": "您还不是已报到的党员"}},
		{"not a member: /claim", strangers, "/claim P1", "", map[string]string{"en": "You are not a registered member", "zh": "您还不是已报到的党员"}},
		{"not a member: claim button", strangers, "", "c:P1", map[string]string{"en": "You are not a registered member", "zh": "您还不是已报到的党员"}},
		{"not a member: committee", strangers, "/settings minimum 9", "", map[string]string{"en": "You are not a registered member", "zh": "您还不是已报到的党员"}},
	}
	before := e.snapshot()
	for _, in := range inputs {
		for _, lang := range []string{"en", "zh"} {
			var rs []ll.Reply
			if in.callback != "" {
				rs = e.press(in.who[lang], in.callback)
			} else {
				rs = e.send(in.who[lang], in.text)
			}
			wantIn(t, fmt.Sprintf("%s (%s)", in.name, lang), rs, in.want[lang])
		}
	}
	e.unchanged("bad input", before)
}

func TestEveryCommandWithoutArgumentsAnswers(t *testing.T) {
	e := dongan(t, admin.id)
	e.send(admin, "/use dongan")
	for _, cmd := range handlers.Commands() {
		usage := false
		for _, who := range []person{stranger, alice, secretary, admin} {
			rs := e.send(who, "/"+cmd.Name)
			got := texts(rs)
			if strings.Contains(got, "Usage:") && strings.Contains(got, "Example:") {
				usage = true
			}
			e.send(who, "/cancel")
		}
		if cmd.NeedArgs && !usage {
			t.Errorf("/%s without arguments never showed its usage with an example", cmd.Name)
		}
	}
}

// faultyStore fails or panics on demand, to check the handlers' guard rails.
type faultyStore struct {
	*storage.Store
	userErr   error
	panicPost bool
}

func (s *faultyStore) User(ctx context.Context, tg int64) (ll.User, error) {
	if s.userErr != nil {
		return ll.User{}, s.userErr
	}
	return s.Store.User(ctx, tg)
}

func (s *faultyStore) Posts(ctx context.Context, community string) ([]ll.Post, error) {
	if s.panicPost {
		panic("boom")
	}
	return s.Store.Posts(ctx, community)
}

func TestStoreFailures(t *testing.T) {
	e := dongan(t)
	fs := &faultyStore{Store: e.store}
	h := handlers.New(fs, handlers.Config{Render: report.Renderer{}, Now: func() time.Time { return testNow }, Logger: e.log})

	fs.userErr = fmt.Errorf("load: %w", ll.ErrUnavailable)
	for lang, who := range map[string]person{"en": stranger, "zh": mou} {
		rs := h.Handle(e.ctx, request(who, "/me", true))
		want := map[string]string{"en": "temporarily unavailable, try again in a minute", "zh": "服务暂时不可用"}[lang]
		wantIn(t, "unavailable "+lang, rs, want)
	}
	fs.userErr = errors.New("redis: connection pool: secret internals at 10.0.0.1")
	rs := h.Handle(e.ctx, request(alice, "/me", true))
	wantIn(t, "internal error", rs, "Sorry, something went wrong")
	wantNotIn(t, "internal error", rs, "secret", "10.0.0.1")
	press := request(alice, "", true)
	press.Callback = "c:P1"
	rs = h.Handle(e.ctx, press)
	if len(rs) == 0 || rs[0].CallbackAnswer == "" {
		t.Errorf("failed press = %+v, want a toast", rs)
	}

	fs.userErr = nil
	fs.panicPost = true
	rs = h.Handle(e.ctx, request(alice, "/posts", true))
	wantIn(t, "panic", rs, "Sorry, something went wrong")
	rs = h.Handle(e.ctx, request(alice, "/posts", false))
	if len(rs) != 1 || rs[0].ChatID != alice.id {
		t.Errorf("panic in a group = %+v, want the apology in private", rs)
	}
}
