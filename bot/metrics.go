package bot

import (
	"errors"
	"sync/atomic"
	"time"

	tg "github.com/go-telegram/bot"
)

// The adapter keeps its own counters and a latency histogram and shows them
// through Stats, so that it does not depend on a metrics library: cmd turns
// a Stats snapshot into Prometheus metrics when /metrics is scraped.

// latencyBounds are the upper bounds, in seconds, of the buckets of
// Stats.HandlerLatency: Prometheus's default buckets.
var latencyBounds = [...]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Histogram is a snapshot of a latency histogram in Prometheus's shape.
type Histogram struct {
	Bounds []float64 // upper bounds in seconds, ascending: 0.005 s to 10 s
	Counts []uint64  // Counts[i]: observations of at most Bounds[i] seconds (cumulative)
	Count  uint64    // every observation, the ones above the last bound included
	Sum    float64   // seconds, all observations added up
}

// APICalls counts the adapter's Bot API calls that send something (messages,
// edits, files, button answers, menus, for immediate replies and outbox
// deliveries alike) by Telegram's answer. getUpdates is not counted.
type APICalls struct {
	OK          int64 // accepted
	RateLimited int64 // 429 Too Many Requests (the call may have been retried)
	Unreachable int64 // 403 Forbidden or 400 chat not found
	Failed      int64 // any other error, network errors included
}

// latencyHistogram is a lock-free histogram over latencyBounds.
type latencyHistogram struct {
	buckets [len(latencyBounds) + 1]atomic.Uint64 // the last one is +Inf
	count   atomic.Uint64
	sumNS   atomic.Int64
}

func (h *latencyHistogram) observe(d time.Duration) {
	d = max(d, 0)
	s := d.Seconds()
	i := 0
	for i < len(latencyBounds) && s > latencyBounds[i] {
		i++
	}
	h.buckets[i].Add(1)
	h.sumNS.Add(int64(d))
	h.count.Add(1)
}

func (h *latencyHistogram) snapshot() Histogram {
	out := Histogram{Bounds: append([]float64(nil), latencyBounds[:]...), Counts: make([]uint64, len(latencyBounds))}
	var n uint64
	for i := range latencyBounds {
		n += h.buckets[i].Load()
		out.Counts[i] = n
	}
	out.Count = n + h.buckets[len(latencyBounds)].Load()
	out.Sum = time.Duration(h.sumNS.Load()).Seconds()
	return out
}

// observations are the counters added for metrics and flood control.
type observations struct {
	flooded    atomic.Int64 // updates refused by the flood limit
	queueFull  atomic.Int64 // webhook updates refused because the queue was full or closed
	pollPaused atomic.Int64 // times the poller stopped fetching for a full queue

	callOK, call429, call403, callFailed atomic.Int64

	latency latencyHistogram
}

// call counts the answer to one Bot API call.
func (o *observations) call(err error) {
	var tooMany *tg.TooManyRequestsError
	switch {
	case err == nil:
		o.callOK.Add(1)
	case errors.As(err, &tooMany):
		o.call429.Add(1)
	case unreachable(err):
		o.call403.Add(1)
	default:
		o.callFailed.Add(1)
	}
}

func (o *observations) apiCalls() APICalls {
	return APICalls{OK: o.callOK.Load(), RateLimited: o.call429.Load(), Unreachable: o.call403.Load(), Failed: o.callFailed.Load()}
}
