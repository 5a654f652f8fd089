package handlers_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
)

// replyTo returns the replies addressed to chat.
func replyTo(rs []ll.Reply, chat int64) []ll.Reply {
	var out []ll.Reply
	for _, r := range rs {
		if r.ChatID == chat {
			out = append(out, r)
		}
	}
	return out
}

// askNeed runs a resident's intake of text in dongan, skipping the photo,
// and returns the need's id as the bot confirmed it.
func (e *env) askNeed(p person, text string) string {
	e.t.Helper()
	e.send(p, "/start need_dongan")
	e.send(p, text)
	rs := e.send(p, "skip")
	got := texts(rs)
	i := strings.Index(got, "N")
	if i < 0 || !strings.Contains(got, "N") {
		e.t.Fatalf("intake answered %q, want a need id", got)
	}
	id := got[i:]
	j := 1
	for j < len(id) && id[j] >= '0' && id[j] <= '9' {
		j++
	}
	return id[:j]
}

func TestNeedIntakeByAResident(t *testing.T) {
	e := dongan(t)
	// A resident who is no member opens the need link.
	rs := e.send(stranger, "/start need_dongan")
	wantIn(t, "need link", rs, "what do you need help with")
	// Overlong text is refused, and the flow goes on.
	rs = e.send(stranger, strings.Repeat("灯", ll.MaxNeedTextLen+1))
	wantIn(t, "overlong need", rs, "1 to 1000 characters")
	// /cancel ends it; /need starts it again in the community of the link.
	e.send(stranger, "/cancel")
	rs = e.send(stranger, "/need")
	wantIn(t, "/need after the link", rs, "东安社区", "what do you need help with")
	hostile := `<script>alert(1)</script> & <b>lamp</b> in block 19`
	rs = e.send(stranger, hostile)
	wantIn(t, "need text", rs, "photo")
	skip := button(t, rs, "Skip")
	rs = e.press(stranger, skip.Data)
	wantIn(t, "skip", rs, "N1")
	// A double tap on Skip creates nothing more.
	rs = e.press(stranger, skip.Data)
	wantNotIn(t, "second skip", rs, "N2")
	all, err := e.store.Needs(e.ctx, "dongan")
	if err != nil || len(all) != 1 || all[0].Text != hostile || all[0].AskerID != stranger.id || all[0].Status != ll.NeedNew {
		t.Fatalf("needs = %+v, %v; want N1 as typed, new, by the stranger", all, err)
	}
	// The committee's board shows it escaped (checkReplies checks the HTML).
	rs = e.send(secretary, "/needs")
	wantIn(t, "board", rs, "N1", "&lt;script&gt;")
	if !hasButtonData(rs, "np:N1") || !hasButtonData(rs, "nd:N1") {
		t.Errorf("board buttons = %s, want publish and decline N1", dumpButtons(rs))
	}
	// In a group the board is answered in private; /need is refused there.
	rs = e.sendGroup(stranger, "/need")
	for _, r := range rs {
		if r.ChatID == 0 || r.ChatID == groupChat {
			if strings.Contains(r.Text, hostile) || strings.Contains(r.Text, "block 19") {
				t.Errorf("the need's text reached the group: %q", r.Text)
			}
		}
	}
	// At most 3 open needs per person and community.
	e.askNeed(stranger, "second")
	e.askNeed(stranger, "third")
	e.send(stranger, "/need")
	rs = e.send(stranger, "fourth")
	rs = append(rs, e.send(stranger, "skip")...)
	wantIn(t, "fourth need", rs, "3 open needs")
	if all, _ := e.store.Needs(e.ctx, "dongan"); len(all) != 3 {
		t.Errorf("%d needs, want 3", len(all))
	}
	// Another person may still ask.
	if id := e.askNeed(mou, "我家水管漏水"); id != "N4" {
		t.Errorf("another resident's need is %s, want N4", id)
	}
	// A non-member cannot publish; a member cannot either.
	wantIn(t, "stranger publishes", e.send(stranger, "/publish N1"), "not")
	wantIn(t, "member publishes", e.send(alice, "/publish N1"), "committee")
}

func TestNeedDeclineTellsTheAsker(t *testing.T) {
	e := dongan(t)
	id := e.askNeed(stranger, "please fix the lamp")
	rs := e.press(secretary, "nd:"+id)
	wantIn(t, "decline button", rs, "Why")
	rs = e.send(secretary, "for the property <company>")
	told := replyTo(rs, stranger.id)
	if len(told) != 1 || !strings.Contains(told[0].Text, "&lt;company&gt;") {
		t.Fatalf("asker told %+v, want the reason, escaped", told)
	}
	n, _ := e.store.Need(e.ctx, "dongan", id)
	if n.Status != ll.NeedDeclined {
		t.Errorf("status %s, want declined", n.Status)
	}
	log, _ := e.store.AuditLog(e.ctx, "dongan", 5, time.Time{})
	if len(log) == 0 || log[0].Action != "need_decline" || log[0].Object != id {
		t.Errorf("audit = %+v, want need_decline of %s", log, id)
	}
}

