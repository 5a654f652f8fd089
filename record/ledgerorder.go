package record

import "strings"

// LedgerOrder orders two rows of one community's ledger export as
// LedgerRows does across members: by date, then member number (M2 before
// M10). It answers 0 for two rows of one member on one date, whose order
// (recording time, then ref) only LedgerRows over that member's
// participations knows: a writer that merges the rows of pages of members
// (each page's rows from LedgerRows) keeps a page's rows in their order.
func LedgerOrder(a, b *LedgerRow) int {
	if c := strings.Compare(a.Date, b.Date); c != 0 {
		return c
	}
	return compareIDs(a.ID, b.ID)
}
