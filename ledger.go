package lamplighter

import (
	"math"
	"sort"
	"time"
)

// Check-in rules (SPEC section 2).
const (
	CheckInOpensBefore   = 30 * time.Minute // a check-in is valid from this long before start
	CheckInClosesAfter   = 2 * time.Hour    // until this long after end
	DefaultRadiusMeters  = 200
	MaxWrongCodesPerHour = 5
	MaxServiceBackdate   = 30 // days a service date may lie in the past
)

// Participation methods (SPEC section 9): how strongly a participation
// was verified.
const (
	MethodRotating  = "rotating"  // a rotating code read at the activity (30–60 s valid)
	MethodCode      = "code"      // a static code (printed posters; can be forwarded)
	MethodLocation  = "location"  // a live location within the radius
	MethodScan      = "scan"      // the organizer scanned the member's personal QR
	MethodApproval  = "approval"  // a service record approved by the committee
	MethodConfirmed = "confirmed" // a need's asker confirmed it solved (section 10)
	MethodManual    = "manual"    // entered by a committee member (/attend)
)

// StrongMethod reports whether a participation by method was verified in a
// way that cannot be forwarded or entered alone: the members export's
// "strong" column counts these.
func StrongMethod(method string) bool {
	switch method {
	case MethodRotating, MethodLocation, MethodScan, MethodConfirmed:
		return true
	}
	return false
}

// Check-in modes of an activity (SPEC section 9).
const (
	CheckInRotating = "rotating" // the default for new activities: a TOTP code of the activity's secret
	CheckInStatic   = "static"   // one fixed code (activities from before rotating codes, printed posters)
	CheckInLocation = "location" // location only: no code is accepted
)

// Participation kinds (the ledger export's kind column).
const (
	KindActivity = "activity"
	KindService  = "service"
)

// Service record statuses.
const (
	ServicePending  = "pending"
	ServiceApproved = "approved"
	ServiceRejected = "rejected"
)

// GeoPoint is a place on the map.
type GeoPoint struct {
	Latitude  float64 `json:"lat"`
	Longitude float64 `json:"lon"`
}

// Activity is a dated event members sign up for and check in to.
type Activity struct {
	ID           string    `json:"id"` // A<n>
	Community    string    `json:"community"`
	Title        string    `json:"title"`
	Place        string    `json:"place,omitempty"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Capacity     int       `json:"capacity"` // limits sign-ups, not check-ins; 0 = unlimited
	Location     *GeoPoint `json:"loc,omitempty"`
	RadiusMeters int       `json:"radius,omitempty"`
	Team         string    `json:"team,omitempty"`
	Code         string    `json:"code"` // static check-in code, unique among the community's activities
	// Mode is how members check in: CheckInRotating, CheckInStatic or
	// CheckInLocation; "" (an activity stored before modes) reads as static.
	Mode string `json:"mode,omitempty"`
	// Secret is the rotating code's TOTP key (hex); never shown to members.
	Secret string `json:"secret,omitempty"`
	// PresentedBy is the member id of whoever last started presenting the
	// activity's code (/present): its creator may check in by code only
	// when someone else presents it.
	PresentedBy  string    `json:"presented_by,omitempty"`
	Cancelled    bool      `json:"cancelled,omitempty"`
	CancelReason string    `json:"cancel_reason,omitempty"`
	CreatedBy    string    `json:"created_by,omitempty"`
	Created      time.Time `json:"created"`
	Signups      int       `json:"signups"` // filled in by storage
}

// CheckInMode is a's check-in mode, CheckInStatic for one stored before
// modes existed.
func (a *Activity) CheckInMode() string {
	if a.Mode == "" {
		return CheckInStatic
	}
	return a.Mode
}

// CheckInWindow returns when check-in to a opens and closes.
func (a *Activity) CheckInWindow() (opens, closes time.Time) {
	return a.Start.Add(-CheckInOpensBefore), a.End.Add(CheckInClosesAfter)
}

// CheckInOpen reports whether now lies inside a's check-in window (both ends included).
func (a *Activity) CheckInOpen(now time.Time) bool {
	opens, closes := a.CheckInWindow()
	return !now.Before(opens) && !now.After(closes)
}

// Radius returns the check-in radius in meters.
func (a *Activity) Radius() float64 {
	if a.RadiusMeters > 0 {
		return float64(a.RadiusMeters)
	}
	return DefaultRadiusMeters
}

// Validate reports the first problem with a.
func (a *Activity) Validate() error {
	if err := CheckLine("title", a.Title, MaxTitleLen, true); err != nil {
		return err
	}
	if err := CheckText("place", a.Place, MaxTitleLen, false); err != nil {
		return err
	}
	if a.Start.IsZero() {
		return Invalid("start", "start time is required")
	}
	if !a.End.After(a.Start) || a.End.Sub(a.Start) > 7*24*time.Hour {
		return Invalid("duration", "duration must be more than 0 and at most 7 days")
	}
	if a.Capacity < 0 || a.Capacity > MaxCapacity {
		return Invalid("capacity", "capacity must be between 0 (unlimited) and %d", MaxCapacity)
	}
	if a.Location != nil && (math.Abs(a.Location.Latitude) > 90 || math.Abs(a.Location.Longitude) > 180) {
		return Invalid("location", "location is not on Earth")
	}
	return nil
}

// DistanceMeters is the great-circle distance between two points.
func DistanceMeters(a, b GeoPoint) float64 {
	const earthRadius = 6371000.0
	rad := math.Pi / 180
	dLat := (b.Latitude - a.Latitude) * rad
	dLon := (b.Longitude - a.Longitude) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Latitude*rad)*math.Cos(b.Latitude*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

// ServiceRecord is a member's own report of service done, waiting for approval.
type ServiceRecord struct {
	ID        string    `json:"id"` // S<n>
	Community string    `json:"community"`
	Member    string    `json:"member"`
	Text      string    `json:"text"`
	Date      string    `json:"date"` // YYYY-MM-DD in the community's zone
	Status    string    `json:"status"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Created   time.Time `json:"created"`
}

