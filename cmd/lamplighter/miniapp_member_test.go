package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/web/browsertest"
)

// memberDistrict is dongan in Latin letters (the screenshots) with the
// secretary M1, members M2 and M3; A1 whose check-in is open now, A2
// tomorrow with one seat that M3 holds, and P1, a claimed post of two.
func memberDistrict(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := context.Background()
	e.mustRun("community", "add", "--id", "dongan", "--name", "Dong'an Community")
	e.mustRun("members", "import", "--community", "dongan", writeFile(t, "m.csv",
		"telegram_id,name,unit,building,skills,role\n"+
			"10001,Li Xiulan,Street Office,Block 1,organising,secretary\n"+
			"20002,Wang Fang,No. 1 Primary School,Block 3,,\n"+
			"20003,Chen Jing,People's Bank,Block 7,counselling,\n"))
	for _, a := range []ll.Activity{
		{Title: "Street lamp patrol", Place: "Gate of block 19", Start: testNow.Add(10 * time.Minute), Capacity: 0},
		{Title: "River clean-up", Place: "East bank", Start: testNow.Add(24 * time.Hour), Capacity: 1},
	} {
		a.Community, a.End, a.CreatedBy, a.Created, a.Mode = "dongan", a.Start.Add(2*time.Hour), "M1", testNow, ll.CheckInRotating
		a.Secret = "3132333435363738393031323334353637383930"
		if _, err := e.st.CreateActivity(ctx, a, nil); err != nil {
			t.Fatalf("CreateActivity: %v", err)
		}
	}
	if _, _, err := e.st.SignUp(ctx, "dongan", "A2", "M3", testNow); err != nil {
		t.Fatalf("SignUp(M3, A2): %v", err)
	}
	if _, err := e.st.CreatePost(ctx, ll.Post{Community: "dongan", Title: "Stairwell lighting", Mode: ll.ModeClaimed, Capacity: 2,
		Description: "Check the stairwell lamps once a month", Created: testNow}, nil); err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	// M3 asks for help as a resident: N1, nobody else's to see.
	if _, _, err := app.New(e.st).Needs.Ask(ctx, app.Actor{TelegramID: 20003, Channel: app.ChannelChat, Now: testNow},
		app.NeedDraft{Community: "dongan", Text: "The lamp on floor 3 is out", Token: "n1"}); err != nil {
		t.Fatalf("Ask: %v", err)
	}
}

// pageAt opens the app as tg at ?page=page.
func (r *miniApp) pageAt(tgID int64, page string) string {
	return strings.Replace(r.pageURL(tgID, "en"), "/app#", "/app?page="+page+"#", 1)
}

// fakeScanner stands in for Telegram's QR scanner (the network is closed:
// telegram-web-app.js never loads in tests): showScanQrPopup hands the
// callback the texts the test queued in window.__scans, one per call.
const fakeScanner = `window.__scans = window.__scans || [];
window.Telegram = {WebApp: {isVersionAtLeast() { return true; }, showScanQrPopup(params, cb) { window.__popup = params.text; const s = window.__scans.shift(); if (s) cb(s); }, closeScanQrPopup() {}}};`

