package handlers_test

import (
	"bytes"
	"fmt"
	"github.com/lamplighter-bot/lamplighter/report"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
)

// shanghai is the test communities' zone.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a wall-clock time in Shanghai.
func at(year int, month time.Month, day, hour, min int) time.Time {
	return time.Date(year, month, day, hour, min, 0, 0, shanghai)
}

// activity stores an activity of dongan through the store and returns it
// with its check-in code.
func (e *env) activity(a ll.Activity) ll.Activity {
	e.t.Helper()
	if a.Community == "" {
		a.Community = "dongan"
	}
	if a.Title == "" {
		a.Title = "Street lamp check"
	}
	if a.End.IsZero() {
		a.End = a.Start.Add(2 * time.Hour)
	}
	a.Created = e.now
	got, err := e.store.CreateActivity(e.ctx, a, nil)
	if err != nil {
		e.t.Fatalf("CreateActivity(%s): %v", a.Title, err)
	}
	return got
}

// auditActions lists "actor:action:object" of the community's audit log, newest first.
func (e *env) auditActions(community string) string {
	e.t.Helper()
	entries, err := e.store.AuditLog(e.ctx, community, 200, time.Time{})
	if err != nil {
		e.t.Fatalf("AuditLog: %v", err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.Actor+":"+en.Action+":"+en.Object)
	}
	return strings.Join(out, " ")
}

// to returns the replies addressed to chat.
func to(rs []ll.Reply, chat int64) []ll.Reply {
	var out []ll.Reply
	for _, r := range rs {
		if r.ChatID == chat {
			out = append(out, r)
		}
	}
	return out
}

func TestNewActivityOneLine(t *testing.T) {
	e := dongan(t)
	rs := e.send(secretary, "/newactivity Street <lamp> check | 2026-03-05 09:00 | 1h30m | Block 19 gate | 2")
	wantIn(t, "/newactivity", rs, "🏘 <b>东安社区</b>", "Created activity <b>A1</b>", "Street &lt;lamp&gt; check",
		"2026-03-05 09:00–10:30 (1h30m)", "Block 19 gate", "Signed up: 0/2", "Check-in open: 2026-03-05 08:30–12:30",
		"/editactivity A1 location", "rotating code", "<code>/present A1</code>")
	// A rotating code (the default, SPEC section 9) shows how to present it,
	// no code, no link, no QR code.
	wantNotIn(t, "/newactivity (rotating)", rs, "Check-in code: <code>", "start=ci_")
	if len(rs) != 1 {
		t.Fatalf("/newactivity replies = %+v, want the card only", rs)
	}
	// Switched to static, the card shows the code and link and a QR code to print.
	rs = e.send(secretary, "/editactivity A1 checkin static")
	wantIn(t, "/editactivity A1 checkin static", rs, "static code", "Check-in code: <code>", "https://t.me/lamplighter_bot?start=ci_")
	if len(rs) != 2 || rs[1].File == nil || !rs[1].File.Photo || !bytes.HasPrefix(rs[1].File.Data, []byte("\x89PNG")) {
		t.Fatalf("/editactivity checkin static replies = %+v, want the card and a QR code photo", rs)
	}
	a, err := e.store.Activity(e.ctx, "dongan", "A1")
	if err != nil {
		t.Fatalf("Activity(A1): %v", err)
	}
	if !a.Start.Equal(at(2026, 3, 5, 9, 0)) || a.End.Sub(a.Start) != 90*time.Minute || a.Capacity != 2 || a.Place != "Block 19 gate" || a.CreatedBy != "M1" {
		t.Errorf("A1 = %+v", a)
	}
	wantIn(t, "the QR caption", rs[1:], "code <code>"+a.Code+"</code>")
	wantIn(t, "the link", rs, "start=ci_"+a.Code)
	if got := e.auditActions("dongan"); !strings.Contains(got, "M1:newactivity:A1") || !strings.Contains(got, "M1:editactivity:A1") {
		t.Errorf("audit = %s, want M1:newactivity:A1 and M1:editactivity:A1", got)
	}

	// The same message again (a resend, a double tap) does not create a second one.
	before := e.snapshot()
	rs = e.send(secretary, "/newactivity Street <lamp> check | 2026-03-05 09:00 | 1h30m | Block 19 gate | 2")
	wantIn(t, "again", rs, "You created this activity a moment ago: <b>A1</b>")
	e.unchanged("the same /newactivity again", before)

	// Place and capacity may be left out; time zone is the community's.
	wantIn(t, "short form", e.send(deputy, "/newactivity Tea with elders | 2026/3/6 14:30 | 2小时"), "<b>A2</b>", "2026-03-06 14:30–16:30", "Signed up: 0 (no limit)")

	// Without a bot username there is a /checkin command and no QR code.
	h := newHandlersWithoutUsername(e)
	h.Handle(e.ctx, request(secretary, "/newactivity Night patrol | 2026-03-07 20:00 | 2h", true))
	rs = h.Handle(e.ctx, request(secretary, "/editactivity A3 checkin static", true))
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "Check-in link: /checkin ") {
		t.Errorf("without a username: %+v, want one reply with /checkin <code>", rs)
	}
}

