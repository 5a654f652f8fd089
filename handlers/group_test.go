package handlers_test

import (
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// inGroup and inPrivate split replies to a group request by where they go.
func split(rs []ll.Reply, user int64) (group, private []ll.Reply) {
	for _, r := range rs {
		switch r.ChatID {
		case 0:
			group = append(group, r)
		case user:
			private = append(private, r)
		}
	}
	return group, private
}

func TestGroupPrivacy(t *testing.T) {
	e := dongan(t)
	e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
	e.team("dongan", "Lighting team")

	personal := []struct {
		who  person
		text string
		want string // in the private reply
	}{
		{alice, "/me", "Alice Chen"},
		{alice, "/posts", "Open posts (1)"},
		{alice, "/claim P1", "You hold <b>P1</b>"},
		{alice, "/profile", "What would you like to change?"},
		{alice, "/lang en", "Language set to English"},
		{secretary, "/invite", "start=join_dongan-"},
		{secretary, "/members", "Members (4)"},
		{secretary, "/member M3", "Alice Chen"},
		{secretary, "/newpost", "What is its title?"},
		{secretary, "/audit", "audit"},
		{bob, "/newpost X", "Only the community committee"},
		{stranger, "/me", "You are not a registered member"},
		{stranger, "/start join_dongan-abcdefghij", "not valid or has expired"},
	}
	for _, tt := range personal {
		rs := e.sendGroup(tt.who, tt.text)
		group, private := split(rs, tt.who.id)
		if len(private) == 0 || !strings.Contains(texts(private), tt.want) {
			t.Errorf("%s %s in a group: private replies %q, want %q", tt.who.name, tt.text, texts(private), tt.want)
		}
		if len(group) != 1 || !strings.Contains(group[0].Text, "I have answered you in a private chat") || len(group[0].Buttons) != 0 {
			t.Errorf("%s %s in a group: group replies %q, want only the short note", tt.who.name, tt.text, texts(group))
		}
		if strings.Contains(texts(group), tt.want) {
			t.Errorf("%s %s in a group leaked %q into the group", tt.who.name, tt.text, tt.want)
		}
		e.send(tt.who, "/cancel")
	}

	// Public answers stay in the group.
	rs := e.sendGroup(alice, "/help")
	if len(rs) != 1 || rs[0].ChatID != 0 || !strings.Contains(rs[0].Text, "What I can do") || rs[0].SetMenu != "" {
		t.Errorf("/help in a group = %+v, want the help in the group without a menu change", rs)
	}
	rs = e.sendGroup(alice, "/teams")
	if len(rs) != 1 || rs[0].ChatID != 0 || !hasButtonData(rs, "jt:T1") {
		t.Errorf("/teams in a group = %+v, want the list with Join in the group", rs)
	}
	wantIn(t, "unknown command in a group", e.sendGroup(alice, "/nonsense"), "I don't know the command")
	wantIn(t, "plain text in a group", e.sendGroup(alice, "hello bot"), "In a group I only answer commands")

	// A Join pressed in the group: the result in private, a toast in the group.
	rs = e.pressGroup(bob, "jt:T1")
	group, private := split(rs, bob.id)
	if len(private) != 1 || !strings.Contains(private[0].Text, "You joined <b>T1</b>") {
		t.Errorf("jt:T1 in a group: private = %+v", private)
	}
	if len(group) != 1 || group[0].Text != "" || group[0].CallbackAnswer == "" {
		t.Errorf("jt:T1 in a group: group = %+v, want only a toast", group)
	}
	// A teams page in the group is edited in place.
	rs = e.pressGroup(bob, "pg:t:1")
	if len(rs) != 1 || !rs[0].Edit || rs[0].ChatID != 0 {
		t.Errorf("pg:t:1 in a group = %+v, want an edit in the group", rs)
	}
	// A flow button can only be pressed in private.
	e.send(secretary, "/newpost")
	rs = e.send(secretary, "Night patrol")
	data := button(t, rs, "claimed").Data
	wantIn(t, "flow button in a group", e.pressGroup(secretary, data), "This button no longer applies")
}
