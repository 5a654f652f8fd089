package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/lamplighter-bot/lamplighter"
)

// Outbox takes the messages that are not immediate replies (SPEC section 5).
// *storage.Store implements it. Enqueue is idempotent by message id and safe
// for concurrent use.
type Outbox interface {
	Enqueue(ctx context.Context, msgs ...lamplighter.OutMessage) (added int, err error)
}

// enqueue puts reply i of the answer to req in the outbox when it is
// addressed to someone other than the requester (a role change, an approval
// outcome, a cancellation, a notice) and an Outbox is configured. It reports
// whether it did; when the outbox cannot take the message it is sent
// directly instead, so that nothing is lost.
func (t *Telegram) enqueue(ctx context.Context, req lamplighter.Request, i int, r lamplighter.Reply) bool {
	if t.cfg.Outbox == nil || r.ChatID == 0 || r.ChatID == req.ChatID || r.ChatID == req.UserID {
		return false
	}
	if r.File != nil && r.File.Path != "" {
		// A file on this machine's disk (a long notice): another replica
		// draining the outbox could not read it, and its bytes do not
		// belong in Redis, so this process sends it now.
		return false
	}
	m := lamplighter.OutMessage{ID: replyMessageID(req.UpdateID, i), ChatID: r.ChatID, Reply: r, Kind: lamplighter.OutDirect}
	m.Reply.CallbackAnswer, m.Reply.Edit = "", false
	if _, err := t.cfg.Outbox.Enqueue(ctx, m); err != nil {
		t.log.Warn("outbox unavailable; sending directly", "to", r.ChatID, "err", err)
		return false
	}
	return true
}

// replyMessageID names the outbox message for reply i of an update, so that
// an update handled twice queues its messages once; without an update id
// (none in tests and the console) the id is random.
func replyMessageID(updateID int64, i int) string {
	if updateID == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		return "r:" + hex.EncodeToString(b[:]) + ":" + strconv.Itoa(i)
	}
	return "u:" + strconv.FormatInt(updateID, 10) + ":" + strconv.Itoa(i)
}
