package main

import (
	"context"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// TestEndToEndBroadcast runs "lamplighter run": the secretary broadcasts to
// the members of a unit; each gets the message once through the outbox
// sender, the secretary gets the progress message, and it is audited.
func TestEndToEndBroadcast(t *testing.T) {
	e := newTestEnv(t)
	setupDistrict(t, e)
	ctx := context.Background()
	var extra []ll.Member
	for i := range 20 {
		extra = append(extra, ll.Member{Name: "志愿者", Unit: "第一小学", TelegramID: int64(40000 + i)})
	}
	if _, err := e.st.ImportMembers(ctx, "dongan", extra, testNow, nil); err != nil {
		t.Fatal(err)
	}
	tg := telegramtest.NewServer(t)
	r := startBot(t, e, tg, map[string]string{"LAMPLIGHTER_RATE": "200"})
	const secretary = 10001

	confirm := say(t, tg, secretary, "/broadcast unit:第一小学 周六上午9点检修路灯 <请带手套>", "21")
	n := len(tg.Sent(secretary))
	tg.PushCallback(secretary, confirm.MessageID, firstButton(t, confirm))
	expect(t, tg, secretary, n, "群发：unit:第一小学")

	recipients := []int64{20002}
	for _, m := range extra {
		recipients = append(recipients, m.TelegramID)
	}
	copies := func(chat int64) []string {
		var out []string
		for _, s := range sentTexts(tg, chat) {
			if strings.HasPrefix(s, "📢 东安社区") {
				out = append(out, s)
			}
		}
		return out
	}
	tg.Wait("the broadcast delivered to 21 members", func() bool {
		for _, chat := range recipients {
			if len(copies(chat)) == 0 {
				return false
			}
		}
		return true
	})
	for _, chat := range recipients {
		if got := copies(chat); len(got) != 1 || !strings.Contains(got[0], "周六上午9点检修路灯 <请带手套>") {
			t.Errorf("member %d got %q, want the broadcast once", chat, got)
		}
	}
	if got := copies(secretary); len(got) != 0 {
		t.Errorf("the secretary, not in the audience, got %q", got)
	}
	entries, err := e.st.AuditLog(ctx, "dongan", 5, testNow.AddDate(-1, 0, 0))
	if err != nil || len(entries) == 0 || entries[0].Action != "broadcast" || !strings.Contains(entries[0].Detail, "21 recipient") {
		t.Errorf("audit log %+v, %v; want the broadcast to 21 first", entries, err)
	}
	r.stop()
}
