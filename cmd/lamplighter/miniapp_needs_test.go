package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-telegram/bot/models"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/lamplighter-bot/lamplighter/web"
	"github.com/lamplighter-bot/lamplighter/web/browsertest"
)

// buttonsOf is the callback data of every inline button of a message.
func buttonsOf(c telegramtest.Call) []string {
	var kb models.InlineKeyboardMarkup
	if json.Unmarshal([]byte(c.ReplyMarkup), &kb) != nil {
		return nil
	}
	var out []string
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			out = append(out, b.CallbackData)
		}
	}
	return out
}

// sentWith counts the messages to chat that carry a button with data.
func sentWith(tg *telegramtest.Server, chat int64, data string) int {
	n := 0
	for _, c := range tg.Sent(chat) {
		for _, d := range buttonsOf(c) {
			if d == data {
				n++
				break
			}
		}
	}
	return n
}

// askNeed stores a new need of dongan from resident asker.
func askNeed(t *testing.T, e *testEnv, asker int64, text, token string) ll.Need {
	t.Helper()
	n, _, err := e.st.CreateNeed(context.Background(), ll.Need{Community: "dongan", Text: text, Helpers: 1, AskerID: asker,
		AskerLang: "zh", Status: ll.NeedNew, Created: testNow}, token)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMiniAppNeedsActions drives the needs board's actions and the taker's
// [Mark done] through the API of the real binary on real Redis, as the
// page calls them: the secretary publishes a need (each recipient gets one
// announcement through the outbox with the take button, as /publish sends
// it); a second publish without again is refused and changes nothing; bad
// helpers, due date or audience are refused by field; the member takes it
// in the chat, someone else cannot mark it done, the member marks it done
// with a note and the resident gets the [Solved] / [Not yet] message once,
// a repeat changing nothing; a taken need is released (the old taker told
// once) and a repeat releases nobody. The audit entries name the web app.
func TestMiniAppNeedsActions(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	miniAppDistrict(t, e)
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)
	api := r.base + "/api/"
	sec := signed(maSecretary, "zh", tg.Token, testNow)
	mem := signed(maMember, "zh", tg.Token, testNow)
	const asker = 30009
	n := askNeed(t, e, asker, "楼道灯坏了，需要换灯泡", "web-publish")
	take := "nt:dongan:" + n.ID

	// The member may not publish; bad input is refused by its field.
	if status, out := apiCall(t, "POST", api+"needs/"+n.ID+"/publish", mem, map[string]any{"helpers": 2}); status != 403 {
		t.Errorf("publish as a member = %d %v, want 403", status, out)
	}
	today := testNow.In(time.FixedZone("CST", 8*3600))
	for _, c := range []struct {
		body   map[string]any
		detail string
	}{
		{map[string]any{"helpers": 99}, "helpers"},
		{map[string]any{"due": today.AddDate(0, 0, -1).Format(time.DateOnly)}, "due"},
		{map[string]any{"due": today.AddDate(0, 0, ll.MaxNeedDueDays+2).Format(time.DateOnly)}, "due"},
		{map[string]any{"due": "next week"}, "due"},
		{map[string]any{"audience": "nonsense"}, "audience"},
	} {
		if status, out := apiCall(t, "POST", api+"needs/"+n.ID+"/publish", sec, c.body); status != 400 || out["detail"] != c.detail {
			t.Errorf("publish %v = %d %v, want 400 %s", c.body, status, out, c.detail)
		}
	}
	if got, _ := e.st.Need(ctx, "dongan", n.ID); got.Status != ll.NeedNew {
		t.Fatalf("%s after refused publishes = %+v, want still new", n.ID, got)
	}

	// The secretary publishes it with the form's values.
	due := today.AddDate(0, 0, 3).Format(time.DateOnly)
	status, out := apiCall(t, "POST", api+"needs/"+n.ID+"/publish", sec, map[string]any{"helpers": 2, "due": due, "skills": "电工"})
	row, _ := out["need"].(map[string]any)
	if status != 200 || out["changed"] != true || row == nil || row["status"] != "published" || row["helpers"] != float64(2) || row["due"] != due {
		t.Fatalf("publish %s = %d %v, want 200 published, 2 helpers, due %s", n.ID, status, out, due)
	}
	sent := int(out["sent"].(float64))
	if sent != 2 || out["audience"] != "all" {
		t.Errorf("publish %s reached %v (%v), want both members of dongan (no one has the skill: all)", n.ID, sent, out["audience"])
	}
	tg.Wait("each member's announcement with the take button", func() bool {
		return sentWith(tg, maSecretary, take) == 1 && sentWith(tg, maMember, take) == 1
	})
	for _, c := range tg.Sent(maMember) {
		if slicesContain(buttonsOf(c), take) && (!strings.Contains(c.Text, n.ID) || !strings.Contains(c.Text, "楼道灯坏了") || !strings.Contains(c.Text, due)) {
			t.Errorf("the announcement reads %q, want the need's id, text and due date as /publish words it", c.Text)
		}
	}
	// A double tap: refused as published already, with the need as it is;
	// no second round.
	status, out = apiCall(t, "POST", api+"needs/"+n.ID+"/publish", sec, map[string]any{"helpers": 2, "due": due})
	if rec, _ := out["record"].(map[string]any); status != 409 || out["detail"] != ll.ReasonNeedState || rec == nil || rec["status"] != "published" {
		t.Errorf("publish %s again without again = %d %v, want 409 need_state with the need published", n.ID, status, out)
	}
	if got, _ := e.st.Need(ctx, "dongan", n.ID); got.Round != 1 || got.Helpers != 2 {
		t.Errorf("%s after the double tap = round %d, %d helpers; want round 1, 2 helpers", n.ID, got.Round, got.Helpers)
	}

	// The member takes it in the chat; the secretary (no taker) cannot
	// mark it done, nor can the other community's secretary.
	say(t, tg, maMember, "/take "+n.ID, n.ID)
	if status, out := apiCall(t, "POST", api+"needs/"+n.ID+"/done", sec, map[string]string{"note": "好了"}); status != 403 || out["detail"] != ll.ReasonNotTaker {
		t.Errorf("done by a non-taker = %d %v, want 403 not_taker", status, out)
	}
	if status, out := apiCall(t, "POST", api+"needs/"+n.ID+"/done", signed(maOtherSec, "zh", tg.Token, testNow), nil); status != 404 {
		t.Errorf("done by xiyuan's secretary = %d %v, want 404", status, out)
	}
	if status, out := apiCall(t, "POST", api+"needs/"+n.ID+"/done", mem, map[string]string{"note": strings.Repeat("长", ll.MaxNeedNoteLen+1)}); status != 400 || out["detail"] != "note" {
		t.Errorf("done with a note too long = %d %v, want 400 note", status, out)
	}
	// The member marks it done, twice: the resident is asked once.
	for i, want := range []bool{true, false} {
		status, out := apiCall(t, "POST", api+"needs/"+n.ID+"/done", mem, map[string]string{"note": "换了新灯泡"})
		row, _ := out["need"].(map[string]any)
		if status != 200 || out["changed"] != want || out["committee"] != false || row == nil || row["status"] != "done" {
			t.Errorf("done #%d = %d %v, want 200 done changed=%v, the asker decides", i+1, status, out, want)
		}
	}
	solved, notYet := "ns:dongan:"+n.ID, "nn:dongan:"+n.ID
	tg.Wait("the resident asked to confirm", func() bool { return sentWith(tg, asker, solved) == 1 })
	for _, c := range tg.Sent(asker) {
		if bs := buttonsOf(c); slicesContain(bs, solved) {
			if !slicesContain(bs, notYet) || !strings.Contains(c.Text, "王芳") || !strings.Contains(c.Text, "换了新灯泡") || strings.Contains(c.Text, fmt.Sprint(maMember)) {
				t.Errorf("the resident's confirmation reads %q with %v, want the taker's name, the note and both buttons, no Telegram id", c.Text, bs)
			}
		}
	}
	// The resident answers in the chat: solved, M2's participation.
	tg.PushUpdate(models.Update{CallbackQuery: &models.CallbackQuery{ID: "cq-solved", From: models.User{ID: asker},
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{ID: 1, Chat: models.Chat{ID: asker}}},
		Data:    solved}})
	tg.Wait("the need solved", func() bool { got, _ := e.st.Need(ctx, "dongan", n.ID); return got.Status == ll.NeedSolved })
	if ps, _ := e.st.Participations(ctx, "dongan", "M2"); len(ps) != 1 || ps[0].Ref != n.ID || ps[0].Method != ll.MethodConfirmed {
		t.Errorf("M2's participations = %+v, want %s confirmed", ps, n.ID)
	}
	if got := sentWith(tg, asker, solved); got != 1 {
		t.Errorf("the resident was asked %d times, want once", got)
	}

	// A need the member asked for and took themselves: done goes to the
	// committee, whose members (the secretary) are told once; the resident
	// is asked nothing.
	own := askNeed(t, e, maMember, "修一下自家门口的灯", "web-own")
	if status, out := apiCall(t, "POST", api+"needs/"+own.ID+"/publish", sec, nil); status != 200 {
		t.Fatalf("publish %s = %d %v", own.ID, status, out)
	}
	tg.Wait("the member got the announcement", func() bool { return sentWith(tg, maMember, "nt:dongan:"+own.ID) >= 1 })
	say(t, tg, maMember, "/take "+own.ID, own.ID)
	for i, want := range []bool{true, false} {
		status, out := apiCall(t, "POST", api+"needs/"+own.ID+"/done", mem, nil)
		row, _ := out["need"].(map[string]any)
		if status != 200 || out["changed"] != want || out["committee"] != true || row == nil || row["pending"] != true {
			t.Errorf("done %s (own) #%d = %d %v, want 200 pending on the committee, changed=%v", own.ID, i+1, status, out, want)
		}
	}
	pendingTold := func() int {
		k := 0
		for _, c := range tg.Sent(maSecretary) {
			if strings.Contains(c.Text, own.ID) && strings.Contains(c.Text, "待大党委确认") {
				k++
			}
		}
		return k
	}
	tg.Wait("the committee told of the need awaiting it", func() bool { return pendingTold() >= 1 })
	if sentWith(tg, maMember, "ns:dongan:"+own.ID) != 0 {
		t.Errorf("the member, asker of their own need, was asked to confirm it")
	}

	// Release: a second need published and taken, released from the board.
	n2 := askNeed(t, e, asker, "帮忙搬一下旧家具", "web-release")
	if status, out := apiCall(t, "POST", api+"needs/"+n2.ID+"/release", sec, nil); status != 409 {
		t.Errorf("release a new need = %d %v, want 409", status, out)
	}
	if status, out := apiCall(t, "POST", api+"needs/"+n2.ID+"/publish", sec, nil); status != 200 {
		t.Fatalf("publish %s with the defaults = %d %v", n2.ID, status, out)
	}
	// The announcement first (it names the need too: /take's answer must
	// not be mistaken for it), then the take.
	tg.Wait("the member got the announcement", func() bool { return sentWith(tg, maMember, "nt:dongan:"+n2.ID) >= 1 })
	say(t, tg, maMember, "/take "+n2.ID, n2.ID)
	if status, out := apiCall(t, "POST", api+"needs/"+n2.ID+"/release", mem, nil); status != 403 {
		t.Errorf("release as the member = %d %v, want 403", status, out)
	}
	for i, want := range []bool{true, false} {
		status, out := apiCall(t, "POST", api+"needs/"+n2.ID+"/release", sec, nil)
		row, _ := out["need"].(map[string]any)
		if status != 200 || out["changed"] != want || row == nil || row["status"] != "published" || row["takers"] != nil {
			t.Errorf("release #%d = %d %v, want 200 published without takers, changed=%v", i+1, status, out, want)
		}
	}
	released := func() int {
		k := 0
		for _, c := range tg.Sent(maMember) {
			if strings.Contains(c.Text, n2.ID) && strings.Contains(c.Text, "收回") {
				k++
			}
		}
		return k
	}
	tg.Wait("the old taker told of the release", func() bool { return released() >= 1 })
	// Announcing it again (the chat's /publish on a published need): a
	// new round to each member, the take button again.
	// The page sends the round it shows: a double tap (or a retry) finds
	// the round moved on and announces nothing.
	for i, want := range []bool{true, false} {
		status, out = apiCall(t, "POST", api+"needs/"+n2.ID+"/publish", sec, map[string]any{"again": true, "round": 1})
		row, _ := out["need"].(map[string]any)
		if status != 200 || out["changed"] != want || row == nil || row["round"] != float64(2) {
			t.Errorf("announce %s again #%d = %d %v, want 200 round 2 changed=%v", n2.ID, i+1, status, out, want)
		}
	}
	tg.Wait("the second round's announcements", func() bool { return sentWith(tg, maMember, "nt:dongan:"+n2.ID) == 2 })
	if got, _ := e.st.Need(ctx, "dongan", n2.ID); got.Round != 2 {
		t.Errorf("%s after announcing again twice with round 1 = round %d, want 2", n2.ID, got.Round)
	}
	if k := released(); k != 1 {
		t.Errorf("the old taker was told of the release %d times, want once", k)
	}
	if k := pendingTold(); k != 1 {
		t.Errorf("the committee was told of %s awaiting it %d times, want once", own.ID, k)
	}

	audit, _ := e.st.AuditLog(ctx, "dongan", 100, time.Time{})
	for _, action := range []string{"need_publish", "need_release"} {
		found := false
		for _, a := range audit {
			found = found || a.Action == action && a.Actor == "M1" && strings.Contains(a.Detail, "via webapp")
		}
		if !found {
			t.Errorf("no %s by M1 via webapp in the audit log %+v", action, audit)
		}
	}
}

