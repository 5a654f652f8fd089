package storage_test

import (
	"testing"
	"time"

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

// TestActivityTimeStaysAfterCheckIn: SaveActivity refuses a new start or end
// once anyone checked in, in the script the check-ins run in.
func TestActivityTimeStaysAfterCheckIn(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "dongan")
	ms := importMembers(t, s, "dongan", 1)
	a := newActivity(t, s, "dongan", t0, 0)
	moved := a
	moved.Start, moved.End = a.Start.Add(time.Hour), a.End.Add(time.Hour)
	if err := s.SaveActivity(ctx, moved, nil); err != nil {
		t.Fatalf("SaveActivity(moved, nobody checked in) = %v", err)
	}
	if _, _, err := s.CheckIn(ctx, "dongan", ms[0].ID, byCode(a.Code), moved.Start); err != nil {
		t.Fatalf("CheckIn = %v", err)
	}
	for _, change := range []func(*ll.Activity){
		func(x *ll.Activity) { x.Start, x.End = x.Start.Add(-24*time.Hour), x.End.Add(-24*time.Hour) },
		func(x *ll.Activity) { x.End = x.End.Add(time.Hour) },
	} {
		b := moved
		change(&b)
		err := s.SaveActivity(ctx, b, nil)
		if ll.ErrorCode(err) != ll.ECONFLICT || ll.ErrorDetail(err) != ll.ReasonCheckedIn {
			t.Errorf("SaveActivity(%v–%v after a check-in) = %v, want ECONFLICT checked_in", b.Start, b.End, err)
		}
	}
	titled := moved
	titled.Title = "New title"
	if err := s.SaveActivity(ctx, titled, nil); err != nil {
		t.Errorf("SaveActivity(title after a check-in) = %v", err)
	}
	ps, err := s.Participations(ctx, "dongan", ms[0].ID)
	if err != nil || len(ps) != 1 || ps[0].Date != moved.Start.In(shanghai(t)).Format(time.DateOnly) {
		t.Errorf("Participations = %+v, %v; want one dated on the start", ps, err)
	}
}

func shanghai(t *testing.T) *time.Location {
	l, err := time.LoadLocation(ll.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
