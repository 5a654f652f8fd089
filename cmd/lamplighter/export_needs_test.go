package main

import (
	"context"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TestExportNeeds exports a community's needs: the spec's columns, one row
// per need of the year, and nothing about the asker (neither their Telegram
// id nor their text).
func TestExportNeeds(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	ctx := context.Background()
	const asker = 987654321
	text := "=HYPERLINK(\"x\") 3栋漏水 secret-text"
	n1, _, err := e.st.CreateNeed(ctx, ll.Need{Community: "dongan", Text: text, AskerID: asker, Created: testNow}, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.CreateNeed(ctx, ll.Need{Community: "dongan", Text: "second", AskerID: asker, Created: testNow}, "t2"); err != nil {
		t.Fatal(err)
	}
	n1.Helpers, n1.Skills, n1.Due = 1, []string{"水电"}, testNow.Add(7*24*time.Hour)
	if _, _, err := e.st.PublishNeed(ctx, n1, false, 0, testNow, nil); err != nil {
		t.Fatal(err)
	}
	m, err := e.st.MemberByTelegram(ctx, "dongan", 20002)
	if err != nil {
		t.Fatal(err)
	}
	u := ll.User{TelegramID: 20002, Community: "dongan", MemberID: m.ID}
	if _, err := e.st.TakeNeedAs(ctx, u, n1.ID, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.DoneNeedAs(ctx, u, n1.ID, "", false, testNow); err != nil {
		t.Fatal(err)
	}
	solved := testNow.Add(50 * time.Hour)
	if _, err := e.st.SolveNeed(ctx, "dongan", n1.ID, asker, "", 0, solved.Format(time.DateOnly), solved, nil); err != nil {
		t.Fatal(err)
	}
	out := e.mustRun("export", "--community", "dongan", "--kind", "needs", "--year", "2026")
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(out, "\ufeff")), "\r\n")
	if len(lines) != 3 || lines[0] != "community,need_id,created,status,skills,helpers,takers,solved,days" {
		t.Fatalf("export =\n%s", out)
	}
	want := "dongan,N1," + testNow.In(mustZone(t)).Format(time.DateOnly) + ",solved,水电,1," + m.ID + "," +
		solved.In(mustZone(t)).Format(time.DateOnly) + ",3"
	if lines[1] != want {
		t.Errorf("row 1 = %q, want %q", lines[1], want)
	}
	if !strings.HasPrefix(lines[2], "dongan,N2,") || !strings.HasSuffix(lines[2], ",new,,1,,,") {
		t.Errorf("row 2 = %q", lines[2])
	}
	if strings.Contains(out, "987654321") || strings.Contains(out, "secret-text") || strings.Contains(out, "second") {
		t.Errorf("the export shows asker data:\n%s", out)
	}
	// The ledger export has the takers' rows, without asker data either.
	ledger := e.mustRun("export", "--community", "dongan", "--kind", "ledger", "--format", "csv", "--year", "2026")
	if !strings.Contains(ledger, ",need,N1,") || strings.Contains(ledger, "987654321") || strings.Contains(ledger, "secret-text") {
		t.Errorf("ledger export =\n%s", ledger)
	}
}

func mustZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation(ll.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
