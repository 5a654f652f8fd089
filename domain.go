package lamplighter

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on user-supplied text. Longer input is refused with EINVALID, never cut.
const (
	MaxNameLen        = 64
	MaxTitleLen       = 120
	MaxDescriptionLen = 1000
	MaxUnitLen        = 80
	MaxBuildingLen    = 40
	MaxSkillLen       = 30
	MaxSkills         = 10
	MaxCapacity       = 10000
)

// Defaults for a new community.
const (
	DefaultTimeZone      = "Asia/Shanghai"
	DefaultLanguage      = "zh"
	DefaultMinimum       = 2
	DefaultPostMinimum   = 1
	FlowTTL              = 30 * time.Minute // a guided flow left alone this long expires
	InviteCodeRandomLen  = 10
	MaxCommunityIDLength = 20
)

var communityIDPattern = regexp.MustCompile(`^[a-z0-9-]{1,20}$`)

// Community is one residential community with its committee and settings.
type Community struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	TimeZone    string    `json:"tz"`
	Language    string    `json:"lang"`
	Minimum     int       `json:"minimum"`      // yearly participations required
	PostMinimum int       `json:"post_minimum"` // posts each member should hold
	NoticeChat  int64     `json:"notice_chat,omitempty"`
	Created     time.Time `json:"created"`
	// Years holds the minimums by the calendar year from which they apply
	// (SPEC section 9: the rules that change the count belong to the
	// year): a year uses the entry of the latest year at or before it, a
	// year before every entry the earliest one, and with no entry at all
	// Minimum and PostMinimum. Minimum and PostMinimum are always the
	// values of the current year on; change them with SetMinimums.
	Years YearMinimums `json:"years,omitempty"`
	// EvalFrom is the day ("MM-DD") from which the year-end evaluation
	// opens each year; "" means DefaultEvalFrom (SPEC section 11).
	EvalFrom string `json:"eval_from,omitempty"`
}

// Minimums are the two rules that decide compliance for a year.
type Minimums struct {
	Minimum     int `json:"minimum"`      // participations required in the year
	PostMinimum int `json:"post_minimum"` // posts to hold
}

// YearMinimums is a community's minimums by the year from which they
// apply. It is a string ("2025:2:1,2026:3:1", years ascending) so that a
// Community stays comparable; its JSON is an object
// {"2026":{"minimum":3,"post_minimum":1}}. The zero value has no entry.
type YearMinimums string

// yearEntry is one entry of a YearMinimums.
type yearEntry struct {
	year int
	Minimums
}

// entries decodes y, years ascending; a malformed entry is skipped.
func (y YearMinimums) entries() []yearEntry {
	if y == "" {
		return nil
	}
	var out []yearEntry
	for _, e := range strings.Split(string(y), ",") {
		f := strings.Split(e, ":")
		if len(f) != 3 {
			continue
		}
		yr, err1 := strconv.Atoi(f[0])
		mn, err2 := strconv.Atoi(f[1])
		pm, err3 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		out = append(out, yearEntry{yr, Minimums{mn, pm}})
	}
	return out
}

// encodeYears is the canonical YearMinimums of entries by year.
func encodeYears(m map[int]Minimums) YearMinimums {
	years := make([]int, 0, len(m))
	for y := range m {
		years = append(years, y)
	}
	sort.Ints(years)
	parts := make([]string, len(years))
	for i, y := range years {
		parts[i] = fmt.Sprintf("%d:%d:%d", y, m[y].Minimum, m[y].PostMinimum)
	}
	return YearMinimums(strings.Join(parts, ","))
}

// Map returns the entries of y by year (nil for none).
func (y YearMinimums) Map() map[int]Minimums {
	es := y.entries()
	if len(es) == 0 {
		return nil
	}
	m := make(map[int]Minimums, len(es))
	for _, e := range es {
		m[e.year] = e.Minimums
	}
	return m
}

