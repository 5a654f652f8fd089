package lamplighter

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultQuietHours is LAMPLIGHTER_QUIET_HOURS when unset (SPEC section 4).
const DefaultQuietHours = "21:00-08:00"

// QuietHours is a daily window, in a community's time zone, during which
// scheduled reminders and digests wait. Start and End are minutes after
// midnight; a window with End before Start runs past midnight. The zero
// value (Start == End) is no quiet hours at all.
type QuietHours struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// ParseQuietHours reads "HH:MM-HH:MM" (e.g. "21:00-08:00"); the empty string
// is no quiet hours. Errors are EINVALID.
func ParseQuietHours(s string) (QuietHours, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, Invalid("quiet", "%q is not a window like 21:00-08:00", s)
	}
	a, err := parseClock(from)
	if err != nil {
		return QuietHours{}, Invalid("quiet", "%q: start: %v", s, err)
	}
	b, err := parseClock(to)
	if err != nil {
		return QuietHours{}, Invalid("quiet", "%q: end: %v", s, err)
	}
	if a == b {
		return QuietHours{}, Invalid("quiet", "%q starts and ends at the same time; leave it empty for none", s)
	}
	return QuietHours{Start: a, End: b}, nil
}

// parseClock reads H:MM or HH:MM, 00:00 to 23:59, into minutes.
func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 || len(h) < 1 || len(h) > 2 {
		return 0, fmt.Errorf("%q is not a time like 08:00", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time from 00:00 to 23:59", s)
	}
	return hh*60 + mm, nil
}

// Validate reports whether q's bounds lie within a day.
func (q QuietHours) Validate() error {
	if q.Start < 0 || q.Start >= 24*60 || q.End < 0 || q.End >= 24*60 {
		return Invalid("quiet", "quiet hours must lie between 00:00 and 23:59")
	}
	return nil
}

// None reports whether q holds nothing.
func (q QuietHours) None() bool { return q.Start == q.End }

// String formats q as "21:00-08:00", "" for none.
func (q QuietHours) String() string {
	if q.None() {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.Start/60, q.Start%60, q.End/60, q.End%60)
}

// Until reports whether instant t falls within the quiet hours in loc and,
// if so, the instant they end. Wall-clock times are used, so the window
// keeps its local hours across daylight-saving changes.
func (q QuietHours) Until(t time.Time, loc *time.Location) (time.Time, bool) {
	if q.None() {
		return time.Time{}, false
	}
	l := t.In(loc)
	mins := l.Hour()*60 + l.Minute()
	day := func(offset int) time.Time {
		return time.Date(l.Year(), l.Month(), l.Day()+offset, q.End/60, q.End%60, 0, 0, loc)
	}
	switch {
	case q.Start < q.End: // same day, e.g. 12:00-14:00
		if mins >= q.Start && mins < q.End {
			return day(0), true
		}
	case mins >= q.Start: // e.g. 21:00-08:00, before midnight
		return day(1), true
	case mins < q.End: // after midnight
		return day(0), true
	}
	return time.Time{}, false
}

// MemberStanding is a member with their standing for a year.
type MemberStanding struct {
	Member   Member
	Standing Standing
}

// Digest is what the committee's weekly digest tells.
type Digest struct {
	Community  Community
	Since      time.Time // the start of the period it covers
	Year       int
	NewMembers []Member // joined since Since, still active
	Pending    int      // service records awaiting approval
	Active     int      // active members
	Compliant  int      // of them, compliant this year so far
	Below      int      // of them, below the participation minimum
	// Unreachable are the active members Telegram refuses messages to, or
	// who never opened the bot.
	Unreachable []Member
	// Needs are the year's residents' needs (SPEC section 10), nil when
	// the store keeps none; NewNeeds counts those waiting for the
	// committee now (new, or done and awaiting a decision).
	Needs    *NeedFigures
	NewNeeds int
}
