package scheduler_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/scheduler"
)

// waitActivity creates an activity of capacity 2 starting a day after now,
// signs up the first two of ms and puts the next ones on its waitlist, in
// that order.
func (f *fixture) waitActivity(community string, ms []ll.Member, waiting int) ll.Activity {
	f.t.Helper()
	now := f.clock.Now()
	a, err := f.st.CreateActivity(f.ctx, ll.Activity{Community: community, Title: "Fix the lamps", Place: "Block 19",
		Start: now.Add(24 * time.Hour), End: now.Add(26 * time.Hour), Capacity: 2, CreatedBy: "M1"}, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range ms[:2] {
		if _, _, err := f.st.SignUp(f.ctx, community, a.ID, m.ID, now); err != nil {
			f.t.Fatal(err)
		}
	}
	for i, m := range ms[2 : 2+waiting] {
		if r, err := f.st.JoinWaitlist(f.ctx, community, a.ID, m.ID, now.Add(time.Duration(i)*time.Second)); err != nil || r.Status != ll.StepOK {
			f.t.Fatalf("JoinWaitlist(%s) = %+v, %v", m.ID, r, err)
		}
	}
	return a
}

// offersTo are the members the seat offers among msgs went to, with their ids.
func offersTo(msgs []ll.OutMessage) (members, ids []string) {
	for _, m := range msgs {
		if m.Kind == ll.OutSeatOffer {
			members, ids = append(members, m.Member), append(ids, m.ID)
		}
	}
	return members, ids
}

// TestOfferSweepTwoReplicas: a seat freed without its offer's message
// queued (a replica that died in between); two replicas sweep at once,
// many times: the offer's message is queued once. Unanswered, it passes on
// to the next waiting, once again; the expired offer's button answers
// clearly.
func TestOfferSweepTwoReplicas(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 10, 0, 0, 0, shanghai))
	f.community("dongan", "Asia/Shanghai")
	ms := f.members("dongan", 6, 0, 7000)
	a := f.waitActivity("dongan", ms, 3)
	// M1 withdraws; the offer to M3 is made, its message not queued.
	if r, err := f.st.Release(f.ctx, "dongan", a.ID, ms[0].ID, f.clock.Now()); err != nil || len(r.Offers) != 1 {
		t.Fatalf("Release = %+v, %v", r, err)
	}
	x, y := f.scheduler(scheduler.Schedules{}, nil), f.scheduler(scheduler.Schedules{}, nil)
	race := func() {
		var wg sync.WaitGroup
		for _, s := range []*scheduler.Scheduler{x, y, x, y, x, y} {
			wg.Go(func() {
				if err := s.Tick(f.ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	f.clock.Advance(time.Minute)
	race()
	if n := f.enqueued(); n != 1 {
		t.Fatalf("%d messages queued by two replicas sweeping, want 1 (the offer to %s)", n, ms[2].ID)
	}
	sent := f.take()
	to, ids := offersTo(sent)
	if !slices.Equal(to, []string{ms[2].ID}) || ids[0] != "offer:dongan:"+a.ID+":1" || sent[0].ChatID != ms[2].TelegramID {
		t.Fatalf("offers sent to %v (ids %v), want one to %s", to, ids, ms[2].ID)
	}
	if r := sent[0].Reply; len(r.Buttons) != 1 || r.Buttons[0][0].Data != "ts:"+a.ID || r.Buttons[0][1].Data != "tp:"+a.ID ||
		!sent[0].Expires.Equal(f.clock.Now().Add(-time.Minute).Add(ll.OfferWindow)) {
		t.Errorf("offer message = %+v, want [Take the seat] ts:%s, [Pass] tp:%s, expiring with the offer", sent[0], a.ID, a.ID)
	}
	// Unanswered for two hours: passed on to M4, once.
	f.clock.Advance(ll.OfferWindow)
	race()
	race()
	sent = f.take()
	if to, ids := offersTo(sent); !slices.Equal(to, []string{ms[3].ID}) || ids[0] != "offer:dongan:"+a.ID+":2" {
		t.Fatalf("after expiry, offers sent to %v (%v), want one to %s", to, ids, ms[3].ID)
	}
	if n := f.enqueued(); n != 2 {
		t.Errorf("%d messages queued in all, want 2", n)
	}
	// M3's button now says the offer is gone; M4's takes the seat.
	h := handlers.New(f.st, handlers.Config{Now: f.clock.Now, Outbox: f.st})
	press := func(m ll.Member, data string) []ll.Reply {
		return h.Handle(f.ctx, ll.Request{UserID: m.TelegramID, ChatID: m.TelegramID, Private: true, LanguageCode: "en",
			Callback: data, CallbackID: "cb", MessageID: 1})
	}
	if rs := press(ms[2], "ts:"+a.ID); len(rs) == 0 || !strings.Contains(rs[0].Text, "offer expired or was passed on") {
		t.Errorf("expired offer's button = %+v, want it to say so", rs)
	}
	if rs := press(ms[3], "ts:"+a.ID); len(rs) == 0 || !strings.Contains(rs[0].Text, "The seat is yours") {
		t.Errorf("[Take the seat] = %+v, want the seat", rs)
	}
	ids2, _ := f.st.SignedUp(f.ctx, "dongan", a.ID)
	if !slices.Equal(ids2, []string{ms[1].ID, ms[3].ID}) {
		t.Errorf("signed up %v, want %s and %s", ids2, ms[1].ID, ms[3].ID)
	}
	race()
	if n := f.enqueued(); n != 2 {
		t.Errorf("%d messages queued after the seat was taken, want still 2", n)
	}
}

// TestConfirmOrReleaseFromReminder: the 24-hour reminder carries [✅ I'll
// come] / [❌ Can't come]; Can't come frees the seat and the first waiting
// member is offered it, through the outbox, once.
func TestConfirmOrReleaseFromReminder(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 10, 0, 0, 0, shanghai))
	f.community("dongan", "Asia/Shanghai")
	ms := f.members("dongan", 5, 0, 7100)
	f.clock.Advance(-time.Minute) // the activity starts 24 hours and a minute from here
	a := f.waitActivity("dongan", ms, 2)
	f.clock.Advance(2 * time.Minute)
	sch := f.scheduler(scheduler.Schedules{ActivityOffsets: []time.Duration{24 * time.Hour, time.Hour}}, nil)
	f.tick(sch)
	sent := f.take()
	var reminder *ll.OutMessage
	for i := range sent {
		if sent[i].Kind == ll.OutActivityReminder && sent[i].Member == ms[0].ID {
			reminder = &sent[i]
		}
	}
	if reminder == nil || len(reminder.Reply.Buttons) != 1 || len(reminder.Reply.Buttons[0]) != 2 {
		t.Fatalf("24-hour reminder to %s = %+v, want [I'll come] [Can't come]", ms[0].ID, reminder)
	}
	coming, cant := reminder.Reply.Buttons[0][0], reminder.Reply.Buttons[0][1]
	if coming.Data != "cy:"+a.ID || cant.Data != "cn:"+a.ID || coming.Text != "✅ I'll come" || cant.Text != "❌ Can't come" {
		t.Fatalf("reminder buttons = %+v", reminder.Reply.Buttons)
	}
	h := handlers.New(f.st, handlers.Config{Now: f.clock.Now, Outbox: f.st})
	press := func(m ll.Member, data string) []ll.Reply {
		return h.Handle(f.ctx, ll.Request{UserID: m.TelegramID, ChatID: m.TelegramID, Private: true, LanguageCode: "en",
			Callback: data, CallbackID: "cb", MessageID: 1})
	}
	// M2 will come; M1 cannot.
	if rs := press(ms[1], coming.Data); len(rs) == 0 || !strings.Contains(rs[0].Text, "you will come to") {
		t.Errorf("[I'll come] = %+v", rs)
	}
	rs := press(ms[0], cant.Data)
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "You withdrew from "+a.ID) {
		t.Errorf("[Can't come] = %+v, want one reply (the offer goes through the outbox)", rs)
	}
	sent = f.take()
	if to, _ := offersTo(sent); !slices.Equal(to, []string{ms[2].ID}) {
		t.Fatalf("after Can't come, offers sent to %v, want the first waiting, %s", to, ms[2].ID)
	}
	// A second press, and the sweeps of later ticks, offer nothing more.
	press(ms[0], cant.Data)
	f.clock.Advance(time.Minute)
	f.tick(sch)
	if to, _ := offersTo(f.take()); len(to) != 0 {
		t.Errorf("more offers after: %v", to)
	}
	w, err := f.st.Waitlist(f.ctx, "dongan", a.ID)
	if _, ok := w.Confirmed[ms[1].ID]; err != nil || !ok || len(w.Confirmed) != 1 || len(w.Offers) != 1 || !slices.Equal(w.Waiting, []string{ms[3].ID}) {
		t.Errorf("Waitlist = %+v, %v; want %s confirmed, one offer, %s waiting", w, err, ms[1].ID, ms[3].ID)
	}
}

// TestNoShowsCountedBySweep: once the check-in of an activity has closed,
// the sweep counts its no-shows once, whatever the replicas and ticks.
func TestNoShowsCountedBySweep(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 10, 0, 0, 0, shanghai))
	f.community("dongan", "Asia/Shanghai")
	ms := f.members("dongan", 4, 0, 7200)
	a := f.waitActivity("dongan", ms, 0)
	x, y := f.scheduler(scheduler.Schedules{}, nil), f.scheduler(scheduler.Schedules{}, nil)
	f.clock.Set(a.End.Add(ll.CheckInClosesAfter - time.Minute))
	f.tick(x)
	if n, _ := f.st.NoShows(f.ctx, "dongan", ms[0].ID); n != 0 {
		t.Fatalf("no-shows before check-in closed = %d", n)
	}
	f.clock.Set(a.End.Add(ll.CheckInClosesAfter))
	var wg sync.WaitGroup
	for _, s := range []*scheduler.Scheduler{x, y, x, y} {
		wg.Go(func() { _ = s.Tick(f.ctx) })
	}
	wg.Wait()
	y2 := f.scheduler(scheduler.Schedules{}, nil) // a restarted replica
	f.tick(y2)
	for _, m := range ms[:2] {
		if n, err := f.st.NoShows(f.ctx, "dongan", m.ID); err != nil || n != 1 {
			t.Errorf("NoShows(%s) = %d, %v; want 1", m.ID, n, err)
		}
	}
}