// MarshalJSON writes y as an object from year to minimums.
func (y YearMinimums) MarshalJSON() ([]byte, error) {
	m := map[string]Minimums{}
	for _, e := range y.entries() {
		m[strconv.Itoa(e.year)] = e.Minimums
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads the object MarshalJSON writes.
func (y *YearMinimums) UnmarshalJSON(b []byte) error {
	var m map[string]Minimums
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	byYear := make(map[int]Minimums, len(m))
	for k, v := range m {
		yr, err := strconv.Atoi(k)
		if err != nil {
			return fmt.Errorf("minimums: %q is not a year", k)
		}
		byYear[yr] = v
	}
	*y = encodeYears(byYear)
	return nil
}

// MinimumsFor returns the minimums that apply to year (see Years).
func (c *Community) MinimumsFor(year int) Minimums {
	es := c.Years.entries()
	if len(es) == 0 {
		return Minimums{Minimum: c.Minimum, PostMinimum: c.PostMinimum}
	}
	got := es[0].Minimums
	for _, e := range es {
		if e.year <= year {
			got = e.Minimums
		}
	}
	return got
}

// ForYear returns a copy of c whose Minimum and PostMinimum are those of
// year, for code that shows or counts one year.
func (c Community) ForYear(year int) Community {
	m := c.MinimumsFor(year)
	c.Minimum, c.PostMinimum = m.Minimum, m.PostMinimum
	return c
}

// SetMinimums makes m the minimums of year and every later year, and of
// now on (Minimum and PostMinimum); every year before keeps the values it
// had, recorded as an entry of the year before when none was stored.
func (c *Community) SetMinimums(year int, m Minimums) {
	before := c.MinimumsFor(year - 1)
	years := map[int]Minimums{}
	for _, e := range c.Years.entries() {
		if e.year < year {
			years[e.year] = e.Minimums
		}
	}
	if len(years) == 0 {
		years[year-1] = before
	}
	years[year] = m
	c.Years = encodeYears(years)
	c.Minimum, c.PostMinimum = m.Minimum, m.PostMinimum
}

// Validate reports the first problem with c as an EINVALID *Error.
func (c *Community) Validate() error {
	if !communityIDPattern.MatchString(c.ID) {
		return Invalid("id", "community id must be 1-20 of a-z, 0-9 and -")
	}
	if err := CheckLine("name", c.Name, MaxNameLen, true); err != nil {
		return err
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return Invalid("timezone", "unknown time zone %q", c.TimeZone)
	}
	if !ValidLanguage(c.Language) {
		return Invalid("language", "language must be zh or en")
	}
	if c.Minimum < 0 || c.Minimum > 365 {
		return Invalid("minimum", "minimum must be between 0 and 365")
	}
	if c.PostMinimum < 0 || c.PostMinimum > 50 {
		return Invalid("postminimum", "post minimum must be between 0 and 50")
	}
	for y, m := range c.Years.Map() {
		if y < 1 || y > 9999 || m.Minimum < 0 || m.Minimum > 365 || m.PostMinimum < 0 || m.PostMinimum > 50 {
			return Invalid("minimum", "the minimums of %d are out of range", y)
		}
	}
	return nil
}

// Location returns the community's time zone, UTC if it cannot be loaded.
func (c *Community) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ValidCommunityID reports whether id is a well-formed community slug.
func ValidCommunityID(id string) bool { return communityIDPattern.MatchString(id) }

// ValidLanguage reports whether lang is a supported reply language.
func ValidLanguage(lang string) bool { return lang == "zh" || lang == "en" }

// Role is a member's standing in a community. The zero value is a plain member.
type Role string

// Roles. RoleAdmin is district-wide and comes from configuration, never storage.
const (
	RoleNone      Role = ""
	RoleSecretary Role = "secretary"
	RoleDeputy    Role = "deputy"
	RoleCommittee Role = "committee"
	RoleAdmin     Role = "admin"
)

// ParseRole accepts secretary, deputy, committee and none (also 书记, 副书记, 委员, 无).
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "secretary", "书记":
		return RoleSecretary, nil
	case "deputy", "副书记":
		return RoleDeputy, nil
	case "committee", "委员":
		return RoleCommittee, nil
	case "none", "member", "", "无":
		return RoleNone, nil
	}
	return RoleNone, Invalid("role", "role must be secretary, deputy, committee or none")
}

