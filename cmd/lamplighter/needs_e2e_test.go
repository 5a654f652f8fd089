package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// buttonData is the callback data of every inline button of a message.
func buttonData(t *testing.T, c telegramtest.Call) []string {
	t.Helper()
	var kb models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(c.ReplyMarkup), &kb); err != nil {
		t.Fatalf("message %q has no inline keyboard: %q (%v)", c.Text, c.ReplyMarkup, err)
	}
	var out []string
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			out = append(out, b.CallbackData)
		}
	}
	return out
}

// TestEndToEndNeedLifeCycle runs "lamplighter run" against the fake Bot
// API on real Redis: a resident who is no member asks through the need
// link; the secretary publishes the need wanting 2 helpers to 200 members;
// all 200 press [我来] at once; exactly 2 take it and the others read
// "already taken"; the asker hears that help is coming; a taker says /done;
// the asker confirms; each taker has one ledger row of kind need.
func TestEndToEndNeedLifeCycle(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	ctx := context.Background()
	var extra []ll.Member
	for i := range 200 {
		extra = append(extra, ll.Member{Name: "志愿者", Unit: "第一小学", TelegramID: int64(60000 + i)})
	}
	if _, err := e.st.ImportMembers(ctx, "dongan", extra, testNow, nil); err != nil {
		t.Fatal(err)
	}
	tg := telegramtest.NewServer(t)
	r := startBot(t, e, tg, map[string]string{"LAMPLIGHTER_RATE": "1000"})
	const secretary, resident = 10001, 90001

	// The resident's intake, with hostile text: escaped on every screen.
	say(t, tg, resident, "/start need_dongan", "您需要什么帮助")
	ask := say(t, tg, resident, "3栋<b>楼道灯</b>坏了 & 很黑", "跳过")
	n := len(tg.Sent(resident))
	tg.PushCallback(resident, ask.MessageID, firstButton(t, ask))
	expect(t, tg, resident, n, "N1")

	board := say(t, tg, secretary, "/needs", "N1")
	if !strings.Contains(telegramtest.Visible(board.Text, board.ParseMode), "3栋<b>楼道灯</b>坏了 & 很黑") {
		t.Errorf("the board shows %q, want the resident's text as typed (escaped)", board.Text)
	}
	if got := buttonData(t, board); len(got) < 2 || got[0] != "np:N1" || got[1] != "nd:N1" {
		t.Errorf("board buttons = %v, want [Publish] and [Decline] of N1", got)
	}
	// The audience is the 200 plus 王芳 (20002), also of 第一小学.
	say(t, tg, secretary, "/publish N1 unit:第一小学 helpers=2", "已发布给 201")

	// Every member gets the announcement with the take button.
	announcement := map[int64]telegramtest.Call{}
	tg.Wait("the need announced to 200 members", func() bool {
		for _, m := range extra {
			if _, ok := announcement[m.TelegramID]; ok {
				continue
			}
			for _, c := range tg.Sent(m.TelegramID) {
				if strings.Contains(c.Text, "N1") && strings.Contains(c.ReplyMarkup, "nt:dongan:N1") {
					announcement[m.TelegramID] = c
				}
			}
		}
		return len(announcement) == len(extra)
	})
	// 200 presses at once (and a double tap by the first).
	for _, m := range extra {
		tg.PushCallback(m.TelegramID, announcement[m.TelegramID].MessageID, "nt:dongan:N1")
	}
	tg.PushCallback(extra[0].TelegramID, announcement[extra[0].TelegramID].MessageID, "nt:dongan:N1")
	edits := func() (yours, taken int) {
		for _, c := range tg.Calls("editMessageText") {
			v := telegramtest.Visible(c.Text, c.ParseMode)
			switch {
			case strings.Contains(v, "N1 由您认领"):
				yours++
			case strings.Contains(v, "N1 已被认领"):
				taken++
			}
		}
		return
	}
	tg.Wait("every press answered by an edit of the presser's message", func() bool {
		y, k := edits()
		return y+k >= len(extra)+1
	})
	need, err := e.st.Need(ctx, "dongan", "N1")
	if err != nil || len(need.Takers) != 2 || need.Status != ll.NeedTaken {
		t.Fatalf("N1 = %+v, %v; want exactly 2 takers, taken", need, err)
	}
	yours, taken := edits()
	// The two takers' messages say it is theirs; a double tap by a taker
	// says so again; everyone else reads "already taken".
	double := 0
	if need.HasTaker("M3") { // extra[0] is M3 (after the secretary M1 and the member M2)
		double = 1
	}
	if yours != 2+double || taken != len(extra)-2+1-double {
		t.Errorf("edits: %d \"yours\", %d \"already taken\"; want %d and %d", yours, taken, 2+double, len(extra)-1-double)
	}
	coming := expect(t, tg, resident, 0, "将来帮助您")
	if strings.Contains(coming.Text, "60") && strings.Contains(coming.Text, "tg") {
		t.Errorf("the asker was told a Telegram id: %q", coming.Text)
	}
	tg.Wait("the asker told twice that help is coming", func() bool {
		k := 0
		for _, s := range sentTexts(tg, resident) {
			if strings.Contains(s, "将来帮助您") {
				k++
			}
		}
		return k == 2
	})

	// A taker says it is done; the asker confirms.
	takerTG := int64(0)
	for _, m := range extra {
		if mm, err := e.st.MemberByTelegram(ctx, "dongan", m.TelegramID); err == nil && need.HasTaker(mm.ID) {
			takerTG = m.TelegramID
			break
		}
	}
	if takerTG == 0 {
		t.Fatal("no taker found")
	}
	say(t, tg, takerTG, "/reply N1 我晚上7点到", "已转达")
	expect(t, tg, resident, 0, "我晚上7点到")
	// /done as the caption of a photo: the photo goes to the resident.
	n = len(tg.Sent(resident))
	m := len(tg.Sent(takerTG))
	caption := "/done N1 换好灯泡了"
	tg.PushMessage(takerTG, models.Message{Caption: caption, CaptionEntities: telegramtest.CommandEntities(caption),
		Photo: []models.PhotoSize{{FileID: "small-id", Width: 90}, {FileID: "photo-file-id", Width: 1280}}})
	expect(t, tg, takerTG, m, "已请居民确认")
	confirm := expect(t, tg, resident, n, "报告已完成")
	if confirm.Method != "sendPhoto" || confirm.Params["photo"] != "photo-file-id" {
		t.Errorf("the resident's confirmation is %s with photo %q, want the taker's photo by its file id", confirm.Method, confirm.Params["photo"])
	}
	if got := buttonData(t, confirm); len(got) != 2 || got[0] != "ns:dongan:N1" || got[1] != "nn:dongan:N1" {
		t.Fatalf("confirmation buttons = %v", got)
	}
	n = len(tg.Sent(resident))
	tg.PushCallback(resident, confirm.MessageID, "ns:dongan:N1")
	tg.PushCallback(resident, confirm.MessageID, "ns:dongan:N1") // a double tap
	expect(t, tg, resident, n, "N1 已解决")
	expect(t, tg, takerTG, 0, "计入您的服务台账")
	rows := 0
	for _, id := range need.Takers {
		ps, err := e.st.Participations(ctx, "dongan", id)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Ref == "N1" {
				rows++
				if p.Kind != ll.KindNeed || p.Method != ll.MethodConfirmed || p.VerifiedBy != "" {
					t.Errorf("participation of %s = %+v, want kind need, method confirmed, no verifier", id, p)
				}
			}
		}
	}
	if rows != 2 {
		t.Errorf("%d ledger rows for N1, want 2", rows)
	}
	if need, _ = e.st.Need(ctx, "dongan", "N1"); need.Status != ll.NeedSolved {
		t.Errorf("N1 is %s, want solved", need.Status)
	}
	r.stop()
}

