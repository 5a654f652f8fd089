package handlers_test

import (
	"context"
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
// update takes in production: the adapter's per-update marker, then Handle.
// It reports round trips per op (counted by a go-redis hook: a command, a
// pipeline or a transaction is one) and commands per op (INFO commandstats on
// the test server, which also counts the commands a Lua script runs).
type commandCost struct {
	b       *testing.B
	ctx     context.Context
	store   *storage.Store
	counter *storagetest.Counter
	raw     redis.UniversalClient
	h       *handlers.Handlers
	update  atomic.Int64
}

func newCommandCost(b *testing.B) *commandCost {
	storagetest.SkipUnless(b, "INFO commandstats is read from one server", storagetest.ModeSingle)
	store, counter := storagetest.NewCountedStore(b)
	cc := &commandCost{b: b, ctx: context.Background(), store: store, counter: counter, raw: storagetest.Client(b)}
	cc.h = handlers.New(store, handlers.Config{BotUsername: botName, Now: func() time.Time { return testNow }})
	audit := &ll.AuditEntry{Actor: "cli", Action: "bench"}
	c := ll.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1}
	if err := store.CreateCommunity(cc.ctx, c, audit); err != nil {
		b.Fatal(err)
	}
	inv, err := store.CreateInvite(cc.ctx, ll.Invite{Community: "dongan", Created: testNow}, audit)
	if err != nil {
		b.Fatal(err)
	}
	m := ll.Member{TelegramID: alice.id, Name: "Alice", Unit: "Bank", Building: "19", Skills: []string{"law"}, Language: "en"}
	if _, err := store.Register(cc.ctx, inv, m, testNow); err != nil {
		b.Fatal(err)
	}
	return cc
}

// run sends text as alice b.N times and reports the cost per op.
func (cc *commandCost) run(text string) {
	cc.runEach(func(int) string { return text })
}

// runEach sends text(i) as alice for i = 0 (a warm-up, not counted) to b.N
// and reports the cost per op.
func (cc *commandCost) runEach(text func(i int) string) {
	b := cc.b
	once := func(i int) {
		req := request(alice, text(i), true)
		id := cc.update.Add(1)
		if first, err := cc.store.MarkUpdate(cc.ctx, id); err != nil || !first {
			b.Fatalf("MarkUpdate(%d) = %v, %v", id, first, err)
		}
		req.UpdateID = id
		if rs := cc.h.Handle(cc.ctx, req); len(rs) == 0 || strings.Contains(rs[0].Text, "Sorry") || strings.Contains(rs[0].Text, "抱歉") {
			b.Fatalf("Handle(%q) = %+v", req.Text, rs)
		}
	}
	once(0) // warm the connection and the script cache
	before := cc.commands()
	cc.counter.Reset()
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		once(i)
	}
	b.StopTimer()
	b.ReportMetric(float64(cc.counter.RoundTrips())/float64(b.N), "roundtrips/op")
	b.ReportMetric(float64(cc.commands()-before-1)/float64(b.N), "commands/op") // -1: this INFO itself
}

// commands is the total of calls in INFO commandstats.
func (cc *commandCost) commands() int64 {
	info, err := cc.raw.Info(cc.ctx, "commandstats").Result()
	if err != nil {
		cc.b.Fatal(err)
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

// BenchmarkCommandClaim: /claim of a post the member already holds after the
// first op (the idempotent path a double tap takes; a first claim costs the same
// script).
func BenchmarkCommandClaim(b *testing.B) {
	cc := newCommandCost(b)
	if _, err := cc.store.CreatePost(cc.ctx, ll.Post{Community: "dongan", Title: "Street lamps", Mode: ll.ModeClaimed}, nil); err != nil {
		b.Fatal(err)
	}
	cc.run("/claim P1")
}

// BenchmarkCommandMe: /me of a member with a post.
func BenchmarkCommandMe(b *testing.B) {
	cc := newCommandCost(b)
	if _, err := cc.store.CreatePost(cc.ctx, ll.Post{Community: "dongan", Title: "Street lamps", Mode: ll.ModeClaimed}, nil); err != nil {
		b.Fatal(err)
	}
	if _, _, err := cc.store.Claim(cc.ctx, "dongan", "P1", "M1", testNow); err != nil {
		b.Fatal(err)
	}
	cc.run("/me")
}

// BenchmarkCommandCheckIn: /checkin <code>, each op to a new activity open
// now (the first check-in, whose reply shows the year's standing), by a
// member holding a post.
func BenchmarkCommandCheckIn(b *testing.B) {
	cc := newCommandCost(b)
	if _, err := cc.store.CreatePost(cc.ctx, ll.Post{Community: "dongan", Title: "Street lamps", Mode: ll.ModeClaimed}, nil); err != nil {
		b.Fatal(err)
	}
	if _, _, err := cc.store.Claim(cc.ctx, "dongan", "P1", "M1", testNow); err != nil {
		b.Fatal(err)
	}
	codes := make([]string, b.N+1)
	for i := range codes {
		a, err := cc.store.CreateActivity(cc.ctx, ll.Activity{Community: "dongan", Title: "Lamps", Place: "Block 19",
			Start: testNow, End: testNow.Add(2 * time.Hour)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		codes[i] = a.Code
	}
	cc.runEach(func(i int) string { return "/checkin " + codes[i] })
}
