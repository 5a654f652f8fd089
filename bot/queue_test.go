package bot

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-telegram/bot/models"
)

func TestQueueKeepsChatOrderAndBound(t *testing.T) {
	const chats, perChat, workers = 7, 200, 6
	q := newQueue(chats * perChat)
	for n := range perChat {
		for c := range chats {
			id := int64(n*chats + c)
			if err := q.push(item{u: &models.Update{ID: id}, key: int64(c)}); err != nil {
				t.Fatalf("push %d: %v", id, err)
			}
		}
	}
	if err := q.push(item{u: &models.Update{ID: -1}, key: 99}); !errors.Is(err, errQueueFull) {
		t.Fatalf("push beyond the limit = %v, want errQueueFull", err)
	}
	q.close()
	if err := q.push(item{u: &models.Update{ID: -2}, key: 1}); !errors.Is(err, errQueueClosed) {
		t.Fatalf("push after close = %v, want errQueueClosed", err)
	}

	var (
		mu      sync.Mutex
		seen    = map[int64][]int64{}
		running [chats]atomic.Int32
		wg      sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				it, ok := q.next()
				if !ok {
					return
				}
				if n := running[it.key].Add(1); n != 1 {
					t.Errorf("chat %d handled by %d workers at once", it.key, n)
				}
				runtime.Gosched()
				mu.Lock()
				seen[it.key] = append(seen[it.key], it.u.ID)
				mu.Unlock()
				running[it.key].Add(-1)
				q.finish(it.key)
			}
		})
	}
	wg.Wait()
	for c := range int64(chats) {
		ids := seen[c]
		if len(ids) != perChat {
			t.Fatalf("chat %d: %d updates handled, want %d", c, len(ids), perChat)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] < ids[i-1] {
				t.Fatalf("chat %d handled %d after %d", c, ids[i], ids[i-1])
			}
		}
	}
	if q.len() != 0 {
		t.Errorf("queue holds %d after draining", q.len())
	}
}
