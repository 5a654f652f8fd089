package lamplighter_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	ll "github.com/lamplighter-bot/lamplighter"
)

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// FuzzParseCommand checks ParseCommand's promises on any text: it never
// panics; a command is a lower-case ASCII name with trimmed arguments taken
// from the end of the text; naming a bot only ever refuses a command; and
// parsing the canonical form "/cmd args" gives the same result back.
func FuzzParseCommand(f *testing.F) {
	for _, seed := range []struct{ text, bot string }{
		{"/claim P3", ""},
		{"/claim@MyBot P3", "MyBot"},
		{"/claim@mybot P3", "MyBot"},
		{"/claim@OtherBot P3", "MyBot"},
		{"  /START join_dongan-abc123", "MyBot"},
		{"/log 2025-03-01 修好了19号楼的32盏路灯", ""},
		{"/newpost 法律援助 | 认领 | 3 | 每周一次", ""},
		{"/签到 123", ""},
		{"/claim\u00a0P3", ""},
		{"/claim\tP3\n", ""},
		{"你好 /claim P3", ""},
		{"/", ""},
		{"/@MyBot", "MyBot"},
		{"/a@", "MyBot"},
		{"/" + strings.Repeat("x", 33), ""},
		{"/x\xff y", ""},
		{"", ""},
	} {
		f.Add(seed.text, seed.bot)
	}
	f.Fuzz(func(t *testing.T, text, bot string) {
		cmd, args, ok := ll.ParseCommand(text, bot)
		if !ok {
			if cmd != "" || args != "" {
				t.Fatalf("ParseCommand(%q, %q) = %q, %q, false: values without a command", text, bot, cmd, args)
			}
			return
		}
		if !commandName.MatchString(cmd) {
			t.Fatalf("ParseCommand(%q, %q): command %q is not a lower-case name", text, bot, cmd)
		}
		if args != strings.TrimSpace(args) {
			t.Fatalf("ParseCommand(%q, %q): args %q not trimmed", text, bot, args)
		}
		if !strings.HasSuffix(strings.TrimRightFunc(text, unicode.IsSpace), args) {
			t.Fatalf("ParseCommand(%q, %q): args %q are not the end of the text", text, bot, args)
		}
		if !strings.HasPrefix(strings.TrimLeftFunc(text, unicode.IsSpace), "/") {
			t.Fatalf("ParseCommand(%q, %q) found a command in text that does not start with /", text, bot)
		}
		if c2, a2, ok2 := ll.ParseCommand(text, ""); !ok2 || c2 != cmd || a2 != args {
			t.Fatalf("ParseCommand(%q, \"\") = %q, %q, %v; naming bot %q changed more than acceptance", text, c2, a2, ok2, bot)
		}
		canonical := "/" + cmd + " " + args
		if c2, a2, ok2 := ll.ParseCommand(canonical, bot); !ok2 || c2 != cmd || a2 != args {
			t.Fatalf("ParseCommand(%q) = %q, %q, %v; want %q, %q back", canonical, c2, a2, ok2, cmd, args)
		}
	})
}
