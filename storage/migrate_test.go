package storage_test

import (
	"encoding/json"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestMigrateSeedsMinimumsByYear writes communities the way schema 1 did (no
// "years" in their JSON), migrates, and checks that every one has today's
// minimums for the current year in its zone, that earlier years count with
// them too, that nothing else of the JSON changed, and that migrating again
// changes nothing.
func TestMigrateSeedsMinimumsByYear(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	// 31 December 2026, 20:00 UTC: already 2027 in Shanghai.
	now := time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC)
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return now }})
	raw := storagetest.Client(t)
	old := map[string]string{
		"dongan": `{"id":"dongan","name":"东安社区","tz":"Asia/Shanghai","lang":"zh","minimum":3,"post_minimum":2,"notice_chat":-1001234567890,"created":"2024-01-05T02:00:00Z","later_field":{"kept":true}}`,
		"xiyuan": `{"id":"xiyuan","name":"西苑社区","tz":"UTC","lang":"en","minimum":2,"post_minimum":1,"created":"2025-06-01T00:00:00Z"}`,
	}
	for id, j := range old {
		if err := raw.Set(ctx, p+"{c:"+id+"}:community", j, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := raw.SAdd(ctx, p+"communities", id).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Set(ctx, p+"schema", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	if v, err := s.SchemaVersion(ctx); v != storage.CurrentSchema || err != nil {
		t.Fatalf("SchemaVersion after Migrate = %d, %v; want %d", v, err, storage.CurrentSchema)
	}
	want := map[string]struct{ year, min, post int }{"dongan": {2027, 3, 2}, "xiyuan": {2026, 2, 1}}
	after := map[string]string{}
	for id, w := range want {
		c, err := s.Community(ctx, id)
		if err != nil {
			t.Fatalf("Community(%s): %v", id, err)
		}
		if got := c.Years.Map(); len(got) != 1 || got[w.year] != (ll.Minimums{Minimum: w.min, PostMinimum: w.post}) {
			t.Errorf("%s years = %v, want %d: %d/%d", id, got, w.year, w.min, w.post)
		}
		for _, y := range []int{2020, w.year - 1, w.year, w.year + 1} {
			if m := c.MinimumsFor(y); m.Minimum != w.min || m.PostMinimum != w.post {
				t.Errorf("%s MinimumsFor(%d) = %+v, want %d/%d", id, y, m, w.min, w.post)
			}
		}
		j, _ := raw.Get(ctx, p+"{c:"+id+"}:community").Result()
		after[id] = j
		var got, was map[string]any
		json.Unmarshal([]byte(j), &got)
		json.Unmarshal([]byte(old[id]), &was)
		delete(got, "years")
		if g, _ := json.Marshal(got); string(g) != mustCanon(t, was) {
			t.Errorf("%s JSON besides years = %s, want %s", id, g, mustCanon(t, was))
		}
	}

	// Idempotent: again, nothing changes.
	raw.Set(ctx, p+"schema", "1", 0) // as if a replica had been interrupted before recording it
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate again = %v", err)
		}
	}
	for id, j := range after {
		if now, _ := raw.Get(ctx, p+"{c:"+id+"}:community").Result(); now != j {
			t.Errorf("%s after a second Migrate = %s, want unchanged %s", id, now, j)
		}
	}
	if v, _ := s.SchemaVersion(ctx); v != storage.CurrentSchema {
		t.Errorf("SchemaVersion = %d, want %d", v, storage.CurrentSchema)
	}
}

func mustCanon(t *testing.T, v any) string {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}
