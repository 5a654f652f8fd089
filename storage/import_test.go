package storage_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// importRows is n members, those at the indexes in withTG with Telegram
// ids 7000000+i.
func importRows(n int, withTG func(i int) bool) []ll.Member {
	ms := make([]ll.Member, n)
	for i := range ms {
		ms[i] = ll.Member{Name: "成员" + strconv.Itoa(i), Unit: "单位", Building: strconv.Itoa(i % 40)}
		if withTG(i) {
			ms[i].TelegramID = 7000000 + int64(i)
		}
	}
	return ms
}

func memberCount(t *testing.T, s *storage.Store, community string) int {
	t.Helper()
	all, err := s.Members(ctx, community)
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// TestImportOfAnySize: a file larger than one batch is imported whole, with
// consecutive ids, one audit entry and every user pointed at their member;
// a Telegram id that is taken, or appears twice, anywhere in the file
// refuses the whole file before anything is written.
func TestImportOfAnySize(t *testing.T) {
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := 2*storage.ImportBatch + 37
	ms := importRows(n, func(i int) bool { return i%3 == 0 })
	got, err := s.ImportMembers(ctx, "dongan", ms, now, &ll.AuditEntry{Actor: "cli", Action: "import"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n || got[0].ID != "M1" || got[n-1].ID != "M"+strconv.Itoa(n) {
		t.Fatalf("imported %d members, %s..%s; want %d, M1..M%d", len(got), got[0].ID, got[len(got)-1].ID, n, n)
	}
	if c := memberCount(t, s, "dongan"); c != n {
		t.Fatalf("%d members stored, want %d", c, n)
	}
	if u, _ := s.User(ctx, 7000000+3); u.MemberID != "M4" || !u.HasSnapshot {
		t.Fatalf("user of row 3 = %+v, want pointed at M4", u)
	}
	log, _ := s.AuditLog(ctx, "dongan", 10, time.Time{})
	if len(log) != 1 || log[0].Action != "import" || log[0].Object != fmt.Sprintf("M1-M%d", n) {
		t.Fatalf("audit = %+v, want one import entry for M1-M%d", log, n)
	}

	// Taken: row 3's Telegram id is now M4's, and it sits in the last
	// batch of a new file whose other rows are fine.
	before := memberCount(t, s, "dongan")
	again := importRows(n, func(i int) bool { return false })
	again[n-5].TelegramID = 7000000 + 3
	_, err = s.ImportMembers(ctx, "dongan", again, now, nil)
	if ll.ErrorCode(err) != ll.ECONFLICT || ll.ErrorDetail(err) != "7000003" {
		t.Fatalf("import with a taken Telegram id = %v, want a conflict naming 7000003", err)
	}
	dup := importRows(n, func(i int) bool { return false })
	dup[10].TelegramID, dup[n-3].TelegramID = 42, 42
	_, err = s.ImportMembers(ctx, "dongan", dup, now, nil)
	if ll.ErrorCode(err) != ll.ECONFLICT || ll.ErrorDetail(err) != "42" {
		t.Fatalf("import with a Telegram id twice = %v, want a conflict naming 42", err)
	}
	if c := memberCount(t, s, "dongan"); c != before {
		t.Fatalf("refused imports wrote %d members", c-before)
	}
}

// TestImportCrashResumes: an import stopped after its first batch (a
// crash) blocks other imports of the community, and running the same file
// again finishes it with every member exactly once.
func TestImportCrashResumes(t *testing.T) {
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := 3*storage.ImportBatch + 1
	ms := importRows(n, func(i int) bool { return i%2 == 0 })

	restore := storage.StopImportsAfter(1)
	if _, err := s.ImportMembers(ctx, "dongan", ms, now, &ll.AuditEntry{Actor: "cli", Action: "import"}); err == nil {
		t.Fatal("the stopped import reported success")
	}
	restore()
	if c := memberCount(t, s, "dongan"); c != storage.ImportBatch {
		t.Fatalf("after the crash %d members are stored, want the first batch (%d)", c, storage.ImportBatch)
	}
	other := importRows(storage.ImportBatch+1, func(int) bool { return false })
	other[0].Name = "另一个文件"
	_, err := s.ImportMembers(ctx, "dongan", other, now, nil)
	if ll.ErrorCode(err) != ll.ECONFLICT || ll.ErrorDetail(err) != ll.ReasonImportRunning {
		t.Fatalf("another file during the unfinished import = %v, want ECONFLICT %s", err, ll.ReasonImportRunning)
	}

	got, err := s.ImportMembers(ctx, "dongan", ms, now, &ll.AuditEntry{Actor: "cli", Action: "import"})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if len(got) != n || got[n-1].ID != "M"+strconv.Itoa(n) {
		t.Fatalf("resumed import returned %d members ending %s, want %d ending M%d", len(got), got[len(got)-1].ID, n, n)
	}
	if c := memberCount(t, s, "dongan"); c != n {
		t.Fatalf("after resuming %d members are stored, want %d", c, n)
	}
	for i, m := range got {
		stored, err := s.Member(ctx, "dongan", m.ID)
		if err != nil || stored.Name != ms[i].Name || stored.TelegramID != ms[i].TelegramID {
			t.Fatalf("row %d: %s stored as %+v, %v; want %q tg %d", i, m.ID, stored, err, ms[i].Name, ms[i].TelegramID)
		}
	}
	log, _ := s.AuditLog(ctx, "dongan", 10, time.Time{})
	if len(log) != 1 {
		t.Fatalf("audit = %+v, want one import entry", log)
	}
	// The file is done: importing it again is refused, not doubled. (Its
	// rows with Telegram ids would conflict first: use one without.)
	plain := importRows(storage.ImportBatch+1, func(int) bool { return false })
	if _, err := s.ImportMembers(ctx, "dongan", plain, now, nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.ImportMembers(ctx, "dongan", plain, now, nil)
	if ll.ErrorCode(err) != ll.ECONFLICT || ll.ErrorDetail(err) != ll.ReasonImported {
		t.Fatalf("the same file again = %v, want ECONFLICT %s", err, ll.ReasonImported)
	}
}

// BenchmarkImportBatch imports files of ImportBatch+1 members with
// Telegram ids (two batches) and reports, from Redis's SLOWLOG, the longest
// time one script held Redis: what a batch of ImportBatch members costs.
func BenchmarkImportBatch(b *testing.B) {
	storagetest.SkipUnless(b, "SLOWLOG of one server", "single")
	s := storagetest.NewStore(b)
	raw := storagetest.Client(b)
	newCommunity(b, s, "dongan")
	if err := raw.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
		b.Skipf("CONFIG SET: %v", err)
	}
	raw.ConfigSet(ctx, "slowlog-max-len", "100000")
	defer raw.ConfigSet(ctx, "slowlog-log-slower-than", "10000")
	raw.SlowLogReset(ctx)
	now := time.Now()
	var (
		longest    time.Duration
		longestCmd string
	)
	for i := 0; b.Loop(); i++ {
		ms := importRows(storage.ImportBatch+1, func(int) bool { return true })
		for j := range ms {
			ms[j].TelegramID = int64(10000000 + i*1000 + j)
		}
		if _, err := s.ImportMembers(b.Context(), "dongan", ms, now, nil); err != nil {
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
		raw.SlowLogReset(ctx)
	}
	b.ReportMetric(float64(longest.Microseconds()), "µs/longest-command")
	b.Logf("longest command: %s, %v; load: see uptime", longestCmd, longest)
}
