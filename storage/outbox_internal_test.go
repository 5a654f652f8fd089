package storage

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TestOutboxFormats: a message and its reply round-trip through the packed
// and compact forms, and the forms an older version stored (the message's
// JSON in j, the reply's full JSON as its body) still decode.
func TestOutboxFormats(t *testing.T) {
	due := time.UnixMilli(1740819600000).UTC()
	m := ll.OutMessage{ID: "below-minimum:dongan:1:M7", ChatID: 42, Kind: ll.OutBelowMinimum, Community: "dongan", Member: "M7",
		Due: due, Expires: due.Add(time.Hour), Lang: "zh", Quiet: &ll.QuietHours{Start: 1260, End: 480}, Zone: "Asia/Shanghai",
		Reply: ll.Reply{Text: "<b>hi</b>", Buttons: [][]ll.Button{{{Text: "A", Data: "s:A1"}, {Text: "B", URL: "https://x"}}}, Choices: []string{"x"}}}
	h := messageFields{chat: "42", kind: m.Kind, expires: millis(m.Expires)}
	p, err := packMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	body, err := encodeReply(m.Reply)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeMessage(m.ID, p, body, h)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("packed and compact:\n got %+v, %v\nwant %+v", got, err, m)
	}
	oldJ, _ := encodeJSON(storedMessage{OutMessage: m})
	oldBody, _ := json.Marshal(m.Reply)
	got, err = decodeMessage(m.ID, oldJ, string(oldBody), messageFields{})
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("older forms:\n got %+v, %v\nwant %+v", got, err, m)
	}
	withFile := ll.Reply{Text: "report", File: &ll.File{Name: "r.xlsx", Data: []byte{1, 2}}}
	fb, _ := encodeReply(withFile)
	var r ll.Reply
	if err := decodeReply(fb, &r); err != nil || !reflect.DeepEqual(r, withFile) {
		t.Errorf("a reply with a file: %+v, %v", r, err)
	}
}
