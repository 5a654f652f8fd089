package report

import (
	"github.com/lamplighter-bot/lamplighter/record"
	"io"
	"time"
)

// Renderer draws the files the conversation sends (QR codes, the /report
// chart, the /export workbook); cmd/lamplighter gives it to the handlers,
// which therefore link neither excelize nor image code.
type Renderer struct{}

// QRCodePNG is QRCodePNG.
func (Renderer) QRCodePNG(text string, size int) ([]byte, error) { return QRCodePNG(text, size) }

// Chart is ChartSummary.
func (Renderer) Chart(s record.Summary, now time.Time, lang string) ([]byte, error) {
	return ChartSummary(s, now, lang)
}

// WriteXLSX is WriteXLSX.
func (Renderer) WriteXLSX(w io.Writer, members []MemberRow, ledger []LedgerRow) error {
	return WriteXLSX(w, members, ledger)
}

// StreamXLSX is StreamXLSX.
func (Renderer) StreamXLSX(w io.Writer, pages func(yield func([]MemberRow, []LedgerRow) error) error, dir string) (members, entries int, err error) {
	return StreamXLSX(w, pages, dir)
}