func TestNewActivityBadInput(t *testing.T) {
	e := dongan(t)
	e.member("dongan", lin, ll.RoleCommittee, "Hospital", "5")
	tests := []struct {
		text   string
		en, zh string
	}{
		{"/newactivity Lamps | 2026-02-30 09:00 | 2h", "The start must be a date and time like", "开始时间须为"},
		{"/newactivity Lamps | tomorrow | 2h", "The start must be a date and time like", "开始时间须为"},
		{"/newactivity Lamps | 2026-03-05 25:00 | 2h", "The start must be a date and time like", "开始时间须为"},
		{"/newactivity Lamps | 2025-01-05 09:00 | 2h", "from 30 days ago to a year ahead", "范围为 30 天前到一年后"},
		{"/newactivity Lamps | 2026-03-05 09:00 | forever", "The duration must be like 2h, 90m or 1h30m", "时长须如"},
		{"/newactivity Lamps | 2026-03-05 09:00 | -2h", "The duration must be like", "时长须如"},
		{"/newactivity Lamps | 2026-03-05 09:00 | 8d", "The duration must be like", "时长须如"},
		{"/newactivity Lamps | 2026-03-05 09:00 | 2h | x | many", "The capacity must be a whole number", "名额须为"},
		{"/newactivity Lamps | 2026-03-05 09:00", "Usage: <code>/newactivity", "用法：<code>/newactivity"},
		{"/newactivity | 2026-03-05 09:00 | 2h", "The title must be 1 to 120", "名称须为 1 到 120"},
		{"/newactivity " + strings.Repeat("灯", 121) + " | 2026-03-05 09:00 | 2h", "The title must be 1 to 120", "名称须为 1 到 120"},
		{"/editactivity X1 title New", "That is not an activity id", "这不是活动编号"},
		{"/editactivity A99 title New", "A99 was not found", "没有找到 A99"},
		{"/editactivity A1 colour red", "Unknown field. Fields: title, place, start", "未知字段。可用字段：title、place、start"},
		{"/editactivity A1 duration 0m", "The duration must be like", "时长须如"},
		{"/editactivity A1 radius 9", "The radius must be a whole number of meters from 20 to 5000", "签到半径须为 20 到 5000 米"},
		{"/editactivity A1 location 91,200", "A location is latitude,longitude", "位置须为“纬度,经度”"},
		{"/editactivity A1 team T9", "T9 was not found", "没有找到 T9"},
		{"/editactivity A1", "Usage: <code>/editactivity", "用法：<code>/editactivity"},
		{"/cancelactivity A-1", "That is not an activity id", "这不是活动编号"},
		{"/roster 7", "That is not an activity id", "这不是活动编号"},
		{"/signup A", "That is not an activity id", "这不是活动编号"},
		{"/withdraw S1", "That is not an activity id", "这不是活动编号"},
	}
	e.activity(ll.Activity{Start: at(2026, 3, 5, 9, 0)})
	before := e.snapshot()
	for _, tt := range tests {
		wantIn(t, "en "+tt.text, e.send(secretary, tt.text), tt.en)
		wantIn(t, "zh "+tt.text, e.send(lin, tt.text), tt.zh)
	}
	e.unchanged("bad activity commands", before)
}

