package app_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// TestAudienceCountsMatchScan changes members at random from several
// goroutines at once — joins, moves to another community, removals,
// /forgetme, profile changes of unit, building and skills, Telegram
// refusing them and their coming back, teams and sign-ups — and then
// compares every audience's count from the counters (CountAudience) with
// the full scan that sending does (Recipients).
func TestAudienceCountsMatchScan(t *testing.T) {
	f := newFixture(t)
	sc := f.scope(1)
	// Letters outside ASCII that strings.EqualFold matches with ASCII ones
	// (LONG S, KELVIN SIGN) or not (CAPITAL I WITH DOT ABOVE).
	units := []string{"Bank of China", "bank of CHINA", "第一小学", "Police Station", "", "ſtation", "\u212Aindergarten", "İstanbul"}
	bldgs := []string{"19", "19a", "19A", "3栋", ""}
	skills := []string{"law", "Law", "电工", "teaching", "LAW"}
	pick := func(r *rand.Rand, l []string) string { return l[r.IntN(len(l))] }
	someSkills := func(r *rand.Rand) []string {
		var out []string
		for _, s := range skills {
			if r.IntN(3) == 0 {
				out = append(out, s)
			}
		}
		return out
	}
	seed := rand.New(rand.NewPCG(1, 2))
	var ms []ll.Member
	for i := range 200 {
		m := ll.Member{Name: fmt.Sprintf("V%d", i), Unit: pick(seed, units), Building: pick(seed, bldgs), Skills: someSkills(seed)}
		if i%7 != 0 { // every seventh never opened the bot
			m.TelegramID = int64(1000 + i)
		}
		ms = append(ms, m)
	}
	if _, err := f.store.ImportMembers(f.ctx, "elm", ms, f.now, nil); err != nil {
		t.Fatal(err)
	}
	oak := ll.Community{ID: "oak", Name: "Oak", TimeZone: "Asia/Shanghai", Language: "en", Created: f.now}
	if err := f.store.CreateCommunity(f.ctx, oak, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreateTeam(f.ctx, ll.Team{Community: "elm", Name: "Lamps", Created: f.now}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreateActivity(f.ctx, ll.Activity{Community: "elm", Title: "Sweep", Start: f.now.Add(72 * time.Hour),
		End: f.now.Add(74 * time.Hour), Created: f.now}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CreatePost(f.ctx, ll.Post{Community: "elm", Title: "Desk", Mode: ll.ModeClaimed, Created: f.now}, nil); err != nil {
		t.Fatal(err)
	}
	invite := func(community string) ll.Invite {
		inv, err := f.store.CreateInvite(f.ctx, ll.Invite{Community: community, Created: f.now}, nil)
		if err != nil {
			t.Error(err)
		}
		return inv
	}
	// The first count builds the counters; from then on the scripts that
	// change members keep them, which is what this test checks.
	if n, err := f.app.Broadcasts.CountAudience(f.ctx, sc, app.Audience{Kind: app.AudienceAll}); err != nil || n.To+n.Skipped != 203 || n.Skipped < 28 {
		t.Fatalf("CountAudience(all) before = %+v, %v; want 203 of whom at least 28 cannot be reached", n, err)
	}
	var wg sync.WaitGroup
	var ops sync.Map
	var (
		mu      sync.Mutex
		refused []int64 // marked unreachable: op 7 brings them back
	)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 99))
			for i := range 80 {
				mid := fmt.Sprintf("M%d", 4+r.IntN(200))
				tg := int64(1000 + r.IntN(200))
				var err error
				op := r.IntN(12)
				switch op {
				case 0: // a new member joins
					_, err = f.store.Register(f.ctx, invite("elm"), ll.Member{TelegramID: int64(5000 + g*1000 + i), Name: "New",
						Unit: pick(r, units), Building: pick(r, bldgs), Skills: someSkills(r)}, f.now)
				case 1: // moves to oak
					if _, err = f.store.Register(f.ctx, invite("oak"), ll.Member{TelegramID: tg, Name: "Mover"}, f.now); err == nil {
						var m ll.Member
						if m, err = f.store.MemberByTelegram(f.ctx, "elm", tg); err == nil {
							err = f.store.RemoveMember(f.ctx, "elm", m.ID, f.now, nil)
						}
					}
				case 2:
					err = f.store.RemoveMember(f.ctx, "elm", mid, f.now, nil)
				case 3: // /forgetme
					_, err = f.store.ForgetPerson(f.ctx, tg, f.now, nil)
				case 4, 5: // profile: unit, building, skills
					var m ll.Member
					if m, err = f.store.Member(f.ctx, "elm", mid); err == nil && m.Active() {
						m.Unit, m.Building, m.Skills = pick(r, units), pick(r, bldgs), someSkills(r)
						err = f.store.UpdateProfile(f.ctx, m)
					}
				case 6: // Telegram refuses them
					if err = f.store.SetReachable(f.ctx, tg, false); err == nil {
						mu.Lock()
						refused = append(refused, tg)
						mu.Unlock()
					}
				case 7: // they act through the bot again: reachable
					mu.Lock()
					if len(refused) > 0 {
						k := r.IntN(len(refused))
						tg = refused[k]
						refused = append(refused[:k], refused[k+1:]...)
					}
					mu.Unlock()
					var u ll.User
					if u, err = f.store.User(f.ctx, tg); err == nil {
						_, _, err = f.store.ClaimAs(f.ctx, u, "P1", f.now)
					}
				case 8:
					_, err = f.store.JoinTeam(f.ctx, "elm", "T1", mid)
				case 9:
					_, _, err = f.store.SignUp(f.ctx, "elm", "A1", mid, f.now)
				case 10:
					err = f.store.SetReachable(f.ctx, tg, true)
				case 11: // one imported without a Telegram id opens their personal invite
					n := 4 + 7*r.IntN(29) // M4, M11, …: the ones imported without one
					var inv ll.Invite
					if inv, err = f.store.CreateInvite(f.ctx, ll.Invite{Community: "elm", Member: fmt.Sprintf("M%d", n), Created: f.now}, nil); err == nil {
						_, err = f.store.Register(f.ctx, inv, ll.Member{TelegramID: int64(90_000 + n), Name: "Linked"}, f.now)
					}
				}
				if err != nil && ll.ErrorCode(err) == ll.EINTERNAL {
					t.Errorf("op %d on %s/%d: %v", op, mid, tg, err)
				}
				ops.Store(fmt.Sprint(op, ll.ErrorCode(err)), true)
			}
		}()
	}
	wg.Wait()
	// Whatever the interleaving left (the goroutines may have linked or
	// removed every member without a Telegram id), one more who never
	// opened the bot, with no participation and no post: every audience
	// below then has someone to skip.
	if _, err := f.store.ImportMembers(f.ctx, "elm", []ll.Member{{Name: "Late", Unit: units[0], Building: bldgs[0]}}, f.now, nil); err != nil {
		t.Fatal(err)
	}
	everyone, err := f.store.Members(f.ctx, "elm")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := 0
	for _, m := range everyone {
		if m.Active() && m.Unreachable {
			unreachable++
		}
	}
	t.Logf("after the operations: %d members, %d of them active and marked unreachable", len(everyone), unreachable)
	auds := []app.Audience{{Kind: app.AudienceAll}, {Kind: app.AudienceTeam, Arg: "T1"}, {Kind: app.AudienceActivity, Arg: "A1"}}
	for _, u := range append(units[:4:4], "BANK OF CHINA", "nobody", "station", "STATION", "kindergarten", "istanbul", "İstanbul", "İSTANBUL") {
		auds = append(auds, app.Audience{Kind: app.AudienceUnit, Arg: u})
	}
	for _, b := range append(bldgs[:4:4], "20") {
		auds = append(auds, app.Audience{Kind: app.AudienceBuilding, Arg: b})
	}
	for _, s := range append(skills[:len(skills):len(skills)], "plumbing") {
		auds = append(auds, app.Audience{Kind: app.AudienceSkill, Arg: s})
	}
	reached := 0
	for _, aud := range auds {
		n, err := f.app.Broadcasts.CountAudience(f.ctx, sc, aud)
		if err != nil || n.Scanned {
			t.Fatalf("CountAudience(%s) = %+v, %v; want a count from the counters", aud, n, err)
		}
		r, err := f.app.Broadcasts.Recipients(f.ctx, sc, aud)
		if err != nil {
			t.Fatal(err)
		}
		if n.To != len(r.To) || n.Skipped != r.Skipped {
			t.Errorf("%s: counted %d to reach and %d skipped, the scan finds %d and %d", aud, n.To, n.Skipped, len(r.To), r.Skipped)
		}
		reached += n.To
	}
	all, _ := f.app.Broadcasts.CountAudience(f.ctx, sc, app.Audience{Kind: app.AudienceAll})
	if all.To < 50 || all.Skipped == 0 || reached <= all.To {
		t.Errorf("the operations left %+v in all (%d reached over every audience): the test proves little", all, reached)
	}
	for _, want := range []string{"0", "1", "2", "3", "4", "6", "7", "8", "9", "11"} {
		if _, ok := ops.Load(want); !ok {
			t.Errorf("operation %s never succeeded", want)
		}
	}
	// below-minimum comes from the standing index: its count and its
	// recipients are those of a scan of every member and the ledger.
	// below-minimum and no-post come from the standing index: their counts
	// and recipients are those of a scan of every member and the ledger.
	ps, claims, err := f.store.CommunityLedger(f.ctx, "elm")
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
	year := sc.Now.In(sc.Community.Location()).Year()
	sc.Community.Years, sc.Community.PostMinimum = "", 1 // the fixture has no post minimum
	for _, kind := range []string{app.AudienceBelow, app.AudienceNoPost} {
		var wantTo []string
		wantSkipped := 0
		for _, m := range everyone {
			st := ll.ComputeStanding(byMember[m.ID], year, ll.PostsHeldAt(claimsOf[m.ID], sc.Now), sc.Community)
			if !m.Active() || kind == app.AudienceBelow && st.Total >= st.Minimum || kind == app.AudienceNoPost && st.Posts >= st.PostMinimum {
				continue
			}
			if m.TelegramID == 0 || m.Unreachable {
				wantSkipped++
			} else {
				wantTo = append(wantTo, m.ID)
			}
		}
		aud := app.Audience{Kind: kind}
		n, err := f.app.Broadcasts.CountAudience(f.ctx, sc, aud)
		r, rerr := f.app.Broadcasts.Recipients(f.ctx, sc, aud)
		var gotTo []string
		for _, m := range r.To {
			gotTo = append(gotTo, m.ID)
		}
		if err != nil || rerr != nil || n.Scanned || n.To != len(wantTo) || n.Skipped != wantSkipped ||
			!slices.Equal(gotTo, wantTo) || r.Skipped != wantSkipped {
			t.Errorf("%s: CountAudience = %+v, %v; Recipients = %v (skipped %d), %v; the scan finds %v and %d",
				kind, n, err, gotTo, r.Skipped, rerr, wantTo, wantSkipped)
		}
		if len(wantTo) == 0 || wantSkipped == 0 {
			t.Errorf("%s: the scan finds %d to reach and %d skipped: the test proves little", kind, len(wantTo), wantSkipped)
		}
	}
	// What the counters cannot match is counted by scanning.
	for _, aud := range []app.Audience{{Kind: app.AudienceUnit, Arg: "École"}} {
		n, err := f.app.Broadcasts.CountAudience(f.ctx, sc, aud)
		r, _ := f.app.Broadcasts.Recipients(f.ctx, sc, aud)
		if err != nil || !n.Scanned || n.To != len(r.To) || n.Skipped != r.Skipped {
			t.Errorf("CountAudience(%s) = %+v, %v; want the scan's %d and %d", aud, n, err, len(r.To), r.Skipped)
		}
	}
}

