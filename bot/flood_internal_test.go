package bot

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// manualClock is a clock that moves only when the test says so.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestFloodLimiterSlidingWindow(t *testing.T) {
	clock := &manualClock{t: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	l := newFloodLimiter(20, 10*time.Second, 100, clock.now)
	check := func(want floodVerdict) {
		t.Helper()
		if got := l.check(7); got != want {
			t.Fatalf("check at +%s = %d, want %d", clock.now().Sub(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)), got, want)
		}
	}
	// 20 updates half a second apart (t = 0 … 9.5 s) are allowed.
	for i := range 20 {
		if i > 0 {
			clock.advance(500 * time.Millisecond)
		}
		check(floodAllow)
	}
	clock.advance(400 * time.Millisecond) // 9.9 s: 20 in the last 10 s
	check(floodWarn)
	check(floodDrop)
	clock.advance(100 * time.Millisecond) // 10.0 s: the one at 0 s has left the window
	check(floodAllow)
	clock.advance(100 * time.Millisecond) // 10.1 s: full again; already warned at 9.9 s
	check(floodDrop)
	clock.advance(400 * time.Millisecond) // 10.5 s: the one at 0.5 s has left
	check(floodAllow)
	// 19.9 s: only the updates at 10.0 s and 10.5 s are in the window, so 18
	// more are allowed; the next refusal is a window after the warning.
	clock.advance(9400 * time.Millisecond)
	allowed := 0
	v := l.check(7)
	for ; v == floodAllow && allowed < 100; v = l.check(7) {
		allowed++
	}
	if allowed != 18 || v != floodWarn {
		t.Errorf("at 19.9 s: %d allowed, then %d; want 18, then a warning", allowed, v)
	}
	check(floodDrop)

	// Another user is not affected.
	if got := l.check(8); got != floodAllow {
		t.Errorf("another user's first update = %d, want allowed", got)
	}
}

func TestFloodLimiterBurstThenQuiet(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_700_000_000, 0)}
	l := newFloodLimiter(3, 10*time.Second, 100, clock.now)
	var got []floodVerdict
	for range 6 {
		got = append(got, l.check(1))
	}
	want := []floodVerdict{floodAllow, floodAllow, floodAllow, floodWarn, floodDrop, floodDrop}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("verdicts of a burst of 6 with limit 3 = %v, want %v", got, want)
		}
	}
	clock.advance(10 * time.Second)
	for i := range 3 {
		if v := l.check(1); v != floodAllow {
			t.Fatalf("update %d after a quiet window = %d, want allowed", i+1, v)
		}
	}
	if v := l.check(1); v != floodWarn {
		t.Errorf("4th update in the new window = %d, want a new warning", v)
	}
}

func TestFloodLimiterForgetsIdleUsers(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_700_000_000, 0)}
	l := newFloodLimiter(20, 10*time.Second, 1000, clock.now)
	for u := range int64(500) {
		l.check(u)
	}
	if n := l.tracked(); n != 500 {
		t.Fatalf("tracked() = %d after 500 users, want 500", n)
	}
	clock.advance(5 * time.Second)
	l.check(1000) // a sweep at +5 s... none is idle yet
	clock.advance(5 * time.Second)
	l.check(1001) // +10 s: the first 500 have been idle a window
	if n := l.tracked(); n > 2 {
		t.Errorf("tracked() = %d after the others were idle for a window, want at most 2", n)
	}
}

func TestFloodLimiterBoundsUsers(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_700_000_000, 0)}
	l := newFloodLimiter(2, 10*time.Second, 3, clock.now)
	for u := range int64(3) {
		l.check(u)
	}
	// A fourth user while three are active is let through, untracked.
	for i := range 5 {
		if v := l.check(99); v != floodAllow {
			t.Fatalf("untracked user's update %d = %d, want allowed", i+1, v)
		}
	}
	if n := l.tracked(); n != 3 {
		t.Errorf("tracked() = %d, want the bound 3", n)
	}
	// Once the others are idle, the fourth user is tracked and limited.
	clock.advance(10 * time.Second)
	l.check(99)
	l.check(99)
	if v := l.check(99); v != floodWarn {
		t.Errorf("3rd update of a now tracked user = %d, want a warning", v)
	}
	if n := l.tracked(); n != 1 {
		t.Errorf("tracked() = %d, want 1", n)
	}
}

func TestFloodLimiterOff(t *testing.T) {
	if l := newFloodLimiter(0, time.Second, 10, time.Now); l != nil {
		t.Errorf("newFloodLimiter with limit 0 = %+v, want nil (off)", l)
	}
	var l *floodLimiter
	if n := l.tracked(); n != 0 {
		t.Errorf("tracked() of no limiter = %d", n)
	}
}

// TestFloodLimiterConcurrent races many goroutines for one user: exactly
// the limit is allowed and exactly one update is answered.
func TestFloodLimiterConcurrent(t *testing.T) {
	clock := &manualClock{t: time.Unix(1_700_000_000, 0)}
	l := newFloodLimiter(20, 10*time.Second, 100, clock.now)
	var allowed, warned, dropped atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 10 {
				switch l.check(42) {
				case floodAllow:
					allowed.Add(1)
				case floodWarn:
					warned.Add(1)
				case floodDrop:
					dropped.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 20 || warned.Load() != 1 || dropped.Load() != 479 {
		t.Errorf("allowed, warned, dropped = %d, %d, %d; want 20, 1, 479", allowed.Load(), warned.Load(), dropped.Load())
	}
}
