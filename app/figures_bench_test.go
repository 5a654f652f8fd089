package app_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// BenchmarkFigures100k is /report's figures, the district's compliance
// and the Mini App's overview of a community of 100,000 members: a third
// with no participation this year, a third with one, a third with two
// (minimum 2), 1,000 removed in the year, 500 unreachable, 200 signed up
// for an activity to come; from the standing index against the full
// computation over every member and the whole ledger (what they did
// before schema 5):
//
//	go test ./app -run '^$' -bench Figures100k -benchtime 5x
//
// roundtrips/op counts the exchanges with Redis (a pipeline is one).
func BenchmarkFigures100k(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	st, counter := storagetest.NewCountedStore(b)
	now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	f := &fixture{ctx: ctx, store: st, now: now, app: app.New(st)}
	comm := ll.Community{ID: "big", Name: "Big", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, Created: now.AddDate(-1, 0, 0)}
	if err := st.CreateCommunity(ctx, comm, nil); err != nil {
		b.Fatal(err)
	}
	in := make([]ll.Member, n)
	for i := range in {
		in[i] = ll.Member{TelegramID: 5_000_000_000 + int64(i), Name: fmt.Sprintf("成员%d", i), Unit: fmt.Sprintf("单位%d", i%365),
			Building: fmt.Sprintf("%d栋", i%40), Language: "zh"}
	}
	in[0].Role = ll.RoleSecretary
	var ms []ll.Member
	for from := 0; from < n; from += 5000 {
		got, err := st.ImportMembers(ctx, "big", in[from:from+5000], now.AddDate(0, -6, 0), nil)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, got...)
	}
	var acts []ll.Activity
	for _, start := range []time.Time{now.AddDate(0, -3, 0), now.AddDate(0, -1, 0), now.AddDate(0, 0, 7)} {
		a, err := st.CreateActivity(ctx, ll.Activity{Community: "big", Title: "巡逻", Start: start, End: start.Add(2 * time.Hour),
			CreatedBy: "M1", Created: now.AddDate(0, -4, 0)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		acts = append(acts, a)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range runtime.GOMAXPROCS(0) * 2 {
		wg.Go(func() {
			for i := g; i < n; i += runtime.GOMAXPROCS(0) * 2 {
				for k := 0; k < i%3; k++ {
					if _, err := st.Attend(ctx, "big", acts[k].ID, ms[i].ID, "M1", "", acts[k].End, nil); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if _, _, err := st.SignUp(ctx, "big", acts[2].ID, ms[1+3*i].ID, now); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 1000; i++ {
		if err := st.RemoveMember(ctx, "big", ms[n-1-i].ID, now.AddDate(0, -1, 0), nil); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 500; i++ {
		if err := st.SetReachable(ctx, ms[10+7*i].TelegramID, false); err != nil {
			b.Fatal(err)
		}
	}
	f.comm = comm
	sc, err := f.app.Access.Committee(ctx, app.Operator("big", now))
	if err != nil {
		b.Fatal(err)
	}
	admin := app.Actor{Admin: true, Now: now}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			counter.Reset()
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(counter.RoundTrips())/float64(b.N), "roundtrips/op")
		})
	}
	full, err := app.ReportFull(f.app.Reports, ctx, sc.Community, 2026, now)
	if err != nil {
		b.Fatal(err)
	}
	fast, err := f.app.Reports.Report(ctx, &sc, "")
	if err != nil {
		b.Fatal(err)
	}
	if fast.Summary != full.Summary || len(fast.Below) != len(full.Below) || fast.UnreachableCount != full.UnreachableCount {
		b.Fatalf("Report from the index = %+v, %d below, %d unreachable; the full one %+v, %d, %d",
			fast.Summary, len(fast.Below), fast.UnreachableCount, full.Summary, len(full.Below), full.UnreachableCount)
	}
	b.Logf("report: %d members, %d compliant, %d below, %d unreachable", fast.Summary.Members, fast.Summary.Compliant, len(fast.Below), fast.UnreachableCount)
	run("report/full", func() error { _, err := app.ReportFull(f.app.Reports, ctx, sc.Community, 2026, now); return err })
	run("report/index", func() error { _, err := f.app.Reports.Report(ctx, &sc, ""); return err })
	run("compliance", func() error { _, err := f.app.Reports.Compliance(ctx, admin, sc.Community); return err })
	for _, q := range []app.StandingQuery{{}, {Light: app.LightRed, Sort: "total", Offset: 5000}, {Unit: "单位7"},
		{Building: "3栋", Sort: "name", Offset: 100}, {Sort: "name", Offset: 5000}, {Sort: "last"}, {Light: app.LightRed, Sort: "last", Offset: 5000}} {
		q.Limit = app.DefaultStandingPage
		name := fmt.Sprintf("%s-%s-%s-%s", q.Light, q.Unit, q.Building, q.Sort)
		full, err := app.StandingsFull(f.app.Reports, ctx, &sc, q)
		if err != nil {
			b.Fatal(err)
		}
		fast, err := f.app.Reports.Standings(ctx, &sc, q)
		if err != nil {
			b.Fatal(err)
		}
		if fast.Matched != full.Matched || fmt.Sprint(fast.Members) != fmt.Sprint(full.Members) {
			b.Fatalf("Standings(%+v) from the index: %d matched, the full one %d, or their pages differ", q, fast.Matched, full.Matched)
		}
		run("overview/full/"+name, func() error { _, err := app.StandingsFull(f.app.Reports, ctx, &sc, q); return err })
		run("overview/index/"+name, func() error { _, err := f.app.Reports.Standings(ctx, &sc, q); return err })
	}
}
