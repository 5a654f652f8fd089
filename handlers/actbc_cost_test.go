package handlers_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// measurePress is measure for button presses: for i = 0 (a warm-up, not
// counted) to n, press(i)'s person presses its button data in an update of
// its own; it returns the round trips and commands per press.
func (cc *commandCost) measurePress(n int, press func(i int) (person, string), want string) (roundTrips, commands float64) {
	tb := cc.tb
	once := func(i int) {
		p, data := press(i)
		req := request(p, "", true)
		req.Callback, req.CallbackID, req.MessageID = data, "cb"+strconv.Itoa(i), 42
		req.UpdateID = cc.update.Add(1)
		rs, dup := cc.h.HandleUpdate(cc.ctx, req)
		if dup || len(rs) == 0 || !rs[0].Edit || !strings.Contains(rs[0].Text, want) {
			tb.Fatalf("press %q by %d = %+v, %v; want an edit showing %q", data, p.id, rs, dup, want)
		}
		if err := cc.h.Done(cc.ctx, req); err != nil {
			tb.Fatalf("Done: %v", err)
		}
	}
	once(0)
	before := cc.commands()
	cc.counter.Reset()
	for i := 1; i <= n; i++ {
		once(i)
	}
	return float64(cc.counter.RoundTrips()) / float64(n), float64(cc.commands()-before-1) / float64(n)
}

// TestBroadcastPressRoundTrips measures what a press on a broadcast's
// [Sign up] and [Claim] costs Redis on the full update path (each op by
// another member, a first sign-up or claim): Begin, the member read the
// sign-up needs, the service's one script, the community and the
// broadcast's text for the edit, Finish. Pinned at 6.
func TestBroadcastPressRoundTrips(t *testing.T) {
	const n = 10
	for _, c := range []struct {
		name, want string
		ref        func(cc *commandCost) string
	}{
		{"[Sign up] on a broadcast", "已报名", func(cc *commandCost) string {
			a, err := cc.store.CreateActivity(cc.ctx, ll.Activity{Community: "dongan", Title: "Lamps", Place: "Block 19",
				Start: testNow.Add(24 * time.Hour), End: testNow.Add(26 * time.Hour), Capacity: 50}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}},
		{"[Claim] on a broadcast", "已由您认领", func(cc *commandCost) string {
			p, err := cc.store.CreatePost(cc.ctx, ll.Post{Community: "dongan", Title: "Street lamps", Mode: ll.ModeClaimed, Capacity: 50}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p.ID
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cc := newCommandCost(t)
			ref := c.ref(cc)
			if err := cc.store.SaveBroadcastNote(cc.ctx, "dongan", "dongan-abcdefghij", "Come & help", time.Hour); err != nil {
				t.Fatal(err)
			}
			people := make([]person, n+1)
			for i := range people {
				people[i] = person{id: 30_000 + int64(i), name: "Member " + strconv.Itoa(i), lang: "zh"}
				cc.register(people[i])
			}
			rt, cmds := cc.measurePress(n, func(i int) (person, string) { return people[i], "ba:abcdefghij:" + ref }, c.want)
			t.Logf("%s: %.1f round trips, %.1f commands", c.name, rt, cmds)
			if rt > 6 {
				t.Errorf("%s took %.1f round trips per press, want at most 6", c.name, rt)
			}
		})
	}
}
