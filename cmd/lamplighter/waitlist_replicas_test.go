package main

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// TestTwoReplicasOfferOnce: two "lamplighter run" replicas behind one
// webhook URL; a withdrawal from a full activity reaches both at once. The
// first member waiting gets the seat offer once, through the outbox (the
// offer's message id), and takes it; the second waiting gets nothing. (That
// two replicas' sweeps make each offer once is scheduler's
// TestOfferSweepTwoReplicas.)
func TestTwoReplicasOfferOnce(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	csv := "telegram_id,name,unit,building,skills,role\n10001,李秀兰,街道办,1栋,组织协调,secretary\n" +
		"40001,甲,一小,1栋,,\n40002,乙,一小,2栋,,\n40003,丙,一小,3栋,,\n"
	e.mustRun("community", "add", "--id", "dongan", "--name", "东安社区")
	e.mustRun("members", "import", "--community", "dongan", writeFile(t, "m.csv", csv))
	// The replicas run on the real clock here: the outbox sender does, and
	// an offer's message expires with the offer.
	now := time.Now()
	a, err := e.st.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: "路灯巡检", Start: now.Add(48 * time.Hour),
		End: now.Add(50 * time.Hour), Capacity: 1, CreatedBy: "M1", Created: now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.SignUp(ctx, "dongan", a.ID, "M2", now); err != nil {
		t.Fatal(err)
	}
	for i, m := range []string{"M3", "M4"} {
		if _, err := e.st.JoinWaitlist(ctx, "dongan", a.ID, m, now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}

	tg := telegramtest.NewServer(t)
	hook := map[string]string{"LAMPLIGHTER_WEBHOOK_URL": hookURL, "LAMPLIGHTER_WEBHOOK_SECRET": hookSecret}
	replicas := []*botRun{startBotNow(t, e, tg, hook), startBotNow(t, e, tg, hook)}
	tg.Wait("both replicas set the webhook", func() bool { return len(tg.Calls("setWebhook")) >= 2 })

	body := webhookUpdate(700, 40001, "/withdraw "+a.ID)
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() {
			if got := postHook(t, r.addr, hookSecret, body); got != http.StatusOK {
				t.Errorf("webhook /withdraw to %s = %d, want 200", r.addr, got)
			}
		})
	}
	wg.Wait()
	expect(t, tg, 40001, 0, "您已取消报名 "+a.ID)
	offer := expect(t, tg, 40002, 0, "空出一个名额")
	if !strings.Contains(offer.ReplyMarkup, "ts:"+a.ID) {
		t.Errorf("offer message markup %s lacks [Take the seat] ts:%s", offer.ReplyMarkup, a.ID)
	}
	if got := postHook(t, replicas[1].addr, hookSecret, webhookUpdate(701, 40002, "/take "+a.ID)); got != http.StatusOK {
		t.Fatalf("webhook /take = %d", got)
	}
	expect(t, tg, 40002, 1, "名额已归您")
	offers := 0
	for _, s := range sentTexts(tg, 40002) {
		if strings.Contains(s, "空出一个名额") {
			offers++
		}
	}
	if offers != 1 {
		t.Errorf("the first waiting got %d offers, want 1: %q", offers, sentTexts(tg, 40002))
	}
	if n := len(tg.Sent(40003)); n != 0 {
		t.Errorf("the second waiting got %d messages, want none", n)
	}
	if ids, _ := e.st.SignedUp(ctx, "dongan", a.ID); len(ids) != 1 || ids[0] != "M3" {
		t.Errorf("signed up %v, want [M3]", ids)
	}
}

// startBotNow is startBot with the program on the real clock.
func startBotNow(t *testing.T, e *testEnv, tg *telegramtest.Server, env map[string]string) *botRun {
	t.Helper()
	return startBotOn(t, e, tg, env, time.Now)
}
