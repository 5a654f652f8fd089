package storage_test

import (
	"strconv"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// Members reads a large community in batches: every member, in id order,
// with their fields, in 1 + 1 + ceil((n-1000)/1000) round trips.
func TestMembersOfALargeCommunity(t *testing.T) {
	t.Parallel()
	s, n := storagetest.NewCountedStore(t)
	if err := s.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	newCommunity(t, s, "dongan")
	next := 0
	for _, size := range []int{999, 1, 1500} { // 999, 1000, 2500 members
		in := make([]ll.Member, size)
		for i := range in {
			next++
			in[i] = ll.Member{TelegramID: 1_000_000 + int64(next), Name: "Member " + strconv.Itoa(next), Skills: []string{"law"}}
		}
		if _, err := s.ImportMembers(ctx, "dongan", in, t0, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Members(ctx, "dongan"); err != nil { // warm the connections
			t.Fatal(err)
		}
		n.Reset()
		got, err := s.Members(ctx, "dongan")
		if err != nil {
			t.Fatal(err)
		}
		total := len(got)
		wantTrips := int64(1)
		if total >= 1000 {
			wantTrips = 2 + int64((total-1000+999)/1000)
		}
		if rt := n.RoundTrips(); rt != wantTrips {
			t.Errorf("Members of %d took %d round trips, want %d", total, rt, wantTrips)
		}
		for i, m := range got {
			if m.ID != "M"+strconv.Itoa(i+1) || m.Name == "" || len(m.Skills) != 1 || m.Status != ll.StatusActive {
				t.Fatalf("Members of %d: [%d] = %+v, want M%d with its fields", total, i, m, i+1)
			}
		}
	}
}
