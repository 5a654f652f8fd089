package handlers_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
)

// TestNeedMessageBuilders: the announcement and the asker's confirmation,
// which the chat and the Mini App both send, carry their buttons, escape
// what people typed and name nobody's Telegram id.
func TestNeedMessageBuilders(t *testing.T) {
	comm := ll.Community{ID: "elm", Name: "Elm <St>", TimeZone: "Asia/Shanghai"}
	n := ll.Need{ID: "N4", Community: "elm", Text: "lamp <out> & dark", Skills: []string{"elec<tric>"}, Helpers: 2,
		Due: time.Date(2026, 3, 8, 15, 59, 59, 0, time.UTC), AskerID: 900, DoneNote: "new <bulb>"}
	a := handlers.NeedAnnouncement("en", comm, n)
	if len(a.Buttons) != 1 || len(a.Buttons[0]) != 1 || a.Buttons[0][0].Data != "nt:elm:N4" {
		t.Errorf("announcement buttons = %+v, want the take button nt:elm:N4", a.Buttons)
	}
	for _, want := range []string{"N4", "lamp &lt;out&gt; &amp; dark", "elec&lt;tric&gt;", "2026-03-08"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("announcement %q lacks %q", a.Text, want)
		}
	}
	if strings.Contains(a.Text, "<out>") || strings.Contains(a.Text, "900") {
		t.Errorf("announcement %q: unescaped text or the asker's id", a.Text)
	}
	c := handlers.NeedConfirmAsk("zh", n, ll.Member{ID: "M2", Name: "Wang <Fang>", Unit: "School", TelegramID: 20002})
	if c.ChatID != 900 || len(c.Buttons) != 1 || len(c.Buttons[0]) != 2 || c.Buttons[0][0].Data != "ns:elm:N4" || c.Buttons[0][1].Data != "nn:elm:N4" {
		t.Errorf("confirmation to %d with %+v, want the asker with ns:elm:N4 and nn:elm:N4", c.ChatID, c.Buttons)
	}
	for _, want := range []string{"Wang &lt;Fang&gt; (School)", "new &lt;bulb&gt;"} {
		if !strings.Contains(c.Text, want) {
			t.Errorf("confirmation %q lacks %q", c.Text, want)
		}
	}
	if strings.Contains(c.Text, "20002") {
		t.Errorf("confirmation %q names the taker's Telegram id", c.Text)
	}
	if c := handlers.NeedConfirmAsk("en", n, ll.Member{}); !strings.Contains(c.Text, "—") {
		t.Errorf("confirmation for a taker not known = %q, want —", c.Text)
	}
}
