package lamplighter_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// RFC 6238 appendix B, SHA1, 8 digits; the 6-digit codes are their last six.
func TestRotatingCodeVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		n := ll.CodeStepAt(time.Unix(tc.unix, 0))
		if got := ll.RotatingCode(secret, n, 8); got != tc.want {
			t.Errorf("RotatingCode(t=%d, 8 digits) = %s, want %s", tc.unix, got, tc.want)
		}
		if got := ll.CodeAt(secret, time.Unix(tc.unix, 0)); got != tc.want[2:] {
			t.Errorf("CodeAt(t=%d) = %s, want %s", tc.unix, got, tc.want[2:])
		}
	}
}

// A code of step n is accepted in steps n and n+1, refused in n+2, and
// refused for another activity's secret.
func TestRotatingCodeWindow(t *testing.T) {
	secret, other := []byte("activity-A7-secret"), []byte("activity-A8-secret")
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC) // a step boundary
	code := ll.CodeAt(secret, start)
	for _, tc := range []struct {
		at   time.Duration
		want bool
	}{
		{0, true}, {29 * time.Second, true}, {30 * time.Second, true}, {59 * time.Second, true},
		{60 * time.Second, false}, {90 * time.Second, false}, {-time.Second, false},
	} {
		if got := ll.RotatingCodeValid(secret, code, start.Add(tc.at)); got != tc.want {
			t.Errorf("RotatingCodeValid(code of %v, at +%v) = %v, want %v", start, tc.at, got, tc.want)
		}
	}
	if ll.RotatingCodeValid(other, code, start) && ll.CodeAt(other, start) != code {
		t.Errorf("another activity's secret accepted the code %s", code)
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if ll.RotatingCodeValid(secret, bad, start) {
			t.Errorf("RotatingCodeValid(%q) = true", bad)
		}
	}
}
