package catalog

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// verbPattern matches fmt verbs, explicit argument indexes included.
var verbPattern = regexp.MustCompile(`%(\[[0-9]+\])?[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

// verbs returns a message's verbs in argument order: an explicit index puts a
// verb at its position, so "%[2]s %[1]d" and "%d %s" match.
func verbs(msg string) []string {
	var out []string
	next := 1
	byIndex := map[int]string{}
	for _, v := range verbPattern.FindAllString(msg, -1) {
		if v == "%%" {
			continue
		}
		i := next
		if m := regexp.MustCompile(`^%\[([0-9]+)\]`).FindStringSubmatch(v); m != nil {
			i = 0
			for _, r := range m[1] {
				i = i*10 + int(r-'0')
			}
			v = "%" + v[len(m[0]):]
		}
		byIndex[i] = v
		next = i + 1
	}
	for i := 1; i <= len(byIndex)+16; i++ {
		if v, ok := byIndex[i]; ok {
			out = append(out, v)
		}
	}
	return out
}

func TestEveryKeyInBothLanguages(t *testing.T) {
	zh, en := IDs("zh"), IDs("en")
	if len(zh) == 0 {
		t.Fatal("empty catalog")
	}
	if !slices.Equal(zh, en) {
		for _, id := range zh {
			if !slices.Contains(en, id) {
				t.Errorf("%q is in zh but not en", id)
			}
		}
		for _, id := range en {
			if !slices.Contains(zh, id) {
				t.Errorf("%q is in en but not zh", id)
			}
		}
	}
}

func TestPlaceholdersMatch(t *testing.T) {
	zh, en := Messages("zh"), Messages("en")
	for id, e := range en {
		z, ok := zh[id]
		if !ok {
			continue
		}
		if strings.TrimSpace(e) == "" || strings.TrimSpace(z) == "" {
			t.Errorf("%q is empty in a language", id)
		}
		if a, b := verbs(z), verbs(e); !slices.Equal(a, b) {
			t.Errorf("%q: zh verbs %v, en verbs %v", id, a, b)
		}
	}
}

func TestPluralFormsComplete(t *testing.T) {
	zh, en := Plurals("zh"), Plurals("en")
	for id, f := range en {
		if f.One == "" || f.Other == "" {
			t.Errorf("en plural %q lacks a form: %+v", id, f)
		}
		if !slices.Equal(verbs(f.One), verbs(f.Other)) {
			t.Errorf("en plural %q: forms take different verbs", id)
		}
		z, ok := zh[id]
		if !ok || z.Other == "" {
			t.Errorf("zh plural %q missing", id)
			continue
		}
		if !slices.Equal(verbs(z.Other), verbs(f.Other)) {
			t.Errorf("plural %q: zh verbs %v, en verbs %v", id, verbs(z.Other), verbs(f.Other))
		}
	}
	for id := range zh {
		if _, ok := en[id]; !ok {
			t.Errorf("zh plural %q missing in en", id)
		}
	}
	if got := Plural("en", "count.post", 1, 1); got != "1 post" {
		t.Errorf("en one: %q", got)
	}
	if got := Plural("en", "count.post", 2, 2); got != "2 posts" {
		t.Errorf("en other: %q", got)
	}
	if got := Plural("zh", "count.post", 1, 1); got != "1 个岗位" {
		t.Errorf("zh: %q", got)
	}
}

func TestExplicitIndexes(t *testing.T) {
	if !slices.Equal(verbs("%[2]s %[1]d"), verbs("%d %s")) {
		t.Error("explicit indexes not ordered")
	}
	if got := Text("en", "no.such.id"); got != "no.such.id" {
		t.Errorf("missing id: %q", got)
	}
}
