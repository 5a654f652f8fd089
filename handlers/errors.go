package handlers

import (
	"errors"

	ll "github.com/lamplighter-bot/lamplighter"
)

// This file is the one place where errors become what a user reads. A domain
// error's code (and Detail) picks a catalog message in the user's language;
// the Go error text is never shown. Anything that is not a domain error is
// logged and answered with a short apology.

// fail answers the requester with the message for err. subject, when not
// empty, is the id the request was about ("P3"), named in not-found, full and
// closed answers.
func (c *call) fail(err error, subject string) []ll.Reply {
	return []ll.Reply{{Text: c.errorText(err, subject)}}
}

// toastErr answers a button press that failed: the message as a toast and,
// unless it only says the button is stale or not allowed, as a message too.
func (c *call) toastErr(err error, subject string) []ll.Reply {
	msg := c.errorText(err, subject)
	code := ll.ErrorCode(err)
	if code == ll.ESTALE || code == ll.EFORBIDDEN || code == ll.ENOTMEMBER {
		return []ll.Reply{{CallbackAnswer: truncate(plain(msg), 200)}}
	}
	return []ll.Reply{{Text: msg, CallbackAnswer: truncate(plain(msg), 200)}}
}

// stale answers a button that no longer applies (unknown, forged, expired or
// from a flow that is not the user's current one); nothing changes.
func (c *call) stale() []ll.Reply {
	return c.toastErr(ll.ErrStale, "")
}

// errorText maps err to a message in the user's language.
func (c *call) errorText(err error, subject string) string {
	if errors.Is(err, ll.ErrUnavailable) {
		c.h.log.Warn("storage unavailable", "user", c.req.UserID, "command", c.req.Command, "err", err)
		return c.t("error.unavailable")
	}
	var e *ll.Error
	if !errors.As(err, &e) {
		c.h.log.Error("answer request", "user", c.req.UserID, "command", c.req.Command,
			"callback", c.req.Callback, "err", err)
		return c.t("error.internal")
	}
	if msg, ok := c.needErrorText(e, subject); ok { // needs (needs.go)
		return msg
	}
	if msg, ok := c.scanErrorText(e); ok { // scan check-in (mycode.go)
		return msg
	}
	switch e.Code {
	case ll.ENOTFOUND:
		if e.Detail == ll.ReasonNoPlace {
			return c.t("checkin.no_place")
		}
		if e.Detail == ll.ReasonNotGraded {
			return c.t("eval.not_graded", or(subject, "—"))
		}
		if e.Detail == "claim" { // app.Posts.DecideClaim: decided already, or withdrawn
			return c.t("error.no_claim", or(subject, "—"))
		}
		if subject != "" {
			return c.t("error.not_found_id", subject)
		}
		return c.t("error.not_found")
	case ll.EFORBIDDEN:
		switch e.Detail {
		case ll.ReasonCreator:
			return c.t("checkin.creator", or(subject, "—"), or(subject, "A1"))
		case ll.ReasonSecretaryOnly:
			return c.t("error.forbidden_secretary")
		case ll.ReasonAdminOnly:
			return c.t("error.forbidden_admin")
		case ll.ReasonUseFirst:
			return c.t("error.use_first")
		case ll.ReasonTooManyCodes:
			return c.t("checkin.too_many", ll.MaxWrongCodesPerHour)
		case ll.ReasonSelf:
			return c.t("service.own", or(subject, "—"))
		case ll.ReasonOwnEntry:
			return c.t("error.own_entry")
		case ll.ReasonVoider:
			return c.t("error.voider")
		case ll.ReasonLiaisonOnly:
			return c.t("error.liaison_only")
		}
		return c.t("error.forbidden")
	case ll.EFULL:
		if e.Detail == ll.ReasonActivity { // the store says which object is full
			return c.t("error.full_activity", subject)
		}
		if e.Detail == ll.ReasonTooManyPending {
			return c.t("error.too_many_pending", ll.MaxPendingServices)
		}
		if subject != "" {
			return c.t("error.full_id", subject)
		}
		return c.t("error.full")
	case ll.ECONFLICT:
		switch e.Detail {
		case ll.ReasonAmbiguous:
			return c.t("checkin.ambiguous", or(subject, "—"))
		case ll.ReasonClosed:
			if subject != "" {
				return c.t("error.closed_id", subject)
			}
			return c.t("error.closed")
		case ll.ReasonUsed:
			return c.t("invite.used")
		case ll.ReasonRevoked:
			return c.t("invite.revoked")
		case ll.ReasonRoleRejoin:
			return c.t("invite.role_rejoin")
		case ll.ReasonRegistered:
			return c.t("error.registered")
		case ll.ReasonInactive:
			return c.t("invite.invalid")
		case ll.ReasonCancelled:
			return c.t("error.cancelled", or(subject, "—"))
		case ll.ReasonEnded:
			return c.t("error.ended", or(subject, "—"))
		case ll.ReasonNotOpen:
			return c.t("error.not_open")
		case ll.ReasonDecided:
			return c.t("error.decided", or(subject, "—"))
		case ll.ReasonTooFar:
			return c.t("error.too_far")
		case ll.ReasonCheckedIn:
			return c.t("error.checked_in")
		case ll.ReasonBackdated:
			return c.t("error.backdated")
		case ll.ReasonVoided:
			return c.t("error.voided")
		case ll.ReasonAwaiting:
			return c.t("error.awaiting")
		case ll.ReasonNotPaired:
			return c.t("error.not_paired")
		case ll.ReasonImported:
			return c.t("error.imported")
		case ll.ReasonImportRunning:
			return c.t("error.import_running")
		case ll.ReasonLocationOnly:
			return c.t("error.location_only")
		case ll.ReasonNoOffer: // waitlists (SPEC section 10)
			return c.t("error.no_offer", or(subject, "—"))
		case ll.ReasonNotSignedUp:
			return c.t("error.not_signed_up", or(subject, "—"))
		case ll.ReasonEvalClosed:
			return c.t("eval.closed")
		case ll.ReasonNotInYear:
			return c.t("eval.not_in_year", or(subject, "—"))
		}
		return c.t("error.conflict")
	case ll.EINVALID:
		switch e.Detail {
		case ll.ReasonInaccurate:
			return c.t("error.inaccurate")
		case ll.ReasonJump:
			return c.t("error.location_jump")
		case ll.ReasonNotLive:
			return c.t("checkin.pin")
		case ll.ReasonLocation:
			return c.t("error.no_location")
		case ll.ReasonLocationOnly:
			return c.t("checkin.location_only", or(subject, "—"))
		}
		return c.invalidText(e.Detail)
	case ll.ENOTMEMBER:
		if c.member != nil {
			// The caller is a member; the object of the action is not.
			return c.t("error.not_active")
		}
		return c.t("error.not_member")
	case ll.ESTALE:
		return c.t("error.stale")
	case ll.EUNAVAILABLE:
		return c.t("error.unavailable")
	}
	c.h.log.Error("answer request", "user", c.req.UserID, "command", c.req.Command,
		"callback", c.req.Callback, "err", err)
	return c.t("error.internal")
}

