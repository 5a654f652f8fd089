package storage_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// standingYears are the years the standing tests record participations in.
var standingYears = []int{2025, 2026}

// checkYearIndex compares the standing index of community with a full scan:
// for every member, of any status, the Total ll.ComputeStanding gives from
// Members and CommunityLedger, and the index's active members with
// Members' active ones.
func checkYearIndex(t *testing.T, s *storage.Store, community, when string) {
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
	byMember := map[string][]ll.Participation{}
	for _, p := range ps {
		byMember[p.Member] = append(byMember[p.Member], p)
	}
	claimsOf := map[string][]ll.Claim{}
	for _, c := range claims {
		claimsOf[c.Member] = append(claimsOf[c.Member], c)
	}
	later := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) // after every claim and release
	for _, y := range standingYears {
		x, err := s.YearIndex(ctx, community, y)
		if err != nil {
			t.Fatal(err)
		}
		var want storage.StandingCounts
		active, below, reach := 0, 0, 0
		minimum, postMinimum := comm.MinimumsFor(y).Minimum, comm.MinimumsFor(y).PostMinimum
		for _, m := range ms {
			n, _ := strconv.Atoi(m.ID[1:])
			st := ll.ComputeStanding(byMember[m.ID], y, ll.PostsHeldAt(claimsOf[m.ID], later), comm)
			if got := x.Total(n); got != st.Total {
				t.Errorf("%s: %s/%d %s (%s): index total %d, ComputeStanding %d", when, community, y, m.ID, m.Status, got, st.Total)
			}
			if got, want := x.Held(n), ll.PostsHeldAt(claimsOf[m.ID], later); got != want {
				t.Errorf("%s: %s %s (%s): index holds %d posts, the claims %d", when, community, m.ID, m.Status, got, want)
			}
			if x.Active(n) != m.Active() {
				t.Errorf("%s: %s %s (%s): index active %v", when, community, m.ID, m.Status, x.Active(n))
			}
			reachable := m.Active() && m.TelegramID != 0 && !m.Unreachable
			if x.Reachable(n) != reachable {
				t.Errorf("%s: %s %s (%s, tg %d, unreachable %v): index reachable %v", when, community, m.ID, m.Status, m.TelegramID, m.Unreachable, x.Reachable(n))
			}
			if m.Active() {
				active++
				want.Active++
				if st.Compliant {
					want.Compliant++
				}
				if st.Total < minimum {
					below++
					want.Below++
					if reachable {
						reach++
						want.BelowReachable++
					}
				}
				if st.Posts < postMinimum {
					want.NoPost++
					if reachable {
						want.NoPostReachable++
					}
				}
			}
		}
		if got, err := s.StandingCounts(ctx, community, y, minimum, postMinimum); got != want || err != nil {
			t.Errorf("%s: %s/%d StandingCounts = %+v, %v; the scan %+v", when, community, y, got, err, want)
		}
		if y == standingYears[0] {
			ms, held, skipped, err := s.NoPost(ctx, community, postMinimum)
			if err != nil || len(ms) != want.NoPostReachable || skipped != want.NoPost-want.NoPostReachable || len(held) != len(ms) {
				t.Errorf("%s: %s NoPost = %d members, %d skipped, %v; want %d, %d", when, community, len(ms), skipped, err,
					want.NoPostReachable, want.NoPost-want.NoPostReachable)
			}
			for i, m := range ms {
				if h := ll.PostsHeldAt(claimsOf[m.ID], later); held[i] != h || h >= postMinimum || !m.Active() {
					t.Errorf("%s: NoPost gave %+v holding %d (the claims %d)", when, m, held[i], h)
				}
			}
		}
		ms, totals, skipped, err := s.BelowMinimum(ctx, community, y, minimum)
		if err != nil || len(ms) != reach || skipped != below-reach || len(totals) != len(ms) {
			t.Errorf("%s: %s/%d BelowMinimum = %d members, %d skipped, %v; want %d, %d", when, community, y, len(ms), skipped, err, reach, below-reach)
		}
		for i, m := range ms {
			if st := ll.ComputeStanding(byMember[m.ID], y, 0, comm); totals[i] != st.Total || st.Total >= minimum || !m.Active() || m.TelegramID == 0 {
				t.Errorf("%s: BelowMinimum gave %+v with total %d (ComputeStanding %d)", when, m, totals[i], st.Total)
			}
		}
	}
}

