package storage_test

import (
	"fmt"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestSchemaAndMigrate(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	if v, err := s.SchemaVersion(ctx); v != 0 || err != nil {
		t.Fatalf("SchemaVersion on empty = %d, %v; want 0, nil", v, err)
	}
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d = %v", i+1, err)
		}
		if v, err := s.SchemaVersion(ctx); v != storage.CurrentSchema || err != nil {
			t.Fatalf("SchemaVersion after Migrate = %d, %v; want %d", v, err, storage.CurrentSchema)
		}
	}
	raw := storagetest.Client(t)
	if err := raw.Set(ctx, p+"schema", storage.CurrentSchema+1, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err == nil {
		t.Errorf("Migrate with a newer stored schema = nil, want an error")
	}
	if v, _ := s.SchemaVersion(ctx); v != storage.CurrentSchema+1 {
		t.Errorf("SchemaVersion after refused Migrate = %d, want %d (unchanged)", v, storage.CurrentSchema+1)
	}
}

func TestMarkUpdate(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	for _, c := range []struct {
		id   int64
		want bool
	}{{100, true}, {100, false}, {101, true}, {100, false}} {
		if got, err := s.MarkUpdate(ctx, c.id); got != c.want || err != nil {
			t.Errorf("MarkUpdate(%d) = %v, %v; want %v, nil", c.id, got, err, c.want)
		}
	}
}