func slicesContain(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestMiniAppNeedsBrowser drives the needs actions in headless Chromium
// against the real binary on real Redis: the secretary publishes the new
// need N1 from the board with the form (two helpers, a due date), a double
// tap sends one request, and the row shows it published; the members get
// its announcement with the take button; a member takes it in the chat and
// marks it done from "my needs" with a note; the resident is asked to
// confirm once, with both buttons. No page overflows a 360-pixel phone.
func TestMiniAppNeedsBrowser(t *testing.T) {
	e := newTestEnv(t)
	memberDistrict(t, e) // N1 asked by Chen Jing (20003) as a resident
	tg := telegramtest.NewServer(t)
	r := startMiniApp(t, e, tg, nil)
	b := browsertest.New(t)
	const asker = 20003
	due := testNow.In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 5).Format(time.DateOnly)

	b.Do(browsertest.Phone(360), chromedp.Navigate(r.pageAt(maSecretary, "needs")),
		chromedp.WaitVisible(`#needs li[data-need=N1][data-status=new] [data-action=publish]`),
		chromedp.Click(`#needs li[data-need=N1] [data-action=publish]`),
		chromedp.WaitVisible(`#needs li[data-need=N1] [data-form=publish] input[name=helpers]`))
	if v := browsertest.Run(b, chromedp.Evaluate[string](`document.querySelector('#needs li[data-need=N1] input[name=due]').value`)); v == "" {
		t.Errorf("the form's due date is empty, want the default (%d days ahead)", ll.DefaultNeedDueDays)
	}
	browsertest.Run(b, chromedp.Evaluate[bool](fmt.Sprintf(`{ const f = document.querySelector('#needs li[data-need=N1] [data-form=publish]');
  f.querySelector('input[name=helpers]').value = '2'; f.querySelector('input[name=due]').value = %q; } true`, due)))
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("the publish form overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-needs-publish")
	// A double tap: the second press finds the button disabled.
	browsertest.Run(b, chromedp.Evaluate[bool](`{ const s = document.querySelector('#needs li[data-need=N1] [data-action=send-publish]'); s.click(); s.click(); } true`))
	b.Do(chromedp.WaitVisible(`#needs li[data-need=N1][data-status=published]`))
	if n := browsertest.Run(b, chromedp.Evaluate[int64](`performance.getEntriesByType('resource').filter(e => e.name.includes('/publish')).length`)); n != 1 {
		t.Errorf("a double tap on [Publish] made %d requests, want 1", n)
	}
	if txt := browsertest.Run(b, chromedp.Text(`#needs li[data-need=N1]`)); !strings.Contains(txt, "0 of 2 helpers") || !strings.Contains(txt, due) || strings.Contains(txt, "null") {
		t.Errorf("N1's row after publishing says %q, want 0 of 2 helpers, due %s", txt, due)
	}
	if got := browsertest.Run(b, chromedp.Evaluate[string](`[...document.querySelectorAll('#needs li[data-need=N1] [data-action]')].map(b => b.dataset.action).join(',')`)); got != "publish,decline" {
		t.Errorf("N1's buttons once published = %q, want publish (again),decline", got)
	}
	if n, _ := e.st.Need(context.Background(), "dongan", "N1"); n.Status != ll.NeedPublished || n.Helpers != 2 || n.Round != 1 {
		t.Errorf("N1 = %+v, want published once, 2 helpers", n)
	}
	tg.Wait("the members' announcements", func() bool { return sentWith(tg, maMember, "nt:dongan:N1") == 1 })
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("the board overflows a 360-pixel phone by %d px", o)
	}
	saveScreenshot(t, b, "miniapp-needs-published")
	// Declining another need asks for the reason; the row then says so.
	n2 := askNeed(t, e, 30009, "Paint the corridor", "browser-decline")
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(r.pageAt(maSecretary, "needs")),
		chromedp.WaitVisible(`#needs li[data-need=`+n2.ID+`] [data-action=decline]`),
		chromedp.Click(`#needs li[data-need=`+n2.ID+`] [data-action=decline]`),
		chromedp.Click(`#needs li[data-need=`+n2.ID+`] [data-action=confirm-decline]`))
	if st := browsertest.Run(b, chromedp.Evaluate[string](`document.querySelector('#needs li[data-need=`+n2.ID+`]').dataset.status`)); st != "new" {
		t.Errorf("declining without a reason left %s %q, want still new", n2.ID, st)
	}
	b.Do(chromedp.SendKeys(`#reason-`+n2.ID, "Not a community service"),
		chromedp.Click(`#needs li[data-need=`+n2.ID+`] [data-action=confirm-decline]`),
		chromedp.WaitVisible(`#needs li[data-need=`+n2.ID+`][data-status=declined]`))
	if txt := browsertest.Run(b, chromedp.Text(`#needs li[data-need=`+n2.ID+`]`)); !strings.Contains(txt, "declined") || !strings.Contains(txt, "Not a community service") || strings.Contains(txt, "webapp.") {
		t.Errorf("%s's row after declining says %q, want declined with the reason", n2.ID, txt)
	}

	// Wang Fang takes it in the chat (1 of 2: still published) and marks it
	// done in the app.
	say(t, tg, maMember, "/take N1", "N1")
	b.Do(chromedp.Navigate("about:blank"), chromedp.Navigate(r.pageAt(maMember, "myneeds")),
		chromedp.WaitVisible(`#needs-taken li[data-need=N1][data-status=published] [data-action=done]`),
		chromedp.Click(`#needs-taken li[data-need=N1] [data-action=done]`),
		chromedp.WaitVisible(`#note-N1`), chromedp.SendKeys(`#note-N1`, "New bulb fitted"))
	saveScreenshot(t, b, "miniapp-myneeds-done")
	b.Do(chromedp.Click(`#needs-taken li[data-need=N1] [data-action=confirm-done]`),
		chromedp.WaitVisible(`#needs-taken li[data-need=N1][data-status=done]`))
	if n := browsertest.Run(b, chromedp.Evaluate[int64](`document.querySelectorAll('#needs-taken li[data-need=N1] [data-action]').length`)); n != 0 {
		t.Errorf("N1 done still has %d buttons, want none", n)
	}
	if o := browsertest.HorizontalOverflow(b); o != 0 {
		t.Errorf("my needs overflows a 360-pixel phone by %d px", o)
	}
	tg.Wait("the resident asked to confirm", func() bool { return sentWith(tg, asker, "ns:dongan:N1") == 1 })
	for _, c := range tg.Sent(asker) {
		if bs := buttonsOf(c); slicesContain(bs, "ns:dongan:N1") && (!slicesContain(bs, "nn:dongan:N1") || !strings.Contains(c.Text, "New bulb fitted")) {
			t.Errorf("the resident's confirmation %q with %v: want the note and both buttons", c.Text, bs)
		}
	}
}

