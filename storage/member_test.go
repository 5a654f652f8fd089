package storage_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestInvites(t *testing.T) {
	t.Parallel()
	now := t0
	s := storagetest.NewStoreOptions(t, storage.Options{Now: func() time.Time { return now }})
	newCommunity(t, s, "dongan")

	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Role: ll.RoleCommittee, CreatedBy: "M1", Expires: t0.Add(time.Hour)},
		&ll.AuditEntry{Actor: "M1", Action: "invite"})
	if err != nil {
		t.Fatalf("CreateInvite = %v", err)
	}
	if !regexp.MustCompile(`^dongan-[a-z0-9]{10}$`).MatchString(inv.Code) || !inv.Created.Equal(t0) {
		t.Errorf("CreateInvite = %+v, want code dongan-<10 of [a-z0-9]> created %v", inv, t0)
	}
	if c, ok := ll.CommunityOfInvite(inv.Code); !ok || c != "dongan" {
		t.Errorf("CommunityOfInvite(%s) = %s, %v", inv.Code, c, ok)
	}
	got, err := s.Invite(ctx, inv.Code)
	if err != nil || got.Code != inv.Code || got.Role != ll.RoleCommittee || got.CreatedBy != "M1" || got.Used {
		t.Errorf("Invite = %+v, %v; want %+v", got, err, inv)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 1, time.Time{}); len(log) != 1 || log[0].Object != inv.Code {
		t.Errorf("audit log = %+v, want an entry on %s", log, inv.Code)
	}

	now = t0.Add(time.Hour)
	_, err = s.Invite(ctx, inv.Code)
	wantCode(t, "Invite after expiry", err, ll.ENOTFOUND)
	_, err = s.Register(ctx, inv, ll.Member{TelegramID: 7, Name: "Late"}, now)
	wantCode(t, "Register with an expired invite", err, ll.ENOTFOUND)

	for _, code := range []string{"", "nope", "dongan-0000000000", "dongan-x", "{x}-0123456789"} {
		_, err := s.Invite(ctx, code)
		wantCode(t, "Invite("+code+")", err, ll.ENOTFOUND)
	}
	_, err = s.CreateInvite(ctx, ll.Invite{Community: "nowhere"}, nil)
	wantCode(t, "CreateInvite(unknown community)", err, ll.ENOTFOUND)
	_, err = s.CreateInvite(ctx, ll.Invite{Community: "dongan", Member: "M99"}, nil)
	wantCode(t, "CreateInvite(unknown member)", err, ll.ENOTFOUND)
	_, err = s.CreateInvite(ctx, ll.Invite{Community: "dongan", Role: ll.RoleAdmin}, nil)
	wantCode(t, "CreateInvite(admin)", err, ll.EINVALID)
	_, err = s.CreateInvite(ctx, ll.Invite{Community: "dongan", Code: "beilin-0123456789"}, nil)
	wantCode(t, "CreateInvite(code of another community)", err, ll.EINVALID)
	fixed := ll.Invite{Community: "dongan", Code: "dongan-0123456789"}
	if _, err := s.CreateInvite(ctx, fixed, nil); err != nil {
		t.Errorf("CreateInvite(given code) = %v", err)
	}
	_, err = s.CreateInvite(ctx, fixed, nil)
	wantCode(t, "CreateInvite(taken code)", err, ll.ECONFLICT)
}

