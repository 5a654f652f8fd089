// Package storagetest runs storage and handler tests against a real Redis:
// a private redis-server started for the test binary, or the server named by
// REDIS_TEST_URL. It never skips silently and never flushes a Redis it did
// not start: every store gets a key prefix of its own instead.
package storagetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/redis/go-redis/v9"
)

var (
	serverURL string       // set by Main
	serial    atomic.Int64 // numbers prefixes
)

// Main runs a package's tests against Redis; call it from TestMain:
//
//	func TestMain(m *testing.M) { storagetest.Main(m) }
//
// With REDIS_TEST_URL set it uses that server. Otherwise it starts a private
// redis-server (found on PATH) on a free loopback port in a temporary
// directory, runs the tests, then kills it and removes the directory. When
// neither is possible it prints one line saying why and exits with status 1.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if u := os.Getenv("REDIS_TEST_URL"); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			fmt.Fprintf(os.Stderr, "storagetest: REDIS_TEST_URL %q: %v\n", u, err)
			return 1
		}
		c := redis.NewClient(opt)
		err = c.Ping(context.Background()).Err()
		c.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "storagetest: REDIS_TEST_URL %s does not answer: %v\n", opt.Addr, err)
			return 1
		}
		serverURL = u
		return m.Run()
	}
	s, err := StartServer()
	if errors.Is(err, ErrNoRedisServer) {
		fmt.Fprintln(os.Stderr, "storagetest: redis-server not found on PATH and REDIS_TEST_URL not set; install redis-server (apt-get install redis-server) or set REDIS_TEST_URL")
		return 1
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "storagetest: %v\n", err)
		return 1
	}
	defer s.Stop()
	serverURL = s.URL()
	return m.Run()
}

func options(tb testing.TB) *redis.Options {
	tb.Helper()
	if serverURL == "" {
		tb.Fatal("storagetest: no Redis: call storagetest.Main from the package's TestMain")
	}
	opt, err := redis.ParseURL(serverURL)
	if err != nil {
		tb.Fatalf("storagetest: %v", err)
	}
	return opt
}

// Addr is the host:port of the test Redis. It is valid once Main runs.
func Addr() string {
	opt, err := redis.ParseURL(serverURL)
	if err != nil {
		return ""
	}
	return opt.Addr
}

// URL is the redis:// URL of the test Redis. It is valid once Main runs.
func URL() string { return serverURL }

// Prefix returns a key prefix no other store in any test run uses:
// "t<pid>-<n>:ll:".
func Prefix() string {
	return fmt.Sprintf("t%d-%d:ll:", os.Getpid(), serial.Add(1))
}

// Client returns a new client of the test Redis, closed when tb ends.
func Client(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	c := redis.NewClient(options(tb))
	tb.Cleanup(func() { c.Close() })
	return c
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