// standingWorld is a community (dongan, and xiyuan to move to) on which
// random operations change members and the ledger.
type standingWorld struct {
	t      *testing.T
	s      *storage.Store
	acts   []ll.Activity
	posts  []ll.Post
	mu     sync.Mutex
	nextTG int64
	done   map[string]int // successful operations by kind
}

func (w *standingWorld) ok(kind string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.done[kind]++
	}
}

func (w *standingWorld) tg() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nextTG++
	return w.nextTG
}

// member picks a random member of community (any status), nil if none.
func (w *standingWorld) member(r *rand.Rand, community string) *ll.Member {
	ms, err := w.s.Members(ctx, community)
	if err != nil || len(ms) == 0 {
		return nil
	}
	return &ms[r.IntN(len(ms))]
}

// step runs one random operation.
func (w *standingWorld) step(r *rand.Rand) {
	s := w.s
	m := w.member(r, "dongan")
	by := "M1"
	date := fmt.Sprintf("%d-0%d-1%d", standingYears[r.IntN(len(standingYears))], 1+r.IntN(9), r.IntN(10))
	switch k := r.IntN(15); {
	case k == 0 || m == nil: // registration
		inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Created: t0}, nil)
		if err == nil {
			_, err = s.Register(ctx, inv, ll.Member{TelegramID: w.tg(), Name: "New"}, t0)
		}
		w.ok("register", err)
	case k <= 3: // check-in
		a := w.acts[r.IntN(len(w.acts))]
		_, changed, err := s.CheckIn(ctx, "dongan", m.ID, ll.CheckIn{Code: a.Code, Method: ll.MethodCode}, a.Start)
		if changed {
			w.ok("checkin", err)
		}
	case k <= 5: // attend
		a := w.acts[r.IntN(len(w.acts))]
		changed, err := s.Attend(ctx, "dongan", a.ID, m.ID, by, "", a.End, nil)
		if changed {
			w.ok("attend", err)
		}
	case k <= 7: // void
		ps, err := s.Participations(ctx, "dongan", m.ID)
		if err != nil {
			return
		}
		var live []ll.Participation
		for _, p := range ps {
			if !p.Voided {
				live = append(live, p)
			}
		}
		if len(live) > 0 {
			p := live[r.IntN(len(live))]
			w.ok("void", s.Void(ctx, "dongan", p.Ref, m.ID, by, "not there", t0.Add(time.Hour), nil))
		}
	case k == 8: // service approval
		rec, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: m.ID, Text: "lamps", Date: date, Created: day(date).Add(24 * time.Hour)})
		if err == nil {
			_, _, err = s.Decide(ctx, "dongan", rec.ID, r.IntN(4) > 0, "M999", "", t0, nil)
		}
		w.ok("service", err)
	case k == 9: // need solved
		if !m.Active() || m.TelegramID == 0 {
			return
		}
		asker := 1_000_000 + w.tg()
		n, _, err := s.CreateNeed(ctx, ll.Need{Community: "dongan", Text: "Lamp broken", AskerID: asker, Created: t0}, "t")
		if err != nil {
			return
		}
		n.Helpers, n.Due = 1, t0.Add(7*24*time.Hour)
		if _, _, err = s.PublishNeed(ctx, n, false, 0, t0, nil); err == nil {
			if _, err = s.TakeNeedAs(ctx, userOf(*m), n.ID, t0); err == nil {
				if _, err = s.DoneNeedAs(ctx, userOf(*m), n.ID, "fixed", false, t0); err == nil {
					_, err = s.SolveNeed(ctx, "dongan", n.ID, asker, "", 0, date, t0, nil)
				}
			}
		}
		w.ok("need", err)
	case k == 10: // claim or release
		p := w.posts[r.IntN(len(w.posts))]
		if p.Mode == ll.ModePaired {
			if m.TelegramID == 0 {
				return
			}
			if _, _, _, err := s.RequestClaimAs(ctx, userOf(*m), p.ID, t0); err != nil {
				return
			}
			_, _, err := s.DecideClaim(ctx, "dongan", p.ID, m.ID, r.IntN(3) > 0, "M999", t0, nil)
			w.ok("paired", err)
		} else if r.IntN(2) == 0 {
			_, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0)
			w.ok("claim", err)
		} else {
			_, err := s.Unclaim(ctx, "dongan", p.ID, m.ID, t0)
			w.ok("release", err)
		}
	case k == 11: // removal, or a move to xiyuan
		if err := s.RemoveMember(ctx, "dongan", m.ID, t0, nil); err == nil && m.TelegramID != 0 && r.IntN(2) == 0 {
			inv, err := s.CreateInvite(ctx, ll.Invite{Community: "xiyuan", Created: t0}, nil)
			if err == nil {
				_, err = s.Register(ctx, inv, ll.Member{TelegramID: m.TelegramID, Name: "Moved"}, t0)
			}
			w.ok("move", err)
		} else {
			w.ok("remove", err)
		}
	case k == 12: // /forgetme, or the committee's forget
		if m.TelegramID != 0 && r.IntN(2) == 0 {
			_, err := s.ForgetPerson(ctx, m.TelegramID, t0, nil)
			w.ok("forgetme", err)
		} else {
			w.ok("forget", s.Forget(ctx, "dongan", m.ID, t0, nil))
		}
	case k == 13 && r.IntN(2) == 0: // Telegram refuses messages, or the member is back
		if m.TelegramID != 0 {
			w.ok("reach", s.SetReachable(ctx, m.TelegramID, r.IntN(2) == 0))
		}
	default: // a profile change, a re-registration of who left
		if m.TelegramID != 0 && !m.Active() && m.Status != ll.StatusForgotten {
			inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Created: t0}, nil)
			if err == nil {
				_, err = s.Register(ctx, inv, ll.Member{TelegramID: m.TelegramID, Name: "Back"}, t0)
			}
			w.ok("rejoin", err)
			return
		}
		m.Unit = "Unit " + strconv.Itoa(r.IntN(3))
		w.ok("profile", s.UpdateProfile(ctx, *m))
	}
}

