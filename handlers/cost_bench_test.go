package handlers_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"github.com/lamplighter-bot/lamplighter/report"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// commandCost measures what one update costs Redis on the full path an
// update takes in production: HandleUpdate with the update's id, the way the
// Telegram adapter calls it (the adapter marks no update that reaches the
// handler: Store.Begin marks it in the round trip that reads the user).
// It counts round trips per op (by a go-redis hook: a command, a pipeline or
// a transaction is one) and commands per op (INFO commandstats on the test
// server, which also counts the commands a Lua script runs).
type commandCost struct {
	tb      testing.TB
	ctx     context.Context
	store   *storage.Store
	counter *storagetest.Counter
	raw     redis.UniversalClient
	h       *handlers.Handlers
	invite  ll.Invite
	update  atomic.Int64
}

// newCommandCost is a community dongan (minimum 2, post minimum 1) with alice
// registered as M1, on a counted store.
func newCommandCost(tb testing.TB) *commandCost {
	storagetest.SkipUnless(tb, "INFO commandstats is read from one server", storagetest.ModeSingle)
	store, counter := storagetest.NewCountedStore(tb)
	cc := &commandCost{tb: tb, ctx: context.Background(), store: store, counter: counter, raw: storagetest.Client(tb)}
	cc.h = handlers.New(store, handlers.Config{Render: report.Renderer{}, BotUsername: botName, Now: func() time.Time { return testNow }})
	audit := &ll.AuditEntry{Actor: "cli", Action: "bench"}
	c := ll.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1}
	if err := store.CreateCommunity(cc.ctx, c, audit); err != nil {
		tb.Fatal(err)
	}
	inv, err := store.CreateInvite(cc.ctx, ll.Invite{Community: "dongan", Created: testNow}, audit)
	if err != nil {
		tb.Fatal(err)
	}
	cc.invite = inv
	cc.register(alice)
	return cc
}

// importMember makes p a member of dongan the way "lamplighter members
// import" does: a row with p's Telegram id.
func (cc *commandCost) importMember(p person) {
	audit := &ll.AuditEntry{Actor: "cli", Action: "import"}
	if _, err := cc.store.ImportMembers(cc.ctx, "dongan", []ll.Member{{TelegramID: p.id, Name: p.name, Unit: "Bank"}}, testNow, audit); err != nil {
		cc.tb.Fatal(err)
	}
}

// register makes p a member of dongan, as /join does.
func (cc *commandCost) register(p person) {
	m := ll.Member{TelegramID: p.id, Name: p.name, Unit: "Bank", Building: "19", Skills: []string{"law"}, Language: p.lang}
	if _, err := cc.store.Register(cc.ctx, cc.invite, m, testNow); err != nil {
		cc.tb.Fatal(err)
	}
}

// post creates an unlimited post and returns its id.
func (cc *commandCost) post(title string) string {
	p, err := cc.store.CreatePost(cc.ctx, ll.Post{Community: "dongan", Title: title, Mode: ll.ModeClaimed}, nil)
	if err != nil {
		cc.tb.Fatal(err)
	}
	return p.ID
}

// activity creates an activity whose check-in is open at testNow and returns
// its code.
func (cc *commandCost) activity() string {
	a, err := cc.store.CreateActivity(cc.ctx, ll.Activity{Community: "dongan", Title: "Lamps", Place: "Block 19",
		Start: testNow, End: testNow.Add(2 * time.Hour)}, nil)
	if err != nil {
		cc.tb.Fatal(err)
	}
	return a.Code
}

// rotatingActivities creates n rotating-code activities open at testNow
// and returns the code of the first at testNow: a check-in computes the codes
// of all n in its one script.
func (cc *commandCost) rotatingActivities(n int) string {
	var code string
	for i := range n {
		key := make([]byte, 20)
		rand.Read(key)
		_, err := cc.store.CreateActivity(cc.ctx, ll.Activity{Community: "dongan", Title: "Lamps", Place: "Block 19",
			Start: testNow, End: testNow.Add(2 * time.Hour), Mode: ll.CheckInRotating, Secret: hex.EncodeToString(key)}, nil)
		if err != nil {
			cc.tb.Fatal(err)
		}
		if i == 0 {
			code = ll.CodeAt(key, testNow)
		}
	}
	return code
}

