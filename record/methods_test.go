package record_test

import (
	"fmt"
	"testing"
	"time"

	lamplighter "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
)

// part is a participation of member by method on date.
func part(member, ref, method, date string) lamplighter.Participation {
	kind := lamplighter.KindActivity
	if method == lamplighter.MethodApproval {
		kind = lamplighter.KindService
	}
	return lamplighter.Participation{Community: "c", Member: member, Kind: kind, Ref: ref, Title: "t " + ref,
		Date: date, Method: method, VerifiedBy: "M9"}
}

func TestMemberRowsStrongByMethod(t *testing.T) {
	tests := []struct {
		method string
		strong bool
	}{
		{lamplighter.MethodRotating, true},
		{lamplighter.MethodCode, false},
		{lamplighter.MethodLocation, true},
		{lamplighter.MethodScan, true},
		{lamplighter.MethodApproval, false},
		{lamplighter.MethodConfirmed, true},
		{lamplighter.MethodManual, false},
	}
	c := lamplighter.Community{ID: "c", TimeZone: "UTC", Minimum: 1}
	joined := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			d := record.CommunityData{
				Community: c,
				Members:   []lamplighter.Member{{ID: "M1", Name: "a", Status: lamplighter.StatusActive, Joined: joined}},
				Participations: []lamplighter.Participation{
					part("M1", "A1", tt.method, "2026-03-01"),
					part("M1", "A2", tt.method, "2026-04-01"),
					part("M1", "A3", tt.method, "2025-12-31"), // another year
				},
			}
			voided := part("M1", "A4", tt.method, "2026-05-01")
			voided.Voided = true
			d.Participations = append(d.Participations, voided)

			rows := record.MemberRows(d, 2026, now)
			if len(rows) != 1 {
				t.Fatalf("MemberRows() has %d rows, want 1", len(rows))
			}
			r := rows[0]
			want := 0
			if tt.strong {
				want = 2
			}
			if r.Strong != want {
				t.Errorf("MemberRows()[M1].Strong with two %s participations = %d, want %d", tt.method, r.Strong, want)
			}
			if got := r.ByMethod.Count(tt.method); got != 2 || r.ByMethod.Total() != 2 {
				t.Errorf("MemberRows()[M1].ByMethod = %+v, want %s: 2 only", r.ByMethod.Listed(), tt.method)
			}
			if r.ByMethod.Total() != r.Total || r.ByMethod.Strong() != r.Strong {
				t.Errorf("MemberRows()[M1] ByMethod total, strong = %d, %d; want the row's %d, %d",
					r.ByMethod.Total(), r.ByMethod.Strong(), r.Total, r.Strong)
			}
			if got := lamplighter.StrongMethod(tt.method); got != tt.strong {
				t.Errorf("StrongMethod(%s) = %v, want %v", tt.method, got, tt.strong)
			}
		})
	}
}

func TestMemberRowsMixedMethods(t *testing.T) {
	c := lamplighter.Community{ID: "c", TimeZone: "UTC", Minimum: 1}
	joined := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	d := record.CommunityData{Community: c, Members: []lamplighter.Member{
		{ID: "M1", Name: "a", Status: lamplighter.StatusActive, Joined: joined},
		{ID: "M2", Name: "b", Status: lamplighter.StatusActive, Joined: joined},
		{ID: "M3", Name: "c", Status: lamplighter.StatusActive, Joined: joined},
	}}
	for i, m := range record.Methods {
		d.Participations = append(d.Participations, part("M1", fmt.Sprintf("A%d", i+1), m, "2026-06-01"))
	}
	d.Participations = append(d.Participations,
		part("M2", "A1", lamplighter.MethodCode, "2026-06-01"),
		part("M2", "A2", lamplighter.MethodRotating, "2026-06-02"),
		part("M2", "S1", lamplighter.MethodApproval, "2026-06-03"))
	rows := record.MemberRows(d, 2026, time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC))
	for i, want := range []struct{ total, strong int }{{7, 4}, {3, 1}, {0, 0}} {
		if r := rows[i]; r.Total != want.total || r.Strong != want.strong {
			t.Errorf("MemberRows()[%s] total, strong = %d, %d; want %d, %d", r.ID, r.Total, r.Strong, want.total, want.strong)
		}
	}
	sum := record.Sum(rows)
	if sum.Total() != 10 || sum.Strong() != 5 || sum.Count(lamplighter.MethodCode) != 2 || sum.Count(lamplighter.MethodRotating) != 2 {
		t.Errorf("Sum(rows) = %+v, want 10 in all, 5 strong, code 2, rotating 2", sum.Listed())
	}
	listed := sum.Listed()
	if len(listed) != len(record.Methods) {
		t.Fatalf("Sum(rows).Listed() = %v, want the %d methods", listed, len(record.Methods))
	}
	for i, mc := range listed {
		if mc.Method != record.Methods[i] || mc.Count != sum.Count(mc.Method) {
			t.Errorf("Listed()[%d] = %+v, want %s: %d", i, mc, record.Methods[i], sum.Count(record.Methods[i]))
		}
	}
	odd := record.CountMethods([]lamplighter.Participation{
		part("M1", "A1", "zzz", "2026-06-01"),
		part("M1", "A2", lamplighter.MethodScan, "2026-06-01"),
		part("M1", "A3", lamplighter.MethodScan, "2026-06-02"),
		part("M1", "A4", lamplighter.MethodScan, "2026-13-02"), // not a date: counts for no year
	}, 2026)
	if got := odd.Listed(); len(got) != 8 || got[7] != (record.MethodCount{Method: "zzz", Count: 1}) || got[3].Count != 2 {
		t.Errorf("Listed() with an unknown method = %v, want the 7 methods, scan 2, then zzz 1", got)
	}
	if odd.Total() != 3 || odd.Strong() != 2 || odd.Count("zzz") != 1 {
		t.Errorf("CountMethods() with an unknown method: total, strong, zzz = %d, %d, %d; want 3, 2, 1", odd.Total(), odd.Strong(), odd.Count("zzz"))
	}
	sum.Add(odd)
	if sum.Total() != 13 || sum.Count("zzz") != 1 || sum.Count(lamplighter.MethodScan) != 3 {
		t.Errorf("Add(): total, zzz, scan = %d, %d, %d; want 13, 1, 3", sum.Total(), sum.Count("zzz"), sum.Count(lamplighter.MethodScan))
	}
}

func TestLedgerRowsMethods(t *testing.T) {
	c := lamplighter.Community{ID: "c", TimeZone: "UTC"}
	var d record.CommunityData
	d.Community = c
	for i, m := range record.Methods {
		d.Participations = append(d.Participations, part("M1", fmt.Sprintf("A%d", i+1), m, fmt.Sprintf("2026-06-%02d", i+1)))
	}
	rows := record.LedgerRows(d, 2026)
	if len(rows) != len(record.Methods) {
		t.Fatalf("LedgerRows() has %d rows, want %d", len(rows), len(record.Methods))
	}
	for i, r := range rows {
		m := record.Methods[i]
		wantBy := "M9"
		if m == lamplighter.MethodRotating || m == lamplighter.MethodCode || m == lamplighter.MethodLocation || m == lamplighter.MethodConfirmed {
			wantBy = "" // checked in alone, or confirmed by an asker who is never exported
		}
		if r.Method != m || r.VerifiedBy != wantBy {
			t.Errorf("LedgerRows()[%d] method, verified_by = %q, %q; want %q, %q", i, r.Method, r.VerifiedBy, m, wantBy)
		}
	}
}
