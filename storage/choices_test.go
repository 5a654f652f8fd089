package storage_test

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

var (
	choiceUnits  = []string{"ICBC", "Bank of Dongan", "东安小学", "Post office", "区医院", "Fire station"}
	choiceSkills = []string{"law", "电工", "教育", "医疗", "first aid", "cooking", "IT"}
)

// randomProfile is a member with a random unit (or none) and up to three
// random skills (a repeat now and then, which counts twice).
func randomProfile(r *rand.Rand, tg int64) ll.Member {
	m := ll.Member{TelegramID: tg, Name: fmt.Sprintf("Member %d", r.IntN(1000))}
	if r.IntN(5) > 0 {
		m.Unit = choiceUnits[r.IntN(len(choiceUnits))]
	}
	for range r.IntN(4) {
		m.Skills = append(m.Skills, choiceSkills[r.IntN(len(choiceSkills))])
	}
	return m
}

// checkChoices compares the counters with a count of every member and post,
// and Choices(n) with the first n by count then value.
func checkChoices(t *testing.T, s *storage.Store, community, when string) {
	t.Helper()
	wantU, wantS, err := s.CountChoices(ctx, community)
	if err != nil {
		t.Fatalf("%s: CountChoices = %v", when, err)
	}
	all, err := s.Members(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, m := range all {
		if m.Active() {
			active++
		}
	}
	if n, err := s.ActiveMembers(ctx, community); n != active || err != nil {
		t.Errorf("%s: ActiveMembers = %d, %v; want %d", when, n, err, active)
	}
	gotU, gotS, err := s.Choices(ctx, community, 1<<20)
	if err != nil {
		t.Fatalf("%s: Choices = %v", when, err)
	}
	if !maps.Equal(gotU, wantU) {
		t.Errorf("%s: unit counters = %v, want %v", when, gotU, wantU)
	}
	if !maps.Equal(gotS, wantS) {
		t.Errorf("%s: skill counters = %v, want %v", when, gotS, wantS)
	}
	for _, n := range []int{1, 2, 3} {
		u, sk, err := s.Choices(ctx, community, n)
		if err != nil {
			t.Fatalf("%s: Choices(%d) = %v", when, n, err)
		}
		for _, c := range []struct {
			name      string
			got, want map[string]int
		}{{"units", u, wantU}, {"skills", sk, wantS}} {
			for _, k := range firstN(c.want, n) {
				if c.got[k] != c.want[k] {
					t.Errorf("%s: Choices(%d) %s = %v, want %s: %d among them", when, n, c.name, c.got, k, c.want[k])
				}
			}
			if len(c.got) > 2*n {
				t.Errorf("%s: Choices(%d) %s = %d values, want at most %d", when, n, c.name, len(c.got), 2*n)
			}
		}
	}
}

// firstN is the first n keys by descending count, then by name.
func firstN(counts map[string]int, n int) []string {
	keys := slices.Collect(maps.Keys(counts))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(counts[b]-counts[a], strings.Compare(a, b)) })
	return keys[:min(n, len(keys))]
}