// checkInEachRotating is checkInEach with the rotating code of the first of
// n rotating activities open now.
func (cc *commandCost) checkInEachRotating(n, activities int) func(int) (person, string) {
	code := cc.rotatingActivities(activities)
	people := make([]person, n+1)
	for i := range people {
		people[i] = person{id: 20_000 + int64(i), name: "Member " + strconv.Itoa(i), lang: "en"}
		cc.register(people[i])
	}
	return func(i int) (person, string) { return people[i], "/checkin " + code }
}

// BenchmarkCommandCheckInRotating: /checkin <rotating code> with 10
// rotating activities open now, each op by another member.
func BenchmarkCommandCheckInRotating(b *testing.B) {
	cc := newCommandCost(b)
	cc.bench(b, cc.checkInEachRotating(b.N, 10))
}

// measure sends, for i = 0 (a warm-up, not counted) to n, text(i) as its
// person, each in an update of its own, and returns the round trips and
// commands per op. With b it times the n ops.
func (cc *commandCost) measure(n int, b *testing.B, text func(i int) (person, string)) (roundTrips, commands float64) {
	tb := cc.tb
	once := func(i int) {
		p, t := text(i)
		req := request(p, t, true)
		req.UpdateID = cc.update.Add(1)
		rs, dup := cc.h.HandleUpdate(cc.ctx, req)
		if dup || len(rs) == 0 || strings.Contains(rs[0].Text, "Sorry") || strings.Contains(rs[0].Text, "抱歉") {
			tb.Fatalf("HandleUpdate(%q) = %+v, %v", req.Text, rs, dup)
		}
		// The adapter marks the update done once the replies are sent.
		if err := cc.h.Done(cc.ctx, req); err != nil {
			tb.Fatalf("Done(%q): %v", req.Text, err)
		}
	}
	once(0) // warm the connection and the script cache
	before := cc.commands()
	cc.counter.Reset()
	if b != nil {
		b.ResetTimer()
	}
	for i := 1; i <= n; i++ {
		once(i)
	}
	if b != nil {
		b.StopTimer()
	}
	rt := cc.counter.RoundTrips()
	return float64(rt) / float64(n), float64(cc.commands()-before-1) / float64(n) // -1: this INFO itself
}

// bench measures b.N ops and reports the cost per op.
func (cc *commandCost) bench(b *testing.B, text func(i int) (person, string)) {
	rt, cmds := cc.measure(b.N, b, text)
	b.ReportMetric(rt, "roundtrips/op")
	b.ReportMetric(cmds, "commands/op")
}

// commands is the total of calls in INFO commandstats.
func (cc *commandCost) commands() int64 {
	info, err := cc.raw.Info(cc.ctx, "commandstats").Result()
	if err != nil {
		cc.tb.Fatal(err)
	}
	var total int64
	for _, line := range strings.Split(info, "\n") {
		_, rest, ok := strings.Cut(line, ":calls=")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		v, err := strconv.ParseInt(n, 10, 64)
		if err == nil {
			total += v
		}
	}
	return total
}

// always is text(i) that sends the same text as alice every time.
func always(text string) func(int) (person, string) {
	return func(int) (person, string) { return alice, text }
}

// checkInEach prepares n+1 members holding a post, and returns text(i):
// member i sends "/checkin <code>" of one activity open now (so each op is a
// first check-in, whose reply shows the member's standing for the year).
func (cc *commandCost) checkInEach(n int, verb string) func(int) (person, string) {
	code := cc.activity()
	p := cc.post("Street lamps")
	people := make([]person, n+1)
	for i := range people {
		people[i] = person{id: 10_000 + int64(i), name: "Member " + strconv.Itoa(i), lang: "en"}
		cc.register(people[i])
		if _, _, err := cc.store.Claim(cc.ctx, "dongan", p, "M"+strconv.Itoa(i+2), testNow); err != nil {
			cc.tb.Fatal(err)
		}
	}
	return func(i int) (person, string) { return people[i], verb + code }
}

// BenchmarkCommandClaim: /claim of a post the member already holds after the
// first op (the idempotent path a double tap takes; a first claim costs the same
// script).
func BenchmarkCommandClaim(b *testing.B) {
	cc := newCommandCost(b)
	cc.post("Street lamps")
	cc.bench(b, always("/claim P1"))
}

