package lamplighter_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestNormalizeID(t *testing.T) {
	tests := []struct {
		prefix byte
		in     string
		want   string
	}{
		{'P', "P12", "P12"},
		{'P', "p12", "P12"},
		{'P', " p007 ", "P7"},
		{'M', "M1", "M1"},
		{'P', "M12", ""},
		{'P', "P0", ""},
		{'P', "P", ""},
		{'P', "P-1", ""},
		{'P', "P1x", ""},
		{'P', "P99999999999", ""},
		{'A', "a7", "A7"},
	}
	for _, tt := range tests {
		if got := ll.NormalizeID(tt.prefix, tt.in); got != tt.want {
			t.Errorf("NormalizeID(%q, %q) = %q, want %q", tt.prefix, tt.in, got, tt.want)
		}
	}
}

func TestCommunityOfInvite(t *testing.T) {
	tests := []struct {
		code string
		want string
		ok   bool
	}{
		{"dongan-abcdefghij", "dongan", true},
		{"east-side-2-0123456789", "east-side-2", true},
		{"dongan-short", "", false},
		{"-abcdefghij", "", false},
		{"DongAn-abcdefghij", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ll.CommunityOfInvite(tt.code)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CommunityOfInvite(%q) = %q, %v, want %q, %v", tt.code, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseSkills(t *testing.T) {
	got := ll.ParseSkills(" law; first aid，电工、law ,, ")
	want := []string{"law", "first aid", "电工"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseSkills = %q, want %q", got, want)
	}
}

func TestParseModeAndRole(t *testing.T) {
	for in, want := range map[string]string{"认领": ll.ModeClaimed, "Fixed-Point": ll.ModeFixedPoint, "结对": ll.ModePaired} {
		if got, err := ll.ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := ll.ParseMode("weekly"); !errors.Is(err, ll.ErrInvalid) {
		t.Errorf("ParseMode(weekly) error = %v, want ErrInvalid", err)
	}
	if r, err := ll.ParseRole("Secretary"); err != nil || r != ll.RoleSecretary {
		t.Errorf("ParseRole(Secretary) = %q, %v", r, err)
	}
	if _, err := ll.ParseRole("admin"); !errors.Is(err, ll.ErrInvalid) {
		t.Errorf("ParseRole(admin) must be refused: admins come from configuration, got %v", err)
	}
}

func TestValidate(t *testing.T) {
	good := ll.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(good community) = %v", err)
	}
	bad := []func(c *ll.Community){
		func(c *ll.Community) { c.ID = "Dong An" },
		func(c *ll.Community) { c.ID = strings.Repeat("a", 21) },
		func(c *ll.Community) { c.Name = "" },
		func(c *ll.Community) { c.TimeZone = "Mars/Olympus" },
		func(c *ll.Community) { c.Language = "fr" },
		func(c *ll.Community) { c.Minimum = -1 },
	}
	for i, mutate := range bad {
		c := good
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ll.ErrInvalid) {
			t.Errorf("case %d: Validate(%+v) = %v, want ErrInvalid", i, c, err)
		}
	}

	m := ll.Member{Name: strings.Repeat("名", ll.MaxNameLen+1)}
	var e *ll.Error
	if err := m.Validate(); !errors.As(err, &e) || e.Detail != "name" {
		t.Errorf("Validate(long name) = %v, want EINVALID on name", err)
	}
	p := ll.Post{Title: "Legal aid", Mode: ll.ModeClaimed, Capacity: -1}
	if err := p.Validate(); !errors.As(err, &e) || e.Detail != "capacity" {
		t.Errorf("Validate(capacity -1) = %v, want EINVALID on capacity", err)
	}
}

func TestErrorCode(t *testing.T) {
	wrapped := errors.Join(errors.New("context"), ll.Errorf(ll.EFULL, "post P3 is full"))
	if got := ll.ErrorCode(wrapped); got != ll.EFULL {
		t.Errorf("ErrorCode(wrapped full) = %q, want %q", got, ll.EFULL)
	}
	if !errors.Is(wrapped, ll.ErrFull) {
		t.Errorf("errors.Is(wrapped, ErrFull) = false")
	}
	if errors.Is(wrapped, ll.ErrNotFound) {
		t.Errorf("errors.Is(wrapped, ErrNotFound) = true")
	}
	if got := ll.ErrorCode(errors.New("boom")); got != ll.EINTERNAL {
		t.Errorf("ErrorCode(plain) = %q, want internal", got)
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text, bot string
		cmd, args string
		ok        bool
	}{
		{"/claim P3", "", "claim", "P3", true},
		{"/Claim@LampBot  P3 ", "lampbot", "claim", "P3", true},
		{"/claim@OtherBot P3", "lampbot", "", "", false},
		{"  /me", "", "me", "", true},
		{"hello /me", "", "", "", false},
		{"/", "", "", "", false},
		{"/认领 P3", "", "", "", false},
		{"/log 修好了路灯 in 19", "", "log", "修好了路灯 in 19", true},
		{"/start\njoin_x", "", "start", "join_x", true},
	}
	for _, tt := range tests {
		cmd, args, ok := ll.ParseCommand(tt.text, tt.bot)
		if cmd != tt.cmd || args != tt.args || ok != tt.ok {
			t.Errorf("ParseCommand(%q, %q) = %q, %q, %v, want %q, %q, %v", tt.text, tt.bot, cmd, args, ok, tt.cmd, tt.args, tt.ok)
		}
	}
}
