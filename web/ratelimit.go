package web

import (
	"net/netip"
	"sync"
	"time"
)

// maxClients bounds the limiter's memory: beyond it, windows that ended are
// dropped, and a new address is refused until there is room again, so a
// flood from many addresses costs at most this many entries.
const maxClients = 20000

// limiter is a fixed-window rate limit per client: at most limit requests
// in the window that began with a client's first request. It lives in the
// process: with several replicas behind one address, each counts its own
// share, which is what protects each replica's Redis connections.
type limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	clients map[netip.Prefix]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(limit int, w time.Duration, now func() time.Time) *limiter {
	return &limiter{limit: limit, window: w, now: now, clients: map[netip.Prefix]*window{}}
}

// clientKey is what a client is counted by: its address, or its /64 for
// IPv6.
func clientKey(a netip.Addr) netip.Prefix {
	bits := a.BitLen()
	if a.Is6() {
		bits = 64
	}
	p, err := a.Prefix(bits)
	if err != nil { // the zero Addr: an unknown peer, counted together
		return netip.Prefix{}
	}
	return p
}

// allow counts one request of a and reports whether it may be served, and
// otherwise how long until it may.
func (l *limiter) allow(a netip.Addr) (ok bool, retry time.Duration) {
	now := l.now()
	k := clientKey(a)
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.clients[k]
	if w != nil && !now.Before(w.start.Add(l.window)) {
		w = nil
	}
	if w == nil {
		if len(l.clients) >= maxClients {
			l.sweep(now)
			if len(l.clients) >= maxClients {
				return false, l.window
			}
		}
		w = &window{start: now}
		l.clients[k] = w
	}
	if w.n >= l.limit {
		return false, w.start.Add(l.window).Sub(now)
	}
	w.n++
	return true, 0
}

// sweep drops the windows that ended.
func (l *limiter) sweep(now time.Time) {
	for k, w := range l.clients {
		if !now.Before(w.start.Add(l.window)) {
			delete(l.clients, k)
		}
	}
}
