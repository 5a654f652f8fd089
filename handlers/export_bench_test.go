package handlers_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// peakHeap runs f and returns the most heap in use seen while it ran
// (runtime.MemStats.HeapInuse, sampled every 2 ms), above what was in use
// before: the memory f needs, garbage not yet collected included.
func peakHeap(f func()) (peak uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var s runtime.MemStats
			runtime.ReadMemStats(&s)
			if s.HeapInuse > base && s.HeapInuse-base > peak {
				peak = s.HeapInuse - base
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return peak
}

// BenchmarkExport100k is the chat's /export and /notice (as a file) of a
// community of 100,000 members, a third of them with no participation this
// year, a third with one, a third with two, through the handlers on real
// Redis. It reports the peak heap each took (peakHeap) and the file's size:
//
//	go test ./handlers -run '^$' -bench Export100k -benchtime 2x
//
// 2-core machine, 2026-12-03 (docs/PERFORMANCE.md): /export 305–325 MB
// when it read the community whole and built the workbook in memory,
// 109–111 MB streamed, 66–68 MB with GOGC 25 while it is written, a 7.9 MB workbook;
// /notice 235 MB before, 11–15 MB streamed, a 3.5 MB CSV file.
func BenchmarkExport100k(b *testing.B) {
	e := dongan(b)
	const members100k = 100_000
	var ms []ll.Member
	for len(ms) < members100k {
		batch := make([]ll.Member, 5000)
		for i := range batch {
			k := len(ms) + i
			batch[i] = ll.Member{TelegramID: 1_000_000 + int64(k), Name: fmt.Sprintf("王建国%d", k), Unit: "中国工商银行东安支行",
				Building: fmt.Sprintf("%d号楼", k%40), Language: "zh"}
		}
		got, err := e.store.ImportMembers(e.ctx, "dongan", batch, e.now, nil)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, got...)
	}
	var acts []ll.Activity
	for i := range 2 {
		a, err := e.store.CreateActivity(e.ctx, ll.Activity{Community: "dongan", Title: fmt.Sprintf("路灯检修 %d", i), Place: "19 栋门口",
			Start: e.now.Add(-time.Hour), End: e.now.Add(time.Hour), CreatedBy: "M1", Created: e.now.Add(-24 * time.Hour)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		acts = append(acts, a)
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		fail atomic.Value
	)
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(ms); i = int(next.Add(1) - 1) {
				for _, a := range acts[:i%3] {
					if _, _, err := e.store.CheckIn(e.ctx, "dongan", ms[i].ID, ll.CheckIn{Code: a.Code, Method: ll.MethodCode}, e.now); err != nil {
						fail.Store(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err, _ := fail.Load().(error); err != nil {
		b.Fatal(err)
	}
	e.send(secretary, "/settings notice -1005555")
	for _, cmd := range []string{"/export", "/notice"} {
		b.Run(cmd[1:], func(b *testing.B) {
			var peak uint64
			var size int64
			for b.Loop() {
				peak = max(peak, peakHeap(func() {
					for _, r := range e.send(secretary, cmd) {
						if r.File != nil {
							size = max(int64(len(r.File.Data)), r.File.Size)
							_ = r.File.Discard()
						}
					}
				}))
			}
			if size == 0 {
				b.Fatalf("%s sent no file", cmd)
			}
			b.ReportMetric(float64(peak)/1e6, "peak-MB")
			b.ReportMetric(float64(size)/1e6, "file-MB")
		})
	}
}
