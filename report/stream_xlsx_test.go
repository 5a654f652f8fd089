package report_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	lamplighter "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/report"
)

// randomCommunity is a community of n members with participations on a
// few dates (so that many members share a date), several a day for some,
// titles with line breaks and formula-looking text, voided ones and other
// years.
func randomCommunity(r *rand.Rand, n int) report.CommunityData {
	c := lamplighter.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1}
	d := report.CommunityData{Community: c}
	titles := []string{"路灯检修", "a\r\nb", "=1+1", "", "义诊 \"free\""}
	methods := []string{lamplighter.MethodCode, lamplighter.MethodRotating, lamplighter.MethodApproval, lamplighter.MethodManual}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("M%d", i)
		d.Members = append(d.Members, lamplighter.Member{ID: id, Community: c.ID, TelegramID: int64(1000 + i), Name: fmt.Sprintf("成员%d", i),
			Joined: sh(2025, 1, 1, 9, 0), Status: lamplighter.StatusActive})
		for k := range r.IntN(5) {
			day := 1 + r.IntN(4)
			year := 2026
			if r.IntN(8) == 0 {
				year = 2025
			}
			d.Participations = append(d.Participations, lamplighter.Participation{Member: id, Kind: "activity",
				Ref: fmt.Sprintf("A%d", 1+r.IntN(30)), Title: titles[r.IntN(len(titles))], Method: methods[r.IntN(len(methods))],
				VerifiedBy: "M1", Date: fmt.Sprintf("%d-03-%02d", year, day), At: sh(year, 3, day, 9+k, r.IntN(60)), Voided: r.IntN(7) == 0})
		}
	}
	return d
}

// pagesOf cuts d into pages of size members, each with its members' ledger
// only, as storage.LedgerPages gives them.
func pagesOf(d report.CommunityData, size int, year int, now time.Time) report.Pages {
	return func(yield func([]report.MemberRow, []report.LedgerRow) error) error {
		for i := 0; i < len(d.Members); i += size {
			p := report.CommunityData{Community: d.Community, Members: d.Members[i:min(i+size, len(d.Members))]}
			for _, x := range d.Participations {
				if slices.ContainsFunc(p.Members, func(m lamplighter.Member) bool { return m.ID == x.Member }) {
					p.Participations = append(p.Participations, x)
				}
			}
			if err := yield(report.MemberRows(p, year, now), report.LedgerRows(p, year)); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestStreamXLSXEqualsWriteXLSX: the workbook written from pages of members
// (the ledger spilled to disk and merged) has, cell for cell, the sheets of
// the workbook written from the community read whole; its temporary file is
// gone afterwards.
func TestStreamXLSXEqualsWriteXLSX(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ members, page int }{{0, 10}, {1, 10}, {57, 7}, {300, 1000}, {300, 1}} {
		d := randomCommunity(r, tc.members)
		whole := openXLSX(t, func(b *bytes.Buffer) error {
			return report.WriteXLSX(b, report.MemberRows(d, 2026, afterExport), report.LedgerRows(d, 2026))
		})
		dir := t.TempDir()
		var members, entries int
		paged := openXLSX(t, func(b *bytes.Buffer) (err error) {
			members, entries, err = report.StreamXLSX(b, pagesOf(d, tc.page, 2026, afterExport), dir)
			return err
		})
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("%d members: StreamXLSX left %d files behind", tc.members, len(left))
		}
		for _, sheet := range []string{"members", "ledger"} {
			want, err := whole.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			got, err := paged.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("%d members in pages of %d: %s sheet has %d rows, want %d", tc.members, tc.page, sheet, len(got), len(want))
				continue
			}
			for i := range want {
				if !slices.Equal(got[i], want[i]) {
					t.Errorf("%d members in pages of %d: %s row %d = %q, want %q", tc.members, tc.page, sheet, i+1, got[i], want[i])
					break
				}
			}
			n := map[string]int{"members": members, "ledger": entries}[sheet]
			if n != len(want)-1 {
				t.Errorf("%d members: StreamXLSX says %d %s rows, the sheet has %d", tc.members, n, sheet, len(want)-1)
			}
		}
	}
}
