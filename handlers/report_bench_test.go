package handlers_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// BenchmarkCommandReport100k is /report sent by the secretary of a
// community of 100,000 members (a third with no participation this year, a
// third with one, a third with two; minimum 2): the whole update, the
// message, the CSV file of the 66,667 names below the minimum and the chart
// included. "/report" is the current year (the standing index); "/report
// 2025" a past year, which reads every member and the whole ledger as
// /report did for any year before schema 5:
//
//	go test ./handlers -run '^$' -bench CommandReport100k -benchtime 5x
func BenchmarkCommandReport100k(b *testing.B) {
	const n = 100_000
	cc := newCommandCost(b)
	if _, err := cc.store.ImportMembers(cc.ctx, "dongan", []ll.Member{{TelegramID: secretary.id, Name: secretary.name, Role: ll.RoleSecretary}}, testNow, nil); err != nil {
		b.Fatal(err)
	}
	var ms []ll.Member
	for from := 0; from < n; from += 5000 {
		in := make([]ll.Member, 5000)
		for i := range in {
			in[i] = ll.Member{TelegramID: 5_000_000_000 + int64(from+i), Name: fmt.Sprintf("成员%d", from+i), Unit: "单位"}
		}
		got, err := cc.store.ImportMembers(cc.ctx, "dongan", in, testNow.AddDate(0, -2, 0), nil)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, got...)
	}
	var acts []ll.Activity
	for _, start := range []time.Time{testNow.AddDate(0, 0, -20), testNow.AddDate(0, 0, -10)} {
		a, err := cc.store.CreateActivity(cc.ctx, ll.Activity{Community: "dongan", Title: "巡逻", Start: start, End: start.Add(2 * time.Hour)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		acts = append(acts, a)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < n; i += 8 {
				for k := 0; k < i%3; k++ {
					if _, err := cc.store.Attend(cc.ctx, "dongan", acts[k].ID, ms[i].ID, "M1", "", acts[k].End, nil); err != nil {
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
	for _, text := range []string{"/report", "/report 2025"} {
		b.Run(text, func(b *testing.B) {
			cc.bench(b, func(int) (person, string) { return secretary, text })
		})
	}
}
