package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// outbox records what is queued; err, when set, refuses it.
type outbox struct {
	broadcasts []ll.Broadcast
	msgs       [][]ll.OutMessage
	err        error
}

func (o *outbox) EnqueueBroadcast(_ context.Context, b ll.Broadcast, msgs []ll.OutMessage) (bool, int, error) {
	if o.err != nil {
		return false, 0, o.err
	}
	o.broadcasts = append(o.broadcasts, b)
	o.msgs = append(o.msgs, msgs)
	return true, len(msgs), nil
}

func TestParseAudience(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"all", "all"}, {" 全部 ", "all"}, {"below", "below-minimum"}, {"未认领", "no-post"},
		{"team:t2", "team:T2"}, {"服务队：T02", "team:T2"}, {"activity:a7", "activity:A7"},
		{"bldg:19", "building:19"}, {"skill: law ", "skill:law"}, {"unit:Bank of China", "unit:Bank of China"},
	} {
		aud, err := app.ParseAudience(tc.in)
		if err != nil || aud.String() != tc.want {
			t.Errorf("ParseAudience(%q) = %q, %v; want %q", tc.in, aud, err, tc.want)
		}
	}
	for _, in := range []string{"", "everyone", "all:x", "team:", "team:X2", "building:", "unit:" + strings.Repeat("u", ll.MaxUnitLen+1), "skill:a\nb"} {
		_, err := app.ParseAudience(in)
		wantRefusal(t, "ParseAudience("+in+")", err, ll.EINVALID, "audience")
	}
}

// broadcastFixture is the fixture with M2 and M3 in team T1, M3 in building
// 19, M1 signed up for activity A1 and unreachable.
func broadcastFixture(t *testing.T) *fixture {
	f := newFixture(t)
	if _, err := f.store.CreateTeam(f.ctx, ll.Team{Community: "elm", Name: "Lamps", Created: f.now}, nil); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	for _, m := range f.ms[1:] {
		if _, err := f.store.JoinTeam(f.ctx, "elm", "T1", m.ID); err != nil {
			t.Fatalf("JoinTeam: %v", err)
		}
	}
	m3 := f.ms[2]
	m3.Building = "19"
	if err := f.store.UpdateProfile(f.ctx, m3); err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	start := f.now.Add(48 * time.Hour)
	if _, err := f.store.CreateActivity(f.ctx, ll.Activity{Community: "elm", Title: "Clean-up", Start: start, End: start.Add(2 * time.Hour), Created: f.now}, nil); err != nil {
		t.Fatalf("CreateActivity: %v", err)
	}
	if _, _, err := f.store.SignUp(f.ctx, "elm", "A1", f.ms[0].ID, f.now); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	if err := f.store.SetReachable(f.ctx, 1, false); err != nil {
		t.Fatalf("SetReachable: %v", err)
	}
	return f
}

// ids lists members' ids.
func ids(ms []ll.Member) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return strings.Join(out, ",")
}

func TestBroadcastsRecipients(t *testing.T) {
	f := broadcastFixture(t)
	for _, tc := range []struct {
		aud     string
		to      string
		skipped int
	}{
		{"all", "M2,M3", 1},
		{"team:T1", "M2,M3", 0},
		{"building:19", "M3", 0},
		{"activity:A1", "", 1},
		{"below-minimum", "M2,M3", 1},
		{"no-post", "", 0}, // the post minimum is 0
		{"skill:law", "", 0},
	} {
		aud, err := app.ParseAudience(tc.aud)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.app.Broadcasts.Recipients(f.ctx, f.scope(2), aud)
		if err != nil || ids(r.To) != tc.to || r.Skipped != tc.skipped {
			t.Errorf("Recipients(%s) = %s skipping %d, %v; want %s skipping %d", tc.aud, ids(r.To), r.Skipped, err, tc.to, tc.skipped)
		}
	}
	for _, tc := range []struct {
		aud         app.Audience
		code, field string
	}{
		{app.Audience{Kind: app.AudienceTeam, Arg: "T9"}, ll.ENOTFOUND, ""},
		{app.Audience{Kind: app.AudienceActivity, Arg: "A9"}, ll.ENOTFOUND, ""},
		{app.Audience{Kind: "everyone"}, ll.EINVALID, "audience"},
	} {
		_, err := f.app.Broadcasts.Recipients(f.ctx, f.scope(2), tc.aud)
		wantRefusal(t, "Recipients("+tc.aud.String()+")", err, tc.code, tc.field)
	}
}

