package storage_test

import (
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestRoundTrips pins the cost of the hot paths in round trips to Redis.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	s, n := storagetest.NewCountedStore(t)
	if err := s.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	p := newPost(t, s, "dongan", 0)
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := newActivity(t, s, "dongan", t0, 0)
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[0].ID, Text: "Fixed lamps", Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	audit := &ll.AuditEntry{Actor: ms[1].ID, Action: "test"}
	caller := ll.User{TelegramID: 99, Community: "dongan", MemberID: "M3"} // registered below
	a2 := newActivity(t, s, "dongan", t0, 0)

	for _, c := range []struct {
		name string
		want int64
		call func() error
	}{
		{"Claim", 1, func() error { _, _, err := s.Claim(ctx, "dongan", p.ID, ms[0].ID, t0); return err }},
		{"Claim (held)", 1, func() error { _, _, err := s.Claim(ctx, "dongan", p.ID, ms[0].ID, t0); return err }},
		{"Unclaim", 1, func() error { _, err := s.Unclaim(ctx, "dongan", p.ID, ms[0].ID, t0); return err }},
		{"Member", 1, func() error { _, err := s.Member(ctx, "dongan", ms[1].ID); return err }},
		{"Members", 1, func() error { _, err := s.Members(ctx, "dongan"); return err }},
		{"Post", 1, func() error { _, err := s.Post(ctx, "dongan", p.ID); return err }},
		{"User", 1, func() error { _, err := s.User(ctx, 1); return err }},
		{"CreateActivity", 2, func() error { _, err := s.CreateActivity(ctx, a, audit); return err }},
		{"Activity", 1, func() error { _, err := s.Activity(ctx, "dongan", a.ID); return err }},
		{"Activities", 1, func() error { _, err := s.Activities(ctx, "dongan"); return err }},
		{"SaveActivity", 2, func() error { return s.SaveActivity(ctx, a, audit) }},
		{"SignUp", 1, func() error { _, _, err := s.SignUp(ctx, "dongan", a.ID, ms[0].ID, t0); return err }},
		{"SignUp (held)", 1, func() error { _, _, err := s.SignUp(ctx, "dongan", a.ID, ms[0].ID, t0); return err }},
		{"SignedUp", 1, func() error { _, err := s.SignedUp(ctx, "dongan", a.ID); return err }},
		{"Withdraw", 1, func() error { _, err := s.Withdraw(ctx, "dongan", a.ID, ms[0].ID); return err }},
		{"CheckIn", 1, func() error { _, _, err := s.CheckIn(ctx, "dongan", ms[0].ID, byCode(a.Code), t0); return err }},
		{"CheckIn (repeat)", 1, func() error { _, _, err := s.CheckIn(ctx, "dongan", ms[0].ID, byCode(a.Code), t0); return err }},
		{"CheckIn (wrong code)", 1, func() error {
			if _, _, err := s.CheckIn(ctx, "dongan", ms[1].ID, byCode("x"), t0); code(err) != ll.EINVALID {
				return err
			}
			return nil
		}},
		{"Attendance", 1, func() error { _, err := s.Attendance(ctx, "dongan", a.ID); return err }},
		{"Attend", 1, func() error { _, err := s.Attend(ctx, "dongan", a.ID, ms[1].ID, ms[0].ID, "", t0, audit); return err }},
		{"Void", 1, func() error { return s.Void(ctx, "dongan", a.ID, ms[1].ID, ms[0].ID, "wrong", t0, audit) }},
		{"LogService", 2, func() error {
			_, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[1].ID, Text: "x", Created: t0})
			return err
		}},
		{"ServiceRecord", 1, func() error { _, err := s.ServiceRecord(ctx, "dongan", r.ID); return err }},
		{"PendingServices", 1, func() error { _, err := s.PendingServices(ctx, "dongan"); return err }},
		{"Decide", 1, func() error { _, _, err := s.Decide(ctx, "dongan", r.ID, true, ms[1].ID, "", t0, audit); return err }},
		{"Participations", 1, func() error { _, err := s.Participations(ctx, "dongan", ms[0].ID); return err }},
		{"CommunityLedger", 1, func() error { _, _, err := s.CommunityLedger(ctx, "dongan"); return err }},
		{"CancelActivity", 1, func() error { _, _, err := s.CancelActivity(ctx, "dongan", a.ID, "", audit); return err }},
		{"Register", 2, func() error {
			_, err := s.Register(ctx, inv, ll.Member{TelegramID: 99, Name: "Li"}, t0)
			return err
		}},
		{"Register (retry)", 2, func() error { _, err := s.Register(ctx, inv, ll.Member{TelegramID: 99}, t0); return err }},
		{"Begin", 1, func() error { _, _, err := s.Begin(ctx, 1, 99, time.Now()); return err }},
		{"Begin (duplicate)", 1, func() error { _, _, err := s.Begin(ctx, 1, 99, time.Now()); return err }},
		{"ClaimAs", 1, func() error { _, _, err := s.ClaimAs(ctx, caller, p.ID, t0); return err }},
		{"UnclaimAs", 1, func() error { _, err := s.UnclaimAs(ctx, caller, p.ID, t0); return err }},
		{"CheckInAs", 1, func() error { _, _, _, err := s.CheckInAs(ctx, caller, byCode(a2.Code), t0); return err }},
		{"Card", 1, func() error { _, err := s.Card(ctx, "dongan", "M3"); return err }},
	} {
		n.Reset()
		if err := c.call(); err != nil {
			t.Fatalf("%s = %v", c.name, err)
		}
		if got := n.RoundTrips(); got != c.want {
			t.Errorf("%s took %d round trips, want %d", c.name, got, c.want)
		}
	}
}

