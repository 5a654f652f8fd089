package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/handlers"
	"github.com/lamplighter-bot/lamplighter/scheduler"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// plainTexts hides handlers.Texts' templates: the scheduler then writes
// each distinct text whole, as it did before templates.
type plainTexts struct{ scheduler.Texts }

// templateSnapshot is a community whose name and activities carry
// HTML-special characters, 13 members in both languages with different
// totals and sign-ups, 7 upcoming activities (one full), 7 open posts.
func templateSnapshot(now time.Time, activities, posts int) *scheduler.Snapshot {
	c := ll.Community{ID: "dongan", Name: `东安 <b>&"社区"</b> & 'Co'`, TimeZone: "Asia/Shanghai", Language: "zh",
		Minimum: 3, PostMinimum: 2}
	sn := &scheduler.Snapshot{Community: c, SignedUp: map[string][]string{}}
	for i := range 13 {
		m := ll.Member{ID: fmt.Sprintf("M%d", i+1), Community: c.ID, TelegramID: 7000 + int64(i),
			Name: `王 <i>&amp;</i> "` + fmt.Sprint(i) + `"`, Status: ll.StatusActive, Language: []string{"zh", "en", ""}[i%3]}
		sn.Members = append(sn.Members, m)
		for k := 0; k < i%3; k++ {
			sn.Participations = append(sn.Participations, ll.Participation{Community: c.ID, Member: m.ID, Kind: ll.KindActivity,
				Ref: fmt.Sprintf("A%d", k+1), Date: "2026-02-1" + fmt.Sprint(k), Method: ll.MethodCode})
		}
		if i%4 == 0 {
			sn.Claims = append(sn.Claims, ll.Claim{Post: "P1", Member: m.ID, Claimed: now.Add(-time.Hour)})
		}
	}
	for i := range activities {
		a := ll.Activity{ID: fmt.Sprintf("A%d", 100+i), Title: fmt.Sprintf(`路灯 <检修> & "%d" 这是一个很长很长很长很长很长的标题`, i),
			Place: `19 栋 <门口> & 'B'`, Start: now.Add(time.Duration(i+1) * 30 * time.Hour), Capacity: 20, Signups: 3}
		if i == 2 {
			a.Signups = a.Capacity // full: offered to nobody
		}
		a.End = a.Start.Add(2 * time.Hour)
		sn.Upcoming = append(sn.Upcoming, a)
		for j := range 13 {
			if (j+i)%3 == 0 {
				sn.SignedUp[a.ID] = append(sn.SignedUp[a.ID], fmt.Sprintf("M%d", j+1))
			}
		}
	}
	for i := range posts {
		sn.OpenPosts = append(sn.OpenPosts, ll.Post{ID: fmt.Sprintf("P%d", i+1), Title: fmt.Sprintf(`法律 <援助> & "%d"`, i),
			Mode: ll.ModeClaimed, Skills: []string{"<law>"}})
	}
	return sn
}

func newScheduler(t testing.TB, texts scheduler.Texts, st scheduler.Store, ob scheduler.Outbox) *scheduler.Scheduler {
	t.Helper()
	s, err := scheduler.New(scheduler.Config{Store: st, Outbox: ob, Texts: texts, Schedules: scheduler.DefaultSchedules(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sameMessages fails unless got (templated) renders, message by message, to
// want (written whole), every other field alike.
func sameMessages(t *testing.T, what string, got, want []ll.OutMessage) {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%s: %d templated messages, %d whole; want the same, more than none", what, len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Template == nil || w.Template != nil {
			t.Fatalf("%s %s: template %v, whole %v; want only the first templated", what, g.ID, g.Template != nil, w.Template != nil)
		}
		if gr := g.Content(); !reflect.DeepEqual(gr, w.Reply) {
			t.Errorf("%s %s (%s) renders\n%q\n%+v\nwant\n%q\n%+v", what, g.ID, g.Lang, gr.Text, gr.Buttons, w.Reply.Text, w.Reply.Buttons)
		}
		g.Template, g.Parts, g.Values, g.Reply = nil, 0, nil, w.Reply
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: templated message %+v\nwant %+v", what, g, w)
		}
	}
}

// TestTemplatedRemindersMatchTheirTexts holds the templated below-minimum
// and no-post reminders to the texts written whole for each member (zh and
// en, HTML-special names and titles escaped as before, every mix of
// activities offered, none offered, no post open), before and after a trip
// through the outbox on real Redis.
func TestTemplatedRemindersMatchTheirTexts(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
	st := storagetest.NewStore(t)
	tmpl := newScheduler(t, handlers.Texts{}, st, st)
	whole := newScheduler(t, plainTexts{handlers.Texts{}}, st, st)
	at := now
	for _, tc := range []struct {
		name              string
		activities, posts int
	}{{"many", 7, 7}, {"few", 2, 1}, {"none", 0, 0}} {
		run := now.Add(-time.Duration(tc.activities) * time.Minute) // a run of its own
		sn := templateSnapshot(now, tc.activities, tc.posts)
		below := tmpl.BelowMinimumMessages(sn, run, now)
		sameMessages(t, tc.name+" below-minimum", below, whole.BelowMinimumMessages(sn, run, now))
		nopost := tmpl.NoPostMessages(sn, run, now)
		sameMessages(t, tc.name+" no-post", nopost, whole.NoPostMessages(sn, run, now))

		// Through the outbox: queued in the compact form, rendered on claim
		// exactly as written whole.
		for _, msgs := range [][]ll.OutMessage{below, nopost} {
			runName := msgs[0].ID[:len(msgs[0].ID)-len(msgs[0].Member)-1]
			if added, err := st.EnqueueRun(context.Background(), runName, msgs); err != nil || added != len(msgs) {
				t.Fatalf("EnqueueRun(%s) = %d, %v; want %d", runName, added, err, len(msgs))
			}
			want := map[string]ll.Reply{}
			for _, m := range msgs {
				want[m.ID] = m.Content()
			}
			for len(want) > 0 {
				ds, wait, err := st.ClaimDeliveries(context.Background(), at, 1000, 1e9, time.Hour)
				if err != nil || len(ds) == 0 && wait < 0 {
					t.Fatalf("ClaimDeliveries = %d, %v with %d to go", len(ds), err, len(want))
				}
				at = at.Add(max(wait, time.Millisecond)) // each chat's pace
				for _, d := range ds {
					w, ok := want[d.Message.ID]
					if got := d.Message.Content(); !ok || !reflect.DeepEqual(got, w) {
						t.Errorf("claimed %s renders %q %+v; want %q %+v", d.Message.ID, got.Text, got.Buttons, w.Text, w.Buttons)
					}
					delete(want, d.Message.ID)
					if err := st.AckDelivery(context.Background(), d, ll.Ack{Status: ll.AckSent}, at); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}

var _ scheduler.TemplateTexts = handlers.Texts{}

// The outbox the tests use takes whole runs.
var _ scheduler.RunOutbox = (*storage.Store)(nil)
