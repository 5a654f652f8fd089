package bot_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/bot/telegramtest"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// BenchmarkProvinceOutbox measures what the Redis node holding the
// outbox's hash tag {ob} does at province scale (docs/PERFORMANCE.md): it
// queues PROVINCE_N messages (default 100,000) — a reminder run as the
// scheduler queues it (templated: EnqueueRun, the text once, each member's
// parts and count), a reminder run with a text of its own for every member
// (reminders: Enqueue, as before the templates), or one broadcast — and
// reports the node's
// used_memory per queued message; then it drains them for PROVINCE_DRAIN
// (default 20s) through the real sender at 1,000 messages/s (reminders:
// LAMPLIGHTER_RATE=1000; the broadcast: paid broadcast) to the fake Bot API,
// and reports the rate achieved, the node's commands (INFO stats
// total_commands_processed) and CPU (INFO cpu used_cpu_sys + used_cpu_user)
// per delivery, and what they come to at 1,000 deliveries a second. Run it
// alone, against one node (not STORAGETEST_MODE=cluster):
//
//	go test ./bot -run '^$' -bench ProvinceOutbox -benchtime 1x -timeout 30m
func BenchmarkProvinceOutbox(b *testing.B) {
	n := envInt("PROVINCE_N", 100000)
	drainFor, err := time.ParseDuration(envString("PROVINCE_DRAIN", "20s"))
	if err != nil {
		b.Fatal(err)
	}
	for _, shape := range []string{"templated", "reminders", "broadcast"} {
		b.Run(shape, func(b *testing.B) {
			for range b.N {
				provinceRun(b, shape, n, drainFor)
			}
		})
	}
}

func envString(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envInt(k string, def int) int {
	v, err := strconv.Atoi(envString(k, strconv.Itoa(def)))
	if err != nil || v <= 0 {
		return def
	}
	return v
}

// nodeInfo is what the benchmark reads from INFO.
type nodeInfo struct {
	usedMemory, commands int64
	cpu                  float64 // seconds, sys + user
	at                   time.Time
}

func readInfo(b *testing.B, raw redis.UniversalClient) nodeInfo {
	b.Helper()
	s, err := raw.Info(context.Background(), "memory", "stats", "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	f := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			f[k] = v
		}
	}
	in := nodeInfo{at: time.Now()}
	in.usedMemory, _ = strconv.ParseInt(f["used_memory"], 10, 64)
	in.commands, _ = strconv.ParseInt(f["total_commands_processed"], 10, 64)
	sys, _ := strconv.ParseFloat(f["used_cpu_sys"], 64)
	user, _ := strconv.ParseFloat(f["used_cpu_user"], 64)
	in.cpu = sys + user
	return in
}

