package storage_test

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestBegin(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	newCommunity(t, s, "dongan")
	m := register(t, s, "dongan", 4242, "Li")
	if err := s.SetUserLanguage(ctx, 4242, "en"); err != nil {
		t.Fatal(err)
	}

	first, u, err := s.Begin(ctx, 900, 4242, time.Now())
	want := ll.User{TelegramID: 4242, Language: "en", Community: "dongan", MemberID: m.ID, HasSnapshot: true}
	if err != nil || !first || u != want {
		t.Fatalf("Begin(900, 4242) = %v, %+v, %v; want true, %+v", first, u, err, want)
	}
	if first, u, err := s.Begin(ctx, 900, 4242, time.Now()); err != nil || first || u.MemberID != "" {
		t.Errorf("Begin(900, 4242) again = %v, %+v, %v; want false and no user", first, u, err)
	}
	if first, u, err := s.Begin(ctx, 901, 77, time.Now()); err != nil || !first || u != (ll.User{TelegramID: 77}) {
		t.Errorf("Begin(901, 77) of an unknown user = %v, %+v, %v; want true, a zero user", first, u, err)
	}
	ttl, err := storagetest.Client(t).TTL(ctx, p+"{u:4242}:upd:900").Result()
	if err != nil || ttl < 47*time.Hour || ttl > 48*time.Hour {
		t.Errorf("TTL of the update marker = %v, %v; want about 48h", ttl, err)
	}
	// Begin's markers are the user's, apart from MarkUpdate's.
	if first, err := s.MarkUpdate(ctx, 900); err != nil || !first {
		t.Errorf("MarkUpdate(900) after Begin(900) = %v, %v; want true", first, err)
	}
}

func TestRegisterGivesTheUserTheMemberLanguage(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, inv, ll.Member{TelegramID: 1, Name: "A", Language: "en"}, t0); err != nil {
		t.Fatal(err)
	}
	if u, err := s.User(ctx, 1); err != nil || u.Language != "en" {
		t.Errorf("User(1) after registering in en = %+v, %v; want language en", u, err)
	}
	// A language the user chose stays.
	if err := s.SetUserLanguage(ctx, 2, "zh"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, inv, ll.Member{TelegramID: 2, Name: "B", Language: "en"}, t0); err != nil {
		t.Fatal(err)
	}
	if u, err := s.User(ctx, 2); err != nil || u.Language != "zh" {
		t.Errorf("User(2) who chose zh, after registering in en = %+v, %v; want zh", u, err)
	}
	if _, err := s.ImportMembers(ctx, "dongan", []ll.Member{{TelegramID: 3, Name: "C", Language: "en"}, {TelegramID: 4, Name: "D"}}, t0, nil); err != nil {
		t.Fatal(err)
	}
	for tg, want := range map[int64]string{3: "en", 4: ""} {
		if u, err := s.User(ctx, tg); err != nil || u.Language != want {
			t.Errorf("User(%d) after import = %+v, %v; want language %q", tg, u, err, want)
		}
	}
}