func TestRegisterCommunityInvite(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m1, err := s.Register(ctx, inv, ll.Member{TelegramID: 1001, Name: "Li Wei", Unit: "ICBC", Skills: []string{"law", "电工"}, Language: "zh"}, t0)
	if err != nil {
		t.Fatalf("Register = %v", err)
	}
	if m1.ID != "M1" || m1.Community != "dongan" || m1.TelegramID != 1001 || m1.Name != "Li Wei" || m1.Status != ll.StatusActive ||
		!m1.Joined.Equal(t0) || !slices.Equal(m1.Skills, []string{"law", "电工"}) || m1.Role != ll.RoleNone {
		t.Errorf("Register = %+v", m1)
	}
	// The same user again: the same member, non-empty fields overwritten.
	again, err := s.Register(ctx, inv, ll.Member{TelegramID: 1001, Building: "19"}, t0.Add(time.Hour))
	if err != nil || again.ID != "M1" || again.Name != "Li Wei" || again.Unit != "ICBC" || again.Building != "19" || !again.Joined.Equal(t0) {
		t.Errorf("Register again = %+v, %v; want M1 with building 19 and the old name, unit, joined", again, err)
	}
	m2, err := s.Register(ctx, inv, ll.Member{TelegramID: 1002, Name: "Wang Fang"}, t0)
	if err != nil || m2.ID != "M2" {
		t.Errorf("Register(second user) = %+v, %v; want M2", m2, err)
	}
	if u, _ := s.User(ctx, 1002); u.Community != "dongan" || u.MemberID != "M2" {
		t.Errorf("User(1002) = %+v, want pointer dongan/M2", u)
	}
	// A committee invite does not give its role to an existing member
	// (SPEC section 9: part two changed this rule of part one).
	cinv, _ := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Role: ll.RoleDeputy}, nil)
	if m, err := s.Register(ctx, cinv, ll.Member{TelegramID: 1002}, t0); ll.ErrorDetail(err) != ll.ReasonRoleRejoin {
		t.Errorf("Register(deputy invite) of member M2 = %+v, %v; want ECONFLICT %s", m, err, ll.ReasonRoleRejoin)
	}
	_, err = s.Register(ctx, inv, ll.Member{Name: "No id"}, t0)
	wantCode(t, "Register without telegram id", err, ll.EINVALID)
	_, err = s.Register(ctx, ll.Invite{Community: "dongan", Code: "dongan-zzzzzzzzzz"}, ll.Member{TelegramID: 5}, t0)
	wantCode(t, "Register(unknown invite)", err, ll.ENOTFOUND)

	// Concurrent retries of one registration create one member.
	var wg sync.WaitGroup
	ids := make([]string, 20)
	errs := make([]error, 20)
	for i := range ids {
		wg.Go(func() {
			m, err := s.Register(ctx, inv, ll.Member{TelegramID: 2000, Name: "Zhao"}, t0)
			ids[i], errs[i] = m.ID, err
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("concurrent Register #%d = %s, %v; want %s", i, ids[i], errs[i], ids[0])
		}
	}
	if ms, _ := s.Members(ctx, "dongan"); len(ms) != 3 {
		t.Errorf("members after concurrent Register = %d, want 3", len(ms))
	}
}

func TestRegisterPersonalInvite(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	pre := importMembers(t, s, "dongan", 2)
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Member: pre[1].ID}, nil)
	if err != nil {
		t.Fatalf("CreateInvite(personal) = %v", err)
	}
	m, err := s.Register(ctx, inv, ll.Member{TelegramID: 3001, Name: "Chen Jie"}, t0.Add(time.Hour))
	if err != nil || m.ID != pre[1].ID || m.TelegramID != 3001 || m.Name != "Chen Jie" || m.Unit != pre[1].Unit || !m.Joined.Equal(t0) {
		t.Fatalf("Register(personal) = %+v, %v; want %s bound to 3001 with its unit and joined date", m, err, pre[1].ID)
	}
	if got, _ := s.Invite(ctx, inv.Code); !got.Used {
		t.Errorf("Invite.Used after Register = false")
	}
	if m, err := s.Register(ctx, inv, ll.Member{TelegramID: 3001}, t0); err != nil || m.ID != pre[1].ID {
		t.Errorf("Register(personal) again by the same user = %+v, %v; want %s", m, err, pre[1].ID)
	}
	_, err = s.Register(ctx, inv, ll.Member{TelegramID: 3002, Name: "Someone else"}, t0)
	var de *ll.Error
	if !errors.Is(err, ll.ErrConflict) || !errors.As(err, &de) || de.Detail != "used" {
		t.Errorf("Register(personal) by another user = %v, want ErrConflict with Detail used", err)
	}
	if got, _ := s.MemberByTelegram(ctx, "dongan", 3002); got.ID != "" {
		t.Errorf("the other user became member %s", got.ID)
	}
	// A user who is already an active member cannot take another personal invite.
	inv0, _ := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Member: pre[0].ID}, nil)
	_, err = s.Register(ctx, inv0, ll.Member{TelegramID: 3001}, t0)
	wantCode(t, "Register(second personal invite)", err, ll.ECONFLICT)
	// The personal invite of a member who left is refused.
	if err := s.RemoveMember(ctx, "dongan", pre[0].ID, t0, nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.Register(ctx, inv0, ll.Member{TelegramID: 3003}, t0)
	wantCode(t, "Register(invite of a member who left)", err, ll.ECONFLICT)
}