func provinceRun(b *testing.B, shape string, n int, drainFor time.Duration) {
	b.StopTimer()
	ctx := context.Background()
	raw := storagetest.Client(b)
	st := storagetest.NewStoreOptions(b, storage.Options{Prefix: storagetest.Prefix()})
	runAt := time.Now()
	run := fmt.Sprintf("below-minimum:dongan:%d", runAt.UnixMilli())
	tmpl := &lamplighter.Template{Parts: []lamplighter.TemplatePart{
		lamplighter.NewTemplatePart(fmt.Sprintf("<b>东安社区</b>，您今年已参加 %d 次活动，还差 %d 次达到年度最低要求。", lamplighter.Slot(0), lamplighter.Slot(1)), nil),
		lamplighter.NewTemplatePart("\n近期活动：\n· 3月7日 垃圾分类宣传（A1）", [][]lamplighter.Button{{{Text: "报名 A1", Data: "s:A1"}}}),
		lamplighter.NewTemplatePart("\n· 3月14日 路灯巡查（A2）", [][]lamplighter.Button{{{Text: "报名 A2", Data: "s:A2"}}}),
	}}
	msgs := make([]lamplighter.OutMessage, n)
	for i := range msgs {
		mid := fmt.Sprintf("M%d", 100000+i)
		chat := 5_100_000_000 + int64(i)
		if shape == "templated" {
			msgs[i] = lamplighter.OutMessage{ID: run + ":" + mid, ChatID: chat, Kind: lamplighter.OutBelowMinimum, Community: "dongan",
				Member: mid, Lang: "zh", Expires: runAt.Add(24 * time.Hour), Template: tmpl, Parts: 1 | uint64(2+i%3*2)&6,
				Values: []string{strconv.Itoa(i % 2), strconv.Itoa(2 - i%2)}}
			continue
		}
		if shape == "broadcast" {
			msgs[i] = lamplighter.OutMessage{ID: "bc:dongan-province:" + mid, ChatID: chat, Kind: lamplighter.OutBroadcast,
				Community: "dongan", Member: mid, Lang: "zh", Reply: lamplighter.Reply{Text: "本周六上午九点在社区广场举行垃圾分类宣传活动，请各位志愿者提前十五分钟到场签到。"}}
			continue
		}
		msgs[i] = lamplighter.OutMessage{ID: fmt.Sprintf("below-minimum:dongan:%d:%s", runAt.UnixMilli(), mid), ChatID: chat,
			Kind: lamplighter.OutBelowMinimum, Community: "dongan", Member: mid, Lang: "zh", Expires: runAt.Add(24 * time.Hour),
			Reply: lamplighter.Reply{Text: fmt.Sprintf("<b>%s</b>，您今年已参加 %d 次活动，还差 %d 次达到年度最低要求。近期活动：\n· 3月%d日 垃圾分类宣传（A%d）",
				mid, i%3, 3-i%3, i%28+1, i%50), Buttons: [][]lamplighter.Button{{{Text: "报名", Data: fmt.Sprintf("s:A%d", i%50)}}}}}
	}
	before := readInfo(b, raw)
	if shape == "broadcast" {
		if _, _, err := st.EnqueueBroadcast(ctx, lamplighter.Broadcast{ID: "dongan-province", Community: "dongan", Lang: "zh", Audience: "all"}, msgs); err != nil {
			b.Fatal(err)
		}
	} else if shape == "templated" {
		if _, err := st.EnqueueRun(ctx, run, msgs); err != nil {
			b.Fatal(err)
		}
	} else if _, err := st.Enqueue(ctx, msgs...); err != nil {
		b.Fatal(err)
	}
	queued := readInfo(b, raw)
	msgs = nil
	b.ReportMetric(float64(queued.usedMemory-before.usedMemory)/float64(n), "used_memory-B/queued")
	b.ReportMetric(queued.at.Sub(before.at).Seconds(), "queue-s")
	b.ReportMetric(float64(queued.commands-before.commands)/float64(n), "cmds/queued")

	srv := telegramtest.NewServer(b)
	srv.LimitRates(1000, 1000)
	cfg := config(srv, &recorder{}, newMemStore(), &sleeps{})
	cfg.Sleep = nil
	cfg.Logger = nil
	tg, err := bot.NewTelegram(cfg)
	if err != nil {
		b.Fatal(err)
	}
	sc := bot.SenderConfig{Queue: st, Deliverer: tg, Rate: 1000, Workers: 64, Idle: 10 * time.Millisecond, Logger: testLogger()}
	if shape == "broadcast" {
		sc.Rate, sc.PaidRate = bot.DefaultRate, bot.PaidBroadcastRate
	}
	s, err := bot.NewSender(sc)
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithTimeout(ctx, drainFor)
	b.StartTimer()
	start := readInfo(b, raw)
	_ = s.Run(runCtx)
	end := readInfo(b, raw)
	b.StopTimer()
	cancel()
	sent := s.Stats().Sent
	if sent == 0 {
		b.Fatal("nothing delivered")
	}
	secs := end.at.Sub(start.at).Seconds()
	cpuPer := (end.cpu - start.cpu) / float64(sent)
	cmdsPer := float64(end.commands-start.commands) / float64(sent)
	b.ReportMetric(float64(sent)/secs, "delivered/s")
	b.ReportMetric(cmdsPer, "cmds/delivery")
	b.ReportMetric(cpuPer*1e6, "redis-cpu-µs/delivery")
	b.ReportMetric((end.cpu-start.cpu)/secs*100, "redis-cpu-%")
	b.ReportMetric(cpuPer*1000*100, "redis-cpu-%-at-1000/s")
	b.ReportMetric(cmdsPer*1000, "cmds/s-at-1000/s")
	b.ReportMetric(float64(end.usedMemory-before.usedMemory)/float64(n), "used_memory-B/msg-after-drain")
	fr, pd := srv.RateLimited()
	b.ReportMetric(float64(fr+pd), "429s")
}
