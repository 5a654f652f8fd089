package storage_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// runTemplate is a reminder template of a few parts: a head with a name
// (value 0) and a count (value 1), activities 1..n with a button each, and a
// hint.
func runTemplate(lang string, n int) *ll.Template {
	t := &ll.Template{}
	t.Parts = append(t.Parts, ll.NewTemplatePart(fmt.Sprintf("🔔 <b>%s</b> %v：您今年已参加 <b>%d</b> 次", "东安 &amp; 西苑", ll.Slot(0), ll.Slot(1)), nil))
	for i := range n {
		t.Parts = append(t.Parts, ll.NewTemplatePart(fmt.Sprintf("\n\n<b>A%d</b> 路灯检修 &lt;%s&gt;", i, lang),
			[][]ll.Button{{{Text: fmt.Sprintf("报名 A%d", i), Data: fmt.Sprintf("su:A%d", i)}}}))
	}
	t.Parts = append(t.Parts, ll.NewTemplatePart("\n\n/activities", nil))
	return t
}

// templatedRun is n messages of run "below-minimum:dongan:9" from two
// templates (zh and en), each member with its own name (HTML-special
// characters, escaped on rendering), count and activities.
func templatedRun(n int, due time.Time) []ll.OutMessage {
	tpl := map[string]*ll.Template{"zh": runTemplate("zh", 10), "en": runTemplate("en", 10)}
	quiet := ll.QuietHours{Start: 21 * 60, End: 8 * 60}
	msgs := make([]ll.OutMessage, n)
	for i := range msgs {
		mid := fmt.Sprintf("M%d", 10000+i)
		lang := []string{"zh", "en"}[i%2]
		msgs[i] = ll.OutMessage{ID: "below-minimum:dongan:9:" + mid, ChatID: 5_100_000_000 + int64(i), Kind: ll.OutBelowMinimum,
			Community: "dongan", Member: mid, Lang: lang, Due: due, Expires: due.Add(24 * time.Hour), Quiet: &quiet, Zone: "Asia/Shanghai",
			Template: tpl[lang], Parts: 1 | 1<<(1+i%10) | 1<<(1+(i+3)%10) | 1<<11,
			Values: []string{fmt.Sprintf(`王<b>建国</b> & "%d"`, i), fmt.Sprint(i % 3)}}
	}
	return msgs
}