func TestNewActivityGuided(t *testing.T) {
	e := dongan(t)
	rs := e.send(secretary, "/newactivity")
	wantIn(t, "start", rs, "New activity. What is its title?")
	rs = e.send(secretary, "Lamp check")
	wantIn(t, "title", rs, "When does «Lamp check» start?", "Asia/Shanghai", "2026-03-03 09:00")
	wantIn(t, "bad time", e.send(secretary, "next week"), "The start must be a date and time like", "When does")
	rs = e.send(secretary, "2026-03-05 09:00")
	wantIn(t, "when", rs, "How long does it last?")
	rs = e.press(secretary, button(t, rs, "1h30m").Data)
	wantIn(t, "duration", rs, "Where does it take place?")
	rs = e.send(secretary, "Block 19 gate")
	wantIn(t, "place", rs, "How many can sign up?")
	rs = e.press(secretary, button(t, rs, "Unlimited").Data)
	wantIn(t, "capacity", rs, "send the check-in place as a location")
	if !rs[0].RequestLocation || len(rs[0].Choices) != 1 {
		t.Errorf("location step = %+v, want a location keyboard with Skip", rs[0])
	}
	loc := request(secretary, "", true)
	loc.Location = &ll.Location{Latitude: 31.2304, Longitude: 121.4737}
	rs = e.do(loc)
	wantIn(t, "created", rs, "Created activity <b>A1</b>", "2026-03-05 09:00–10:30", "Check-in place: 31.23040, 121.47370 (within 200 m)")
	if !rs[0].RemoveKeyboard {
		t.Errorf("created = %+v, want the keyboard removed", rs[0])
	}
	a, _ := e.store.Activity(e.ctx, "dongan", "A1")
	if a.Location == nil || a.Capacity != 0 || a.Place != "Block 19 gate" {
		t.Errorf("A1 = %+v", a)
	}
	// The flow is over.
	wantIn(t, "after", e.send(secretary, "hello"), "I only understand commands")

	// Skip the place and the location.
	e.send(secretary, "/newactivity")
	e.send(secretary, "Tea")
	e.send(secretary, "2026-03-06 15:00")
	e.send(secretary, "45m")
	rs = e.send(secretary, "skip")
	wantIn(t, "place skipped", rs, "How many can sign up?")
	e.send(secretary, "12")
	rs = e.send(secretary, "Skip")
	wantIn(t, "location skipped", rs, "<b>A2</b>", "2026-03-06 15:00–15:45", "Signed up: 0/12", "No check-in place yet")
}

