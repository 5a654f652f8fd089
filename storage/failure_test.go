package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// TestUnavailable stops a Redis under a store and expects ErrUnavailable,
// with the cause kept, from every kind of call.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	// A Redis that served the store and then stopped; with only
	// REDIS_TEST_URL (no redis-server to start), a port nothing listens on.
	srv, err := storagetest.StartServer()
	var addr string
	switch {
	case err == nil:
		defer srv.Stop()
		addr = srv.Addr()
	case errors.Is(err, storagetest.ErrNoRedisServer):
		addr = closedPort(t)
	default:
		t.Fatalf("StartServer = %v", err)
	}
	// No retries, so that the test is quick; the mapping is the same with them.
	s := storage.New(redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1}), storage.Options{})
	defer s.Close()
	if srv != nil {
		newCommunity(t, s, "dongan")
		importMembers(t, s, "dongan", 1)
		newPost(t, s, "dongan", 0)
		srv.Stop()
	}
	start := time.Now()
	calls := map[string]func() error{
		"Ping":      func() error { return s.Ping(ctx) },
		"Claim":     func() error { _, _, err := s.Claim(ctx, "dongan", "P1", "M1", t0); return err },
		"Member":    func() error { _, err := s.Member(ctx, "dongan", "M1"); return err },
		"Community": func() error { _, err := s.Community(ctx, "dongan"); return err },
		"Communities": func() error {
			_, err := s.Communities(ctx)
			return err
		},
		"MarkUpdate": func() error { _, err := s.MarkUpdate(ctx, 1); return err },
		"CheckIn": func() error {
			_, _, err := s.CheckIn(ctx, "dongan", "M1", handlers.CheckIn{Code: "123456"}, t0)
			return err
		},
		"CommunityLedger": func() error { _, _, err := s.CommunityLedger(ctx, "dongan"); return err },
		"SetUserLanguage": func() error {
			return s.SetUserLanguage(ctx, 1, "en")
		},
	}
	for name, call := range calls {
		err := call()
		t.Logf("%s: %v", name, err)
		if !errors.Is(err, ll.ErrUnavailable) || ll.ErrorCode(err) != ll.EUNAVAILABLE {
			t.Errorf("%s with Redis down = %v (code %q), want ErrUnavailable", name, err, ll.ErrorCode(err))
		}
		if err != nil && !strings.Contains(err.Error(), "redis unavailable") {
			t.Errorf("%s error %q does not say redis is unavailable", name, err)
		}
	}
	t.Logf("%d calls with Redis down took %v", len(calls), time.Since(start))

	s.Close()
	_, err = s.Member(ctx, "dongan", "M1")
	if !errors.Is(err, ll.ErrUnavailable) || !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Member after Close = %v, want ErrUnavailable wrapping redis.ErrClosed", err)
	}
}

func TestConnect(t *testing.T) {
	t.Parallel()
	s, err := storage.Connect(ctx, storage.Config{URL: storagetest.URL(), Prefix: storagetest.Prefix()})
	if err != nil {
		t.Fatalf("Connect(%s) = %v", storagetest.URL(), err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping = %v", err)
	}

	down := closedPort(t)
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = storage.Connect(cctx, storage.Config{URL: "redis://" + down + "/0"})
	if !errors.Is(err, ll.ErrUnavailable) || !strings.Contains(err.Error(), down) {
		t.Errorf("Connect(nothing listening) = %v, want ErrUnavailable naming %s", err, down)
	}
	t.Logf("Connect(nothing listening) = %v", err)

	for _, c := range []storage.Config{
		{URL: "http://localhost"},
		{URL: "redis://user:secret@host:port/0"},
		{SentinelAddrs: []string{"127.0.0.1:26379"}},
		{SentinelMaster: "mymaster"},
	} {
		_, err := storage.Connect(ctx, c)
		wantCode(t, fmt.Sprintf("Connect(%+v)", c), err, ll.EINVALID)
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Connect error %q shows the password", err)
		}
	}
}

func TestConnectSentinel(t *testing.T) {
	t.Parallel()
	master, err := storagetest.StartServer()
	if errors.Is(err, storagetest.ErrNoRedisServer) {
		t.Skip("redis-server is not on PATH: the sentinel test needs it")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer master.Stop()
	sentinel, err := storagetest.StartSentinel("lamplighter", master.Addr())
	if err != nil {
		t.Fatalf("StartSentinel = %v", err)
	}
	defer sentinel.Stop()
	s, err := storage.Connect(ctx, storage.Config{SentinelAddrs: []string{sentinel.Addr()}, SentinelMaster: "lamplighter"})
	if err != nil {
		t.Fatalf("Connect(sentinel) = %v", err)
	}
	defer s.Close()
	if first, err := s.MarkUpdate(ctx, 1); !first || err != nil {
		t.Errorf("MarkUpdate through sentinel = %v, %v", first, err)
	}
	direct := redis.NewClient(&redis.Options{Addr: master.Addr()})
	defer direct.Close()
	if n, err := direct.Exists(ctx, "ll:upd:1").Result(); n != 1 || err != nil {
		t.Errorf("the update marker written through sentinel is not on the master: %d, %v", n, err)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	// A TCP socket bound to a port but not listening holds the port for
	// the test (nobody else can be handed it, as a closed listener's port
	// can) while every connection to it is refused.
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}
