package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/storage"
)

func TestOutboxStatusAndRequeue(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	if _, err := e.st.Enqueue(ctx, ll.OutMessage{ID: "m1", ChatID: 42, Kind: ll.OutDirect, Reply: ll.Reply{Text: "hello"}},
		ll.OutMessage{ID: "m2", ChatID: 43, Kind: ll.OutDirect, Reply: ll.Reply{Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	// m2 fails until it is a dead letter.
	at := testNow
	for range storage.OutboxMaxAttempts {
		ds, _, err := e.st.ClaimDeliveries(ctx, at, 10, 1000, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.Message.ID == "m2" {
				if err := e.st.AckDelivery(ctx, d, ll.Ack{Status: ll.AckFailed, Reason: "Bad Request: can't parse entities"}, at); err != nil {
					t.Fatal(err)
				}
			}
		}
		at = at.Add(time.Hour)
	}
	out := e.mustRun("outbox", "status")
	for _, want := range []string{"queued       0", "in flight    1", "dead         1", "m2  chat 43  direct  8 attempts: Bad Request: can't parse entities", "enqueued 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("outbox status:\n%s\nwant %q in it", out, want)
		}
	}
	if out := e.mustRun("outbox", "requeue"); !strings.Contains(out, "requeued 1 dead letter") {
		t.Errorf("outbox requeue: %q", out)
	}
	if out := e.mustRun("outbox", "status", "--dead", "0"); !strings.Contains(out, "dead         0") || !strings.Contains(out, "queued       1") {
		t.Errorf("outbox status after requeue:\n%s", out)
	}
	for _, args := range [][]string{{"outbox"}, {"outbox", "flush"}, {"outbox", "status", "x"}, {"outbox", "status", "--dead", "-1"}} {
		if code, _, stderr := e.run("", args...); code != 2 || !strings.Contains(stderr, "outbox") {
			t.Errorf("lamplighter %v: exit %d, stderr %q; want 2", args, code, stderr)
		}
	}
}

// TestNoticeFailureToldToSecretary: when the notice chat refuses the bot,
// the community's secretary is told through the outbox.
func TestNoticeFailureToldToSecretary(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	c := ll.Community{ID: "dongan", Name: "东安社区", TimeZone: "Asia/Shanghai", Language: "zh", Minimum: 2, PostMinimum: 1, NoticeChat: -100777}
	if err := e.st.CreateCommunity(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.ImportMembers(ctx, "dongan", []ll.Member{{Name: "李秀兰", TelegramID: 10001, Role: ll.RoleSecretary}, {Name: "王芳", TelegramID: 10002}}, testNow, nil); err != nil {
		t.Fatal(err)
	}
	tell := noticeFailed(e.st, slog.New(slog.DiscardHandler))
	tell(ctx, ll.OutMessage{ID: "u:5:0", ChatID: -100777, Kind: ll.OutDirect}, errors.New("Forbidden: bot was kicked from the channel chat"))
	tell(ctx, ll.OutMessage{ID: "u:6:0", ChatID: 10002, Kind: ll.OutDirect}, errors.New("Forbidden: bot was blocked by the user"))
	ds, _, err := e.st.ClaimDeliveries(ctx, testNow.Add(time.Minute), 10, 1000, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Message.ChatID != 10001 || !strings.Contains(ds[0].Message.Reply.Text, "公示群") || !strings.Contains(ds[0].Message.Reply.Text, "kicked") {
		t.Errorf("queued %+v, want one message to the secretary about the notice chat", ds)
	}
}
