package scheduler

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	ll "github.com/lamplighter-bot/lamplighter"
)

// The schedules' variables and their defaults (SPEC section 4).
const (
	EnvBelowMinimum      = "LAMPLIGHTER_CRON_BELOW_MINIMUM"
	EnvNoPost            = "LAMPLIGHTER_CRON_NO_POST"
	EnvDigest            = "LAMPLIGHTER_CRON_DIGEST"
	EnvEscalation        = "LAMPLIGHTER_CRON_ESCALATION"
	EnvActivityReminders = "LAMPLIGHTER_ACTIVITY_REMINDERS"
	EnvQuietHours        = "LAMPLIGHTER_QUIET_HOURS"

	DefaultBelowMinimum      = "0 10 1 3-9 *;0 10 * 10-12 1" // the 1st of March-September, then every Monday
	DefaultNoPost            = "0 10 * * 3"
	DefaultDigest            = "0 9 * * 1"
	DefaultEscalation        = "0 9 * 12 1"
	DefaultActivityReminders = "24h,1h"
)

// maxOffset bounds an activity reminder's offset before the start.
const maxOffset = 30 * 24 * time.Hour

// Spec is one parsed schedule: robfig/cron's five standard fields or an
// @daily-style descriptor, evaluated in its CRON_TZ= zone when it has one,
// otherwise in each community's zone.
type Spec struct {
	text  string
	sched *cron.SpecSchedule // fields only; Location is UTC, see Next
	zone  *time.Location     // from CRON_TZ= or TZ=, nil for the community's
}

// ParseSpec parses one schedule. It never panics: robfig/cron v3.0.1 panics
// on some malformed zone prefixes ("TZ=0", "CRON_TZ=" without a space), which
// are checked here first, and any other panic of the parser is recovered.
// "@every" is refused: a reminder run is identified by its scheduled time,
// which needs fixed times of day.
func ParseSpec(s string) (Spec, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return Spec{}, fmt.Errorf("empty schedule")
	}
	spec := Spec{text: text}
	rest := text
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		if !strings.HasPrefix(rest, prefix) {
			continue
		}
		zone, fields, ok := strings.Cut(rest[len(prefix):], " ")
		if !ok || strings.TrimSpace(fields) == "" || zone == "" {
			return Spec{}, fmt.Errorf("%q: %s needs a zone, a space and a schedule, e.g. %sAsia/Shanghai 0 10 * * 1", text, prefix, prefix)
		}
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "Local" {
			return Spec{}, fmt.Errorf("%q: unknown time zone %q", text, zone)
		}
		spec.zone, rest = loc, strings.TrimSpace(fields)
		break
	}
	if strings.HasPrefix(rest, "@every") {
		return Spec{}, fmt.Errorf("%q: @every is not supported; give times of day, e.g. 0 10 * * 1", text)
	}
	parsed, err := parseStandard(rest)
	if err != nil {
		return Spec{}, fmt.Errorf("%q: %v", text, err)
	}
	ss, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return Spec{}, fmt.Errorf("%q: not a calendar schedule", text)
	}
	fields := *ss
	fields.Location = time.UTC
	spec.sched = &fields
	if spec.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC).IsZero() {
		return Spec{}, fmt.Errorf("%q never fires", text)
	}
	return spec, nil
}

// parseStandard is cron.ParseStandard with its panics turned into errors.
func parseStandard(s string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("malformed schedule")
		}
	}()
	return cron.ParseStandard(s)
}

// String is the schedule as written.
func (s Spec) String() string { return s.text }

// Zone is the spec's own zone (CRON_TZ=), nil when it follows the
// community's.
func (s Spec) Zone() *time.Location { return s.zone }

// Next returns the first scheduled time strictly after after, evaluated in
// the spec's own zone or else in zone; the zero time if there is none within
// five years.
//
// The fields are matched against wall-clock time, so a daily 10:00 stays at
// 10:00 across daylight-saving changes; a time that the clock skips (02:30 on
// the spring-forward night) runs at the wall time Go maps it to (03:30) rather
// than not at all, and a time that occurs twice (01:30 on the fall-back
// night) runs once, the first time.
func (s Spec) Next(after time.Time, zone *time.Location) time.Time {
	loc := zone
	if s.zone != nil {
		loc = s.zone
	}
	if loc == nil {
		loc = time.UTC
	}
	l := after.In(loc)
	wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	for range 4 {
		n := s.sched.Next(wall)
		if n.IsZero() {
			return time.Time{}
		}
		t := time.Date(n.Year(), n.Month(), n.Day(), n.Hour(), n.Minute(), n.Second(), 0, loc)
		if t.Hour() != n.Hour() || t.Minute() != n.Minute() {
			// The clock skips this time: read it with the offset in force
			// before the change, which lands as late after the change
			// (02:30 EST is 03:30 EDT).
			_, before := t.Add(-6 * time.Hour).Zone()
			t = n.Add(-time.Duration(before) * time.Second).In(loc)
		}
		if t.After(after) {
			return t
		}
		wall = n
	}
	return time.Time{}
}

