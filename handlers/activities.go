package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/app"
)

// Activities (SPEC sections 2 and 3): the committee creates them in one
// line or guided, edits and cancels them (those signed up are told), and
// gets each one's check-in code, its deep link and a QR code of the link.
// Sign-ups are in signups.go, the guided flows in activityflow.go and
// check-in in checkin.go.

// The limits on activities are rules of package app; the messages name them.
const (
	minRadius    = app.MinRadius // meters
	maxRadius    = app.MaxRadius
	maxReasonLen = app.MaxReasonLen // a cancel, reject or void reason, an /attend note
	qrSize       = 512              // pixels
)

// startLayouts are the accepted ways to write an activity's start.
var startLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:4", "2006-1-2 15:04", "2006-1-2 15:4"}

// parseStart reads "YYYY-MM-DD HH:MM" in loc; "/" or "." may separate the
// date, "：" or "." the time, and "T" the two.
func parseStart(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("：", ":", "/", "-", "T", " ", "\u3000", " ").Replace(s)
	if date, clock, ok := strings.Cut(s, " "); ok {
		date = strings.ReplaceAll(date, ".", "-")
		clock = strings.ReplaceAll(strings.TrimSpace(clock), ".", ":")
		s = date + " " + clock
	}
	for _, layout := range startLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ll.Invalid("start", "not a date and time")
}

// parseDuration reads "2h", "90m", "1h30m", "1.5h", also with 小时 and 分钟,
// in whole minutes from 1 minute to 7 days.
func parseDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("小时", "h", "个钟头", "h", "钟头", "h", "分钟", "m", "分", "m", " ", "", "hours", "h", "hour", "h",
		"hrs", "h", "hr", "h", "minutes", "m", "minute", "m", "mins", "m", "min", "m").Replace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, ll.Invalid("duration", "not a duration")
	}
	if err := app.CheckDuration(d); err != nil {
		return 0, err
	}
	return d, nil
}

// formatDuration writes d as 2h, 90m or 1h30m.
func formatDuration(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return strconv.Itoa(m) + "m"
	case m == 0:
		return strconv.Itoa(h) + "h"
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// parseRadius reads a check-in radius in meters; "-" is the default.
func parseRadius(s string) (int, error) {
	s = strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "m"), "米")
	if s == "-" || s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n == 0 {
		return 0, ll.Invalid("radius", "not a radius")
	}
	if err := app.CheckRadius(n); err != nil {
		return 0, err
	}
	return n, nil
}

// parsePoint reads "lat,lon" (also with "，" or a space).
func parsePoint(s string) (ll.GeoPoint, error) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || isSpace(r) })
	if len(f) != 2 {
		return ll.GeoPoint{}, ll.Invalid("location", "not lat,lon")
	}
	lat, err1 := strconv.ParseFloat(f[0], 64)
	lon, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return ll.GeoPoint{}, ll.Invalid("location", "not lat,lon")
	}
	return ll.GeoPoint{Latitude: lat, Longitude: lon}, nil
}

// whenText is an activity's time in the community's zone:
// "2026-03-05 09:00–11:00", or both dates when it ends on another day.
func whenText(a ll.Activity, loc *time.Location) string {
	s, e := a.Start.In(loc), a.End.In(loc)
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		return s.Format("2006-01-02 15:04") + "–" + e.Format("15:04")
	}
	return s.Format("2006-01-02 15:04") + " – " + e.Format("2006-01-02 15:04")
}

// windowText is when check-in to a opens and closes, in loc.
func windowText(a ll.Activity, loc *time.Location) string {
	opens, closes := a.CheckInWindow()
	return whenText(ll.Activity{Start: opens, End: closes}, loc)
}

// checkInLink is the deep link that checks in with code, or the /checkin
// command when the bot's username is unknown. It is plain text.
func (c *call) checkInLink(code string) string {
	if c.h.cfg.BotUsername == "" {
		return "/checkin " + code
	}
	return fmt.Sprintf("https://t.me/%s?start=ci_%s", c.h.cfg.BotUsername, code)
}

