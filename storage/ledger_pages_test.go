package storage_test

import (
	"reflect"
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
}
