package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	ll "github.com/lamplighter-bot/lamplighter"
)

// membersCSVHeader is the header row of a members import file.
var membersCSVHeader = []string{"telegram_id", "name", "unit", "building", "skills", "role"}

// rowError is one bad line of an import file.
type rowError struct {
	Line int // 1-based line number in the file
	Msg  string
}

func (e rowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// importRow is one good line of an import file: the member to create and the
// line it came from.
type importRow struct {
	Line   int
	Member ll.Member
}

// parseMembersCSV parses a members import file: a header row, then
// telegram_id,name,unit,building,skills,role. It accepts a UTF-8 byte-order
// mark and CRLF line ends. It checks every row (column count, Telegram id,
// the member's fields via Member.Validate, role, a Telegram id repeated in the
// file) and returns either all the rows or, when any is bad, every problem
// with its line number and no rows. It does not touch storage.
func parseMembersCSV(data []byte) ([]importRow, []rowError) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // the column count is checked per row below
	r.TrimLeadingSpace = true

	var (
		rows    []importRow
		errs    []rowError
		header  = true
		seenTG  = map[int64]int{}
		dataRow = 0
	)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// The reader cannot resynchronise reliably after a quoting
				// mistake: report it and stop.
				errs = append(errs, rowError{pe.StartLine, "malformed CSV: " + pe.Err.Error()})
			} else {
				errs = append(errs, rowError{0, err.Error()})
			}
			break
		}
		line, _ := r.FieldPos(0)
		if header {
			header = false
			if !isMembersHeader(rec) {
				errs = append(errs, rowError{line, "the first row must be the header " + strings.Join(membersCSVHeader, ",")})
				// Keep checking the other rows so that one run shows every problem.
			}
			continue
		}
		dataRow++
		m, err := parseMemberRecord(rec)
		if err != nil {
			errs = append(errs, rowError{line, err.Error()})
			continue
		}
		if m.TelegramID != 0 {
			if first, dup := seenTG[m.TelegramID]; dup {
				errs = append(errs, rowError{line, fmt.Sprintf("telegram_id %d repeats line %d", m.TelegramID, first)})
				continue
			}
			seenTG[m.TelegramID] = line
		}
		rows = append(rows, importRow{Line: line, Member: m})
	}
	if header && len(errs) == 0 {
		errs = append(errs, rowError{1, "empty file: expected the header " + strings.Join(membersCSVHeader, ",")})
	} else if len(errs) == 0 && len(rows) == 0 {
		errs = append(errs, rowError{1, "no members after the header"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return rows, nil
}

func isMembersHeader(rec []string) bool {
	if len(rec) != len(membersCSVHeader) {
		return false
	}
	for i, h := range membersCSVHeader {
		if !strings.EqualFold(strings.TrimSpace(rec[i]), h) {
			return false
		}
	}
	return true
}

// parseMemberRecord turns one data row into a member, or says what is wrong.
func parseMemberRecord(rec []string) (ll.Member, error) {
	if len(rec) != len(membersCSVHeader) {
		return ll.Member{}, fmt.Errorf("%d columns, want %d (%s)", len(rec), len(membersCSVHeader), strings.Join(membersCSVHeader, ","))
	}
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
		if strings.ContainsAny(rec[i], "\r\n") {
			return ll.Member{}, fmt.Errorf("%s contains a line break", membersCSVHeader[i])
		}
	}
	m := ll.Member{
		Name:     rec[1],
		Unit:     rec[2],
		Building: rec[3],
		Skills:   ll.ParseSkills(rec[4]),
		Status:   ll.StatusActive,
	}
	if rec[0] != "" {
		tg, err := strconv.ParseInt(rec[0], 10, 64)
		if err != nil || tg <= 0 {
			return ll.Member{}, fmt.Errorf("telegram_id %q is not a Telegram user id (a positive number, or empty)", rec[0])
		}
		m.TelegramID = tg
	}
	role, err := ll.ParseRole(rec[5])
	if err != nil {
		return ll.Member{}, fmt.Errorf("role %q: must be empty, secretary, deputy or committee", rec[5])
	}
	m.Role = role
	if err := m.Validate(); err != nil {
		var de *ll.Error
		if errors.As(err, &de) && de.Message != "" {
			return ll.Member{}, errors.New(de.Message)
		}
		return ll.Member{}, err
	}
	return m, nil
}