// The ...As methods act for the member a user's pointer names only if that
// member is active and the user's; otherwise ErrNotMember and no change.
func TestActingAsChecksTheCaller(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	raw := storagetest.Client(t)
	newCommunity(t, s, "dongan")
	li := register(t, s, "dongan", 101, "Li")
	wang := register(t, s, "dongan", 102, "Wang")
	gone := register(t, s, "dongan", 103, "Gone")
	if err := s.RemoveMember(ctx, "dongan", gone.ID, t0, nil); err != nil {
		t.Fatal(err)
	}
	post := newPost(t, s, "dongan", 0)
	a := newActivity(t, s, "dongan", t0, 0)
	as := func(tg int64, m ll.Member) ll.User {
		return ll.User{TelegramID: tg, Community: "dongan", MemberID: m.ID}
	}

	for _, c := range []struct {
		name string
		u    ll.User
	}{
		{"someone else's member", as(102, li)},
		{"a member who left", as(103, gone)},
		{"no member", ll.User{TelegramID: 101, Community: "dongan", MemberID: "M99"}},
		{"no pointer", ll.User{TelegramID: 101}},
		{"a bad pointer", ll.User{TelegramID: 101, Community: "Dong An", MemberID: li.ID}},
	} {
		_, _, err := s.ClaimAs(ctx, c.u, post.ID, t0)
		wantCode(t, "ClaimAs for "+c.name, err, ll.ENOTMEMBER)
		_, err = s.UnclaimAs(ctx, c.u, post.ID, t0)
		wantCode(t, "UnclaimAs for "+c.name, err, ll.ENOTMEMBER)
		_, _, _, err = s.CheckInAs(ctx, c.u, byCode(a.Code), t0)
		wantCode(t, "CheckInAs for "+c.name, err, ll.ENOTMEMBER)
	}
	if p, _ := s.Post(ctx, "dongan", post.ID); p.Claims != 0 {
		t.Errorf("%s has %d claims after refused ClaimAs, want 0", post.ID, p.Claims)
	}
	for _, m := range []ll.Member{li, wang, gone} {
		if ps, _ := s.Participations(ctx, "dongan", m.ID); len(ps) != 0 {
			t.Errorf("%s has participations %+v after refused CheckInAs", m.ID, ps)
		}
	}
	if n, _ := raw.Exists(ctx, p+"{c:dongan}:wrong:"+li.ID).Result(); n != 0 {
		t.Errorf("a refused CheckInAs counted a wrong code")
	}

	// The member's own user acts, and is reachable again.
	if err := s.SetReachable(ctx, 101, false); err != nil {
		t.Fatal(err)
	}
	if p, changed, err := s.ClaimAs(ctx, as(101, li), post.ID, t0); err != nil || !changed || p.Claims != 1 {
		t.Fatalf("ClaimAs(Li) = %+v, %v, %v; want a new claim", p, changed, err)
	}
	if m, _ := s.Member(ctx, "dongan", li.ID); m.Unreachable {
		t.Errorf("Li still unreachable after ClaimAs")
	}
	if _, changed, err := s.ClaimAs(ctx, as(101, li), post.ID, t0); err != nil || changed {
		t.Errorf("ClaimAs(Li) again = %v, %v; want held", changed, err)
	}
	if _, _, err := s.ClaimAs(ctx, as(101, li), "P9", t0); code(err) != ll.ENOTFOUND {
		t.Errorf("ClaimAs(P9) = %v, want ENOTFOUND", err)
	}
	if changed, err := s.UnclaimAs(ctx, as(101, li), post.ID, t0.Add(time.Hour)); err != nil || !changed {
		t.Errorf("UnclaimAs(Li) = %v, %v; want released", changed, err)
	}
	if _, changed, _, err := s.CheckInAs(ctx, as(102, wang), byCode(a.Code), t0); err != nil || !changed {
		t.Errorf("CheckInAs(Wang) = %v, %v; want checked in", changed, err)
	}
	if _, changed, st, err := s.CheckInAs(ctx, as(102, wang), byCode(a.Code), t0); err != nil || changed || st != (ll.Standing{}) {
		t.Errorf("CheckInAs(Wang) again = %v, %+v, %v; want unchanged, no standing", changed, st, err)
	}
	if _, _, _, err := s.CheckInAs(ctx, as(102, wang), byCode("000000"), t0); code(err) != ll.EINVALID {
		t.Errorf("CheckInAs(Wang) with a wrong code = %v, want EINVALID", err)
	}
}

