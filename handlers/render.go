package handlers

import (
	"io"
	"time"

	"github.com/lamplighter-bot/lamplighter/record"
)

// Renderer draws the files replies carry. report.Renderer implements it;
// cmd/lamplighter passes it in, so the conversation links no image or
// spreadsheet code.
type Renderer interface {
	// QRCodePNG encodes text as a PNG QR code about size pixels wide.
	QRCodePNG(text string, size int) ([]byte, error)
	// Chart draws a year's compliance chart of a community in lang.
	Chart(s record.Summary, now time.Time, lang string) ([]byte, error)
	// StreamXLSX writes the workbook WriteXLSX writes from pages of
	// members and their ledger rows (app.ExportStream's Pages), holding one
	// page at a time, its temporary files in dir; it says how many rows
	// each sheet got.
	StreamXLSX(w io.Writer, pages func(yield func([]record.MemberRow, []record.LedgerRow) error) error, dir string) (members, entries int, err error)
	// Certificate draws a statement's certificate (PNG) in lang.
	Certificate(d record.Certificate, lang string) ([]byte, error)
}