// IsCommittee reports whether r may use committee commands in its community.
func (r Role) IsCommittee() bool {
	return r == RoleSecretary || r == RoleDeputy || r == RoleCommittee || r == RoleAdmin
}

// Member statuses.
const (
	StatusActive    = "active"
	StatusLeft      = "left"
	StatusForgotten = "forgotten"
)

// Member is a registered volunteer of one community.
type Member struct {
	ID          string    `json:"id"` // M<n>
	Community   string    `json:"community"`
	TelegramID  int64     `json:"tg,omitempty"` // 0 until the person first opens the bot
	Name        string    `json:"name"`
	Unit        string    `json:"unit,omitempty"`
	Building    string    `json:"building,omitempty"`
	Skills      []string  `json:"skills,omitempty"`
	Joined      time.Time `json:"joined"`
	Status      string    `json:"status"`
	Language    string    `json:"lang,omitempty"`
	Role        Role      `json:"role,omitempty"`
	Unreachable bool      `json:"unreachable,omitempty"`
	Left        time.Time `json:"left,omitempty"`
	// UnitID is the district unit (U<n>) that Unit matched, "" when the
	// typed unit matches none (SPEC section 11).
	UnitID string `json:"unit_id,omitempty"`
}

// Validate reports the first problem with m's user-editable fields.
func (m *Member) Validate() error {
	if err := CheckLine("name", m.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := CheckLine("unit", m.Unit, MaxUnitLen, false); err != nil {
		return err
	}
	if err := CheckLine("building", m.Building, MaxBuildingLen, false); err != nil {
		return err
	}
	if len(m.Skills) > MaxSkills {
		return Invalid("skills", "at most %d skills", MaxSkills)
	}
	for _, s := range m.Skills {
		if err := CheckLine("skills", s, MaxSkillLen, true); err != nil {
			return err
		}
	}
	return nil
}

// Active reports whether m is a current member.
func (m *Member) Active() bool { return m.Status == StatusActive }

// DisplayName is "M3 Name", or "M3 —" for a forgotten member.
func (m *Member) DisplayName() string {
	if m.Name == "" {
		return m.ID + " —"
	}
	return m.ID + " " + m.Name
}

// Post modes.
const (
	ModeClaimed    = "claimed"
	ModeFixedPoint = "fixed-point"
	ModePaired     = "paired"
)

// ParseMode accepts claimed, fixed-point, paired and 认领, 定点, 结对.
func ParseMode(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "claimed", "claim", "认领", "认领服务":
		return ModeClaimed, nil
	case "fixed-point", "fixed", "fixedpoint", "定点", "定点服务":
		return ModeFixedPoint, nil
	case "paired", "pair", "结对", "结对服务":
		return ModePaired, nil
	}
	return "", Invalid("mode", "mode must be claimed, fixed-point or paired")
}

