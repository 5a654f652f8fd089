package storage

import (
	"fmt"

	ll "github.com/lamplighter-bot/lamplighter"
)

// scriptReasons maps each reason a script answers with a refusal
// ({'conflict', reason}, {'forbidden', reason}, {'invalid', reason}) to the
// domain's Reason constant. A reason missing here is a bug in this package,
// answered as an internal error, never passed on as text: front ends decide
// on the constants alone. reasons_internal_test.go checks that every reason
// the scripts can answer is here.
var scriptReasons = map[string]string{
	"cancelled":   ll.ReasonCancelled,
	"decided":     ll.ReasonDecided,
	"ended":       ll.ReasonEnded,
	"inactive":    ll.ReasonInactive,
	"not_open":    ll.ReasonNotOpen,
	"registered":  ll.ReasonRegistered,
	"used":        ll.ReasonUsed,
	"self":        ll.ReasonSelf,
	"location":    ll.ReasonLocation,
	"creator":     ll.ReasonCreator,
	"loc_only":    ll.ReasonLocationOnly,
	"checked_in":  ll.ReasonCheckedIn,
	"voided":      ll.ReasonVoided,
	"voider":      ll.ReasonVoider,
	"not_paired":  ll.ReasonNotPaired,
	"awaiting":    ll.ReasonAwaiting,
	"revoked":     ll.ReasonRevoked,
	"role_rejoin": ll.ReasonRoleRejoin,
	// waitlists (SPEC section 10)
	"no_offer":      ll.ReasonNoOffer,
	"not_signed_up": ll.ReasonNotSignedUp,
	// needs (needs.go)
	"need_state":   ll.ReasonNeedState,
	"need_helpers": ll.ReasonNeedHelpers,
	"need_taken":   ll.ReasonNeedTaken,
	"not_taker":    ll.ReasonNotTaker,
	"not_asker":    ll.ReasonNotAsker,
}

// refusal is the domain error of a script's refusal: code, with the
// script's reason as its Reason (Detail); an unknown reason is an internal
// error naming op.
func refusal(op, code, reason, msg string) error {
	r, ok := scriptReasons[reason]
	if !ok {
		return fmt.Errorf("%s: script refused with unknown reason %q", op, reason)
	}
	if msg == "" {
		msg = r
	}
	return &ll.Error{Code: code, Message: msg, Detail: r}
}