// TestMiniAppMemberBrowser drives the member's and the organizer's pages in
// headless Chromium against the real binary on real Redis: the member's
// code page shows a signed personal code; they sign up for an activity
// (and, the other full, join its waitlist) and claim a post from the page,
// each in place and once; the secretary's scan page reads the member's code
// through a fake showScanQrPopup and the member is checked in with method
// scan, the secretary the verifier; a second scan with a new code changes
// nothing, a garbage code is refused; the member sees no one else's data;
// no page overflows 360 pixels.
func TestMiniAppMemberBrowser(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	memberDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)
	b := browsertest.New(t)

	// The member's code.
	b.Do(browsertest.Phone(360), chromedp.Navigate(r.pageAt(maMember, "code")), chromedp.WaitVisible(`#mycode[data-code]`))
	code := browsertest.Run(b, chromedp.Evaluate[string](`document.getElementById('mycode').dataset.code`))
	if p := strings.Split(code, "."); len(p) != 6 || p[1] != "dongan" || p[2] != "M2" || strings.Contains(code, fmt.Sprint(maMember)) {
		t.Errorf("the member's code %q: want dongan's M2, signed, without the Telegram id", code)
	}
	if w := browsertest.Run(b, chromedp.Evaluate[int64](`document.getElementById('mycode').naturalWidth`)); w < 100 {
		t.Errorf("the code's QR is %d px wide: not drawn", w)
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("the code page overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-mycode")
	// The page renews the code before it expires (here the page's clock is
	// moved 55 s on), and only while it is open.
	mycodeCalls := `performance.getEntriesByType('resource').filter(e => e.name.includes('/api/mycode')).length`
	browsertest.Run(b, chromedp.Evaluate[bool](`{ const real = Date.now.bind(Date); Date.now = () => real() + 55000; } true`))
	browsertest.Run(b, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById('mycode').dataset.code !== %q`, code), chromedp.WithPollingTimeout(10*time.Second)))
	if n := browsertest.Run(b, chromedp.Evaluate[int64](mycodeCalls)); n != 2 {
		t.Errorf("after one renewal the page asked for %d codes, want 2", n)
	}
	b.Do(chromedp.Click(`#tab-join`), chromedp.WaitVisible(`#activities`))
	browsertest.Run(b, chromedp.Evaluate[bool](`{ const real = Date.now.bind(Date); Date.now = () => real() + 120000; } true`))
	time.Sleep(2500 * time.Millisecond) // two ticks of the code page's timer, had it kept running
	if n := browsertest.Run(b, chromedp.Evaluate[int64](mycodeCalls)); n != 2 {
		t.Errorf("with the code page left the page asked for %d codes, want still 2", n)
	}

	// Join in: sign up for A1, A2 is full: join its waitlist; claim P1.
	b.Do(chromedp.WaitVisible(`[data-activity=A1] [data-action=signup]`))
	before := browsertest.Run(b, chromedp.Evaluate[int64](apiRequests))
	b.Do(chromedp.Click(`[data-activity=A1] [data-action=signup]`), chromedp.WaitVisible(`[data-activity=A1][data-outcome=signed_up]`),
		chromedp.Click(`[data-activity=A2] [data-action=signup]`), chromedp.WaitVisible(`[data-activity=A2][data-outcome=full] [data-action=waitlist]`),
		chromedp.Click(`[data-activity=A2] [data-action=waitlist]`), chromedp.WaitVisible(`[data-activity=A2][data-outcome=waitlisted]`),
		chromedp.Click(`[data-post=P1] [data-action=claim]`), chromedp.WaitVisible(`[data-post=P1][data-held=true]`))
	if after := browsertest.Run(b, chromedp.Evaluate[int64](apiRequests)); after != before+4 {
		t.Errorf("four presses made %d API requests, want 4 (no reload)", after-before)
	}
	if nav := browsertest.Run(b, chromedp.Evaluate[int64](`performance.getEntriesByType('navigation').length`)); nav != 1 {
		t.Errorf("navigations = %d, want 1: the page reloaded", nav)
	}
	if txt := browsertest.Run(b, chromedp.Text(`[data-post=P1]`)); !strings.Contains(txt, "1/2") {
		t.Errorf("P1 after the claim says %q, want 1/2 holders", txt)
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("the join page overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-join")
	// A double tap (the same requests again) changes nothing.
	mine := signed(maMember, "en", tg.Token, testNow)
	for _, p := range []string{"activities/A1/signup", "activities/A2/waitlist", "posts/P1/claim"} {
		status, out := apiCall(t, "POST", r.base+"/api/"+p, mine, map[string]any{})
		if status != 200 || out["changed"] == true || (out["outcome"] != nil && out["outcome"] != "already" && out["outcome"] != "waitlisted") {
			t.Errorf("POST %s again = %d %v, want unchanged", p, status, out)
		}
	}
	if ids, err := e.st.SignedUp(ctx, "dongan", "A1"); err != nil || !slices.Equal(ids, []string{"M2"}) {
		t.Errorf("A1's sign-ups = %v, %v; want M2", ids, err)
	}
	if ids, _ := e.st.SignedUp(ctx, "dongan", "A2"); !slices.Equal(ids, []string{"M3"}) {
		t.Errorf("A2's sign-ups = %v, want M3 only (M2 waits)", ids)
	}
	if w, err := e.st.Waitlist(ctx, "dongan", "A2"); err != nil || !slices.Equal(w.Waiting, []string{"M2"}) {
		t.Errorf("A2's waitlist = %+v, %v; want M2", w, err)
	}
	if hs, err := e.st.Holders(ctx, "dongan", "P1"); err != nil || len(hs) != 1 || hs[0].Member != "M2" {
		t.Errorf("P1's holders = %+v, %v; want M2 once", hs, err)
	}
	// My needs: M2 asked none (N1 is M3's), M3 sees theirs.
	b.Do(chromedp.Click(`#tab-myneeds`), chromedp.WaitVisible(`#needs-asked`))
	if n := browsertest.Run(b, chromedp.Evaluate[int64](`document.querySelectorAll('[data-need]').length`)); n != 0 {
		t.Errorf("M2's needs page lists %d needs, want none (N1 is M3's)", n)
	}
	// Nothing of anyone else: no other name on the page, no scan or unit
	// page for a plain member.
	if html := browsertest.Run(b, chromedp.OuterHTML(`body`)); strings.Contains(html, "Li Xiulan") || strings.Contains(html, "Chen Jing") {
		t.Errorf("the member's page shows another member's name")
	}
	if n := browsertest.Run(b, chromedp.Evaluate[int64](`document.querySelectorAll('#tab-scan, #tab-unit, #tab-members').length`)); n != 0 {
		t.Errorf("the member sees %d organizer or committee tabs", n)
	}
	for _, p := range []string{"scan", "unit", "members"} {
		if status, _ := apiCall(t, "GET", r.base+"/api/"+p, mine, nil); status != 403 {
			t.Errorf("GET %s as the member = %d, want 403", p, status)
		}
	}

	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(r.pageAt(20003, "myneeds")), chromedp.WaitVisible(`#needs-asked li[data-need=N1][data-status=new]`))
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("the needs page overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-myneeds")

	// The secretary scans the member's code for A1.
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(r.pageAt(maSecretary, "scan")),
		chromedp.WaitVisible(`#scan-activities [data-activity=A1]`))
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("the scan list overflows a 360-pixel phone by %d px", o)
	}
	b.Do(chromedp.Click(`#scan-activities [data-activity=A1]`), chromedp.WaitVisible(`#scan-button`))
	browsertest.Run(b, chromedp.Evaluate[bool](fakeScanner+fmt.Sprintf(`window.__scans.push(%q); true`, code)))
	b.Do(chromedp.Click(`#scan-button`), chromedp.WaitVisible(`#scan-log li[data-member=M2][data-changed=true]`))
	if txt := browsertest.Run(b, chromedp.Text(`#scan-log li[data-member=M2]`)); !strings.Contains(txt, "Wang Fang") || !strings.Contains(txt, "Street lamp patrol") {
		t.Errorf("the scan log says %q, want Wang Fang checked in to Street lamp patrol", txt)
	}
	if p := browsertest.Run(b, chromedp.Evaluate[string](`window.__popup`)); p == "" {
		t.Errorf("showScanQrPopup was called without a text")
	}
	ps, err := e.st.Participations(ctx, "dongan", "M2")
	if err != nil || len(ps) != 1 || ps[0].Ref != "A1" || ps[0].Method != ll.MethodScan || ps[0].VerifiedBy != "M1" {
		t.Fatalf("M2's ledger after the scan = %+v, %v; want A1 by scan verified by M1", ps, err)
	}
	// A new code of M2: checked in already, nothing changes; garbage pasted
	// is refused in words.
	_, fresh := apiCall(t, "GET", r.base+"/api/mycode", mine, nil)
	browsertest.Run(b, chromedp.Evaluate[bool](fmt.Sprintf(`window.__scans.push(%q); true`, fresh["code"])))
	b.Do(chromedp.Click(`#scan-button`), chromedp.WaitVisible(`#scan-log li[data-member=M2][data-changed=false]`),
		chromedp.SendKeys(`#scan-paste`, "not-a-code"), chromedp.Click(`#scan-submit`),
		chromedp.WaitVisible(`#scan-log li[data-refused=scan_code]`))
	if ps, _ := e.st.Participations(ctx, "dongan", "M2"); len(ps) != 1 {
		t.Errorf("after a second scan M2's ledger = %+v, want A1 once", ps)
	}
	// The code scanned before, sent again (as another organizer's phone
	// would): refused as used.
	if status, out := apiCall(t, "POST", r.base+"/api/scan/A1", signed(maSecretary, "en", tg.Token, testNow), map[string]string{"code": code}); status != 409 || out["detail"] != ll.ReasonScanUsed {
		t.Errorf("the first code again = %d %v, want 409 scan_used", status, out)
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("the scan page overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-scan")

	// A liaison of People's Bank (no member anywhere) sees its unit:
	// Chen Jing (M3), below the minimum.
	const liaison = 50005
	e.mustRun("units", "import", writeFile(t, "u.csv", "name,short_name,liaison_telegram_id\nPeople's Bank,Bank,50005\n"))
	e.mustRun("units", "match")
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(r.pageAt(liaison, "unit")), chromedp.WaitVisible(`#unit-members li[data-member=M3]`))
	if txt := browsertest.Run(b, chromedp.Text(`#unit`)); !strings.Contains(txt, "Chen Jing") || strings.Contains(txt, "Wang Fang") || !strings.Contains(txt, "not yet compliant") {
		t.Errorf("the liaison's unit page says %q, want Chen Jing only, not yet compliant", txt)
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("the unit page overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-unit")

	// The member's ledger shows the scan as strong evidence by M1.
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(r.pageAt(maMember, "me")), chromedp.WaitVisible(`#entries li[data-ref=A1]`))
	if txt := browsertest.Run(b, chromedp.Text(`#entries li[data-ref=A1]`)); !strings.Contains(txt, "✓") || !strings.Contains(txt, "M1") || !strings.Contains(txt, "scanned") {
		t.Errorf("the member's A1 entry says %q, want ✓ QR scanned by M1", txt)
	}
}