// TestPrepareAttached: a draft that carries an object counts its audience
// from the counters (To stays nil), may have no text, and refuses an
// unknown object or anything that is not an object's id as *AttachError.
func TestPrepareAttached(t *testing.T) {
	f := broadcastFixture(t)
	sc := f.scope(2)
	all := app.Audience{Kind: app.AudienceAll}
	if _, err := f.store.CreatePost(f.ctx, ll.Post{Community: "elm", Title: "Desk", Mode: ll.ModeClaimed, Capacity: 2, Target: "x", Created: f.now}, nil); err != nil {
		t.Fatal(err)
	}
	d, err := f.app.Broadcasts.PrepareAttached(f.ctx, sc, all, "", "p1")
	if err != nil || d.Attached == nil || d.Attached.Ref != "P1" || d.Attached.Post == nil || d.Attached.Post.Target != "" ||
		d.To != nil || d.Count.To != 2 || d.Count.Skipped != 1 || d.Count.Scanned || d.ID == "" {
		t.Fatalf("PrepareAttached(all, P1) = %+v, %v", d, err)
	}
	for ref, detail := range map[string]string{"N4": "need", "P9": "post", "A9": "activity"} {
		_, err := f.app.Broadcasts.PrepareAttached(f.ctx, sc, all, "hello", ref)
		var ae *app.AttachError
		if !errors.As(err, &ae) || ae.Ref != ref || ll.ErrorDetail(err) != detail {
			t.Errorf("PrepareAttached(%s) = %v; want *AttachError with %s", ref, err, detail)
		}
	}
	if _, err := f.app.Broadcasts.PrepareAttached(f.ctx, sc, all, " ", ""); ll.ErrorDetail(err) != "text" {
		t.Errorf("PrepareAttached without text or object = %v; want EINVALID text", err)
	}
	if ref, ok := app.ParseAttachment("é7"); ok {
		t.Errorf("ParseAttachment(é7) = %q", ref)
	}
}