// signupsText is "3/10", or "3" with no limit.
func (c *call) signupsText(a ll.Activity) string {
	if a.Capacity == 0 {
		return c.t("activity.signups_unlimited", a.Signups)
	}
	return c.t("activity.signups", a.Signups, a.Capacity)
}

// activityFull reports whether a has no room for another sign-up.
func activityFull(a ll.Activity) bool { return a.Capacity > 0 && a.Signups >= a.Capacity }

// activityLine is an activity in a list: id, title, time, place, sign-ups.
func (c *call) activityLine(a ll.Activity, loc *time.Location) string {
	line := "<b>" + a.ID + "</b> " + escape(truncate(a.Title, 80)) + "\n🕘 " + whenText(a, loc)
	if a.Place != "" {
		line += " · 📍 " + escape(truncate(a.Place, 60))
	}
	line += " · " + c.signupsText(a)
	if a.Cancelled {
		line += " · " + c.t("activity.cancelled")
	}
	return line
}

// activityCard is an activity with all its details. The committee's view
// adds the check-in window, location and mode, and for a static code the
// code and link (a rotating code is shown only by /present).
func (c *call) activityCard(a ll.Activity, comm ll.Community, forCommittee bool) (string, error) {
	loc := comm.Location()
	var b strings.Builder
	b.WriteString("<b>" + a.ID + "</b> " + escape(a.Title))
	b.WriteString("\n🕘 " + whenText(a, loc) + " (" + formatDuration(a.End.Sub(a.Start)) + ")")
	if a.Place != "" {
		b.WriteString("\n📍 " + escape(a.Place))
	}
	b.WriteString("\n" + c.t("activity.capacity", rawHTML(c.signupsText(a))))
	if a.Team != "" {
		name := a.Team
		if t, err := c.h.app.Lookups.Team(c.ctx, comm.ID, a.Team); err == nil {
			name = t.ID + " " + t.Name
		} else if !errors.Is(err, ll.ErrNotFound) {
			return "", fmt.Errorf("team %s/%s: %w", comm.ID, a.Team, err)
		}
		b.WriteString("\n" + c.t("activity.team", name))
	}
	if a.Cancelled {
		b.WriteString("\n" + c.t("activity.cancelled_reason", or(a.CancelReason, "—")))
	}
	if !forCommittee {
		return b.String(), nil
	}
	b.WriteString("\n" + c.t("activity.window", windowText(a, loc)))
	if a.Location != nil {
		b.WriteString("\n" + c.t("activity.location", a.Location.Latitude, a.Location.Longitude, int(a.Radius())))
	} else {
		b.WriteString("\n" + c.t("activity.no_location", a.ID))
	}
	switch a.CheckInMode() {
	case ll.CheckInRotating:
		b.WriteString("\n" + c.t("activity.checkin_rotating", a.ID))
	case ll.CheckInLocation:
		b.WriteString("\n" + c.t("activity.checkin_location", a.ID))
	default:
		b.WriteString("\n" + c.t("activity.checkin_static", a.ID))
		b.WriteString("\n" + c.t("activity.code", a.Code, c.checkInLink(a.Code)))
	}
	return b.String(), nil
}

// activityArg reads an activity id argument.
func activityArg(s string) (string, error) {
	id := ll.NormalizeID('A', s)
	if id == "" {
		return "", ll.Invalid("activity", "not an activity id")
	}
	return id, nil
}