func TestNeedAskerWhoNeverAnswersGoesToPending(t *testing.T) {
	e := dongan(t)
	id := e.askNeed(stranger, "carry shopping upstairs")
	rs := e.send(secretary, "/publish "+id+" all")
	wantIn(t, "publish", rs, "published to")
	ann := replyTo(rs, alice.id)
	if len(ann) != 1 || !hasButtonData(ann, "nt:dongan:"+id) {
		t.Fatalf("alice's announcement = %+v, want the take button", ann)
	}
	// A member of another community pressing it takes nothing.
	e.community("xiyuan", "西苑社区")
	e.member("xiyuan", lin, ll.RoleNone, "Water Company", "A")
	rs = e.press(lin, "nt:dongan:"+id)
	if n, _ := e.store.Need(e.ctx, "dongan", id); len(n.Takers) != 0 || strings.Contains(texts(rs), "认领（") {
		t.Errorf("a member of xiyuan took dongan's %s: %s, %+v", id, texts(rs), n)
	}
	rs = e.press(alice, "nt:dongan:"+id)
	if len(rs) == 0 || !rs[0].Edit || !strings.Contains(rs[0].Text, id+" is yours (1/1)") {
		t.Fatalf("take = %+v, want alice's message edited to say it is hers", rs)
	}
	told := replyTo(rs, stranger.id)
	if len(told) != 1 || !strings.Contains(told[0].Text, "Alice Chen (Bank of China)") || strings.Contains(told[0].Text, "2001") {
		t.Errorf("asker told %+v, want the helper's name and unit only", told)
	}
	// A double tap answers the same and tells nobody again.
	rs = e.press(alice, "nt:"+id)
	if !strings.Contains(rs[0].Text, "(1/1)") || len(replyTo(rs, stranger.id)) != 0 {
		t.Errorf("double tap = %+v", rs)
	}
	rs = e.press(bob, "nt:"+id)
	if !rs[0].Edit || !strings.Contains(rs[0].Text, "already taken") {
		t.Errorf("bob's press = %+v, want already taken", rs)
	}
	// Relay both ways, without Telegram ids.
	rs = e.send(alice, "/reply "+id+" coming at 7")
	if r := replyTo(rs, stranger.id); len(r) != 1 || !strings.Contains(r[0].Text, "coming at 7") {
		t.Errorf("relay to asker = %+v", rs)
	}
	rs = e.send(stranger, "/reply "+id+" thank you")
	if r := replyTo(rs, alice.id); len(r) != 1 || !strings.Contains(r[0].Text, "thank you") {
		t.Errorf("relay to taker = %+v", rs)
	}
	wantIn(t, "bob relays", e.send(bob, "/reply "+id+" hi"), "Only a helper")

	rs = e.send(alice, "/done "+id+" all carried")
	ask := replyTo(rs, stranger.id)
	if len(ask) != 1 || !hasButtonData(ask, "ns:dongan:"+id) {
		t.Fatalf("asker asked %+v, want [Solved]", ask)
	}
	// Nothing before 3 days; then the committee is told, once.
	e.now = testNow.Add(3*24*time.Hour - time.Minute)
	if msgs, err := e.h.NeedSweep(e.ctx, ll.Community{ID: "dongan", TimeZone: ll.DefaultTimeZone}, e.now); err != nil || len(msgs) != 0 {
		t.Fatalf("sweep before 3 days = %d messages, %v", len(msgs), err)
	}
	e.now = testNow.Add(3*24*time.Hour + time.Minute)
	msgs, err := e.h.NeedSweep(e.ctx, ll.Community{ID: "dongan", TimeZone: ll.DefaultTimeZone}, e.now)
	if err != nil || len(msgs) != 2 { // secretary and deputy
		t.Fatalf("sweep after 3 days = %+v, %v; want the secretary and the deputy told", msgs, err)
	}
	if again, _ := e.h.NeedSweep(e.ctx, ll.Community{ID: "dongan", TimeZone: ll.DefaultTimeZone}, e.now); len(again) != 0 {
		t.Errorf("a second sweep queued %d messages", len(again))
	}
	rs = e.send(secretary, "/pending")
	if !hasButtonData(rs, "na:"+id) {
		t.Fatalf("/pending = %s, want [Approve] of %s", texts(rs), id)
	}
	rs = e.press(secretary, "na:"+id)
	wantIn(t, "approve", rs, "approved")
	ps, _ := e.store.Participations(e.ctx, "dongan", e.storedMember("dongan", alice).ID)
	sec := e.storedMember("dongan", secretary)
	if len(ps) != 1 || ps[0].Method != ll.MethodApproval || ps[0].VerifiedBy != sec.ID || ps[0].Kind != ll.KindNeed {
		t.Errorf("alice's ledger = %+v, want one need participation approved by %s", ps, sec.ID)
	}
	// /report counts it: received, solved, median days (3 days and a minute: 4).
	wantIn(t, "report", e.send(secretary, "/report"), "Residents' needs 2026: 1 received, 1 solved, median 4 day(s)")
	d := handlers.Texts{}.Digest("en", ll.Digest{Community: ll.Community{ID: "dongan", Name: "东安社区", TimeZone: ll.DefaultTimeZone},
		Year: 2026, Needs: &ll.NeedFigures{Received: 5, Solved: 2, MedianDays: 1.5}, NewNeeds: 3})
	wantIn(t, "digest", []ll.Reply{d}, "5 received, 2 solved, median 1.5 day(s)", "Waiting for the committee: 3")
	// The asker's late answer changes nothing.
	rs = e.press(stranger, "ns:dongan:"+id)
	wantIn(t, "late answer", rs, "solved")
	if ps, _ := e.store.Participations(e.ctx, "dongan", e.storedMember("dongan", alice).ID); len(ps) != 1 {
		t.Errorf("%d participations after the late answer, want 1", len(ps))
	}
}

