package lamplighter

import (
	"sort"
	"strings"
	"time"
)

// Needs (SPEC section 10): something a resident asks for, taken by members
// in one tap.
const (
	MaxNeedTextLen     = 1000 // characters of a need's text
	MaxOpenNeeds       = 3    // open needs per person (Telegram id) per community
	MaxNeedHelpers     = 20   // helpers a need may want
	DefaultNeedHelpers = 1
	DefaultNeedDueDays = 7  // days from publishing to the due date
	NeedConfirmDays    = 3  // days the asker has to confirm a done need before the committee decides
	MaxNeedDueDays     = 90 // days a due date may lie ahead
	MaxNeedNoteLen     = 500
)

// Need statuses. Open ones are new, published, taken and done.
const (
	NeedNew       = "new"
	NeedPublished = "published"
	NeedTaken     = "taken"
	NeedDone      = "done"
	NeedSolved    = "solved"
	NeedDeclined  = "declined"
	NeedExpired   = "expired"
)

// KindNeed is the ledger kind of a participation for a solved need.
const KindNeed = "need"

// Need is a resident's request for help, id N<n> in its community. The asker
// (AskerID, a Telegram user who need not be a member) and Text are personal
// data: never shown in a group chat, never exported.
type Need struct {
	ID        string    `json:"id"` // N<n>
	Community string    `json:"community"`
	Text      string    `json:"text"`
	PhotoID   string    `json:"photo,omitempty"` // Telegram file id
	Location  *GeoPoint `json:"loc,omitempty"`
	Skills    []string  `json:"skills,omitempty"`
	Helpers   int       `json:"helpers"` // helpers wanted: the capacity of takers
	Due       time.Time `json:"due"`     // end of the due day (set when published)
	AskerID   int64     `json:"asker"`
	AskerLang string    `json:"asker_lang,omitempty"`
	Status    string    `json:"status"`
	Takers    []string  `json:"takers,omitempty"` // member ids, in the order they took it
	// Pending is set while a done need waits for the committee (the asker
	// did not answer in NeedConfirmDays days, cannot be reached, or took
	// it themselves).
	Pending   bool      `json:"pending,omitempty"`
	Round     int       `json:"round,omitempty"`  // how many times it was published
	Reason    string    `json:"reason,omitempty"` // why it was declined
	DoneNote  string    `json:"done_note,omitempty"`
	DoneBy    string    `json:"done_by,omitempty"`
	Created   time.Time `json:"created"`
	Published time.Time `json:"published,omitzero"`
	DoneAt    time.Time `json:"done_at,omitzero"`
	Solved    time.Time `json:"solved,omitzero"`
	SolvedBy  string    `json:"solved_by,omitempty"` // "" when the asker confirmed; the committee member who approved
}

// Open reports whether the need still counts toward its asker's limit.
func (n *Need) Open() bool {
	switch n.Status {
	case NeedNew, NeedPublished, NeedTaken, NeedDone:
		return true
	}
	return false
}

// HasTaker reports whether member id took n.
func (n *Need) HasTaker(id string) bool {
	for _, t := range n.Takers {
		if t == id {
			return true
		}
	}
	return false
}

// Validate reports the first problem with what a resident or the committee
// typed into n.
func (n *Need) Validate() error {
	if err := CheckText("text", strings.TrimSpace(n.Text), MaxNeedTextLen, true); err != nil {
		return err
	}
	if n.Helpers < 1 || n.Helpers > MaxNeedHelpers {
		return Invalid("helpers", "helpers must be between 1 and %d", MaxNeedHelpers)
	}
	for _, s := range n.Skills {
		if err := CheckLine("skills", s, MaxTitleLen, true); err != nil {
			return err
		}
	}
	if len(n.PhotoID) > 200 || ForgesLine(n.PhotoID) {
		return Invalid("photo", "not a photo")
	}
	if n.Location != nil && (n.Location.Latitude < -90 || n.Location.Latitude > 90 ||
		n.Location.Longitude < -180 || n.Location.Longitude > 180) {
		return Invalid("location", "location is not on Earth")
	}
	return nil
}

// SolveDays is the number of whole days from n's creation to its solving
// (rounded up, at least 0), -1 while it is not solved.
func (n *Need) SolveDays() int {
	if n.Status != NeedSolved || n.Solved.IsZero() {
		return -1
	}
	d := n.Solved.Sub(n.Created)
	days := int(d / (24 * time.Hour))
	if d%(24*time.Hour) > 0 {
		days++
	}
	return max(days, 0)
}

// NeedFigures are a community's needs in a period: received, solved and the
// median days to solve.
type NeedFigures struct {
	Received   int
	Solved     int
	MedianDays float64 // -1 when none was solved
}

// CountNeeds computes the figures of the needs created in [from, to).
func CountNeeds(needs []Need, from, to time.Time) NeedFigures {
	f := NeedFigures{MedianDays: -1}
	var days []int
	for i := range needs {
		n := &needs[i]
		if n.Created.Before(from) || !n.Created.Before(to) {
			continue
		}
		f.Received++
		if d := n.SolveDays(); d >= 0 {
			f.Solved++
			days = append(days, d)
		}
	}
	if len(days) > 0 {
		sort.Ints(days)
		m := len(days) / 2
		if len(days)%2 == 1 {
			f.MedianDays = float64(days[m])
		} else {
			f.MedianDays = float64(days[m-1]+days[m]) / 2
		}
	}
	return f
}

// NeedTake is what one press of a need's take button did.
type NeedTake struct {
	Changed bool // false: the member had taken it already (a double tap): nothing changed
	Takers  int  // takers now
	Helpers int  // helpers wanted
	// Asker and AskerLang say whom to tell; TakerName and TakerUnit are
	// the taker's name and unit, all the asker is told about them.
	Asker     int64
	AskerLang string
	TakerName string
	TakerUnit string
}

// NeedSweep is what one sweep of a community's needs claimed, each once
// whatever the number of replicas and restarts.
type NeedSweep struct {
	Remind  []Need // with takers, not done, due within a day: remind the takers
	Overdue []Need // with takers, not done, past the due date: tell the committee
	Waited  []Need // done, unanswered by the asker for NeedConfirmDays days: now awaiting the committee
	Expired []Need // published, nobody took it by its due date: now expired (tell the asker)
}
