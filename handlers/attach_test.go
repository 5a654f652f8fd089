package handlers_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// attachedBroadcast sends "/broadcast <args>" from the secretary, presses
// [Send] and returns the messages queued, by chat.
func (e *env) attachedBroadcast(args string, want ...string) map[int64][]ll.Delivery {
	e.t.Helper()
	rs := e.send(secretary, "/broadcast "+args)
	t := e.t.(*testing.T)
	wantIn(t, "/broadcast "+args, rs, want...)
	e.press(secretary, button(t, rs, "Send").Data)
	q := e.queued()
	for _, ds := range q {
		for _, d := range ds { // delivered: the next broadcast's messages may go
			if err := e.store.AckDelivery(e.ctx, d, ll.Ack{Status: ll.AckSent, MessageID: 7}, e.now.Add(time.Hour)); err != nil {
				t.Fatalf("AckDelivery: %v", err)
			}
		}
	}
	return q
}

// broadcastButton is the only button of a recipient's broadcast message.
func broadcastButton(t *testing.T, q map[int64][]ll.Delivery, who person) ll.Button {
	t.Helper()
	for _, d := range q[who.id] {
		if d.Message.Kind == ll.OutBroadcast {
			bs := d.Message.Reply.Buttons
			if len(bs) != 1 || len(bs[0]) != 1 {
				t.Fatalf("%s's broadcast message has buttons %+v, want one", who.name, bs)
			}
			return bs[0][0]
		}
	}
	t.Fatalf("no broadcast message for %s in %v", who.name, q)
	return ll.Button{}
}

// TestBroadcastAttachedActivity: /broadcast all A1 <text> shows the card in
// the confirmation, sends it with [Sign up] to each recipient, and a press
// signs the presser up as /signup does, editing their own message with the
// text, the card now and "Signed up — n/3".
func TestBroadcastAttachedActivity(t *testing.T) {
	e := withOutbox(dongan(t))
	e.activity(ll.Activity{Title: "Lamp check", Place: "Gate", Start: testNow.Add(48 * time.Hour), Capacity: 3})
	q := e.attachedBroadcast("all A1 Come & help!", "<b>4</b> recipient", "Lamp check", "Each message carries A1", "Sign up A1")
	msg := q[alice.id][0].Message
	if !strings.Contains(msg.Reply.Text, "Come &amp; help!") || !strings.Contains(msg.Reply.Text, "Lamp check") {
		t.Errorf("alice's message = %q, want the text and the card", msg.Reply.Text)
	}
	b := broadcastButton(t, q, alice)
	if !strings.HasPrefix(b.Data, "ba:") || !strings.HasSuffix(b.Data, ":A1") || !strings.Contains(b.Text, "Sign up A1") {
		t.Fatalf("alice's button = %+v", b)
	}
	if bb := broadcastButton(t, q, bob); bb.Data != b.Data {
		t.Errorf("bob's button %q differs from alice's %q: the card is one per broadcast", bb.Data, b.Data)
	}
	rs := e.press(alice, b.Data)
	wantIn(t, "alice's press", rs, "Signed up — 1/3", "Come &amp; help!", "Lamp check", "东安社区")
	if !rs[0].Edit || len(rs[0].Buttons) != 0 || !strings.Contains(rs[0].CallbackAnswer, "Signed up") {
		t.Errorf("alice's press = %+v, want her message edited without the button and a toast", rs[0])
	}
	rs = e.press(bob, b.Data)
	wantIn(t, "bob's press", rs, "Signed up — 2/3")
	rs = e.press(alice, b.Data)
	wantIn(t, "alice's second press", rs, "already signed up — 2/3")
	rs = e.send(alice, "/activities")
	wantIn(t, "alice's /activities", rs, "2/3")
	if got := e.auditActions("dongan"); !strings.Contains(got, ":broadcast:dongan-") {
		t.Errorf("audit %q has no broadcast", got)
	}
	entries, err := e.store.AuditLog(e.ctx, "dongan", 1, time.Time{})
	if err != nil || len(entries) == 0 || !strings.Contains(entries[0].Detail, "all + A1: 4 recipient") {
		t.Errorf("last audit entry %+v, %v; want the broadcast with its attachment", entries, err)
	}
	// The same sign-up by command answers that it is done already: one rule.
	rs = e.send(bob, "/signup A1")
	wantIn(t, "bob's /signup after the press", rs, "already signed up")
}

