package catalog

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEveryPartRegistered reads the package's source for the message maps
// (map[string]string and map[string]Form literals) and checks that each of
// their ids reached the catalog: a file's maps left out of init would
// otherwise escape the language and placeholder tests.
func TestEveryPartRegistered(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string][]string{}
	for _, lang := range Languages {
		known[lang] = IDs(lang)
	}
	fset := token.NewFileSet()
	maps := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.VAR {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, v := range vs.Values {
					lit, ok := v.(*ast.CompositeLit)
					if !ok || !isMessageMap(lit.Type) {
						continue
					}
					maps++
					for _, el := range lit.Elts {
						kv, ok := el.(*ast.KeyValueExpr)
						if !ok {
							continue
						}
						key, ok := kv.Key.(*ast.BasicLit)
						if !ok || key.Kind != token.STRING {
							continue
						}
						id, _ := strconv.Unquote(key.Value)
						found := false
						for _, ids := range known {
							found = found || slices.Contains(ids, id)
						}
						if !found {
							t.Errorf("%s: message %q of %s is in no language: is its map listed in init?", name, id, vs.Names[i].Name)
						}
					}
				}
			}
		}
	}
	if maps < 10 {
		t.Fatalf("found only %d message maps in the source; the scan is broken", maps)
	}
}

// isMessageMap reports whether a literal's type is map[string]string or
// map[string]Form.
func isMessageMap(e ast.Expr) bool {
	m, ok := e.(*ast.MapType)
	if !ok {
		return false
	}
	k, ok := m.Key.(*ast.Ident)
	if !ok || k.Name != "string" {
		return false
	}
	v, ok := m.Value.(*ast.Ident)
	return ok && (v.Name == "string" || v.Name == "Form")
}

// TestNoProjectDependency keeps the catalog at the bottom of the module:
// the packages that show its messages (handlers, bot, report) import it, so
// it imports nothing of the module.
func TestNoProjectDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lamplighter-bot/lamplighter/catalog").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/lamplighter-bot/lamplighter") && dep != "github.com/lamplighter-bot/lamplighter/catalog" {
			t.Errorf("catalog depends on %s", dep)
		}
	}
}
