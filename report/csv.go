package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/lamplighter-bot/lamplighter/record"
)

// bom is the UTF-8 byte-order mark that makes Excel and WPS read the file as
// UTF-8 (SPEC section 6).
const bom = "\uFEFF"

// The export columns, SPEC section 7.
var (
	memberColumns = []string{"community", "member_id", "name", "unit", "building", "joined",
		"posts", "activities", "services", "total", "minimum", "compliant", "last_participation",
		"strong"} // strong: SPEC section 9, added last so that older column positions hold
	ledgerColumns = []string{"community", "member_id", "name", "date", "kind", "ref",
		"title", "method", "verified_by"}
)

// MemberChunks gives the rows of a members export a chunk at a time (the
// CLI gives one community's rows per chunk, read just before), calling
// yield with each chunk in order and stopping at its first error; an
// export never holds more than one chunk.
type MemberChunks func(yield func([]MemberRow) error) error

// LedgerChunks is MemberChunks for the ledger export.
type LedgerChunks func(yield func([]LedgerRow) error) error

func oneMemberChunk(rows []MemberRow) MemberChunks {
	return func(yield func([]MemberRow) error) error { return yield(rows) }
}

func oneLedgerChunk(rows []LedgerRow) LedgerChunks {
	return func(yield func([]LedgerRow) error) error { return yield(rows) }
}

// WriteMembersCSV writes the members export: a UTF-8 byte-order mark, the
// header row, then one record per row, with CRLF line ends (RFC 4180, what
// Excel and WPS write themselves). Text a person typed (community, name,
// unit, building) is neutralised so that no spreadsheet runs it as a
// formula: see Neutralize. It returns the first write error, with context.
func WriteMembersCSV(w io.Writer, rows []MemberRow) error {
	_, err := StreamMembersCSV(w, oneMemberChunk(rows))
	return err
}

// StreamMembersCSV is WriteMembersCSV over rows given a chunk at a time,
// each written as it comes; n is how many rows it wrote.
func StreamMembersCSV(w io.Writer, chunks MemberChunks) (n int, err error) {
	return writeCSV(w, "members", memberColumns, func(rec func([]string) error) error {
		return chunks(func(rows []MemberRow) error {
			for _, r := range rows {
				if err := rec(memberRecord(r)); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// WriteLedgerCSV writes the ledger export like WriteMembersCSV: byte-order
// mark, header, CRLF line ends, and the community, name and title cells
// neutralised.
func WriteLedgerCSV(w io.Writer, rows []LedgerRow) error {
	_, err := StreamLedgerCSV(w, oneLedgerChunk(rows))
	return err
}

// StreamLedgerCSV is StreamMembersCSV for the ledger.
func StreamLedgerCSV(w io.Writer, chunks LedgerChunks) (n int, err error) {
	return writeCSV(w, "ledger", ledgerColumns, func(rec func([]string) error) error {
		return chunks(func(rows []LedgerRow) error {
			for _, r := range rows {
				if err := rec(ledgerRecord(r)); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// Neutralize returns s prefixed with a single quote when a spreadsheet would
// take it for a formula, that is when it starts with =, +, -, @, a tab or a
// carriage return (the OWASP "CSV injection" advice); any other s comes back
// unchanged. The quote shows in the cell, which is the point: the text is
// kept, visibly, and never run.
func Neutralize(s string) string { return record.Neutralize(s) }

func memberRecord(r MemberRow) []string {
	return []string{
		Neutralize(r.Community), r.MemberID, Neutralize(r.Name), Neutralize(r.Unit), Neutralize(r.Building),
		r.Joined, strconv.Itoa(r.Posts), strconv.Itoa(r.Activities), strconv.Itoa(r.Services),
		strconv.Itoa(r.Total), strconv.Itoa(r.Minimum), yesNo(r.Compliant), r.LastParticipation,
		strconv.Itoa(r.Strong),
	}
}

func ledgerRecord(r LedgerRow) []string {
	return []string{
		Neutralize(r.Community), r.MemberID, Neutralize(r.Name), r.Date, r.Kind, r.Ref,
		Neutralize(r.Title), r.Method, r.VerifiedBy,
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// writeCSV writes the byte-order mark, the header, then each record each
// gives, as it comes; n is how many records.
func writeCSV(w io.Writer, kind string, header []string, each func(rec func([]string) error) error) (n int, err error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return 0, fmt.Errorf("write %s csv: %w", kind, err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return 0, fmt.Errorf("write %s csv header: %w", kind, err)
	}
	err = each(func(r []string) error {
		n++
		return cw.Write(r)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		return n, fmt.Errorf("write %s csv: %w", kind, err)
	}
	return n, nil
}