// Post is a standing service post that members claim.
type Post struct {
	ID          string    `json:"id"` // P<n>
	Community   string    `json:"community"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Mode        string    `json:"mode"`
	Capacity    int       `json:"capacity"` // 0 = unlimited
	Skills      []string  `json:"skills,omitempty"`
	Place       string    `json:"place,omitempty"`  // fixed-point
	Time        string    `json:"time,omitempty"`   // fixed-point, free text ("Sat 9:00-11:00")
	Target      string    `json:"target,omitempty"` // paired; only claimers and the committee see it
	Closed      bool      `json:"closed,omitempty"`
	Created     time.Time `json:"created"`
	Claims      int       `json:"claims"` // current holders, filled in by storage
}

// Validate reports the first problem with p.
func (p *Post) Validate() error {
	if err := CheckLine("title", p.Title, MaxTitleLen, true); err != nil {
		return err
	}
	if err := CheckText("description", p.Description, MaxDescriptionLen, false); err != nil {
		return err
	}
	if _, err := ParseMode(p.Mode); err != nil {
		return err
	}
	if p.Capacity < 0 || p.Capacity > MaxCapacity {
		return Invalid("capacity", "capacity must be between 0 (unlimited) and %d", MaxCapacity)
	}
	for _, f := range []struct{ name, v string }{{"place", p.Place}, {"time", p.Time}, {"target", p.Target}} {
		if err := CheckText(f.name, f.v, MaxTitleLen, false); err != nil {
			return err
		}
	}
	if len(p.Skills) > MaxSkills {
		return Invalid("skills", "at most %d skills", MaxSkills)
	}
	for _, s := range p.Skills {
		if ForgesLine(s) {
			return Invalid("skills", "skills must be one line, without invisible or direction-control characters")
		}
	}
	return nil
}

// Full reports whether p has no room for another claim.
func (p *Post) Full() bool { return p.Capacity > 0 && p.Claims >= p.Capacity }

// Claim is one member's hold on a post, kept after release for the history.
type Claim struct {
	Post     string    `json:"post"`
	Member   string    `json:"member"`
	Claimed  time.Time `json:"claimed"`
	Released time.Time `json:"released,omitempty"`
}

// Team is a volunteer team (党员服务队, 义务工队).
type Team struct {
	ID        string    `json:"id"` // T<n>
	Community string    `json:"community"`
	Name      string    `json:"name"`
	Leaders   []string  `json:"leaders,omitempty"` // member ids
	Members   []string  `json:"members,omitempty"` // member ids, filled in by storage
	Created   time.Time `json:"created"`
}

// Validate reports the first problem with t's name (the rest is the
// store's): required, at most MaxNameLen characters, one line.
func (t *Team) Validate() error {
	return CheckLine("name", t.Name, MaxNameLen, true)
}

// Invite lets people register with a community. A personal invite is bound to
// a member created by import and is used once; an invite with a committee
// role binds the first person who registers with it and is then spent
// (SPEC section 9); a member invite can be used by anyone until it expires.
// Any invite can be revoked.
type Invite struct {
	Code      string    `json:"code"` // <community>-<random>, fits a deep link
	Community string    `json:"community"`
	Role      Role      `json:"role,omitempty"`
	Member    string    `json:"member,omitempty"` // personal invite: the pre-created member
	CreatedBy string    `json:"created_by,omitempty"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires,omitempty"`
	Used      bool      `json:"used,omitempty"`
	UsedBy    int64     `json:"-"` // the Telegram id that used a personal or role invite; 0 if none
	Revoked   bool      `json:"-"`
}

// Spent reports whether the invite can register no one but the person who
// used it: a personal or role invite that was used.
func (i *Invite) Spent() bool { return i.Used && (i.Member != "" || i.Role != RoleNone) }

// CommunityOfInvite returns the community id carried in an invite code.
func CommunityOfInvite(code string) (string, bool) {
	i := strings.LastIndexByte(code, '-')
	if i <= 0 || len(code)-i-1 != InviteCodeRandomLen {
		return "", false
	}
	c := code[:i]
	if !ValidCommunityID(c) {
		return "", false
	}
	return c, true
}