// TestMiniAppMemberRefusals calls every route of the member's and the
// organizer's pages as every kind of wrong caller against the real binary:
// no initData, forged, expired, a stranger (refused everywhere), a plain
// member (refused the organizer's and the liaison's routes) and another
// community's secretary (refused dongan's scan and objects; their own
// community's lists show nothing of dongan). Nothing changes: no sign-up,
// no claim, no participation, no audit entry.
func TestMiniAppMemberRefusals(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	memberDistrict(t, e)
	e.mustRun("community", "add", "--id", "xiyuan", "--name", "Xiyuan")
	e.mustRun("members", "import", "--community", "xiyuan", writeFile(t, "x.csv",
		"telegram_id,name,unit,building,skills,role\n30001,Zhao Gang,District Court,Block 9,law,secretary\n"))
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)
	api := r.base + "/api/"
	_, mc := apiCall(t, "GET", api+"mycode", signed(maMember, "en", tg.Token, testNow), nil)
	code, _ := mc["code"].(string)
	if !strings.HasPrefix(code, "LLS1.dongan.M2.") {
		t.Fatalf("GET mycode as M2 = %v", mc)
	}
	auditBefore, _ := e.st.AuditLog(ctx, "dongan", 1000, time.Time{})

	type route struct {
		method, path string
		body         any
		organizer    bool // the committee's or a team leader's, or a liaison's
		mutates      bool // a member's own step (tried only by those refused)
	}
	routes := []route{
		{"GET", "mycode", nil, false, false},
		{"GET", "upcoming", nil, false, false},
		{"POST", "activities/A1/signup", map[string]any{}, false, true},
		{"POST", "activities/A2/waitlist", map[string]any{}, false, true},
		{"GET", "posts", nil, false, false},
		{"POST", "posts/P1/claim", map[string]any{}, false, true},
		{"GET", "scan", nil, true, false},
		{"POST", "scan/A1", map[string]string{"code": code}, true, false},
		{"GET", "unit", nil, true, false},
		{"GET", "needs/mine", nil, false, false},
	}
	callers := []struct {
		name, initData string
		want           func(route) []int
	}{
		{"no initData", "", func(route) []int { return []int{401} }},
		{"forged", signed(maSecretary, "en", "123:forged-token", testNow), func(route) []int { return []int{401} }},
		{"expired", signed(maSecretary, "en", tg.Token, testNow.Add(-2*time.Hour)), func(route) []int { return []int{401} }},
		{"stranger", signed(maStranger, "en", tg.Token, testNow), func(rt route) []int {
			if rt.path == "needs/mine" {
				return []int{200} // a resident's own needs (none): asking needs no membership
			}
			return []int{403}
		}},
		{"member", signed(maMember, "en", tg.Token, testNow), func(rt route) []int {
			if rt.organizer {
				return []int{403}
			}
			return []int{200}
		}},
		{"other community's secretary", signed(maOtherSec, "en", tg.Token, testNow), func(rt route) []int {
			switch rt.path {
			case "mycode", "upcoming", "posts", "scan", "needs/mine":
				return []int{200} // their own community's
			case "activities/A1/signup", "activities/A2/waitlist", "posts/P1/claim":
				return []int{404} // no such activity or post in xiyuan
			}
			return []int{403} // dongan's code; no unit of theirs
		}},
	}
	for _, c := range callers {
		for _, rt := range routes {
			if c.name == "member" && rt.mutates {
				continue
			}
			status, out := apiCall(t, rt.method, api+rt.path, c.initData, rt.body)
			if want := c.want(rt); !slices.Contains(want, status) {
				t.Errorf("%s: %s %s = %d %v, want one of %v", c.name, rt.method, rt.path, status, out, want)
			}
			if status >= 400 && out["error"] == nil {
				t.Errorf("%s: %s %s = %d without an error code", c.name, rt.method, rt.path, status)
			}
			js := fmt.Sprint(out)
			switch {
			case status == 401 && (len(out) != 1 || out["error"] != "unauthorized"):
				t.Errorf("%s: %s %s answered %v, want only unauthorized", c.name, rt.method, rt.path, out)
			case c.name == "other community's secretary" && (strings.Contains(js, "Street lamp") || strings.Contains(js, "Stairwell") || strings.Contains(js, "Wang Fang")):
				t.Errorf("xiyuan's secretary: %s %s leaks dongan's data: %v", rt.method, rt.path, out)
			case c.name != "no initData" && strings.Contains(js, "floor 3"):
				t.Errorf("%s: %s %s shows M3's need: %v", c.name, rt.method, rt.path, out)
			case c.name == "member" && (strings.Contains(js, "Li Xiulan") || strings.Contains(js, "Chen Jing")):
				t.Errorf("member: %s %s shows another member: %v", rt.method, rt.path, out)
			}
		}
	}
	if status, out := apiCall(t, "POST", api+"scan/A1", signed(maOtherSec, "en", tg.Token, testNow), map[string]string{"code": code}); out["detail"] != ll.ReasonScanCommunity {
		t.Errorf("xiyuan's secretary scanning dongan's code = %d %v, want scan_community", status, out)
	}
	// No effect.
	if ids, _ := e.st.SignedUp(ctx, "dongan", "A1"); len(ids) != 0 {
		t.Errorf("A1's sign-ups after the refusals = %v", ids)
	}
	if hs, _ := e.st.Holders(ctx, "dongan", "P1"); len(hs) != 0 {
		t.Errorf("P1's holders after the refusals = %v", hs)
	}
	if ps, _ := e.st.Participations(ctx, "dongan", "M2"); len(ps) != 0 {
		t.Errorf("M2's participations after the refusals = %+v", ps)
	}
	if after, _ := e.st.AuditLog(ctx, "dongan", 1000, time.Time{}); len(after) != len(auditBefore) {
		t.Errorf("dongan's audit log grew from %d to %d entries on refusals", len(auditBefore), len(after))
	}
	// The code, never scanned, still checks M2 in for the secretary.
	status, out := apiCall(t, "POST", api+"scan/A1", signed(maSecretary, "en", tg.Token, testNow), map[string]string{"code": code})
	if status != 200 || out["changed"] != true {
		t.Errorf("the secretary's scan after the refusals = %d %v, want M2 checked in", status, out)
	}
}

