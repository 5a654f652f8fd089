package app_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// north returns the point about meters north of p.
func north(p ll.GeoPoint, meters float64) ll.GeoPoint {
	return ll.GeoPoint{Latitude: p.Latitude + meters/111195, Longitude: p.Longitude}
}

// liveAt is a live location at p with a horizontal accuracy (0: none sent).
func liveAt(p ll.GeoPoint, accuracy float64) ll.Location {
	return ll.Location{Latitude: p.Latitude, Longitude: p.Longitude, Live: true, Accuracy: accuracy}
}

// jumps returns the audit entries of ignored location jumps, newest first.
func (f *fixture) jumps() []ll.AuditEntry {
	f.t.Helper()
	var out []ll.AuditEntry
	for _, e := range f.audit() {
		if e.Action == "locationjump" {
			out = append(out, e)
		}
	}
	return out
}

func TestCheckInByLocationAccuracy(t *testing.T) {
	f := newFixture(t)
	open := f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour, Location: &gate})
	mem := f.actor(3, false)

	// Accuracy worse than the radius (200 m by default) is refused, even at the gate.
	res, err := f.app.CheckIns.ByLocation(f.ctx, mem, liveAt(gate, 201))
	wantRefusal(t, "ByLocation(accuracy 201 m)", err, ll.EINVALID, ll.ReasonInaccurate)
	if res.Changed || res.Activity.ID != open.ID || res.Activity.Code != "" {
		t.Fatalf("ByLocation(accuracy 201 m) = %+v, want the activity, without its code, unchanged", res)
	}
	// Forwarded and pins stay refused, however accurate.
	fwd := liveAt(gate, 5)
	fwd.Forwarded = true
	_, err = f.app.CheckIns.ByLocation(f.ctx, mem, fwd)
	wantRefusal(t, "ByLocation(forwarded)", err, ll.EINVALID, ll.ReasonNotLive)
	pin := liveAt(gate, 5)
	pin.Live = false
	_, err = f.app.CheckIns.ByLocation(f.ctx, mem, pin)
	wantRefusal(t, "ByLocation(pin)", err, ll.EINVALID, ll.ReasonNotLive)
	if n := f.counted(f.ms[2].ID); n != 0 {
		t.Fatalf("refused check-ins recorded %d participations", n)
	}
	// Accuracy as large as the radius counts.
	mem.Now = f.now.Add(time.Second)
	if res, err := f.app.CheckIns.ByLocation(f.ctx, mem, liveAt(gate, 200)); err != nil || !res.Changed {
		t.Fatalf("ByLocation(accuracy 200 m) = %+v, %v; want checked in", res, err)
	}
}

func TestCheckInByLocationJump(t *testing.T) {
	f := newFixture(t)
	open := f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour, Location: &gate})
	mem := f.actor(3, false)
	home := north(gate, 1000)

	_, err := f.app.CheckIns.ByLocation(f.ctx, mem, liveAt(home, 0))
	wantRefusal(t, "ByLocation(home)", err, ll.ECONFLICT, ll.ReasonTooFar)
	// 1,020 m in 20 s is 51 m/s: ignored and audited.
	mem.Now = f.now.Add(20 * time.Second)
	res, err := f.app.CheckIns.ByLocation(f.ctx, mem, liveAt(north(gate, -20), 0))
	wantRefusal(t, "ByLocation(51 m/s)", err, ll.EINVALID, ll.ReasonJump)
	if res.Changed || res.Speed < 50.5 || res.Speed > 51.5 {
		t.Fatalf("ByLocation(51 m/s) = %+v, want the speed, unchanged", res)
	}
	j := f.jumps()
	if len(j) != 1 || j[0].Actor != "M3" || j[0].Object != "M3" || !strings.HasPrefix(j[0].Detail, "51.0 m/s: 1020 m in 20 s") || !j[0].Time.Equal(mem.Now) {
		t.Fatalf("audit = %+v, want one location jump of M3 at 51.0 m/s", j)
	}
	if n := f.counted("M3"); n != 0 {
		t.Fatalf("a jump checked in: %d", n)
	}
	// A 10 m/s ride from home (the jump was not kept): checked in.
	mem.Now = f.now.Add(90 * time.Second)
	res, err = f.app.CheckIns.ByLocation(f.ctx, mem, liveAt(north(gate, 100), 0))
	if err != nil || !res.Changed || res.Activity.ID != open.ID {
		t.Fatalf("ByLocation(10 m/s) = %+v, %v; want checked in to %s", res, err, open.ID)
	}
	if n := len(f.jumps()); n != 1 {
		t.Fatalf("jumps audited = %d, want 1", n)
	}
}

