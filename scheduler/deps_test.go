package scheduler_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the scheduler on the domain: it talks to storage,
// the outbox and the texts through its own interfaces, which cmd fills.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lamplighter-bot/lamplighter/scheduler").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/go-telegram/bot", "github.com/redis/go-redis",
			"github.com/lamplighter-bot/lamplighter/storage", "github.com/lamplighter-bot/lamplighter/handlers",
			"github.com/lamplighter-bot/lamplighter/bot"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("scheduler depends on %s", dep)
			}
		}
	}
}
