package record_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
)

// TestMemberRowsUseTheYearsMinimum: a minimum raised in 2026 leaves the 2025
// export as it was (SPEC section 9).
func TestMemberRowsUseTheYearsMinimum(t *testing.T) {
	c := ll.Community{ID: "elm", Name: "Elm", TimeZone: "UTC", Language: "en", Minimum: 2, PostMinimum: 0}
	c.SetMinimums(2026, ll.Minimums{Minimum: 3, PostMinimum: 0})
	d := record.CommunityData{
		Community: c,
		Members:   []ll.Member{{ID: "M1", Name: "A", Status: ll.StatusActive, Joined: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}},
		Participations: []ll.Participation{
			{Member: "M1", Kind: ll.KindActivity, Date: "2025-03-01", Ref: "A1"},
			{Member: "M1", Kind: ll.KindActivity, Date: "2025-04-01", Ref: "A2"},
			{Member: "M1", Kind: ll.KindActivity, Date: "2026-03-01", Ref: "A3"},
			{Member: "M1", Kind: ll.KindActivity, Date: "2026-04-01", Ref: "A4"},
		},
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if r := record.MemberRows(d, 2025, now); len(r) != 1 || r[0].Minimum != 2 || !r[0].Compliant {
		t.Errorf("2025 rows = %+v, want minimum 2, compliant", r)
	}
	if r := record.MemberRows(d, 2026, now); len(r) != 1 || r[0].Minimum != 3 || r[0].Compliant {
		t.Errorf("2026 rows = %+v, want minimum 3, not compliant", r)
	}
}
