package handlers_test

import (
	"github.com/lamplighter-bot/lamplighter/report"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
)

// withOutbox gives the env's handlers the store as their outbox, as "run" does.
func withOutbox(e *env) *env {
	e.h = handlers.New(e.store, handlers.Config{Render: report.Renderer{},
		BotUsername: botName,
		Now:         func() time.Time { return e.now },
		Logger:      e.log,
		Outbox:      e.store,
	})
	return e
}

// queued claims everything due in the env's outbox and returns it by chat.
func (e *env) queued() map[int64][]ll.Delivery {
	e.t.Helper()
	out := map[int64][]ll.Delivery{}
	for {
		ds, _, err := e.store.ClaimDeliveries(e.ctx, e.now.Add(time.Hour), 100, 1e6, time.Hour)
		if err != nil {
			e.t.Fatalf("ClaimDeliveries: %v", err)
		}
		if len(ds) == 0 {
			return out
		}
		for _, d := range ds {
			out[d.Message.ChatID] = append(out[d.Message.ChatID], d)
		}
	}
}

func (e *env) outboxEnqueued() int64 {
	e.t.Helper()
	st, err := e.store.OutboxStatus(e.ctx, e.now)
	if err != nil {
		e.t.Fatalf("OutboxStatus: %v", err)
	}
	return st.Enqueued
}

func TestBroadcastCountSend(t *testing.T) {
	e := withOutbox(dongan(t))
	rs := e.send(secretary, "/broadcast building:19 Lamp check <Saturday> 9:00 & bring gloves")
	wantIn(t, "/broadcast building:19", rs, "building:19", "<b>1</b> recipient", "Lamp check &lt;Saturday&gt; 9:00 &amp; bring gloves")
	send := button(t, rs, "Send")
	button(t, rs, "Cancel")
	if n := e.outboxEnqueued(); n != 0 {
		t.Fatalf("%d messages queued before [Send]", n)
	}

	rs = e.press(secretary, send.Data)
	wantIn(t, "[Send]", rs, "Sending to <b>1</b>")
	if !rs[0].Edit {
		t.Errorf("[Send] answer does not replace the confirmation: %+v", rs[0])
	}
	q := e.queued()
	if len(q[alice.id]) != 1 || len(q[bob.id]) != 0 {
		t.Fatalf("queued %v, want one message for alice only", q)
	}
	m := q[alice.id][0].Message
	if m.Kind != ll.OutBroadcast || m.Broadcast == "" || m.Community != "dongan" ||
		!strings.Contains(m.Reply.Text, "东安社区") || !strings.Contains(m.Reply.Text, "Lamp check &lt;Saturday&gt; 9:00 &amp; bring gloves") {
		t.Errorf("alice's message = %+v", m)
	}
	if p := q[secretary.id]; len(p) != 1 || p[0].Message.Kind != ll.OutProgress || p[0].Progress == nil || p[0].Progress.Total != 1 {
		t.Errorf("the secretary's chat holds %+v, want the progress message of a broadcast to 1", p)
	}
	if got := e.auditActions("dongan"); !strings.Contains(got, ":broadcast:dongan-") {
		t.Errorf("audit log %q has no broadcast", got)
	}
	// A second press of the same [Send] is stale and queues nothing more.
	rs = e.press(secretary, send.Data)
	wantIn(t, "second [Send]", rs, "no longer applies")
	if n := e.outboxEnqueued(); n != 2 {
		t.Errorf("%d messages enqueued after a double tap, want 2", n)
	}
}

func TestBroadcastCancelSendsNothing(t *testing.T) {
	e := withOutbox(dongan(t))
	rs := e.send(secretary, "/broadcast all Meeting moved to Friday")
	wantIn(t, "/broadcast all", rs, "<b>4</b> recipient")
	send, cancel := button(t, rs, "Send"), button(t, rs, "Cancel")
	rs = e.press(secretary, cancel.Data)
	wantIn(t, "[Cancel]", rs, "nothing was sent")
	rs = e.press(secretary, send.Data)
	wantIn(t, "[Send] after [Cancel]", rs, "no longer applies")
	if n := e.outboxEnqueued(); n != 0 {
		t.Errorf("%d messages queued after [Cancel]", n)
	}
}

// TestBroadcastSendRefused: [Send] is checked again when pressed: by
// someone who lost the committee role since, or by another user with the
// same button data, nothing is sent.
func TestBroadcastSendRefused(t *testing.T) {
	e := withOutbox(dongan(t))
	rs := e.send(alice, "/broadcast all hello")
	wantIn(t, "a member's /broadcast", rs, "Only the community committee")

	rs = e.send(deputy, "/broadcast all hello everyone")
	send := button(t, rs, "Send")
	e.send(secretary, "/role M2 none")
	if got := e.storedMember("dongan", deputy).Role; got != ll.RoleNone {
		t.Fatalf("deputy's role = %q after /role none", got)
	}
	rs = e.press(deputy, send.Data)
	wantIn(t, "[Send] by a former deputy", rs, "Only the community committee")
	rs = e.press(alice, send.Data)
	wantIn(t, "[Send] pressed by another user", rs, "no longer applies")
	if n := e.outboxEnqueued(); n != 0 {
		t.Errorf("%d messages queued by refused presses", n)
	}
}

