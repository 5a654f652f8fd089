package web_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the web front end on the application layer:
// no Telegram, no Redis, no storage, no conversation, no adapter; the rules
// come from package app and cmd/lamplighter wires the rest.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lamplighter-bot/lamplighter/web").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	app := false
	for _, dep := range strings.Fields(string(out)) {
		app = app || dep == "github.com/lamplighter-bot/lamplighter/app"
		for _, banned := range []string{"github.com/go-telegram/bot", "github.com/redis/go-redis",
			"github.com/lamplighter-bot/lamplighter/storage", "github.com/lamplighter-bot/lamplighter/handlers",
			"github.com/lamplighter-bot/lamplighter/bot", "github.com/lamplighter-bot/lamplighter/scheduler"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("web depends on %s", dep)
			}
		}
	}
	if !app {
		t.Errorf("web does not depend on app: the scan is broken")
	}
}
