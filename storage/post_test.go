package storage_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestPosts(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	in := ll.Post{Community: "dongan", Title: "Legal aid", Description: "Saturday <b>clinic</b> & advice", Mode: ll.ModeFixedPoint,
		Capacity: 3, Skills: []string{"law"}, Place: "Room 2", Time: "Sat 9:00-11:00", Created: t0}
	p, err := s.CreatePost(ctx, in, &ll.AuditEntry{Actor: "M1", Action: "newpost"})
	if err != nil || p.ID != "P1" {
		t.Fatalf("CreatePost = %+v, %v; want P1", p, err)
	}
	for i := 2; i <= 11; i++ {
		newPost(t, s, "dongan", 0)
	}
	got, err := s.Post(ctx, "dongan", "P1")
	if err != nil || got.Title != in.Title || got.Description != in.Description || got.Mode != in.Mode || got.Capacity != 3 ||
		!slices.Equal(got.Skills, in.Skills) || got.Place != in.Place || got.Community != "dongan" || got.Claims != 0 || !got.Created.Equal(t0) {
		t.Errorf("Post(P1) = %+v, %v; want %+v", got, err, in)
	}
	ps, err := s.Posts(ctx, "dongan")
	if err != nil || len(ps) != 11 {
		t.Fatalf("Posts = %d, %v", len(ps), err)
	}
	for i, p := range ps {
		if want := fmt.Sprintf("P%d", i+1); p.ID != want {
			t.Errorf("Posts[%d] = %s, want %s", i, p.ID, want)
		}
	}
	log, _ := s.AuditLog(ctx, "dongan", 0, time.Time{})
	if len(log) != 1 || log[0].Object != "P1" || log[0].Action != "newpost" {
		t.Errorf("audit after CreatePost = %+v, want one entry on P1", log)
	}

	got.Title, got.Closed, got.Created = "Legal aid (closed)", true, time.Time{}
	if err := s.SavePost(ctx, got, &ll.AuditEntry{Actor: "M1", Action: "editpost", Detail: "status closed"}); err != nil {
		t.Fatalf("SavePost = %v", err)
	}
	if after, _ := s.Post(ctx, "dongan", "P1"); after.Title != got.Title || !after.Closed || !after.Created.Equal(t0) {
		t.Errorf("Post after SavePost = %+v, want closed, new title, created kept", after)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 1, time.Time{}); len(log) != 1 || log[0].Object != "P1" || log[0].Detail != "status closed" {
		t.Errorf("audit after SavePost = %+v", log)
	}
	missing := got
	missing.ID = "P99"
	wantCode(t, "SavePost(P99)", s.SavePost(ctx, missing, nil), ll.ENOTFOUND)
	bad := got
	bad.Capacity = -1
	wantCode(t, "SavePost(capacity -1)", s.SavePost(ctx, bad, nil), ll.EINVALID)
	_, err = s.CreatePost(ctx, ll.Post{Community: "dongan", Mode: ll.ModeClaimed}, nil)
	wantCode(t, "CreatePost(no title)", err, ll.EINVALID)
	_, err = s.CreatePost(ctx, ll.Post{Community: "nowhere", Title: "X", Mode: ll.ModeClaimed}, nil)
	wantCode(t, "CreatePost(unknown community)", err, ll.ENOTFOUND)
	for _, id := range []string{"P12", "p1", "M1", "", "P1|x"} {
		_, err := s.Post(ctx, "dongan", id)
		wantCode(t, "Post("+id+")", err, ll.ENOTFOUND)
	}
}