// Latest returns the last scheduled time in (since, until], if any.
func (s Spec) Latest(since, until time.Time, zone *time.Location) (time.Time, bool) {
	var last time.Time
	for t := s.Next(since, zone); !t.IsZero() && !t.After(until); t = s.Next(t, zone) {
		last = t
	}
	return last, !last.IsZero()
}

// bothDays reports whether the spec restricts both the day of the month and
// the day of the week, which cron ORs ("0 10 1 * 1" is the 1st or any Monday).
func (s Spec) bothDays() bool {
	const star = 1 << 63
	return s.sched.Dom&star == 0 && s.sched.Dow&star == 0
}

// ParseSpecs parses a ;-separated list of schedules. The empty string is no
// schedule at all (the reminder is off).
func ParseSpecs(list string) ([]Spec, error) {
	var out []Spec
	for _, part := range strings.Split(list, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		s, err := ParseSpec(part)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ParseOffsets parses activity reminder offsets before the start, such as
// "24h,1h" or "2h30m"; the empty string is none. Each must be a positive
// duration of at most 30 days; they come back longest first, without
// duplicates.
func ParseOffsets(list string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		d, err := time.ParseDuration(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration like 24h or 90m", part)
		}
		if d <= 0 || d > maxOffset {
			return nil, fmt.Errorf("%q must be more than 0 and at most 720h", part)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return int((b - a) / time.Second) })
	return out, nil
}

// Schedules are the reminders' schedules, from the environment.
type Schedules struct {
	BelowMinimum []Spec
	NoPost       []Spec
	Digest       []Spec
	Escalation   []Spec
	// ActivityOffsets are how long before an activity's start its reminders
	// go, longest first.
	ActivityOffsets []time.Duration
	// Quiet holds scheduled reminders and digests, in each community's zone.
	Quiet ll.QuietHours
}

// specs returns the schedules of a cron job.
func (s Schedules) specs(job string) []Spec {
	switch job {
	case ll.OutBelowMinimum:
		return s.BelowMinimum
	case ll.OutNoPost:
		return s.NoPost
	case ll.OutDigest:
		return s.Digest
	case ll.OutEscalation:
		return s.Escalation
	}
	return nil
}

// ConfigError is a bad value of one of the scheduler's variables.
type ConfigError struct {
	Variable string // e.g. LAMPLIGHTER_CRON_DIGEST
	Err      error
}

// Error names the variable, then what is wrong with its value.
func (e *ConfigError) Error() string { return e.Variable + ": " + e.Err.Error() }

// Unwrap returns what is wrong with the value.
func (e *ConfigError) Unwrap() error { return e.Err }

// LoadSchedules reads the schedules from lookup (os.LookupEnv, or the
// configuration's): an unset variable takes its default, a variable set to
// the empty string turns its reminder (or the quiet hours) off. A bad value
// is a *ConfigError naming the variable. Warnings describes specs that are
// valid but probably not meant (day of month and day of week both given).
func LoadSchedules(lookup func(string) (string, bool)) (s Schedules, warnings []string, err error) {
	get := func(env, def string) string {
		if v, ok := lookup(env); ok {
			return v
		}
		return def
	}
	for _, j := range []struct {
		env, def string
		dst      *[]Spec
	}{
		{EnvBelowMinimum, DefaultBelowMinimum, &s.BelowMinimum},
		{EnvNoPost, DefaultNoPost, &s.NoPost},
		{EnvDigest, DefaultDigest, &s.Digest},
		{EnvEscalation, DefaultEscalation, &s.Escalation},
	} {
		specs, err := ParseSpecs(get(j.env, j.def))
		if err != nil {
			return Schedules{}, nil, &ConfigError{Variable: j.env, Err: err}
		}
		for _, sp := range specs {
			if sp.bothDays() {
				warnings = append(warnings, fmt.Sprintf("%s: %q runs on the day of the month OR the day of the week (cron's rule); write two specs separated by ; for AND", j.env, sp.text))
			}
		}
		*j.dst = specs
	}
	if s.ActivityOffsets, err = ParseOffsets(get(EnvActivityReminders, DefaultActivityReminders)); err != nil {
		return Schedules{}, nil, &ConfigError{Variable: EnvActivityReminders, Err: err}
	}
	if s.Quiet, err = ll.ParseQuietHours(get(EnvQuietHours, ll.DefaultQuietHours)); err != nil {
		var de *ll.Error
		if errors.As(err, &de) {
			err = fmt.Errorf("%s", de.Message)
		}
		return Schedules{}, nil, &ConfigError{Variable: EnvQuietHours, Err: err}
	}
	return s, warnings, nil
}

// DefaultSchedules are the schedules with every variable unset.
func DefaultSchedules() Schedules {
	s, _, err := LoadSchedules(func(string) (string, bool) { return "", false })
	if err != nil {
		panic("scheduler: bad default schedules: " + err.Error())
	}
	return s
}
