package storage_test

import (
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestPresentationLease(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	p := ll.Presentation{ChatID: 42, MessageID: 7, Community: "dongan", Activity: "A7", Presenter: 42, Lang: "en", Started: now}
	if err := s.RegisterPresentation(ctx, p, now); err != nil {
		t.Fatal(err)
	}
	lease := 10 * time.Second
	// Two replicas claim at once: exactly one gets it.
	var (
		mu  sync.Mutex
		got []ll.PresentationClaim
		wg  sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := s.ClaimPresentations(ctx, now, 10, lease)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			got = append(got, cs...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(got) != 1 || got[0].Activity != "A7" || got[0].MessageID != 7 {
		t.Fatalf("claims = %+v, want one of A7", got)
	}
	first := got[0]
	// The owner dies: after the lease another claim takes it, and the old
	// token no longer finishes it.
	if cs, _ := s.ClaimPresentations(ctx, now.Add(lease-time.Millisecond), 10, lease); len(cs) != 0 {
		t.Fatalf("claim within the lease = %+v, want none", cs)
	}
	cs, err := s.ClaimPresentations(ctx, now.Add(lease), 10, lease)
	if err != nil || len(cs) != 1 || cs[0].Token == first.Token {
		t.Fatalf("claim after the lease = %+v, %v; want a new claim", cs, err)
	}
	if ok, err := s.FinishPresentation(ctx, first, now.Add(30*time.Second), now, time.Time{}); ok || err != nil {
		t.Fatalf("FinishPresentation(stale token) = %v, %v; want false", ok, err)
	}
	next := now.Add(30 * time.Second)
	if ok, err := s.FinishPresentation(ctx, cs[0], next, now.Add(lease), time.Time{}); !ok || err != nil {
		t.Fatalf("FinishPresentation = %v, %v; want true", ok, err)
	}
	if cs, _ := s.ClaimPresentations(ctx, next.Add(-time.Second), 10, lease); len(cs) != 0 {
		t.Fatalf("claim before the next step = %+v, want none", cs)
	}
	// Stopped: due at once, and flagged.
	if _, changed, err := s.StopPresentation(ctx, 42, 7); !changed || err != nil {
		t.Fatalf("StopPresentation = %v, %v", changed, err)
	}
	cs, err = s.ClaimPresentations(ctx, now.Add(lease+time.Second), 10, lease)
	if err != nil || len(cs) != 1 || !cs[0].Stopped {
		t.Fatalf("claim after stop = %+v, %v; want the stopped one", cs, err)
	}
	if ok, err := s.FinishPresentation(ctx, cs[0], time.Time{}, now, time.Time{}); !ok || err != nil {
		t.Fatalf("FinishPresentation(end) = %v, %v", ok, err)
	}
	if _, err := s.Presentation(ctx, 42, 7); code(err) != ll.ENOTFOUND {
		t.Fatalf("Presentation after its end: %v, want not found", err)
	}
	if _, err := s.PresentationOf(ctx, 42, "dongan", "A7"); code(err) != ll.ENOTFOUND {
		t.Fatalf("PresentationOf after its end: %v, want not found", err)
	}
}

func TestPresentationPace(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	// Two presentations in one group, one in a private chat.
	for _, p := range []ll.Presentation{
		{ChatID: -100, MessageID: 1, Community: "dongan", Activity: "A1"},
		{ChatID: -100, MessageID: 2, Community: "dongan", Activity: "A2"},
		{ChatID: 5, MessageID: 3, Community: "dongan", Activity: "A1"},
	} {
		if err := s.RegisterPresentation(ctx, p, now); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := s.ClaimPresentations(ctx, now, 10, time.Hour)
	if err != nil || len(cs) != 2 {
		t.Fatalf("claims = %+v, %v; want one per chat", cs, err)
	}
	// The group's other one waits for the group's pace.
	if cs, _ := s.ClaimPresentations(ctx, now.Add(storagePaceGroup-time.Millisecond), 10, time.Hour); len(cs) != 0 {
		t.Fatalf("claims within the group's pace = %+v, want none", cs)
	}
	cs, err = s.ClaimPresentations(ctx, now.Add(storagePaceGroup), 10, time.Hour)
	if err != nil || len(cs) != 1 || cs[0].ChatID != -100 {
		t.Fatalf("claims after the pace = %+v, %v; want the group's other", cs, err)
	}
	// A 429's retry_after holds the chat.
	if ok, err := s.FinishPresentation(ctx, cs[0], now.Add(storagePaceGroup), now.Add(storagePaceGroup), now.Add(time.Minute)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if cs, _ := s.ClaimPresentations(ctx, now.Add(50*time.Second), 10, time.Hour); len(cs) != 0 {
		t.Fatalf("claims during retry_after = %+v, want none", cs)
	}
	if cs, _ := s.ClaimPresentations(ctx, now.Add(time.Minute), 10, time.Hour); len(cs) != 1 {
		t.Fatalf("claims after retry_after = %+v, want one", cs)
	}
	// A new presentation of A1 in the private chat stops the old one.
	if err := s.RegisterPresentation(ctx, ll.Presentation{ChatID: 5, MessageID: 9, Community: "dongan", Activity: "A1"}, now); err != nil {
		t.Fatal(err)
	}
	old, err := s.Presentation(ctx, 5, 3)
	if err != nil || !old.Stopped {
		t.Fatalf("the older presentation = %+v, %v; want stopped", old, err)
	}
	cur, err := s.PresentationOf(ctx, 5, "dongan", "A1")
	if err != nil || cur.MessageID != 9 {
		t.Fatalf("PresentationOf = %+v, %v; want message 9", cur, err)
	}
}

func TestPresentedByAndCheckedIn(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	importMembers(t, s, "dongan", 2)
	a := newActivity(t, s, "dongan", t0.Add(time.Hour), 0)
	if err := s.SetPresentedBy(ctx, "dongan", a.ID, "M2", &ll.AuditEntry{Actor: "M2", Action: "present"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Activity(ctx, "dongan", a.ID)
	if err != nil || got.PresentedBy != "M2" {
		t.Fatalf("PresentedBy = %q, %v; want M2", got.PresentedBy, err)
	}
	if err := s.SetPresentedBy(ctx, "dongan", "A99", "M2", nil); code(err) != ll.ENOTFOUND {
		t.Fatalf("SetPresentedBy(A99) = %v, want not found", err)
	}
	if n, err := s.CheckedIn(ctx, "dongan", a.ID); n != 0 || err != nil {
		t.Fatalf("CheckedIn = %d, %v; want 0", n, err)
	}
}

const storagePaceGroup = 3 * time.Second