func TestClaim(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 4)
	p := newPost(t, s, "dongan", 2)
	unlimited := newPost(t, s, "dongan", 0)
	closed := newPost(t, s, "dongan", 0)
	closed.Closed = true
	if err := s.SavePost(ctx, closed, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, "dongan", ms[3].ID, t0, nil); err != nil {
		t.Fatal(err)
	}

	for i, c := range []struct {
		post, member string
		at           time.Time
		changed      bool
		claims       int
		code, detail string
	}{
		{p.ID, ms[0].ID, t0, true, 1, "", ""},
		{p.ID, ms[0].ID, t0.Add(time.Minute), false, 1, "", ""}, // double tap
		{p.ID, ms[1].ID, t0.Add(time.Second), true, 2, "", ""},
		{p.ID, ms[2].ID, t0, false, 0, ll.EFULL, ""},
		{p.ID, ms[1].ID, t0, false, 2, "", ""}, // already held beats full
		{unlimited.ID, ms[2].ID, t0, true, 1, "", ""},
		{closed.ID, ms[0].ID, t0, false, 0, ll.ECONFLICT, "closed"},
		{p.ID, ms[3].ID, t0, false, 0, ll.ENOTMEMBER, ""},
		{"P99", ms[0].ID, t0, false, 0, ll.ENOTFOUND, "post"},
		{p.ID, "M99", t0, false, 0, ll.ENOTFOUND, "member"},
		{"garbage", ms[0].ID, t0, false, 0, ll.ENOTFOUND, "post"},
		{p.ID, "M1'; DROP", t0, false, 0, ll.ENOTFOUND, "member"},
	} {
		got, changed, err := s.Claim(ctx, "dongan", c.post, c.member, c.at)
		if code(err) != c.code || changed != c.changed {
			t.Errorf("#%d Claim(%s, %s) = changed %v, %v; want changed %v, code %q", i, c.post, c.member, changed, err, c.changed, c.code)
			continue
		}
		if c.detail != "" {
			var de *ll.Error
			if !errors.As(err, &de) || de.Detail != c.detail {
				t.Errorf("#%d Claim(%s, %s) = %v, want Detail %q", i, c.post, c.member, err, c.detail)
			}
		}
		if err == nil && (got.ID != c.post || got.Claims != c.claims) {
			t.Errorf("#%d Claim(%s, %s) post = %s with %d claims, want %s with %d", i, c.post, c.member, got.ID, got.Claims, c.post, c.claims)
		}
	}
	hs, err := s.Holders(ctx, "dongan", p.ID)
	if err != nil || len(hs) != 2 || hs[0].Member != ms[0].ID || hs[1].Member != ms[1].ID || !hs[0].Claimed.Equal(t0) || !hs[1].Claimed.Equal(t0.Add(time.Second)) {
		t.Errorf("Holders(%s) = %+v, %v; want %s then %s", p.ID, hs, err, ms[0].ID, ms[1].ID)
	}

	if changed, err := s.Unclaim(ctx, "dongan", p.ID, ms[0].ID, t0.Add(time.Hour)); !changed || err != nil {
		t.Errorf("Unclaim = %v, %v; want true, nil", changed, err)
	}
	if changed, err := s.Unclaim(ctx, "dongan", p.ID, ms[0].ID, t0.Add(2*time.Hour)); changed || err != nil {
		t.Errorf("Unclaim again = %v, %v; want false, nil", changed, err)
	}
	_, err = s.Unclaim(ctx, "dongan", "P99", ms[0].ID, t0)
	wantCode(t, "Unclaim(P99)", err, ll.ENOTFOUND)
	// Released, the member can claim again: a new history entry.
	if _, changed, err := s.Claim(ctx, "dongan", p.ID, ms[0].ID, t0.Add(3*time.Hour)); !changed || err != nil {
		t.Errorf("Claim after Unclaim = %v, %v", changed, err)
	}
	cs, err := s.ClaimsOf(ctx, "dongan", ms[0].ID)
	want := []ll.Claim{
		{Post: p.ID, Member: ms[0].ID, Claimed: t0, Released: t0.Add(time.Hour)},
		{Post: p.ID, Member: ms[0].ID, Claimed: t0.Add(3 * time.Hour)},
	}
	if err != nil || len(cs) != len(want) {
		t.Fatalf("ClaimsOf = %+v, %v; want %+v", cs, err, want)
	}
	for i := range want {
		if cs[i].Post != want[i].Post || cs[i].Member != want[i].Member || !cs[i].Claimed.Equal(want[i].Claimed) || !cs[i].Released.Equal(want[i].Released) {
			t.Errorf("ClaimsOf[%d] = %+v, want %+v", i, cs[i], want[i])
		}
	}
	if cs, err := s.ClaimsOf(ctx, "dongan", ms[2].ID); err != nil || len(cs) != 1 || cs[0].Post != unlimited.ID {
		t.Errorf("ClaimsOf(%s) = %+v, %v", ms[2].ID, cs, err)
	}
	// A zero time stands for the store's clock.
	if _, changed, err := s.Claim(ctx, "dongan", unlimited.ID, ms[1].ID, time.Time{}); !changed || err != nil {
		t.Errorf("Claim at the zero time = %v, %v", changed, err)
	}
	if cs, _ := s.ClaimsOf(ctx, "dongan", ms[1].ID); len(cs) != 2 || time.Since(cs[1].Claimed) > time.Minute {
		t.Errorf("ClaimsOf(%s) = %+v, want a second claim made now", ms[1].ID, cs)
	}
	_, err = s.ClaimsOf(ctx, "dongan", "M99")
	wantCode(t, "ClaimsOf(M99)", err, ll.ENOTFOUND)
	_, err = s.Holders(ctx, "dongan", "P99")
	wantCode(t, "Holders(P99)", err, ll.ENOTFOUND)
}