func TestNeedReminderReleaseAndRepublish(t *testing.T) {
	e := dongan(t)
	id := e.askNeed(stranger, "fix the gate")
	e.send(secretary, "/publish "+id+" all due=2026-03-05")
	e.press(bob, "nt:"+id)
	comm := ll.Community{ID: "dongan", TimeZone: ll.DefaultTimeZone}
	// The day before the due date (2026-03-05 in Shanghai), bob is reminded, once.
	e.now = time.Date(2026, 3, 5, 1, 0, 0, 0, time.UTC)
	msgs, err := e.h.NeedSweep(e.ctx, comm, e.now)
	if err != nil || len(msgs) != 1 || msgs[0].ChatID != bob.id || !strings.Contains(msgs[0].Reply.Text, "Reminder") {
		t.Fatalf("reminder = %+v, %v", msgs, err)
	}
	if again, _ := e.h.NeedSweep(e.ctx, comm, e.now); len(again) != 0 {
		t.Errorf("reminded twice: %+v", again)
	}
	// After it, the committee is told.
	e.now = time.Date(2026, 3, 5, 17, 0, 0, 0, time.UTC) // 01:00 on the 6th in Shanghai
	msgs, _ = e.h.NeedSweep(e.ctx, comm, e.now)
	if len(msgs) != 2 || !strings.Contains(msgs[0].Reply.Text, "/release "+id) {
		t.Fatalf("overdue = %+v, want the secretary and the deputy told", msgs)
	}
	rs := e.send(alice, "/release "+id)
	wantIn(t, "member releases", rs, "committee")
	rs = e.send(secretary, "/release "+id)
	if r := replyTo(rs, bob.id); len(r) != 1 || !strings.Contains(r[0].Text, "released") {
		t.Fatalf("release = %+v, want bob told", rs)
	}
	// Released because it was overdue, it does not expire at the next sweep.
	if msgs, _ := e.h.NeedSweep(e.ctx, comm, e.now); len(msgs) != 0 {
		t.Errorf("sweep after release = %+v, want nothing", msgs)
	}
	// Published again: the old buttons take it, and /publish announces it anew.
	rs = e.send(secretary, "/publish "+id+" all due=2026-03-10")
	wantIn(t, "republish", rs, "published to")
	rs = e.press(alice, "nt:"+id)
	wantIn(t, "take after release", rs, id+" is yours (1/1)")
	n, _ := e.store.Need(e.ctx, "dongan", id)
	if n.Status != ll.NeedTaken || len(n.Takers) != 1 || n.Takers[0] != e.storedMember("dongan", alice).ID || n.Round != 2 {
		t.Errorf("need = %+v, want taken by alice in round 2", n)
	}
	log, _ := e.store.AuditLog(e.ctx, "dongan", 10, time.Time{})
	actions := map[string]int{}
	for _, a := range log {
		actions[a.Action]++
	}
	if actions["need_publish"] != 2 || actions["need_release"] != 1 {
		t.Errorf("audit actions = %v, want 2 publishes and 1 release", actions)
	}
}

