package main

import (
	"strings"
	"testing"
	"time"

	"github.com/lamplighter-bot/lamplighter/storage/storagetest"
)

// TestMiniAppConfig: LAMPLIGHTER_WEBAPP_MAX_AGE is validated like the other
// variables (also as --webapp-max-age), LAMPLIGHTER_WEBAPP_URL must be
// https (http for a loopback host) and its path may not overlap another
// route; each mistake is one line naming the variable, exit code 2.
func TestMiniAppConfig(t *testing.T) {
	const token = "123456:ABCDEF"
	redis := storagetest.Env()
	with := func(kv ...string) map[string]string {
		env := map[string]string{"TELEGRAM_BOT_TOKEN": token}
		for k, v := range redis {
			env[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantText string
	}{
		{"max age not a duration", with("LAMPLIGHTER_WEBAPP_MAX_AGE", "soon"), []string{"run"}, `LAMPLIGHTER_WEBAPP_MAX_AGE (--webapp-max-age): "soon"`},
		{"max age zero", with("LAMPLIGHTER_WEBAPP_MAX_AGE", "0s"), []string{"run"}, "LAMPLIGHTER_WEBAPP_MAX_AGE"},
		{"max age too long", with("LAMPLIGHTER_WEBAPP_MAX_AGE", "48h"), []string{"run"}, "LAMPLIGHTER_WEBAPP_MAX_AGE"},
		{"max age flag", with(), []string{"run", "--webapp-max-age", "-1m"}, "LAMPLIGHTER_WEBAPP_MAX_AGE"},
		{"http app URL", with("LAMPLIGHTER_WEBAPP_URL", "http://bot.example.org/app"), []string{"run"}, "LAMPLIGHTER_WEBAPP_URL"},
		{"app at the root", with("LAMPLIGHTER_WEBAPP_URL", "https://bot.example.org/", "LAMPLIGHTER_LISTEN", "127.0.0.1:0"), []string{"run"}, "LAMPLIGHTER_WEBAPP_URL"},
		{"app on the metrics", with("LAMPLIGHTER_WEBAPP_URL", "https://bot.example.org/metrics", "LAMPLIGHTER_LISTEN", "127.0.0.1:0"), []string{"run"}, "LAMPLIGHTER_WEBAPP_URL"},
		{"app over the verify pages", with("LAMPLIGHTER_WEBAPP_URL", "https://bot.example.org/verify", "LAMPLIGHTER_LISTEN", "127.0.0.1:0"), []string{"run"}, "LAMPLIGHTER_WEBAPP_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tt.env, "", tt.args...)
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			if code != 2 || !strings.Contains(last, tt.wantText) {
				t.Errorf("exit %d, stderr %q; want 2 and a line naming %q", code, stderr, tt.wantText)
			}
		})
	}
	var c Config
	c.WebAppMaxAgeRaw = ""
	if err := c.validateMiniApp(); err != nil || c.WebAppMaxAge != time.Hour {
		t.Errorf("default max age = %v, %v; want 1h", c.WebAppMaxAge, err)
	}
}