// day is the UTC midnight of date.
func day(date string) time.Time {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	return d
}

func newStandingWorld(t *testing.T) *standingWorld {
	return newStandingWorldOn(t, storagetest.NewStore(t))
}

// newStandingWorldOn is newStandingWorld on store s.
func newStandingWorldOn(t *testing.T, s *storage.Store) *standingWorld {
	newCommunity(t, s, "dongan")
	newCommunity(t, s, "xiyuan")
	w := &standingWorld{t: t, s: s, nextTG: 7000, done: map[string]int{}}
	for _, start := range []time.Time{t0, t0.Add(48 * time.Hour), time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC)} {
		w.acts = append(w.acts, newActivity(t, s, "dongan", start, 0))
	}
	for range 3 {
		w.posts = append(w.posts, newPost(t, s, "dongan", 0))
	}
	paired, err := s.CreatePost(ctx, ll.Post{Community: "dongan", Title: "Night watch", Mode: ll.ModePaired, Created: t0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.posts = append(w.posts, paired)
	for range 12 {
		register(t, s, "dongan", w.tg(), "Member")
	}
	importMembers(t, s, "dongan", 3) // no Telegram id
	return w
}

// TestYearIndexAgreesWithLedger runs random operations on members and the
// ledger, one at a time and then concurrently, and holds the standing index
// to ll.ComputeStanding over a full scan after each phase.
func TestYearIndexAgreesWithLedger(t *testing.T) {
	t.Parallel()
	w := newStandingWorld(t)
	r := rand.New(rand.NewPCG(13, 1))
	for i := 0; i < 400; i++ {
		w.step(r)
		if i%50 == 49 {
			checkYearIndex(t, w.s, "dongan", fmt.Sprintf("after %d steps", i+1))
			checkYearIndex(t, w.s, "xiyuan", fmt.Sprintf("after %d steps", i+1))
		}
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 99))
			for range 80 {
				w.step(r)
			}
		}()
	}
	wg.Wait()
	checkYearIndex(t, w.s, "dongan", "after the concurrent steps")
	checkYearIndex(t, w.s, "xiyuan", "after the concurrent steps")
	for _, k := range []string{"register", "checkin", "attend", "void", "service", "need", "claim", "release", "remove", "move",
		"forgetme", "forget", "profile", "rejoin", "reach", "paired"} {
		if w.done[k] == 0 {
			t.Errorf("no %s succeeded: the test did not exercise it (done: %v)", k, w.done)
		}
	}
	t.Logf("operations done: %v", w.done)
}

