package report

import (
	"time"

	"github.com/lamplighter-bot/lamplighter/record"
)

// The rows are counted by package record; these names keep report's callers
// (the CLI, its tests) reading as before.
type (
	CommunityData = record.CommunityData
	MemberRow     = record.MemberRow
	LedgerRow     = record.LedgerRow
)

// ForgottenName is record.ForgottenName.
const ForgottenName = record.ForgottenName

// MemberRows is record.MemberRows.
func MemberRows(d CommunityData, year int, now time.Time) []MemberRow {
	return record.MemberRows(d, year, now)
}

// LedgerRows is record.LedgerRows.
func LedgerRows(d CommunityData, year int) []LedgerRow { return record.LedgerRows(d, year) }

// AllMemberRows is record.AllMemberRows.
func AllMemberRows(ds []CommunityData, year int, now time.Time) []MemberRow {
	return record.AllMemberRows(ds, year, now)
}

// AllLedgerRows is record.AllLedgerRows.
func AllLedgerRows(ds []CommunityData, year int) []LedgerRow { return record.AllLedgerRows(ds, year) }
