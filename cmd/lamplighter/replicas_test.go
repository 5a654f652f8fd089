package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
)

// TestTwoReplicasWebhook runs two "lamplighter run" replicas in webhook
// mode on one Redis behind one URL, as a load balancer would: each update
// goes to a random replica, and every third one to both at once (a
// balancer that retries on the other replica). Every update takes effect
// once: one claim and one reply per update, whichever replica handled it.
//
// That each reminder goes once with several replicas is proven by the
// scheduler's TestTwoReplicasSendEachReminderOnce; that replicas share the
// outbox rate, by bot's TestSenderTwoReplicasShareTheRate.
func TestTwoReplicasWebhook(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	const members = 24
	csv := "telegram_id,name,unit,building,skills,role\n10001,李秀兰,街道办,1栋,组织协调,secretary\n"
	for i := range members {
		csv += fmt.Sprintf("%d,成员%d,第一小学,%d栋,,\n", 30001+i, i+1, i%5+1)
	}
	e.mustRun("community", "add", "--id", "dongan", "--name", "东安社区")
	e.mustRun("members", "import", "--community", "dongan", writeFile(t, "m.csv", csv))

	tg := telegramtest.NewServer(t)
	hook := map[string]string{"LAMPLIGHTER_WEBHOOK_URL": hookURL, "LAMPLIGHTER_WEBHOOK_SECRET": hookSecret}
	replicas := []*botRun{startBot(t, e, tg, hook), startBot(t, e, tg, hook)}
	tg.Wait("both replicas set the webhook", func() bool { return len(tg.Calls("setWebhook")) >= 2 })

	const secretary = 10001
	if got := postHook(t, replicas[1].addr, hookSecret, webhookUpdate(500, secretary, "/newpost 楼道照明巡查 | claimed | 0 | 每月检查一次楼道灯")); got != http.StatusOK {
		t.Fatalf("webhook /newpost = %d, want 200", got)
	}
	expect(t, tg, secretary, 0, "P1")

	// Each member claims P1 with one update (and asks for their card with
	// another), delivered to one replica or to both at once.
	rnd := rand.New(rand.NewPCG(1, 2))
	deliveries := 1 // the /newpost
	var wg sync.WaitGroup
	for i := range members {
		user := int64(30001 + i)
		for j, text := range []string{"/claim P1", "/posts"} {
			id := int64(1000 + 2*i + j)
			body := webhookUpdate(id, user, text)
			to := []*botRun{replicas[rnd.IntN(2)]}
			if (2*i+j)%3 == 0 {
				to = replicas
			}
			deliveries += len(to)
			for _, r := range to {
				wg.Go(func() {
					if got := postHook(t, r.addr, hookSecret, body); got != http.StatusOK {
						t.Errorf("webhook update %d to %s = %d, want 200", id, r.addr, got)
					}
				})
			}
			if j == 0 {
				wg.Wait() // the claim before the list, as a person would
			}
		}
	}
	wg.Wait()

	// Wait until every delivery was handled by one replica or the other.
	var handled, dups float64
	tg.Wait(fmt.Sprintf("%d deliveries handled", deliveries), func() bool {
		handled, dups = 0, 0
		for _, r := range replicas {
			m := scrape(t, r.addr)
			handled += m["lamplighter_updates_handled_total"]
			dups += m["lamplighter_updates_duplicate_total"]
		}
		return handled >= float64(deliveries)
	})
	t.Logf("%d deliveries of %d updates handled, %v duplicates skipped", deliveries, 2*members+1, dups)

	for i := range members {
		user := int64(30001 + i)
		sent := sentTexts(tg, user)
		if len(sent) != 2 {
			t.Errorf("member %d got %d messages, want one per update: %q", user, len(sent), sent)
			continue
		}
		claimed := 0
		for _, s := range sent {
			if strings.Contains(s, "P1") {
				claimed++
			}
		}
		if claimed == 0 {
			t.Errorf("member %d: no answer names P1: %q", user, sent)
		}
		m, err := e.st.MemberByTelegram(ctx, "dongan", user)
		if err != nil {
			t.Fatalf("MemberByTelegram(%d): %v", user, err)
		}
		claims, err := e.st.ClaimsOf(ctx, "dongan", m.ID)
		if err != nil || len(claims) != 1 || claims[0].Post != "P1" {
			t.Errorf("ClaimsOf(%s) = %+v, %v; want one claim of P1", m.ID, claims, err)
		}
	}
	if p, err := e.st.Post(ctx, "dongan", "P1"); err != nil || p.Claims != members {
		t.Errorf("P1 has %d claims (%v), want %d", p.Claims, err, members)
	}
	if n := len(tg.Sent(secretary)); n != 1 {
		t.Errorf("the secretary got %d messages, want 1", n)
	}
}
