package storage

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestEveryScriptReasonIsTyped reads this package's scripts and checks that
// every reason a script can refuse with maps to a domain Reason constant.
func TestEveryScriptReasonIsTyped(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	refusal := regexp.MustCompile(`\{'(conflict|forbidden|invalid)', '([a-z_]+)'`)
	seen := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range refusal.FindAllStringSubmatch(string(src), -1) {
			seen++
			if _, ok := scriptReasons[m[2]]; !ok {
				t.Errorf("%s: a script refuses with %s reason %q, which scriptReasons does not map to a domain Reason", f, m[1], m[2])
			}
		}
	}
	if seen < 10 {
		t.Fatalf("found only %d script refusals: the pattern no longer matches the scripts", seen)
	}
}