func TestImportMembers(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	in := []ll.Member{
		{Name: "Li Wei", TelegramID: 11, Unit: "ICBC", Role: ll.RoleSecretary},
		{Name: "Wang Fang", Building: "3", Skills: []string{"first aid"}},
		{Name: "Zhao Lei", TelegramID: 13, Role: ll.RoleCommittee},
	}
	out, err := s.ImportMembers(ctx, "dongan", in, t0, &ll.AuditEntry{Actor: "cli", Action: "import"})
	if err != nil {
		t.Fatalf("ImportMembers = %v", err)
	}
	for i, want := range []string{"M1", "M2", "M3"} {
		if out[i].ID != want || out[i].Name != in[i].Name || out[i].Role != in[i].Role || out[i].Status != ll.StatusActive {
			t.Errorf("ImportMembers[%d] = %+v, want id %s, name %s, role %q", i, out[i], want, in[i].Name, in[i].Role)
		}
	}
	stored, err := s.Members(ctx, "dongan")
	if err != nil || len(stored) != 3 {
		t.Fatalf("Members = %v, %v", stored, err)
	}
	if m := stored[0]; m.TelegramID != 11 || m.Role != ll.RoleSecretary || m.Unit != "ICBC" || !m.Joined.Equal(t0) {
		t.Errorf("stored M1 = %+v", m)
	}
	if m := stored[1]; m.TelegramID != 0 || m.Building != "3" || !slices.Equal(m.Skills, []string{"first aid"}) {
		t.Errorf("stored M2 = %+v", m)
	}
	if u, _ := s.User(ctx, 13); u.Community != "dongan" || u.MemberID != "M3" {
		t.Errorf("User(13) after import = %+v, want pointer dongan/M3", u)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 1, time.Time{}); len(log) != 1 || log[0].Object != "M1-M3" || log[0].Action != "import" {
		t.Errorf("import audit = %+v, want object M1-M3", log)
	}

	for _, c := range []struct {
		name string
		ms   []ll.Member
		tg   string
	}{
		{"a duplicate inside the file", []ll.Member{{Name: "A", TelegramID: 21}, {Name: "B"}, {Name: "C", TelegramID: 21}}, "21"},
		{"an active member's id", []ll.Member{{Name: "A", TelegramID: 22}, {Name: "B", TelegramID: 11}}, "11"},
	} {
		_, err := s.ImportMembers(ctx, "dongan", c.ms, t0, &ll.AuditEntry{Actor: "cli", Action: "import"})
		var de *ll.Error
		if !errors.As(err, &de) || de.Code != ll.ECONFLICT || de.Detail != c.tg {
			t.Errorf("ImportMembers(%s) = %v, want ErrConflict with Detail %s", c.name, err, c.tg)
		}
	}
	if ms, _ := s.Members(ctx, "dongan"); len(ms) != 3 {
		t.Errorf("members after refused imports = %d, want 3 (nothing imported)", len(ms))
	}
	if log, _ := s.AuditLog(ctx, "dongan", 0, time.Time{}); len(log) != 1 {
		t.Errorf("audit entries after refused imports = %d, want 1", len(log))
	}
	// A Telegram id of a member who left may be imported again.
	if err := s.RemoveMember(ctx, "dongan", "M1", t0, nil); err != nil {
		t.Fatal(err)
	}
	if out, err := s.ImportMembers(ctx, "dongan", []ll.Member{{Name: "Li Wei", TelegramID: 11}}, t0, nil); err != nil || out[0].ID != "M4" {
		t.Errorf("ImportMembers(returning member) = %+v, %v; want M4", out, err)
	}
	_, err = s.ImportMembers(ctx, "dongan", []ll.Member{{Name: ""}}, t0, nil)
	wantCode(t, "ImportMembers(no name)", err, ll.EINVALID)
	_, err = s.ImportMembers(ctx, "dongan", []ll.Member{{Name: "X", Role: ll.RoleAdmin}}, t0, nil)
	wantCode(t, "ImportMembers(admin role)", err, ll.EINVALID)
	_, err = s.ImportMembers(ctx, "nowhere", []ll.Member{{Name: "X"}}, t0, nil)
	wantCode(t, "ImportMembers(unknown community)", err, ll.ENOTFOUND)
}