// TestBroadcastAttachedFullActivity: a press on a full activity's button
// does what /signup does: it offers the waitlist, and joining it from there
// puts the presser on it.
func TestBroadcastAttachedFullActivity(t *testing.T) {
	e := withOutbox(dongan(t))
	e.activity(ll.Activity{Title: "Lamp check", Place: "Gate", Start: testNow.Add(48 * time.Hour), Capacity: 1})
	q := e.attachedBroadcast("all A1", "<b>4</b> recipient", "Lamp check", "Sign up A1")
	b := broadcastButton(t, q, alice)
	wantIn(t, "alice's press", e.press(alice, b.Data), "Signed up — 1/1")
	rs := e.press(bob, b.Data)
	if !rs[0].Edit || len(rs[0].Buttons) != 1 {
		t.Errorf("bob's press on a full activity = %+v, want his message edited, [Sign up] kept", rs[0])
	}
	wantIn(t, "bob's press on a full activity", rs, "1/1")
	join := button(t, rs, "waitlist")
	rs = e.press(bob, join.Data)
	wantIn(t, "bob joins the waitlist", rs, "<b>#1</b> on the waitlist of <b>A1</b>")
	wantIn(t, "bob's /signup", e.send(bob, "/signup A1"), "waitlist")
}

// TestBroadcastAttachedPost: a post's card goes with [Claim]; a press
// claims as /claim does, and a full post answers so with the count.
func TestBroadcastAttachedPost(t *testing.T) {
	e := withOutbox(dongan(t))
	e.post(ll.Post{Community: "dongan", Title: "Legal aid desk", Capacity: 1, Description: "Saturdays"})
	q := e.attachedBroadcast("all P1", "<b>4</b> recipient", "Legal aid desk", "Claim P1")
	b := broadcastButton(t, q, alice)
	rs := e.press(alice, b.Data)
	wantIn(t, "alice's claim", rs, "P1 is yours — 1/1", "Legal aid desk")
	rs = e.press(bob, b.Data)
	wantIn(t, "bob's claim of a full post", rs, "❌ P1 is full", "1/1")
	if !rs[0].Edit || len(rs[0].Buttons) != 1 {
		t.Errorf("bob's refused press = %+v, want his message edited, the button kept", rs[0])
	}
	rs = e.send(bob, "/claim P1")
	wantIn(t, "bob's /claim", rs, "P1 is full")
}

// TestBroadcastAttachGuided: in the guided flow the text may start with
// the id, or be the id alone.
func TestBroadcastAttachGuided(t *testing.T) {
	e := withOutbox(dongan(t))
	e.post(ll.Post{Community: "dongan", Title: "Street lights", Capacity: 5})
	rs := e.send(secretary, "/broadcast")
	rs = e.press(secretary, button(t, rs, "All members").Data)
	wantIn(t, "the text step", rs, "start the text with its id")
	rs = e.send(secretary, "p1")
	wantIn(t, "the id alone", rs, "<b>4</b> recipient", "Street lights", "Each message carries P1")
	e.press(secretary, button(t, rs, "Send").Data)
	b := broadcastButton(t, e.queued(), bob)
	wantIn(t, "bob's press", e.press(bob, b.Data), "P1 is yours — 1/5")
}

// TestBroadcastAttachedNeed: a published need rides on a broadcast with
// its card (its text, never who asked) and [我来]; a press takes it as the
// need's own button does: helpers wanted is a capacity, the asker is told
// who comes; a new need is published first.
func TestBroadcastAttachedNeed(t *testing.T) {
	e := withOutbox(dongan(t))
	resident := person{id: 99990, name: "Resident"}
	id := e.askNeed(resident, "The lamp at gate 3 <b>flickers</b>")
	rs := e.send(secretary, "/broadcast all "+id)
	wantIn(t, "/broadcast of a new need", rs, id)
	if n := e.outboxEnqueued(); n != 0 {
		t.Fatalf("%d messages queued for a new need, want none", n)
	}
	// Published to nobody, so that the broadcast is the first thing each
	// member's chat receives here (the outbox paces a chat's messages).
	wantIn(t, "/publish", e.send(secretary, "/publish "+id+" building:nowhere"), id)
	q := e.attachedBroadcast("all "+id+" Who can help?", "recipient", "flickers", "Each message carries "+id)
	b := broadcastButton(t, q, alice)
	if !strings.HasPrefix(b.Data, "ba:") {
		t.Fatalf("alice's button %+v is not the broadcast's", b)
	}
	msg := q[alice.id][0].Message.Reply.Text
	if strings.Contains(msg, "99990") || strings.Contains(msg, "Resident") || strings.Contains(msg, "<b>flickers</b>") {
		t.Errorf("alice's message %q shows who asked or unescaped text", msg)
	}
	rs = e.press(alice, b.Data)
	wantIn(t, "alice's take", rs, id+" is yours", "Who can help?")
	if !rs[0].Edit || len(rs[0].Buttons) != 0 {
		t.Errorf("alice's take = %+v, want her message edited without the button", rs[0])
	}
	if len(replyTo(rs, resident.id)) != 1 {
		t.Errorf("the resident was not told who comes: %s", texts(rs))
	}
	wantIn(t, "alice's double tap", e.press(alice, b.Data), id+" is yours")
	wantIn(t, "bob's press once it is taken", e.press(bob, b.Data), "already taken")
	n, err := e.store.Need(e.ctx, "dongan", id)
	if err != nil || len(n.Takers) != 1 {
		t.Errorf("Need(%s) = %+v, %v; want one taker", id, n, err)
	}
}

