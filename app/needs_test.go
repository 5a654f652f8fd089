package app_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// needOutbox records what Publish queues.
type needOutbox struct {
	mu   sync.Mutex
	msgs []ll.OutMessage
}

func (o *needOutbox) EnqueueBroadcast(_ context.Context, _ ll.Broadcast, msgs []ll.OutMessage) (bool, int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, msgs...)
	return true, len(msgs), nil
}

func word(m ll.Member, n ll.Need) (ll.Reply, string) { return ll.Reply{Text: n.ID}, "en" }

func TestNeedsPublishAudienceAndTake(t *testing.T) {
	f := newFixture(t)
	if _, err := f.store.ImportMembers(f.ctx, "elm", []ll.Member{
		{TelegramID: 4, Name: "Sparky", Skills: []string{"electrician"}},
		{TelegramID: 5, Name: "Volt", Skills: []string{"electrician", "law"}},
	}, f.now, nil); err != nil {
		t.Fatal(err)
	}
	resident := app.Actor{TelegramID: 900, Channel: app.ChannelChat, Now: f.now}
	ask := func(token string) ll.Need {
		n, _, err := f.app.Needs.Ask(f.ctx, resident, app.NeedDraft{Community: "elm", Text: "lamp out", Token: token})
		if err != nil {
			t.Fatalf("Ask = %v", err)
		}
		return n
	}
	n1, n2 := ask("a"), ask("b")
	sc := f.scope(1)
	// Members with the need's skills, when some have them.
	ob := &needOutbox{}
	p, err := f.app.Needs.Publish(f.ctx, sc, ob, n1.ID, app.PublishOptions{Skills: "electrician", Helpers: "2"}, word)
	if err != nil || p.Audience != "skill:electrician" || len(p.Messages) != 2 || len(ob.msgs) != 2 {
		t.Fatalf("Publish(skills) = %+v, %v; want the 2 electricians", p, err)
	}
	// Else everyone; a member cannot publish (no scope), a typed audience wins.
	p, err = f.app.Needs.Publish(f.ctx, sc, nil, n2.ID, app.PublishOptions{Skills: "plumbing"}, word)
	if err != nil || p.Audience != "all" || len(p.Messages) != 5 {
		t.Fatalf("Publish(no match) = %+v, %v; want all 5", p, err)
	}
	if _, err := f.app.Needs.Publish(f.ctx, sc, nil, n2.ID, app.PublishOptions{Helpers: "0"}, word); ll.ErrorDetail(err) != "helpers" {
		t.Errorf("Publish(helpers=0) = %v", err)
	}
	if _, err := f.app.Needs.Publish(f.ctx, sc, nil, n2.ID, app.PublishOptions{Due: "2020-01-01"}, word); ll.ErrorDetail(err) != "due" {
		t.Errorf("Publish(due in the past) = %v", err)
	}
	if _, err := f.app.Needs.Publish(f.ctx, sc, nil, n1.ID, app.PublishOptions{}, word); ll.ErrorDetail(err) != ll.ReasonNeedState {
		t.Errorf("Publish(published, from the board) = %v, want ReasonNeedState", err)
	}
	// The take, raced by every member twice: exactly 2 takers of n1.
	var wg sync.WaitGroup
	var took atomic.Int32
	for _, tg := range []int64{1, 2, 3, 4, 5} {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := f.app.Needs.Take(f.ctx, f.actor(tg, false), "elm", n1.ID)
				if err == nil && r.Changed {
					took.Add(1)
				}
				if r.Takers > 2 {
					t.Errorf("Take reports %d takers", r.Takers)
				}
			}()
		}
	}
	wg.Wait()
	got, _ := f.app.Needs.Get(f.ctx, sc, n1.ID)
	if took.Load() != 2 || len(got.Takers) != 2 || got.Status != ll.NeedTaken {
		t.Errorf("after the race: %d took, need %+v", took.Load(), got)
	}
	// A resident who is no member cannot take.
	if _, err := f.app.Needs.Take(f.ctx, resident, "", n2.ID); ll.ErrorCode(err) != ll.ENOTMEMBER {
		t.Errorf("Take by a resident = %v, want ENOTMEMBER", err)
	}
	var actions []string
	for _, e := range f.audit() {
		actions = append(actions, e.Action)
	}
	if len(actions) < 2 || actions[0] != "need_publish" || actions[1] != "need_publish" {
		t.Errorf("audit = %v, want the two publications", actions)
	}
}