// TestMiniAppNeedsRoundTrips counts the Redis round trips of the needs
// actions (storagetest's counting hook, as TestMiniAppCommitteeRoundTrips
// does) on the demo district, then with 500 more members: publish (the
// audience is everyone: the store's member pages, then one broadcast),
// announce again, the taker's done, release. Done and release never depend
// on the community's size.
func TestMiniAppNeedsRoundTrips(t *testing.T) {
	ctx := context.Background()
	st, counter := storagetest.NewCountedStore(t)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := seedDemo(ctx, st, testNow); err != nil {
		t.Fatal(err)
	}
	const token = "1:cost"
	ap := app.New(st)
	srv := httptest.NewServer(web.NewMiniApp(web.MiniAppConfig{App: ap, BotToken: token, Outbox: st, Now: func() time.Time { return testNow },
		NeedAnnouncement: handlers.NeedAnnouncement, NeedConfirmAsk: handlers.NeedConfirmAsk}))
	defer srv.Close()
	const takerTG = 10007 // M7 of the demo
	do := func(tgID int64, path string, body string) int64 {
		t.Helper()
		counter.Reset()
		req, _ := http.NewRequest("POST", srv.URL+"/api/"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "tma "+signed(tgID, "zh", token, testNow))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s = %d", path, resp.StatusCode)
		}
		return counter.RoundTrips()
	}
	round := 0
	measure := func() map[string]int64 {
		out := map[string]int64{}
		take := func(id string) {
			a, err := ap.Sessions.Actor(ctx, takerTG, false, app.ChannelChat, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ap.Needs.Take(ctx, a, "", id); err != nil {
				t.Fatalf("take %s: %v", id, err)
			}
		}
		for _, step := range []string{"done", "release"} {
			round++
			n, _, err := st.CreateNeed(ctx, ll.Need{Community: demoCommunity, Text: "需要帮助", AskerID: int64(90000 + round), AskerLang: "zh", Created: testNow}, fmt.Sprint("rt", round))
			if err != nil {
				t.Fatal(err)
			}
			if step == "done" {
				out["publish"] = do(demoSecretaryTG, "needs/"+n.ID+"/publish", `{"helpers": 1}`)
				out["publish again"] = do(demoSecretaryTG, "needs/"+n.ID+"/publish", `{"again": true}`)
				take(n.ID)
				out["done"] = do(takerTG, "needs/"+n.ID+"/done", `{"note": "好了"}`)
				continue
			}
			do(demoSecretaryTG, "needs/"+n.ID+"/publish", `{}`)
			take(n.ID)
			out["release"] = do(demoSecretaryTG, "needs/"+n.ID+"/release", ``)
		}
		return out
	}
	small := measure()
	sc, err := ap.Access.Committee(ctx, app.Operator(demoCommunity, testNow))
	if err != nil {
		t.Fatal(err)
	}
	var ms []ll.Member
	for i := range 500 {
		ms = append(ms, ll.Member{TelegramID: int64(700000 + i), Name: fmt.Sprintf("成员%d", i), Status: ll.StatusActive})
	}
	if _, err := ap.Members.Import(ctx, &sc, ms, "cost test"); err != nil {
		t.Fatal(err)
	}
	large := measure()
	for _, name := range []string{"publish", "publish again", "done", "release"} {
		t.Logf("%-14s %d round trips (%d members: %d)", name, small[name], 500+len(demoMembers), large[name])
		if small[name] > 12 || large[name] > small[name]+2 {
			t.Errorf("%s: %d round trips, %d with 500 more members; want at most 12, and no more than 2 more", name, small[name], large[name])
		}
	}
}
