package handlers_test

import (
	"strconv"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TestNeedTakeRoundTrips pins the Redis cost of a press of a need's take
// button on the full update path: Begin (which reads the user), the take's
// one script (the capacity, the member's check, the taker's name and unit,
// the asker), then Finish: 3 round trips, for a first take and for a
// repeated press (a double tap) alike, and for a press on a need already
// taken by others.
func TestNeedTakeRoundTrips(t *testing.T) {
	const n = 10
	for _, c := range []struct {
		name    string
		helpers int
		same    bool // every press by the same member (a double tap)
	}{
		{"take (first, each by another member)", n + 1, false},
		{"take (repeated press)", 1, true},
		{"take (already taken)", 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cc := newCommandCost(t)
			people := make([]person, n+2)
			for i := range people {
				people[i] = person{id: 30_000 + int64(i), name: "Member " + strconv.Itoa(i), lang: "en"}
				cc.register(people[i])
			}
			need, _, err := cc.store.CreateNeed(cc.ctx, ll.Need{Community: "dongan", Text: "lamp", AskerID: 777, Created: testNow}, "t")
			if err != nil {
				t.Fatal(err)
			}
			need.Helpers, need.Due = c.helpers, testNow.AddDate(0, 0, 7)
			if _, _, err := cc.store.PublishNeed(cc.ctx, need, false, 0, testNow, nil); err != nil {
				t.Fatal(err)
			}
			press := func(i int) {
				p := people[i]
				if c.same {
					p = people[0]
				} else if c.helpers == 1 {
					p = people[i+1] // people[1] takes it in the warm-up; the others find it taken
				}
				req := request(p, "", true)
				req.Callback, req.CallbackID, req.MessageID = "nt:"+need.ID, "q", 7
				req.UpdateID = cc.update.Add(1)
				rs, dup := cc.h.HandleUpdate(cc.ctx, req)
				if dup || len(rs) == 0 || !rs[0].Edit || !strings.Contains(rs[0].Text, need.ID) {
					t.Fatalf("press = %+v, %v", rs, dup)
				}
				if err := cc.h.Done(cc.ctx, req); err != nil {
					t.Fatal(err)
				}
			}
			press(0)
			before := cc.commands()
			cc.counter.Reset()
			for i := 1; i <= n; i++ {
				press(i)
			}
			rt := float64(cc.counter.RoundTrips()) / n
			cmds := float64(cc.commands()-before-1) / n
			t.Logf("%s: %.1f round trips, %.1f commands per press", c.name, rt, cmds)
			if rt > 3 {
				t.Errorf("%s took %.1f round trips per press, want at most 3", c.name, rt)
			}
		})
	}
}
