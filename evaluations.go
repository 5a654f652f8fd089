package lamplighter

import (
	"fmt"
	"strings"
	"time"
)

// The year-end evaluation (社区评价, SPEC section 11): the community grades
// each member for a year, and the grades go back to the units.

// Grades, best first.
const (
	GradeExcellent = "excellent" // 优秀
	GradeGood      = "good"      // 合格
	GradeFair      = "fair"      // 基本合格
	GradePoor      = "poor"      // 不合格
)

// Grades lists the grades, best first.
var Grades = []string{GradeExcellent, GradeGood, GradeFair, GradePoor}

// gradeNames are the words a grade may be typed as.
var gradeNames = map[string]string{
	"excellent": GradeExcellent, "优秀": GradeExcellent,
	"good": GradeGood, "合格": GradeGood,
	"fair": GradeFair, "基本合格": GradeFair,
	"poor": GradePoor, "不合格": GradePoor,
}

// ParseGrade reads a grade typed in English or Chinese (case-insensitive);
// EINVALID (Field "grade") for anything else.
func ParseGrade(s string) (string, error) {
	if g, ok := gradeNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return g, nil
	}
	return "", Invalid("grade", "grade must be excellent, good, fair or poor")
}

// ValidGrade reports whether g is one of Grades.
func ValidGrade(g string) bool {
	_, err := ParseGrade(g)
	return err == nil && gradeNames[g] == g
}

// ProposeGrade is the grade the ledger suggests for a standing: compliant
// → good, no participation → poor, else fair.
func ProposeGrade(s Standing) string {
	switch {
	case s.Compliant:
		return GradeGood
	case s.Total == 0:
		return GradePoor
	}
	return GradeFair
}

// MaxGradeComment is the longest comment of a grade, in characters.
const MaxGradeComment = 200

// DefaultEvalFrom is the day the evaluation opens when a community set none.
const DefaultEvalFrom = "12-01"

// ParseEvalFrom checks a day "MM-DD" (01-01 to 12-31); EINVALID (Field
// "evalfrom") otherwise.
func ParseEvalFrom(s string) (string, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse("01-02", s)
	if err != nil || t.Format("01-02") != s {
		return "", Invalid("evalfrom", "a day MM-DD, such as 12-01")
	}
	return s, nil
}

// EvalOpens is when the evaluation of year opens in community c: its
// EvalFrom day of that year, at midnight in c's zone.
func (c *Community) EvalOpens(year int) time.Time {
	d := c.EvalFrom
	if d == "" {
		d = DefaultEvalFrom
	}
	t, err := time.Parse("01-02", d)
	if err != nil {
		t, _ = time.Parse("01-02", DefaultEvalFrom)
	}
	return time.Date(year, t.Month(), t.Day(), 0, 0, 0, 0, c.Location())
}

// Grade is a member's grade for a year, with what was last sent of it.
type Grade struct {
	Community string    `json:"community"`
	MemberID  string    `json:"member"`
	Year      int       `json:"year"`
	Value     string    `json:"grade"`             // one of Grades
	Comment   string    `json:"comment,omitempty"` // at most MaxGradeComment
	By        string    `json:"by"`                // audit name of who graded
	At        time.Time `json:"at"`                // when it was set
	Version   int       `json:"v"`                 // 1 for the first grade, +1 at every change
	// SentVersion is the version last sent to the units and the member (0:
	// never sent); Sent is when.
	SentVersion int       `json:"sv,omitempty"`
	Sent        time.Time `json:"sent,omitempty"`
}

// Unsent reports whether the grade has a version not sent yet.
func (g Grade) Unsent() bool { return g.Version > g.SentVersion }

// Correction reports whether sending it now corrects a grade sent before.
func (g Grade) Correction() bool { return g.SentVersion > 0 && g.Unsent() }

// Validate checks the grade's value and comment.
func (g *Grade) Validate() error {
	if !ValidGrade(g.Value) {
		return Invalid("grade", "grade must be excellent, good, fair or poor")
	}
	if err := CheckLine("comment", g.Comment, MaxGradeComment, false); err != nil {
		return err
	}
	if g.Year < 2000 || g.Year > 9999 {
		return Invalid("year", "year %d", g.Year)
	}
	return nil
}

func (g Grade) String() string {
	return fmt.Sprintf("%s/%s %d %s", g.Community, g.MemberID, g.Year, g.Value)
}