func TestCommunities(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	if cs, err := s.Communities(ctx); len(cs) != 0 || err != nil {
		t.Fatalf("Communities on empty = %v, %v; want none", cs, err)
	}
	audit := &ll.AuditEntry{Actor: "tg:1", Action: "newcommunity"}
	c := ll.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1, Created: t0}
	if err := s.CreateCommunity(ctx, c, audit); err != nil {
		t.Fatalf("CreateCommunity = %v", err)
	}
	wantCode(t, "CreateCommunity again", s.CreateCommunity(ctx, c, nil), ll.ECONFLICT)
	bad := c
	bad.ID = "Bad ID"
	wantCode(t, "CreateCommunity with a bad id", s.CreateCommunity(ctx, bad, nil), ll.EINVALID)
	newCommunity(t, s, "beilin")
	newCommunity(t, s, "xiguan")

	got, err := s.Community(ctx, "dongan")
	if err != nil || got.Name != c.Name || got.TimeZone != c.TimeZone || !got.Created.Equal(t0) {
		t.Errorf("Community(dongan) = %+v, %v; want %+v", got, err, c)
	}
	for _, id := range []string{"nowhere", "", "a}b{", "UPPER"} {
		_, err := s.Community(ctx, id)
		wantCode(t, "Community("+id+")", err, ll.ENOTFOUND)
	}

	cs, err := s.Communities(ctx)
	if err != nil {
		t.Fatalf("Communities = %v", err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	if len(ids) != 3 || ids[0] != "beilin" || ids[1] != "dongan" || ids[2] != "xiguan" {
		t.Errorf("Communities ids = %v, want [beilin dongan xiguan]", ids)
	}

	c.Minimum = 4
	c.NoticeChat = -1001234567890123
	if err := s.SaveCommunity(ctx, c, &ll.AuditEntry{Actor: "M1", Action: "settings", Detail: "minimum 4"}); err != nil {
		t.Fatalf("SaveCommunity = %v", err)
	}
	if got, _ := s.Community(ctx, "dongan"); got.Minimum != 4 || got.NoticeChat != c.NoticeChat {
		t.Errorf("after SaveCommunity: minimum %d notice %d, want 4 %d", got.Minimum, got.NoticeChat, c.NoticeChat)
	}
	missing := c
	missing.ID = "missing"
	wantCode(t, "SaveCommunity(missing)", s.SaveCommunity(ctx, missing, nil), ll.ENOTFOUND)

	log, err := s.AuditLog(ctx, "dongan", 0, time.Time{})
	if err != nil || len(log) != 2 {
		t.Fatalf("AuditLog = %v, %v; want 2 entries", log, err)
	}
	if log[1].Action != "newcommunity" || log[1].Object != "dongan" || log[1].Community != "dongan" || !log[1].Time.Equal(t0) {
		t.Errorf("creation audit entry = %+v, want action newcommunity, object and community dongan, time %v", log[1], t0)
	}
	if log[0].Action != "settings" || log[0].Detail != "minimum 4" || log[0].Time.IsZero() {
		t.Errorf("settings audit entry = %+v", log[0])
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	for i := 0; i < 5; i++ {
		e := ll.AuditEntry{Time: t0.Add(time.Duration(i) * time.Hour), Community: "dongan", Actor: "M1", Action: "test", Object: fmt.Sprintf("P%d", i+1)}
		if err := s.Audit(ctx, e); err != nil {
			t.Fatalf("Audit = %v", err)
		}
	}
	// Two entries in the same millisecond keep their order.
	for _, o := range []string{"first", "second"} {
		if err := s.Audit(ctx, ll.AuditEntry{Time: t0.Add(10 * time.Hour), Community: "dongan", Actor: "M1", Action: "same", Object: o}); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.AuditLog(ctx, "dongan", 3, time.Time{})
	if err != nil || len(log) != 3 {
		t.Fatalf("AuditLog(3) = %v, %v", log, err)
	}
	if log[0].Object != "second" || log[1].Object != "first" || log[2].Object != "P5" {
		t.Errorf("AuditLog(3) objects = %s %s %s, want second first P5", log[0].Object, log[1].Object, log[2].Object)
	}
	log, err = s.AuditLog(ctx, "dongan", 0, t0.Add(3*time.Hour))
	if err != nil || len(log) != 4 || log[3].Object != "P4" {
		t.Errorf("AuditLog(since +3h) = %+v, %v; want 4 entries ending with P4", log, err)
	}
	if log, err := s.AuditLog(ctx, "nowhere", 10, time.Time{}); len(log) != 0 || err != nil {
		t.Errorf("AuditLog(nowhere) = %v, %v; want none", log, err)
	}
	wantCode(t, "Audit with a bad community", s.Audit(ctx, ll.AuditEntry{Community: "{x}"}), ll.ENOTFOUND)
}

func TestUserAndFlow(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	const tg = 5551234567
	u, err := s.User(ctx, tg)
	if err != nil || u != (ll.User{TelegramID: tg}) {
		t.Fatalf("User(unknown) = %+v, %v; want zero user with its id", u, err)
	}
	wantCode(t, "SetUserLanguage(fr)", s.SetUserLanguage(ctx, tg, "fr"), ll.EINVALID)
	if err := s.SetUserLanguage(ctx, tg, "en"); err != nil {
		t.Fatalf("SetUserLanguage = %v", err)
	}
	if err := s.SetUserUse(ctx, tg, "dongan"); err != nil {
		t.Fatalf("SetUserUse = %v", err)
	}
	if u, _ := s.User(ctx, tg); u.Language != "en" || u.Use != "dongan" || u.Community != "" {
		t.Errorf("User = %+v, want lang en, use dongan, no membership", u)
	}
	if err := s.SetUserUse(ctx, tg, ""); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, tg); u.Use != "" {
		t.Errorf("User.Use after clearing = %q", u.Use)
	}

	// A member's language follows the user's.
	newCommunity(t, s, "dongan")
	m := register(t, s, "dongan", tg, "Li Wei")
	if u, _ := s.User(ctx, tg); u.Community != "dongan" || u.MemberID != m.ID {
		t.Errorf("User after Register = %+v, want pointer dongan/%s", u, m.ID)
	}
	if err := s.SetUserLanguage(ctx, tg, "zh"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Member(ctx, "dongan", m.ID); got.Language != "zh" {
		t.Errorf("member language after SetUserLanguage(zh) = %q", got.Language)
	}

	if f, err := s.Flow(ctx, tg); f != nil || err != nil {
		t.Fatalf("Flow(none) = %v, %v; want nil, nil", f, err)
	}
	want := ll.Flow{Kind: "register", Step: "unit", Data: map[string]string{"name": "Li Wei <b>"}}
	if err := s.SetFlow(ctx, tg, want, 10*time.Minute); err != nil {
		t.Fatalf("SetFlow = %v", err)
	}
	f, err := s.Flow(ctx, tg)
	if err != nil || f == nil || f.Kind != want.Kind || f.Step != want.Step || f.Data["name"] != want.Data["name"] {
		t.Errorf("Flow = %+v, %v; want %+v", f, err, want)
	}
	ttl, err := storagetest.Client(t).PTTL(ctx, p+"{u:5551234567}:flow").Result()
	if err != nil || ttl <= 9*time.Minute || ttl > 10*time.Minute {
		t.Errorf("flow TTL = %v, %v; want about 10m", ttl, err)
	}
	for i := 0; i < 2; i++ {
		if err := s.ClearFlow(ctx, tg); err != nil {
			t.Errorf("ClearFlow #%d = %v", i+1, err)
		}
	}
	if f, _ := s.Flow(ctx, tg); f != nil {
		t.Errorf("Flow after ClearFlow = %+v", f)
	}
}

func TestSetReachable(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	m := register(t, s, "dongan", 42, "Li Wei")
	if err := s.SetReachable(ctx, 42, false); err != nil {
		t.Fatalf("SetReachable(false) = %v", err)
	}
	if got, _ := s.Member(ctx, "dongan", m.ID); !got.Unreachable {
		t.Errorf("Unreachable after SetReachable(false) = false")
	}
	if err := s.SetReachable(ctx, 42, true); err != nil {
		t.Fatalf("SetReachable(true) = %v", err)
	}
	if got, _ := s.Member(ctx, "dongan", m.ID); got.Unreachable {
		t.Errorf("Unreachable after SetReachable(true) = true")
	}
	if err := s.SetReachable(ctx, 43, false); err != nil {
		t.Errorf("SetReachable(not a member) = %v, want nil", err)
	}
}