// Participation is one verified unit of the ledger.
type Participation struct {
	Community  string    `json:"community"`
	Member     string    `json:"member"`
	Kind       string    `json:"kind"`  // activity or service
	Ref        string    `json:"ref"`   // A7 or S40
	Title      string    `json:"title"` // activity title or service text
	Date       string    `json:"date"`  // YYYY-MM-DD in the community's zone
	Method     string    `json:"method"`
	VerifiedBy string    `json:"verified_by,omitempty"` // member id; empty for code and location
	At         time.Time `json:"at"`                    // when it was recorded
	Note       string    `json:"note,omitempty"`
	Voided     bool      `json:"voided,omitempty"`
	VoidedBy   string    `json:"voided_by,omitempty"`
	VoidReason string    `json:"void_reason,omitempty"`
	VoidedAt   time.Time `json:"voided_at,omitempty"` // when it was voided; zero if unknown
}

// Year returns the calendar year of p's date, 0 if the date is malformed.
func (p *Participation) Year() int {
	t, err := time.Parse(time.DateOnly, p.Date)
	if err != nil {
		return 0
	}
	return t.Year()
}

// CheckIn says how a member proves presence at an activity.
// Exactly one of Code and ActivityID is set.
type CheckIn struct {
	Code       string // the activity's check-in code, typed or from a ci_ deep link
	ActivityID string // for a live-location check-in the caller verified against the activity's place
	Method     string // MethodCode, MethodLocation or MethodScan (with ActivityID)
	VerifiedBy string // for MethodScan: the organizer who scanned the member's code
}

// Standing is a member's position for one calendar year.
type Standing struct {
	Year        int
	Activities  int // activity participations (code, location, manual)
	Services    int // approved service records
	Total       int
	Minimum     int
	Posts       int // posts held (at the end of the year, or now for the current year)
	PostMinimum int
	Compliant   bool
	Last        string // last participation date, "" if none
}

// ComputeStanding counts the member's non-voided participations dated in year
// and decides compliance against the community's minimums of that year.
func ComputeStanding(ps []Participation, year, postsHeld int, c Community) Standing {
	mins := c.MinimumsFor(year)
	s := Standing{Year: year, Minimum: mins.Minimum, Posts: postsHeld, PostMinimum: mins.PostMinimum}
	for i := range ps {
		p := &ps[i]
		if p.Voided || p.Year() != year {
			continue
		}
		if p.Kind == KindService || p.Kind == KindNeed { // a need solved is a service done (SPEC section 10)
			s.Services++
		} else {
			s.Activities++
		}
		if p.Date > s.Last {
			s.Last = p.Date
		}
	}
	s.Total = s.Activities + s.Services
	s.Compliant = s.Total >= s.Minimum && s.Posts >= s.PostMinimum
	return s
}

// PostsHeldAt counts the distinct posts held at instant t from a claim history.
func PostsHeldAt(claims []Claim, t time.Time) int {
	held := map[string]bool{}
	for _, c := range claims {
		if c.Claimed.After(t) {
			continue
		}
		if c.Released.IsZero() || c.Released.After(t) {
			held[c.Post] = true
		}
	}
	return len(held)
}

// YearEnd returns the last instant of year in loc.
func YearEnd(year int, loc *time.Location) time.Time {
	return time.Date(year+1, 1, 1, 0, 0, 0, 0, loc).Add(-time.Nanosecond)
}

// DaysLeftInYear counts the days from now's date to 31 December, both included, in loc.
func DaysLeftInYear(now time.Time, loc *time.Location) int {
	n := now.In(loc)
	end := time.Date(n.Year(), 12, 31, 0, 0, 0, 0, loc)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	return int(end.Sub(today).Hours()/24+0.5) + 1
}

// SortParticipations orders ps by date, then recording time.
func SortParticipations(ps []Participation) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Date != ps[j].Date {
			return ps[i].Date < ps[j].Date
		}
		return ps[i].At.Before(ps[j].At)
	})
}
