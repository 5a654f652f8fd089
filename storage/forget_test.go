package storage_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestForgetPersonDropsTheirIndexes: the user's own keys (record, flow,
// update markers) go, and so do the messages waiting for their chat and its
// pace, while the messages of other chats stay.
func TestForgetPersonDropsTheirIndexes(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
	raw := storagetest.Client(t)
	const tg = 6624801357
	if err := s.CreateCommunity(ctx, ll.Community{ID: "elm", Name: "Elm", TimeZone: "UTC", Language: "en", Minimum: 2, Created: t0}, nil); err != nil {
		t.Fatal(err)
	}
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "elm", Role: ll.RoleCommittee, Created: t0, Expires: t0.Add(time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Register(ctx, inv, ll.Member{TelegramID: tg, Name: "Qiao Feng"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.TrackLive(ctx, "elm", m.ID, ll.GeoPoint{Latitude: 31.2, Longitude: 121.5}, t0, 50, time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Begin(ctx, 777, tg, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlow(ctx, tg, ll.Flow{Kind: "register", Step: "name"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	other := ll.OutMessage{ID: "keep", ChatID: 42, Kind: ll.OutDirect, Reply: ll.Reply{Text: "for someone else"}}
	mine := []ll.OutMessage{
		{ID: "a", ChatID: tg, Kind: ll.OutDirect, Reply: ll.Reply{Text: "hello Qiao Feng"}},
		{ID: "b", ChatID: tg, Kind: ll.OutDirect, Reply: ll.Reply{Text: "again"}, Due: t0.Add(time.Hour)},
	}
	if _, err := s.Enqueue(ctx, append(mine, other)...); err != nil {
		t.Fatal(err)
	}
	got, err := s.ForgetPerson(ctx, tg, t0, nil)
	if err != nil || len(got) != 1 || got[0] != "elm/"+m.ID {
		t.Fatalf("ForgetPerson = %v, %v; want [elm/%s]", got, err, m.ID)
	}
	for _, k := range storagetest.Keys(t, raw, p+"*") {
		if strings.Contains(k, "6624801357") {
			t.Errorf("key %s remains", k)
		}
		if v, _ := raw.Dump(ctx, k).Result(); strings.Contains(v, "6624801357") || strings.Contains(v, "Qiao Feng") {
			t.Errorf("key %s still holds them", k)
		}
	}
	if keys := storagetest.Keys(t, raw, p+"{c:elm}:live:*"); len(keys) != 0 {
		t.Errorf("live positions after ForgetPerson = %v, want none", keys)
	}
	st, err := s.OutboxStatus(ctx, t0)
	if err != nil || st.Queued != 1 {
		t.Errorf("OutboxStatus = %+v, %v; want the other chat's message queued", st, err)
	}
	// Again: nothing of theirs is left to find, and no error.
	if got, err := s.ForgetPerson(ctx, tg, t0, nil); err != nil || len(got) != 0 {
		t.Errorf("ForgetPerson again = %v, %v; want nothing", got, err)
	}
	// The role invite stays spent.
	if inv2, err := s.Invite(ctx, inv.Code); err != nil || !inv2.Used || inv2.UsedBy == tg {
		t.Errorf("invite after forgetting = %+v, %v; want used, not by them", inv2, err)
	}
}

// TestRoleInviteBindsOneUnderRace: many people register with one role
// invite at once; exactly one becomes a member, with its role.
func TestRoleInviteBindsOneUnderRace(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
	if err := s.CreateCommunity(ctx, ll.Community{ID: "elm", Name: "Elm", TimeZone: "UTC", Language: "en", Minimum: 2, Created: t0}, nil); err != nil {
		t.Fatal(err)
	}
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "elm", Role: ll.RoleDeputy, Created: t0, Expires: t0.Add(time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Register(ctx, inv, ll.Member{TelegramID: int64(9000 + i), Name: "P"}, t0)
		}()
	}
	wg.Wait()
	ok, used := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case ll.ErrorDetail(err) == ll.ReasonUsed:
			used++
		default:
			t.Errorf("Register = %v, want nil or ECONFLICT %s", err, ll.ReasonUsed)
		}
	}
	ms, _ := s.Members(ctx, "elm")
	if ok != 1 || used != n-1 || len(ms) != 1 || ms[0].Role != ll.RoleDeputy {
		t.Errorf("%d registered, %d refused, members %+v; want 1 deputy and %d refused", ok, used, ms, n-1)
	}
}
