package app

import (
	"context"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// SettingsStore is what Settings writes.
type SettingsStore interface {
	// SaveCommunity replaces a community's settings and writes audit in the
	// same step; ErrNotFound if it does not exist.
	SaveCommunity(ctx context.Context, c ll.Community, audit *ll.AuditEntry) error
}

// Settings changes a community's settings: the committee's /settings, the
// notice chat and (later) the web app's settings page.
type Settings struct {
	store SettingsStore
}

// The settings Set knows, by the names the committee types.
const (
	SettingMinimum     = "minimum"
	SettingPostMinimum = "postminimum"
	SettingTimeZone    = "timezone"
	SettingLanguage    = "language"
	SettingNotice      = "notice"
	SettingEvalFrom    = "evalfrom" // the day the year-end evaluation opens (SPEC section 11)
)

// settingAliases maps what a person may type to a setting's name.
var settingAliases = map[string]string{
	"minimum": SettingMinimum, "postminimum": SettingPostMinimum,
	"post-minimum": SettingPostMinimum, "post_minimum": SettingPostMinimum,
	"timezone": SettingTimeZone, "tz": SettingTimeZone,
	"language": SettingLanguage, "lang": SettingLanguage,
	"notice": SettingNotice,
}

// SettingName returns the setting a typed key names, false for none.
func SettingName(key string) (string, bool) {
	name, ok := settingAliases[strings.ToLower(strings.TrimSpace(key))]
	return name, ok
}

// Set changes one setting of the scope's community to value and returns the
// community as saved. value is what the person typed: a number for the
// minimums, a zone name, zh or en, a chat id (or off) for the notice chat.
//
// The minimums change the count, so they are the secretary's and an
// admin's only (EFORBIDDEN ReasonSecretaryOnly for anyone else on the
// committee) and belong to the year (SPEC section 9): the new value applies
// from the current year in the community's zone on, every earlier year
// keeps the value it had (Community.SetMinimums), and the audit entry says
// from which year: "settings minimum <value> from <year>".
//
// Errors: EINVALID for an unknown setting (Field "setting") or a bad value
// (Field the setting's name); the store's errors. The change is audited as
// "settings <name> <value>".
func (s *Settings) Set(ctx context.Context, sc *Scope, key, value string) (ll.Community, error) {
	name, ok := SettingName(key)
	if !ok {
		return ll.Community{}, ll.Invalid("setting", "unknown key %q (minimum, postminimum, timezone, language, notice)", key)
	}
	comm := sc.Community
	value = strings.TrimSpace(value)
	detail := value
	switch name {
	case SettingMinimum, SettingPostMinimum:
		if !sc.CanAppoint() {
			return ll.Community{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
		}
		n, err := strconv.Atoi(value)
		if err != nil {
			return ll.Community{}, ll.Invalid(name, "%q is not a whole number", value)
		}
		year := sc.Now.In(comm.Location()).Year()
		mins := comm.MinimumsFor(year)
		if name == SettingMinimum {
			mins.Minimum = n
		} else {
			mins.PostMinimum = n
		}
		comm.SetMinimums(year, mins)
		detail = strconv.Itoa(n) + " from " + strconv.Itoa(year)
	case SettingTimeZone:
		if strings.EqualFold(value, "Local") {
			// time.LoadLocation accepts it, but it means the server's zone.
			return ll.Community{}, ll.Invalid(name, "not a zone name")
		}
		comm.TimeZone = value
	case SettingLanguage:
		comm.Language = strings.ToLower(value)
	case SettingNotice:
		chat, ok := ParseChatID(value)
		if !ok {
			return ll.Community{}, ll.Invalid(name, "%q is not a Telegram chat id (e.g. -1001234567890) or none", value)
		}
		comm.NoticeChat = chat
	case SettingEvalFrom:
		// The evaluation's opening decides when grading starts: the
		// secretary's and an admin's, like the grades themselves.
		if !sc.CanAppoint() {
			return ll.Community{}, ll.Refuse(ll.EFORBIDDEN, ll.ReasonSecretaryOnly)
		}
		d, err := ll.ParseEvalFrom(value)
		if err != nil {
			return ll.Community{}, err
		}
		comm.EvalFrom = d
	}
	if err := comm.Validate(); err != nil {
		return ll.Community{}, err
	}
	if err := s.store.SaveCommunity(ctx, comm, sc.Audit("settings", name, detail)); err != nil {
		return ll.Community{}, err
	}
	sc.Community = comm
	return comm, nil
}

// ParseChatID accepts a Telegram chat id, or off/none/0/"" (and 无, 关闭) for
// no chat (0, true).
func ParseChatID(s string) (int64, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none", "0", "", "无", "关闭":
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return n, true
}
