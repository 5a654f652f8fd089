package storage_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// north returns the point about meters north of p.
func north(p ll.GeoPoint, meters float64) ll.GeoPoint {
	return ll.GeoPoint{Latitude: p.Latitude + meters/111195, Longitude: p.Longitude}
}

func TestTrackLive(t *testing.T) {
	t.Parallel()
	prefix := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: prefix})
	newCommunity(t, s, "dongan")
	gate := ll.GeoPoint{Latitude: 31.2304, Longitude: 121.4737}
	const vmax, ttl = 50.0, 6 * time.Hour
	audit := &ll.AuditEntry{Actor: "M3", Action: "locationjump"}
	track := func(p ll.GeoPoint, at time.Time) (float64, bool) {
		t.Helper()
		v, jumped, err := s.TrackLive(ctx, "dongan", "M3", p, at, vmax, ttl, audit)
		if err != nil {
			t.Fatalf("TrackLive(%v, %v) = %v", p, at, err)
		}
		return v, jumped
	}
	jumps := func() []ll.AuditEntry {
		t.Helper()
		l, err := s.AuditLog(ctx, "dongan", 0, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	if v, jumped := track(gate, t0); v != 0 || jumped {
		t.Fatalf("first position = %v m/s, jumped %v; want 0, kept", v, jumped)
	}
	// A 10 m/s walk is kept; the speed is the great-circle distance over time.
	at := t0.Add(10 * time.Second)
	walk := north(gate, 100)
	if v, jumped := track(walk, at); jumped || v < 9.9 || v > 10.1 {
		t.Fatalf("100 m in 10 s = %v m/s, jumped %v; want about 10, kept", v, jumped)
	}
	// 510 m in 10 s is a jump: ignored and audited.
	if v, jumped := track(north(walk, 510), at.Add(10*time.Second)); !jumped || v < 50.5 || v > 51.5 {
		t.Fatalf("510 m in 10 s = %v m/s, jumped %v; want about 51, a jump", v, jumped)
	}
	l := jumps()
	if len(l) != 1 || l[0].Action != "locationjump" || l[0].Actor != "M3" || l[0].Object != "M3" ||
		!strings.HasPrefix(l[0].Detail, "51.0 m/s: 510 m in 10 s") || !l[0].Time.Equal(at.Add(10*time.Second)) {
		t.Fatalf("audit = %+v, want one location jump of M3 at 51.0 m/s", l)
	}
	// The jump was not kept: the next position is judged from the walk's.
	if v, jumped := track(north(walk, 200), at.Add(20*time.Second)); jumped || v < 9.9 || v > 10.1 {
		t.Fatalf("200 m in 20 s from the last kept position = %v m/s, jumped %v; want about 10, kept", v, jumped)
	}
	// Two positions in the same instant are a second apart, not infinitely fast.
	same := at.Add(20 * time.Second)
	if v, jumped := track(north(walk, 230), same); jumped || v < 29 || v > 31 {
		t.Fatalf("30 m in the same instant = %v m/s, jumped %v; want 30 (over a second), kept", v, jumped)
	}
	// A position kept longer ago than ttl is forgotten.
	if v, jumped := track(north(gate, 50000), same.Add(ttl+time.Second)); v != 0 || jumped {
		t.Fatalf("after the ttl = %v m/s, jumped %v; want 0, kept", v, jumped)
	}
	if n := len(jumps()); n != 1 {
		t.Fatalf("audit has %d entries, want 1", n)
	}
	// Only one key per member, and it expires.
	keys := storagetest.Keys(t, storagetest.Client(t), prefix+"{c:dongan}:live:*")
	if len(keys) != 1 {
		t.Fatalf("live keys = %v, want one", keys)
	}
	if d, err := storagetest.Client(t).PTTL(ctx, keys[0]).Result(); err != nil || d <= 0 || d > ttl {
		t.Fatalf("PTTL(%s) = %v, %v; want at most %v", keys[0], d, err, ttl)
	}

	// The script's distance is lamplighter.DistanceMeters.
	beijing := ll.GeoPoint{Latitude: 39.9042, Longitude: 116.4074}
	if _, _, err := s.TrackLive(ctx, "dongan", "M4", gate, t0, vmax, ttl, nil); err != nil {
		t.Fatal(err)
	}
	v, _, err := s.TrackLive(ctx, "dongan", "M4", beijing, t0.Add(1000*time.Second), vmax, ttl, nil)
	if want := ll.DistanceMeters(gate, beijing) / 1000; err != nil || v < want-0.01 || v > want+0.01 {
		t.Fatalf("Shanghai to Beijing in 1000 s = %v m/s, %v; want %.3f", v, err, want)
	}

	for _, tc := range []struct {
		name string
		p    ll.GeoPoint
		v    float64
		ttl  time.Duration
	}{
		{"not on Earth", ll.GeoPoint{Latitude: 91}, vmax, ttl},
		{"no speed", gate, 0, ttl},
		{"no ttl", gate, vmax, 0},
	} {
		if _, _, err := s.TrackLive(ctx, "dongan", "M3", tc.p, t0, tc.v, tc.ttl, nil); code(err) != ll.EINVALID {
			t.Errorf("TrackLive(%s) = %v, want EINVALID", tc.name, err)
		}
	}
}

// TestTrackLiveConcurrent: a member sending a far position and a near one at
// once is judged one position after the other: exactly one of two
// positions 5 km apart in the same second is kept.
func TestTrackLiveConcurrent(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	gate := ll.GeoPoint{Latitude: 31.2304, Longitude: 121.4737}
	for round := 1; round <= 20; round++ {
		member := fmt.Sprintf("M%d", round%5+1) // later rounds judge against the member's earlier position
		at := t0.Add(time.Duration(round) * time.Minute)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			jumped int
		)
		for _, p := range []ll.GeoPoint{gate, north(gate, 5000)} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, j, err := s.TrackLive(ctx, "dongan", member, p, at, 50, time.Hour, &ll.AuditEntry{Actor: member, Action: "locationjump"})
				if err != nil {
					t.Error(err)
				}
				if j {
					mu.Lock()
					jumped++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if jumped != 1 {
			t.Errorf("round %d: %d of two positions 5 km apart in the same instant were jumps, want 1", round, jumped)
		}
	}
}

// TestForgetDropsLivePosition: a member's last live position is personal
// data, so /forgetme deletes it.
func TestForgetDropsLivePosition(t *testing.T) {
	t.Parallel()
	prefix := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: prefix})
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	for _, m := range ms {
		if _, _, err := s.TrackLive(ctx, "dongan", m.ID, ll.GeoPoint{Latitude: 31.2, Longitude: 121.5}, t0, 50, time.Hour, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Forget(ctx, "dongan", ms[0].ID, t0, nil); err != nil {
		t.Fatal(err)
	}
	keys := storagetest.Keys(t, storagetest.Client(t), prefix+"{c:dongan}:live:*")
	if len(keys) != 1 || !strings.HasSuffix(keys[0], ":live:"+ms[1].ID) {
		t.Fatalf("live keys after Forget(%s) = %v, want only %s's", ms[0].ID, keys, ms[1].ID)
	}
}