// AuditEntry records one privileged action.
type AuditEntry struct {
	Time      time.Time `json:"time"`
	Community string    `json:"community"`
	Actor     string    `json:"actor"` // member id, or "tg:<id>" for an admin who is not a member, or "cli"
	Action    string    `json:"action"`
	Object    string    `json:"object,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// User is what the bot knows about a Telegram user regardless of membership:
// their language, the community an admin acts on, and where their membership is.
type User struct {
	TelegramID int64  `json:"tg"`
	Language   string `json:"lang,omitempty"`
	Use        string `json:"use,omitempty"`       // admin's current community
	Community  string `json:"community,omitempty"` // membership pointer
	MemberID   string `json:"member,omitempty"`
	// NoMemberLanguage is set when the member the pointer names has no
	// language of their own (so a reply's language needs no read of it).
	NoMemberLanguage bool `json:"-"`
	// The membership snapshot: what the user record keeps of the member the
	// pointer names, written with the pointer and by every change of it, so
	// that one read per update tells who the caller is. Role is the
	// member's role; Unreachable that the bot could not message them.
	// HasSnapshot is false for a pointer written before snapshots existed
	// (the member must then be read; reading it writes the snapshot).
	Role        Role `json:"-"`
	Unreachable bool `json:"-"`
	HasSnapshot bool `json:"-"`
}

// Flow is the state of a guided conversation (registration, claim...).
type Flow struct {
	Kind string            `json:"kind"`
	Step string            `json:"step"`
	Data map[string]string `json:"data,omitempty"`
}

// NormalizeID upper-cases a short id ("p12" -> "P12") and checks its prefix.
// It returns "" when s is not a well-formed id with that prefix.
func NormalizeID(prefix byte, s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || len(s) > 12 {
		return ""
	}
	if s[0] != prefix && s[0] != prefix+('a'-'A') {
		return ""
	}
	n, err := strconv.ParseUint(s[1:], 10, 32)
	if err != nil || n == 0 {
		return ""
	}
	return string(prefix) + strconv.FormatUint(n, 10)
}

// ParseSkills splits a skills list on , ; 、 ， ； and trims each tag.
func ParseSkills(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '、' || r == '，' || r == '；'
	})
	out := make([]string, 0, len(f))
	seen := map[string]bool{}
	for _, x := range f {
		x = strings.TrimSpace(x)
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// forgesLine reports whether r could make a line of text show as more than
// one line, or as something else than what it says, in a list, a report or a
// notice: a line break (CR, LF, NEL, LINE and PARAGRAPH SEPARATOR), a
// bidirectional control (the embeddings, overrides and isolates, the
// left-to-right, right-to-left and Arabic letter marks) or a zero-width
// character (space, non-joiner, joiner, word joiner, byte-order mark).
func forgesLine(r rune) bool {
	switch {
	case r == '\r', r == '\n', r == 0x85, r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF:
		return true
	}
	return false
}

// ForgesLine reports whether s holds a character that a one-line field
// (a name, unit, building, skill or title) refuses: see CheckLine.
func ForgesLine(s string) bool { return strings.ContainsFunc(s, forgesLine) }

// CheckLine checks a one-line field (a name, unit, building, skill, title)
// like checkText and also refuses line breaks, bidirectional controls and
// zero-width characters (SPEC section 9: text cannot forge a line), so that
// a list, report or notice never shows a line a user typed as an entry of
// its own. Errors: EINVALID with Detail field.
func CheckLine(field, v string, max int, required bool) error {
	if err := CheckText(field, v, max, required); err != nil {
		return err
	}
	if ForgesLine(v) {
		return Invalid(field, "%s must be one line, without invisible or direction-control characters", field)
	}
	return nil
}

// CheckText checks a short free text (a field, a reason, a note, a service
// report, a broadcast): required when asked, valid UTF-8, at most max
// characters (never cut), no control characters but line breaks. Errors:
// EINVALID with Detail field.
func CheckText(field, v string, max int, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return Invalid(field, "%s is required", field)
	}
	if !utf8.ValidString(v) {
		return Invalid(field, "%s is not valid text", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return Invalid(field, "%s is too long (%d characters, at most %d)", field, n, max)
	}
	for _, r := range v {
		if r < 0x20 && r != '\n' || r == 0x7f {
			return Invalid(field, "%s contains control characters", field)
		}
	}
	return nil
}

// String formats a community for logs.
func (c Community) String() string { return fmt.Sprintf("%s (%s)", c.ID, c.Name) }