func TestEditAndCancelActivity(t *testing.T) {
	e := dongan(t)
	lin2(e)
	e.team("dongan", "Lighting team")
	e.activity(ll.Activity{Start: at(2026, 3, 5, 9, 0), Capacity: 5})
	e.send(alice, "/signup A1")
	e.send(bob, "/signup a1")

	rs := e.send(deputy, "/editactivity A1 start 2026-03-05 10:00")
	wantIn(t, "edit start", rs, "Activity <b>A1</b> saved", "2026-03-05 10:00–12:00", "2 member(s) signed up were told")
	told := append(to(rs, alice.id), to(rs, bob.id)...)
	if len(told) != 2 || !strings.Contains(told[0].Text, "An activity you signed up for changed") || !strings.Contains(told[0].Text, "2026-03-05 10:00–12:00") {
		t.Errorf("those told = %+v", told)
	}
	// Fields that do not concern those signed up tell nobody.
	for _, tt := range []struct{ text, want string }{
		{"/editactivity A1 capacity 3", "Signed up: 2/3"},
		{"/editactivity A1 radius 150", "No check-in place yet"},
		{"/editactivity A1 team T1", "Team: T1 Lighting team"},
		{"/editactivity A1 location 31.2304, 121.4737", "Check-in place: 31.23040, 121.47370 (within 150 m)"},
		{"/editactivity A1 duration 3h", "10:00–13:00 (3h)"},
	} {
		rs := e.send(deputy, tt.text)
		wantIn(t, tt.text, rs, tt.want)
		if tt.text != "/editactivity A1 duration 3h" && len(rs) != 1 {
			t.Errorf("%s told someone: %+v", tt.text, rs)
		}
	}
	wantIn(t, "capacity below", e.send(deputy, "/editactivity A1 capacity 1"), "A1 has 2 sign-ups")

	// The location by sending it (a pin is fine for the committee).
	rs = e.send(deputy, "/editactivity A1 location")
	wantIn(t, "ask location", rs, "Send the check-in place of <b>A1</b>")
	if !rs[0].RequestLocation {
		t.Errorf("ask location = %+v, want a location keyboard", rs[0])
	}
	pin := request(deputy, "", true)
	pin.Location = &ll.Location{Latitude: 31.1, Longitude: 121.1}
	wantIn(t, "location sent", e.do(pin), "Check-in place: 31.10000, 121.10000")
	wantIn(t, "location removed", e.send(deputy, "/editactivity A1 location -"), "No check-in place yet")
	// A pin sent in reply to the activity's message cannot name the activity.
	pin = request(deputy, "", true)
	pin.Location, pin.ReplyToMessageID = &ll.Location{Latitude: 31.1, Longitude: 121.1}, 42
	wantIn(t, "location by reply", e.do(pin), "send <code>/editactivity A7 location</code>")

	rs = e.send(deputy, "/cancelactivity A1 heavy <rain>")
	wantIn(t, "cancel", rs, "Cancelled <b>A1</b> Street lamp check; 2 member(s) signed up were told.")
	told = to(rs, alice.id)
	if len(told) != 1 || !strings.Contains(told[0].Text, "is cancelled") || !strings.Contains(told[0].Text, "Reason: heavy &lt;rain&gt;") {
		t.Errorf("alice told = %+v", told)
	}
	before := e.snapshot()
	rs = e.send(deputy, "/cancelactivity A1")
	wantIn(t, "cancel again", rs, "<b>A1</b> Street lamp check was already cancelled.")
	if len(rs) != 1 {
		t.Errorf("cancel again told someone: %+v", rs)
	}
	wantIn(t, "edit cancelled", e.send(deputy, "/editactivity A1 title X"), "A1 is cancelled")
	wantIn(t, "sign up to cancelled", e.send(lin, "/signup A1"), "A1 已取消。")
	e.unchanged("actions on a cancelled activity", before)
	got := e.auditActions("dongan")
	for _, w := range []string{"M2:editactivity:A1", "M2:cancelactivity:A1"} {
		if !strings.Contains(got, w) {
			t.Errorf("audit = %s, want %s", got, w)
		}
	}
}

// newHandlersWithoutUsername is the env's handlers without a bot username.
func newHandlersWithoutUsername(e *env) *handlers.Handlers {
	return handlers.New(e.store, handlers.Config{Render: report.Renderer{}, Now: func() time.Time { return e.now }, Logger: e.log})
}

// lin2 registers lin with dongan (once) and returns her.
func lin2(e *env) person {
	if _, err := e.store.MemberByTelegram(e.ctx, "dongan", lin.id); err != nil {
		e.member("dongan", lin, ll.RoleNone, "Hospital", "5")
	}
	return lin
}

