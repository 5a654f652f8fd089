package handlers_test

import (
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TestReportIsOneMessage: /report is one message (and the chart) whatever
// the community's size; the names below the minimum, when more than a few,
// come as a CSV file instead of pages of messages.
func TestReportIsOneMessage(t *testing.T) {
	e := dongan(t)
	ms := make([]ll.Member, 300)
	for i := range ms {
		ms[i] = ll.Member{Name: "成员" + strconv.Itoa(i), Unit: "单位"}
	}
	if _, err := e.store.ImportMembers(e.ctx, "dongan", ms, e.now, nil); err != nil {
		t.Fatal(err)
	}
	rs := e.send(deputy, "/report")
	var text, files, charts int
	var below [][]string
	for _, r := range rs {
		switch {
		case r.File != nil && r.File.Photo:
			charts++
		case r.File != nil:
			files++
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.File.Data), "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatalf("below-minimum file: %v", err)
			}
			below = recs
		case r.Text != "":
			text++
			if len(r.Text) > 4096 {
				t.Errorf("the report message is %d bytes, over Telegram's 4096", len(r.Text))
			}
		}
	}
	if text != 1 || files != 1 || charts != 1 {
		t.Fatalf("/report of 304 members = %d messages, %d files, %d charts; want 1, 1, 1", text, files, charts)
	}
	wantIn(t, "/report", rs, "Below the minimum of 2 participations: 304", "Their names are in the file below (304 members)")
	wantNotIn(t, "/report", rs[:1], "成员12")
	if len(below) != 305 || strings.Join(below[0], ",") != "member_id,name,total,minimum,status" {
		t.Fatalf("below-minimum file has %d rows, header %v; want 305 and member_id,name,total,minimum,status", len(below), below[0])
	}
}