// TestMemoryPerMember measures what a typical member costs in Redis: their
// hash, index entries, user record, a claim and a team membership.
func TestMemoryPerMember(t *testing.T) {
	t.Parallel()
	const n = 1000
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	newCommunity(t, s, "dongan")
	in := make([]ll.Member, n)
	for i := range in {
		in[i] = ll.Member{TelegramID: 5_000_000_000 + int64(i), Name: "王建国", Unit: "中国工商银行东安支行", Building: "19-2-301",
			Skills: []string{"法律咨询", "电工"}, Language: "zh"}
	}
	ms, err := s.ImportMembers(ctx, "dongan", in, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	posts := make([]ll.Post, 20)
	for i := range posts {
		posts[i] = newPost(t, s, "dongan", 0)
	}
	team, _ := s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "党员服务队"}, nil)
	for i, m := range ms {
		if _, _, err := s.Claim(ctx, "dongan", posts[i%len(posts)].ID, m.ID, t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.JoinTeam(ctx, "dongan", team.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserLanguage(ctx, m.TelegramID, "zh"); err != nil {
			t.Fatal(err)
		}
	}
	raw := storagetest.Client(t)
	if err := raw.MemoryUsage(ctx, p+"{c:dongan}:seq", 0).Err(); err != nil {
		t.Skipf("the test Redis cannot measure memory (MEMORY USAGE: %v)", err)
	}
	var total, keys int64
	perKind := map[string]int64{}
	for _, k := range storagetest.Keys(t, raw, p+"*") { // every master's keys on a cluster
		b, err := raw.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			t.Fatal(err)
		}
		total += b
		keys++
		kind := strings.TrimPrefix(k, p)
		if i := strings.LastIndexAny(kind, ":"); i > 0 {
			kind = kind[:i]
		}
		if strings.HasPrefix(kind, "{u:") {
			kind = "{u:*}"
		}
		perKind[kind] += b
	}
	per := total / n
	t.Logf("%d members: %d keys, %d bytes, %d bytes per member; by key kind: %v", n, keys, total, per, perKind)
	if per > 1024 {
		t.Errorf("memory per member = %d bytes, want at most 1024", per)
	}
}