func TestBroadcastGuided(t *testing.T) {
	e := withOutbox(dongan(t))
	rs := e.send(secretary, "/broadcast")
	wantIn(t, "/broadcast alone", rs, "Who should receive it?")
	rs = e.press(secretary, button(t, rs, "Below the minimum").Data)
	wantIn(t, "audience pressed", rs, "To <b>below-minimum</b>")
	rs = e.send(secretary, "   ")
	wantIn(t, "empty text", rs, "empty")
	rs = e.send(secretary, strings.Repeat("长", 3501))
	wantIn(t, "long text", rs, "too long")
	rs = e.send(secretary, "Two activities this month: /activities")
	wantIn(t, "text typed", rs, "<b>4</b> recipient")
	e.press(secretary, button(t, rs, "Send").Data)
	if q := e.queued(); len(q) != 4 {
		t.Errorf("guided broadcast queued for %d chats, want the 4 members (the sender's chat also has the progress)", len(q))
	}

	// A typed audience, in Chinese.
	rs = e.send(secretary, "/broadcast")
	rs = e.send(secretary, "楼栋：21")
	wantIn(t, "typed audience", rs, "building:21")
	rs = e.send(secretary, "/broadcast")
	rs = e.send(secretary, "nonsense:1")
	wantIn(t, "bad typed audience", rs, "Unknown audience")
}

func TestBroadcastAudiences(t *testing.T) {
	e := withOutbox(dongan(t))
	a := e.storedMember("dongan", alice)
	b := e.storedMember("dongan", bob)
	tm := e.team("dongan", "Lamp team")
	if _, err := e.store.JoinTeam(e.ctx, "dongan", tm.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	p := e.post(ll.Post{Community: "dongan", Title: "Legal aid"})
	if _, _, err := e.store.Claim(e.ctx, "dongan", p.ID, a.ID, e.now); err != nil {
		t.Fatal(err)
	}
	act := e.activity(ll.Activity{Start: e.now.Add(72 * time.Hour)})
	if _, _, err := e.store.SignUp(e.ctx, "dongan", act.ID, a.ID, e.now); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		aud  string
		want string
	}{
		{"all", "<b>4</b> recipient"},
		{"team:" + strings.ToLower(tm.ID), "<b>1</b> recipient"},
		{"skill:LAW", "<b>1</b> recipient"},
		{`unit:"bank of china"`, "<b>1</b> recipient"},
		{"unit:Bank of China |", "<b>1</b> recipient"},
		{"activity:" + act.ID, "<b>1</b> recipient"},
		{"no-post", "<b>3</b> recipient"},
		{"below-minimum", "<b>4</b> recipient"},
		{"building:99", "Nobody in <b>building:99</b>"},
		{"team:T99", "T99 was not found"},
		{"activity:A99", "A99 was not found"},
		{"everyone", "Unknown audience"},
		{"team:", "Unknown audience"},
		{"all:x", "Unknown audience"},
	} {
		rs := e.send(secretary, "/broadcast "+c.aud+" hello")
		wantIn(t, "/broadcast "+c.aud, rs, c.want)
	}
	// Members Telegram refuses are counted, not sent to.
	if err := e.store.SetReachable(e.ctx, bob.id, false); err != nil {
		t.Fatal(err)
	}
	rs := e.send(secretary, "/broadcast all hello")
	wantIn(t, "/broadcast all with bob unreachable", rs, "<b>3</b> recipient", "1 more cannot be reached")
	// An audience without text asks for it.
	rs = e.send(secretary, "/broadcast building:19")
	wantIn(t, "/broadcast without text", rs, "Send the text")
	rs = e.send(secretary, "Gate at 9")
	wantIn(t, "text after /broadcast building:19", rs, "<b>1</b> recipient")
}

// TestBroadcastWithoutOutbox: in the demo and the console the messages are
// answered as replies to their recipients.
func TestBroadcastWithoutOutbox(t *testing.T) {
	e := dongan(t)
	rs := e.send(secretary, "/broadcast building:21 Exam week: quiet please")
	rs = e.press(secretary, button(t, rs, "Send").Data)
	got := to(rs, bob.id)
	if len(got) != 1 || !strings.Contains(got[0].Text, "Exam week: quiet please") || got[0].ToLabel == "" {
		t.Errorf("replies %+v, want one to bob", rs)
	}
}

// TestBroadcastConfirmShowsDuration: the confirmation tells how long the
// broadcast takes at the configured rate (LAMPLIGHTER_RATE by default, the
// paid rate when set through Config.BroadcastRate).
func TestBroadcastConfirmShowsDuration(t *testing.T) {
	e := withOutbox(dongan(t))
	rs := e.send(secretary, "/broadcast all Meeting moved to Friday")
	wantIn(t, "/broadcast all at the default rate", rs, "<b>4</b> recipient", "About 1 s at 25 messages/s.")
	e.h = handlers.New(e.store, handlers.Config{Render: report.Renderer{}, BotUsername: botName,
		Now: func() time.Time { return e.now }, Logger: e.log, Outbox: e.store, BroadcastRate: 1000})
	rs = e.send(secretary, "/broadcast all Meeting moved to Friday")
	wantIn(t, "/broadcast all at the paid rate", rs, "About 1 s at 1000 messages/s.")
}
