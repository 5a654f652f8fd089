package main

import (
	"reflect"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

func TestParseMembersCSV(t *testing.T) {
	in := "\uFEFFtelegram_id,name,unit,building,skills,role\r\n" +
		"10001,李伟,区法院,19栋,法律;调解,secretary\r\n" +
		",王芳,第一小学,3栋,,\r\n" +
		"\r\n" +
		"10003,\"Zhang, San\",Bank,\"B 2\",\"first aid; driving\",committee\r\n"
	rows, errs := parseMembersCSV([]byte(in))
	if len(errs) != 0 {
		t.Fatalf("parseMembersCSV errors = %v, want none", errs)
	}
	want := []importRow{
		{Line: 2, Member: ll.Member{TelegramID: 10001, Name: "李伟", Unit: "区法院", Building: "19栋", Skills: []string{"法律", "调解"}, Role: ll.RoleSecretary, Status: ll.StatusActive}},
		{Line: 3, Member: ll.Member{Name: "王芳", Unit: "第一小学", Building: "3栋", Skills: []string{}, Status: ll.StatusActive}},
		{Line: 5, Member: ll.Member{TelegramID: 10003, Name: "Zhang, San", Unit: "Bank", Building: "B 2", Skills: []string{"first aid", "driving"}, Role: ll.RoleCommittee, Status: ll.StatusActive}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("parseMembersCSV rows =\n%+v\nwant\n%+v", rows, want)
	}
}

func TestParseMembersCSVErrors(t *testing.T) {
	long := strings.Repeat("长", ll.MaxNameLen+1)
	tests := []struct {
		name string
		in   string
		want []string // each error, in order
	}{
		{"empty", "", []string{"line 1: empty file"}},
		{"header only", "telegram_id,name,unit,building,skills,role\n", []string{"line 1: no members"}},
		{"bad header", "id,name\n1,a,b,c,d,\n", []string{"line 1: the first row must be the header"}},
		{
			"every bad row",
			"telegram_id,name,unit,building,skills,role\n" +
				"abc,A,,,,\n" + // 2: bad id
				"12,,,,,\n" + // 3: missing name
				"13," + long + ",,,,\n" + // 4: too long
				"14,D,,,,boss\n" + // 5: bad role
				"15,E,,\n" + // 6: column count
				"16,F,,,,\n" + // 7: good
				"16,G,,,,\n" + // 8: duplicate
				"-5,H,,,,\n", // 9: negative id
			[]string{
				"line 2: telegram_id \"abc\"",
				"line 3: name is required",
				"line 4: name is too long",
				"line 5: role \"boss\"",
				"line 6: 4 columns, want 6",
				"line 8: telegram_id 16 repeats line 7",
				"line 9: telegram_id \"-5\"",
			},
		},
		{"bare quote", "telegram_id,name,unit,building,skills,role\n1,a\"b,,,,\n", []string{"line 2: malformed CSV"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, errs := parseMembersCSV([]byte(tt.in))
			if rows != nil {
				t.Errorf("rows = %v, want none when a row is bad", rows)
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("errors = %q, want %d errors like %q", errs, len(tt.want), tt.want)
			}
			for i, e := range errs {
				if !strings.HasPrefix(e.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want prefix %q", i, e.Error(), tt.want[i])
				}
			}
		})
	}
}

// FuzzParseMembersCSV checks that no input crashes the parser, that it
// returns either rows or errors, and that every row it accepts is a valid
// member with a unique Telegram id.
func FuzzParseMembersCSV(f *testing.F) {
	f.Add([]byte("telegram_id,name,unit,building,skills,role\n10001,李伟,区法院,19栋,法律;调解,secretary\n,王芳,,,,\n"))
	f.Add([]byte("\uFEFFtelegram_id,name,unit,building,skills,role\r\n1,\"a,b\",,,\"x;y\",deputy\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs := parseMembersCSV(data)
		if (len(rows) == 0) == (len(errs) == 0) {
			t.Fatalf("parseMembersCSV(%q) = %d rows and %d errors, want exactly one non-empty", data, len(rows), len(errs))
		}
		seen := map[int64]bool{}
		for _, r := range rows {
			m := r.Member
			if err := m.Validate(); err != nil {
				t.Errorf("line %d: accepted member fails Validate: %v", r.Line, err)
			}
			if m.TelegramID < 0 {
				t.Errorf("line %d: telegram id %d", r.Line, m.TelegramID)
			}
			if m.TelegramID != 0 && seen[m.TelegramID] {
				t.Errorf("line %d: telegram id %d accepted twice", r.Line, m.TelegramID)
			}
			seen[m.TelegramID] = true
			if m.Role != ll.RoleNone && !m.Role.IsCommittee() || m.Role == ll.RoleAdmin {
				t.Errorf("line %d: role %q accepted", r.Line, m.Role)
			}
			if r.Line < 2 {
				t.Errorf("data row on line %d", r.Line)
			}
		}
		for _, e := range errs {
			if e.Msg == "" {
				t.Errorf("error without a message on line %d", e.Line)
			}
		}
	})
}
