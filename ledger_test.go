package lamplighter_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestCheckInWindowEdges(t *testing.T) {
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	a := ll.Activity{Start: start, End: start.Add(2 * time.Hour)}
	tests := []struct {
		at   time.Time
		want bool
	}{
		{start.Add(-30*time.Minute - time.Second), false},
		{start.Add(-30 * time.Minute), true},
		{start.Add(time.Hour), true},
		{start.Add(4 * time.Hour), true},
		{start.Add(4*time.Hour + time.Second), false},
	}
	for _, tt := range tests {
		if got := a.CheckInOpen(tt.at); got != tt.want {
			t.Errorf("CheckInOpen(%v) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestDistanceMeters(t *testing.T) {
	a := ll.GeoPoint{Latitude: 39.9042, Longitude: 116.4074}
	b := ll.GeoPoint{Latitude: 39.9060, Longitude: 116.4074} // about 200 m north
	if d := ll.DistanceMeters(a, b); d < 195 || d > 205 {
		t.Errorf("DistanceMeters = %.1f, want about 200", d)
	}
	if d := ll.DistanceMeters(a, a); d != 0 {
		t.Errorf("DistanceMeters(a, a) = %v, want 0", d)
	}
}

func TestComputeStanding(t *testing.T) {
	c := ll.Community{Minimum: 2, PostMinimum: 1}
	ps := []ll.Participation{
		{Kind: ll.KindActivity, Date: "2026-03-01", Method: ll.MethodCode},
		{Kind: ll.KindService, Date: "2025-12-31", Method: ll.MethodApproval},
		{Kind: ll.KindService, Date: "2026-04-02", Method: ll.MethodApproval, Voided: true},
		{Kind: ll.KindActivity, Date: "2026-06-10", Method: ll.MethodManual},
	}
	s := ll.ComputeStanding(ps, 2026, 1, c)
	if s.Total != 2 || s.Activities != 2 || s.Services != 0 || !s.Compliant || s.Last != "2026-06-10" {
		t.Errorf("ComputeStanding(2026) = %+v, want 2 activities, compliant, last 2026-06-10", s)
	}
	s = ll.ComputeStanding(ps, 2025, 1, c)
	if s.Total != 1 || s.Services != 1 || s.Compliant {
		t.Errorf("ComputeStanding(2025) = %+v, want 1 service, not compliant", s)
	}
	if s := ll.ComputeStanding(ps, 2026, 0, c); s.Compliant {
		t.Errorf("ComputeStanding with no post = compliant, want not")
	}
}

func TestPostsHeldAt(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	claims := []ll.Claim{
		{Post: "P1", Claimed: d("2025-03-01")},
		{Post: "P2", Claimed: d("2025-03-01"), Released: d("2025-11-01")},
		{Post: "P3", Claimed: d("2026-01-05")},
	}
	if got := ll.PostsHeldAt(claims, ll.YearEnd(2025, time.UTC)); got != 1 {
		t.Errorf("PostsHeldAt(end 2025) = %d, want 1", got)
	}
	if got := ll.PostsHeldAt(claims, d("2026-02-01")); got != 2 {
		t.Errorf("PostsHeldAt(2026-02-01) = %d, want 2", got)
	}
}

func TestDaysLeftInYearUsesZone(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// 31 Dec 2026 17:00 UTC is already 1 Jan 2027 in Shanghai.
	now := time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC)
	if got := ll.DaysLeftInYear(now, time.UTC); got != 1 {
		t.Errorf("DaysLeftInYear(UTC) = %d, want 1", got)
	}
	if got := ll.DaysLeftInYear(now, sh); got != 365 {
		t.Errorf("DaysLeftInYear(Shanghai) = %d, want 365", got)
	}
}
