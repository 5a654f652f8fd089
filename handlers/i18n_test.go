package handlers_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lamplighter-bot/lamplighter/handlers"
)

var verbPattern = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

func TestCatalogLanguagesMatch(t *testing.T) {
	zh, en := handlers.Catalog["zh"], handlers.Catalog["en"]
	if len(zh) == 0 || len(en) == 0 {
		t.Fatalf("catalog has %d zh and %d en messages", len(zh), len(en))
	}
	for lang, msgs := range handlers.Catalog {
		other := map[string]map[string]string{"zh": en, "en": zh}[lang]
		if other == nil {
			t.Errorf("catalog has a language %q besides zh and en", lang)
			continue
		}
		for id, msg := range msgs {
			o, ok := other[id]
			if !ok {
				t.Errorf("message %q is in %s but not in the other language", id, lang)
				continue
			}
			if strings.TrimSpace(msg) == "" {
				t.Errorf("message %q is empty in %s", id, lang)
			}
			if got, want := verbPattern.FindAllString(msg, -1), verbPattern.FindAllString(o, -1); !slices.Equal(got, want) {
				t.Errorf("message %q has verbs %v in %s but %v in the other language", id, got, lang, want)
			}
			if err := checkHTML(msg); err != nil {
				t.Errorf("message %q in %s is not valid Telegram HTML: %v", id, lang, err)
			}
			if isPlainKey(id) && strings.ContainsAny(msg, "<>&") {
				t.Errorf("message %q in %s is shown as plain text but contains markup: %q", id, lang, msg)
			}
		}
	}
}

// isPlainKey reports whether a message is shown as plain text (buttons,
// toasts, menus).
func isPlainKey(id string) bool {
	for _, p := range []string{"button.", "field.", "desc.", "skills.", "page.toast", "mode.", "role.member", "role.secretary", "role.deputy", "role.committee", "role.admin"} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// TestCatalogHasEveryMessageUsed reads the package's source for message ids
// passed as literals, and checks the ids built from tables.
func TestCatalogHasEveryMessageUsed(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
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
			if !ok {
				return true
			}
			var fn string
			switch f := call.Fun.(type) {
			case *ast.SelectorExpr:
				fn = f.Sel.Name
			case *ast.Ident:
				fn = f.Name
			}
			arg := -1
			switch fn {
			case "t", "say", "label":
				arg = 0
			case "tr":
				arg = 1
			}
			if arg < 0 || len(call.Args) <= arg {
				return true
			}
			lit, ok := call.Args[arg].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if id, err := strconv.Unquote(lit.Value); err == nil {
				used[id] = true
			}
			return true
		})
	}
	if len(used) < 50 {
		t.Fatalf("found only %d message ids in the source; the scan is broken", len(used))
	}
	for _, cmd := range handlers.Commands() {
		used["desc."+cmd.Name] = true
		if cmd.NeedArgs {
			used["usage."+cmd.Name] = true
		}
	}
	for _, f := range handlers.InvalidFields {
		used["invalid."+f] = true
	}
	for _, k := range []string{"mode.claimed", "mode.fixed-point", "mode.paired", "role.member", "role.secretary",
		"role.deputy", "role.committee", "role.admin", "status.active", "status.left", "status.forgotten",
		"leader.on", "leader.off", "leader.told_on", "leader.told_off", "usage.claim", "usage.profile",
		"usage.invite", "usage.members", "usage.audit", "usage.newpost", "help.member", "help.committee", "help.admin"} {
		used[k] = true
	}
	for id := range used {
		for _, lang := range []string{"zh", "en"} {
			if _, ok := handlers.Catalog[lang][id]; !ok {
				t.Errorf("message %q is used but missing in %s", id, lang)
			}
		}
	}
}

func TestMenus(t *testing.T) {
	menus := handlers.Menus()
	namePattern := regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	for _, menu := range []string{"member", "committee"} {
		for _, lang := range []string{"zh", "en"} {
			cmds := menus[menu][lang]
			if len(cmds) == 0 || len(cmds) > 100 {
				t.Errorf("Menus()[%s][%s] has %d commands", menu, lang, len(cmds))
			}
			for _, c := range cmds {
				if !namePattern.MatchString(c.Command) {
					t.Errorf("Menus()[%s][%s] command %q is not a Telegram command name", menu, lang, c.Command)
				}
				if n := len([]rune(c.Description)); n == 0 || n > 256 || strings.ContainsAny(c.Description, "<>") {
					t.Errorf("Menus()[%s][%s] /%s description %q", menu, lang, c.Command, c.Description)
				}
			}
		}
	}
	names := func(menu string) []string {
		var out []string
		for _, c := range menus[menu]["en"] {
			out = append(out, c.Command)
		}
		return out
	}
	member, committee := names("member"), names("committee")
	for _, c := range member {
		if !slices.Contains(committee, c) {
			t.Errorf("committee menu lacks member command /%s", c)
		}
	}
	if slices.Contains(member, "newpost") || !slices.Contains(committee, "newpost") || !slices.Contains(member, "claim") {
		t.Errorf("member menu %v, committee menu %v", member, committee)
	}
	if got := menus["member"]["zh"][0].Description; got == menus["member"]["en"][0].Description {
		t.Errorf("zh and en menus have the same description %q", got)
	}
}
