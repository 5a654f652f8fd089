package bot

import (
	"errors"
	"sync"

	"github.com/go-telegram/bot/models"
)

var (
	errQueueFull   = errors.New("update queue full")
	errQueueClosed = errors.New("update queue closed")
)

// item is one update waiting to be handled. done, when set, is called once
// the update has been handled.
type item struct {
	u    *models.Update
	key  int64 // the chat the update belongs to
	done func()
}

// chatQueue holds the waiting updates of one chat.
type chatQueue struct {
	items []item
	busy  bool // a worker is handling one of this chat's updates
}

// queue is a bounded set of per-chat FIFO queues. A worker takes the oldest
// update of a chat no other worker is busy with, so a chat's updates are
// handled in order while different chats proceed in parallel, and one slow
// chat holds up only itself.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	limit  int
	n      int // updates held: waiting or being handled
	chats  map[int64]*chatQueue
	ready  []int64 // chats with a waiting update and no busy worker, oldest first
	closed bool

	// freed receives a value (without blocking) whenever an update is done,
	// for the poller waiting for room or for progress.
	freed chan struct{}
}

func newQueue(limit int) *queue {
	q := &queue{limit: limit, chats: map[int64]*chatQueue{}, freed: make(chan struct{}, 1)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push adds an update; errQueueFull when the queue holds its limit,
// errQueueClosed after close.
func (q *queue) push(it item) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return errQueueClosed
	}
	if q.n >= q.limit {
		return errQueueFull
	}
	q.n++
	c := q.chats[it.key]
	if c == nil {
		c = &chatQueue{}
		q.chats[it.key] = c
	}
	c.items = append(c.items, it)
	if !c.busy && len(c.items) == 1 {
		q.ready = append(q.ready, it.key)
		q.cond.Signal()
	}
	return nil
}

// next blocks until an update can be handled and marks its chat busy; the
// caller must call finish with the item's key. ok is false once the queue is
// closed and empty.
func (q *queue) next() (it item, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.ready) == 0 {
		if q.closed && q.n == 0 {
			return item{}, false
		}
		q.cond.Wait()
	}
	key := q.ready[0]
	q.ready[0] = 0
	q.ready = q.ready[1:]
	c := q.chats[key]
	it = c.items[0]
	c.items[0] = item{}
	c.items = c.items[1:]
	c.busy = true
	return it, true
}

// finish ends the handling of the chat's current update.
func (q *queue) finish(key int64) {
	q.mu.Lock()
	q.n--
	c := q.chats[key]
	c.busy = false
	if len(c.items) > 0 {
		q.ready = append(q.ready, key)
	} else {
		delete(q.chats, key)
	}
	q.cond.Broadcast()
	q.mu.Unlock()
	select {
	case q.freed <- struct{}{}:
	default:
	}
}

// close refuses further updates; workers still drain what is held.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// len returns the number of updates held.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// full reports whether push would fail for lack of room.
func (q *queue) full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n >= q.limit
}