// TestRecipientsPaged: sending reads the members a page at a time and
// still finds each of a community larger than a page once.
func TestRecipientsPaged(t *testing.T) {
	f := newFixture(t)
	ms := make([]ll.Member, 2345)
	for i := range ms {
		ms[i] = ll.Member{Name: fmt.Sprintf("V%d", i), TelegramID: int64(10_000 + i), Building: fmt.Sprint(i % 3)}
	}
	if _, err := f.store.ImportMembers(f.ctx, "elm", ms, f.now, nil); err != nil {
		t.Fatal(err)
	}
	r, err := f.app.Broadcasts.Recipients(f.ctx, f.scope(1), app.Audience{Kind: app.AudienceBuilding, Arg: "2"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range r.To {
		if seen[m.ID] || m.Building != "2" {
			t.Fatalf("recipient %+v twice or not of building 2", m)
		}
		seen[m.ID] = true
	}
	if len(r.To) != 781 {
		t.Errorf("Recipients(building:2) = %d members, want 781", len(r.To))
	}
	n, err := f.app.Broadcasts.CountAudience(f.ctx, f.scope(1), app.Audience{Kind: app.AudienceBuilding, Arg: "2"})
	if err != nil || n.To != 781 {
		t.Errorf("CountAudience(building:2) = %+v, %v; want 781", n, err)
	}
}
