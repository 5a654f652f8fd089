package app_test

import (
	"testing"

	"github.com/lamplighter-bot/lamplighter/app"
)

// TestNeedsPublishAgainRound: announcing again with the round the sender
// saw sends once; the same request again (a double tap, a retry) is a
// Repeat that changes and sends nothing; without Round (the chat's
// /publish) every call is a new round.
func TestNeedsPublishAgainRound(t *testing.T) {
	f := newFixture(t)
	resident := app.Actor{TelegramID: 900, Channel: app.ChannelChat, Now: f.now}
	n, _, err := f.app.Needs.Ask(f.ctx, resident, app.NeedDraft{Community: "elm", Text: "lamp out", Token: "r"})
	if err != nil {
		t.Fatal(err)
	}
	sc := f.scope(1)
	ob := &needOutbox{}
	if p, err := f.app.Needs.Publish(f.ctx, sc, ob, n.ID, app.PublishOptions{}, word); err != nil || p.Need.Round != 1 || p.Repeat {
		t.Fatalf("Publish = %+v, %v; want round 1", p, err)
	}
	sent := len(ob.msgs)
	if sent == 0 {
		t.Fatal("the first round announced nothing")
	}
	for i, wantRepeat := range []bool{false, true, true} {
		p, err := f.app.Needs.Publish(f.ctx, sc, ob, n.ID, app.PublishOptions{Again: true, Round: 1}, word)
		if err != nil || p.Repeat != wantRepeat || p.Need.Round != 2 {
			t.Errorf("Publish(again, round 1) #%d = repeat %v round %d, %v; want repeat %v, round 2", i+1, p.Repeat, p.Need.Round, err, wantRepeat)
		}
	}
	if got := len(ob.msgs); got != 2*sent {
		t.Errorf("announcements queued = %d, want %d (one round again)", got, 2*sent)
	}
	if p, err := f.app.Needs.Publish(f.ctx, sc, ob, n.ID, app.PublishOptions{Again: true}, word); err != nil || p.Repeat || p.Need.Round != 3 {
		t.Errorf("Publish(again, no round) = repeat %v round %d, %v; want round 3", p.Repeat, p.Need.Round, err)
	}
}
