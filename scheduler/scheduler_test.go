package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/scheduler"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }

// clock is an injected clock: it moves when the test sets it, or by what a
// sender sleeps. A sleep really waits 20µs only, to let the other goroutines
// run. testing/synctest's fake time does not fit here: these tests talk to a
// real redis-server and an httptest Bot API over sockets, which are not
// durably blocking, so time in a bubble would never move.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	time.Sleep(20 * time.Microsecond)
	return ctx.Err()
}

var (
	shanghai = mustZone("Asia/Shanghai")
	newYork  = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// fixture is a store on the test Redis with an injected clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *clock
	st    *storage.Store
}

func newFixture(t *testing.T, now time.Time) *fixture {
	f := &fixture{t: t, ctx: context.Background(), clock: &clock{}}
	f.clock.Set(now)
	f.st = storagetest.NewStoreOptions(t, storage.Options{Now: f.clock.Now})
	return f
}

// community creates a community in zone, created a month before now.
func (f *fixture) community(id, zone string) ll.Community {
	f.t.Helper()
	c := ll.Community{ID: id, Name: "Community " + id, TimeZone: zone, Language: "en", Minimum: 2, PostMinimum: 1,
		Created: f.clock.Now().Add(-30 * 24 * time.Hour)}
	if err := f.st.CreateCommunity(f.ctx, c, nil); err != nil {
		f.t.Fatal(err)
	}
	return c
}

