package storage_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// The durability tests kill a redis-server that keeps an append-only file
// with SIGKILL, as a crash of the Redis process would, restart it on the same
// port and directory, and count what the store finds again of the writes
// Redis had acknowledged. They start their own server: the topology of
// STORAGETEST_MODE changes nothing in what one server keeps on disk.

// Sizes of the durability workload.
const (
	durableMembers = 20  // registered one by one, each claims and checks in
	durableRacers  = 200 // imported, then checked in by concurrent writers
	durableWriters = 8   // concurrent writers when the server is killed
)

// durable is what the workload wrote and Redis acknowledged.
type durable struct {
	prefix    string
	members   []ll.Member // registered through invites
	post      ll.Post     // claimed by every registered member
	activity  ll.Activity // every registered member checked in
	service   ll.ServiceRecord
	race      ll.Activity     // checked in by the racers while the server died
	raceAcked map[string]bool // racers whose check-in was acknowledged
	attempted int64           // check-ins the racers sent, acknowledged or not
	perWrite  time.Duration   // mean time of the sequential claims and check-ins
}

// startAOF starts a private redis-server with appendonly yes and the given
// appendfsync policy; without redis-server on PATH it skips t saying so.
func startAOF(t *testing.T, fsync string) *storagetest.Server {
	t.Helper()
	srv, err := storagetest.StartServer("--appendonly", "yes", "--appendfsync", fsync)
	if errors.Is(err, storagetest.ErrNoRedisServer) {
		t.Skip("the durability tests kill and restart a redis-server of their own: redis-server is not on PATH (REDIS_TEST_URL is not enough)")
	}
	if err != nil {
		t.Fatalf("start redis-server with appendfsync %s: %v", fsync, err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// connect returns a store on srv under prefix, through storage.Connect.
func connect(t *testing.T, srv *storagetest.Server, prefix string) *storage.Store {
	t.Helper()
	s, err := storage.Connect(ctx, storage.Config{URL: srv.URL(), Prefix: prefix})
	if err != nil {
		t.Fatalf("Connect(%s) = %v", srv.Addr(), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// writeAndKill runs the workload on srv and kills the server with SIGKILL
// while the racers are still writing, once at least half of them were
// acknowledged. Every failure before the kill fails t.
func writeAndKill(t *testing.T, srv *storagetest.Server) *durable {
	t.Helper()
	d := &durable{prefix: storagetest.Prefix(), raceAcked: map[string]bool{}}
	s := connect(t, srv, d.prefix)
	newCommunity(t, s, "dongan")
	for i := range durableMembers {
		d.members = append(d.members, register(t, s, "dongan", 7000+int64(i), fmt.Sprintf("Member %d", i)))
	}
	d.post = newPost(t, s, "dongan", 0)
	d.activity = newActivity(t, s, "dongan", t0, 0)
	start := time.Now()
	for _, m := range d.members {
		if _, _, err := s.Claim(ctx, "dongan", d.post.ID, m.ID, t0); err != nil {
			t.Fatalf("Claim(%s, %s) = %v", d.post.ID, m.ID, err)
		}
		if _, _, err := s.CheckIn(ctx, "dongan", m.ID, byCode(d.activity.Code), t0); err != nil {
			t.Fatalf("CheckIn(%s, %s) = %v", d.activity.Code, m.ID, err)
		}
	}
	d.perWrite = time.Since(start) / (2 * durableMembers)
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: d.members[0].ID, Text: "Fixed the lamps of building 19", Created: t0})
	if err != nil {
		t.Fatalf("LogService = %v", err)
	}
	if d.service, _, err = s.Decide(ctx, "dongan", r.ID, true, d.members[1].ID, "", t0, nil); err != nil || d.service.Status != ll.ServiceApproved {
		t.Fatalf("Decide(%s, approve) = %+v, %v", r.ID, d.service, err)
	}

	// The racers check in from several goroutines; the server dies under
	// them. Each one stops at its first error.
	racers := importMembers(t, s, "dongan", durableRacers)
	d.race = newActivity(t, s, "dongan", t0, 0)
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		next  atomic.Int64
		acked = make(chan struct{}, durableRacers)
	)
	for range durableWriters {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(racers); i = int(next.Add(1) - 1) {
				atomic.AddInt64(&d.attempted, 1)
				if _, _, err := s.CheckIn(ctx, "dongan", racers[i].ID, byCode(d.race.Code), t0); err != nil {
					return
				}
				mu.Lock()
				d.raceAcked[racers[i].ID] = true
				mu.Unlock()
				acked <- struct{}{}
			}
		})
	}
	for range durableRacers / 2 {
		<-acked
	}
	srv.Kill()
	wg.Wait()
	return d
}

// found is what the store holds after the restart.
type found struct {
	members, holders, attended, ledger int
	approved                           bool
	raced                              int // check-ins of racers
	racedAcked                         int // of those, acknowledged ones
}

// restartAndRead restarts srv on its port and directory and reads back what
// the workload wrote.
func restartAndRead(t *testing.T, srv *storagetest.Server, d *durable) found {
	t.Helper()
	start := time.Now()
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart redis-server: %v", err)
	}
	t.Logf("redis-server restarted on %s in %v", srv.Addr(), time.Since(start).Round(time.Millisecond))
	s := connect(t, srv, d.prefix)
	var f found
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s after the restart = %v", what, err)
		}
	}
	ms, err := s.Members(ctx, "dongan")
	must("Members", err)
	for _, m := range ms {
		if m.TelegramID >= 7000 && m.TelegramID < 7000+durableMembers {
			f.members++
		}
	}
	// A post or activity whose creation was lost (everysec may lose the
	// last writes) holds nothing: the caller's bounds decide whether that
	// loss is allowed (appendfsync always allows none).
	lost := func(what string, err error) error {
		if errors.Is(err, ll.ErrNotFound) {
			t.Logf("%s was lost in the crash", what)
			return nil
		}
		return err
	}
	hs, err := s.Holders(ctx, "dongan", d.post.ID)
	must("Holders", lost("post "+d.post.ID, err))
	f.holders = len(hs)
	att, err := s.Attendance(ctx, "dongan", d.activity.ID)
	must("Attendance", lost("activity "+d.activity.ID, err))
	f.attended = counting(att)
	race, err := s.Attendance(ctx, "dongan", d.race.ID)
	must("Attendance(race)", lost("activity "+d.race.ID, err))
	for _, p := range race {
		if d.raceAcked[p.Member] {
			f.racedAcked++
		}
	}
	f.raced = len(race)
	r, err := s.ServiceRecord(ctx, "dongan", d.service.ID)
	must("ServiceRecord", lost("service record "+d.service.ID, err))
	f.approved = r.Status == ll.ServiceApproved
	ps, _, err := s.CommunityLedger(ctx, "dongan")
	must("CommunityLedger", err)
	f.ledger = counting(ps)
	return f
}

