package report

import (
	"io"
	"strconv"

	"github.com/lamplighter-bot/lamplighter/record"
)

// EvaluationRow is record.EvaluationRow.
type EvaluationRow = record.EvaluationRow

// EvaluationColumns are the columns of the evaluations export (SPEC
// section 11), in order.
var EvaluationColumns = []string{"community", "member_id", "name", "unit_id", "year", "participations",
	"strong", "grade", "comment", "graded_by", "graded_at"}

// EvaluationsSheet is the name of the evaluations workbook's sheet.
const EvaluationsSheet = "evaluations"

var (
	evaluationKinds  = []cellKind{textCell, textCell, textCell, textCell, numberCell, numberCell, numberCell, textCell, textCell, textCell, textCell}
	evaluationWidths = []float64{14, 14, 16, 8, 7, 12, 8, 10, 40, 12, 18}
)

// WriteEvaluationsCSV writes the evaluations export as WriteMembersCSV
// writes the members: byte-order mark, header, CRLF, typed text neutralised.
func WriteEvaluationsCSV(w io.Writer, rows []EvaluationRow) error {
	_, err := writeCSV(w, "evaluations", EvaluationColumns, func(rec func([]string) error) error {
		for _, r := range rows {
			if err := rec([]string{Neutralize(r.Community), r.MemberID, Neutralize(r.Name), r.UnitID, strconv.Itoa(r.Year),
				strconv.Itoa(r.Participations), strconv.Itoa(r.Strong), r.Grade, Neutralize(r.Comment), r.GradedBy, r.GradedAt}); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// WriteEvaluationsXLSX writes the evaluations export as a workbook of one
// sheet laid out as WriteXLSX lays out its sheets.
func WriteEvaluationsXLSX(w io.Writer, rows []EvaluationRow) error {
	_, err := writeXLSX(w, []sheet{{name: EvaluationsSheet, header: EvaluationColumns, kinds: evaluationKinds, widths: evaluationWidths,
		each: func(emit func([]any) error) error {
			for _, r := range rows {
				if err := emit([]any{r.Community, r.MemberID, r.Name, r.UnitID, r.Year, r.Participations, r.Strong,
					r.Grade, r.Comment, r.GradedBy, r.GradedAt}); err != nil {
					return err
				}
			}
			return nil
		}}})
	return err
}

// UnitMemberColumns are the members export's columns plus unit_id (SPEC
// section 11: lamplighter export --unit).
var UnitMemberColumns = append(append([]string(nil), memberColumns...), "unit_id")

// WriteUnitMembersCSV writes a unit's members export: the members columns,
// then unit_id.
func WriteUnitMembersCSV(w io.Writer, rows []MemberRow, unitID string) error {
	_, err := writeCSV(w, "members", UnitMemberColumns, func(rec func([]string) error) error {
		for _, r := range rows {
			if err := rec(append(memberRecord(r), unitID)); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// WriteUnitMembersXLSX is WriteUnitMembersCSV as a workbook of one sheet.
func WriteUnitMembersXLSX(w io.Writer, rows []MemberRow, unitID string) error {
	kinds := append(append([]cellKind(nil), memberKinds...), textCell)
	widths := append(append([]float64(nil), memberWidths...), 8)
	_, err := writeXLSX(w, []sheet{{name: MembersSheet, header: UnitMemberColumns, kinds: kinds, widths: widths,
		each: func(emit func([]any) error) error {
			for i := range rows {
				r := &rows[i]
				if err := emit([]any{r.Community, r.MemberID, r.Name, r.Unit, r.Building, r.Joined,
					r.Posts, r.Activities, r.Services, r.Total, r.Minimum, yesNo(r.Compliant), r.LastParticipation, r.Strong, unitID}); err != nil {
					return err
				}
			}
			return nil
		}}})
	return err
}

// EvaluationsXLSX is WriteEvaluationsXLSX for the handlers' Renderer.
func (Renderer) EvaluationsXLSX(w io.Writer, rows []record.EvaluationRow) error {
	return WriteEvaluationsXLSX(w, rows)
}
