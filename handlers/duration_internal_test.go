package handlers

import "testing"

// TestBroadcastDuration: recipients / rate, rounded up, in each language.
func TestBroadcastDuration(t *testing.T) {
	for _, tt := range []struct {
		n    int
		rate float64
		lang string
		want string
	}{
		{4, 25, "en", "1 s"},
		{3000, 25, "en", "2 min"},
		{3001, 25, "en", "3 min"},
		{100000, 25, "en", "1 h 7 min"},
		{100000, 1000, "en", "2 min"},
		{1000000, 1000, "zh", "17 分钟"},
		{100000, 30, "zh", "56 分钟"},
		{1000, 1000, "zh", "1 秒"},
	} {
		if got := durationText(tt.lang, expectedDuration(tt.n, tt.rate)); got != tt.want {
			t.Errorf("duration of %d at %v/s (%s) = %q, want %q", tt.n, tt.rate, tt.lang, got, tt.want)
		}
	}
}