// TestOutboxRunTemplated: a run of templated messages waits in the compact
// form, in keys an older version does not read, a second EnqueueRun adds nothing, each message is delivered once
// rendered as its template says (values escaped), one that keeps failing
// becomes a dead letter that still renders and goes once requeued, and the
// run's keys (waiting hash, profiles, template bodies) go with its last
// message.
func TestOutboxRunTemplated(t *testing.T) {
	t.Parallel()
	const n = 2500 // several scripts' batches
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
	raw := storagetest.Client(t)
	msgs := templatedRun(n, t0)
	if r := msgs[1].Content(); !strings.Contains(r.Text, `王&lt;b&gt;建国&lt;/b&gt; &amp; &#34;1&#34;`) || len(r.Buttons) != 2 {
		t.Fatalf("rendered %q %+v: want the name escaped and two buttons", r.Text, r.Buttons)
	}
	const run = "below-minimum:dongan:9"
	if added, err := s.EnqueueRun(ctx, run, msgs); err != nil || added != n {
		t.Fatalf("EnqueueRun = %d, %v; want %d", added, err, n)
	}
	if added, err := s.EnqueueRun(ctx, run, msgs); err != nil || added != 0 {
		t.Fatalf("EnqueueRun again = %d, %v; want 0", added, err)
	}
	wait, err := raw.HGetAll(ctx, p+"{ob}:bq:r:"+run).Result()
	if err != nil || len(wait) != n {
		t.Fatalf("waiting hash holds %d, %v; want %d", len(wait), err, n)
	}
	// A replica of an older version reads waiting recipients only from pend
	// and bp:<b>: the compact ones are not there, so it never drops them.
	if old := storagetest.Keys(t, raw, p+"{ob}:bp:*"); len(old) != 0 || raw.Exists(ctx, p+"{ob}:pend").Val() != 0 {
		t.Errorf("compact run left %v and pend (exists %d); want neither", old, raw.Exists(ctx, p+"{ob}:pend").Val())
	}
	if v := wait["M10001"]; !strings.HasPrefix(v, "~") || len(v) > 60 {
		t.Errorf("waiting entry of M10001 = %q; want the compact form, a few dozen bytes", v)
	}
	if st := status(t, s, t0); st.Queued != n || st.Enqueued != n {
		t.Errorf("status = queued %d, enqueued %d; want %d", st.Queued, st.Enqueued, n)
	}
	want := map[string]ll.OutMessage{}
	for _, m := range msgs {
		want[m.ID] = m
	}
	const failing = "below-minimum:dongan:9:M10007"
	seen := map[string]int{}
	now := t0
	failures := 0
	for round := 0; round < 20 && (len(seen) < n-1 || failures < storage.OutboxMaxAttempts); round++ {
		for _, d := range claimAll(t, s, now) {
			w := want[d.Message.ID]
			if got := d.Message.Content(); !reflect.DeepEqual(got, w.Content()) {
				t.Fatalf("%s renders %q %+v; want %q %+v", d.Message.ID, got.Text, got.Buttons, w.Content().Text, w.Content().Buttons)
			}
			if d.Message.Member != w.Member || d.Message.Lang != w.Lang || d.Message.ChatID != w.ChatID || !d.Message.Due.Equal(w.Due) ||
				!d.Message.Expires.Equal(w.Expires) || d.Message.Kind != w.Kind || d.Message.Community != "dongan" ||
				d.Message.Zone != w.Zone || d.Message.Quiet == nil || *d.Message.Quiet != *w.Quiet {
				t.Fatalf("claimed %+v; want %+v", d.Message, w)
			}
			if d.Message.ID == failing {
				ack(t, s, d, ll.Ack{Status: ll.AckFailed, Reason: "boom"}, now)
				failures++
				continue
			}
			seen[d.Message.ID]++
			ack(t, s, d, ll.Ack{Status: ll.AckSent}, now)
		}
		now = now.Add(time.Hour) // past any backoff
	}
	if len(seen) != n-1 {
		t.Fatalf("delivered %d of %d", len(seen), n-1)
	}
	wf := want[failing]
	dead, err := s.DeadLetters(ctx, 0)
	if err != nil || len(dead) != 1 || dead[0].Message.ID != failing || !reflect.DeepEqual(dead[0].Message.Content(), wf.Content()) {
		t.Fatalf("DeadLetters = %+v, %v; want %s rendering as queued", dead, err, failing)
	}
	if n, err := s.Requeue(ctx, now); err != nil || n != 1 {
		t.Fatalf("Requeue = %d, %v", n, err)
	}
	ds := claimAll(t, s, now)
	if len(ds) != 1 || !reflect.DeepEqual(ds[0].Message.Content(), wf.Content()) {
		t.Fatalf("claimed after Requeue %+v; want %s", ds, failing)
	}
	ack(t, s, ds[0], ll.Ack{Status: ll.AckSent}, now)
	for id, k := range seen {
		if k != 1 {
			t.Errorf("%s delivered %d times", id, k)
		}
	}
	if added, err := s.EnqueueRun(ctx, run, msgs); err != nil || added != 0 {
		t.Fatalf("EnqueueRun after delivery = %d, %v; want 0", added, err)
	}
	for _, pat := range []string{"bp:*", "bq:*", "rp:*", "body:*", "m:*", "qpend", "pend"} {
		if keys := storagetest.Keys(t, raw, p+"{ob}:"+pat); len(keys) != 0 {
			t.Errorf("keys left: %v; want none (waiting hash, profiles, bodies and messages go)", keys)
		}
	}
}

