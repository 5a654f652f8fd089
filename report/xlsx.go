package report

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the XLSX exports.
const (
	MembersSheet = "members"
	LedgerSheet  = "ledger"
)

// cellKind says how a column is written to a sheet.
type cellKind int

const (
	textCell   cellKind = iota // a string cell: shown as typed, never run as a formula
	numberCell                 // a number
	dateCell                   // a YYYY-MM-DD string written as a date shown as yyyy-mm-dd
)

var (
	memberKinds = []cellKind{textCell, textCell, textCell, textCell, textCell, dateCell,
		numberCell, numberCell, numberCell, numberCell, numberCell, textCell, dateCell, numberCell}
	ledgerKinds = []cellKind{textCell, textCell, textCell, dateCell, textCell, textCell,
		textCell, textCell, textCell}
	memberWidths = []float64{14, 14, 16, 24, 12, 12, 7, 10, 9, 7, 9, 10, 18, 8}
	ledgerWidths = []float64{14, 14, 16, 12, 10, 7, 40, 10, 12}
)

// WriteXLSX writes a workbook with two sheets, "members" and "ledger", holding
// the same columns as the CSV exports (what /export sends). In each sheet the
// header row is bold and frozen and has an autofilter; counts are numbers,
// dates are dates shown as yyyy-mm-dd, and every other cell, member_id
// included, is a string cell, so text a person typed is shown as typed and
// never run as a formula (no quote is added, unlike the CSV). It returns the
// first error met, with context.
func WriteXLSX(w io.Writer, members []MemberRow, ledger []LedgerRow) error {
	return writeXLSX(w, []sheet{membersSheet(members), ledgerSheet(ledger)})
}

// WriteMembersXLSX writes a workbook whose only sheet, "members", is laid out
// as in WriteXLSX (lamplighter export --kind members --format xlsx).
func WriteMembersXLSX(w io.Writer, rows []MemberRow) error {
	return writeXLSX(w, []sheet{membersSheet(rows)})
}

// WriteLedgerXLSX writes a workbook whose only sheet, "ledger", is laid out
// as in WriteXLSX (lamplighter export --kind ledger --format xlsx).
func WriteLedgerXLSX(w io.Writer, rows []LedgerRow) error {
	return writeXLSX(w, []sheet{ledgerSheet(rows)})
}

// sheet is one sheet's content before it is written.
type sheet struct {
	name   string
	header []string
	kinds  []cellKind
	widths []float64
	rows   [][]any // string or int, matching kinds
}

func membersSheet(rows []MemberRow) sheet {
	s := sheet{name: MembersSheet, header: memberColumns, kinds: memberKinds, widths: memberWidths}
	for _, r := range rows {
		s.rows = append(s.rows, []any{r.Community, r.MemberID, r.Name, r.Unit, r.Building, r.Joined,
			r.Posts, r.Activities, r.Services, r.Total, r.Minimum, yesNo(r.Compliant), r.LastParticipation, r.Strong})
	}
	return s
}

func ledgerSheet(rows []LedgerRow) sheet {
	s := sheet{name: LedgerSheet, header: ledgerColumns, kinds: ledgerKinds, widths: ledgerWidths}
	for _, r := range rows {
		s.rows = append(s.rows, []any{r.Community, r.MemberID, r.Name, r.Date, r.Kind, r.Ref,
			r.Title, r.Method, r.VerifiedBy})
	}
	return s
}

func writeXLSX(w io.Writer, sheets []sheet) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close xlsx: %w", cerr)
		}
	}()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("xlsx header style: %w", err)
	}
	dateFormat := "yyyy-mm-dd"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat})
	if err != nil {
		return fmt.Errorf("xlsx date style: %w", err)
	}
	first := f.GetSheetName(0)
	for i, s := range sheets {
		if i == 0 {
			err = f.SetSheetName(first, s.name)
		} else {
			_, err = f.NewSheet(s.name)
		}
		if err != nil {
			return fmt.Errorf("xlsx sheet %s: %w", s.name, err)
		}
		if err := s.write(f, bold, date); err != nil {
			return fmt.Errorf("xlsx sheet %s: %w", s.name, err)
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "Lamplighter"}); err != nil {
		return fmt.Errorf("xlsx properties: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

func (s sheet) write(f *excelize.File, bold, date int) error {
	for c, h := range s.header {
		if err := f.SetCellStr(s.name, cellName(c, 1), h); err != nil {
			return err
		}
	}
	last := cellName(len(s.header)-1, 1)
	if err := f.SetCellStyle(s.name, "A1", last, bold); err != nil {
		return err
	}
	for i, row := range s.rows {
		for c, v := range row {
			if err := setCell(f, s.name, cellName(c, i+2), s.kinds[c], v, date); err != nil {
				return err
			}
		}
	}
	for c, wd := range s.widths {
		col := columnName(c)
		if err := f.SetColWidth(s.name, col, col, wd); err != nil {
			return err
		}
	}
	if err := f.SetPanes(s.name, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	return f.AutoFilter(s.name, "A1:"+cellName(len(s.header)-1, len(s.rows)+1), nil)
}

// setCell writes one value as its column's kind. An empty date or text leaves
// the cell empty.
func setCell(f *excelize.File, sh, cell string, k cellKind, v any, dateStyle int) error {
	switch k {
	case numberCell:
		return f.SetCellInt(sh, cell, int64(v.(int)))
	case dateCell:
		s := v.(string)
		if s == "" {
			return nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			// Not a date we produced; keep the text rather than lose it.
			return f.SetCellStr(sh, cell, s)
		}
		if err := f.SetCellValue(sh, cell, t); err != nil {
			return err
		}
		return f.SetCellStyle(sh, cell, cell, dateStyle)
	default:
		s := v.(string)
		if s == "" {
			return nil
		}
		return f.SetCellStr(sh, cell, s)
	}
}

// cellName is the A1 name of zero-based column c in one-based row r.
func cellName(c, r int) string { return fmt.Sprintf("%s%d", columnName(c), r) }

// columnName is the letter name of zero-based column c (0 → A, 26 → AA).
func columnName(c int) string {
	name := ""
	for c++; c > 0; c = (c - 1) / 26 {
		name = string(rune('A'+(c-1)%26)) + name
	}
	return name
}