// newActivity creates an activity from
// "<title> | <YYYY-MM-DD HH:MM> | <duration> | <place> | <capacity>";
// without arguments it starts the guided flow.
func (c *call) newActivity() []ll.Reply {
	if c.req.Args == "" {
		return c.startNewActivityFlow()
	}
	sc := c.scope
	parts := strings.Split(c.req.Args, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if len(parts) < 3 || len(parts) > 5 {
		return c.usage("newactivity")
	}
	a := app.NewActivity{Title: parts[0]}
	start, err := parseStart(parts[1], sc.Community.Location())
	if err != nil {
		return c.fail(err, "")
	}
	if err := app.CheckStart(start, c.now); err != nil {
		return c.fail(err, "")
	}
	d, err := parseDuration(parts[2])
	if err != nil {
		return c.fail(err, "")
	}
	a.Start, a.Duration = start, d
	if len(parts) > 3 {
		a.Place = parts[3]
	}
	if len(parts) > 4 && parts[4] != "" {
		n, ok := parseCapacity(parts[4])
		if !ok {
			return c.fail(ll.Invalid("capacity", "not a number"), "")
		}
		a.Capacity = n
	}
	return c.createActivity(a)
}

// createActivity creates a new activity (app.Activities.Create) and answers
// with its card and a QR code of its check-in link. The same activity created
// again by the same person within a few minutes (a double tap, a resent
// message) is shown rather than created twice.
func (c *call) createActivity(in app.NewActivity) []ll.Reply {
	sc := c.scope
	a, existed, err := c.h.app.Activities.Create(c.ctx, sc, in)
	if err != nil {
		return c.fail(err, "")
	}
	if existed {
		return c.activityCreated(a, sc.Community, "activity.exists")
	}
	return c.activityCreated(a, sc.Community, "activity.created")
}

// activityCreated is the answer to a new activity: its card, then, for a
// static code, the QR code of its check-in link as a photo (when the bot's
// username is known, so that there is a link a phone's camera can open). A
// rotating code's card says how to present it instead.
func (c *call) activityCreated(a ll.Activity, comm ll.Community, msg string) []ll.Reply {
	card, err := c.activityCard(a, comm, true)
	if err != nil {
		return c.fail(err, "")
	}
	rs := []ll.Reply{{Text: c.t(msg, a.ID) + "\n\n" + card, RemoveKeyboard: c.req.Private}}
	return append(rs, c.staticQR(a)...)
}

// staticQR is the QR code of a static-code activity's check-in link as a
// photo to print, when the bot's username is known; nothing for a rotating
// or location-only activity.
func (c *call) staticQR(a ll.Activity) []ll.Reply {
	if c.h.cfg.BotUsername == "" || a.CheckInMode() != ll.CheckInStatic {
		return nil
	}
	png, err := c.h.render.QRCodePNG(c.checkInLink(a.Code), qrSize)
	if err != nil {
		c.h.log.Error("check-in QR code", "activity", a.ID, "err", err)
		return nil
	}
	return []ll.Reply{{
		Text: c.t("activity.qr_caption", a.ID, truncate(a.Title, 60), a.Code),
		File: &ll.File{Name: "checkin-" + a.ID + ".png", MIME: "image/png", Data: png, Photo: true},
	}}
}

// activityFields maps what a committee member may type for a field of
// /editactivity to the field.
var activityFields = map[string]string{
	"title": app.ActivityTitle, "标题": app.ActivityTitle, "名称": app.ActivityTitle,
	"place": app.ActivityPlace, "地点": app.ActivityPlace,
	"start": app.ActivityStart, "time": app.ActivityStart, "开始": app.ActivityStart, "时间": app.ActivityStart,
	"duration": app.ActivityDuration, "时长": app.ActivityDuration,
	"capacity": app.ActivityCapacity, "名额": app.ActivityCapacity,
	"radius": app.ActivityRadius, "半径": app.ActivityRadius,
	"team": app.ActivityTeam, "服务队": app.ActivityTeam,
	"location": app.ActivityLocation, "loc": app.ActivityLocation, "位置": app.ActivityLocation, "定位": app.ActivityLocation,
	"checkin": app.ActivityCheckIn, "签到": app.ActivityCheckIn, "签到方式": app.ActivityCheckIn,
}

// checkInModes maps what a committee member may type for the check-in mode.
var checkInModes = map[string]string{
	"rotating": ll.CheckInRotating, "动态": ll.CheckInRotating, "动态码": ll.CheckInRotating,
	"static": ll.CheckInStatic, "固定": ll.CheckInStatic, "固定码": ll.CheckInStatic,
	"location": ll.CheckInLocation, "位置": ll.CheckInLocation,
}

// activityChange reads one field of /editactivity from typed text: the
// field's name and the change; "-" clears place, team and location and
// resets the radius. The rules (ranges, the sign-ups a capacity must hold,
// the team) are app.Activities.Edit's.
func (c *call) activityChange(typed, value string) (app.ActivityChange, error) {
	field, ok := activityFields[typed]
	if !ok {
		return app.ActivityChange{}, ll.Invalid("activity_field", "unknown field")
	}
	ch := app.ActivityChange{Field: field, Typed: value}
	switch field {
	case app.ActivityTitle:
		ch.Text = value
	case app.ActivityPlace:
		ch.Text = value
		if value == "-" {
			ch.Text = ""
		}
	case app.ActivityStart:
		start, err := parseStart(value, c.scope.Community.Location())
		if err != nil {
			return ch, err
		}
		ch.Start = start
	case app.ActivityDuration:
		d, err := parseDuration(value)
		if err != nil {
			return ch, err
		}
		ch.Duration = d
	case app.ActivityCapacity:
		n, ok := parseCapacity(value)
		if !ok {
			return ch, ll.Invalid("capacity", "not a number")
		}
		ch.Number = n
	case app.ActivityRadius:
		n, err := parseRadius(value)
		if err != nil {
			return ch, err
		}
		ch.Number = n
	case app.ActivityTeam:
		if value == "-" {
			break
		}
		ch.Text = value
		if tid := ll.NormalizeID('T', value); tid != "" {
			ch.Text = tid
		}
	case app.ActivityLocation:
		if value == "-" {
			break
		}
		p, err := parsePoint(value)
		if err != nil {
			return ch, err
		}
		ch.Location = &p
	case app.ActivityCheckIn:
		mode, ok := checkInModes[strings.ToLower(strings.TrimSpace(value))]
		if !ok {
			return ch, ll.Invalid("checkin", "not a check-in mode")
		}
		ch.Text = mode
	}
	return ch, nil
}

// editActivity changes one field of an activity. Those signed up are told
// of a new title, place or time. "location" without a value asks for the
// location in a one-step flow.
func (c *call) editActivity() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 3)
	if len(args) < 2 {
		return c.usage("editactivity")
	}
	id, err := activityArg(args[0])
	if err != nil {
		return c.fail(err, "")
	}
	field, value := strings.ToLower(args[1]), ""
	if len(args) > 2 {
		value = args[2]
	}
	a, err := c.h.app.Activities.Editable(c.ctx, sc, id)
	if err != nil {
		return c.fail(err, id)
	}
	if activityFields[field] == app.ActivityLocation && value == "" {
		return c.startActivityLocationFlow(a)
	}
	if value == "" {
		return c.usage("editactivity")
	}
	ch, err := c.activityChange(field, value)
	if err != nil {
		return c.fail(err, "")
	}
	a, err = c.h.app.Activities.Edit(c.ctx, sc, id, ch)
	var below *app.BelowSignUpsError
	switch {
	case errors.As(err, &below):
		return c.say("activity.capacity_below", below.Activity, below.SignUps)
	case err != nil && ch.Field == app.ActivityTeam && ll.ErrorCode(err) != ll.ECONFLICT:
		return c.fail(err, ll.NormalizeID('T', value))
	case err != nil && ll.ErrorCode(err) == ll.EINVALID:
		return c.fail(err, "")
	case err != nil:
		return c.fail(err, id)
	}
	tell := ch.Field == app.ActivityTitle || ch.Field == app.ActivityPlace || ch.Field == app.ActivityStart || ch.Field == app.ActivityDuration
	card, err := c.activityCard(a, sc.Community, true)
	if err != nil {
		return c.fail(err, "")
	}
	rs := text(c.t("activity.saved", a.ID) + "\n\n" + card)
	if ch.Field == app.ActivityCheckIn {
		rs = append(rs, c.staticQR(a)...) // a static code's poster to print
	}
	if tell {
		loc := sc.Community.Location()
		told, err := c.tellSignedUp(a, sc.Community, func(lang string) string {
			return tr(lang, "activity.changed_told", a.ID, a.Title, whenText(a, loc), or(a.Place, "—"))
		})
		if err != nil {
			c.h.log.Warn("tell those signed up of a change", "activity", a.ID, "err", err)
		}
		if len(told) > 0 {
			rs[0].Text += "\n\n" + c.t("activity.told", len(told))
			rs = append(rs, told...)
		}
	}
	return rs
}

