package lamplighter_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestParseQuietHours(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // String() of the result, "!" for an error
	}{
		{"", ""},
		{"21:00-08:00", "21:00-08:00"},
		{" 9:30 - 17:05 ", "09:30-17:05"},
		{"00:00-23:59", "00:00-23:59"},
		{"21:00", "!"},
		{"21-08", "!"},
		{"24:00-08:00", "!"},
		{"21:60-08:00", "!"},
		{"08:00-08:00", "!"},
		{"9pm-8am", "!"},
		{"21:00-08:00-09:00", "!"},
	} {
		q, err := ll.ParseQuietHours(c.in)
		switch {
		case c.want == "!" && (err == nil || ll.ErrorCode(err) != ll.EINVALID):
			t.Errorf("ParseQuietHours(%q) = %v, %v; want EINVALID", c.in, q, err)
		case c.want != "!" && (err != nil || q.String() != c.want):
			t.Errorf("ParseQuietHours(%q) = %q, %v; want %q", c.in, q.String(), err, c.want)
		}
	}
}

func TestOutMessageValidateAndHeld(t *testing.T) {
	q := &ll.QuietHours{Start: 21 * 60, End: 8 * 60}
	ok := ll.OutMessage{ID: "digest:dongan:1:M1", ChatID: 5, Kind: ll.OutDigest, Reply: ll.Reply{Text: "x"}, Quiet: q, Zone: "Asia/Shanghai"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", ok, err)
	}
	for name, edit := range map[string]func(*ll.OutMessage){
		"no id":           func(m *ll.OutMessage) { m.ID = "" },
		"space in id":     func(m *ll.OutMessage) { m.ID = "a b" },
		"no chat":         func(m *ll.OutMessage) { m.ChatID = 0 },
		"no kind":         func(m *ll.OutMessage) { m.Kind = "" },
		"nothing to send": func(m *ll.OutMessage) { m.Reply = ll.Reply{} },
		"bad zone":        func(m *ll.OutMessage) { m.Zone = "Nowhere/City" },
		"no zone":         func(m *ll.OutMessage) { m.Zone = "" },
		"progress alone":  func(m *ll.OutMessage) { m.Kind, m.Reply = ll.OutProgress, ll.Reply{} },
	} {
		m := ok
		edit(&m)
		if err := m.Validate(); ll.ErrorCode(err) != ll.EINVALID {
			t.Errorf("%s: Validate = %v, want EINVALID", name, err)
		}
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	night := time.Date(2026, 3, 2, 23, 0, 0, 0, sh)
	if until, held := ok.Held(night); !held || !until.Equal(time.Date(2026, 3, 3, 8, 0, 0, 0, sh)) {
		t.Errorf("a digest at 23:00 is held until %v, %v; want 08:00", until, held)
	}
	bc := ok
	bc.Kind = ll.OutBroadcast
	if _, held := bc.Held(night); held {
		t.Errorf("quiet hours hold a broadcast")
	}
	if _, held := ok.Held(time.Date(2026, 3, 2, 12, 0, 0, 0, sh)); held {
		t.Errorf("a digest at noon is held")
	}
}

func TestBroadcastProgress(t *testing.T) {
	p := ll.BroadcastProgress{Total: 8, Sent: 5, Unreachable: 1}
	if p.Done() != 6 || p.Percent() != 75 || p.Finished() {
		t.Errorf("%+v: done %d, %d%%, finished %v", p, p.Done(), p.Percent(), p.Finished())
	}
	p.Failed, p.Expired = 1, 1
	if !p.Finished() || p.Percent() != 100 {
		t.Errorf("%+v: %d%%, finished %v", p, p.Percent(), p.Finished())
	}
	if (ll.BroadcastProgress{}).Percent() != 100 {
		t.Errorf("an empty broadcast is not 100%% done")
	}
}