func TestActivitiesSignUpWithdrawRoster(t *testing.T) {
	e := dongan(t)
	e.activity(ll.Activity{Title: "Lamps", Start: at(2026, 3, 5, 9, 0), Capacity: 2})
	e.activity(ll.Activity{Title: "Past", Start: at(2026, 2, 20, 9, 0)})
	e.activity(ll.Activity{Title: "Tea", Start: at(2026, 3, 6, 9, 0)})
	rs := e.send(alice, "/activities")
	wantIn(t, "/activities", rs, "Upcoming activities (2)", "<b>A1</b> Lamps", "<b>A3</b> Tea", "0/2")
	wantNotIn(t, "/activities", rs, "Past", "Check-in code")
	rs = e.press(alice, button(t, rs, "Sign up A1").Data)
	wantIn(t, "sign up", rs, "You signed up for <b>A1</b>", "Signed up: 1/2", "/withdraw A1")
	if rs[0].CallbackAnswer == "" {
		t.Errorf("sign up press = %+v, want a toast", rs)
	}
	// A double tap signs up once.
	wantIn(t, "double tap", e.press(alice, "su:A1"), "You are already signed up for <b>A1</b>")
	e.send(bob, "/signup A1")
	// Full: the sign-up offers the waitlist (SPEC section 10).
	if rs := e.send(lin2(e), "/signup A1"); !hasButtonData(rs, "wj:A1") {
		t.Errorf("/signup A1 when full = %+v, want [Join the waitlist] wj:A1", rs)
	} else {
		wantIn(t, "full", rs, "<b>A1</b> Lamps 名额已满（2/2）")
	}
	wantIn(t, "full for lin", e.send(lin, "/activities"), "<b>A1</b> Lamps （已满）")
	rs = e.send(alice, "/activities")
	wantIn(t, "yours", rs, "<b>A1</b> Lamps ✅ signed up")
	if !hasButtonData(rs, "wd:A1") || hasButtonData(rs, "su:A1") {
		t.Errorf("/activities buttons = %s, want Withdraw A1 and no Sign up A1", dumpButtons(rs))
	}
	wantIn(t, "ended", e.send(alice, "/signup A2"), "A2 has already ended")

	// Check-ins: Alice by code, Lin (not signed up) by code too.
	a1, _ := e.store.Activity(e.ctx, "dongan", "A1")
	e.now = at(2026, 3, 5, 9, 5)
	e.send(alice, "/checkin "+a1.Code)
	e.send(lin, "/checkin "+a1.Code)
	rs = e.send(deputy, "/roster A1")
	wantIn(t, "/roster", rs, "<b>A1</b> Lamps", "Checked in: 2", "Signed up (2)", "M3 Alice Chen · ✅ code 03-05 09:05",
		"M4 Bob Sun · not checked in", "Checked in without signing up (1)", "M5 林芳 · ✅ code")

	wantIn(t, "withdraw", e.send(bob, "/withdraw A1"), "You withdrew from A1.")
	wantIn(t, "withdraw again", e.send(bob, "/withdraw A1"), "You were not signed up for A1.")
	wantIn(t, "/withdraw", e.send(bob, "/withdraw"), "Usage: <code>/withdraw")
	wantIn(t, "/signup alone", e.send(bob, "/signup"), "Upcoming activities")
}

func TestActivitiesPaging(t *testing.T) {
	e := dongan(t)
	for i := 0; i < 10; i++ {
		e.activity(ll.Activity{Title: fmt.Sprintf("Patrol %d", i+1), Start: at(2026, 3, 5+i, 20, 0)})
	}
	rs := e.send(alice, "/activities")
	wantIn(t, "page 1", rs, "Upcoming activities (10)", "Page 1 of 2")
	next := button(t, rs, "›").Data
	if next != "pg:a:2" {
		t.Errorf("› = %q, want pg:a:2", next)
	}
	rs = e.press(alice, next)
	if len(rs) != 1 || !rs[0].Edit {
		t.Fatalf("page press = %+v, want an edit", rs)
	}
	wantIn(t, "page 2", rs, "Patrol 10", "Page 2 of 2")
	wantIn(t, "stranger page", e.press(stranger, "pg:a:2"), "You are not a registered member")
}