// BenchmarkCommandMe: /me of a member with a post.
func BenchmarkCommandMe(b *testing.B) {
	cc := newCommandCost(b)
	cc.post("Street lamps")
	if _, _, err := cc.store.Claim(cc.ctx, "dongan", "P1", "M1", testNow); err != nil {
		b.Fatal(err)
	}
	cc.bench(b, always("/me"))
}

// BenchmarkCommandCheckIn: /checkin <code> to an activity open now, each op
// by another member holding a post (the first check-in, whose reply shows the
// member's standing for the year).
func BenchmarkCommandCheckIn(b *testing.B) {
	cc := newCommandCost(b)
	cc.bench(b, cc.checkInEach(b.N, "/checkin "))
}

// TestCommandRoundTrips pins the Redis cost of the hot commands on the full
// update path, the per-update lease and its "done" included: /claim,
// /checkin <code> and /me take at most 3 round trips (Begin, the operation's
// one script or Store.Card, then Finish), for a member who joined by invite
// and for one imported with the CLI, as a secretary would.
func TestCommandRoundTrips(t *testing.T) {
	const n = 10
	for _, c := range []struct {
		name  string
		max   float64
		setup func(cc *commandCost) func(int) (person, string)
	}{
		{"/claim (imported member)", 3, func(cc *commandCost) func(int) (person, string) {
			cc.importMember(bob)
			cc.post("Street lamps")
			return func(int) (person, string) { return bob, "/claim P1" }
		}},
		{"/checkin <code> (imported member)", 3, func(cc *commandCost) func(int) (person, string) {
			cc.importMember(bob)
			code := cc.activity()
			return func(int) (person, string) { return bob, "/checkin " + code }
		}},
		{"/me (imported member)", 3, func(cc *commandCost) func(int) (person, string) {
			cc.importMember(bob)
			return func(int) (person, string) { return bob, "/me" }
		}},
		{"/claim (first)", 3, func(cc *commandCost) func(int) (person, string) {
			for range n + 1 {
				cc.post("Street lamps")
			}
			return func(i int) (person, string) { return alice, "/claim P" + strconv.Itoa(i+1) }
		}},
		{"/claim (held)", 3, func(cc *commandCost) func(int) (person, string) {
			cc.post("Street lamps")
			return always("/claim P1")
		}},
		{"/unclaim", 3, func(cc *commandCost) func(int) (person, string) {
			cc.post("Street lamps")
			return always("/unclaim P1")
		}},
		{"/checkin <code>", 3, func(cc *commandCost) func(int) (person, string) {
			return cc.checkInEach(n, "/checkin ")
		}},
		{"/checkin <code> (repeat)", 3, func(cc *commandCost) func(int) (person, string) {
			return always("/checkin " + cc.activity())
		}},
		{"/checkin <rotating code> (10 rotating activities open)", 3, func(cc *commandCost) func(int) (person, string) {
			return cc.checkInEachRotating(n, 10)
		}},
		{"/start ci_<code>", 3, func(cc *commandCost) func(int) (person, string) {
			return cc.checkInEach(n, "/start ci_")
		}},
		{"/me", 3, func(cc *commandCost) func(int) (person, string) {
			// A member with two posts, a team they lead and two participations.
			for _, title := range []string{"Street lamps", "Legal aid"} {
				if _, _, err := cc.store.Claim(cc.ctx, "dongan", cc.post(title), "M1", testNow); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := cc.store.CreateTeam(cc.ctx, ll.Team{Community: "dongan", Name: "Lamplighters", Leaders: []string{"M1"}}, nil); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, _, err := cc.store.CheckIn(cc.ctx, "dongan", "M1", ll.CheckIn{Code: cc.activity()}, testNow); err != nil {
					t.Fatal(err)
				}
			}
			return always("/me")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cc := newCommandCost(t)
			rt, cmds := cc.measure(n, nil, c.setup(cc))
			t.Logf("%s: %.1f round trips, %.1f commands", c.name, rt, cmds)
			if rt > c.max {
				t.Errorf("%s took %.1f round trips per update, want at most %.0f", c.name, rt, c.max)
			}
		})
	}
}
