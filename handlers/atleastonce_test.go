package handlers_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// An update whose process was killed between its marker and its effect is
// handled again once the lease expires: exactly one effect and one reply.
// After Done, every delivery is a duplicate.
func TestUpdateHandledAtLeastOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.community("dongan", "Dong'an")
	e.member("dongan", alice, ll.RoleNone, "Bank", "12")
	p := e.post(ll.Post{Community: "dongan", Title: "Street lamps", Capacity: 1})

	req := request(alice, "/claim "+p.ID, true)
	req.UpdateID = 7001

	// The first process begins the update, then dies before the effect.
	if first, _, err := e.store.Begin(e.ctx, req.UpdateID, alice.id, e.now); err != nil || !first {
		t.Fatalf("Begin = %v, %v; want the update taken", first, err)
	}
	// Redelivered while the lease is live (another replica may be on it): skipped.
	if rs, dup := e.h.HandleUpdate(e.ctx, req); !dup || len(rs) != 0 {
		t.Fatalf("delivery during the lease = %d replies, duplicate %v; want none, duplicate", len(rs), dup)
	}
	if hs, _ := e.store.Holders(e.ctx, "dongan", p.ID); len(hs) != 0 {
		t.Fatalf("holders during the lease = %d, want 0", len(hs))
	}

	// Telegram delivers it again after the lease expired: handled.
	e.now = e.now.Add(storage.UpdateLease + time.Second)
	rs, dup := e.h.HandleUpdate(e.ctx, req)
	if dup || len(rs) != 1 || !strings.Contains(rs[0].Text, p.ID) {
		t.Fatalf("delivery after the lease = %+v, duplicate %v; want one reply naming %s", rs, dup, p.ID)
	}
	if hs, _ := e.store.Holders(e.ctx, "dongan", p.ID); len(hs) != 1 {
		t.Fatalf("holders after the redelivery = %d, want 1", len(hs))
	}
	if err := e.h.Done(e.ctx, req); err != nil {
		t.Fatalf("Done: %v", err)
	}

	// Done: later deliveries, even much later, have no effect and no reply.
	e.now = e.now.Add(2 * storage.UpdateLease)
	if rs, dup := e.h.HandleUpdate(e.ctx, req); !dup || len(rs) != 0 {
		t.Errorf("delivery after Done = %d replies, duplicate %v; want none, duplicate", len(rs), dup)
	}
	if hs, _ := e.store.Holders(e.ctx, "dongan", p.ID); len(hs) != 1 {
		t.Errorf("holders = %d, want exactly 1", len(hs))
	}
}
