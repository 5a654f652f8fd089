package storagetest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelGroup is a private Redis master with one replica attached to it
// and one Sentinel watching them under a master name, each a redis-server on
// a loopback port.
type SentinelGroup struct {
	name     string
	master   *Server
	replica  *Server
	sentinel *Server
}

// StartSentinelGroup starts a master, a replica of it and a Sentinel that
// monitors the master as name, and returns once the replica is in sync and
// the Sentinel knows both well enough to fail over to the replica. It returns ErrNoRedisServer when redis-server is
// not on PATH.
func StartSentinelGroup(name string) (*SentinelGroup, error) {
	g := &SentinelGroup{name: name}
	var err error
	// Without the default 5 s wait for more replicas before a diskless sync.
	if g.master, err = StartServer("--repl-diskless-sync-delay", "0"); err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(g.master.Addr(), ":")
	if g.replica, err = StartServer("--replicaof", host, port); err != nil {
		g.Stop()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rc := redis.NewClient(&redis.Options{Addr: g.replica.Addr()})
	defer rc.Close()
	err = poll(ctx, func() (bool, string) {
		info, err := rc.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up"), fmt.Sprint(err, info)
	})
	if err != nil {
		g.Stop()
		return nil, fmt.Errorf("start sentinel group: replica %s not in sync with %s: %w", g.replica.Addr(), g.master.Addr(), err)
	}
	if g.sentinel, err = StartSentinel(name, g.master.Addr()); err != nil {
		g.Stop()
		return nil, err
	}
	sc := redis.NewSentinelClient(&redis.Options{Addr: g.sentinel.Addr()})
	defer sc.Close()
	// A replica the Sentinel has not yet talked to, or whose link it has not
	// seen up, is not one it would promote (NOGOODSLAVE).
	err = poll(ctx, func() (bool, string) {
		rs, err := sc.Replicas(ctx, name).Result()
		ok := err == nil && len(rs) == 1 && rs[0]["flags"] == "slave" && rs[0]["master-link-status"] == "ok"
		return ok, fmt.Sprint(err, rs)
	})
	if err != nil {
		g.Stop()
		return nil, fmt.Errorf("start sentinel group: sentinel %s does not see the replica: %w", g.sentinel.Addr(), err)
	}
	return g, nil
}

// poll calls cond every 20 ms until it reports true or ctx ends; the error
// then carries cond's last description of what it saw.
func poll(ctx context.Context, cond func() (ok bool, saw string)) error {
	for {
		ok, saw := cond()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w; last seen: %s", ctx.Err(), saw)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// MasterName is the name the Sentinel monitors the master under.
func (g *SentinelGroup) MasterName() string { return g.name }

// SentinelAddrs are the Sentinels' host:port, for a failover client.
func (g *SentinelGroup) SentinelAddrs() []string { return []string{g.sentinel.Addr()} }

// Master is the server started as the master.
func (g *SentinelGroup) Master() *Server { return g.master }

// Replica is the server started as the master's replica.
func (g *SentinelGroup) Replica() *Server { return g.replica }

// Stop stops the Sentinel, the replica and the master. It is safe to call
// more than once.
func (g *SentinelGroup) Stop() {
	for _, s := range []*Server{g.sentinel, g.replica, g.master} {
		if s != nil {
			s.Stop()
		}
	}
}