// TestMiniAppMenuButtonForLeaders: a team leader's private chat gets the
// Mini App as its menu button (setChatMenuButton) with the member's command
// menu (setMyCommands), when /help sets the menu.
func TestMiniAppMenuButtonForLeaders(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	ctx := context.Background()
	team, err := e.st.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "Lamps", Leaders: []string{"M2"}, Created: testNow}, nil)
	if err != nil || len(team.Leaders) != 1 {
		t.Fatalf("CreateTeam = %+v, %v", team, err)
	}
	tg := telegramtest.NewServer(t)
	const public = "https://bot.example.org/app"
	startMiniApp(t, e, tg, map[string]string{"LAMPLIGHTER_WEBAPP_URL": public})
	say(t, tg, maMember, "/help", "")
	find := func(method string) string {
		for _, c := range tg.Calls(method) {
			if c.ChatID == maMember {
				return fmt.Sprint(c.Params)
			}
		}
		return ""
	}
	tg.Wait("the leader's menu button", func() bool { return find("setChatMenuButton") != "" && find("setMyCommands") != "" })
	if b := find("setChatMenuButton"); !strings.Contains(b, `"web_app"`) || !strings.Contains(b, public) {
		t.Errorf("the team leader's menu button = %s, want the Mini App", b)
	}
	if cmds := find("setMyCommands"); !strings.Contains(cmds, "mycode") || strings.Contains(cmds, "newpost") {
		t.Errorf("the team leader's commands = %s, want the member's (with mycode, without newpost)", cmds)
	}
}