func TestBroadcastsPrepareAndSend(t *testing.T) {
	f := broadcastFixture(t)
	all := app.Audience{Kind: app.AudienceAll}
	for _, tc := range []struct{ name, text string }{
		{"no text", "  "},
		{"too long", strings.Repeat("字", app.MaxBroadcastLen+1)},
		{"control characters", "hello\x00"},
	} {
		_, err := f.app.Broadcasts.Prepare(f.ctx, f.scope(2), all, tc.text)
		wantRefusal(t, "Prepare("+tc.name+")", err, ll.EINVALID, "text")
	}
	d, err := f.app.Broadcasts.Prepare(f.ctx, f.scope(2), all, " Lamps on Friday ")
	if err != nil || !strings.HasPrefix(d.ID, "elm-") || d.Text != "Lamps on Friday" || ids(d.To) != "M2,M3" || d.Skipped != 1 {
		t.Fatalf("Prepare(all) = %+v, %v", d, err)
	}
	nobody, err := f.app.Broadcasts.Prepare(f.ctx, f.scope(2), app.Audience{Kind: app.AudienceSkill, Arg: "law"}, "x")
	if err != nil || nobody.ID != "" || len(nobody.To) != 0 {
		t.Fatalf("Prepare(nobody) = %+v, %v; want no id and no recipients", nobody, err)
	}

	message := func(m ll.Member) (ll.Reply, string) { return ll.Reply{Text: "to " + m.ID}, "en" }
	out := app.Outgoing{ID: d.ID, Audience: all, Text: d.Text, ChatID: 2, Lang: "zh"}

	before := len(f.audit())
	for _, tc := range []struct {
		name        string
		out         app.Outgoing
		box         *outbox
		code, field string
	}{
		{"another community's id", app.Outgoing{ID: "oak-abc", Audience: all, Text: "x"}, &outbox{}, ll.EINVALID, "broadcast"},
		{"no id", app.Outgoing{ID: "elm-", Audience: all, Text: "x"}, &outbox{}, ll.EINVALID, "broadcast"},
		{"no text", app.Outgoing{ID: d.ID, Audience: all}, &outbox{}, ll.EINVALID, "text"},
		{"unknown team", app.Outgoing{ID: d.ID, Audience: app.Audience{Kind: app.AudienceTeam, Arg: "T9"}, Text: "x"}, &outbox{}, ll.ENOTFOUND, ""},
		{"outbox down", out, &outbox{err: ll.ErrUnavailable}, ll.EUNAVAILABLE, ""},
	} {
		_, err := f.app.Broadcasts.Send(f.ctx, f.scope(2), tc.box, tc.out, message)
		wantRefusal(t, "Send("+tc.name+")", err, tc.code, tc.field)
		if len(tc.box.broadcasts) != 0 {
			t.Errorf("Send(%s) queued %+v", tc.name, tc.box.broadcasts)
		}
	}
	sent, err := f.app.Broadcasts.Send(f.ctx, f.scope(2), &outbox{}, app.Outgoing{ID: d.ID, Audience: nobody.Audience, Text: "x"}, message)
	if err != nil || len(sent.To) != 0 || len(sent.Messages) != 0 {
		t.Fatalf("Send(nobody) = %+v, %v", sent, err)
	}
	if after := len(f.audit()); after != before {
		t.Fatalf("refused or empty broadcasts wrote %d audit entries", after-before)
	}

	box := &outbox{}
	sent, err = f.app.Broadcasts.Send(f.ctx, f.scope(2), box, out, message)
	if err != nil || sent.AuditErr != nil || len(box.broadcasts) != 1 {
		t.Fatalf("Send = %+v, %v; queued %d", sent, err, len(box.broadcasts))
	}
	b := box.broadcasts[0]
	if b.ID != d.ID || b.Community != "elm" || b.By != f.ms[1].ID || b.ChatID != 2 || b.Lang != "zh" || b.Audience != "all" || b.Total != 2 || !b.Created.Equal(f.now) {
		t.Errorf("queued broadcast = %+v", b)
	}
	if msgs := box.msgs[0]; len(msgs) != 2 || msgs[0].ID != "bc:"+d.ID+":M2" || msgs[1].ChatID != 3 || msgs[1].Reply.Text != "to M3" ||
		msgs[1].Kind != ll.OutBroadcast || msgs[1].Member != "M3" || msgs[1].Lang != "en" || msgs[1].Community != "elm" {
		t.Errorf("queued messages = %+v", msgs)
	}
	log := f.audit()
	if len(log) != before+1 || log[0].Action != "broadcast" || log[0].Object != d.ID || log[0].Detail != "all: 2 recipient(s)" || log[0].Actor != f.ms[1].ID {
		t.Fatalf("audit = %+v, want broadcast %s by M2", log[0], d.ID)
	}

	// Without an outbox the front end delivers the messages; it is audited all the same.
	sent, err = f.app.Broadcasts.Send(f.ctx, f.scope(1), nil, app.Outgoing{ID: "elm-x", Audience: app.Audience{Kind: app.AudienceBuilding, Arg: "19"}, Text: "x"}, message)
	if err != nil || ids(sent.To) != "M3" || len(sent.Messages) != 1 || sent.Messages[0].ChatID != 3 {
		t.Fatalf("Send without an outbox = %+v, %v", sent, err)
	}
	if log := f.audit(); log[0].Object != "elm-x" || log[0].Actor != f.ms[0].ID || log[0].Detail != "building:19: 1 recipient(s)" {
		t.Fatalf("audit = %+v, want broadcast elm-x by M1", log[0])
	}

	// The real outbox takes a double tap once.
	for i := range 2 {
		if _, err := f.app.Broadcasts.Send(f.ctx, f.scope(2), f.store, out, message); err != nil {
			t.Fatalf("Send to the store's outbox (%d): %v", i, err)
		}
	}
	// Two recipients and the progress message in the caller's chat.
	if st, err := f.store.OutboxStatus(f.ctx, f.now); err != nil || st.Queued != 3 {
		t.Errorf("outbox holds %d messages, %v; want 3", st.Queued, err)
	}
}
