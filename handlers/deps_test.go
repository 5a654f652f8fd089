package handlers_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoTransportDependencies keeps the conversation free of Telegram and
// Redis: only the adapters and storage may import them.
func TestNoTransportDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lamplighter-bot/lamplighter/handlers").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		// Rendering is injected (Config.Render): the conversation links no
		// spreadsheet, image or QR code.
		for _, banned := range []string{"github.com/go-telegram/bot", "github.com/redis/go-redis",
			"github.com/lamplighter-bot/lamplighter/report", "github.com/xuri/excelize",
			"golang.org/x/image", "github.com/skip2/go-qrcode",
			"github.com/lamplighter-bot/lamplighter/web"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("handlers depends on %s", dep)
			}
		}
	}
}
