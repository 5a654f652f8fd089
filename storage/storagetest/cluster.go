package storagetest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a private Redis Cluster of master nodes on loopback ports.
type Cluster struct {
	nodes []*Server
}

// StartCluster starts n (at least 1) cluster-enabled servers, shares the
// 16384 slots among them, joins them, and returns once every node reports
// cluster_state:ok. It returns ErrNoRedisServer when redis-server is not on
// PATH.
func StartCluster(n int) (*Cluster, error) {
	c := &Cluster{}
	for i := 0; i < max(n, 1); i++ {
		s, err := StartServer("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.nodes = append(c.nodes, s)
	}
	if err := c.join(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("start redis cluster: %w", err)
	}
	return c, nil
}

func (c *Cluster) join() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	clients := make([]*redis.Client, len(c.nodes))
	for i, s := range c.nodes {
		clients[i] = redis.NewClient(&redis.Options{Addr: s.Addr()})
		defer clients[i].Close()
	}
	per := 16384 / len(c.nodes)
	for i, cl := range clients {
		lo, hi := i*per, (i+1)*per-1
		if i == len(clients)-1 {
			hi = 16383
		}
		if err := cl.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			return fmt.Errorf("%s: add slots: %w", c.nodes[i].Addr(), err)
		}
	}
	for _, s := range c.nodes[1:] {
		host, port, _ := strings.Cut(s.Addr(), ":")
		if err := clients[0].ClusterMeet(ctx, host, port).Err(); err != nil {
			return fmt.Errorf("%s: meet %s: %w", c.nodes[0].Addr(), s.Addr(), err)
		}
	}
	for i, cl := range clients {
		for {
			info, err := cl.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", len(c.nodes))) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: cluster not ok: %v %s", c.nodes[i].Addr(), err, info)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

// Addrs are the nodes' host:port, seeds for a cluster client.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		out[i] = s.Addr()
	}
	return out
}

// Stop stops every node. It is safe to call more than once.
func (c *Cluster) Stop() {
	for _, s := range c.nodes {
		s.Stop()
	}
}