func TestNeedBlockedAskerLeavesItToTheCommittee(t *testing.T) {
	e := dongan(t)
	id := e.askNeed(stranger, "help with forms")
	e.send(secretary, "/publish "+id+" all")
	e.press(alice, "nt:"+id)
	// The outbox got 403 from the asker's chat: the sender marks them so.
	if err := e.store.SetReachable(e.ctx, stranger.id, false); err != nil {
		t.Fatal(err)
	}
	rs := e.send(alice, "/done "+id)
	wantIn(t, "done for a blocked asker", rs, "the committee will")
	if len(replyTo(rs, stranger.id)) != 0 {
		t.Errorf("the blocked asker was asked anyway: %+v", rs)
	}
	if r := replyTo(rs, secretary.id); len(r) != 1 {
		t.Errorf("secretary told %+v, want once", r)
	}
	rs = e.send(secretary, "/approve "+id)
	wantIn(t, "approve", rs, "approved")
	// A resident who writes again is reachable again.
	e.send(stranger, "/help")
	if u, _ := e.store.User(e.ctx, stranger.id); u.Unreachable {
		t.Error("the resident is still unreachable after writing")
	}
}

func TestNeedAskerWhoTookItThemselves(t *testing.T) {
	e := dongan(t)
	// Alice, a member, asks and takes her own need.
	id := e.askNeed(alice, "paint the railing")
	e.send(secretary, "/publish "+id+" all")
	e.press(alice, "nt:"+id)
	rs := e.send(alice, "/done "+id)
	wantIn(t, "own done", rs, "the committee will")
	rs = e.press(alice, "ns:dongan:"+id)
	wantIn(t, "own confirmation", rs, "yourself", "the committee will")
	if ps, _ := e.store.Participations(e.ctx, "dongan", e.storedMember("dongan", alice).ID); len(ps) != 0 {
		t.Errorf("alice credited herself: %+v", ps)
	}
}

func TestNeedPhotoAndLocation(t *testing.T) {
	e := dongan(t)
	// A photo with the text as its caption makes the need in one message.
	e.send(stranger, "/start need_dongan")
	req := request(stranger, "water leaking from the ceiling", true)
	req.PhotoID = "AgACAgQAAxkBAAIB"
	wantIn(t, "photo with caption", e.do(req), "N1")
	// Text, then a location.
	e.send(stranger, "/need")
	e.send(stranger, "the lift is stuck")
	loc := request(stranger, "", true)
	loc.Location = &ll.Location{Latitude: 31.23, Longitude: 121.47}
	wantIn(t, "location", e.do(loc), "N2")
	n1, _ := e.store.Need(e.ctx, "dongan", "N1")
	n2, _ := e.store.Need(e.ctx, "dongan", "N2")
	if n1.PhotoID != "AgACAgQAAxkBAAIB" || n2.Location == nil || n2.Location.Latitude != 31.23 {
		t.Fatalf("N1 = %+v, N2 = %+v; want the photo and the location kept", n1, n2)
	}
	wantIn(t, "board", e.send(secretary, "/needs"), "📷", "📍")
	// /done as a photo's caption sends the photo to the asker with the question.
	e.send(secretary, "/publish N1 all")
	e.press(bob, "nt:N1")
	done := request(bob, "/done N1 fixed the pipe", true)
	done.PhotoID = "AgACAgQAAxkBAAIC"
	ask := replyTo(e.do(done), stranger.id)
	if len(ask) != 1 || ask[0].File == nil || ask[0].File.TelegramID != "AgACAgQAAxkBAAIC" || !ask[0].File.Photo {
		t.Errorf("asker asked %+v, want the photo with the question", ask)
	}
}

// FuzzDecodeNeedCallback: the needs' button data decodes only to what
// encodes back to itself, within Telegram's 64 bytes.
func FuzzDecodeNeedCallback(f *testing.F) {
	for _, s := range []string{
		"nt:N4", "nt:dongan:N4", "nt:dongan:n4", "nt:Dongan:N4", "nt::N4", "nt:dongan:", "np:N1", "nd:N12", "na:N3",
		"ns:dongan:N4", "nn:xi-yuan:N7", "ns:N4", "nn:dongan:N04", "pg:nb:2", "pg:nb:0", "nt:" + strings.Repeat("a", 21) + ":N1",
		"nt:dongan:N4:x", "np:dongan:N4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		again, ok := handlers.DecodeCallback(s)
		if !ok {
			return
		}
		if len(s) > 64 || again != s {
			t.Errorf("DecodeCallback(%q) = %q (%d bytes)", s, again, len(s))
		}
	})
}