// tellSignedUp is a message to each member signed up for a (but the caller),
// in their language.
func (c *call) tellSignedUp(a ll.Activity, comm ll.Community, msg func(lang string) string) ([]ll.Reply, error) {
	ids, err := c.h.app.Activities.SignedUp(c.ctx, c.scope, a.ID)
	if err != nil {
		return nil, fmt.Errorf("signed up for %s/%s: %w", comm.ID, a.ID, err)
	}
	return c.tellMembers(comm, ids, msg)
}

// tellMembers is a message to each of the members ids who has a Telegram id
// (but the caller), in their language.
func (c *call) tellMembers(comm ll.Community, ids []string, msg func(lang string) string) ([]ll.Reply, error) {
	var out []ll.Reply
	sc, err := c.committee()
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		m, err := c.h.app.Lookups.Member(c.ctx, sc, id)
		if errors.Is(err, ll.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("member %s/%s: %w", comm.ID, id, err)
		}
		if m.TelegramID == 0 || m.TelegramID == c.req.UserID || !m.Active() {
			continue
		}
		lang := memberLanguage(m, comm, c.h.cfg.DefaultLanguage)
		out = append(out, ll.Reply{ChatID: m.TelegramID, ToLabel: toLabel(m), Text: msg(lang)})
	}
	return out, nil
}

