package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoTransportDependencies keeps the application layer free of Telegram,
// Redis and rendering: front ends and storage depend on it, not the reverse.
func TestNoTransportDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lamplighter-bot/lamplighter/app").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/go-telegram/bot", "github.com/redis/go-redis",
			"github.com/lamplighter-bot/lamplighter/handlers", "github.com/lamplighter-bot/lamplighter/bot",
			"github.com/lamplighter-bot/lamplighter/storage", "github.com/lamplighter-bot/lamplighter/report",
			"github.com/lamplighter-bot/lamplighter/web"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("app depends on %s", dep)
			}
		}
	}
}