// TestChoiceCounters changes members and posts every way the scripts do and
// checks after each kind of change that the counters equal a full count.
func TestChoiceCounters(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	r := rand.New(rand.NewPCG(13, 1))
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkChoices(t, s, "dongan", "empty")

	var ids []string
	for tg := int64(1); tg <= 30; tg++ {
		m, err := s.Register(ctx, inv, randomProfile(r, tg), t0)
		if err != nil {
			t.Fatalf("Register(%d) = %v", tg, err)
		}
		ids = append(ids, m.ID)
	}
	checkChoices(t, s, "dongan", "after registrations")
	// Registering again with the same invite overwrites the profile.
	for tg := int64(1); tg <= 5; tg++ {
		if _, err := s.Register(ctx, inv, randomProfile(r, tg), t0); err != nil {
			t.Fatalf("Register(%d) again = %v", tg, err)
		}
	}
	checkChoices(t, s, "dongan", "after registering again")

	for _, n := range []int{7, 2*storage.ImportBatch + 5} {
		ms := make([]ll.Member, n)
		for i := range ms {
			ms[i] = randomProfile(r, 0)
		}
		got, err := s.ImportMembers(ctx, "dongan", ms, t0, nil)
		if err != nil {
			t.Fatalf("ImportMembers(%d) = %v", n, err)
		}
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		checkChoices(t, s, "dongan", fmt.Sprintf("after importing %d", n))
	}
	// A personal invite binds an imported member, with a new profile.
	pinv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan", Member: ids[40]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, pinv, randomProfile(r, 500), t0); err != nil {
		t.Fatalf("Register(personal) = %v", err)
	}
	checkChoices(t, s, "dongan", "after a personal invite")

	for _, id := range []string{ids[1], ids[31], ids[50], ids[60], ids[70]} {
		if err := s.RemoveMember(ctx, "dongan", id, t0, nil); err != nil {
			t.Fatalf("RemoveMember(%s) = %v", id, err)
		}
	}
	checkChoices(t, s, "dongan", "after removals")
	for i := 0; i < 40; i++ {
		id := ids[r.IntN(len(ids))]
		m, err := s.Member(ctx, "dongan", id)
		if err != nil {
			t.Fatal(err)
		}
		p := randomProfile(r, m.TelegramID)
		m.Name, m.Unit, m.Skills = p.Name, p.Unit, p.Skills
		if err := s.UpdateProfile(ctx, m); err != nil && code(err) != ll.ENOTMEMBER {
			t.Fatalf("UpdateProfile(%s) = %v", id, err)
		}
	}
	// A left member's profile changes: still not counted.
	if m, err := s.Member(ctx, "dongan", ids[31]); err == nil {
		m.Unit, m.Skills = "Left unit", []string{"left skill"}
		if err := s.UpdateProfile(ctx, m); err != nil {
			t.Fatalf("UpdateProfile(left) = %v", err)
		}
	}
	checkChoices(t, s, "dongan", "after profile changes")

	for _, id := range []string{ids[2], ids[31], ids[80]} { // active, left, imported
		if err := s.Forget(ctx, "dongan", id, t0, nil); err != nil {
			t.Fatalf("Forget(%s) = %v", id, err)
		}
	}
	for _, tg := range []int64{3, 4, 500} {
		if _, err := s.ForgetPerson(ctx, tg, t0, nil); err != nil {
			t.Fatalf("ForgetPerson(%d) = %v", tg, err)
		}
	}
	checkChoices(t, s, "dongan", "after forgetting")

	var posts []ll.Post
	for i, sk := range [][]string{{"law", "电工"}, {"cooking"}, nil, {"plumbing", "law"}} {
		p, err := s.CreatePost(ctx, ll.Post{Community: "dongan", Title: fmt.Sprintf("Post %d", i), Mode: ll.ModeClaimed, Skills: sk, Created: t0}, nil)
		if err != nil {
			t.Fatalf("CreatePost = %v", err)
		}
		posts = append(posts, p)
	}
	checkChoices(t, s, "dongan", "after creating posts")
	posts[0].Closed = true
	posts[1].Skills = []string{"gardening"}
	posts[2].Skills = []string{"law"}
	for _, p := range posts[:3] {
		if err := s.SavePost(ctx, p, nil); err != nil {
			t.Fatalf("SavePost(%s) = %v", p.ID, err)
		}
	}
	checkChoices(t, s, "dongan", "after saving posts")
	posts[0].Closed = false
	if err := s.SavePost(ctx, posts[0], nil); err != nil {
		t.Fatal(err)
	}
	checkChoices(t, s, "dongan", "after reopening a post")
}

