package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	ll "github.com/lamplighter-bot/lamplighter"
)

// TestEveryRefusalHasItsMessage maps every refusal the store and the
// services give (a code and, where it has one, a Reason) to a message in
// Chinese and in English: never empty, never the generic apology, no
// unfilled placeholder, and different from the code's plain message where
// the reason says more.
func TestEveryRefusalHasItsMessage(t *testing.T) {
	refusals := []*ll.Error{
		ll.ErrConflict, ll.ErrForbidden, ll.ErrFull, ll.ErrInvalid, ll.ErrNotFound,
		ll.ErrNotMember, ll.ErrUnavailable, ll.ErrStale,
		ll.Refuse(ll.ECONFLICT, ll.ReasonAmbiguous), // check-in modes (SPEC §9)
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonCreator),
		ll.Refuse(ll.EINVALID, ll.ReasonLocationOnly),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonUseFirst),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonSecretaryOnly),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonAdminOnly),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonTooManyCodes),
		ll.Refuse(ll.ECONFLICT, ll.ReasonClosed),
		ll.Refuse(ll.ECONFLICT, ll.ReasonUsed),
		ll.Refuse(ll.ECONFLICT, ll.ReasonRegistered),
		ll.Refuse(ll.ECONFLICT, ll.ReasonInactive),
		ll.Refuse(ll.ECONFLICT, ll.ReasonCancelled),
		ll.Refuse(ll.ECONFLICT, ll.ReasonEnded),
		ll.Refuse(ll.ECONFLICT, ll.ReasonNotOpen),
		ll.Refuse(ll.ECONFLICT, ll.ReasonDecided),
		ll.Refuse(ll.EINVALID, ll.ReasonCode),
		ll.Refuse(ll.EFULL, ll.ReasonActivity),
		ll.Refuse(ll.EFULL, ll.ReasonPost),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonSelf),
		ll.Refuse(ll.EINVALID, ll.ReasonLocation),
		ll.Refuse(ll.EINVALID, ll.ReasonInaccurate),
		ll.Refuse(ll.EINVALID, ll.ReasonJump),
		ll.Refuse(ll.EINVALID, ll.ReasonNotLive),
		ll.Refuse(ll.ECONFLICT, ll.ReasonTooFar),
		ll.Refuse(ll.ENOTFOUND, ll.ReasonNoPlace),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonOwnEntry),
		ll.Refuse(ll.ECONFLICT, ll.ReasonCheckedIn),
		ll.Refuse(ll.ECONFLICT, ll.ReasonBackdated),
		ll.Refuse(ll.ECONFLICT, ll.ReasonVoided),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonVoider),
		ll.Refuse(ll.EFULL, ll.ReasonTooManyPending),
		ll.Refuse(ll.ECONFLICT, ll.ReasonNotPaired),
		ll.Refuse(ll.ECONFLICT, ll.ReasonAwaiting),
		ll.Refuse(ll.ECONFLICT, ll.ReasonRevoked),
		ll.Refuse(ll.ECONFLICT, ll.ReasonRoleRejoin),
		ll.Refuse(ll.ECONFLICT, ll.ReasonImported),
		ll.Refuse(ll.ECONFLICT, ll.ReasonImportRunning),
		ll.Refuse(ll.EFULL, ll.ReasonNeedLimit), // needs (SPEC §10)
		ll.Refuse(ll.EFULL, ll.ReasonNeedTaken),
		ll.Refuse(ll.ECONFLICT, ll.ReasonNeedState),
		ll.Refuse(ll.ECONFLICT, ll.ReasonNeedHelpers),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonNotTaker),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonNotAsker),
		ll.Refuse(ll.ECONFLICT, ll.ReasonLocationOnly),
		ll.Refuse(ll.ECONFLICT, ll.ReasonNoOffer), // waitlists (SPEC section 10)
		ll.Refuse(ll.ECONFLICT, ll.ReasonNotSignedUp),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonLiaisonOnly), // units and evaluations (SPEC §11)
		ll.Refuse(ll.ECONFLICT, ll.ReasonEvalClosed),
		ll.Refuse(ll.ENOTFOUND, ll.ReasonNotGraded),
		ll.Refuse(ll.ECONFLICT, ll.ReasonNotInYear),
		ll.Refuse(ll.EINVALID, ll.ReasonScanCode), // scan check-in (SPEC §9)
		ll.Refuse(ll.ECONFLICT, ll.ReasonScanExpired),
		ll.Refuse(ll.ECONFLICT, ll.ReasonScanUsed),
		ll.Refuse(ll.EFORBIDDEN, ll.ReasonScanCommunity),
	}
	listed := map[string]bool{}
	for _, e := range refusals {
		listed[e.Detail] = true
	}
	for _, r := range domainReasons(t) {
		if !listed[r] {
			t.Errorf("the domain's Reason %q is missing from this table: add it with the code it comes with", r)
		}
	}
	h := New(nil, Config{Logger: slog.New(slog.DiscardHandler)})
	for _, lang := range []string{"zh", "en"} {
		c := &call{h: h, lang: lang}
		internal := c.t("error.internal")
		plain := map[string]string{}
		for _, code := range []*ll.Error{ll.ErrConflict, ll.ErrForbidden, ll.ErrFull} {
			plain[code.Code] = c.errorText(code, "X1")
		}
		for _, e := range refusals {
			got := c.errorText(e, "X1")
			switch {
			case strings.TrimSpace(got) == "":
				t.Errorf("%s: refusal %s/%s has no message", lang, e.Code, e.Detail)
			case got == internal:
				t.Errorf("%s: refusal %s/%s answered with the generic apology", lang, e.Code, e.Detail)
			case strings.Contains(got, "%!"):
				t.Errorf("%s: refusal %s/%s = %q, a placeholder is unfilled", lang, e.Code, e.Detail, got)
			case e.Detail != "" && e.Detail != ll.ReasonPost && got == plain[e.Code]:
				t.Errorf("%s: refusal %s/%s = %q, the same as the plain %s message", lang, e.Code, e.Detail, got, e.Code)
			}
		}
	}
}

// domainReasons reads every Reason constant of the domain package
// (errors.go), so that a new one cannot miss its message.
func domainReasons(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, v)
				}
			}
		}
	}
	if len(out) < 15 {
		t.Fatalf("found only %d Reason constants in errors.go", len(out))
	}
	return out
}