// cancelActivity cancels an activity; those signed up are told, once.
func (c *call) cancelActivity() []ll.Reply {
	sc := c.scope
	args := splitArgs(c.req.Args, 2)
	id, err := activityArg(args[0])
	if err != nil {
		return c.fail(err, "")
	}
	reason := ""
	if len(args) > 1 {
		reason = args[1]
	}
	waiting := c.waitingFor(id) // read before the cancellation clears the waitlist (SPEC section 10)
	a, signedUp, changed, err := c.h.app.Activities.Cancel(c.ctx, sc, id, reason)
	if ll.ErrorCode(err) == ll.EINVALID {
		return c.fail(err, "")
	}
	if err != nil {
		return c.fail(err, id)
	}
	if !changed {
		return c.say("activity.already_cancelled", a.ID, a.Title)
	}
	loc := sc.Community.Location()
	told, err := c.tellMembers(sc.Community, signedUp, func(lang string) string {
		msg := tr(lang, "activity.cancel_told", a.ID, a.Title, whenText(a, loc))
		if reason != "" {
			msg += "\n" + tr(lang, "activity.reason", reason)
		}
		return msg
	})
	if err != nil {
		c.h.log.Warn("tell those signed up of a cancellation", "activity", a.ID, "err", err)
	}
	rs := c.say("activity.cancelled_done", a.ID, a.Title, len(told))
	rs = append(rs, told...)
	return append(rs, c.tellWaiting(a, waiting, reason)...)
}
