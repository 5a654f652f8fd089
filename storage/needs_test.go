package storage_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// askNeed stores a new need of asker tg in community.
func askNeed(t testing.TB, s *storage.Store, community string, tg int64, token string) ll.Need {
	t.Helper()
	n, _, err := s.CreateNeed(ctx, ll.Need{Community: community, Text: "Lamp <b>19</b> broken", AskerID: tg, Created: t0}, token)
	if err != nil {
		t.Fatalf("CreateNeed(%d, %s) = %v", tg, token, err)
	}
	return n
}

// userOf is the user record of member m (its membership pointer).
func userOf(m ll.Member) ll.User {
	return ll.User{TelegramID: m.TelegramID, Community: m.Community, MemberID: m.ID}
}

func TestNeedLimitIsPerPersonAndCommunity(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	newCommunity(t, s, "xiyuan")
	// Ten concurrent intakes by one person: exactly MaxOpenNeeds are created.
	var wg sync.WaitGroup
	var created, full atomic.Int32
	var mu sync.Mutex
	tokens := map[string]string{} // token -> need created
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := fmt.Sprintf("t%03d", i)
			n, ok, err := s.CreateNeed(ctx, ll.Need{Community: "dongan", Text: "help", AskerID: 900, Created: t0}, token)
			switch {
			case err == nil && ok:
				created.Add(1)
				mu.Lock()
				tokens[token] = n.ID
				mu.Unlock()
			case ll.ErrorDetail(err) == ll.ReasonNeedLimit:
				full.Add(1)
			default:
				t.Errorf("CreateNeed = %v, %v", ok, err)
			}
		}()
	}
	wg.Wait()
	if created.Load() != ll.MaxOpenNeeds || full.Load() != 10-ll.MaxOpenNeeds {
		t.Fatalf("created %d, refused %d; want %d and %d", created.Load(), full.Load(), ll.MaxOpenNeeds, 10-ll.MaxOpenNeeds)
	}
	// The same token again gives back the same need, not a refusal.
	for token, id := range tokens {
		again, ok, err := s.CreateNeed(ctx, ll.Need{Community: "dongan", Text: "help", AskerID: 900}, token)
		if err != nil || ok || again.ID != id {
			t.Errorf("CreateNeed(same token %s) = %+v, %v, %v; want %s, not created", token, again, ok, err, id)
		}
	}
	// Another community has its own limit; another person too.
	askNeed(t, s, "xiyuan", 900, "x1")
	askNeed(t, s, "dongan", 901, "y1")
	// A declined need no longer counts.
	if _, changed, err := s.DeclineNeed(ctx, "dongan", "N1", "not ours", t0, &ll.AuditEntry{Actor: "M1", Action: "need_decline"}); err != nil || !changed {
		t.Fatalf("DeclineNeed = %v, %v", changed, err)
	}
	askNeed(t, s, "dongan", 900, "t100")
}

func TestNeedTakeRaceNeverExceedsHelpers(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	const members = 200
	ms := make([]ll.Member, members)
	for i := range ms {
		ms[i] = register(t, s, "dongan", int64(1000+i), fmt.Sprintf("Member %d", i))
	}
	n := askNeed(t, s, "dongan", 77, "a")
	n.Helpers, n.Due = 2, t0.Add(7*24*time.Hour)
	if _, err := s.TakeNeedAs(ctx, userOf(ms[0]), n.ID, t0); ll.ErrorDetail(err) != ll.ReasonNeedState {
		t.Errorf("TakeNeedAs(new need) = %v, want ReasonNeedState", err)
	}
	if _, _, err := s.PublishNeed(ctx, n, false, 0, t0, nil); err != nil {
		t.Fatalf("PublishNeed = %v", err)
	}
	var wg sync.WaitGroup
	var took, taken atomic.Int32
	for i := range members {
		for range 2 { // every member double-taps
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.TakeNeedAs(ctx, userOf(ms[i]), n.ID, t0)
				switch {
				case err == nil && r.Changed:
					took.Add(1)
				case err == nil:
					if r.Takers > 2 {
						t.Errorf("a repeated take reports %d takers", r.Takers)
					}
				case ll.ErrorDetail(err) == ll.ReasonNeedTaken:
					taken.Add(1)
				default:
					t.Errorf("TakeNeedAs = %+v, %v", r, err)
				}
			}()
		}
	}
	wg.Wait()
	got, err := s.Need(ctx, "dongan", n.ID)
	if err != nil || took.Load() != 2 || len(got.Takers) != 2 || got.Status != ll.NeedTaken {
		t.Fatalf("after the race: took %d, need %+v, %v; want 2 takers, taken", took.Load(), got, err)
	}
	if got.Takers[0] == got.Takers[1] {
		t.Errorf("one member took twice: %v", got.Takers)
	}
	if int(taken.Load()) < 2*members-4 {
		t.Errorf("%d presses refused as taken, want at least %d", taken.Load(), 2*members-4)
	}
}

