package storage_test

import (
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestDecideByThePerson: the decide script refuses a decision by any
// membership of the author's person (the same Telegram id), not only by the
// author's member id, also when the app's check is bypassed.
func TestDecideByThePerson(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms, err := s.ImportMembers(ctx, "dongan", []ll.Member{{TelegramID: 11, Name: "Wei"}, {TelegramID: 12, Name: "Min"}}, t0, nil)
	if err != nil {
		t.Fatalf("ImportMembers = %v", err)
	}
	r, err := s.LogService(ctx, ll.ServiceRecord{Community: "dongan", Member: ms[0].ID, Text: "Fixed the gate", Created: t0})
	if err != nil {
		t.Fatalf("LogService = %v", err)
	}
	// Wei leaves and comes back as a new member.
	if err := s.RemoveMember(ctx, "dongan", ms[0].ID, t0, nil); err != nil {
		t.Fatalf("RemoveMember = %v", err)
	}
	again, err := s.ImportMembers(ctx, "dongan", []ll.Member{{TelegramID: 11, Name: "Wei"}}, t0, nil)
	if err != nil {
		t.Fatalf("ImportMembers(again) = %v", err)
	}
	ms = append(ms, again[0])
	for _, by := range []string{ms[0].ID, ms[2].ID, "tg:11"} {
		_, _, err := s.Decide(ctx, "dongan", r.ID, true, by, "", t0, nil)
		if ll.ErrorCode(err) != ll.EFORBIDDEN || ll.ErrorDetail(err) != ll.ReasonSelf {
			t.Errorf("Decide(%s by %s) = %v, want EFORBIDDEN self", r.ID, by, err)
		}
	}
	if _, changed, err := s.Decide(ctx, "dongan", r.ID, true, ms[1].ID, "", t0, nil); err != nil || !changed {
		t.Fatalf("Decide(%s by %s) = %v, %v, want approved", r.ID, ms[1].ID, changed, err)
	}
}
