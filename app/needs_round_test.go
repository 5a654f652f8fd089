package app_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
	"github.com/lamplighter-bot/lamplighter/storage"
)

// TestNeedsPublishAgainRound: announcing again with the round the sender
// saw sends once; the same request again (a double tap, a retry) is a
// Repeat that changes and sends nothing; without Round (the chat's
// /publish) every call is a new round.
func TestNeedsPublishAgainRound(t *testing.T) {
	f := newFixture(t)
	resident := app.Actor{TelegramID: 900, Channel: app.ChannelChat, Now: f.now}
	n, _, err := f.app.Needs.Ask(f.ctx, resident, app.NeedDraft{Community: "elm", Text: "lamp out", Token: "r"})
	if err != nil {
		t.Fatal(err)
	}
	sc := f.scope(1)
	ob := &needOutbox{}
	if p, err := f.app.Needs.Publish(f.ctx, sc, ob, n.ID, app.PublishOptions{}, word); err != nil || p.Need.Round != 1 || p.Repeat {
		t.Fatalf("Publish = %+v, %v; want round 1", p, err)
	}
	sent := len(ob.msgs)
	if sent == 0 {
		t.Fatal("the first round announced nothing")
	}
	for i, wantRepeat := range []bool{false, true, true} {
		p, err := f.app.Needs.Publish(f.ctx, sc, ob, n.ID, app.PublishOptions{Again: true, Round: 1}, word)
		if err != nil || p.Repeat != wantRepeat || p.Need.Round != 2 {
			t.Errorf("Publish(again, round 1) #%d = repeat %v round %d, %v; want repeat %v, round 2", i+1, p.Repeat, p.Need.Round, err, wantRepeat)
		}
	}
	if got := len(ob.msgs); got != 2*sent {
		t.Errorf("announcements queued = %d, want %d (one round again)", got, 2*sent)
	}
	if p, err := f.app.Needs.Publish(f.ctx, sc, ob, n.ID, app.PublishOptions{Again: true}, word); err != nil || p.Repeat || p.Need.Round != 3 {
		t.Errorf("Publish(again, no round) = repeat %v round %d, %v; want round 3", p.Repeat, p.Need.Round, err)
	}
}

// readTogether is the store with a gate on the first want reads of a need:
// each waits until all of them have read, so that every request sees the
// same round before any of them publishes.
type readTogether struct {
	*storage.Store
	mu   sync.Mutex
	want int
	read int
	all  chan struct{}
}

func (g *readTogether) Need(ctx context.Context, community, id string) (ll.Need, error) {
	n, err := g.Store.Need(ctx, community, id)
	g.mu.Lock()
	g.read++
	first := g.read <= g.want
	if g.read == g.want {
		close(g.all)
	}
	g.mu.Unlock()
	if first {
		<-g.all
	}
	return n, err
}

// TestNeedsPublishAgainRoundRace: requests to announce a need again with
// the same round, all of them past the read of the need before any
// publishes, announce one new round: one set of announcements in the
// outbox, the others Repeat.
func TestNeedsPublishAgainRoundRace(t *testing.T) {
	f := newFixture(t)
	resident := app.Actor{TelegramID: 900, Channel: app.ChannelChat, Now: f.now}
	n, _, err := f.app.Needs.Ask(f.ctx, resident, app.NeedDraft{Community: "elm", Text: "lamp out", Token: "r"})
	if err != nil {
		t.Fatal(err)
	}
	queued := func() int64 {
		t.Helper()
		st, err := f.store.OutboxStatus(f.ctx, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return st.Enqueued
	}
	start := queued()
	p, err := f.app.Needs.Publish(f.ctx, f.scope(1), f.store, n.ID, app.PublishOptions{}, word)
	if err != nil || p.Need.Round != 1 || len(p.Messages) == 0 {
		t.Fatalf("Publish = %+v, %v; want round 1 with announcements", p, err)
	}
	before := queued()
	perRound := before - start // the announcements and the progress message

	const requests = 8
	gated := &readTogether{Store: f.store, want: requests, all: make(chan struct{})}
	ga := app.New(gated)
	sc, err := ga.Access.Committee(f.ctx, f.actor(1, false))
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg              sync.WaitGroup
		fresh, repeated atomic.Int32
	)
	for range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := sc // a scope per request, as each request builds its own
			p, err := ga.Needs.Publish(f.ctx, &s, f.store, n.ID, app.PublishOptions{Again: true, Round: 1}, word)
			switch {
			case err != nil || p.Need.Round != 2:
				t.Errorf("Publish(again, round 1) = repeat %v round %d, %v; want round 2", p.Repeat, p.Need.Round, err)
			case p.Repeat:
				if len(p.Messages) != 0 {
					t.Errorf("a repeat has %d messages", len(p.Messages))
				}
				repeated.Add(1)
			default:
				fresh.Add(1)
			}
		}()
	}
	wg.Wait()
	if fresh.Load() != 1 || repeated.Load() != requests-1 {
		t.Errorf("of %d simultaneous requests %d announced and %d were repeats, want 1 and %d", requests, fresh.Load(), repeated.Load(), requests-1)
	}
	if got := queued() - before; got != perRound {
		t.Errorf("messages queued by the race = %d, want %d (one round)", got, perRound)
	}
	if got, err := f.store.Need(f.ctx, "elm", n.ID); err != nil || got.Round != 2 {
		t.Errorf("need after the race = round %d, %v; want 2", got.Round, err)
	}
}
