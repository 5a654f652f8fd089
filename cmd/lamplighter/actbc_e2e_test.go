package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// attachedCopy is the broadcast message (header "📢 东安社区") a chat got,
// with its button's data; ok false while it has none.
func attachedCopy(tg *telegramtest.Server, chat int64) (telegramtest.Call, string, bool) {
	for _, c := range tg.Sent(chat) {
		if c.Method != "sendMessage" || !strings.HasPrefix(telegramtest.Visible(c.Text, c.ParseMode), "📢 东安社区") {
			continue
		}
		var kb models.InlineKeyboardMarkup
		if json.Unmarshal([]byte(c.ReplyMarkup), &kb) != nil || len(kb.InlineKeyboard) != 1 || len(kb.InlineKeyboard[0]) != 1 {
			return c, "", false
		}
		return c, kb.InlineKeyboard[0][0].CallbackData, true
	}
	return telegramtest.Call{}, "", false
}

// edits are the editMessageText calls that changed message id in chat.
func edits(tg *telegramtest.Server, chat int64, id int) []string {
	var out []string
	for _, c := range tg.Sent(chat) {
		if c.Method == "editMessageText" && c.MessageID == id {
			out = append(out, telegramtest.Visible(c.Text, c.ParseMode))
		}
	}
	return out
}

// broadcastAttached imports n members (Telegram ids from base), runs the
// bot, has the secretary send "/broadcast all <args>" and waits until each
// of those members got the message with its button.
func broadcastAttached(t *testing.T, e *testEnv, n int, base int64, args string) (*telegramtest.Server, *botRun, []int64) {
	t.Helper()
	var ms []ll.Member
	var chats []int64
	for i := range n {
		ms = append(ms, ll.Member{Name: fmt.Sprintf("志愿者%d", i), Unit: "第一小学", TelegramID: base + int64(i)})
		chats = append(chats, base+int64(i))
	}
	if _, err := e.st.ImportMembers(context.Background(), "dongan", ms, testNow, nil); err != nil {
		t.Fatal(err)
	}
	tg := telegramtest.NewServer(t)
	r := startBot(t, e, tg, map[string]string{"LAMPLIGHTER_RATE": "500"})
	const secretary = 10001
	confirm := say(t, tg, secretary, "/broadcast all "+args, fmt.Sprint(n+2))
	k := len(tg.Sent(secretary))
	tg.PushCallback(secretary, confirm.MessageID, firstButton(t, confirm))
	expect(t, tg, secretary, k, "群发：all")
	tg.Wait(fmt.Sprintf("the broadcast with its button delivered to %d members", n), func() bool {
		for _, chat := range chats {
			if _, _, ok := attachedCopy(tg, chat); !ok {
				return false
			}
		}
		return true
	})
	return tg, r, chats
}

