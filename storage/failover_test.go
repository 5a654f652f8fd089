package storage_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// TestSentinelFailover fails a Sentinel group of its own over while a store
// uses it through storage.Connect and writes without pause: the replica
// becomes the master, the store follows it without being reopened, and what
// was written and replicated before is there.
//
// It also measures what a failover costs: from the moment the replica is
// promoted until the Sentinel announces the switch (about a second here), the
// store's connections still reach the old master, which acknowledges writes
// that it throws away when it becomes a replica of the new one. The test
// reports them (t.Log) without asserting.
func TestSentinelFailover(t *testing.T) {
	storagetest.SkipUnless(t, "it fails a Sentinel group of its own over", storagetest.ModeSentinel)
	t.Parallel()
	g, err := storagetest.StartSentinelGroup("failover")
	if errors.Is(err, storagetest.ErrNoRedisServer) {
		t.Fatal("the failover test starts a master, a replica and a Sentinel: install redis-server")
	}
	if err != nil {
		t.Fatalf("StartSentinelGroup = %v", err)
	}
	defer g.Stop()
	s, err := storage.Connect(ctx, storage.Config{SentinelAddrs: g.SentinelAddrs(), SentinelMaster: g.MasterName()})
	if err != nil {
		t.Fatalf("Connect(sentinel) = %v", err)
	}
	defer s.Close()
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 3)
	p := newPost(t, s, "dongan", 0)
	for _, m := range ms {
		if _, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0); err != nil {
			t.Fatalf("Claim(%s) = %v", m.ID, err)
		}
	}
	// Replication is asynchronous: wait until the replica has it all.
	oldMaster := redis.NewClient(&redis.Options{Addr: g.Master().Addr()})
	defer oldMaster.Close()
	if n, err := oldMaster.Do(ctx, "WAIT", 1, 5000).Int(); n != 1 || err != nil {
		t.Fatalf("WAIT 1 on the master = %d, %v", n, err)
	}

	// A writer marks updates 1, 2, 3... without pause through the failover;
	// it remembers which ones were acknowledged.
	var (
		stop   = make(chan struct{})
		done   = make(chan struct{})
		acked  []int64
		failed int
	)
	go func() {
		defer close(done)
		for id := int64(1); ; id++ {
			select {
			case <-stop:
				return
			default:
			}
			_, err := s.MarkUpdate(ctx, id)
			switch {
			case err == nil:
				acked = append(acked, id)
			case isUnavailable(err):
				failed++
			default:
				t.Errorf("MarkUpdate(%d) during the failover = %v, want nil or ErrUnavailable", id, err)
				return
			}
		}
	}()

	halt := func() { close(stop); <-done } // stops the writer

	sentinel := redis.NewSentinelClient(&redis.Options{Addr: g.SentinelAddrs()[0]})
	defer sentinel.Close()
	start := time.Now()
	if err := sentinel.Failover(ctx, g.MasterName()).Err(); err != nil {
		halt()
		t.Fatalf("SENTINEL FAILOVER = %v", err)
	}
	// The replica is promoted when it stops replicating and takes writes.
	promoted := redis.NewClient(&redis.Options{Addr: g.Replica().Addr()})
	defer promoted.Close()
	deadline := start.Add(30 * time.Second)
	for {
		role, err := promoted.Do(ctx, "ROLE").Slice()
		if err == nil && len(role) > 0 && role[0] == "master" {
			break
		}
		if time.Now().After(deadline) {
			halt()
			t.Fatalf("the replica's role 30 s after SENTINEL FAILOVER = %v, %v; want master", role, err)
		}
		time.Sleep(20 * time.Millisecond) // poll interval, bounded by the deadline
	}
	promotedAfter := time.Since(start)
	// From then on nothing reaches it by replication: the store has
	// followed once a write it got acknowledged is there.
	for probe := int64(1_000_000); ; probe++ {
		_, err := s.MarkUpdate(ctx, probe)
		if err != nil && !isUnavailable(err) {
			halt()
			t.Fatalf("MarkUpdate during the failover = %v, want nil or ErrUnavailable", err)
		}
		if err == nil {
			if n, _ := promoted.Exists(ctx, "ll:upd:"+strconv.FormatInt(probe, 10)).Result(); n == 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			halt()
			t.Fatalf("the store's writes do not reach the promoted replica 30 s after SENTINEL FAILOVER: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // poll interval, bounded by the deadline
	}
	followed := time.Since(start)
	halt()

	// What was replicated before the failover is on the new master, and the
	// store keeps working there.
	m := importMembers(t, s, "dongan", 1)[0]
	if _, _, err := s.Claim(ctx, "dongan", p.ID, m.ID, t0); err != nil {
		t.Fatalf("Claim after the failover = %v", err)
	}
	hs, err := storage.New(promoted, storage.Options{}).Holders(ctx, "dongan", p.ID)
	if err != nil || len(hs) != 4 {
		t.Errorf("Holders on the new master after the failover = %d, %v; want 4 (3 before, 1 after)", len(hs), err)
	}
	exists := make([]*redis.IntCmd, len(acked))
	if _, err := promoted.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for i, id := range acked {
			exists[i] = pl.Exists(ctx, "ll:upd:"+strconv.FormatInt(id, 10))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var lost int
	for _, e := range exists {
		if e.Val() == 0 {
			lost++
		}
	}
	t.Logf("SENTINEL FAILOVER: replica promoted after %v, the store writing to it after %v; of %d writes acknowledged "+
		"by then, %d are not on the new master (the old master acknowledged them and drops them when it becomes a replica), %d failed as unavailable",
		promotedAfter.Round(time.Millisecond), followed.Round(time.Millisecond), len(acked), lost, failed)
}