func TestNeedDoneSolveRecordsOncePerTaker(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	a := register(t, s, "dongan", 501, "Li")
	b := register(t, s, "dongan", 502, "Wang")
	n := askNeed(t, s, "dongan", 77, "a")
	n.Helpers, n.Due = 2, t0.Add(7*24*time.Hour)
	if _, _, err := s.PublishNeed(ctx, n, false, 0, t0, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range []ll.Member{a, b} {
		if r, err := s.TakeNeedAs(ctx, userOf(m), n.ID, t0); err != nil || !r.Changed || r.Asker != 77 {
			t.Fatalf("TakeNeedAs(%s) = %+v, %v", m.ID, r, err)
		}
	}
	if _, err := s.DoneNeedAs(ctx, ll.User{TelegramID: 999, Community: "dongan", MemberID: "M9"}, n.ID, "", false, t0); err == nil {
		t.Error("DoneNeedAs by a stranger succeeded")
	}
	if changed, err := s.DoneNeedAs(ctx, userOf(a), n.ID, "fixed", false, t0); err != nil || !changed {
		t.Fatalf("DoneNeedAs = %v, %v", changed, err)
	}
	if _, err := s.SolveNeed(ctx, "dongan", n.ID, 78, "", 0, "2025-03-02", t0, nil); ll.ErrorDetail(err) != ll.ReasonNotAsker {
		t.Errorf("SolveNeed by another person = %v, want ReasonNotAsker", err)
	}
	if _, err := s.SolveNeed(ctx, "dongan", n.ID, 0, "M5", 505, "2025-03-02", t0, nil); ll.ErrorDetail(err) != ll.ReasonNeedState {
		t.Errorf("committee SolveNeed while the asker may answer = %v, want ReasonNeedState", err)
	}
	var wg sync.WaitGroup
	var changed atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.SolveNeed(ctx, "dongan", n.ID, 77, "", 0, "2025-03-02", t0, &ll.AuditEntry{Actor: "asker", Action: "need_solved"})
			if err != nil {
				t.Errorf("SolveNeed = %v", err)
			}
			if ok {
				changed.Add(1)
			}
		}()
	}
	wg.Wait()
	if changed.Load() != 1 {
		t.Errorf("SolveNeed changed %d times, want 1", changed.Load())
	}
	for _, m := range []ll.Member{a, b} {
		ps, err := s.Participations(ctx, "dongan", m.ID)
		if err != nil || len(ps) != 1 || ps[0].Kind != ll.KindNeed || ps[0].Ref != n.ID || ps[0].Method != ll.MethodConfirmed ||
			ps[0].VerifiedBy != "" || ps[0].Date != "2025-03-02" {
			t.Errorf("Participations(%s) = %+v, %v; want one need participation", m.ID, ps, err)
		}
	}
	got, _ := s.Need(ctx, "dongan", n.ID)
	if got.Status != ll.NeedSolved || got.SolveDays() != 0 {
		t.Errorf("need after solving = %+v", got)
	}
}

