package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
)

// TestReminderTexts checks every text the scheduler and the sender send, in
// both languages: safe HTML with the user's text escaped, buttons whose data
// the handlers decode, and the figures in place.
func TestReminderTexts(t *testing.T) {
	var tx handlers.Texts
	c := ll.Community{ID: "dongan", Name: "东安<社区>", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1}
	m := ll.Member{ID: "M3", Name: "Li <Wei>", TelegramID: 3003, Unit: "Bank & Co"}
	start := time.Date(2026, 3, 7, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	acts := []ll.Activity{
		{ID: "A7", Title: "Lamp check <block 19>", Place: "Gate & yard", Start: start, End: start.Add(2 * time.Hour), Capacity: 10, Signups: 3, Code: "482913"},
		{ID: "A8", Title: "Reading club", Start: start.Add(48 * time.Hour), End: start.Add(50 * time.Hour), Location: &ll.GeoPoint{Latitude: 45.7, Longitude: 126.6}},
	}
	posts := []ll.Post{{ID: "P3", Title: "Legal aid <desk>", Mode: ll.ModeFixedPoint, Capacity: 2, Claims: 1}}
	st := ll.Standing{Year: 2026, Total: 1, Minimum: 2, Posts: 0, PostMinimum: 1}
	req := ll.Request{UserID: 3003, ChatID: 3003, Private: true}

	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			r := tx.BelowMinimum(lang, c, m, st, 300, acts)
			checkReplies(t, req, []ll.Reply{r})
			for _, want := range []string{"<b>1</b>", "300", "A7", "Lamp check &lt;block 19&gt;", "Gate &amp; yard", "东安&lt;社区&gt;"} {
				if !strings.Contains(r.Text, want) {
					t.Errorf("BelowMinimum(%s) = %q, want %q in it", lang, r.Text, want)
				}
			}
			if !hasButtonData([]ll.Reply{r}, "su:A7") || !hasButtonData([]ll.Reply{r}, "su:A8") {
				t.Errorf("BelowMinimum(%s) buttons %s, want [Sign up] su:A7 and su:A8", lang, dumpButtons([]ll.Reply{r}))
			}
			if r := tx.BelowMinimum(lang, c, m, st, 300, nil); len(r.Buttons) != 0 || !strings.Contains(r.Text, "/log") {
				t.Errorf("BelowMinimum(%s) without activities = %+v", lang, r)
			}

			r = tx.NoPost(lang, c, m, 0, posts)
			checkReplies(t, req, []ll.Reply{r})
			if !hasButtonData([]ll.Reply{r}, "c:P3") || !strings.Contains(r.Text, "Legal aid &lt;desk&gt;") {
				t.Errorf("NoPost(%s) = %q %s", lang, r.Text, dumpButtons([]ll.Reply{r}))
			}

			d := ll.Digest{Community: c, Since: start.Add(-7 * 24 * time.Hour), Year: 2026, NewMembers: []ll.Member{m}, Pending: 4,
				Active: 10, Compliant: 7, Below: 2, Unreachable: []ll.Member{{ID: "M9", Name: "Zhao"}}}
			r = tx.Digest(lang, d)
			checkReplies(t, req, []ll.Reply{r})
			for _, want := range []string{"M3 Li &lt;Wei&gt;", "M9 Zhao", "70%", "<b>4</b>", "2026-02-28"} {
				if !strings.Contains(r.Text, want) {
					t.Errorf("Digest(%s) = %q, want %q in it", lang, r.Text, want)
				}
			}

			var below []ll.MemberStanding
			for i := range 150 {
				below = append(below, ll.MemberStanding{Member: ll.Member{ID: fmt.Sprintf("M%d", i+1), Name: "<n>"}, Standing: ll.Standing{Total: i % 2, Minimum: 2}})
			}
			r = tx.Escalation(lang, c, below, 2026, 20)
			checkReplies(t, req, []ll.Reply{r})
			if !strings.Contains(r.Text, "<b>M100</b> &lt;n&gt;") || strings.Contains(r.Text, "<b>M101</b>") || !strings.Contains(r.Text, "50") {
				t.Errorf("Escalation(%s) lists the wrong members: %q", lang, r.Text)
			}

			r = tx.ActivityReminder(lang, c, acts[0], 24*time.Hour)
			checkReplies(t, req, []ll.Reply{r})
			if !strings.Contains(r.Text, "2026-03-07 09:00") || !strings.Contains(r.Text, "/checkin") || !strings.Contains(r.Text, "/withdraw A7") {
				t.Errorf("ActivityReminder(%s) = %q", lang, r.Text)
			}
			if strings.Contains(r.Text, acts[0].Code) {
				t.Errorf("ActivityReminder(%s) shows the check-in code: %q", lang, r.Text)
			}
			if loc := tx.ActivityReminder(lang, c, acts[1], time.Hour); loc.Text == r.Text || !strings.Contains(loc.Text, "📎") {
				t.Errorf("ActivityReminder(%s) of an activity with a place does not mention the live location: %q", lang, loc.Text)
			}

			p := ll.BroadcastProgress{Audience: "team:<T2>", Lang: lang, Total: 200, Sent: 150, Failed: 2, Unreachable: 8}
			r = tx.Progress(p)
			checkReplies(t, req, []ll.Reply{r})
			if !strings.Contains(r.Text, "80%") || !strings.Contains(r.Text, "150") || !strings.Contains(r.Text, "team:&lt;T2&gt;") || !strings.Contains(r.Text, "⏳") {
				t.Errorf("Progress(%s) = %q", lang, r.Text)
			}
			p.Sent = 190
			if r := tx.Progress(p); !strings.Contains(r.Text, "✅") {
				t.Errorf("finished Progress(%s) = %q", lang, r.Text)
			}
		})
	}
}
