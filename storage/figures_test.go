package storage_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/record"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// checkYearFigures holds YearFigures of community, for each standing year
// taken as the current one, to the full computation: record.MemberRows over
// Members and CommunityLedger (who is counted, their totals and posts),
// the active members marked unreachable, and the year's participations
// that count by method and by month (every member's: CountMethods over the
// whole ledger).
func checkYearFigures(t *testing.T, s *storage.Store, community, when string) {
	t.Helper()
	comm, err := s.Community(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Members(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	ps, claims, err := s.CommunityLedger(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	d := record.CommunityData{Community: comm, Members: ms, Participations: ps, Claims: claims}
	var unreach []int
	for _, m := range ms {
		if m.Active() && m.Unreachable {
			unreach = append(unreach, idNum(m.ID))
		}
	}
	loc := comm.Location()
	for _, y := range standingYears {
		// "now" late in the year: after every claim and release the
		// world makes, so that the posts held then are those held now.
		now := time.Date(y, 12, 30, 0, 0, 0, 0, loc)
		f, err := s.YearFigures(ctx, community, y, time.Date(y, 1, 1, 0, 0, 0, 0, loc), true)
		if err != nil {
			t.Fatal(err)
		}
		rows := record.MemberRows(d, y, now)
		if len(f.Members) != len(rows) {
			t.Errorf("%s: %s/%d: the index counts %d members, MemberRows %d", when, community, y, len(f.Members), len(rows))
		}
		for i := range min(len(rows), len(f.Members)) {
			r, x := rows[i], f.Members[i]
			if x.ID() != r.ID || x.Total != r.Total || x.Held != r.Posts || x.Active != (r.Status == ll.StatusActive) || x.Last != r.LastParticipation {
				t.Errorf("%s: %s/%d: index member %+v, MemberRows %s total %d posts %d status %s last %q", when, community, y, x, r.ID, r.Total, r.Posts, r.Status, r.LastParticipation)
			}
		}
		if !slices.Equal(f.Unreachable, unreach) {
			t.Errorf("%s: %s/%d: index unreachable %v, the members %v", when, community, y, f.Unreachable, unreach)
		}
		want := record.CountMethods(ps, y)
		for _, mc := range want.Listed() {
			if f.ByMethod[mc.Method] != mc.Count {
				t.Errorf("%s: %s/%d: index counts %d by %s, the ledger %d", when, community, y, f.ByMethod[mc.Method], mc.Method, mc.Count)
			}
		}
		var got record.Breakdown
		for m, n := range f.ByMethod {
			got.AddCount(m, n)
		}
		if got.Total() != want.Total() {
			t.Errorf("%s: %s/%d: index counts %d participations (%v), the ledger %d", when, community, y, got.Total(), f.ByMethod, want.Total())
		}
		if sum := record.Summarize(d, y, now); f.ByMonth != sum.ByMonth {
			t.Errorf("%s: %s/%d: index by month %v, the ledger %v", when, community, y, f.ByMonth, sum.ByMonth)
		}
	}
}

// idNum is the number of a member id.
func idNum(id string) int {
	var n int
	fmt.Sscanf(id, "M%d", &n)
	return n
}

// TestYearFiguresAgreeWithMemberRows runs the standing world's random
// operations (check-in, attend, void, service approval, need solved, claim,
// release, removal, move, /forgetme, forget, unreachable flips, profile
// changes), one at a time and then concurrently, and holds the year's
// figures of the index to the full computation after each phase; then
// drops what schema 5 added and checks that Migrate builds it again, and the
// same for schema 6's latest dates.
func TestYearFiguresAgreeWithMemberRows(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	w := newStandingWorldOn(t, s)
	r := rand.New(rand.NewPCG(21, 5))
	for i := 0; i < 300; i++ {
		w.step(r)
		if i%60 == 59 {
			checkYearFigures(t, w.s, "dongan", fmt.Sprintf("after %d steps", i+1))
		}
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 77))
			for range 60 {
				w.step(r)
			}
		}()
	}
	wg.Wait()
	checkYearFigures(t, w.s, "dongan", "after the concurrent steps")
	checkYearFigures(t, w.s, "xiyuan", "after the concurrent steps")
	for _, k := range []string{"checkin", "attend", "void", "service", "need", "claim", "release", "remove", "move", "forgetme", "forget", "reach"} {
		if w.done[k] == 0 {
			t.Errorf("no %s succeeded: the test did not exercise it (done: %v)", k, w.done)
		}
	}

	raw := storagetest.Client(t)
	base := p + "{c:dongan}:"
	if err := raw.Del(ctx, base+"yu", base+"yl", base+"yt:2025:0", base+"yt:2026:0", base+"cnt:bldg").Err(); err != nil {
		t.Fatal(err)
	}
	if err := raw.Set(ctx, p+"schema", "4", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d = %v", i+1, err)
		}
		checkYearFigures(t, s, "dongan", fmt.Sprintf("after Migrate #%d", i+1))
	}

	// Schema 5 had no latest dates: with them gone the index has none,
	// and Migrate from 5 builds them.
	for _, y := range standingYears {
		if err := raw.Del(ctx, fmt.Sprintf("%syd:%d", base, y)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Set(ctx, p+"schema", "5", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if f, err := s.YearFigures(ctx, "dongan", standingYears[0], time.Date(standingYears[0], 1, 1, 0, 0, 0, 0, time.UTC), true); err != nil || slices.ContainsFunc(f.Members, func(m ll.IndexedMember) bool { return m.Last != "" }) {
		t.Fatalf("YearFigures without yd = %v: a latest date from nowhere", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from schema 5 = %v", err)
	}
	checkYearFigures(t, s, "dongan", "after Migrate from schema 5")
	if v, err := raw.Get(ctx, p+"schema").Result(); err != nil || v != fmt.Sprint(storage.CurrentSchema) {
		t.Errorf("schema after Migrate = %q, %v; want %d", v, err, storage.CurrentSchema)
	}
}
