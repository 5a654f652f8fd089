package lamplighter_test

import (
	"fmt"
	"reflect"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestTemplateRender(t *testing.T) {
	tpl := &ll.Template{Parts: []ll.TemplatePart{
		ll.NewTemplatePart(fmt.Sprintf("<b>%s</b> has %d of %d, %v", "A&amp;B", ll.Slot(1), 3, ll.Slot(0)), nil),
		ll.NewTemplatePart("\n· one", [][]ll.Button{{{Text: "Sign up", Data: "su:A1"}}}),
		ll.NewTemplatePart("\n· two", [][]ll.Button{{{Text: "Sign up", Data: "su:A2"}}}),
		ll.NewTemplatePart("\nbye", nil),
	}}
	if p := tpl.Parts[0]; !reflect.DeepEqual(p.Slots, []int{1, 0}) || len(p.Text) != 3 {
		t.Fatalf("NewTemplatePart = %+v; want slots [1 0] between three pieces", p)
	}
	got := tpl.Render(0b1101, []string{`王<i>&"x"</i>`, "2"})
	want := ll.Reply{Text: "<b>A&amp;B</b> has 2 of 3, 王&lt;i&gt;&amp;&#34;x&#34;&lt;/i&gt;\n· two\nbye",
		Buttons: [][]ll.Button{{{Text: "Sign up", Data: "su:A2"}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Render = %q %+v\nwant %q %+v", got.Text, got.Buttons, want.Text, want.Buttons)
	}
	got.Buttons[0][0].Text = "changed"
	if tpl.Parts[2].Buttons[0][0].Text != "Sign up" {
		t.Error("changing a rendered reply changed its template")
	}
	if r := tpl.Render(0b1, nil); r.Text != "<b>A&amp;B</b> has  of 3, " {
		t.Errorf("Render without values = %q; want empty slots", r.Text)
	}
	for _, tc := range []struct {
		parts uint64
		ok    bool
	}{{0b1, true}, {0, false}, {1 << 4, false}, {0b10001, false}} {
		m := ll.OutMessage{ID: "x", ChatID: 1, Kind: ll.OutBelowMinimum, Template: tpl, Parts: tc.parts}
		if err := m.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate with parts %b = %v; want ok %v", tc.parts, err, tc.ok)
		}
	}
	empty := &ll.Template{Parts: []ll.TemplatePart{ll.NewTemplatePart(" \n", nil)}}
	if err := (&ll.OutMessage{ID: "x", ChatID: 1, Kind: ll.OutBelowMinimum, Template: empty, Parts: 1}).Validate(); err == nil {
		t.Error("Validate of a template selecting no text = nil; want EINVALID")
	}
}