// CheckInAs's standing is what the handlers computed from Participations and
// ClaimsOf: this year's counting participations (this one included; not
// last year's, not a voided one; an approved service), posts held now.
func TestCheckInAsStanding(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	comm := newCommunity(t, s, "dongan")
	li := register(t, s, "dongan", 101, "Li")
	sec := register(t, s, "dongan", 102, "Sec")
	p1, p2 := newPost(t, s, "dongan", 0), newPost(t, s, "dongan", 0)
	for _, p := range []ll.Post{p1, p2} {
		if _, _, err := s.Claim(ctx, "dongan", p.ID, li.ID, t0.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Unclaim(ctx, "dongan", p2.ID, li.ID, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	old := newActivity(t, s, "dongan", t0.AddDate(-1, 0, 0), 0)
	wrong := newActivity(t, s, "dongan", t0.Add(-24*time.Hour), 0)
	for _, a := range []ll.Activity{old, wrong} {
		if _, err := s.Attend(ctx, "dongan", a.ID, li.ID, sec.ID, "", t0, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Void(ctx, "dongan", wrong.ID, li.ID, sec.ID, "not there", t0, nil); err != nil {
		t.Fatal(err)
	}
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: li.ID, Text: "Fixed lamps", Date: "2025-02-20", Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Decide(ctx, "dongan", r.ID, true, sec.ID, "", t0, nil); err != nil {
		t.Fatal(err)
	}
	a := newActivity(t, s, "dongan", t0, 0)

	_, changed, got, err := s.CheckInAs(ctx, ll.User{TelegramID: 101, Community: "dongan", MemberID: li.ID}, byCode(a.Code), t0)
	if err != nil || !changed {
		t.Fatalf("CheckInAs = %v, %v; want checked in", changed, err)
	}
	ps, err := s.Participations(ctx, "dongan", li.ID)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := s.ClaimsOf(ctx, "dongan", li.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := ll.ComputeStanding(ps, 2025, ll.PostsHeldAt(claims, t0), comm)
	if got != want {
		t.Errorf("CheckInAs standing = %+v, want %+v", got, want)
	}
	if want.Activities != 1 || want.Services != 1 || want.Posts != 1 || !want.Compliant {
		t.Errorf("the test's standing is %+v, want 1 activity, 1 service, 1 post, compliant", want)
	}
}

// Card reads in one step what Member, ClaimsOf, Posts, Teams and
// Participations read apart.
func TestCard(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	comm := newCommunity(t, s, "dongan")
	li := register(t, s, "dongan", 101, "Li")
	sec := register(t, s, "dongan", 102, "Sec")
	var posts []ll.Post
	for range 3 {
		posts = append(posts, newPost(t, s, "dongan", 0))
	}
	for _, p := range posts {
		if _, _, err := s.Claim(ctx, "dongan", p.ID, li.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Claim(ctx, "dongan", posts[2].ID, sec.ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Unclaim(ctx, "dongan", posts[1].ID, li.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var teams []ll.Team
	for i, leaders := range [][]string{{li.ID}, nil, {sec.ID}} {
		tm, err := s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "Team " + strconv.Itoa(i), Leaders: leaders, Created: t0}, nil)
		if err != nil {
			t.Fatal(err)
		}
		teams = append(teams, tm)
	}
	if _, err := s.JoinTeam(ctx, "dongan", teams[2].ID, li.ID); err != nil {
		t.Fatal(err)
	}
	a := newActivity(t, s, "dongan", t0, 0)
	if _, _, err := s.CheckIn(ctx, "dongan", li.ID, byCode(a.Code), t0); err != nil {
		t.Fatal(err)
	}
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: li.ID, Text: "Fixed lamps", Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Decide(ctx, "dongan", r.ID, true, sec.ID, "", t0, nil); err != nil {
		t.Fatal(err)
	}

	got, err := s.Card(ctx, "dongan", li.ID)
	if err != nil {
		t.Fatalf("Card = %v", err)
	}
	m, _ := s.Member(ctx, "dongan", li.ID)
	claims, _ := s.ClaimsOf(ctx, "dongan", li.ID)
	ps, _ := s.Participations(ctx, "dongan", li.ID)
	p0, _ := s.Post(ctx, "dongan", posts[0].ID)
	p2, _ := s.Post(ctx, "dongan", posts[2].ID)
	t0m := teams[0]
	t0m.Members, t0m.Leaders = []string{li.ID}, []string{li.ID}
	t2m := teams[2]
	t2m.Members, t2m.Leaders = []string{li.ID}, nil
	want := ll.Card{Member: m, Community: comm, Claims: claims, Posts: []ll.Post{p0, p2},
		Teams: []ll.Team{t0m, t2m}, Participations: ps}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Card =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := s.Card(ctx, "dongan", "M99"); code(err) != ll.ENOTFOUND {
		t.Errorf("Card(M99) = %v, want ENOTFOUND", err)
	}
}

// A begun update is leased: redeliveries during the lease are refused, an
// expired lease is taken over, and a finished update is done for good.
func TestBeginLeaseAndFinish(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: storagetest.Prefix()})
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	begin := func(at time.Time) bool {
		t.Helper()
		first, _, err := s.Begin(ctx, 5, 4343, at)
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		return first
	}
	if !begin(now) {
		t.Fatal("first Begin refused")
	}
	if begin(now.Add(storage.UpdateLease - time.Second)) {
		t.Error("Begin during the lease taken; want refused")
	}
	if !begin(now.Add(storage.UpdateLease + time.Second)) {
		t.Error("Begin after the lease expired refused; want taken over")
	}
	if err := s.Finish(ctx, 5, 4343); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, 5, 4343); err != nil {
		t.Fatalf("Finish twice: %v", err)
	}
	if begin(now.Add(10 * storage.UpdateLease)) {
		t.Error("Begin after Finish taken; want a duplicate")
	}
}
