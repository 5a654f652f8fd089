package storage_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// redisFigures are what BenchmarkEnqueueRun50k reads from INFO.
type redisFigures struct {
	memory, commands int64
	cpu              float64 // seconds, sys + user
}

func readFigures(b *testing.B, raw redis.UniversalClient) redisFigures {
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
	var r redisFigures
	r.memory, _ = strconv.ParseInt(f["used_memory"], 10, 64)
	r.commands, _ = strconv.ParseInt(f["total_commands_processed"], 10, 64)
	sys, _ := strconv.ParseFloat(f["used_cpu_sys"], 64)
	user, _ := strconv.ParseFloat(f["used_cpu_user"], 64)
	r.cpu = sys + user
	return r
}

// BenchmarkEnqueueRun50k queues one below-minimum run of 50,000 members
// (a run of its own each iteration) with EnqueueRun, as the scheduler does
// for a community of 100,000: "templated" as the scheduler writes them now
// (a template a language, the member's count as a value: the compact form),
// "whole" with message ids that cannot take the compact form, so each
// waits with all its fields as every run's message did before (the text,
// one of two, shared as a body). It reports Redis's CPU per run, the
// commands a message costs (INFO, Lua's included), the memory a waiting
// message holds (used_memory) and the longest single command (SLOWLOG).
func BenchmarkEnqueueRun50k(b *testing.B) {
	benchmarkEnqueueRun(b, 50_000)
}

// BenchmarkEnqueueRun500 is BenchmarkEnqueueRun50k for a community of
// 1,000 (the province's): 500 messages, one script.
func BenchmarkEnqueueRun500(b *testing.B) {
	benchmarkEnqueueRun(b, 500)
}

func benchmarkEnqueueRun(b *testing.B, n int) {
	for _, form := range []string{"templated", "whole"} {
		b.Run(form, func(b *testing.B) {
			raw := storagetest.Client(b)
			p := storagetest.Prefix()
			s := storagetest.NewStoreOptions(b, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
			tpls := map[string]*ll.Template{"zh": runTemplate("zh", 3), "en": runTemplate("en", 3)}
			texts := map[string]ll.Reply{"zh": tpls["zh"].Render(0b11111, []string{"东安", "0"}), "en": tpls["en"].Render(0b11111, []string{"Dongan", "0"})}
			if err := raw.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
				b.Skipf("CONFIG SET: %v", err)
			}
			raw.ConfigSet(ctx, "slowlog-max-len", "100000")
			defer raw.ConfigSet(context.Background(), "slowlog-log-slower-than", "10000")
			var longest time.Duration
			var cpu float64
			var cmds, mem int64
			round := 0
			for b.Loop() {
				b.StopTimer()
				round++
				run := fmt.Sprintf("below-minimum:dongan:%d", round)
				msgs := make([]ll.OutMessage, n)
				for i := range msgs {
					mid := fmt.Sprintf("M%d", 100000+i)
					lang := []string{"zh", "en"}[i%2]
					m := ll.OutMessage{ID: run + ":" + mid, ChatID: 5_100_000_000 + int64(i), Kind: ll.OutBelowMinimum, Community: "dongan",
						Member: mid, Lang: lang, Due: t0, Expires: t0.Add(24 * time.Hour), Zone: "Asia/Shanghai",
						Quiet: &ll.QuietHours{Start: 21 * 60, End: 8 * 60}}
					if form == "templated" {
						m.Template, m.Parts, m.Values = tpls[lang], 0b11111, []string{"东安", "0"}
					} else {
						m.ID = run + ":x" + mid
						m.Reply = texts[lang]
					}
					msgs[i] = m
				}
				raw.SlowLogReset(ctx) // the slow log's entries take memory too
				before := readFigures(b, raw)
				b.StartTimer()
				if added, err := s.EnqueueRun(ctx, run, msgs); err != nil || added != n {
					b.Fatalf("EnqueueRun = %d, %v", added, err)
				}
				b.StopTimer()
				after := readFigures(b, raw)
				cpu += after.cpu - before.cpu
				cmds += after.commands - before.commands
				logs, err := raw.SlowLogGet(ctx, -1).Result()
				if err != nil {
					b.Fatal(err)
				}
				for _, l := range logs {
					longest = max(longest, l.Duration)
				}
				raw.SlowLogReset(ctx)
				mem += readFigures(b, raw).memory - before.memory
				b.StartTimer()
			}
			b.ReportMetric(cpu*1e3/float64(round), "redis-cpu-ms/op")
			b.ReportMetric(float64(cmds)/float64(round*n), "cmds/msg")
			b.ReportMetric(float64(mem)/float64(round*n), "B/waiting-msg")
			b.ReportMetric(longest.Seconds()*1e3, "longest-cmd-ms")
		})
	}
}