// TestChoiceCountersConcurrent registers, imports, edits, removes and
// forgets from many goroutines at once: the counters still equal a full
// count, and searches a full scan (run with -race).
func TestChoiceCountersConcurrent(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	if err := s.EnableSearchIndex(ctx, "dongan"); err != nil {
		t.Fatal(err)
	}
	inv, err := s.CreateInvite(ctx, ll.Invite{Community: "dongan"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*4)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range each {
				tg := int64(w*1000 + i + 1)
				m, err := s.Register(ctx, inv, randomProfile(r, tg), t0)
				if err != nil {
					errs <- err
					continue
				}
				switch r.IntN(5) {
				case 0:
					errs <- s.RemoveMember(ctx, "dongan", m.ID, t0, nil)
				case 1:
					_, err := s.ForgetPerson(ctx, tg, t0, nil)
					errs <- err
				case 2, 3:
					p := randomProfile(r, tg)
					m.Unit, m.Skills = p.Unit, p.Skills
					errs <- s.UpdateProfile(ctx, m)
				}
				if i%10 == 0 {
					_, err := s.ImportMembers(ctx, "dongan", []ll.Member{randomProfile(r, 0), randomProfile(r, 0)}, t0, nil)
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkChoices(t, s, "dongan", "after concurrent changes")
	checkSearch(t, s, "dongan", "after concurrent changes", rand.New(rand.NewPCG(5, 5)))
}

// TestMigrateBuildsChoiceCounters drops the counters, as schema 2 had none,
// and checks that Migrate builds them from the members and posts, and that
// migrating again changes nothing.
func TestMigrateBuildsChoiceCounters(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	raw := storagetest.Client(t)
	r := rand.New(rand.NewPCG(3, 3))
	for _, c := range []string{"dongan", "xiyuan"} {
		newCommunity(t, s, c)
		ms := make([]ll.Member, 50)
		for i := range ms {
			ms[i] = randomProfile(r, 0)
		}
		got, err := s.ImportMembers(ctx, c, ms, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveMember(ctx, c, got[3].ID, t0, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreatePost(ctx, ll.Post{Community: c, Title: "Lights", Mode: ll.ModeClaimed, Skills: []string{"law"}, Created: t0}, nil); err != nil {
			t.Fatal(err)
		}
		if err := raw.Del(ctx, p+"{c:"+c+"}:cnt:unit", p+"{c:"+c+"}:cnt:skill").Err(); err != nil {
			t.Fatal(err)
		}
		if err := raw.HDel(ctx, p+"{c:"+c+"}:seq", "act").Err(); err != nil {
			t.Fatal(err)
		}
		if u, _, _ := s.Choices(ctx, c, 10); len(u) != 0 {
			t.Fatalf("Choices of %s with the counters dropped = %v, want none", c, u)
		}
	}
	if err := raw.Set(ctx, p+"schema", "2", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d = %v", i+1, err)
		}
		for _, c := range []string{"dongan", "xiyuan"} {
			checkChoices(t, s, c, fmt.Sprintf("%s after Migrate #%d", c, i+1))
		}
	}
	if v, err := s.SchemaVersion(ctx); v != storage.CurrentSchema || err != nil {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, storage.CurrentSchema)
	}
}

const largeCommunity = "bigcity"

// largeStore is a community of 100,000 imported members with varied
// names, units, buildings and skills (about 5 s to build).
func largeStore(b *testing.B) *storage.Store {
	b.Helper()
	s := storagetest.NewStore(b)
	buildLarge(b, s)
	return s
}

func buildLarge(b *testing.B, s *storage.Store) {
	b.Helper()
	newCommunity(b, s, largeCommunity)
	r := rand.New(rand.NewPCG(100, 0))
	surnames := []string{"王", "李", "张", "刘", "陈", "杨", "Smith", "Garcia", "Wang", "Chen"}
	given := []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "Anna", "Wei", "Ming", "Li"}
	ms := make([]ll.Member, 100_000)
	for i := range ms {
		m := ll.Member{
			Name:     surnames[r.IntN(len(surnames))] + given[r.IntN(len(given))] + given[r.IntN(len(given))],
			Unit:     fmt.Sprintf("%s %d", choiceUnits[r.IntN(len(choiceUnits))], r.IntN(300)),
			Building: fmt.Sprintf("%d号楼", r.IntN(400)),
		}
		for range r.IntN(3) {
			m.Skills = append(m.Skills, choiceSkills[r.IntN(len(choiceSkills))])
		}
		ms[i] = m
	}
	if _, err := s.ImportMembers(ctx, largeCommunity, ms, t0, nil); err != nil {
		b.Fatalf("import 100,000 members: %v", err)
	}
}

// BenchmarkChoices100k compares registration's choices at 100,000
// members: counting every member and post (what Lookups.Choices did before
// schema 3) against reading the counters.
func BenchmarkChoices100k(b *testing.B) {
	s := largeStore(b)
	b.Run("fullscan", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.CountChoices(ctx, largeCommunity); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("counters", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := s.Choices(ctx, largeCommunity, 40); err != nil {
				b.Fatal(err)
			}
		}
	})
}