// TestBroadcastAttachRefused: an unknown, cancelled or ended activity and
// a closed post are refused at /broadcast, naming the id.
func TestBroadcastAttachRefused(t *testing.T) {
	e := withOutbox(dongan(t))
	e.activity(ll.Activity{Start: testNow.Add(24 * time.Hour)})
	e.activity(ll.Activity{Start: testNow.Add(-5 * time.Hour)}) // A2 ended
	e.post(ll.Post{Community: "dongan", Title: "Closed one", Closed: true})
	e.send(secretary, "/cancelactivity A1 rain")
	for args, want := range map[string]string{
		"all A9 x":  "A9 was not found",
		"all A1 x":  "A1 is cancelled",
		"all A2":    "A2 has already ended",
		"all P1 x":  "P1 is closed",
		"team:T9 x": "not found",
	} {
		wantIn(t, "/broadcast "+args, e.send(secretary, "/broadcast "+args), want)
	}
	if n := e.outboxEnqueued(); n != 0 {
		t.Errorf("%d messages queued", n)
	}
}

// TestBroadcastAttachedStalePress: a press after the activity was
// cancelled, the post closed, or on an object that does not exist answers
// so on the presser's message, and changes nothing.
func TestBroadcastAttachedStalePress(t *testing.T) {
	e := withOutbox(dongan(t))
	e.activity(ll.Activity{Title: "Clean-up", Start: testNow.Add(24 * time.Hour), Capacity: 10})
	e.post(ll.Post{Community: "dongan", Title: "Lights", Capacity: 10})
	qa := e.attachedBroadcast("all A1 Sunday", "Clean-up")
	e.now = e.now.Add(time.Minute) // past each chat's pace
	qp := e.attachedBroadcast("all P1 Lights", "Lights")
	e.send(secretary, "/cancelactivity A1 storm")
	e.send(secretary, "/editpost P1 status closed")
	rs := e.press(alice, broadcastButton(t, qa, alice).Data)
	wantIn(t, "press after the cancellation", rs, "❌ A1 is cancelled", "Sunday", "storm")
	rs = e.press(alice, broadcastButton(t, qp, alice).Data)
	wantIn(t, "press after the closing", rs, "❌ P1 is closed")
	b := broadcastButton(t, qp, alice)
	rs = e.press(alice, strings.TrimSuffix(b.Data, "P1")+"P9")
	wantIn(t, "press on a post that does not exist", rs, "❌ P9 no longer exists")
	before := e.snapshot()
	e.press(bob, broadcastButton(t, qa, bob).Data)
	e.unchanged("a press on a cancelled activity", before)
	rs = e.press(stranger, b.Data)
	wantIn(t, "a stranger's press", rs, "register")
	// A member of another community (one who moved, or forged data) gets
	// nothing from dongan's broadcast, not even their own community's A1.
	e.community("xiyuan", "西苑社区")
	e.member("xiyuan", lin, ll.RoleNone, "", "")
	e.activity(ll.Activity{Community: "xiyuan", Start: testNow.Add(24 * time.Hour)})
	wantIn(t, "a press from another community", e.press(lin, broadcastButton(t, qa, alice).Data), "此按钮已失效")
	if ids, err := e.store.SignedUp(e.ctx, "xiyuan", "A1"); err != nil || len(ids) != 0 {
		t.Errorf("xiyuan's A1 has sign-ups %v (%v) after a press on dongan's broadcast", ids, err)
	}
	for _, data := range []string{"ba:x:N4", "ba::A1", "ba:abc:A01", "ba:ABC:A1", "ba:abc"} {
		wantIn(t, "press "+data, e.press(alice, data), "no longer applies")
	}
}
