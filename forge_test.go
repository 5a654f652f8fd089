package lamplighter_test

import (
	"errors"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// forgingInputs are texts that would show as another line, or reorder what
// follows them, in a list, a report or a notice (SPEC section 9).
var forgingInputs = map[string]string{
	"LF":                  "李伟\nM99 王芳 2/2",
	"CR":                  "李伟\rM99",
	"CRLF":                "李伟\r\nM99",
	"NEL":                 "李伟\u0085M99",
	"line separator":      "李伟\u2028M99",
	"paragraph separator": "李伟\u2029M99",
	"LRE":                 "a\u202Ab",
	"RLE":                 "a\u202Bb",
	"PDF":                 "a\u202Cb",
	"LRO":                 "a\u202Db",
	"RLO":                 "a\u202Eb",
	"LRI":                 "a\u2066b",
	"RLI":                 "a\u2067b",
	"FSI":                 "a\u2068b",
	"PDI":                 "a\u2069b",
	"LRM":                 "a\u200Eb",
	"RLM":                 "a\u200Fb",
	"ZWSP":                "a\u200Bb",
	"ZWNJ":                "a\u200Cb",
	"ZWJ":                 "a\u200Db",
	"word joiner":         "a\u2060b",
	"BOM":                 "a\uFEFFb",
}

func TestOneLineFieldsRefuseForging(t *testing.T) {
	fields := []struct {
		field string
		check func(v string) error
	}{
		{"name", func(v string) error { return (&ll.Member{Name: v}).Validate() }},
		{"unit", func(v string) error { return (&ll.Member{Name: "x", Unit: v}).Validate() }},
		{"building", func(v string) error { return (&ll.Member{Name: "x", Building: v}).Validate() }},
		{"skills", func(v string) error { return (&ll.Member{Name: "x", Skills: []string{"法律", v}}).Validate() }},
		{"name", func(v string) error { return (&ll.Team{Name: v}).Validate() }},
		{"name", func(v string) error {
			c := ll.Community{ID: "c", Name: v, TimeZone: "UTC", Language: "en"}
			return c.Validate()
		}},
		{"title", func(v string) error { return (&ll.Post{Title: v, Mode: ll.ModeClaimed}).Validate() }},
		{"skills", func(v string) error {
			return (&ll.Post{Title: "t", Mode: ll.ModeClaimed, Skills: []string{v}}).Validate()
		}},
		{"title", func(v string) error {
			start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
			return (&ll.Activity{Title: v, Start: start, End: start.Add(time.Hour)}).Validate()
		}},
	}
	for _, f := range fields {
		if err := f.check("李伟 Lee"); err != nil {
			t.Fatalf("%s: plain text refused: %v", f.field, err)
		}
		for name, v := range forgingInputs {
			err := f.check(v)
			var e *ll.Error
			if !errors.As(err, &e) || e.Code != ll.EINVALID || e.Detail != f.field {
				t.Errorf("%s %s (%q): Validate = %v, want EINVALID on %s", f.field, name, v, err, f.field)
			}
		}
	}
}

func TestMultiLineFieldsKeepLineBreaks(t *testing.T) {
	p := ll.Post{Title: "t", Mode: ll.ModeClaimed, Description: "line one\nline two"}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate(description with a line break) = %v, want nil", err)
	}
}

func TestForgesLine(t *testing.T) {
	for _, ok := range []string{"", "李伟", "Zhang San", "19栋 3单元", "emoji 🙂", "ﾊﾝｶｸ"} {
		if ll.ForgesLine(ok) {
			t.Errorf("ForgesLine(%q) = true, want false", ok)
		}
	}
	for name, v := range forgingInputs {
		if !ll.ForgesLine(v) {
			t.Errorf("ForgesLine(%s %q) = false, want true", name, v)
		}
	}
}