// TestClaimRace races 200 members for a post with room for 5.
func TestClaimRace(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 200)
	p := newPost(t, s, "dongan", 5)

	var ok, full, other atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Go(func() {
			<-start
			_, changed, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0)
			switch {
			case err == nil && changed:
				ok.Add(1)
			case errors.Is(err, ll.ErrFull):
				full.Add(1)
			default:
				other.Add(1)
				t.Errorf("Claim(%s) = %v, %v", m.ID, changed, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 5 || full.Load() != 195 || other.Load() != 0 {
		t.Errorf("claims: %d succeeded, %d full, %d other; want 5, 195, 0", ok.Load(), full.Load(), other.Load())
	}
	if got, _ := s.Post(ctx, "dongan", p.ID); got.Claims != 5 {
		t.Errorf("post claims = %d, want 5", got.Claims)
	}
	if hs, _ := s.Holders(ctx, "dongan", p.ID); len(hs) != 5 {
		t.Errorf("holders = %d, want 5", len(hs))
	}

	// One member double-claiming concurrently holds it once.
	q := newPost(t, s, "dongan", 0)
	var changedN atomic.Int64
	start = make(chan struct{})
	for range 50 {
		wg.Go(func() {
			<-start
			_, changed, err := s.Claim(ctx, "dongan", q.ID, ms[0].ID, t0)
			if err != nil {
				t.Errorf("concurrent Claim by one member = %v", err)
			}
			if changed {
				changedN.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if changedN.Load() != 1 {
		t.Errorf("concurrent double claims changed %d times, want 1", changedN.Load())
	}
	cs, _ := s.ClaimsOf(ctx, "dongan", ms[0].ID)
	if n := len(slices.DeleteFunc(cs, func(c ll.Claim) bool { return c.Post != q.ID })); n != 1 {
		t.Errorf("ClaimsOf after double claims holds %s %d times, want 1", q.ID, n)
	}
}

func TestTeams(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 12)
	team, err := s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "党员服务队", Leaders: []string{"M10"}, Members: []string{"M2", "M10"}},
		&ll.AuditEntry{Actor: "M1", Action: "newteam"})
	if err != nil || team.ID != "T1" || !slices.Equal(team.Leaders, []string{"M10"}) || !slices.Equal(team.Members, []string{"M2", "M10"}) {
		t.Fatalf("CreateTeam = %+v, %v", team, err)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 1, time.Time{}); len(log) != 1 || log[0].Object != "T1" {
		t.Errorf("audit after CreateTeam = %+v, want object T1", log)
	}
	t2, err := s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "义务工队"}, nil)
	if err != nil || t2.ID != "T2" {
		t.Fatalf("CreateTeam(T2) = %+v, %v", t2, err)
	}
	_, err = s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "X", Members: []string{"M99"}}, nil)
	wantCode(t, "CreateTeam(unknown member)", err, ll.ENOTFOUND)
	if ts, _ := s.Teams(ctx, "dongan"); len(ts) != 2 {
		t.Errorf("teams after a refused CreateTeam = %d, want 2", len(ts))
	}

	for i, c := range []struct {
		join         bool
		team, member string
		changed      bool
		code         string
	}{
		{true, "T2", ms[0].ID, true, ""},
		{true, "T2", ms[0].ID, false, ""},
		{true, "T2", ms[8].ID, true, ""},
		{true, "T9", ms[0].ID, false, ll.ENOTFOUND},
		{true, "T2", "M99", false, ll.ENOTFOUND},
		{false, "T2", ms[0].ID, true, ""},
		{false, "T2", ms[0].ID, false, ""},
		{false, "T9", ms[0].ID, false, ll.ENOTFOUND},
	} {
		var changed bool
		var err error
		if c.join {
			changed, err = s.JoinTeam(ctx, "dongan", c.team, c.member)
		} else {
			changed, err = s.LeaveTeam(ctx, "dongan", c.team, c.member)
		}
		if changed != c.changed || code(err) != c.code {
			t.Errorf("#%d join=%v(%s, %s) = %v, %v; want %v, code %q", i, c.join, c.team, c.member, changed, err, c.changed, c.code)
		}
	}

	leader, err := s.ToggleLeader(ctx, "dongan", "T2", "M3", &ll.AuditEntry{Actor: "M1", Action: "leader"})
	if err != nil || !leader {
		t.Errorf("ToggleLeader(M3) = %v, %v; want true", leader, err)
	}
	got, _ := s.Team(ctx, "dongan", "T2")
	if !slices.Equal(got.Leaders, []string{"M3"}) || !slices.Equal(got.Members, []string{"M3", "M9"}) || got.Name != "义务工队" || got.Community != "dongan" {
		t.Errorf("Team(T2) = %+v, want leader M3, members M3 M9", got)
	}
	leader, err = s.ToggleLeader(ctx, "dongan", "T2", "M3", &ll.AuditEntry{Actor: "M1", Action: "leader"})
	if err != nil || leader {
		t.Errorf("ToggleLeader(M3) again = %v, %v; want false", leader, err)
	}
	log, _ := s.AuditLog(ctx, "dongan", 2, time.Time{})
	if len(log) != 2 || log[0].Detail != "off" || log[1].Detail != "on" || log[0].Object != "T2/M3" {
		t.Errorf("leader audit = %+v, want on then off on T2/M3", log)
	}
	if got, _ := s.Team(ctx, "dongan", "T2"); len(got.Leaders) != 0 || !slices.Contains(got.Members, "M3") {
		t.Errorf("Team(T2) after removing leadership = %+v, want M3 still a member", got)
	}
	// Leaving takes the leadership too.
	if _, err := s.ToggleLeader(ctx, "dongan", "T1", "M2", nil); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.LeaveTeam(ctx, "dongan", "T1", "M2"); !changed || err != nil {
		t.Errorf("LeaveTeam(T1, M2) = %v, %v", changed, err)
	}
	if got, _ := s.Team(ctx, "dongan", "T1"); !slices.Equal(got.Leaders, []string{"M10"}) || !slices.Equal(got.Members, []string{"M10"}) {
		t.Errorf("Team(T1) = %+v, want only M10", got)
	}
	if err := s.RemoveMember(ctx, "dongan", "M5", t0, nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.ToggleLeader(ctx, "dongan", "T1", "M5", nil)
	wantCode(t, "ToggleLeader(left member)", err, ll.ENOTMEMBER)
	_, err = s.Team(ctx, "dongan", "T3")
	wantCode(t, "Team(T3)", err, ll.ENOTFOUND)
	ts, err := s.Teams(ctx, "dongan")
	if err != nil || len(ts) != 2 || ts[0].ID != "T1" || ts[1].ID != "T2" || len(ts[1].Members) != 2 {
		t.Errorf("Teams = %+v, %v", ts, err)
	}
}
