package report_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter/catalog"
)

// TestChartMessagesInCatalog reads the package's source for the catalog
// messages it draws (catalog.Text and catalog.Plural with a literal id), adds
// the month labels built from "chart.month.", and checks that each is in
// both languages: a missing one would be drawn as its id.
func TestChartMessagesInCatalog(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	text, plural := map[string]bool{}, map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "catalog" {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			id, _ := strconv.Unquote(lit.Value)
			switch sel.Sel.Name {
			case "Text":
				text[id] = true
			case "Plural":
				plural[id] = true
			}
			return true
		})
	}
	delete(text, "chart.month.")
	for m := 1; m <= 12; m++ {
		text["chart.month."+strconv.Itoa(m)] = true
	}
	if len(text) < 12+6 || len(plural) < 3 {
		t.Fatalf("found only %d messages and %d plurals in the source; the scan is broken", len(text), len(plural))
	}
	for _, lang := range catalog.Languages {
		msgs, forms := catalog.Messages(lang), catalog.Plurals(lang)
		for id := range text {
			if _, ok := msgs[id]; !ok {
				t.Errorf("message %q is drawn but missing in %s", id, lang)
			}
		}
		for id := range plural {
			if _, ok := forms[id]; !ok {
				t.Errorf("plural %q is drawn but missing in %s", id, lang)
			}
		}
	}
}
