package storage_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// broadcastText is a broadcast of a typical length: about 120 Chinese
// characters and a link.
const broadcastText = "<b>东安社区通知</b>\n本周六上午九点在社区广场举行垃圾分类宣传活动，请各位志愿者提前十五分钟到场签到，" +
	"领取马甲和宣传材料。活动结束后统一清理场地。如有问题请联系社区居委会王主任，电话一三八零零一三八零零零。" +
	"详情：<a href=\"https://example.org/dongan/2026/1206\">活动说明</a>"

// queuedMemory is the memory of the outbox's keys ({ob}) per queued message.
func queuedMemory(t *testing.T, prefix string, n int) (per int64, perKind map[string]int64) {
	t.Helper()
	raw := storagetest.Client(t)
	if err := raw.MemoryUsage(ctx, prefix+"{ob}:stats", 0).Err(); err != nil {
		t.Skipf("the test Redis cannot measure memory (MEMORY USAGE: %v)", err)
	}
	names := storagetest.Keys(t, raw, prefix+"{ob}:*")
	cmds := make([]*redis.IntCmd, len(names))
	if _, err := raw.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range names {
			cmds[i] = p.MemoryUsage(ctx, k, 0)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var total int64
	perKind = map[string]int64{}
	for i, k := range names {
		kind := strings.TrimPrefix(k, prefix+"{ob}:")
		if j := strings.Index(kind, ":"); j > 0 {
			kind = kind[:j]
		}
		total += cmds[i].Val()
		perKind[kind] += cmds[i].Val()
	}
	for k, b := range perKind {
		perKind[k] = b / int64(n)
	}
	return total / int64(n), perKind
}

// TestMemoryPerQueuedMessage measures MEMORY USAGE of the outbox, summed
// over every {ob} key, per queued message: a broadcast of one text to
// 10,000 members (the target, asserted: under 300 bytes), and a reminder run
// of 10,000 with a text of its own for every member (reported).
func TestMemoryPerQueuedMessage(t *testing.T) {
	t.Parallel()
	const n = 10000
	t.Run("broadcast", func(t *testing.T) {
		t.Parallel()
		p := storagetest.Prefix()
		s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
		b := ll.Broadcast{ID: "dongan-20250301T0900-7f3a", Community: "dongan", By: "M1", ChatID: 5_000_000_000,
			Lang: "zh", Audience: "all"}
		msgs := make([]ll.OutMessage, n)
		for i := range msgs {
			mid := fmt.Sprintf("M%d", 10000+i)
			msgs[i] = ll.OutMessage{ID: "bc:" + b.ID + ":" + mid, ChatID: 5_100_000_000 + int64(i), Kind: ll.OutBroadcast,
				Community: "dongan", Member: mid, Lang: "zh", Reply: ll.Reply{Text: broadcastText}}
		}
		if _, added, err := s.EnqueueBroadcast(ctx, b, msgs); err != nil || added != n {
			t.Fatalf("EnqueueBroadcast = %d, %v", added, err)
		}
		per, kinds := queuedMemory(t, p, n)
		t.Logf("a broadcast to %d members: %d bytes of {ob} keys per queued message; by key kind: %v", n, per, kinds)
		limit := int64(300)
		if storagetest.Mode() == storagetest.ModeCluster {
			limit += 16 // a cluster node links each key into its slot's list (see TestMemoryPerMemberLedger)
		}
		if per > limit {
			t.Errorf("memory per queued broadcast message = %d bytes, want at most %d", per, limit)
		}
	})
	t.Run("reminders", func(t *testing.T) {
		t.Parallel()
		p := storagetest.Prefix()
		s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
		run := t0.Add(time.Hour)
		quiet := ll.QuietHours{Start: 21 * 60, End: 8 * 60}
		msgs := make([]ll.OutMessage, n)
		for i := range msgs {
			mid := fmt.Sprintf("M%d", 10000+i)
			text := fmt.Sprintf("<b>王建国 %s</b>，您今年已参加 %d 次活动，还差 %d 次达到年度最低要求。近期活动：\n"+
				"· 3月%d日 垃圾分类宣传（A%d）\n· 3月%d日 敬老院探访（A%d）", mid, i%3, 3-i%3, i%28+1, i%50, (i+7)%28+1, (i+3)%50)
			msgs[i] = ll.OutMessage{ID: fmt.Sprintf("below-minimum:dongan:%d:%s", run.UnixMilli(), mid),
				ChatID: 5_100_000_000 + int64(i), Kind: ll.OutBelowMinimum, Community: "dongan", Member: mid,
				Due: run, Expires: run.Add(24 * time.Hour), Lang: "zh", Quiet: &quiet, Zone: "Asia/Shanghai",
				Reply: ll.Reply{Text: text, Buttons: [][]ll.Button{{{Text: "报名 A" + fmt.Sprint(i%50), Data: fmt.Sprintf("s:A%d", i%50)}}}}}
		}
		if added, err := s.Enqueue(ctx, msgs...); err != nil || added != n {
			t.Fatalf("Enqueue = %d, %v", added, err)
		}
		per, kinds := queuedMemory(t, p, n)
		t.Logf("a reminder run of %d members, a text each: %d bytes of {ob} keys per queued message; by key kind: %v", n, per, kinds)
		// The same run as the scheduler queues it: waiting in one hash of
		// the run until due.
		p2 := storagetest.Prefix() + "w"
		s2 := storagetest.NewStoreOptions(t, storage.Options{Prefix: p2, Now: func() time.Time { return t0 }})
		if added, err := s2.EnqueueRun(ctx, fmt.Sprintf("below-minimum:dongan:%d", run.UnixMilli()), msgs); err != nil || added != n {
			t.Fatalf("EnqueueRun = %d, %v", added, err)
		}
		per, kinds = queuedMemory(t, p2, n)
		t.Logf("the same run waiting (EnqueueRun): %d bytes of {ob} keys per queued message; by key kind: %v", per, kinds)
	})
}

// TestMemoryPerQueuedRunMessage measures MEMORY USAGE of the outbox per
// message of a reminder run of 10,000 queued with EnqueueRun as the
// scheduler queues it: one template a language (the text and buttons written
// once), and per member its chat, name and counts (values) and the
// activities offered (parts). The target, asserted: at most 300 bytes (316
// on a cluster).
func TestMemoryPerQueuedRunMessage(t *testing.T) {
	t.Parallel()
	const n = 10000
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
	run := t0.Add(time.Hour)
	quiet := ll.QuietHours{Start: 21 * 60, End: 8 * 60}
	tpl := &ll.Template{}
	tpl.Parts = append(tpl.Parts, ll.NewTemplatePart(fmt.Sprintf("<b>%v</b>，您今年已参加 %v 次活动，还差 %v 次达到年度最低要求。近期活动：",
		ll.Slot(0), ll.Slot(1), ll.Slot(2)), nil))
	for a := range 10 {
		tpl.Parts = append(tpl.Parts, ll.NewTemplatePart(fmt.Sprintf("\n· 3月%d日 垃圾分类宣传（A%d）", a+1, a),
			[][]ll.Button{{{Text: fmt.Sprintf("报名 A%d", a), Data: fmt.Sprintf("s:A%d", a)}}}))
	}
	runName := fmt.Sprintf("below-minimum:dongan:%d", run.UnixMilli())
	msgs := make([]ll.OutMessage, n)
	for i := range msgs {
		mid := fmt.Sprintf("M%d", 10000+i)
		msgs[i] = ll.OutMessage{ID: runName + ":" + mid, ChatID: 5_100_000_000 + int64(i), Kind: ll.OutBelowMinimum,
			Community: "dongan", Member: mid, Due: run, Expires: run.Add(24 * time.Hour), Lang: "zh", Quiet: &quiet,
			Zone: "Asia/Shanghai", Template: tpl, Parts: 1 | 1<<(1+i%10) | 1<<(1+(i+3)%10),
			Values: []string{"王建国 " + mid, fmt.Sprint(i % 3), fmt.Sprint(3 - i%3)}}
	}
	if added, err := s.EnqueueRun(ctx, runName, msgs); err != nil || added != n {
		t.Fatalf("EnqueueRun = %d, %v", added, err)
	}
	per, kinds := queuedMemory(t, p, n)
	t.Logf("a templated reminder run of %d members waiting (EnqueueRun): %d bytes of {ob} keys per queued message; by key kind: %v", n, per, kinds)
	limit := int64(300)
	if storagetest.Mode() == storagetest.ModeCluster {
		limit += 16
	}
	if per > limit {
		t.Errorf("memory per queued reminder = %d bytes, want at most %d", per, limit)
	}
}

// TestOutboxBroadcastBeyondTheWindow queues a broadcast larger than the
// chats the outbox materializes at a time: a second EnqueueBroadcast adds
// nothing while its recipients wait, the status counts them queued, and
// every recipient is delivered exactly once with the progress counters
// exact.
func TestOutboxBroadcastBeyondTheWindow(t *testing.T) {
	t.Parallel()
	const n = 4500
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
	b := ll.Broadcast{ID: "dongan-big", Community: "dongan", By: "M1", Lang: "en", Audience: "all"}
	msgs := make([]ll.OutMessage, n)
	for i := range msgs {
		mid := fmt.Sprintf("M%d", i)
		msgs[i] = ll.OutMessage{ID: "bc:" + b.ID + ":" + mid, ChatID: int64(1000 + i), Community: "dongan", Member: mid,
			Lang: "zh", Reply: ll.Reply{Text: broadcastText}}
	}
	if _, added, err := s.EnqueueBroadcast(ctx, b, msgs); err != nil || added != n {
		t.Fatalf("EnqueueBroadcast = %d, %v; want %d", added, err, n)
	}
	if _, added, err := s.EnqueueBroadcast(ctx, b, msgs); err != nil || added != 0 {
		t.Fatalf("EnqueueBroadcast again = %d, %v; want 0", added, err)
	}
	if st := status(t, s, t0.Add(time.Second)); st.Queued != n || st.Chats != n || st.Oldest != time.Second {
		t.Errorf("status with every recipient waiting = queued %d, chats %d, oldest %s; want %d, %d, 1s", st.Queued, st.Chats, st.Oldest, n, n)
	}
	seen := map[string]bool{}
	for round := 0; len(seen) < n && round < 100; round++ {
		for _, d := range claimAll(t, s, t0) {
			if seen[d.Message.ID] {
				t.Fatalf("%s claimed twice", d.Message.ID)
			}
			seen[d.Message.ID] = true
			if d.Message.Broadcast != b.ID || d.Message.Kind != ll.OutBroadcast || d.Message.Reply.Text != broadcastText ||
				d.Message.Member == "" || d.Message.Lang != "zh" || d.Message.Community != "dongan" {
				t.Fatalf("claimed %+v", d.Message)
			}
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, t0)
		}
	}
	if len(seen) != n {
		t.Fatalf("delivered %d of %d", len(seen), n)
	}
	pr, err := s.BroadcastProgress(ctx, b.ID)
	if err != nil || pr.Total != n || pr.Sent != n {
		t.Errorf("BroadcastProgress = %+v, %v; want %d sent of %d", pr, err, n, n)
	}
	if st := status(t, s, t0); st.Queued != 0 || st.Sent != n {
		t.Errorf("status after delivery = %+v", st)
	}
	if keys := storagetest.Keys(t, storagetest.Client(t), p+"{ob}:b[cpo]*"); len(keys) != 1 { // bc:<b> stays, bp:<b> and body:<h> go
		t.Errorf("keys left: %v; want only the broadcast's counters", keys)
	}
}