// TestEndToEndBroadcastAttachedPostRace: a broadcast carries post P1 (3
// places) to 52 members; 50 press [Claim] at once. Exactly 3 hold it;
// each presser's own message is edited once with their result and the
// count, and the messages of those who did not press are left alone.
func TestEndToEndBroadcastAttachedPostRace(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	ctx := context.Background()
	p, err := e.st.CreatePost(ctx, ll.Post{Community: "dongan", Title: "楼道照明巡查", Mode: ll.ModeClaimed, Capacity: 3, Created: testNow}, nil)
	if err != nil || p.ID != "P1" {
		t.Fatalf("CreatePost = %+v, %v", p, err)
	}
	tg, r, chats := broadcastAttached(t, e, 50, 50000, "P1 三个名额，先到先得")

	msgs := map[int64]int{}
	var wg sync.WaitGroup
	for _, chat := range chats {
		c, data, _ := attachedCopy(tg, chat)
		if !strings.Contains(telegramtest.Visible(c.Text, c.ParseMode), "三个名额，先到先得") || !strings.HasSuffix(data, ":P1") {
			t.Fatalf("member %d got %q with button %q", chat, c.Text, data)
		}
		msgs[chat] = c.MessageID
		wg.Add(1)
		go func() {
			defer wg.Done()
			tg.PushCallback(chat, c.MessageID, data)
		}()
	}
	wg.Wait()
	tg.Wait("each presser's message edited", func() bool {
		for _, chat := range chats {
			if len(edits(tg, chat, msgs[chat])) == 0 {
				return false
			}
		}
		return true
	})
	won := map[string]bool{}
	full := 0
	for _, chat := range chats {
		ed := edits(tg, chat, msgs[chat])
		if len(ed) != 1 {
			t.Errorf("member %d's message was edited %d times: %q", chat, len(ed), ed)
			continue
		}
		switch got := ed[0]; {
		case strings.Contains(got, "P1 已由您认领 — "):
			i := strings.Index(got, "P1 已由您认领 — ")
			won[strings.TrimSpace(got[i+len("P1 已由您认领 — "):])] = true
		case strings.Contains(got, "❌ P1 名额已满") && strings.Contains(got, "3/3"):
			full++
		default:
			t.Errorf("member %d's message became %q", chat, got)
		}
		if got := ed[0]; !strings.Contains(got, "三个名额，先到先得") || !strings.Contains(got, "楼道照明巡查") {
			t.Errorf("member %d's edited message lost the broadcast's text or card: %q", chat, got)
		}
	}
	if len(won) != 3 || !won["1/3"] || !won["2/3"] || !won["3/3"] || full != 47 {
		t.Errorf("claims shown %v and %d refusals, want 1/3, 2/3, 3/3 and 47", won, full)
	}
	if p, err := e.st.Post(ctx, "dongan", "P1"); err != nil || p.Claims != 3 {
		t.Errorf("P1 holds %d claims (%v), want 3", p.Claims, err)
	}
	tg.Wait("the copies of the two who did not press", func() bool {
		_, _, ok1 := attachedCopy(tg, 10001)
		_, _, ok2 := attachedCopy(tg, 20002)
		return ok1 && ok2
	})
	for _, chat := range []int64{10001, 20002} { // in the audience, did not press
		if c, _, ok := attachedCopy(tg, chat); !ok || len(edits(tg, chat, c.MessageID)) != 0 {
			t.Errorf("member %d: copy %v, edits %q; want the message, unedited", chat, ok, edits(tg, chat, c.MessageID))
		}
	}
	r.stop()
}

// TestEndToEndBroadcastAttachedActivity: a broadcast carries activity A1;
// a press signs up and edits that message with "已报名 — n/10"; a press
// after the activity was cancelled says so.
func TestEndToEndBroadcastAttachedActivity(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	ctx := context.Background()
	a, err := e.st.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: "周末清扫", Place: "东门",
		Start: testNow.Add(48 * time.Hour), End: testNow.Add(50 * time.Hour), Capacity: 10, Created: testNow}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tg, r, chats := broadcastAttached(t, e, 3, 60000, a.ID)
	for i, chat := range chats[:2] {
		c, data, _ := attachedCopy(tg, chat)
		tg.PushCallback(chat, c.MessageID, data)
		want := fmt.Sprintf("✅ 已报名 — %d/10", i+1)
		tg.Wait("the sign-up shown", func() bool {
			ed := edits(tg, chat, c.MessageID)
			return len(ed) == 1 && strings.Contains(ed[0], want) && strings.Contains(ed[0], "周末清扫")
		})
	}
	if ids, err := e.st.SignedUp(ctx, "dongan", a.ID); err != nil || len(ids) != 2 {
		t.Errorf("SignedUp(A1) = %v, %v; want 2", ids, err)
	}
	say(t, tg, 10001, "/cancelactivity A1 下雨", "A1")
	c, data, _ := attachedCopy(tg, chats[2])
	tg.PushCallback(chats[2], c.MessageID, data)
	tg.Wait("the stale press answered", func() bool {
		ed := edits(tg, chats[2], c.MessageID)
		return len(ed) == 1 && strings.Contains(ed[0], "❌ A1 已取消")
	})
	r.stop()
}
