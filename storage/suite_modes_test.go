package storage_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// TestSuiteTopology checks that the suite runs on the topology
// STORAGETEST_MODE names: in cluster mode a store's keys spread over three
// masters; in sentinel mode writes reach the master through the Sentinel and
// are copied to the replica.
func TestSuiteTopology(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p})
	ids := []string{"dongan", "beilin", "xiguan", "nanmen", "huxi", "taiyuan"}
	for _, id := range ids {
		newCommunity(t, s, id)
	}
	raw := storagetest.Client(t)
	t.Logf("%s=%s: a %T", storagetest.ModeVariable, storagetest.Mode(), raw)
	switch storagetest.Mode() {
	case storagetest.ModeSingle:
		if _, ok := raw.(*redis.Client); !ok {
			t.Errorf("single mode client is a %T, want *redis.Client", raw)
		}
	case storagetest.ModeCluster:
		cc, ok := raw.(*redis.ClusterClient)
		if !ok {
			t.Fatalf("cluster mode client is a %T, want *redis.ClusterClient", raw)
		}
		var masters, holding atomic.Int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			masters.Add(1)
			iter := m.Scan(ctx, 0, p+"*", 1000).Iterator()
			if iter.Next(ctx) {
				holding.Add(1)
			}
			return iter.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if masters.Load() != 3 || holding.Load() != 3 {
			t.Errorf("the store's keys are on %d of %d masters, want 3 of 3", holding.Load(), masters.Load())
		}
	case storagetest.ModeSentinel:
		role, err := raw.Do(ctx, "ROLE").Slice()
		if err != nil || len(role) == 0 || role[0] != "master" {
			t.Fatalf("ROLE through the failover client = %v, %v; want master", role, err)
		}
		// WAIT returns once the replica has every write of this connection.
		key := p + "{c:" + ids[0] + "}:probe"
		var wait *redis.Cmd
		if _, err := raw.Pipelined(ctx, func(pl redis.Pipeliner) error {
			pl.Set(ctx, key, "1", 0)
			wait = pl.Do(ctx, "WAIT", 1, (5 * time.Second).Milliseconds())
			return nil
		}); err != nil || wait.Val() != int64(1) {
			t.Fatalf("SET and WAIT 1 = %v replicas, %v; want 1", wait.Val(), err)
		}
		info, err := raw.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "connected_slaves:1") {
			t.Errorf("master INFO replication = %q, %v; want one replica", info, err)
		}
		replica := redis.NewClient(&redis.Options{Addr: replicaAddr(t, info)})
		defer replica.Close()
		for _, id := range ids {
			got, err := storage.New(replica, storage.Options{Prefix: p}).Community(ctx, id)
			if err != nil || got.ID != id {
				t.Errorf("Community(%s) on the replica = %+v, %v", id, got, err)
			}
		}
	}
}

// replicaAddr is the address of the first replica in a master's INFO
// replication ("slave0:ip=127.0.0.1,port=6380,...").
func replicaAddr(t *testing.T, info string) string {
	t.Helper()
	for line := range strings.Lines(info) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "slave0:")
		if !ok {
			continue
		}
		var ip, port string
		for kv := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "ip":
				ip = v
			case "port":
				port = v
			}
		}
		return ip + ":" + port
	}
	t.Fatalf("no replica in INFO replication:\n%s", info)
	return ""
}

// TestConnectMode connects with storage.Connect the way "lamplighter run"
// does, with the configuration of the suite's topology (REDIS_URL,
// REDIS_CLUSTER_ADDRS or the Sentinel's), and reads back through the suite's
// own client what it wrote.
func TestConnectMode(t *testing.T) {
	t.Parallel()
	cfg := storagetest.Config()
	cfg.Prefix = storagetest.Prefix()
	s, err := storage.Connect(ctx, cfg)
	if err != nil {
		t.Fatalf("Connect(%s=%s) = %v", storagetest.ModeVariable, storagetest.Mode(), err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	audit := &ll.AuditEntry{Actor: "cli", Action: "test"}
	for i := range 4 {
		id := fmt.Sprintf("c%d", i)
		c := ll.Community{ID: id, Name: id, TimeZone: ll.DefaultTimeZone, Language: "zh", Minimum: 2, PostMinimum: 1, Created: t0}
		if err := s.CreateCommunity(ctx, c, audit); err != nil {
			t.Fatalf("CreateCommunity(%s) = %v", id, err)
		}
	}
	other := storagetest.NewStoreOptions(t, storage.Options{Prefix: cfg.Prefix})
	cs, err := other.Communities(ctx)
	if err != nil || len(cs) != 4 {
		t.Errorf("Communities through another client = %d, %v; want 4", len(cs), err)
	}
	if v, err := other.SchemaVersion(ctx); v != storage.CurrentSchema || err != nil {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, storage.CurrentSchema)
	}
}
