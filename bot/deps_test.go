package bot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoMetricsDependency keeps the adapter free of a metrics library: it
// shows its counters through Stats and tells an Observer of the rest;
// cmd/lamplighter exposes them.
func TestNoMetricsDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lamplighter-bot/lamplighter/bot").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/prometheus/") {
			t.Errorf("bot depends on %s", dep)
		}
	}
}