// TestDurabilityAlways proves that with appendonly yes and appendfsync
// always, no write Redis acknowledged is lost when the Redis process is
// killed: registrations, claims, check-ins and an approval done one by one,
// then check-ins racing from several goroutines at the moment of the kill.
func TestDurabilityAlways(t *testing.T) {
	storagetest.SkipUnless(t, "it kills and restarts a redis-server of its own", storagetest.ModeSingle)
	t.Parallel()
	srv := startAOF(t, "always")
	d := writeAndKill(t, srv)
	f := restartAndRead(t, srv, d)

	if f.members != durableMembers {
		t.Errorf("registered members after the crash = %d, want %d", f.members, durableMembers)
	}
	if f.holders != durableMembers {
		t.Errorf("claims of %s after the crash = %d, want %d", d.post.ID, f.holders, durableMembers)
	}
	if f.attended != durableMembers {
		t.Errorf("check-ins at %s after the crash = %d, want %d", d.activity.ID, f.attended, durableMembers)
	}
	if !f.approved {
		t.Errorf("service record %s after the crash is not approved", d.service.ID)
	}
	// Every acknowledged racer is there; a check-in in flight at the kill
	// may have been written without its answer arriving, one per writer.
	if f.racedAcked != len(d.raceAcked) {
		t.Errorf("acknowledged check-ins at %s found after the crash = %d, want %d", d.race.ID, f.racedAcked, len(d.raceAcked))
	}
	if extra := f.raced - len(d.raceAcked); extra < 0 || extra > durableWriters {
		t.Errorf("check-ins at %s after the crash = %d with %d acknowledged; want between %d and %d", d.race.ID, f.raced, len(d.raceAcked), len(d.raceAcked), len(d.raceAcked)+durableWriters)
	}
	want := durableMembers + 1 + len(d.raceAcked) // check-ins, the approval, the racers
	if f.ledger < want || f.ledger > want+durableWriters {
		t.Errorf("ledger rows after the crash = %d, want %d (+ at most %d in flight)", f.ledger, want, durableWriters)
	}
	t.Logf("appendfsync always, SIGKILL: %d/%d members, %d/%d claims, %d/%d check-ins, approval kept %v; racers: %d acknowledged of %d sent, %d found; %v a write",
		f.members, durableMembers, f.holders, durableMembers, f.attended, durableMembers, f.approved, len(d.raceAcked), d.attempted, f.raced, d.perWrite)
}

// TestDurabilityEverysec runs the same workload with appendfsync everysec,
// the Redis default, and checks that what survived is whole and that the
// loss is bounded; it reports how much survived. Killing the process
// does not lose what Redis already wrote to the file, which sits in the
// kernel's page cache; everysec loses up to a second of acknowledged writes
// when the whole host crashes before the next fsync, which a test cannot do.
func TestDurabilityEverysec(t *testing.T) {
	storagetest.SkipUnless(t, "it kills and restarts a redis-server of its own", storagetest.ModeSingle)
	t.Parallel()
	srv := startAOF(t, "everysec")
	d := writeAndKill(t, srv)
	f := restartAndRead(t, srv, d)
	acked := 3*durableMembers + 1 + len(d.raceAcked)
	kept := f.members + f.holders + f.attended + f.racedAcked
	if f.approved {
		kept++
	}
	// What everysec may lose is bounded, and what survives is whole: no
	// claim or check-in of a member whose registration was lost, and no more
	// racing check-ins than were attempted.
	if f.holders > f.members || f.attended > f.members {
		t.Errorf("after the crash: %d claims and %d check-ins for %d members; a member's later write survived without the registration", f.holders, f.attended, f.members)
	}
	if extra := f.raced - f.racedAcked; extra < 0 || extra > durableWriters {
		t.Errorf("check-ins at %s after the crash = %d with %d acknowledged found; want at most %d unacknowledged", d.race.ID, f.raced, f.racedAcked, durableWriters)
	}
	if f.members == 0 {
		t.Errorf("no registration survived a process kill under everysec; the page cache should keep what Redis wrote")
	}
	t.Logf("appendfsync everysec, SIGKILL of the process: %d of %d acknowledged writes found "+
		"(%d/%d members, %d/%d claims, %d/%d check-ins, approval kept %v, racers %d found of %d acknowledged, %d sent); %v a write",
		kept, acked, f.members, durableMembers, f.holders, durableMembers, f.attended, durableMembers, f.approved,
		f.raced, len(d.raceAcked), d.attempted, d.perWrite)
}