// TestCheckInByLocationConcurrentPositions: a member sending a far position
// and one at the gate at the same time is judged one position after the
// other: one of the two is a jump, audited once, and the member is checked
// in at most once.
func TestCheckInByLocationConcurrentPositions(t *testing.T) {
	f := newFixture(t)
	f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour, Location: &gate})
	mem := f.actor(3, false)
	if _, err := f.app.CheckIns.ByLocation(f.ctx, mem, liveAt(north(gate, 300), 0)); ll.ErrorDetail(err) != ll.ReasonTooFar {
		t.Fatalf("ByLocation(300 m) = %v, want too far", err)
	}
	mem.Now = f.now.Add(time.Minute)
	var (
		wg           sync.WaitGroup
		mu           sync.Mutex
		jumps, other int
	)
	for _, p := range []ll.GeoPoint{gate, north(gate, 8000)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.app.CheckIns.ByLocation(f.ctx, mem, liveAt(p, 0))
			mu.Lock()
			defer mu.Unlock()
			switch ll.ErrorDetail(err) {
			case ll.ReasonJump:
				jumps++
			case "", ll.ReasonTooFar:
			default:
				other++
				t.Errorf("ByLocation(%v) = %v", p, err)
			}
		}()
	}
	wg.Wait()
	if jumps != 1 || other != 0 || len(f.jumps()) != 1 || f.counted("M3") > 1 {
		t.Fatalf("two positions 8 km apart at once: %d jumps (%d audited), %d participations; want 1 jump, at most 1 participation",
			jumps, len(f.jumps()), f.counted("M3"))
	}
}

// TestCheckInByLocationTimedByTelegram: positions that waited in Telegram's
// queue arrive together; they are timed by when Telegram received them, so
// a walk delivered late is not a jump, and a jump delivered late still is.
func TestCheckInByLocationTimedByTelegram(t *testing.T) {
	f := newFixture(t)
	f.create(app.NewActivity{Title: "Now", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour, Location: &gate})
	mem := f.actor(3, false)
	mem.Now = f.now.Add(10 * time.Minute) // all delivered now
	sent := func(p ll.GeoPoint, ago time.Duration) ll.Location {
		l := liveAt(p, 0)
		l.At = mem.Now.Add(-ago)
		return l
	}
	_, err := f.app.CheckIns.ByLocation(f.ctx, mem, sent(north(gate, 900), 3*time.Minute))
	wantRefusal(t, "ByLocation(900 m, 3 min ago)", err, ll.ECONFLICT, ll.ReasonTooFar)
	_, err = f.app.CheckIns.ByLocation(f.ctx, mem, sent(north(gate, 5000), 150*time.Second))
	wantRefusal(t, "ByLocation(5 km, 30 s later)", err, ll.EINVALID, ll.ReasonJump)
	if res, err := f.app.CheckIns.ByLocation(f.ctx, mem, sent(gate, 2*time.Minute)); err != nil || !res.Changed {
		t.Fatalf("ByLocation(900 m in 60 s, delivered late) = %+v, %v; want checked in", res, err)
	}
	if j := f.jumps(); len(j) != 1 || !j[0].Time.Equal(mem.Now) {
		t.Fatalf("jumps = %+v, want one, audited when it arrived", j)
	}
}
