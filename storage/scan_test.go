package storage_test

import (
	"bytes"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

func TestScanKeyIsMadeOnce(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	k1, err := s.ScanKey(ctx, "dongan", bytes.Repeat([]byte{1}, 32))
	if err != nil || !bytes.Equal(k1, bytes.Repeat([]byte{1}, 32)) {
		t.Fatalf("ScanKey(first) = %x, %v; want the fresh key", k1, err)
	}
	k2, err := s.ScanKey(ctx, "dongan", bytes.Repeat([]byte{2}, 32))
	if err != nil || !bytes.Equal(k2, k1) {
		t.Fatalf("ScanKey(second) = %x, %v; want the first key %x", k2, err, k1)
	}
	k3, err := s.ScanKey(ctx, "other", bytes.Repeat([]byte{3}, 32))
	if err != nil || bytes.Equal(k3, k1) {
		t.Fatalf("ScanKey(another community) = %x, %v; want its own key", k3, err)
	}
	if _, err := s.ScanKey(ctx, "dongan", []byte{1}); err == nil {
		t.Fatal("ScanKey took a one-byte key")
	}
}

func TestUseScanCodeOnce(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	exp := t0.Add(time.Minute)
	first, err := s.UseScanCode(ctx, "dongan", "nonce1", "A1", exp, t0)
	if err != nil || !first {
		t.Fatalf("UseScanCode(first) = %v, %v", first, err)
	}
	for _, act := range []string{"A1", "A2"} {
		if again, err := s.UseScanCode(ctx, "dongan", "nonce1", act, exp, t0); err != nil || again {
			t.Fatalf("UseScanCode(again, %s) = %v, %v; want refused", act, again, err)
		}
	}
	if other, err := s.UseScanCode(ctx, "other", "nonce1", "A1", exp, t0); err != nil || !other {
		t.Fatalf("UseScanCode(another community) = %v, %v", other, err)
	}
}

func TestScanCheckIn(t *testing.T) {
	t.Parallel()
	s, n := storagetest.NewCountedStore(t)
	if err := s.LoadScripts(ctx); err != nil {
		t.Fatal(err)
	}
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	a := newActivity(t, s, "dongan", t0.Add(10*time.Minute), 0) // no location, a static code: neither matters
	audit := &ll.AuditEntry{Actor: ms[1].ID, Action: "scan", Object: a.ID, Detail: ms[0].ID}

	n.Reset()
	got, changed, err := s.ScanCheckIn(ctx, "dongan", a.ID, ms[0].ID, ms[1].ID, t0, audit)
	if err != nil || !changed || got.ID != a.ID {
		t.Fatalf("ScanCheckIn = %s, %v, %v; want checked in to %s", got.ID, changed, err, a.ID)
	}
	if rt := n.RoundTrips(); rt != 1 {
		t.Errorf("ScanCheckIn took %d round trips, want 1", rt)
	}
	ps, err := s.Participations(ctx, "dongan", ms[0].ID)
	if err != nil || len(ps) != 1 || ps[0].Method != ll.MethodScan || ps[0].VerifiedBy != ms[1].ID || ps[0].Ref != a.ID {
		t.Fatalf("Participations = %+v, %v; want one by scan verified by %s", ps, err, ms[1].ID)
	}
	log, err := s.AuditLog(ctx, "dongan", 10, time.Time{})
	if err != nil || len(log) != 1 || log[0].Action != "scan" || log[0].Object != a.ID || log[0].Actor != ms[1].ID {
		t.Fatalf("AuditLog = %+v, %v; want the scan", log, err)
	}
	if c, err := s.CheckedIn(ctx, "dongan", a.ID); err != nil || c != 1 {
		t.Fatalf("CheckedIn = %d, %v; want 1", c, err)
	}

	// Again: nothing changes, nothing is audited.
	if _, changed, err := s.ScanCheckIn(ctx, "dongan", a.ID, ms[0].ID, ms[1].ID, t0.Add(time.Second), audit); err != nil || changed {
		t.Fatalf("ScanCheckIn(again) = %v, %v; want unchanged", changed, err)
	}
	if log, _ := s.AuditLog(ctx, "dongan", 10, time.Time{}); len(log) != 1 {
		t.Fatalf("a repeated scan was audited: %d entries", len(log))
	}

	// Outside the check-in window, or without a verifier: refused.
	if _, _, err := s.ScanCheckIn(ctx, "dongan", a.ID, ms[1].ID, ms[0].ID, t0.Add(-time.Hour), audit); code(err) != ll.ECONFLICT || ll.ErrorDetail(err) != ll.ReasonNotOpen {
		t.Fatalf("ScanCheckIn(before check-in opens) = %v, want not open", err)
	}
	if _, _, err := s.ScanCheckIn(ctx, "dongan", a.ID, ms[1].ID, " ", t0, audit); code(err) != ll.EINVALID {
		t.Fatalf("ScanCheckIn(no verifier) = %v, want invalid", err)
	}
	// The method cannot be smuggled through the other check-ins.
	if _, _, err := s.CheckIn(ctx, "dongan", ms[1].ID, ll.CheckIn{ActivityID: a.ID, Method: ll.MethodScan}, t0); code(err) != ll.EINVALID {
		t.Fatalf("CheckIn(method scan without a scan) = %v, want invalid", err)
	}
	// A location check-in still needs the activity's place.
	if _, _, err := s.CheckIn(ctx, "dongan", ms[1].ID, ll.CheckIn{ActivityID: a.ID, Method: ll.MethodLocation}, t0); code(err) != ll.EINVALID {
		t.Fatalf("CheckIn(location, no place) = %v, want invalid", err)
	}
}

func TestSignedUpFor(t *testing.T) {
	t.Parallel()
	s, n := storagetest.NewCountedStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 2)
	var ids []string
	for i := range 3 {
		a := newActivity(t, s, "dongan", t0.Add(time.Duration(i+1)*time.Hour), 0)
		ids = append(ids, a.ID)
	}
	for _, id := range []string{ids[0], ids[2]} {
		if _, _, err := s.SignUp(ctx, "dongan", id, ms[0].ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.SignUp(ctx, "dongan", ids[1], ms[1].ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignedUpFor(ctx, "dongan", ms[1].ID, ids); err != nil { // warm a pipeline's connection up
		t.Fatal(err)
	}
	n.Reset()
	got, err := s.SignedUpFor(ctx, "dongan", ms[0].ID, append(ids, "A99"))
	if err != nil || !got[ids[0]] || got[ids[1]] || !got[ids[2]] || got["A99"] || len(got) != 4 {
		t.Fatalf("SignedUpFor(%s) = %v, %v; want %s and %s only", ms[0].ID, got, err, ids[0], ids[2])
	}
	if rt := n.RoundTrips(); rt != 1 {
		t.Errorf("SignedUpFor took %d round trips, want 1", rt)
	}
}
