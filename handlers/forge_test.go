package handlers_test

import (
	"strings"
	"testing"
)

// forged are texts a person could type to make a list, a report or a notice
// show a line of their own (SPEC section 9): line breaks, bidirectional
// controls and zero-width characters.
var forged = []string{
	"陈爱丽\nM9 王芳 2/2",
	"陈爱丽\u2028M9",
	"陈爱丽\u2029M9",
	"陈爱丽\u0085M9",
	"陈\u202E丽",
	"陈\u202A丽",
	"陈\u2066丽",
	"陈\u2069丽",
	"陈\u200F丽",
	"陈\u200E丽",
	"陈\u200B丽",
	"陈\u200D丽",
	"陈\u2060丽",
	"陈\uFEFF丽",
}

func TestProfileRefusesForgedLines(t *testing.T) {
	e := dongan(t)
	want := map[string]string{
		"name":     "The name must be 1 to 64 characters of text, on one line",
		"unit":     "The unit must be at most 80 characters of text, on one line",
		"building": "The building must be at most 40 characters of text, on one line",
		"skills":   "At most 10 skills, each at most 30 characters, on one line",
	}
	for field, msg := range want {
		for _, v := range forged {
			before := e.snapshot()
			rs := e.send(alice, "/profile "+field+" "+v)
			wantIn(t, "/profile "+field+" "+v, rs, msg)
			wantNotIn(t, "/profile "+field+" "+v, rs, "Saved")
			e.unchanged("/profile "+field+" forged", before)
		}
	}
	// In Chinese too.
	e.member("dongan", lin, "", "", "")
	wantIn(t, "/profile 姓名 forged", e.send(lin, "/profile 姓名 陈\u202E丽"), "只占一行，不含不可见字符或文字方向控制符")
}

func TestRegistrationRefusesForgedLines(t *testing.T) {
	e := dongan(t)
	code := inviteCode(t, e.send(secretary, "/invite"))
	newbie := person{id: 5101, name: "", lang: "en"}
	rs := e.send(newbie, "/join "+code)
	wantIn(t, "/join", rs, "What is your name?")
	for _, v := range forged {
		rs = e.send(newbie, v)
		wantIn(t, "name "+v, rs, "The name must be 1 to 64 characters of text, on one line", "What is your name?")
	}
	rs = e.send(newbie, "Wang Fang")
	wantIn(t, "good name", rs, "Where do you work")
	for _, v := range forged {
		rs = e.send(newbie, strings.ReplaceAll(v, "陈", "Bank"))
		wantIn(t, "unit "+v, rs, "The unit must be at most 80 characters of text, on one line")
	}
	rs = e.send(newbie, "Bank of China")
	wantIn(t, "good unit", rs, "Which building")
	for _, v := range forged {
		rs = e.send(newbie, v)
		wantIn(t, "building "+v, rs, "The building must be at most 40 characters of text, on one line")
	}
	rs = e.send(newbie, "19")
	wantIn(t, "good building", rs, "What skills")
	for _, v := range forged {
		rs = e.send(newbie, "law, "+v)
		wantIn(t, "skills "+v, rs, "each at most 30 characters, on one line")
	}
	rs = e.send(newbie, "law")
	rs = e.press(newbie, button(t, rs, "Done").Data)
	rs = e.press(newbie, button(t, rs, "Register").Data)
	wantIn(t, "register", rs, "Welcome, Wang Fang!")
	m := e.storedMember("dongan", newbie)
	if m.Name != "Wang Fang" || m.Unit != "Bank of China" || m.Building != "19" || strings.Join(m.Skills, ",") != "law" {
		t.Errorf("registered member = %+v, want only the plain values", m)
	}
}

// TestMinimumsAreTheSecretarys: a deputy cannot change the count (SPEC
// section 9); the secretary can, from this year on.
func TestMinimumsAreTheSecretarys(t *testing.T) {
	e := dongan(t)
	before := e.snapshot()
	for _, text := range []string{"/settings minimum 5", "/settings postminimum 3"} {
		wantIn(t, "deputy "+text, e.send(deputy, text), "Only the community secretary")
	}
	e.unchanged("a deputy's minimums", before)
	wantIn(t, "secretary", e.send(secretary, "/settings minimum 5"), "Saved", "Yearly minimum: 5")
	c, _ := e.store.Community(e.ctx, "dongan")
	if c.MinimumsFor(2025).Minimum != 2 || c.MinimumsFor(2026).Minimum != 5 {
		t.Errorf("minimums by year = %q, want 2 in 2025 and 5 from 2026", c.Years)
	}
}