// members imports n members with Telegram ids from tg on; the first
// committee of them are committee members.
func (f *fixture) members(community string, n, committee int, tg int64) []ll.Member {
	f.t.Helper()
	in := make([]ll.Member, n)
	for i := range in {
		in[i] = ll.Member{Name: fmt.Sprintf("Member %d", i+1), TelegramID: tg + int64(i), Language: "en"}
		if i < committee {
			in[i].Role = ll.RoleCommittee
		}
	}
	ms, err := f.st.ImportMembers(f.ctx, community, in, f.clock.Now().Add(-20*24*time.Hour), nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return ms
}

func (f *fixture) scheduler(s scheduler.Schedules, edit func(*scheduler.Config)) *scheduler.Scheduler {
	f.t.Helper()
	cfg := scheduler.Config{Store: f.st, Outbox: f.st, Texts: handlers.Texts{}, Schedules: s,
		Now: f.clock.Now, Sleep: f.clock.Sleep, Logger: slog.New(slog.DiscardHandler)}
	if edit != nil {
		edit(&cfg)
	}
	sc, err := scheduler.New(cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	return sc
}

func (f *fixture) tick(s *scheduler.Scheduler) {
	f.t.Helper()
	if err := s.Tick(f.ctx); err != nil {
		f.t.Fatalf("Tick at %s = %v", f.clock.Now(), err)
	}
}

// at sets the clock to a wall-clock time in loc and ticks each scheduler.
func (f *fixture) tickAt(t time.Time, ss ...*scheduler.Scheduler) {
	f.t.Helper()
	f.clock.Set(t)
	for _, s := range ss {
		f.tick(s)
	}
}

func (f *fixture) enqueued() int64 {
	f.t.Helper()
	st, err := f.st.OutboxStatus(f.ctx, f.clock.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	return st.Enqueued
}

// take claims and acknowledges every message due within the next 12
// hours (by the queue's own times, not the clock), and returns them, their
// Reply what the sender sends (a template rendered).
func (f *fixture) take() []ll.OutMessage {
	f.t.Helper()
	var out []ll.OutMessage
	at, limit := f.clock.Now(), f.clock.Now().Add(12*time.Hour)
	for !at.After(limit) {
		ds, wait, err := f.st.ClaimDeliveries(f.ctx, at, 1000, 1e9, time.Hour)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, d := range ds {
			m := d.Message
			m.Reply = m.Content()
			out = append(out, m)
			if err := f.st.AckDelivery(f.ctx, d, ll.Ack{Status: ll.AckSent}, at); err != nil {
				f.t.Fatal(err)
			}
		}
		if len(ds) == 0 {
			if wait < 0 {
				break
			}
			at = at.Add(max(wait, time.Millisecond))
		}
	}
	return out
}

func specs(t testing.TB, s string) []scheduler.Spec {
	t.Helper()
	out, err := scheduler.ParseSpecs(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTwoReplicasSendEachReminderOnce: two schedulers and two senders on
// one Redis; the schedulers tick at once, many times; every member gets
// each reminder of the run exactly once.
func TestTwoReplicasSendEachReminderOnce(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 8, 59, 0, 0, shanghai)) // a Monday
	f.community("dongan", "Asia/Shanghai")
	ms := f.members("dongan", 30, 2, 7000)
	// One member never opened the bot, one blocked it: no reminders.
	unreachable := ms[29]
	if err := f.st.SetReachable(f.ctx, unreachable.TelegramID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ImportMembers(f.ctx, "dongan", []ll.Member{{Name: "No Telegram"}}, f.clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	sch := scheduler.Schedules{BelowMinimum: specs(t, "0 9 * * 1"), NoPost: specs(t, "0 9 * * 1"), Digest: specs(t, "0 9 * * 1")}
	a, b := f.scheduler(sch, nil), f.scheduler(sch, nil)
	f.tick(a)
	f.tick(b)
	if n := f.enqueued(); n != 0 {
		t.Fatalf("%d messages before 09:00", n)
	}
	f.clock.Set(time.Date(2026, 3, 2, 9, 0, 20, 0, shanghai))
	var wg sync.WaitGroup
	for _, s := range []*scheduler.Scheduler{a, b, a, b, a, b} {
		wg.Go(func() {
			if err := s.Tick(f.ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, want := f.enqueued(), int64(29+29+2); got != want {
		t.Fatalf("%d messages queued by two replicas, want %d (below-minimum and no-post to 29, digest to 2)", got, want)
	}
	if a.Stats().Runs+b.Stats().Runs != 3 {
		t.Errorf("runs: %d + %d, want 3 in all", a.Stats().Runs, b.Stats().Runs)
	}

	// Two senders (two replicas) deliver through the fake Bot API.
	srv := telegramtest.NewServer(t)
	for range 2 {
		tg, err := bot.NewTelegram(bot.TelegramConfig{Token: srv.Token, APIURL: srv.URL(), Handler: bot.HandlerFunc(nil),
			Logger: slog.New(slog.DiscardHandler), Sleep: f.clock.Sleep})
		if err != nil {
			t.Fatal(err)
		}
		s, err := bot.NewSender(bot.SenderConfig{Queue: f.st, Deliverer: tg, Rate: 100, Now: f.clock.Now, Sleep: f.clock.Sleep,
			Progress: handlers.Texts{}.Progress, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	srv.Wait("every reminder delivered", func() bool {
		st, _ := f.st.OutboxStatus(f.ctx, f.clock.Now())
		return st.Sent == 60
	})
	// More ticks later the same day change nothing.
	f.clock.Advance(time.Hour)
	f.tick(a)
	f.tick(b)
	for i, m := range ms {
		sent := srv.Sent(m.TelegramID)
		want := 2
		switch {
		case m.ID == unreachable.ID:
			want = 0
		case i < 2:
			want = 3
		}
		if len(sent) != want {
			t.Errorf("%s got %d messages, want %d", m.ID, len(sent), want)
		}
	}
	if got := f.enqueued(); got != 60 {
		t.Errorf("%d messages queued after more ticks, want still 60", got)
	}
	st := srv.Sent(ms[5].TelegramID)
	var kinds []string
	for _, c := range st {
		kinds = append(kinds, strings.SplitN(telegramtest.Visible(c.Text, "HTML"), "\n", 2)[0])
	}
	if !strings.Contains(strings.Join(kinds, "|"), "your volunteer service this year") || !strings.Contains(strings.Join(kinds, "|"), "claim a service post") {
		t.Errorf("M6 got %q", kinds)
	}
}

// TestCatchUpOnce: a run missed while no replica ran is caught up once, at
// start; only the latest missed run; none older than the catch-up window.
func TestCatchUpOnce(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 8, 0, 0, 0, shanghai))
	f.community("dongan", "Asia/Shanghai")
	f.members("dongan", 5, 2, 7100)
	sch := scheduler.Schedules{Digest: specs(t, "0 9 * * 1")}
	f.tick(f.scheduler(sch, nil)) // the first start: nothing to catch up

	// Every replica is down from 08:00 on 2 March to Wednesday 18 March:
	// three Monday digests were missed.
	f.clock.Set(time.Date(2026, 3, 18, 12, 0, 0, 0, shanghai))
	restarted := f.scheduler(sch, nil)
	f.tick(restarted)
	f.tick(restarted)
	f.tick(f.scheduler(sch, nil))
	msgs := f.take()
	if len(msgs) != 2 {
		t.Fatalf("caught up %d messages, want the digest to the 2 committee members once", len(msgs))
	}
	latest := strconv.FormatInt(time.Date(2026, 3, 16, 9, 0, 0, 0, shanghai).UnixMilli(), 10)
	for _, m := range msgs {
		if !strings.Contains(m.ID, ":"+latest+":") || m.Kind != ll.OutDigest || !strings.Contains(m.Reply.Text, "since 2026-03-02") {
			t.Errorf("caught-up message %s, want the run of 16 March covering the time since the last digest, 2 March:\n%s", m.ID, m.Reply.Text)
		}
	}
	// The next Monday runs as usual.
	f.tickAt(time.Date(2026, 3, 23, 9, 0, 30, 0, shanghai), restarted)
	if got := len(f.take()); got != 2 {
		t.Errorf("the next run sent %d messages, want 2", got)
	}

	// Down for longer than the catch-up window: nothing is caught up.
	short := func(c *scheduler.Config) { c.CatchUp = 48 * time.Hour }
	f.tickAt(time.Date(2026, 4, 2, 12, 0, 0, 0, shanghai), f.scheduler(sch, short))
	if got := len(f.take()); got != 0 {
		t.Errorf("a run 3 days old was caught up with a 48h window: %d messages", got)
	}
}

// TestTimeZonesAndNewCommunities: each community's schedules run in its own
// zone, across a daylight-saving change, and a community created by another
// replica at run time is picked up on the next tick.
func TestTimeZonesAndNewCommunities(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC))
	f.community("dongan", "Asia/Shanghai")
	f.community("queens", "America/New_York")
	f.members("dongan", 3, 0, 7200)
	f.members("queens", 4, 0, 7300)
	sch := scheduler.Schedules{BelowMinimum: specs(t, "0 10 * * *")}
	s := f.scheduler(sch, nil)
	f.tick(s)

	type want struct {
		at            time.Time
		dongan, queen int
	}
	for _, w := range []want{
		{time.Date(2026, 3, 6, 2, 0, 30, 0, time.UTC), 3, 0},  // 10:00 in Shanghai
		{time.Date(2026, 3, 6, 14, 0, 30, 0, time.UTC), 0, 0}, // 09:00 EST
		{time.Date(2026, 3, 6, 15, 0, 30, 0, time.UTC), 0, 4}, // 10:00 EST
		{time.Date(2026, 3, 7, 2, 0, 30, 0, time.UTC), 3, 0},
		{time.Date(2026, 3, 7, 15, 0, 30, 0, time.UTC), 0, 4}, // Saturday, still EST
		{time.Date(2026, 3, 8, 2, 0, 30, 0, time.UTC), 3, 0},
		{time.Date(2026, 3, 8, 14, 0, 30, 0, time.UTC), 0, 4}, // Sunday 8 March: 10:00 EDT
		{time.Date(2026, 3, 8, 15, 0, 30, 0, time.UTC), 0, 0},
	} {
		f.tickAt(w.at, s)
		got := map[string]int{}
		for _, m := range f.take() {
			got[m.Community]++
		}
		if got["dongan"] != w.dongan || got["queens"] != w.queen {
			t.Errorf("at %s: dongan %d, queens %d; want %d and %d", w.at, got["dongan"], got["queens"], w.dongan, w.queen)
		}
	}

	// Another replica creates a community; this one picks it up.
	f.clock.Set(time.Date(2026, 3, 9, 1, 59, 0, 0, time.UTC))
	c := ll.Community{ID: "xiyuan", Name: "Xiyuan", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1, Created: f.clock.Now()}
	if err := f.st.CreateCommunity(f.ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	f.members("xiyuan", 2, 0, 7400)
	f.tickAt(time.Date(2026, 3, 9, 2, 0, 30, 0, time.UTC), s)
	got := map[string]int{}
	for _, m := range f.take() {
		got[m.Community]++
		if m.Community == "xiyuan" && (m.Lang != "en" || !strings.Contains(m.Reply.Text, "Xiyuan")) {
			t.Errorf("xiyuan reminder %+v", m)
		}
	}
	if got["xiyuan"] != 2 || got["dongan"] != 3 {
		t.Errorf("at 10:00 in Shanghai after xiyuan was created: %v, want xiyuan 2 and dongan 3", got)
	}
}

// TestQuietHoursHoldScheduledReminders: a run in the quiet hours is queued
// due when they end; the sender holds it too.
func TestQuietHoursHoldScheduledReminders(t *testing.T) {
	f := newFixture(t, time.Date(2026, 3, 2, 21, 0, 0, 0, shanghai))
	f.community("dongan", "Asia/Shanghai")
	f.members("dongan", 3, 3, 7500)
	q, _ := ll.ParseQuietHours("21:00-08:00")
	sch := scheduler.Schedules{Digest: specs(t, "30 22 * * 1"), Quiet: q}
	s := f.scheduler(sch, nil)
	f.tick(s)
	f.tickAt(time.Date(2026, 3, 2, 22, 30, 10, 0, shanghai), s)
	msgs := f.take()
	if len(msgs) != 3 {
		t.Fatalf("%d digests, want 3", len(msgs))
	}
	for _, m := range msgs {
		if want := time.Date(2026, 3, 3, 8, 0, 0, 0, shanghai); !m.Due.Equal(want) || m.Quiet == nil || m.Zone != "Asia/Shanghai" {
			t.Errorf("digest due %s (quiet %v, zone %q), want %s with its quiet hours", m.Due, m.Quiet, m.Zone, want)
		}
		if _, held := m.Held(time.Date(2026, 3, 3, 7, 59, 0, 0, shanghai)); !held {
			t.Errorf("the sender would send %s at 07:59", m.ID)
		}
	}
	bc := ll.OutMessage{Kind: ll.OutBroadcast, Quiet: &q, Zone: "Asia/Shanghai"}
	if _, held := bc.Held(time.Date(2026, 3, 2, 23, 0, 0, 0, shanghai)); held {
		t.Errorf("quiet hours hold a broadcast")
	}
}

// TestActivityReminders: reminders at each offset before the start, to
// those signed up, once; only the latest offset when an activity is created
// late; counted and not sent when they would come after the start.
func TestActivityReminders(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, shanghai)
	f := newFixture(t, now)
	f.community("dongan", "Asia/Shanghai")
	ms := f.members("dongan", 4, 0, 7600)
	if err := f.st.SetReachable(f.ctx, ms[3].TelegramID, false); err != nil {
		t.Fatal(err)
	}
	act := func(start time.Time, title string, signed ...ll.Member) ll.Activity {
		a, err := f.st.CreateActivity(f.ctx, ll.Activity{Community: "dongan", Title: title, Start: start, End: start.Add(2 * time.Hour), Created: f.clock.Now()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range signed {
			if _, _, err := f.st.SignUp(f.ctx, "dongan", a.ID, m.ID, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}
	sch := scheduler.Schedules{ActivityOffsets: []time.Duration{24 * time.Hour, time.Hour}}
	s, other := f.scheduler(sch, nil), f.scheduler(sch, nil)

	start := now.Add(30 * time.Hour)
	a := act(start, "Lamp check", ms[0], ms[1], ms[3])
	f.tick(s)
	if n := len(f.take()); n != 0 {
		t.Errorf("%d reminders 30 h before the start", n)
	}
	f.tickAt(start.Add(-24*time.Hour+time.Minute), s, other, s)
	msgs := f.take()
	if len(msgs) != 2 {
		t.Fatalf("%d reminders 24 h before, want 2 (the third member is unreachable)", len(msgs))
	}
	for _, m := range msgs {
		if !m.Expires.Equal(start) || m.Kind != ll.OutActivityReminder || !strings.Contains(m.Reply.Text, a.ID) || !strings.Contains(m.Reply.Text, "/checkin") {
			t.Errorf("reminder %+v", m)
		}
	}
	f.tickAt(start.Add(-time.Hour+time.Minute), other, s)
	if n := len(f.take()); n != 2 {
		t.Errorf("%d reminders 1 h before, want 2", n)
	}
	f.tickAt(start.Add(-time.Minute), s, other)
	if n := len(f.take()); n != 0 {
		t.Errorf("%d more reminders just before the start", n)
	}

	// Created 30 minutes before its start: the 1 h reminder, once.
	lateStart := f.clock.Now().Add(30 * time.Minute)
	act(lateStart, "Short notice", ms[2])
	f.tick(s)
	f.tick(other)
	if got := f.take(); len(got) != 1 || !strings.Contains(got[0].ID, "-"+strconv.FormatInt(lateStart.Add(-time.Hour).UnixMilli(), 10)+":") {
		t.Errorf("short-notice reminders %+v, want one, of the 1 h offset", got)
	}

	// Every replica was down over the 1 h reminder; back after the start.
	gone := act(f.clock.Now().Add(3*time.Hour), "Missed", ms[0], ms[1])
	_ = gone
	f.tickAt(f.clock.Now().Add(3*time.Hour+10*time.Minute), s)
	if n := len(f.take()); n != 0 {
		t.Errorf("%d reminders sent after the start", n)
	}
	if got := s.Stats().Late; got != 2 {
		t.Errorf("late reminders counted: %d, want 2", got)
	}
	f.tick(other)
	if got := s.Stats().Late + other.Stats().Late; got != 2 {
		t.Errorf("late reminders counted %d times by two replicas, want 2", got)
	}

	// Quiet hours until 08:00 hold a 06:00 reminder past a 07:00 start.
	q, _ := ll.ParseQuietHours("21:00-08:00")
	quiet := f.scheduler(scheduler.Schedules{ActivityOffsets: []time.Duration{time.Hour}, Quiet: q}, nil)
	day := f.clock.Now().In(shanghai)
	early := time.Date(day.Year(), day.Month(), day.Day()+2, 7, 0, 0, 0, shanghai)
	act(early, "Early walk", ms[0])
	f.tickAt(early.Add(-time.Hour+time.Minute), quiet)
	if n := len(f.take()); n != 0 || quiet.Stats().Late != 1 {
		t.Errorf("reminder held past the start: %d sent, %d late; want 0 and 1", n, quiet.Stats().Late)
	}

	// A cancelled activity gets none.
	c := act(f.clock.Now().Add(2*time.Hour), "Cancelled", ms[0])
	if _, _, err := f.st.CancelActivity(f.ctx, "dongan", c.ID, "rain", nil); err != nil {
		t.Fatal(err)
	}
	f.tickAt(f.clock.Now().Add(time.Hour+time.Minute), s)
	if n := len(f.take()); n != 0 {
		t.Errorf("%d reminders for a cancelled activity", n)
	}
}

// TestEscalationAndCompliance: the escalation lists who is still below;
// members who reached the minimum get no below-minimum reminder.
func TestEscalationAndCompliance(t *testing.T) {
	f := newFixture(t, time.Date(2026, 12, 7, 8, 0, 0, 0, shanghai)) // a Monday in December
	f.community("dongan", "Asia/Shanghai")
	ms := f.members("dongan", 6, 1, 7700)
	for _, m := range ms[:3] { // the committee member and two others reach 2 participations
		for i := range 2 {
			a, err := f.st.CreateActivity(f.ctx, ll.Activity{Community: "dongan", Title: "Past " + m.ID + strconv.Itoa(i),
				Start: f.clock.Now().Add(-time.Duration(48+i*24) * time.Hour), End: f.clock.Now().Add(-time.Duration(46+i*24) * time.Hour)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.Attend(f.ctx, "dongan", a.ID, m.ID, ms[0].ID, "", f.clock.Now(), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := f.scheduler(scheduler.Schedules{Escalation: specs(t, "0 9 * 12 1"), BelowMinimum: specs(t, "0 10 * * 1")}, nil)
	f.tick(s)
	f.tickAt(time.Date(2026, 12, 7, 9, 0, 30, 0, shanghai), s)
	esc := f.take()
	if len(esc) != 1 || esc[0].ChatID != ms[0].TelegramID {
		t.Fatalf("escalation %+v, want one to the committee member", esc)
	}
	for _, m := range ms[3:] {
		if !strings.Contains(esc[0].Reply.Text, "<b>"+m.ID+"</b>") {
			t.Errorf("escalation does not list %s:\n%s", m.ID, esc[0].Reply.Text)
		}
	}
	if strings.Contains(esc[0].Reply.Text, "<b>"+ms[1].ID+"</b>") || !strings.Contains(esc[0].Reply.Text, "25 days left") {
		t.Errorf("escalation:\n%s", esc[0].Reply.Text)
	}
	f.tickAt(time.Date(2026, 12, 7, 10, 0, 30, 0, shanghai), s)
	below := f.take()
	if len(below) != 3 {
		t.Errorf("%d below-minimum reminders, want 3", len(below))
	}
	for _, m := range below {
		if !strings.Contains(m.Reply.Text, "<b>0</b> of the 2") || !strings.Contains(m.Reply.Text, "25 days") {
			t.Errorf("below-minimum reminder:\n%s", m.Reply.Text)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	if _, err := scheduler.New(scheduler.Config{}); err == nil {
		t.Error("New without a store succeeded")
	}
}