func TestMemberLookups(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	importMembers(t, s, "dongan", 11) // M1..M11: ordering by number
	m := register(t, s, "dongan", 777, "Sun Li")
	if m.ID != "M12" {
		t.Fatalf("registered %s, want M12", m.ID)
	}
	ms, err := s.Members(ctx, "dongan")
	if err != nil || len(ms) != 12 {
		t.Fatalf("Members = %d, %v", len(ms), err)
	}
	for i, m := range ms {
		if want := fmt.Sprintf("M%d", i+1); m.ID != want || m.Community != "dongan" {
			t.Errorf("Members[%d] = %s in %s, want %s in dongan", i, m.ID, m.Community, want)
		}
	}
	if got, err := s.Member(ctx, "dongan", "M12"); err != nil || got.TelegramID != 777 || got.Name != "Sun Li" {
		t.Errorf("Member(M12) = %+v, %v", got, err)
	}
	for _, id := range []string{"M99", "m12", "P1", "", "M", "M0", "M1}x", "M-1"} {
		_, err := s.Member(ctx, "dongan", id)
		wantCode(t, "Member("+id+")", err, ll.ENOTFOUND)
	}
	_, err = s.Member(ctx, "nowhere", "M1")
	wantCode(t, "Member(nowhere, M1)", err, ll.ENOTFOUND)
	if ms, err := s.Members(ctx, "nowhere"); len(ms) != 0 || err != nil {
		t.Errorf("Members(nowhere) = %v, %v; want none", ms, err)
	}

	if got, err := s.MemberByTelegram(ctx, "dongan", 777); err != nil || got.ID != "M12" {
		t.Errorf("MemberByTelegram(777) = %+v, %v; want M12", got, err)
	}
	_, err = s.MemberByTelegram(ctx, "dongan", 778)
	wantCode(t, "MemberByTelegram(unknown)", err, ll.ENOTFOUND)
	// After leaving, the left member is found; after coming back, the active one.
	if err := s.RemoveMember(ctx, "dongan", "M12", t0, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.MemberByTelegram(ctx, "dongan", 777); err != nil || got.ID != "M12" || got.Status != ll.StatusLeft {
		t.Errorf("MemberByTelegram(777) after leaving = %+v, %v; want M12 left", got, err)
	}
	back := register(t, s, "dongan", 777, "Sun Li")
	if back.ID != "M13" {
		t.Errorf("registering again after leaving = %s, want a new member M13", back.ID)
	}
	if got, err := s.MemberByTelegram(ctx, "dongan", 777); err != nil || got.ID != "M13" || !got.Active() {
		t.Errorf("MemberByTelegram(777) after coming back = %+v, %v; want active M13", got, err)
	}
}

func TestUpdateProfileAndRole(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	m := register(t, s, "dongan", 9, "Li Wei")
	m.Name, m.Unit, m.Building, m.Skills, m.Language = "李伟", "", "7", []string{"law"}, "en"
	if err := s.UpdateProfile(ctx, m); err != nil {
		t.Fatalf("UpdateProfile = %v", err)
	}
	got, _ := s.Member(ctx, "dongan", m.ID)
	if got.Name != "李伟" || got.Unit != "" || got.Building != "7" || !slices.Equal(got.Skills, []string{"law"}) || got.Language != "en" || got.TelegramID != 9 {
		t.Errorf("after UpdateProfile = %+v", got)
	}
	m.Skills = nil
	if err := s.UpdateProfile(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Member(ctx, "dongan", m.ID); got.Skills != nil {
		t.Errorf("skills after clearing = %v", got.Skills)
	}
	wantCode(t, "UpdateProfile(unknown)", s.UpdateProfile(ctx, ll.Member{Community: "dongan", ID: "M5", Name: "X"}), ll.ENOTFOUND)
	wantCode(t, "UpdateProfile(no name)", s.UpdateProfile(ctx, ll.Member{Community: "dongan", ID: m.ID}), ll.EINVALID)

	if err := s.SetRole(ctx, "dongan", m.ID, ll.RoleSecretary, &ll.AuditEntry{Actor: "tg:1", Action: "role", Detail: "secretary"}); err != nil {
		t.Fatalf("SetRole = %v", err)
	}
	if got, _ := s.Member(ctx, "dongan", m.ID); got.Role != ll.RoleSecretary {
		t.Errorf("role = %q, want secretary", got.Role)
	}
	log, _ := s.AuditLog(ctx, "dongan", 0, time.Time{})
	if len(log) != 1 || log[0].Object != m.ID || log[0].Detail != "secretary" {
		t.Errorf("audit after SetRole = %+v, want one entry on %s", log, m.ID)
	}
	if err := s.SetRole(ctx, "dongan", m.ID, ll.RoleNone, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Member(ctx, "dongan", m.ID); got.Role != ll.RoleNone {
		t.Errorf("role after RoleNone = %q", got.Role)
	}
	wantCode(t, "SetRole(admin)", s.SetRole(ctx, "dongan", m.ID, ll.RoleAdmin, nil), ll.EINVALID)
	wantCode(t, "SetRole(unknown)", s.SetRole(ctx, "dongan", "M40", ll.RoleDeputy, nil), ll.ENOTFOUND)
	if err := s.RemoveMember(ctx, "dongan", m.ID, t0, nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "SetRole(left member)", s.SetRole(ctx, "dongan", m.ID, ll.RoleDeputy, nil), ll.ENOTMEMBER)
}

func TestRemoveMember(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	m := register(t, s, "dongan", 55, "Li Wei")
	if err := s.SetRole(ctx, "dongan", m.ID, ll.RoleCommittee, nil); err != nil {
		t.Fatal(err)
	}
	p1, p2, p3 := newPost(t, s, "dongan", 3), newPost(t, s, "dongan", 0), newPost(t, s, "dongan", 0)
	for _, p := range []ll.Post{p1, p2, p3} {
		if _, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Unclaim(ctx, "dongan", p3.ID, m.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	team, _ := s.CreateTeam(ctx, ll.Team{Community: "dongan", Name: "Lamp team"}, nil)
	if _, err := s.ToggleLeader(ctx, "dongan", team.ID, m.ID, nil); err != nil {
		t.Fatal(err)
	}

	left := t0.Add(48 * time.Hour)
	if err := s.RemoveMember(ctx, "dongan", m.ID, left, &ll.AuditEntry{Actor: "M9", Action: "remove"}); err != nil {
		t.Fatalf("RemoveMember = %v", err)
	}
	got, _ := s.Member(ctx, "dongan", m.ID)
	if got.Status != ll.StatusLeft || !got.Left.Equal(left) || got.Role != ll.RoleNone || got.Name != "Li Wei" || got.TelegramID != 55 {
		t.Errorf("member after RemoveMember = %+v, want left at %v, no role, profile kept", got, left)
	}
	claims, err := s.ClaimsOf(ctx, "dongan", m.ID)
	if err != nil || len(claims) != 3 {
		t.Fatalf("ClaimsOf after RemoveMember = %+v, %v; want 3 (history kept)", claims, err)
	}
	for _, c := range claims {
		want := left
		if c.Post == p3.ID {
			want = t0.Add(time.Hour)
		}
		if !c.Claimed.Equal(t0) || !c.Released.Equal(want) {
			t.Errorf("claim %+v, want claimed %v released %v", c, t0, want)
		}
	}
	for _, p := range []ll.Post{p1, p2} {
		if got, _ := s.Post(ctx, "dongan", p.ID); got.Claims != 0 {
			t.Errorf("%s claims after RemoveMember = %d, want 0", p.ID, got.Claims)
		}
	}
	if tm, _ := s.Team(ctx, "dongan", team.ID); len(tm.Members) != 0 || len(tm.Leaders) != 0 {
		t.Errorf("team after RemoveMember = %+v, want empty", tm)
	}
	if u, _ := s.User(ctx, 55); u.MemberID != "" || u.Community != "" {
		t.Errorf("user pointer after RemoveMember = %+v, want none", u)
	}
	log, _ := s.AuditLog(ctx, "dongan", 0, time.Time{})
	if len(log) != 1 || log[0].Action != "remove" || log[0].Object != m.ID || !log[0].Time.Equal(left) {
		t.Errorf("audit after RemoveMember = %+v", log)
	}
	_, _, err = s.Claim(ctx, "dongan", p2.ID, m.ID, left)
	wantCode(t, "Claim by a member who left", err, ll.ENOTMEMBER)
	_, err = s.JoinTeam(ctx, "dongan", team.ID, m.ID)
	wantCode(t, "JoinTeam by a member who left", err, ll.ENOTMEMBER)

	// Removing again changes nothing and writes no audit entry.
	if err := s.RemoveMember(ctx, "dongan", m.ID, left.Add(time.Hour), &ll.AuditEntry{Actor: "M9", Action: "remove"}); err != nil {
		t.Errorf("RemoveMember again = %v", err)
	}
	if got, _ := s.Member(ctx, "dongan", m.ID); !got.Left.Equal(left) {
		t.Errorf("Left after second RemoveMember = %v, want %v", got.Left, left)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 0, time.Time{}); len(log) != 1 {
		t.Errorf("audit entries after second RemoveMember = %d, want 1", len(log))
	}
	wantCode(t, "RemoveMember(unknown)", s.RemoveMember(ctx, "dongan", "M77", left, nil), ll.ENOTFOUND)
}

func TestForget(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	m := register(t, s, "dongan", 66, "Li Wei")
	p := newPost(t, s, "dongan", 0)
	if _, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserLanguage(ctx, 66, "en"); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Hour)
	if err := s.Forget(ctx, "dongan", m.ID, at, &ll.AuditEntry{Actor: m.ID, Action: "forgetme"}); err != nil {
		t.Fatalf("Forget = %v", err)
	}
	got, _ := s.Member(ctx, "dongan", m.ID)
	want := ll.Member{ID: m.ID, Community: "dongan", Joined: t0, Left: at, Status: ll.StatusForgotten}
	if got.ID != want.ID || got.Name != "" || got.TelegramID != 0 || got.Unit != "" || got.Skills != nil || got.Language != "" ||
		got.Status != ll.StatusForgotten || !got.Left.Equal(at) || !got.Joined.Equal(t0) || got.DisplayName() != m.ID+" —" {
		t.Errorf("member after Forget = %+v, want %+v", got, want)
	}
	_, err := s.MemberByTelegram(ctx, "dongan", 66)
	wantCode(t, "MemberByTelegram after Forget", err, ll.ENOTFOUND)
	if u, _ := s.User(ctx, 66); u != (ll.User{TelegramID: 66}) {
		t.Errorf("User after Forget = %+v, want nothing known", u)
	}
	if cs, _ := s.ClaimsOf(ctx, "dongan", m.ID); len(cs) != 1 || !cs[0].Released.Equal(at) {
		t.Errorf("claims after Forget = %+v, want one released at %v", cs, at)
	}
	if err := s.Forget(ctx, "dongan", m.ID, at, nil); err != nil {
		t.Errorf("Forget again = %v", err)
	}
	wantCode(t, "UpdateProfile(forgotten)", s.UpdateProfile(ctx, ll.Member{Community: "dongan", ID: m.ID, Name: "Li Wei"}), ll.ENOTMEMBER)
}
