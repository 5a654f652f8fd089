package lamplighter

import (
	"slices"
	"strings"
	"time"
)

// Units: the workplaces of the district (SPEC section 11, "dual
// management"). A unit is district-wide, id U<n>; a member's typed unit is
// linked to one (Member.UnitID) when it matches the unit's name or short
// name, ignoring case and surrounding spaces.

// Limits of a unit's fields.
const (
	MaxUnitShortLen = 32 // a unit's short name
	MaxLiaisons     = 20 // liaisons of one unit
)

// Unit is a workplace organisation that sends members to the communities.
type Unit struct {
	ID        string    `json:"id"` // U<n>
	Name      string    `json:"name"`
	ShortName string    `json:"short,omitempty"`
	Liaisons  []int64   `json:"liaisons,omitempty"` // Telegram user ids, in the order added
	Created   time.Time `json:"created"`
}

// Validate reports the first problem with u's name, short name or liaisons.
func (u *Unit) Validate() error {
	if err := CheckLine("name", u.Name, MaxUnitLen, true); err != nil {
		return err
	}
	if err := CheckLine("short_name", u.ShortName, MaxUnitShortLen, false); err != nil {
		return err
	}
	if len(u.Liaisons) > MaxLiaisons {
		return Invalid("liaison", "at most %d liaisons a unit", MaxLiaisons)
	}
	for _, tg := range u.Liaisons {
		if tg <= 0 {
			return Invalid("liaison", "liaison %d is not a Telegram user id", tg)
		}
	}
	return nil
}

// IsLiaison reports whether Telegram user tg is one of u's liaisons.
func (u *Unit) IsLiaison(tg int64) bool { return tg > 0 && slices.Contains(u.Liaisons, tg) }

// Label is the unit as lists show it: "U3 Name (Short)".
func (u Unit) Label() string {
	if u.ShortName != "" && u.ShortName != u.Name {
		return u.ID + " " + u.Name + " (" + u.ShortName + ")"
	}
	return u.ID + " " + u.Name
}

// UnitKey is the form a unit's name or short name is matched in: trimmed,
// inner runs of spaces made one, lowered. Two units never share a key.
func UnitKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// Matches reports whether typed text names u (its name or short name).
func (u *Unit) Matches(typed string) bool {
	k := UnitKey(typed)
	return k != "" && (k == UnitKey(u.Name) || (u.ShortName != "" && k == UnitKey(u.ShortName)))
}

// Receipt events (报到回执, SPEC section 11): what a unit's liaisons are
// told about one of its members.
const (
	ReceiptJoined = "joined" // registered with a community
	ReceiptMoved  = "moved"  // left one community for another
	ReceiptLeft   = "left"   // removed by the committee (moved away)
	ReceiptForgot = "forgot" // left and had their data deleted (/forgetme): no name
)

// UnitLink links one member of a community to a unit: what `lamplighter
// units match` decides for each member.
type UnitLink struct {
	MemberID string
	Typed    string // the member's typed unit the link was decided on
	UnitID   string // "" unlinks
}
