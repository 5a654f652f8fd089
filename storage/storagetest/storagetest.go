// Package storagetest runs storage and handler tests against a real Redis:
// private redis-server processes started for the test binary, or the server
// named by REDIS_TEST_URL. It never skips silently and never flushes a Redis
// it did not start: every store gets a key prefix of its own instead.
//
// STORAGETEST_MODE chooses the topology the tests run on:
//
//   - single (the default): one redis-server, or REDIS_TEST_URL when set;
//   - cluster: a Redis Cluster of three masters, reached with
//     redis.NewClusterClient;
//   - sentinel: a master, a replica attached to it and one Sentinel,
//     reached with redis.NewFailoverClient.
//
// Cluster and sentinel always start their own servers (REDIS_TEST_URL is for
// single only), so they need redis-server on PATH.
package storagetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/redis/go-redis/v9"
)

// The topologies STORAGETEST_MODE can choose.
const (
	ModeSingle   = "single"
	ModeCluster  = "cluster"
	ModeSentinel = "sentinel"
)

// ModeVariable is the environment variable that chooses the topology.
const ModeVariable = "STORAGETEST_MODE"

// masterName is the name of the master in sentinel mode.
const masterName = "lamplighter"

var (
	mode          string         // set by Main: ModeSingle, ModeCluster or ModeSentinel
	serverURL     string         // single mode: the server's URL
	clusterAddrs  []string       // cluster mode: the nodes
	sentinelGroup *SentinelGroup // sentinel mode
	serial        atomic.Int64   // numbers prefixes
)

// Main runs a package's tests against Redis; call it from TestMain:
//
//	func TestMain(m *testing.M) { storagetest.Main(m) }
//
// It reads STORAGETEST_MODE (single, cluster or sentinel; single when unset).
// In single mode with REDIS_TEST_URL set it uses that server; otherwise it
// starts the servers of the mode (found on PATH) on free loopback ports in
// temporary directories, runs the tests, then kills them and removes the
// directories. When that is not possible it prints one line saying why and
// exits with status 1.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	mode = os.Getenv(ModeVariable)
	if mode == "" {
		mode = ModeSingle
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "storagetest: "+format+"\n", args...)
		return 1
	}
	const install = "install redis-server (apt-get install redis-server)"
	switch mode {
	case ModeSingle:
		if u := os.Getenv("REDIS_TEST_URL"); u != "" {
			opt, err := redis.ParseURL(u)
			if err != nil {
				return fail("REDIS_TEST_URL %q: %v", u, err)
			}
			c := redis.NewClient(opt)
			err = c.Ping(context.Background()).Err()
			c.Close()
			if err != nil {
				return fail("REDIS_TEST_URL %s does not answer: %v", opt.Addr, err)
			}
			serverURL = u
			return m.Run()
		}
		s, err := StartServer()
		if errors.Is(err, ErrNoRedisServer) {
			return fail("redis-server not found on PATH and REDIS_TEST_URL not set; %s or set REDIS_TEST_URL", install)
		}
		if err != nil {
			return fail("%v", err)
		}
		defer s.Stop()
		serverURL = s.URL()
	case ModeCluster:
		c, err := StartCluster(3)
		if errors.Is(err, ErrNoRedisServer) {
			return fail("%s=cluster starts a Redis Cluster but redis-server is not on PATH; %s", ModeVariable, install)
		}
		if err != nil {
			return fail("%s=cluster: %v", ModeVariable, err)
		}
		defer c.Stop()
		clusterAddrs = c.Addrs()
	case ModeSentinel:
		g, err := StartSentinelGroup(masterName)
		if errors.Is(err, ErrNoRedisServer) {
			return fail("%s=sentinel starts a master, a replica and a Sentinel but redis-server is not on PATH; %s", ModeVariable, install)
		}
		if err != nil {
			return fail("%s=sentinel: %v", ModeVariable, err)
		}
		defer g.Stop()
		sentinelGroup = g
	default:
		return fail("%s=%q: want single, cluster or sentinel", ModeVariable, mode)
	}
	return m.Run()
}

// Mode is the topology the tests run on: ModeSingle, ModeCluster or
// ModeSentinel. It is valid once Main runs.
func Mode() string { return mode }

// SkipUnless skips tb, saying why and naming the mode, unless the tests run
// in one of modes.
func SkipUnless(tb testing.TB, why string, modes ...string) {
	tb.Helper()
	for _, m := range modes {
		if m == mode {
			return
		}
	}
	tb.Skipf("skipped in %s=%s (runs in %s): %s", ModeVariable, mode, strings.Join(modes, ", "), why)
}

// checkMain fails tb when Main has not set up Redis.
func checkMain(tb testing.TB) {
	tb.Helper()
	if mode == "" {
		tb.Fatal("storagetest: no Redis: call storagetest.Main from the package's TestMain")
	}
}

// Addr is the host:port of the test Redis, valid once Main runs: in cluster
// mode the first node's (a client of that node alone gets MOVED for keys of
// other nodes), in sentinel mode the master's.
func Addr() string {
	switch mode {
	case ModeCluster:
		return clusterAddrs[0]
	case ModeSentinel:
		return sentinelGroup.Master().Addr()
	}
	opt, err := redis.ParseURL(serverURL)
	if err != nil {
		return ""
	}
	return opt.Addr
}

