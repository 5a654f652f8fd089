package lamplighter

import (
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Statement is a member's verifiable statement of one year's record (SPEC
// section 11, 证明): the facts a certificate prints, as they stood when it
// was issued. It holds no personal data (no name, unit or Telegram id): the
// verify page reads the name from the member record now, so forgetting a
// member leaves nothing of them in their statements but the member id and
// counts, as in the ledger.
type Statement struct {
	ID        string          // random, unguessable id: the body of the token
	KeyID     string          // the signing key's id (a decimal number)
	Community string          // community id
	Member    string          // M id
	Year      int             // calendar year in the community's zone
	Parts     []StatementPart // the participations behind it, ordered by ref
	Grade     string          // the year's grade when one was given, else ""
	Issued    time.Time       // when it was first issued
}

// StatementPart is one participation behind a statement: what it counts as,
// not what it says (no title, no note).
type StatementPart struct {
	Ref    string // A7, S40, N4
	Kind   string // activity, service, need …
	Method string // how it was verified (SPEC section 9)
}

// StatementPartsOf returns the parts of a statement of year from a member's
// participations: every one that counts (not voided) dated in year, ordered
// by ref.
func StatementPartsOf(ps []Participation, year int) []StatementPart {
	out := []StatementPart{}
	for i := range ps {
		p := &ps[i]
		if p.Voided || p.Year() != year {
			continue
		}
		out = append(out, StatementPart{Ref: p.Ref, Kind: p.Kind, Method: p.Method})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// Total is the number of participations behind s.
func (s Statement) Total() int { return len(s.Parts) }

// Counts returns how many of s's participations have each kind, or each
// method with byMethod, and the keys in a stable order: the known kinds
// or methods first in the product's order, then any other alphabetically.
func (s Statement) Counts(byMethod bool) (map[string]int, []string) {
	n := map[string]int{}
	for _, p := range s.Parts {
		if byMethod {
			n[p.Method]++
		} else {
			n[p.Kind]++
		}
	}
	order := []string{KindActivity, KindService, "need"}
	if byMethod {
		order = []string{MethodRotating, MethodLocation, MethodScan, MethodConfirmed, MethodCode, MethodApproval, MethodManual}
	}
	var keys []string
	for _, k := range order {
		if n[k] > 0 {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range n {
		known := false
		for _, o := range order {
			known = known || o == k
		}
		if !known {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return n, append(keys, rest...)
}

// Status of a statement on the verify page.
const (
	StatementValid      = "valid"      // every fact still holds
	StatementSuperseded = "superseded" // a participation behind it was voided, or the grade changed
	StatementWithdrawn  = "withdrawn"  // the member was forgotten (/forgetme)
)

// MaskName is what the public verify page shows of a name: the first
// character of each word followed by one "*" for each further character, at
// most three ("王小明" → "王**", "Alice Chen" → "A*** C***"). Enough to match
// the certificate in hand, not enough to learn a name from a link.
func MaskName(name string) string {
	var words []string
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		rest := min(utf8.RuneCountInString(w)-1, 3)
		words = append(words, string(r)+strings.Repeat("*", rest))
	}
	return strings.Join(words, " ")
}

// StatementKey is one key that signs statement tokens (HMAC-SHA256). The
// current key signs new statements; older keys still verify theirs until
// they are retired.
type StatementKey struct {
	ID      string // a decimal number, 1 for the first key
	Key     []byte // 32 random bytes
	Created time.Time
}
