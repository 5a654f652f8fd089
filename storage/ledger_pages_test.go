package storage_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestCommunityLedgerOfALargeCommunity: beyond the first 1,000 members the
// ledger is read with plain commands, not the script; every member's
// participations (check-ins, voided ones, approved and pending service
// records, two activities) and claims read the same either way, as
// Participations reads them one member at a time.
func TestCommunityLedgerOfALargeCommunity(t *testing.T) {
	t.Parallel()
	const n = 2500
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", n)
	a1, a2 := newActivity(t, s, "dongan", t0, 0), newActivity(t, s, "dongan", t0, 0)
	p := newPost(t, s, "dongan", 0)
	wantClaims := map[string]int{}
	eachMember(t, ms, func(i int, m ll.Member) error {
		if i%3 == 0 {
			if _, _, err := s.CheckIn(ctx, "dongan", m.ID, byCode(a1.Code), t0); err != nil {
				return err
			}
		}
		if i%4 == 0 {
			if _, _, err := s.CheckIn(ctx, "dongan", m.ID, byCode(a2.Code), t0); err != nil {
				return err
			}
		}
		if i%9 == 0 {
			if err := s.Void(ctx, "dongan", a1.ID, m.ID, ms[0].ID, "wrong", t0, nil); err != nil {
				return err
			}
		}
		if i%5 == 0 {
			r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: m.ID, Text: "扫雪", Created: t0})
			if err != nil {
				return err
			}
			if i%10 == 0 {
				if _, _, err := s.Decide(ctx, "dongan", r.ID, true, ms[1].ID, "", t0, nil); err != nil {
					return err
				}
			}
		}
		if i%2 == 0 {
			_, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0)
			return err
		}
		return nil
	})
	for i, m := range ms {
		if i%2 == 0 {
			wantClaims[m.ID] = 1
		}
	}
	ps, cs, err := s.CommunityLedger(ctx, "dongan")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]ll.Participation{}
	for _, p := range ps {
		got[p.Member] = append(got[p.Member], p)
	}
	for i, m := range ms {
		want, err := s.Participations(ctx, "dongan", m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(got[m.ID], want) {
			t.Fatalf("member %d (%s): CommunityLedger has %+v; Participations %+v", i, m.ID, got[m.ID], want)
		}
	}
	gotClaims := map[string]int{}
	for _, c := range cs {
		if c.Post != p.ID {
			t.Fatalf("claim %+v; want of %s", c, p.ID)
		}
		gotClaims[c.Member]++
	}
	if !reflect.DeepEqual(gotClaims, wantClaims) {
		t.Errorf("claims of %d members; want %d", len(gotClaims), len(wantClaims))
	}
	// The order is the members' (by number) throughout.
	last := -1
	index := map[string]int{}
	for i, m := range ms {
		index[m.ID] = i
	}
	for _, p := range ps {
		if index[p.Member] < last {
			t.Fatalf("participation of %s after member %d", p.Member, last)
		}
		last = index[p.Member]
	}

	// LedgerPages gives the same members and ledger a page at a time.
	members, err := s.Members(ctx, "dongan")
	if err != nil {
		t.Fatal(err)
	}
	var (
		pages   []int
		gotMs   []ll.Member
		gotPs   []ll.Participation
		gotCs   []ll.Claim
		stopped = errors.New("stop")
	)
	if err := s.LedgerPages(ctx, "dongan", func(ms []ll.Member, ps []ll.Participation, cs []ll.Claim) error {
		pages = append(pages, len(ms))
		gotMs, gotPs, gotCs = append(gotMs, ms...), append(gotPs, ps...), append(gotCs, cs...)
		for _, p := range ps {
			if !slices.ContainsFunc(ms, func(m ll.Member) bool { return m.ID == p.Member }) {
				t.Fatalf("page of %d members has a participation of %s", len(ms), p.Member)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pages, []int{1000, 1000, 500}) {
		t.Errorf("LedgerPages pages = %v, want [1000 1000 500]", pages)
	}
	if !reflect.DeepEqual(gotMs, members) {
		t.Errorf("LedgerPages members differ from Members (%d and %d)", len(gotMs), len(members))
	}
	if !reflect.DeepEqual(gotPs, ps) {
		t.Errorf("LedgerPages participations differ from CommunityLedger's (%d and %d)", len(gotPs), len(ps))
	}
	if !reflect.DeepEqual(gotCs, cs) {
		t.Errorf("LedgerPages claims differ from CommunityLedger's (%d and %d)", len(gotCs), len(cs))
	}
	calls := 0
	if err := s.LedgerPages(ctx, "dongan", func([]ll.Member, []ll.Participation, []ll.Claim) error {
		calls++
		return stopped
	}); !errors.Is(err, stopped) || calls != 1 {
		t.Errorf("LedgerPages with fn failing = %v after %d calls, want %v after 1", err, calls, stopped)
	}
}