// URL is the redis:// URL of the test Redis in single mode, valid once Main
// runs; in the other modes the URL of Addr.
func URL() string {
	if mode == ModeSingle {
		return serverURL
	}
	return "redis://" + Addr() + "/0"
}

// Config is where the test Redis is, in the mode's terms, for
// storage.Connect: URL in single mode, the nodes in cluster mode, the
// Sentinel and master name in sentinel mode. Prefix is left empty.
func Config() storage.Config {
	switch mode {
	case ModeCluster:
		return storage.Config{ClusterAddrs: clusterAddrs}
	case ModeSentinel:
		return storage.Config{SentinelAddrs: sentinelGroup.SentinelAddrs(), SentinelMaster: sentinelGroup.MasterName()}
	}
	return storage.Config{URL: serverURL}
}

// Prefix returns a key prefix no other store in any test run uses:
// "t<pid><n>:ll:", the process id and the store's serial number in base 36,
// zero-padded to 5 and 3 places. Its length never varies (13 bytes), so the
// memory tests, which measure keys with their names, measure the same thing
// whichever test runs first.
func Prefix() string {
	pad := func(n int64, w int) string {
		s := strconv.FormatInt(n, 36)
		for len(s) < w {
			s = "0" + s
		}
		return s[len(s)-w:]
	}
	return "t" + pad(int64(os.Getpid()), 5) + pad(serial.Add(1), 3) + ":ll:"
}

// Client returns a new client of the test Redis in the mode's terms (a
// *redis.Client, *redis.ClusterClient or Sentinel failover *redis.Client),
// closed when tb ends.
func Client(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	checkMain(tb)
	var c redis.UniversalClient
	switch mode {
	case ModeCluster:
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: clusterAddrs})
	case ModeSentinel:
		c = redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName:    sentinelGroup.MasterName(),
			SentinelAddrs: sentinelGroup.SentinelAddrs(),
		})
	default:
		opt, err := redis.ParseURL(serverURL)
		if err != nil {
			tb.Fatalf("storagetest: %v", err)
		}
		c = redis.NewClient(opt)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// Keys returns every key of c that matches pattern, by SCAN: on every master
// of a cluster client, on the one server otherwise. It fails tb on an error.
func Keys(tb testing.TB, c redis.UniversalClient, pattern string) []string {
	tb.Helper()
	ctx := context.Background()
	var (
		mu  sync.Mutex
		out []string
	)
	scan := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			out = append(out, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	if cc, ok := c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return scan(ctx, m) })
	} else {
		err = scan(ctx, c)
	}
	if err != nil {
		tb.Fatalf("storagetest: scan keys %q: %v", pattern, err)
	}
	return out
}

// NewStore returns a Store on the test Redis with a key prefix of its own
// (see Prefix), closed when tb ends.
func NewStore(tb testing.TB) *storage.Store {
	tb.Helper()
	return NewStoreOptions(tb, storage.Options{})
}

// NewStoreOptions is NewStore with options; an empty Prefix gets Prefix().
func NewStoreOptions(tb testing.TB, opts storage.Options) *storage.Store {
	tb.Helper()
	if opts.Prefix == "" {
		opts.Prefix = Prefix()
	}
	s := storage.New(Client(tb), opts)
	return s
}

// NewCountedStore returns a store like NewStore whose client counts its round
// trips in the returned Counter.
func NewCountedStore(tb testing.TB) (*storage.Store, *Counter) {
	tb.Helper()
	c := Client(tb)
	n := CountingHook()
	c.AddHook(n)
	return storage.New(c, storage.Options{Prefix: Prefix()}), n
}

// Counter is a go-redis hook that counts round trips: each command sent on
// its own is one, each pipeline or MULTI/EXEC transaction is one. It also
// sees the commands go-redis sends when it opens a connection (HELLO...), so
// warm a connection up before measuring. It is safe for concurrent use.
type Counter struct{ n atomic.Int64 }

// CountingHook returns a Counter to add to a client with AddHook.
func CountingHook() *Counter { return &Counter{} }

// RoundTrips is the number of round trips since the last Reset.
func (c *Counter) RoundTrips() int64 { return c.n.Load() }

// Reset sets the count to zero.
func (c *Counter) Reset() { c.n.Store(0) }

// DialHook implements redis.Hook; it counts nothing.
func (c *Counter) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook: one command, one round trip.
func (c *Counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook: one pipeline, one round trip.
func (c *Counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// Env is the environment that points a lamplighter process at the test
// Redis: REDIS_URL in single mode, REDIS_CLUSTER_ADDRS on a cluster,
// REDIS_SENTINEL_ADDRS and REDIS_SENTINEL_MASTER on Sentinel. The cmd tests
// start the binary with it, so they run on every topology.
func Env() map[string]string {
	switch mode {
	case ModeCluster:
		return map[string]string{"REDIS_CLUSTER_ADDRS": strings.Join(clusterAddrs, ",")}
	case ModeSentinel:
		return map[string]string{
			"REDIS_SENTINEL_ADDRS":  strings.Join(sentinelGroup.SentinelAddrs(), ","),
			"REDIS_SENTINEL_MASTER": sentinelGroup.MasterName(),
		}
	}
	return map[string]string{"REDIS_URL": URL()}
}