// TestEndToEndNeedBlockedAsker: the resident blocked the bot after asking;
// Telegram answers 403 when they are told help is coming, which marks them
// unreachable; the helper's /done then goes to the committee instead of
// waiting for an answer that cannot come, and the committee approves it.
func TestEndToEndNeedBlockedAsker(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	ctx := context.Background()
	tg := telegramtest.NewServer(t)
	r := startBot(t, e, tg, map[string]string{"LAMPLIGHTER_RATE": "1000"})
	const secretary, member, resident = 10001, 20002, 90002

	say(t, tg, resident, "/start need_dongan", "您需要什么帮助")
	ask := say(t, tg, resident, "帮忙搬一下旧家具", "跳过")
	n := len(tg.Sent(resident))
	tg.PushCallback(resident, ask.MessageID, firstButton(t, ask))
	expect(t, tg, resident, n, "N1")
	say(t, tg, secretary, "/publish N1 all", "已发布给 2")
	ann := expect(t, tg, member, 0, "居民需要帮助")

	tg.FailNext(resident, 1, telegramtest.Blocked)
	n = len(tg.Sent(member))
	tg.PushCallback(member, ann.MessageID, firstButton(t, ann))
	expect(t, tg, member, n, "N1 由您认领")
	tg.Wait("the resident marked unreachable after the 403", func() bool {
		u, err := e.st.User(ctx, resident)
		return err == nil && u.Unreachable
	})
	n = len(tg.Sent(secretary))
	say(t, tg, member, "/done N1", "将由社区大党委确认")
	expect(t, tg, secretary, n, "N1 已完成，待大党委确认")
	say(t, tg, secretary, "/approve N1", "N1 已确认")
	m, err := e.st.MemberByTelegram(ctx, "dongan", member)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := e.st.Participations(ctx, "dongan", m.ID)
	if err != nil || len(ps) != 1 || ps[0].Method != ll.MethodApproval || ps[0].VerifiedBy != "M1" {
		t.Errorf("participations = %+v, %v; want one approved by M1", ps, err)
	}
	r.stop()
}
