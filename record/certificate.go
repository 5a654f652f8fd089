package record

import (
	"time"

	lamplighter "github.com/lamplighter-bot/lamplighter"
)

// Certificate is what a statement's certificate prints (SPEC section 11):
// the statement's facts, the member's name and unit and the community's
// name as they are when it is issued, the zone its dates are shown in, and
// the verify URL of its QR code ("" when online verification is not
// configured: the certificate then says so instead of carrying a code).
// The conversation fills it in; package report draws it.
type Certificate struct {
	Statement lamplighter.Statement
	Name      string
	Unit      string
	Community string // the community's name
	Location  *time.Location
	URL       string
}
