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
// directory. Unless started with persistence options it keeps nothing on
// disk. It can be killed and restarted on the same port and directory, as a
// crashed and restarted Redis is.
type Server struct {
	bin  string
	args []string // the whole command line after bin
	port int
	addr string
	dir  string
	out  *lockedBuffer

	mu      sync.Mutex
	cmd     *exec.Cmd     // the running process, nil once killed
	done    chan struct{} // closed when cmd has exited
	removed bool          // Stop has run
}

// StartServer starts a redis-server on a free loopback port with --save ""
// and --appendonly no, plus args (for instance "--cluster-enabled", "yes";
// later options win, so "--appendonly", "yes" keeps an append-only file in
// Dir), and returns once it answers PING. It returns ErrNoRedisServer when
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

// start runs redis-server on port in a new temporary directory; with a
// sentinel configuration, in sentinel mode.
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
		bin:  bin,
		args: append(args, extra...),
		port: port,
		addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		dir:  dir,
		out:  &lockedBuffer{},
	}
	if err := s.launch(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// launch starts the process and waits until it answers PING (a server
// loading its data answers LOADING and is waited for). On failure the
// process is gone and the directory kept.
func (s *Server) launch() error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = s.out, s.out
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.addr) == nil {
			return nil
		}
		select {
		case <-done:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			return fmt.Errorf("redis-server on port %d exited: %s", s.port, strings.TrimSpace(s.out.String()))
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("redis-server on port %d did not answer PING within 10s: %s", s.port, strings.TrimSpace(s.out.String()))
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

// Dir is the server's working directory, where a server started with
// "--appendonly", "yes" keeps its append-only file.
func (s *Server) Dir() string { return s.dir }

// Kill kills the server with SIGKILL, as a crash would, and waits for it to
// exit. Its directory stays, for Restart. Killing a server that is not
// running does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-done
}

// Restart starts the server again, killing it first if it runs, on the same
// port, with the same options and in the same directory, and returns once it
// answers PING (after loading what it kept on disk). It fails after Stop, or
// when the port was taken in between and is still taken after 10 s.
func (s *Server) Restart() error {
	s.Kill()
	s.mu.Lock()
	removed := s.removed
	s.mu.Unlock()
	if removed {
		return fmt.Errorf("restart redis-server on port %d: stopped for good", s.port)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.out.Reset()
		err := s.launch()
		if err == nil {
			return nil
		}
		// The kernel may briefly hold the port, or another process took it.
		if !strings.Contains(err.Error(), "Address already in use") || time.Now().After(deadline) {
			return fmt.Errorf("restart: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server, waits for it to exit and removes its directory.
// It is safe to call more than once; the server cannot restart after it.
func (s *Server) Stop() {
	s.Kill()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.removed {
		s.removed = true
		os.RemoveAll(s.dir)
	}
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

// Reset forgets what was collected.
func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
