package app_test

import (
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

func TestCreateNotBackdatedWhileOpen(t *testing.T) {
	f := newFixture(t)
	for _, in := range []app.NewActivity{
		{Title: "Begun", Start: f.now.Add(-time.Hour), Duration: 2 * time.Hour},
		{Title: "Just over", Start: f.now.Add(-3 * time.Hour), Duration: 2 * time.Hour}, // window open 2h after end
	} {
		_, _, err := f.app.Activities.Create(f.ctx, f.scope(2), in)
		wantRefusal(t, "Create("+in.Title+")", err, ll.ECONFLICT, ll.ReasonBackdated)
	}
	if n := len(f.activities()); n != 0 {
		t.Fatalf("refused creations stored %d activities", n)
	}
	for _, in := range []app.NewActivity{
		{Title: "Over", Start: f.now.Add(-5 * time.Hour), Duration: 2 * time.Hour},
		{Title: "This minute", Start: f.now.Truncate(time.Minute), Duration: time.Hour},
		{Title: "Later", Start: f.now.Add(time.Hour), Duration: time.Hour},
	} {
		if _, _, err := f.app.Activities.Create(f.ctx, f.scope(2), in); err != nil {
			t.Errorf("Create(%s) = %v", in.Title, err)
		}
	}
}