// invalidArgs are the limits named in each field's invalid-input message.
var invalidArgs = map[string][]any{
	"name":        {ll.MaxNameLen},
	"unit":        {ll.MaxUnitLen},
	"building":    {ll.MaxBuildingLen},
	"skills":      {ll.MaxSkills, ll.MaxSkillLen},
	"title":       {ll.MaxTitleLen},
	"description": {ll.MaxDescriptionLen},
	"capacity":    {ll.MaxCapacity},
	"place":       {ll.MaxTitleLen},
	"time":        {ll.MaxTitleLen},
	"target":      {ll.MaxTitleLen},
	"id":          {ll.MaxCommunityIDLength},
	"text":        {ll.MaxDescriptionLen},
	"reason":      {maxReasonLen},
	"note":        {maxReasonLen},
	"date":        {ll.MaxServiceBackdate},
	"radius":      {minRadius, maxRadius},
	"short_name":  {ll.MaxUnitShortLen},
	"comment":     {ll.MaxGradeComment},
}

// invalidFields are the fields with a message of their own.
var invalidFields = []string{
	"name", "unit", "building", "skills", "title", "description", "mode", "capacity",
	"place", "time", "target", "role", "id", "timezone", "language", "minimum",
	"postminimum", "member", "post", "team", "notice", "count", "search", "field", "status",
	"activity", "service", "ref", "start", "duration", "date", "year", "text", "reason", "note",
	"radius", "location", "code", "activity_field",
	"checkin",
	"short_name", "liaison", "grade", "comment", "evalfrom", "unit_id",
}

// invalidText names what is wrong with an input field.
func (c *call) invalidText(field string) string {
	for _, f := range invalidFields {
		if f == field {
			return c.t("invalid."+field, invalidArgs[field]...)
		}
	}
	return c.t("invalid.generic")
}
