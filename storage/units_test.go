package storage_test

import (
	"slices"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func addUnits(t *testing.T, s *storage.Store, us ...ll.Unit) []ll.Unit {
	t.Helper()
	got, err := s.ChangeUnits(ctx, func([]ll.Unit) ([]ll.Unit, error) { return us, nil }, t0, &ll.AuditEntry{Actor: "cli", Action: "units"})
	if err != nil {
		t.Fatalf("ChangeUnits = %v", err)
	}
	return got
}

func unitIDs(ms []ll.Member) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Community+"/"+m.ID)
	}
	return ids
}

// TestUnitsIndex: units get ids, names and short names match whatever the
// case and spacing, a second unit cannot take a name, and the per-unit
// index follows registration, profile changes, removal and forgetting, in
// each community, with the unit's communities noted.
func TestUnitsIndex(t *testing.T) {
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	newCommunity(t, s, "xiguan")
	us := addUnits(t, s, ll.Unit{Name: "Bank of Dongan", ShortName: "BoD", Liaisons: []int64{900}}, ll.Unit{Name: "City School"})
	if us[0].ID != "U1" || us[1].ID != "U2" {
		t.Fatalf("unit ids %s %s, want U1 U2", us[0].ID, us[1].ID)
	}
	if u, ok, err := s.MatchUnit(ctx, "  bod "); err != nil || !ok || u.ID != "U1" {
		t.Fatalf("MatchUnit(bod) = %v %v %v, want U1", u.ID, ok, err)
	}
	if _, ok, _ := s.MatchUnit(ctx, "Bank"); ok {
		t.Fatal("MatchUnit(Bank) matched: only whole names match")
	}
	if ids, _ := s.LiaisonUnits(ctx, 900); !slices.Equal(ids, []string{"U1"}) {
		t.Fatalf("LiaisonUnits(900) = %v", ids)
	}
	_, err := s.ChangeUnits(ctx, func([]ll.Unit) ([]ll.Unit, error) {
		return []ll.Unit{{Name: "Other", ShortName: "bank of  DONGAN"}}, nil
	}, t0, nil)
	wantCode(t, "a short name that is another unit's name", err, ll.ECONFLICT)
	if all, _ := s.Units(ctx); len(all) != 2 {
		t.Fatalf("%d units after a refused change, want 2", len(all))
	}
	if log, _ := s.UnitsAudit(ctx, 5); len(log) != 1 || log[0].Action != "units" || log[0].Community != storage.AuditDistrict {
		t.Fatalf("units audit = %+v", log)
	}

	inv, _ := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Created: t0}, nil)
	a, err := s.Register(ctx, inv, ll.Member{TelegramID: 11, Name: "A", Unit: "BoD", UnitID: "U1"}, t0)
	if err != nil || a.UnitID != "U1" || a.Unit != "BoD" {
		t.Fatalf("Register = %+v, %v; want unit BoD linked to U1", a, err)
	}
	inv2, _ := s.CreateInvite(ctx, ll.Invite{Community: "xiguan", Created: t0}, nil)
	b, _ := s.Register(ctx, inv2, ll.Member{TelegramID: 12, Name: "B", Unit: "Bank of Dongan", UnitID: "U1"}, t0)
	imp, err := s.ImportMembers(ctx, "xiguan", []ll.Member{{Name: "C", Unit: "City School", UnitID: "U2"}, {Name: "D", Unit: "BoD", UnitID: "U1"}}, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.UnitCommunities(ctx, "U1"); !slices.Equal(cs, []string{"dongan", "xiguan"}) {
		t.Fatalf("UnitCommunities(U1) = %v", cs)
	}
	got, _ := s.UnitMembers(ctx, "xiguan", "U1", false)
	if want := []string{"xiguan/" + b.ID, "xiguan/" + imp[1].ID}; !slices.Equal(unitIDs(got), want) {
		t.Fatalf("UnitMembers(xiguan, U1) = %v, want %v", unitIDs(got), want)
	}

	// A profile moving to another unit moves the member between indexes.
	b.UnitID, b.Unit = "U2", "City School"
	if err := s.UpdateProfile(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UnitMembers(ctx, "xiguan", "U1", true); len(got) != 1 {
		t.Fatalf("U1 in xiguan after B moved to U2 = %v, want only D", unitIDs(got))
	}
	if got, _ := s.UnitMembers(ctx, "xiguan", "U2", false); len(got) != 2 {
		t.Fatalf("U2 in xiguan = %v, want C and B", unitIDs(got))
	}
	// Removed: gone from the active ones, still a former member.
	if err := s.RemoveMember(ctx, "dongan", a.ID, t0, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UnitMembers(ctx, "dongan", "U1", false); len(got) != 0 {
		t.Fatalf("active U1 members in dongan after removal = %v", unitIDs(got))
	}
	if got, _ := s.UnitMembers(ctx, "dongan", "U1", true); len(got) != 1 || got[0].Active() {
		t.Fatalf("former U1 members in dongan = %+v, want the removed one", got)
	}
	// Forgotten: out of the index, the link deleted.
	if _, err := s.ForgetPerson(ctx, 12, t0, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UnitMembers(ctx, "xiguan", "U2", true); len(got) != 1 {
		t.Fatalf("U2 in xiguan after B was forgotten = %v, want only C", unitIDs(got))
	}
	if m, _ := s.Member(ctx, "xiguan", b.ID); m.UnitID != "" {
		t.Fatalf("forgotten member keeps unit id %q", m.UnitID)
	}
	// The counters of registration's choices stay those of typed units.
	units, _, _ := s.Choices(ctx, "xiguan", 10)
	if units["City School"] != 1 || units["BoD"] != 1 {
		t.Fatalf("unit counters of xiguan = %v", units)
	}
}

// TestLinkUnits: linking existing members changes only active members
// whose typed unit is still the one matched.
func TestLinkUnits(t *testing.T) {
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	addUnits(t, s, ll.Unit{Name: "Bank of Dongan"})
	ms := importMembers(t, s, "dongan", 3) // unit "Bank of Dongan"
	n, err := s.LinkUnits(ctx, "dongan", []storage.UnitLink{
		{MemberID: ms[0].ID, Typed: "Bank of Dongan", UnitID: "U1"},
		{MemberID: ms[1].ID, Typed: "something else", UnitID: "U1"},
	})
	if err != nil || n != 1 {
		t.Fatalf("LinkUnits = %d, %v; want 1 changed", n, err)
	}
	again, _ := s.LinkUnits(ctx, "dongan", []storage.UnitLink{{MemberID: ms[0].ID, Typed: "Bank of Dongan", UnitID: "U1"}})
	if again != 0 {
		t.Fatalf("linking again changed %d", again)
	}
	if got, _ := s.UnitMembers(ctx, "dongan", "U1", false); len(got) != 1 || got[0].ID != ms[0].ID {
		t.Fatalf("UnitMembers = %v", unitIDs(got))
	}
}

// TestChangeUnitsRaces: admins creating units at the same time each get
// one, with distinct ids, and every name keeps its unit.
func TestChangeUnitsRaces(t *testing.T) {
	s := storagetest.NewStore(t)
	const n = 8
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			_, err := s.ChangeUnits(ctx, func([]ll.Unit) ([]ll.Unit, error) {
				return []ll.Unit{{Name: "Unit " + string(rune('A'+i))}}, nil
			}, t0, nil)
			errs <- err
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Errorf("ChangeUnits = %v", err)
		}
	}
	us, _ := s.Units(ctx)
	seen := map[string]bool{}
	for _, u := range us {
		seen[u.ID] = true
		if m, ok, _ := s.MatchUnit(ctx, u.Name); !ok || m.ID != u.ID {
			t.Errorf("MatchUnit(%s) = %v %v, want %s", u.Name, m.ID, ok, u.ID)
		}
	}
	if len(us) != n || len(seen) != n {
		t.Fatalf("%d units with %d ids, want %d", len(us), len(seen), n)
	}
}
