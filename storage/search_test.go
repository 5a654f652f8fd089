package storage_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// scanSearch is the member search the slow way (app.Members.Search before
// the index): every active member whose id is q, or whose name, unit,
// building or a skill contains q ignoring case; all for an empty q.
func scanSearch(t *testing.T, s *storage.Store, community, q string) []string {
	t.Helper()
	all, err := s.Members(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	lq := strings.ToLower(q)
	var out []string
	for _, m := range all {
		if !m.Active() {
			continue
		}
		hit := q == "" || strings.EqualFold(m.ID, q)
		for _, f := range append([]string{m.Name, m.Unit, m.Building}, m.Skills...) {
			hit = hit || strings.Contains(strings.ToLower(f), lq)
		}
		if hit {
			out = append(out, m.ID)
		}
	}
	return out
}

var searchNames = []string{"王伟", "王芳", "李娜", "Wang Wei", "Ärzte Müller", "\u212Aelvin", "\u0130stanbul", "Smith", "张三丰", "O'Brien"}

func searchProfile(r *rand.Rand, tg int64) ll.Member {
	m := randomProfile(r, tg)
	m.Name = searchNames[r.IntN(len(searchNames))]
	if r.IntN(2) == 0 {
		m.Building = fmt.Sprintf("%d号楼", r.IntN(30))
	}
	return m
}

// randomQuery is a piece of some member's field, its ASCII case shuffled,
// or a member id, a single character, or text no one has.
func randomQuery(r *rand.Rand, ms []ll.Member) string {
	m := ms[r.IntN(len(ms))]
	switch r.IntN(8) {
	case 0:
		return strings.ToLower(m.ID)
	case 1:
		return "nobody at all"
	case 2:
		return ""
	}
	fields := append([]string{m.Name, m.Unit, m.Building}, m.Skills...)
	rs := []rune(fields[r.IntN(len(fields))])
	if len(rs) == 0 {
		return "王"
	}
	i := r.IntN(len(rs))
	j := min(len(rs), i+1+r.IntN(4))
	q := []rune(string(rs[i:j]))
	for k, c := range q {
		if c < 128 && r.IntN(2) == 0 {
			q[k] = []rune(strings.ToUpper(string(c)))[0]
		}
	}
	return strings.TrimSpace(string(q))
}

// checkSearch compares SearchMembers with the full scan for random queries
// and for every character of the names, whole and in pages.
func checkSearch(t *testing.T, s *storage.Store, community, when string, r *rand.Rand) {
	t.Helper()
	all, err := s.Members(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	var want []ll.MemberKeys // what MemberKeys reads from the index
	for _, m := range all {
		if m.Active() {
			want = append(want, ll.MemberKeys{Number: memberNumber(m.ID), Name: ll.IndexLower(m.Name), Unit: ll.IndexLower(m.Unit),
				Building: ll.IndexLower(m.Building)})
		}
	}
	slices.SortFunc(want, func(a, b ll.MemberKeys) int { return a.Number - b.Number })
	if keys, ok, err := s.MemberKeys(ctx, community); !ok || err != nil || !slices.Equal(keys, want) {
		t.Errorf("%s: MemberKeys = %d keys, ok %v, %v; want %d (first differences: %v)", when, len(keys), ok, err, len(want), firstDiff(keys, want))
	}
	queries := []string{"", "王", "w", "W", "k", "i", "号楼", "m1", "M1", "m10", "Ä", "ärz", "müller"}
	for range 60 {
		queries = append(queries, randomQuery(r, all))
	}
	for _, q := range queries {
		want := scanSearch(t, s, community, q)
		got, total, ok, err := s.SearchMembers(ctx, community, q, 0, 1<<30)
		if err != nil {
			t.Fatalf("%s: SearchMembers(%q) = %v", when, q, err)
		}
		if !ok {
			if !strings.ContainsFunc(q, func(c rune) bool { return c > 127 && unicode.SimpleFold(c) != c }) {
				t.Errorf("%s: SearchMembers(%q) not answered by the index", when, q)
			}
			continue
		}
		ids := make([]string, len(got))
		for i, m := range got {
			ids[i] = m.ID
		}
		if !slices.Equal(ids, want) || total != len(want) {
			t.Errorf("%s: SearchMembers(%q) = %v (total %d), want %v", when, q, ids, total, want)
			continue
		}
		if len(want) > 3 {
			page, total, _, err := s.SearchMembers(ctx, community, q, 2, 2)
			if err != nil || total != len(want) || len(page) != 2 || page[0].ID != want[2] || page[1].ID != want[3] {
				t.Errorf("%s: SearchMembers(%q, 2, 2) = %v, %d, %v; want %v of %d", when, q, page, total, err, want[2:4], len(want))
			}
		}
	}
}

// TestSearchIndex changes members every way the scripts do, in a community
// with the index from the start and in one that gets it afterwards, and
// checks random searches against a full scan.
func TestSearchIndex(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	r := rand.New(rand.NewPCG(21, 2))
	for _, c := range []string{"dongan", "xiyuan"} {
		newCommunity(t, s, c)
		if c == "dongan" {
			if err := s.EnableSearchIndex(ctx, c); err != nil {
				t.Fatalf("EnableSearchIndex = %v", err)
			}
		}
		inv, err := s.CreateInvite(ctx, ll.Invite{Community: c}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for tg := int64(1); tg <= 20; tg++ {
			m, err := s.Register(ctx, inv, searchProfile(r, tg), t0)
			if err != nil {
				t.Fatalf("Register = %v", err)
			}
			ids = append(ids, m.ID)
		}
		ms := make([]ll.Member, storage.ImportBatch+30)
		for i := range ms {
			ms[i] = searchProfile(r, 0)
		}
		got, err := s.ImportMembers(ctx, c, ms, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if c == "xiyuan" {
			if err := s.EnableSearchIndex(ctx, c); err != nil {
				t.Fatalf("EnableSearchIndex = %v", err)
			}
		}
		checkSearch(t, s, c, c+" after registering and importing", r)
		for i := 0; i < 40; i++ {
			m, err := s.Member(ctx, c, ids[r.IntN(len(ids))])
			if err != nil {
				t.Fatal(err)
			}
			p := searchProfile(r, m.TelegramID)
			m.Name, m.Unit, m.Building, m.Skills = p.Name, p.Unit, p.Building, p.Skills
			if err := s.UpdateProfile(ctx, m); err != nil && code(err) != ll.ENOTMEMBER {
				t.Fatalf("UpdateProfile = %v", err)
			}
		}
		checkSearch(t, s, c, c+" after moves and profile changes", r)
		for _, id := range []string{ids[1], ids[25], ids[30], ids[100]} {
			if err := s.RemoveMember(ctx, c, id, t0, nil); err != nil {
				t.Fatal(err)
			}
		}
		checkSearch(t, s, c, c+" after removals", r)
		for _, id := range []string{ids[3], ids[25], ids[40]} {
			if err := s.Forget(ctx, c, id, t0, nil); err != nil {
				t.Fatal(err)
			}
		}
		for _, tg := range []int64{5, 6} {
			if _, err := s.ForgetPerson(ctx, tg, t0, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Register(ctx, inv, searchProfile(r, 7), t0); err != nil {
			t.Fatal(err)
		}
		checkSearch(t, s, c, c+" after forgetting", r)
		if err := s.EnableSearchIndex(ctx, c); err != nil {
			t.Fatalf("EnableSearchIndex again = %v", err)
		}
		checkSearch(t, s, c, c+" after enabling again", r)
	}
}

// TestSearchIndexThreshold: a small community is searched without an
// index (ok false), one past 1,000 members gets it on its first search.
func TestSearchIndexThreshold(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	importMembers(t, s, "dongan", 1000)
	if _, _, ok, err := s.SearchMembers(ctx, "dongan", "law", 0, 10); ok || err != nil {
		t.Fatalf("SearchMembers at 1,000 members = ok %v, %v; want no index", ok, err)
	}
	if keys, ok, err := s.MemberKeys(ctx, "dongan"); ok || err != nil || keys != nil {
		t.Fatalf("MemberKeys at 1,000 members = %d keys, ok %v, %v; want no index", len(keys), ok, err)
	}
	importMembers(t, s, "dongan", 1)
	page, total, ok, err := s.SearchMembers(ctx, "dongan", "LAW", 0, 10)
	if !ok || err != nil || total != 1001 || len(page) != 10 || page[0].ID != "M1" {
		t.Fatalf("SearchMembers at 1,001 members = %d of %d, ok %v, %v; want 10 of 1001 from M1", len(page), total, ok, err)
	}
}

// BenchmarkSearch100k compares /members 王 at 100,000 members: reading
// every member and filtering (app.Members.Search, what /members did
// before) against the index (one page of 10 and the total). It reports the
// index's bytes per member too.
func BenchmarkSearch100k(b *testing.B) {
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(b, storage.Options{Prefix: p})
	buildLarge(b, s)
	b.Run("fullscan", func(b *testing.B) {
		for b.Loop() {
			all, err := s.Members(ctx, largeCommunity)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, m := range all {
				if m.Active() && strings.Contains(strings.ToLower(m.Name+"\t"+m.Unit+"\t"+m.Building+"\t"+strings.Join(m.Skills, "\t")), "王") {
					n++
				}
			}
			if n == 0 {
				b.Fatal("no 王 found")
			}
		}
	})
	b.Run("index", func(b *testing.B) {
		if _, _, ok, err := s.SearchMembers(ctx, largeCommunity, "王", 0, 10); !ok || err != nil {
			b.Fatalf("SearchMembers = ok %v, %v", ok, err)
		}
		raw := storagetest.Client(b)
		var bytes int64
		for _, k := range storagetest.Keys(b, raw, p+"{c:"+largeCommunity+"}:sx*") {
			n, _ := raw.MemoryUsage(ctx, k, 0).Result()
			bytes += n
		}
		b.ResetTimer()
		var total int
		for b.Loop() {
			page, n, _, err := s.SearchMembers(ctx, largeCommunity, "王", 0, 10)
			if err != nil || len(page) != 10 {
				b.Fatalf("SearchMembers = %d, %v", len(page), err)
			}
			total = n
		}
		b.ReportMetric(float64(total), "matches")
		b.ReportMetric(float64(bytes)/100_000, "index-B/member")
	})
}

// BenchmarkSearchIndexBuild100k: giving a community of 100,000 members
// its search index (EnableSearchIndex, 500 members a script), and, from
// Redis's SLOWLOG, the longest time one of its scripts held Redis.
func BenchmarkSearchIndexBuild100k(b *testing.B) {
	storagetest.SkipUnless(b, "SLOWLOG of one server", "single")
	s := storagetest.NewStore(b)
	raw := storagetest.Client(b)
	buildLarge(b, s)
	if err := raw.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
		b.Skipf("CONFIG SET: %v", err)
	}
	raw.ConfigSet(ctx, "slowlog-max-len", "100000")
	defer raw.ConfigSet(ctx, "slowlog-log-slower-than", "10000")
	var longest time.Duration
	var longestCmd string
	for b.Loop() {
		raw.SlowLogReset(ctx)
		if err := s.EnableSearchIndex(ctx, largeCommunity); err != nil {
			b.Fatal(err)
		}
		logs, err := raw.SlowLogGet(ctx, -1).Result()
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range logs {
			if l.Duration > longest {
				longest, longestCmd = l.Duration, fmt.Sprint(l.Args[0])
			}
		}
	}
	b.ReportMetric(float64(longest.Microseconds()), "µs/longest-command")
	b.Logf("longest command: %s, %v", longestCmd, longest)
}

// firstDiff describes where two key lists first differ.
func firstDiff(got, want []ll.MemberKeys) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("[%d] %+v, want %+v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}

// memberNumber is n of a member id M<n>.
func memberNumber(id string) int {
	n, _ := strconv.Atoi(id[1:])
	return n
}
