package storage_test

import (
	"errors"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestCluster runs every kind of operation on a three-node Redis Cluster,
// which refuses what a single Redis lets pass: a script or transaction whose
// keys span slots.
func TestCluster(t *testing.T) {
	storagetest.SkipUnless(t, "the whole suite runs on a three-master cluster in this mode", storagetest.ModeSingle, storagetest.ModeSentinel)
	t.Parallel()
	cl, err := storagetest.StartCluster(3)
	if errors.Is(err, storagetest.ErrNoRedisServer) {
		t.Skip("redis-server is not on PATH: the cluster test needs it")
	}
	if err != nil {
		t.Fatalf("StartCluster = %v", err)
	}
	defer cl.Stop()
	s, err := storage.Connect(ctx, storage.Config{ClusterAddrs: cl.Addrs()})
	if err != nil {
		t.Fatalf("Connect(cluster) = %v", err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s on a cluster = %v", what, err)
		}
	}
	audit := &ll.AuditEntry{Actor: "cli", Action: "test"}
	// Communities whose keys land on different nodes.
	for _, id := range []string{"dongan", "beilin", "xiguan", "nanmen"} {
		c := ll.Community{ID: id, Name: id, TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1}
		must("CreateCommunity", s.CreateCommunity(ctx, c, audit))
		must("SaveCommunity", s.SaveCommunity(ctx, c, audit))
	}
	cs, err := s.Communities(ctx)
	if err != nil || len(cs) != 4 {
		t.Fatalf("Communities = %d, %v; want 4", len(cs), err)
	}
	_, err = s.MarkUpdate(ctx, 7)
	must("MarkUpdate", err)

	ms, err := s.ImportMembers(ctx, "dongan", []ll.Member{{Name: "A", TelegramID: 1}, {Name: "B"}, {Name: "C"}}, t0, audit)
	must("ImportMembers", err)
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Member: ms[1].ID}, audit)
	must("CreateInvite", err)
	_, err = s.Invite(ctx, inv.Code)
	must("Invite", err)
	m, err := s.Register(ctx, inv, ll.Member{TelegramID: 2, Name: "B2"}, t0)
	must("Register", err)
	must("SetUserLanguage", s.SetUserLanguage(ctx, 2, "en"))
	must("SetUserUse", s.SetUserUse(ctx, 2, "beilin"))
	must("SetReachable", s.SetReachable(ctx, 2, false))
	must("SetFlow", s.SetFlow(ctx, 2, ll.Flow{Kind: "claim"}, time.Minute))
	_, err = s.Flow(ctx, 2)
	must("Flow", err)
	must("ClearFlow", s.ClearFlow(ctx, 2))
	_, err = s.User(ctx, 2)
	must("User", err)
	m.Unit = "ICBC"
	must("UpdateProfile", s.UpdateProfile(ctx, m))
	must("SetRole", s.SetRole(ctx, "dongan", ms[0].ID, ll.RoleSecretary, audit))
	_, err = s.Members(ctx, "dongan")
	must("Members", err)
	_, err = s.MemberByTelegram(ctx, "dongan", 2)
	must("MemberByTelegram", err)

	p, err := s.CreatePost(ctx, ll.Post{Community: "dongan", Title: "Lights", Mode: ll.ModeClaimed, Capacity: 1}, audit)
	must("CreatePost", err)
	must("SavePost", s.SavePost(ctx, p, audit))
	_, _, err = s.Claim(ctx, "dongan", p.ID, ms[0].ID, t0)
	must("Claim", err)
	_, _, err = s.Claim(ctx, "dongan", p.ID, ms[2].ID, t0)
	if !errors.Is(err, ll.ErrFull) {
		t.Errorf("Claim of a full post on a cluster = %v, want ErrFull", err)
	}
	_, err = s.Posts(ctx, "dongan")
	must("Posts", err)
	_, err = s.Holders(ctx, "dongan", p.ID)
	must("Holders", err)
	_, err = s.Unclaim(ctx, "dongan", p.ID, ms[0].ID, t0)
	must("Unclaim", err)
	_, _, err = s.Claim(ctx, "dongan", p.ID, ms[0].ID, t0)
	must("Claim", err)
	_, err = s.ClaimsOf(ctx, "dongan", ms[0].ID)
	must("ClaimsOf", err)

	tm, err := s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "Team", Members: []string{ms[2].ID}}, audit)
	must("CreateTeam", err)
	_, err = s.JoinTeam(ctx, "dongan", tm.ID, ms[0].ID)
	must("JoinTeam", err)
	_, err = s.ToggleLeader(ctx, "dongan", tm.ID, ms[0].ID, audit)
	must("ToggleLeader", err)
	_, err = s.LeaveTeam(ctx, "dongan", tm.ID, ms[2].ID)
	must("LeaveTeam", err)
	_, err = s.Teams(ctx, "dongan")
	must("Teams", err)
	_, err = s.Team(ctx, "dongan", tm.ID)
	must("Team", err)

	a, err := s.CreateActivity(ctx, ll.Activity{Community: "dongan", Title: "Patrol", Start: t0, End: t0.Add(time.Hour),
		Capacity: 1, Location: &ll.GeoPoint{Latitude: 41.8, Longitude: 123.4}, Team: tm.ID}, audit)
	must("CreateActivity", err)
	must("SaveActivity", s.SaveActivity(ctx, a, audit))
	_, err = s.Activity(ctx, "dongan", a.ID)
	must("Activity", err)
	_, err = s.Activities(ctx, "dongan")
	must("Activities", err)
	_, _, err = s.SignUp(ctx, "dongan", a.ID, ms[0].ID, t0)
	must("SignUp", err)
	if _, _, err := s.SignUp(ctx, "dongan", a.ID, ms[2].ID, t0); !errors.Is(err, ll.ErrFull) {
		t.Errorf("SignUp for a full activity on a cluster = %v, want ErrFull", err)
	}
	_, err = s.SignedUp(ctx, "dongan", a.ID)
	must("SignedUp", err)
	_, err = s.Withdraw(ctx, "dongan", a.ID, ms[0].ID)
	must("Withdraw", err)
	_, _, err = s.CheckIn(ctx, "dongan", ms[0].ID, handlers.CheckIn{Code: a.Code}, t0)
	must("CheckIn(code)", err)
	_, _, err = s.CheckIn(ctx, "dongan", ms[2].ID, handlers.CheckIn{ActivityID: a.ID}, t0)
	must("CheckIn(location)", err)
	if _, _, err := s.CheckIn(ctx, "dongan", ms[2].ID, handlers.CheckIn{Code: "000000x"}, t0); ll.ErrorCode(err) != ll.EINVALID {
		t.Errorf("CheckIn(wrong code) on a cluster = %v, want EINVALID", err)
	}
	_, err = s.Attendance(ctx, "dongan", a.ID)
	must("Attendance", err)
	_, err = s.WrongCodesLeft(ctx, "dongan", ms[2].ID, t0)
	must("WrongCodesLeft", err)
	_, err = s.Attend(ctx, "dongan", a.ID, m.ID, ms[0].ID, "", t0, audit)
	must("Attend", err)
	must("Void", s.Void(ctx, "dongan", a.ID, m.ID, ms[0].ID, "mistake", t0, audit))
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[2].ID, Text: "Lamps", Created: t0})
	must("LogService", err)
	_, err = s.ServiceRecord(ctx, "dongan", r.ID)
	must("ServiceRecord", err)
	_, err = s.PendingServices(ctx, "dongan")
	must("PendingServices", err)
	_, _, err = s.Decide(ctx, "dongan", r.ID, true, ms[0].ID, "", t0, audit)
	must("Decide", err)
	if ps, err := s.Participations(ctx, "dongan", ms[2].ID); err != nil || len(ps) != 2 {
		t.Errorf("Participations on a cluster = %+v, %v; want 2", ps, err)
	}
	if ps, _, err := s.CommunityLedger(ctx, "dongan"); err != nil || len(ps) != 4 {
		t.Errorf("CommunityLedger on a cluster = %d participations, %v; want 4", len(ps), err)
	}
	_, _, err = s.CancelActivity(ctx, "dongan", a.ID, "rain", audit)
	must("CancelActivity", err)

	must("RemoveMember", s.RemoveMember(ctx, "dongan", ms[0].ID, t0, audit))
	must("Forget", s.Forget(ctx, "dongan", m.ID, t0, audit))
	must("Audit", s.Audit(ctx, ll.AuditEntry{Community: "dongan", Actor: "cli", Action: "x"}))
	log, err := s.AuditLog(ctx, "dongan", 0, time.Time{})
	must("AuditLog", err)
	if len(log) < 10 {
		t.Errorf("audit log on a cluster has %d entries, want at least 10", len(log))
	}
	if hs, _ := s.Holders(ctx, "dongan", p.ID); len(hs) != 0 {
		t.Errorf("holders after RemoveMember on a cluster = %v, want none", hs)
	}
}
