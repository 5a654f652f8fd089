package app_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/record"
)

// figuresWorld is the fixture's community with more members, activities
// past and to come, posts and a team, on which random operations run.
type figuresWorld struct {
	f     *fixture
	past  []ll.Activity // before f.now
	to    []ll.Activity // still to come
	posts []ll.Post
	mu    sync.Mutex
	done  map[string]int
}

func (w *figuresWorld) ok(kind string, err error) {
	if err != nil {
		return
	}
	w.mu.Lock()
	w.done[kind]++
	w.mu.Unlock()
}

func newFiguresWorld(t *testing.T) *figuresWorld {
	f := newFixture(t)
	w := &figuresWorld{f: f, done: map[string]int{}}
	var ms []ll.Member
	for i := range 30 {
		ms = append(ms, ll.Member{TelegramID: int64(100 + i), Name: figureNames[i%len(figureNames)], Unit: figureUnits[i%len(figureUnits)],
			Building: figureUnits[(i+3)%len(figureUnits)]})
	}
	if _, err := f.store.ImportMembers(f.ctx, "elm", ms, f.now.AddDate(0, -4, 0), nil); err != nil {
		t.Fatal(err)
	}
	// A community this small has no search index of its own: given one,
	// the unit and building filters and the name order come from it.
	if err := f.store.EnableSearchIndex(f.ctx, "elm"); err != nil {
		t.Fatal(err)
	}
	for i, start := range []time.Time{
		time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 20, 9, 0, 0, 0, time.UTC), time.Date(2025, 11, 5, 9, 0, 0, 0, time.UTC),
		f.now.Add(-time.Hour),                                                     // under way: still to come, and open to check in
		f.now.Add(48 * time.Hour), f.now.AddDate(0, 1, 0), f.now.AddDate(1, 0, 0), // the last one next year
	} {
		a, err := f.store.CreateActivity(f.ctx, ll.Activity{Community: "elm", Title: fmt.Sprintf("Patrol %d", i), Start: start,
			End: start.Add(2 * time.Hour), CreatedBy: "M1", Created: f.now.AddDate(0, -5, 0)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.End.After(f.now) {
			w.to = append(w.to, a)
		} else {
			w.past = append(w.past, a)
		}
	}
	for i := range 3 {
		p, err := f.store.CreatePost(f.ctx, ll.Post{Community: "elm", Title: fmt.Sprintf("Post %d", i), Mode: ll.ModeClaimed, Created: f.now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.posts = append(w.posts, p)
	}
	if _, err := f.store.CreateTeam(f.ctx, ll.Team{Community: "elm", Name: "Patrol"}, nil); err != nil {
		t.Fatal(err)
	}
	return w
}

// figureNames and figureUnits are the names, units and buildings the
// members are given and moved between: the same ones in other cases, with
// letters outside ASCII (KELVIN SIGN, İ, Ü, ſ), names that tie once lowered
// and an empty value.
var (
	figureNames = []string{"N01", "n01", "Ann", "ann", "Bob", "ÜLI", "üli", "\u212aim", "kim", "İpek", "ipek", "Ipek", "李雷", "Zoë", "zoë"}
	figureUnits = []string{"Unit 1", "UNIT 1", "unit 1", "Unit 2", "\u212a 3", "k 3", "İnn", "inn", "Ünit", "ünit", "ſt", "St", "东区", ""}
)

// step runs one random operation on a random member.
func (w *figuresWorld) step(r *rand.Rand) {
	f := w.f
	ms, err := f.store.Members(f.ctx, "elm")
	if err != nil || len(ms) == 0 {
		return
	}
	m := ms[r.IntN(len(ms))]
	all := append(append([]ll.Activity(nil), w.past...), w.to...)
	k := r.IntN(14)
	if (k == 8 || k == 9) && (m.ID == "M1" || m.ID == "M2") {
		return // the secretary and the committee member check stay
	}
	switch k {
	case 0, 1, 2: // a participation entered (past or under way)
		a := all[r.IntN(len(w.past)+1)]
		_, err := f.store.Attend(f.ctx, "elm", a.ID, m.ID, "M2", "", f.now, nil)
		w.ok("attend", err)
	case 3: // void
		ps, _ := f.store.Participations(f.ctx, "elm", m.ID)
		for _, p := range ps {
			if !p.Voided {
				w.ok("void", f.store.Void(f.ctx, "elm", p.Ref, m.ID, "M2", "not there", f.now, nil))
				break
			}
		}
	case 4: // a service, approved or not
		date := f.now.AddDate(0, 0, -r.IntN(25)).Format(time.DateOnly)
		rec, err := f.store.LogService(f.ctx, ll.ServiceRecord{Community: "elm", Member: m.ID, Text: "lamps", Date: date, Created: f.now})
		if err == nil {
			_, _, err = f.store.Decide(f.ctx, "elm", rec.ID, r.IntN(4) > 0, "M2", "", f.now, nil)
		}
		w.ok("service", err)
	case 5, 6: // a sign-up for an activity to come
		_, _, err := f.store.SignUp(f.ctx, "elm", w.to[r.IntN(len(w.to))].ID, m.ID, f.now)
		w.ok("signup", err)
	case 7: // claim or release a post
		p := w.posts[r.IntN(len(w.posts))]
		if r.IntN(2) == 0 {
			_, _, err := f.store.Claim(f.ctx, "elm", p.ID, m.ID, f.now)
			w.ok("claim", err)
		} else {
			_, err := f.store.Unclaim(f.ctx, "elm", p.ID, m.ID, f.now)
			w.ok("release", err)
		}
	case 8: // removal (a move away)
		w.ok("remove", f.store.RemoveMember(f.ctx, "elm", m.ID, f.now, nil))
	case 9: // /forgetme
		if m.TelegramID != 0 {
			_, err := f.store.ForgetPerson(f.ctx, m.TelegramID, f.now, nil)
			w.ok("forgetme", err)
		}
	case 10: // Telegram refuses, or the member is back
		if m.TelegramID != 0 {
			w.ok("reach", f.store.SetReachable(f.ctx, m.TelegramID, r.IntN(2) == 0))
		}
	case 11: // a team
		_, err := f.store.JoinTeam(f.ctx, "elm", "T1", m.ID)
		w.ok("team", err)
	case 12: // a rename or a move, through a profile update
		m.Name = figureNames[r.IntN(len(figureNames))]
		if r.IntN(2) == 0 {
			m.Unit = figureUnits[r.IntN(len(figureUnits))]
		} else {
			m.Building = figureUnits[r.IntN(len(figureUnits))]
		}
		w.ok("profile", f.store.UpdateProfile(f.ctx, m))
	case 13: // a member joins
		_, err := f.store.ImportMembers(f.ctx, "elm", []ll.Member{{Name: figureNames[r.IntN(len(figureNames))],
			Unit: figureUnits[r.IntN(len(figureUnits))], Building: figureUnits[r.IntN(len(figureUnits))]}}, f.now, nil)
		w.ok("join", err)
	}
}

// check holds Report, Compliance and Standings (from the index) to the full
// computations.
func (w *figuresWorld) check(t *testing.T, when string) {
	t.Helper()
	f := w.f
	sc := f.scope(2)
	ps, _, err := f.store.CommunityLedger(f.ctx, "elm")
	if err != nil {
		t.Fatal(err)
	}
	every := record.CountMethods(ps, 2026) // the index counts every member's participations

	got, err := f.app.Reports.Report(f.ctx, sc, "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := app.ReportFull(f.app.Reports, f.ctx, sc.Community, 2026, f.now)
	if err != nil {
		t.Fatal(err)
	}
	want.OpenPosts, want.FilledPosts = got.OpenPosts, got.FilledPosts // read the same way by both
	if got.Summary != want.Summary {
		t.Errorf("%s: Report summary = %+v, the full one %+v", when, got.Summary, want.Summary)
	}
	if got.UnreachableCount != want.UnreachableCount || !slices.Equal(memberIDs(got.Unreachable), memberIDs(want.Unreachable)) {
		t.Errorf("%s: Report unreachable = %d %v, the full one %d %v", when, got.UnreachableCount, memberIDs(got.Unreachable),
			want.UnreachableCount, memberIDs(want.Unreachable))
	}
	if len(got.Below) != len(want.Below) {
		t.Errorf("%s: Report has %d below the minimum, the full one %d", when, len(got.Below), len(want.Below))
	}
	for i := range min(len(got.Below), len(want.Below)) {
		g, w := got.Below[i], want.Below[i]
		if len(want.Below) > app.ReportNames {
			// The index gives no per-method figures for a file of names.
			w.Activities, w.Services, w.Strong, w.LastParticipation, w.ByMethod = 0, 0, 0, "", record.Breakdown{}
			w.Unit, w.Building, w.Joined = "", "", ""
		}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s: Report below[%d] = %+v, the full one %+v", when, i, g, w)
		}
	}
	if fmt.Sprint(got.ByMethod.Listed()) != fmt.Sprint(every.Listed()) {
		t.Errorf("%s: Report by method = %v, the ledger %v", when, got.ByMethod.Listed(), every.Listed())
	}

	co, err := f.app.Reports.Compliance(f.ctx, f.actor(1, true), sc.Community)
	if err != nil || co.Total != want.Summary.Members || co.Compliant != want.Summary.Compliant {
		t.Errorf("%s: Compliance = %+v, %v; want %d of %d", when, co, err, want.Summary.Compliant, want.Summary.Members)
	}

	queries := []app.StandingQuery{{}, {Light: app.LightGreen}, {Light: app.LightAmber}, {Light: app.LightRed, Limit: 5, Offset: 3},
		{Sort: "total"}, {Sort: "total", Light: app.LightRed, Offset: 2, Limit: 4}, {Team: "T1"}, {Sort: "id", Limit: 100},
		{Sort: "name", Limit: 100}, {Sort: "name", Light: app.LightRed, Offset: 3, Limit: 5}, {Sort: "name", Team: "T1"},
		{Sort: "last", Limit: 100}, {Sort: "last"}, {Sort: "last", Offset: 7, Limit: 6}, {Sort: "last", Light: app.LightRed, Offset: 2, Limit: 4},
		{Sort: "last", Team: "T1"}, {Sort: "last", Unit: figureUnits[0], Limit: 100}}
	for _, u := range append(figureUnits[:len(figureUnits)-1:len(figureUnits)-1], "kim", "IPEK", "nobody") {
		queries = append(queries, app.StandingQuery{Unit: u, Limit: 100}, app.StandingQuery{Building: u, Sort: "total"},
			app.StandingQuery{Unit: u, Building: figureUnits[0], Sort: "name", Limit: 100})
	}
	queries = append(queries, app.StandingQuery{Unit: "unit 1", Light: app.LightAmber, Sort: "name", Limit: 100},
		app.StandingQuery{Building: "İNN", Team: "T1", Sort: "name", Offset: 1, Limit: 3})
	for _, q := range queries {
		if q.Limit == 0 {
			q.Limit = app.DefaultStandingPage // as Standings does before either computation
		}
		g, err := f.app.Reports.Standings(f.ctx, sc, q)
		if err != nil {
			t.Fatal(err)
		}
		full, err := app.StandingsFull(f.app.Reports, f.ctx, sc, q)
		if err != nil {
			t.Fatal(err)
		}
		if g.Year != full.Year || g.DaysLeft != full.DaysLeft || g.Active != full.Active || fmt.Sprint(g.Counts) != fmt.Sprint(full.Counts) ||
			g.ByMonth != full.ByMonth || g.Matched != full.Matched || !slices.Equal(g.Units, full.Units) || !slices.Equal(g.Buildings, full.Buildings) {
			t.Errorf("%s: Standings(%+v) = year %d, %d days, %d active, %v, %v, %d matched, %v, %v; the full one %d, %d, %d, %v, %v, %d, %v, %v",
				when, q, g.Year, g.DaysLeft, g.Active, g.Counts, g.ByMonth, g.Matched, g.Units, g.Buildings,
				full.Year, full.DaysLeft, full.Active, full.Counts, full.ByMonth, full.Matched, full.Units, full.Buildings)
		}
		if fmt.Sprint(g.ByMethod.Listed()) != fmt.Sprint(every.Listed()) {
			t.Errorf("%s: Standings(%+v) by method = %v, the ledger %v", when, q, g.ByMethod.Listed(), every.Listed())
		}
		if fmt.Sprint(g.Members) != fmt.Sprint(full.Members) {
			t.Errorf("%s: Standings(%+v) page = %+v, the full one %+v", when, q, g.Members, full.Members)
		}
	}
}

func memberIDs(ms []ll.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// TestFiguresAgreeWithTheFullComputation runs random operations (entries,
// voids, services approved or rejected, sign-ups to come, claims and
// releases, removals, /forgetme, unreachable flips, teams, renames and
// moves, members joining), one at a time
// and then concurrently, and holds /report's figures, the district's
// compliance and the Mini App's overview, all from the standing index, to
// the full computations over every member and the whole ledger.
func TestFiguresAgreeWithTheFullComputation(t *testing.T) {
	w := newFiguresWorld(t)
	w.check(t, "at the start")
	r := rand.New(rand.NewPCG(5, 8))
	for i := 0; i < 240; i++ {
		w.step(r)
		if i%40 == 39 {
			w.check(t, fmt.Sprintf("after %d steps", i+1))
		}
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 3))
			for range 40 {
				w.step(r)
			}
		}()
	}
	wg.Wait()
	w.check(t, "after the concurrent steps")
	for _, k := range []string{"attend", "void", "service", "signup", "claim", "release", "remove", "forgetme", "reach", "team", "profile", "join"} {
		if w.done[k] == 0 {
			t.Errorf("no %s succeeded: the test did not exercise it (done: %v)", k, w.done)
		}
	}
	t.Logf("operations done: %v", w.done)
}
