package storagetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoRedisServer means that redis-server is not on PATH.
var ErrNoRedisServer = errors.New("redis-server not found on PATH")

// Server is a private redis-server on a loopback port, in its own temporary
// directory, keeping nothing on disk.
type Server struct {
	addr string
	dir  string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{} // closed when the process has exited
	stop sync.Once
}

// StartServer starts a redis-server on a free loopback port with --save ""
// and --appendonly no, plus args (for instance "--cluster-enabled", "yes"),
// and returns once it answers PING. It returns ErrNoRedisServer when
// redis-server is not on PATH. A port taken between choosing and binding is
// retried on another port.
func StartServer(args ...string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoRedisServer
	}
	cluster := false
	for i, a := range args {
		if a == "--cluster-enabled" && i+1 < len(args) && args[i+1] == "yes" {
			cluster = true
		}
	}
	var last error
	for try := 0; try < 5; try++ {
		port, err := freePort(cluster)
		if err != nil {
			last = err
			continue
		}
		s, err := start(bin, port, "", args)
		if err == nil {
			return s, nil
		}
		last = err
	}
	return nil, fmt.Errorf("start redis-server: %w", last)
}

// freePort finds a loopback port that is free now: the one the kernel gives
// to a listener on 127.0.0.1:0, or, for a cluster node, a port p such that
// its cluster bus port p+10000 is free too.
func freePort(cluster bool) (int, error) {
	if !cluster {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	for try := 0; try < 50; try++ {
		p := 20000 + rand.IntN(30000)
		a, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return p, nil
	}
	return 0, errors.New("find a free port pair for a cluster node: none found")
}

// StartSentinel starts a Redis Sentinel on a free loopback port that watches
// the master at masterAddr under name, and returns once it answers PING. It
// returns ErrNoRedisServer when redis-server is not on PATH.
func StartSentinel(name, masterAddr string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoRedisServer
	}
	host, port, err := net.SplitHostPort(masterAddr)
	if err != nil {
		return nil, fmt.Errorf("start sentinel: %w", err)
	}
	conf := fmt.Sprintf("sentinel monitor %s %s %s 1\n", name, host, port)
	var last error
	for try := 0; try < 5; try++ {
		p, err := freePort(false)
		if err != nil {
			last = err
			continue
		}
		s, err := start(bin, p, conf, nil)
		if err == nil {
			return s, nil
		}
		last = err
	}
	return nil, fmt.Errorf("start sentinel: %w", last)
}

// start runs redis-server on port; with a sentinel configuration, in
// sentinel mode.
func start(bin string, port int, sentinelConf string, extra []string) (*Server, error) {
	dir, err := os.MkdirTemp("", "storagetest-redis-")
	if err != nil {
		return nil, err
	}
	var args []string
	if sentinelConf != "" {
		conf := filepath.Join(dir, "sentinel.conf")
		if err := os.WriteFile(conf, []byte(sentinelConf), 0o600); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		args = []string{conf, "--sentinel"}
	}
	args = append(args,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--loglevel", "warning", "--logfile", "",
	)
	s := &Server{
		addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		dir:  dir,
		cmd:  exec.Command(bin, append(args, extra...)...),
		out:  &lockedBuffer{},
		done: make(chan struct{}),
	}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	setDeathSignal(s.cmd)
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go func() { s.cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.addr) == nil {
			return s, nil
		}
		select {
		case <-s.done:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("redis-server on port %d exited: %s", port, strings.TrimSpace(s.out.String()))
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("redis-server on port %d did not answer PING within 10s: %s", port, strings.TrimSpace(s.out.String()))
		}
	}
}

// ping sends PING over a fresh connection and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is redis://<addr>/0.
func (s *Server) URL() string { return "redis://" + s.addr + "/0" }

// Stop kills the server, waits for it to exit and removes its directory.
// It is safe to call more than once.
func (s *Server) Stop() {
	s.stop.Do(func() {
		s.cmd.Process.Kill()
		<-s.done
		os.RemoveAll(s.dir)
	})
}

// lockedBuffer collects the server's output for error messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 64<<10 {
		return len(p), nil
	}
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