func TestNeedAskerWhoTookItCannotConfirm(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	a := register(t, s, "dongan", 501, "Li")
	c := register(t, s, "dongan", 503, "Zhao")
	n := askNeed(t, s, "dongan", a.TelegramID, "a")
	n.Due = t0.Add(24 * time.Hour)
	if _, _, err := s.PublishNeed(ctx, n, false, 0, t0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeNeedAs(ctx, userOf(a), n.ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DoneNeedAs(ctx, userOf(a), n.ID, "", false, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SolveNeed(ctx, "dongan", n.ID, a.TelegramID, "", 0, "2025-03-01", t0, nil); ll.ErrorDetail(err) != ll.ReasonSelf {
		t.Fatalf("the asker confirming their own help = %v, want ReasonSelf", err)
	}
	pend, _ := s.PendingNeeds(ctx, "dongan")
	if len(pend) != 1 || pend[0].ID != n.ID {
		t.Fatalf("PendingNeeds = %+v, want the need", pend)
	}
	if _, err := s.SolveNeed(ctx, "dongan", n.ID, 0, a.ID, a.TelegramID, "2025-03-01", t0, nil); ll.ErrorDetail(err) != ll.ReasonSelf {
		t.Errorf("approving one's own need = %v, want ReasonSelf", err)
	}
	if ok, err := s.SolveNeed(ctx, "dongan", n.ID, 0, c.ID, c.TelegramID, "2025-03-01", t0, nil); err != nil || !ok {
		t.Fatalf("committee approval = %v, %v", ok, err)
	}
	ps, _ := s.Participations(ctx, "dongan", a.ID)
	if len(ps) != 1 || ps[0].Method != ll.MethodApproval || ps[0].VerifiedBy != c.ID {
		t.Errorf("participations = %+v, want one by approval verified by %s", ps, c.ID)
	}
}

func TestNeedSweepClaimsOnce(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	a := register(t, s, "dongan", 501, "Li")
	n1 := askNeed(t, s, "dongan", 77, "a")
	n2 := askNeed(t, s, "dongan", 77, "b")
	for _, n := range []ll.Need{n1, n2} {
		n.Due = t0.Add(3 * 24 * time.Hour)
		if _, _, err := s.PublishNeed(ctx, n, false, 0, t0, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakeNeedAs(ctx, userOf(a), n.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DoneNeedAs(ctx, userOf(a), n2.ID, "", false, t0); err != nil {
		t.Fatal(err)
	}
	count := func(at time.Time) (r, o, w int) {
		var wg sync.WaitGroup
		var rr, oo, ww atomic.Int32
		for range 8 { // replicas sweeping at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				sw, err := s.SweepNeeds(ctx, "dongan", at)
				if err != nil {
					t.Errorf("SweepNeeds = %v", err)
				}
				rr.Add(int32(len(sw.Remind)))
				oo.Add(int32(len(sw.Overdue)))
				ww.Add(int32(len(sw.Waited)))
			}()
		}
		wg.Wait()
		return int(rr.Load()), int(oo.Load()), int(ww.Load())
	}
	if r, o, w := count(t0.Add(12 * time.Hour)); r+o+w != 0 {
		t.Errorf("day 0: %d %d %d, want nothing", r, o, w)
	}
	if r, o, w := count(t0.Add(24*time.Hour + time.Hour)); r != 1 || o != 0 || w != 0 {
		t.Errorf("the day before due: remind %d overdue %d waited %d; want 1 0 0", r, o, w)
	}
	if r, o, w := count(t0.Add(3*24*time.Hour + time.Hour)); r != 0 || o != 1 || w != 1 {
		t.Errorf("after due, 3 days after done: remind %d overdue %d waited %d; want 0 1 1", r, o, w)
	}
	if r, o, w := count(t0.Add(5 * 24 * time.Hour)); r+o+w != 0 {
		t.Errorf("later: %d %d %d, want nothing again", r, o, w)
	}
	pend, _ := s.PendingNeeds(ctx, "dongan")
	if len(pend) != 1 || pend[0].ID != n2.ID || !pend[0].Pending {
		t.Errorf("PendingNeeds = %+v, want %s", pend, n2.ID)
	}
	old, err := s.ReleaseNeed(ctx, "dongan", n1.ID, t0.Add(10*24*time.Hour), t0, nil)
	if err != nil || len(old) != 1 || old[0] != a.ID {
		t.Fatalf("ReleaseNeed = %v, %v", old, err)
	}
	got, _ := s.Need(ctx, "dongan", n1.ID)
	if got.Status != ll.NeedPublished || len(got.Takers) != 0 || !got.Due.Equal(t0.Add(10*24*time.Hour)) {
		t.Errorf("need after release = %+v, want published without takers, due moved on", got)
	}
	if sw, _ := s.SweepNeeds(ctx, "dongan", t0.Add(5*24*time.Hour)); len(sw.Expired) != 0 {
		t.Errorf("a released need expired before its new due date: %+v", sw.Expired)
	}
}

func TestNeedNobodyTookExpires(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	n := askNeed(t, s, "dongan", 77, "a")
	n.Due = t0.Add(24 * time.Hour)
	if _, _, err := s.PublishNeed(ctx, n, false, 0, t0, nil); err != nil {
		t.Fatal(err)
	}
	if sw, err := s.SweepNeeds(ctx, "dongan", t0.Add(23*time.Hour)); err != nil || len(sw.Expired) != 0 {
		t.Fatalf("before due: %+v, %v", sw, err)
	}
	var wg sync.WaitGroup
	var expired atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sw, err := s.SweepNeeds(ctx, "dongan", t0.Add(25*time.Hour))
			if err != nil {
				t.Errorf("SweepNeeds = %v", err)
			}
			expired.Add(int32(len(sw.Expired)))
		}()
	}
	wg.Wait()
	got, _ := s.Need(ctx, "dongan", n.ID)
	if expired.Load() != 1 || got.Status != ll.NeedExpired {
		t.Errorf("expired %d times, status %s; want once, expired", expired.Load(), got.Status)
	}
	// It no longer counts toward the asker's limit.
	for i := range ll.MaxOpenNeeds {
		askNeed(t, s, "dongan", 77, fmt.Sprintf("b%d", i))
	}
}

func TestForgetPersonWipesTheirNeeds(t *testing.T) {
	t.Parallel()
	prefix := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: prefix})
	newCommunity(t, s, "dongan")
	newCommunity(t, s, "xiyuan")
	asker := register(t, s, "dongan", 501, "Li")
	helper := register(t, s, "dongan", 502, "Wang")
	n := askNeed(t, s, "dongan", asker.TelegramID, "a")
	other := askNeed(t, s, "xiyuan", asker.TelegramID, "b") // where they are no member
	keep := askNeed(t, s, "dongan", 777, "c")
	n.Due = t0.Add(24 * time.Hour)
	if _, _, err := s.PublishNeed(ctx, n, false, 0, t0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeNeedAs(ctx, userOf(helper), n.ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DoneNeedAs(ctx, userOf(helper), n.ID, "", false, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SolveNeed(ctx, "dongan", n.ID, asker.TelegramID, "", 0, "2025-03-01", t0, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ForgetPerson(ctx, asker.TelegramID, t0, nil); err != nil {
		t.Fatal(err)
	}
	for _, x := range []ll.Need{n, other} {
		got, err := s.Need(ctx, x.Community, x.ID)
		if err != nil || got.Text != "—" || got.AskerID != 0 || got.AskerLang != "" {
			t.Errorf("%s/%s after forgetting its asker = %+v, %v", x.Community, x.ID, got, err)
		}
	}
	if got, _ := s.Need(ctx, "dongan", keep.ID); got.Text != keep.Text || got.AskerID != 777 {
		t.Errorf("another person's need changed: %+v", got)
	}
	ps, err := s.Participations(ctx, "dongan", helper.ID)
	if err != nil || len(ps) != 1 || ps[0].Ref != n.ID || ps[0].Date != "2025-03-01" {
		t.Fatalf("helper's participations = %+v, %v; want the need's, still counting", ps, err)
	}
	rdb := storagetest.Client(t)
	keys := storagetest.Keys(t, rdb, prefix+"{c:dongan}:p:"+helper.ID)
	if len(keys) != 1 {
		t.Fatalf("participation keys %v", keys)
	}
	for _, k := range keys {
		if v, _ := rdb.HGet(ctx, k, n.ID).Result(); v == "" || strings.Contains(v, "501") {
			t.Errorf("participation %s = %q, want it without the asker's Telegram id", k, v)
		}
	}
}

// TestPublishNeedAgainSeenRoundRace: simultaneous announcements again of a
// need with the same round seen make exactly one new round; the others
// answer repeat with it and change nothing. Without a round seen (the
// chat's /publish) every call is a new round.
func TestPublishNeedAgainSeenRoundRace(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	n := askNeed(t, s, "dongan", 77, "a")
	n.Helpers, n.Due = 1, t0.Add(7*24*time.Hour)
	if round, repeat, err := s.PublishNeed(ctx, n, false, 0, t0, nil); err != nil || round != 1 || repeat {
		t.Fatalf("PublishNeed = %d, %v, %v; want round 1", round, repeat, err)
	}
	const requests = 8
	var (
		wg              sync.WaitGroup
		start           = make(chan struct{})
		fresh, repeated atomic.Int32
	)
	for range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			round, repeat, err := s.PublishNeed(ctx, n, true, 1, t0, &ll.AuditEntry{Actor: "M1", Action: "need_publish"})
			switch {
			case err != nil || round != 2:
				t.Errorf("PublishNeed(again, seen 1) = %d, %v, %v; want round 2", round, repeat, err)
			case repeat:
				repeated.Add(1)
			default:
				fresh.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if fresh.Load() != 1 || repeated.Load() != requests-1 {
		t.Errorf("of %d simultaneous requests %d announced and %d were repeats, want 1 and %d", requests, fresh.Load(), repeated.Load(), requests-1)
	}
	if got, err := s.Need(ctx, "dongan", n.ID); err != nil || got.Round != 2 {
		t.Errorf("need after the race = round %d, %v; want 2", got.Round, err)
	}
	if log, err := s.AuditLog(ctx, "dongan", 100, time.Time{}); err != nil || countActions(log, "need_publish") != 1 {
		t.Errorf("audit after the race = %+v, %v; want one need_publish", log, err)
	}
	if round, repeat, err := s.PublishNeed(ctx, n, true, 0, t0, nil); err != nil || round != 3 || repeat {
		t.Errorf("PublishNeed(again, no round seen) = %d, %v, %v; want round 3", round, repeat, err)
	}
	if round, repeat, err := s.PublishNeed(ctx, n, false, 3, t0, nil); ll.ErrorDetail(err) != ll.ReasonNeedState || repeat {
		t.Errorf("PublishNeed(not again, published) = %d, %v, %v; want ReasonNeedState (seen applies only with again)", round, repeat, err)
	}
}

// countActions counts the audit entries of action.
func countActions(log []ll.AuditEntry, action string) int {
	n := 0
	for _, e := range log {
		if e.Action == action {
			n++
		}
	}
	return n
}