// TestOutboxRunWholeFormStillSent: entries of a run in the form an older
// version wrote (every field in the entry, the message id as its field),
// here queued beside compact ones in the same run's hash, are all sent,
// each once.
func TestOutboxRunWholeFormStillSent(t *testing.T) {
	t.Parallel()
	p := storagetest.Prefix()
	s := storagetest.NewStoreOptions(t, storage.Options{Prefix: p, Now: func() time.Time { return t0 }})
	raw := storagetest.Client(t)
	const run = "below-minimum:dongan:9"
	msgs := templatedRun(600, t0)
	for i := range msgs[:300] {
		// An id that is not <run>:<member> cannot take the compact form:
		// stored whole, as the older version stored every entry.
		msgs[i].ID = fmt.Sprintf("below-minimum:dongan:9:x%d", i)
	}
	if added, err := s.EnqueueRun(ctx, run, msgs); err != nil || added != 600 {
		t.Fatalf("EnqueueRun = %d, %v", added, err)
	}
	whole, compact := 0, 0
	for _, key := range []string{"bp:r:", "bq:r:"} {
		wait, err := raw.HGetAll(ctx, p+"{ob}:"+key+run).Result()
		if err != nil {
			t.Fatal(err)
		}
		for f, v := range wait {
			switch {
			case key == "bq:r:" && strings.HasPrefix(v, "~"):
				compact++
			case key == "bp:r:" && strings.HasPrefix(f, "below-minimum:dongan:9:x") && strings.Count(v, "\t") >= 5:
				whole++
			}
		}
	}
	if whole != 300 || compact != 300 {
		t.Fatalf("waiting: %d whole, %d compact; want 300 each", whole, compact)
	}
	want := map[string]ll.Reply{}
	for _, m := range msgs {
		want[m.ID] = m.Content()
	}
	for _, d := range claimAll(t, s, t0) {
		w, ok := want[d.Message.ID]
		if !ok || !reflect.DeepEqual(d.Message.Content(), w) {
			t.Fatalf("claimed %s rendering %q; want it once, as queued", d.Message.ID, d.Message.Content().Text)
		}
		delete(want, d.Message.ID)
		ack(t, s, d, ll.Ack{Status: ll.AckSent}, t0)
	}
	if len(want) != 0 {
		t.Errorf("%d messages not delivered", len(want))
	}
}

// TestOutboxEnqueueRendersTemplates: a templated message queued through
// Enqueue (not a run) is stored with its text rendered, and claimed so.
func TestOutboxEnqueueRendersTemplates(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	m := templatedRun(1, t0)[0]
	m.ID = "activity:dongan:A1-1:M1"
	want := m.Content()
	if added, err := s.Enqueue(ctx, m); err != nil || added != 1 {
		t.Fatalf("Enqueue = %d, %v", added, err)
	}
	ds := claimAll(t, s, t0)
	if len(ds) != 1 || ds[0].Message.Template != nil || !reflect.DeepEqual(ds[0].Message.Content(), want) {
		t.Fatalf("claimed %+v; want the text rendered, %q", ds, want.Text)
	}
}

// TestOutboxRunDuplicatesInOneCall: an id given twice in one EnqueueRun, in
// the same batch or in different ones, is added and delivered once, and a
// retry by another call adds nothing.
func TestOutboxRunDuplicatesInOneCall(t *testing.T) {
	t.Parallel()
	s := obStore(t)
	msgs := templatedRun(700, t0)
	msgs = append(msgs, msgs[3], msgs[650]) // 650 is in the second batch of 500
	if added, err := s.EnqueueRun(ctx, "below-minimum:dongan:9", msgs); err != nil || added != 700 {
		t.Fatalf("EnqueueRun = %d, %v; want 700", added, err)
	}
	if added, err := s.EnqueueRun(ctx, "below-minimum:dongan:9", msgs); err != nil || added != 0 {
		t.Fatalf("EnqueueRun again = %d, %v; want 0", added, err)
	}
	seen := map[string]int{}
	for _, d := range claimAll(t, s, t0) {
		seen[d.Message.ID]++
		ack(t, s, d, ll.Ack{Status: ll.AckSent}, t0)
	}
	if len(seen) != 700 {
		t.Errorf("delivered %d distinct; want 700", len(seen))
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("%s delivered %d times", id, k)
		}
	}
	if st := status(t, s, t0); st.Queued != 0 || st.Enqueued != 700 {
		t.Errorf("status = queued %d, enqueued %d; want 0, 700", st.Queued, st.Enqueued)
	}
}
