package storage_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestMemberPageMatchesScan pages the unfiltered member list (an empty
// search, answered from the active members' bitmap) of a community of 2,300
// members with removals and forgotten members scattered through it, and
// compares every page, across the bitmap's 1,024-member blocks, with the
// full scan: same ids in the same order, same total. It also checks that no
// search index was needed for it.
func TestMemberPageMatchesScan(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	newCommunity(t, s, "dongan")
	newCommunity(t, s, "small")
	ms := importMembers(t, s, "dongan", 2300)
	importMembers(t, s, "small", 7)
	r := rand.New(rand.NewPCG(12, 13))
	// Whole blocks gone (M1025–M1100 and the first 30), and some others.
	gone := map[string]bool{}
	for i := range ms {
		if i < 30 || i >= 1024 && i < 1100 || r.IntN(9) == 0 {
			gone[ms[i].ID] = true
		}
	}
	k := 0
	for id := range gone {
		var err error
		if k++; k%3 == 0 {
			err = s.Forget(ctx, "dongan", id, t0, nil)
		} else {
			err = s.RemoveMember(ctx, "dongan", id, t0, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// The import gave dongan the search index; without it the unfiltered
	// list works alike and builds none.
	raw := storagetest.Client(t)
	for _, key := range storagetest.Keys(t, raw, p+"{c:dongan}:sx*") {
		if err := raw.Del(ctx, key).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"dongan", "small"} {
		want := scanSearch(t, s, c, "")
		for _, at := range []struct{ offset, count int }{{0, 30}, {0, 1 << 20}, {1, 1}, {900, 300}, {993, 30}, {994, 30},
			{len(want) - 5, 30}, {len(want), 30}, {len(want) + 10, 30}, {5, 0}} {
			page, total, ok, err := s.SearchMembers(ctx, c, "", at.offset, at.count)
			if err != nil || !ok {
				t.Fatalf("%s: SearchMembers(\"\", %d, %d) = ok %v, %v", c, at.offset, at.count, ok, err)
			}
			ids := make([]string, len(page))
			for i, m := range page {
				ids[i] = m.ID
				if m.Name != "Member" || m.Community != c {
					t.Errorf("%s: page member %s = %+v", c, m.ID, m)
				}
			}
			from := min(at.offset, len(want))
			if exp := want[from:min(from+at.count, len(want))]; !slices.Equal(ids, exp) || total != len(want) {
				t.Errorf("%s: SearchMembers(\"\", %d, %d) = %v (total %d), want %v (total %d)", c, at.offset, at.count, ids, total, exp, len(want))
			}
		}
	}
	if keys := storagetest.Keys(t, raw, p+"{c:dongan}:sx*"); len(keys) != 0 {
		t.Errorf("the unfiltered list built the search index: %v", keys)
	}
}
