package storage_test

import (
	"bytes"
	"reflect"
	"sync"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestStatementKeysFirstKeyOnce: replicas racing to make the first signing
// key agree on one.
func TestStatementKeysFirstKeyOnce(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	if keys, cur, err := s.StatementKeys(ctx, nil, t0); err != nil || len(keys) != 0 || cur != "" {
		t.Fatalf("StatementKeys before any = %v, %q, %v; want none", keys, cur, err)
	}
	const n = 16
	got := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys, cur, err := s.StatementKeys(ctx, bytes.Repeat([]byte{byte(i + 1)}, 32), t0)
			if err != nil || cur != "1" || len(keys) != 1 {
				t.Errorf("StatementKeys = %v, %q, %v", keys, cur, err)
				return
			}
			got[i] = keys[0].Key
		}()
	}
	wg.Wait()
	for i := range got {
		if !bytes.Equal(got[i], got[0]) {
			t.Fatalf("racing replicas got different first keys: %x and %x", got[0], got[i])
		}
	}
	id, err := s.RotateStatementKey(ctx, bytes.Repeat([]byte{0xee}, 32), t0.Add(time.Hour))
	if err != nil || id != "2" {
		t.Fatalf("RotateStatementKey = %q, %v", id, err)
	}
	keys, cur, err := s.StatementKeys(ctx, bytes.Repeat([]byte{1}, 32), t0)
	if err != nil || cur != "2" || len(keys) != 2 || keys[0].ID != "1" || keys[1].ID != "2" || !keys[1].Created.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after rotation StatementKeys = %+v, %q, %v", keys, cur, err)
	}
	wantCode(t, "RetireStatementKey(current)", s.RetireStatementKey(ctx, "2"), ll.ECONFLICT)
	wantCode(t, "RetireStatementKey(unknown)", s.RetireStatementKey(ctx, "9"), ll.ENOTFOUND)
	wantCode(t, "RetireStatementKey(junk)", s.RetireStatementKey(ctx, "x}"), ll.ENOTFOUND)
	if err := s.RetireStatementKey(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	if keys, _, _ := s.StatementKeys(ctx, nil, t0); len(keys) != 1 || keys[0].ID != "2" {
		t.Fatalf("after retiring 1: %+v", keys)
	}
}

func TestIssueStatement(t *testing.T) {
	t.Parallel()
	s := storagetest.NewStore(t)
	newCommunity(t, s, "elm")
	m := register(t, s, "elm", 7001, "Qiao Feng")
	parts := []ll.StatementPart{{Ref: "A1", Kind: ll.KindActivity, Method: ll.MethodRotating}, {Ref: "S2", Kind: ll.KindService, Method: ll.MethodApproval}}
	st := ll.Statement{ID: "AAAAAAAAAAAA", KeyID: "1", Community: "elm", Member: m.ID, Year: 2026, Parts: parts, Grade: "good"}
	audit := &ll.AuditEntry{Actor: m.ID, Action: "statement"}

	wantCode(t, "IssueStatement(someone else)", func() error { _, err := s.IssueStatement(ctx, 7002, st, t0, audit); return err }(), ll.ENOTMEMBER)
	got, err := s.IssueStatement(ctx, 7001, st, t0, audit)
	if err != nil || got.ID != st.ID || !got.Issued.Equal(t0) {
		t.Fatalf("IssueStatement = %+v, %v", got, err)
	}
	stored, err := s.Statement(ctx, "elm", st.ID)
	want := st
	want.Issued = t0
	if err != nil || !reflect.DeepEqual(stored, want) {
		t.Fatalf("Statement = %+v, %v; want %+v", stored, err, want)
	}

	// The same facts and key again: the same statement, first issue time.
	again := st
	again.ID = "BBBBBBBBBBBB"
	got, err = s.IssueStatement(ctx, 7001, again, t0.Add(time.Hour), audit)
	if err != nil || got.ID != st.ID || !got.Issued.Equal(t0) {
		t.Fatalf("IssueStatement again = %+v, %v; want %s of %v", got, err, st.ID, t0)
	}
	wantCode(t, "Statement(never stored)", func() error { _, err := s.Statement(ctx, "elm", again.ID); return err }(), ll.ENOTFOUND)

	// Other facts (no grade), or another key: a new statement.
	for i, change := range []func(*ll.Statement){
		func(x *ll.Statement) { x.Grade = "" },
		func(x *ll.Statement) { x.KeyID = "2" },
		func(x *ll.Statement) { x.Parts = parts[:1] },
	} {
		x := st
		x.ID = string(rune('C'+i)) + "CCCCCCCCCCC"
		change(&x)
		got, err := s.IssueStatement(ctx, 7001, x, t0.Add(2*time.Hour), audit)
		if err != nil || got.ID != x.ID || !got.Issued.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("IssueStatement(change %d) = %+v, %v; want a new statement", i, got, err)
		}
	}
	log, err := s.AuditLog(ctx, "elm", 10, time.Time{})
	if err != nil || len(log) != 5 || log[3].Detail != "2026 "+st.ID+" again" || log[4].Detail != "2026 "+st.ID {
		t.Fatalf("audit = %+v, %v", log, err)
	}
	wantCode(t, "Statement(junk id)", func() error { _, err := s.Statement(ctx, "elm", "a}b"); return err }(), ll.ENOTFOUND)
	wantCode(t, "Statement(unknown community)", func() error { _, err := s.Statement(ctx, "oak", st.ID); return err }(), ll.ENOTFOUND)
}
