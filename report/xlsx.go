package report

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"
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
// never run as a formula (no quote is added, unlike the CSV). The sheets are
// streamed: the workbook never holds more than a few rows in memory. It
// returns the first error met, with context.
func WriteXLSX(w io.Writer, members []MemberRow, ledger []LedgerRow) error {
	_, err := writeXLSX(w, []sheet{membersSheet(oneMemberChunk(members)), ledgerSheet(oneLedgerChunk(ledger))})
	return err
}

// WriteMembersXLSX writes a workbook whose only sheet, "members", is laid out
// as in WriteXLSX (lamplighter export --kind members --format xlsx).
func WriteMembersXLSX(w io.Writer, rows []MemberRow) error {
	_, err := StreamMembersXLSX(w, oneMemberChunk(rows))
	return err
}

// WriteLedgerXLSX writes a workbook whose only sheet, "ledger", is laid out
// as in WriteXLSX (lamplighter export --kind ledger --format xlsx).
func WriteLedgerXLSX(w io.Writer, rows []LedgerRow) error {
	_, err := StreamLedgerXLSX(w, oneLedgerChunk(rows))
	return err
}

// StreamMembersXLSX is WriteMembersXLSX over rows given a chunk at a time
// (one community's, say), so that only one chunk is held at once; n is how
// many rows it wrote.
func StreamMembersXLSX(w io.Writer, chunks MemberChunks) (n int, err error) {
	ns, err := writeXLSX(w, []sheet{membersSheet(chunks)})
	return ns[0], err
}

// StreamLedgerXLSX is StreamMembersXLSX for the ledger.
func StreamLedgerXLSX(w io.Writer, chunks LedgerChunks) (n int, err error) {
	ns, err := writeXLSX(w, []sheet{ledgerSheet(chunks)})
	return ns[0], err
}

// sheet is one sheet's layout and its rows, produced one at a time, so that
// a large export is streamed to the workbook instead of held in it.
type sheet struct {
	name   string
	header []string
	kinds  []cellKind
	widths []float64
	// each calls emit with every row's values in order (string or int,
	// matching kinds; emit may reuse nothing of the slice after it returns).
	each func(emit func([]any) error) error
}

func membersSheet(chunks MemberChunks) sheet {
	return sheet{name: MembersSheet, header: memberColumns, kinds: memberKinds, widths: memberWidths,
		each: func(emit func([]any) error) error {
			vals := make([]any, len(memberColumns))
			return chunks(func(rows []MemberRow) error {
				for i := range rows {
					r := &rows[i]
					copy(vals, []any{r.Community, r.MemberID, r.Name, r.Unit, r.Building, r.Joined,
						r.Posts, r.Activities, r.Services, r.Total, r.Minimum, yesNo(r.Compliant), r.LastParticipation, r.Strong})
					if err := emit(vals); err != nil {
						return err
					}
				}
				return nil
			})
		}}
}

func ledgerSheet(chunks LedgerChunks) sheet {
	return sheet{name: LedgerSheet, header: ledgerColumns, kinds: ledgerKinds, widths: ledgerWidths,
		each: func(emit func([]any) error) error {
			vals := make([]any, len(ledgerColumns))
			return chunks(func(rows []LedgerRow) error {
				for i := range rows {
					r := &rows[i]
					copy(vals, []any{r.Community, r.MemberID, r.Name, r.Date, r.Kind, r.Ref, r.Title, r.Method, r.VerifiedBy})
					if err := emit(vals); err != nil {
						return err
					}
				}
				return nil
			})
		}}
}

// writeXLSX writes the sheets as one workbook and says how many rows each had.
func writeXLSX(w io.Writer, sheets []sheet) (rows []int, err error) {
	return writeXLSXIn(w, sheets, "")
}

// writeXLSXIn is writeXLSX with the stream writers' temporary files in dir
// (os.TempDir when "").
func writeXLSXIn(w io.Writer, sheets []sheet, dir string) (rows []int, err error) {
	rows = make([]int, len(sheets))
	f := excelize.NewFile(excelize.Options{TmpDir: dir})
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close xlsx: %w", cerr)
		}
	}()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return rows, fmt.Errorf("xlsx header style: %w", err)
	}
	dateFormat := "yyyy-mm-dd"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat})
	if err != nil {
		return rows, fmt.Errorf("xlsx date style: %w", err)
	}
	first := f.GetSheetName(0)
	for i, s := range sheets {
		if i == 0 {
			err = f.SetSheetName(first, s.name)
		} else {
			_, err = f.NewSheet(s.name)
		}
		if err != nil {
			return rows, fmt.Errorf("xlsx sheet %s: %w", s.name, err)
		}
		if rows[i], err = s.write(f, bold, date); err != nil {
			return rows, fmt.Errorf("xlsx sheet %s: %w", s.name, err)
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "Lamplighter"}); err != nil {
		return rows, fmt.Errorf("xlsx properties: %w", err)
	}
	// excelize's WriteTo builds the whole archive in a bytes.Buffer before
	// copying it to w (WriteToBuffer): tens of megabytes for 400,000 rows.
	// Its zip-writer hook lets the archive go straight to w instead, and the
	// buffer stays empty. (What the buffer would have allowed, patching the
	// local headers of entries over 4 GiB, is beyond any export here.)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if _, err := f.WriteToBuffer(); err != nil {
		return rows, fmt.Errorf("write xlsx: %w", err)
	}
	return rows, nil
}

// write streams the sheet (excelize's StreamWriter keeps a few rows in
// memory and the rest in a temporary file): widths and the frozen header
// first, then the rows in order, then the autofilter over them.
func (s sheet) write(f *excelize.File, bold, date int) (n int, err error) {
	sw, err := f.NewStreamWriter(s.name)
	if err != nil {
		return 0, err
	}
	for c, wd := range s.widths {
		if err := sw.SetColWidth(c+1, c+1, wd); err != nil {
			return 0, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return 0, err
	}
	header := make([]any, len(s.header))
	for c, h := range s.header {
		header[c] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	cells := make([]any, len(s.kinds))
	err = s.each(func(vals []any) error {
		for c, v := range vals {
			cells[c] = cellValue(s.kinds[c], v, date)
		}
		n++
		return sw.SetRow("A"+strconv.Itoa(n+1), cells)
	})
	if err != nil {
		return n, err
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	return n, f.AutoFilter(s.name, "A1:"+cellName(len(s.header)-1, n+1), nil)
}

// cellValue is one value as its column's kind for the stream writer: an int
// for a number, a date styled yyyy-mm-dd, a string cell (shown as typed,
// never run as a formula); nil (an empty cell) for an empty date or text.
func cellValue(k cellKind, v any, dateStyle int) any {
	switch k {
	case numberCell:
		return v.(int)
	case dateCell:
		s := v.(string)
		if s == "" {
			return nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s // not a date we produced; keep the text rather than lose it
		}
		return excelize.Cell{StyleID: dateStyle, Value: t}
	default:
		if s := v.(string); s != "" {
			return s
		}
		return nil
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