// TestYearIndexFollowsAnActivitysDate: an activity saved again after the
// community's zone changed can fall on a date of another year; its
// participations that count move with it in the index.
func TestYearIndexFollowsAnActivitysDate(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	comm := newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 3)
	a := newActivity(t, s, "dongan", time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC), 0) // 2026-01-01 in Shanghai
	for _, m := range ms[:2] {
		if _, err := s.Attend(ctx, "dongan", a.ID, m.ID, "M3", "", a.End, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Void(ctx, "dongan", a.ID, ms[1].ID, "M3", "no", a.End, nil); err != nil {
		t.Fatal(err)
	}
	checkYearIndex(t, s, "dongan", "in Shanghai")
	checkYearFigures(t, s, "dongan", "in Shanghai") // the latest dates move with the activity's
	comm.TimeZone = "UTC"
	if err := s.SaveCommunity(ctx, comm, nil); err != nil {
		t.Fatal(err)
	}
	a.Title = "Clean the river bank again"
	if err := s.SaveActivity(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.Participations(ctx, "dongan", ms[0].ID); len(ps) != 1 || ps[0].Date != "2025-12-31" {
		t.Fatalf("participations after the zone changed = %+v, want one dated 2025-12-31", ps)
	}
	checkYearIndex(t, s, "dongan", "in UTC")
	checkYearFigures(t, s, "dongan", "in UTC") // the latest dates move with the activity's
}

// TestMigrateBuildsYearIndex drops the standing index, as schema 3 had none,
// and checks that Migrate builds it from the members and ledger (in pages:
// more members than one step reads), and that migrating again changes
// nothing.
func TestMigrateBuildsYearIndex(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	raw := storagetest.Client(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 1200)
	a := newActivity(t, s, "dongan", t0, 0)
	b := newActivity(t, s, "dongan", time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), 0)
	posts := []ll.Post{newPost(t, s, "dongan", 0), newPost(t, s, "dongan", 0)}
	for i, m := range ms {
		if i%3 == 0 {
			if _, err := s.Attend(ctx, "dongan", a.ID, m.ID, "M1", "", a.End, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%7 == 0 {
			if _, err := s.Attend(ctx, "dongan", b.ID, m.ID, "M1", "", b.End, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%9 == 0 {
			if err := s.Void(ctx, "dongan", a.ID, m.ID, "M2", "no", t0, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%11 == 0 {
			rec, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: m.ID, Text: "x", Date: "2025-05-05", Created: day("2025-05-06")})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Decide(ctx, "dongan", rec.ID, true, "M1999", "", t0, nil); err != nil {
				t.Fatal(err)
			}
		}
		if i%5 == 0 {
			for _, post := range posts[:1+i%2] {
				if _, _, err := s.Claim(ctx, "dongan", post.ID, m.ID, t0); err != nil {
					t.Fatal(err)
				}
			}
			if i%4 == 0 {
				if _, err := s.Unclaim(ctx, "dongan", posts[0].ID, m.ID, t0); err != nil {
					t.Fatal(err)
				}
			}
		}
		if i%13 == 0 {
			if err := s.RemoveMember(ctx, "dongan", m.ID, t0, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkYearIndex(t, s, "dongan", "as kept")
	base := p + "{c:dongan}:"
	checkYearFigures(t, s, "dongan", "as kept")
	if err := raw.Del(ctx, base+"ya", base+"yr", base+"yh", base+"yc:2025", base+"yc:2026",
		base+"yu", base+"yl", base+"cnt:bldg", base+"yt:2025:0", base+"yt:2025:1", base+"yt:2025:2",
		base+"yt:2026:0", base+"yt:2026:1", base+"yt:2026:2").Err(); err != nil {
		t.Fatal(err)
	}
	if x, _ := s.YearIndex(ctx, "dongan", 2025); x.Active(2) || x.Total(1) != 0 {
		t.Fatal("the index is still there after it was dropped")
	}
	if err := raw.Set(ctx, p+"schema", "3", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d = %v", i+1, err)
		}
		checkYearIndex(t, s, "dongan", fmt.Sprintf("after Migrate #%d", i+1))
		checkYearFigures(t, s, "dongan", fmt.Sprintf("after Migrate #%d", i+1))
	}
	if v, err := s.SchemaVersion(ctx); v != storage.CurrentSchema || err != nil {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, storage.CurrentSchema)
	}
}

// BenchmarkBelowMinimum100k reads who is below the minimum in a community
// of 100,000 members with Telegram ids, a third of them with one
// participation this year and a third with two (minimum 2: two thirds
// below): by a scan of every member and the ledger with ComputeStanding
// (what the below-minimum audience, its count and the reminder run did
// before schema 4), against the standing index: the count
// (BelowMinimumCount) and the members (BelowMinimum, reading only theirs).
func BenchmarkBelowMinimum100k(b *testing.B) {
	const n = 100_000
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(b, storage.Options{Prefix: p})
	comm := newCommunity(b, s, "big")
	in := make([]ll.Member, n)
	for i := range in {
		in[i] = ll.Member{TelegramID: 5_000_000_000 + int64(i), Name: "王建国", Unit: "中国工商银行东安支行", Language: "zh"}
	}
	var ms []ll.Member
	for from := 0; from < n; from += 5000 {
		got, err := s.ImportMembers(ctx, "big", in[from:from+5000], t0, nil)
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, got...)
	}
	acts := []ll.Activity{newActivity(b, s, "big", t0, 0), newActivity(b, s, "big", t0.Add(24*time.Hour), 0)}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < n; i += 8 {
				for k := 0; k < i%3; k++ {
					if _, err := s.Attend(ctx, "big", acts[k].ID, ms[i].ID, "M1", "", acts[k].End, nil); err != nil {
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
	const wantBelow = 66_667
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			members, err := s.Members(ctx, "big")
			if err != nil {
				b.Fatal(err)
			}
			ps, _, err := s.CommunityLedger(ctx, "big")
			if err != nil {
				b.Fatal(err)
			}
			by := map[string][]ll.Participation{}
			for _, p := range ps {
				by[p.Member] = append(by[p.Member], p)
			}
			below := 0
			for _, m := range members {
				if m.Active() && ll.ComputeStanding(by[m.ID], 2025, 0, comm).Total < 2 {
					below++
				}
			}
			if below != wantBelow {
				b.Fatalf("scan: %d below, want %d", below, wantBelow)
			}
		}
	})
	b.Run("index/count", func(b *testing.B) {
		for b.Loop() {
			if to, skipped, err := s.BelowMinimumCount(ctx, "big", 2025, 2); err != nil || to != wantBelow || skipped != 0 {
				b.Fatalf("BelowMinimumCount = %d, %d, %v", to, skipped, err)
			}
		}
	})
	b.Run("index/counts", func(b *testing.B) {
		for b.Loop() {
			if c, err := s.StandingCounts(ctx, "big", 2025, 2, 1); err != nil || c.Active != n || c.Below != wantBelow {
				b.Fatalf("StandingCounts = %+v, %v", c, err)
			}
		}
	})
	b.Run("index/members", func(b *testing.B) {
		for b.Loop() {
			if got, _, _, err := s.BelowMinimum(ctx, "big", 2025, 2); err != nil || len(got) != wantBelow {
				b.Fatalf("BelowMinimum = %d, %v", len(got), err)
			}
		}
	})
	// The migration's build of the index of a community from before it.
	b.Run("rebuild", func(b *testing.B) {
		raw := storagetest.Client(b)
		base := p + "{c:big}:"
		for b.Loop() {
			if err := raw.Del(ctx, base+"ya", base+"yr", base+"yh", base+"yc:2025").Err(); err != nil {
				b.Fatal(err)
			}
			if err := s.RebuildYearIndex(ctx, "big"); err != nil {
				b.Fatal(err)
			}
		}
		if to, _, err := s.BelowMinimumCount(ctx, "big", 2025, 2); err != nil || to != wantBelow {
			b.Fatalf("BelowMinimumCount after the rebuild = %d, %v", to, err)
		}
	})
}
