package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runCmd runs the program in-process with the given environment and stdin,
// and returns its exit code, stdout and stderr.
func runCmd(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestConfigErrors(t *testing.T) {
	const token = "123456:ABCDEF"
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantText string // the one line on stderr contains this
	}{
		{"missing token", nil, []string{"run"}, 2, "TELEGRAM_BOT_TOKEN"},
		{"bad zone", map[string]string{"TELEGRAM_BOT_TOKEN": token, "LAMPLIGHTER_TZ": "Mars/Olympus"}, []string{"run"}, 2, "LAMPLIGHTER_TZ"},
		{"bad zone flag", map[string]string{"TELEGRAM_BOT_TOKEN": token}, []string{"run", "--tz", "Nowhere/City"}, 2, "LAMPLIGHTER_TZ (--tz)"},
		{"bad language", map[string]string{"TELEGRAM_BOT_TOKEN": token, "LAMPLIGHTER_LANG": "fr"}, []string{"run"}, 2, "LAMPLIGHTER_LANG"},
		{"bad admin", map[string]string{"TELEGRAM_BOT_TOKEN": token, "LAMPLIGHTER_ADMINS": "10001, abc"}, []string{"run"}, 2, `LAMPLIGHTER_ADMINS (--admins): "abc"`},
		{"negative admin", map[string]string{"TELEGRAM_BOT_TOKEN": token, "LAMPLIGHTER_ADMINS": "-5"}, []string{"run"}, 2, "LAMPLIGHTER_ADMINS"},
		{"webhook without secret", map[string]string{"TELEGRAM_BOT_TOKEN": token, "LAMPLIGHTER_WEBHOOK_URL": "https://bot.example.org/tg"}, []string{"run"}, 2, "LAMPLIGHTER_WEBHOOK_SECRET"},
		{"bad webhook URL", map[string]string{"TELEGRAM_BOT_TOKEN": token, "LAMPLIGHTER_WEBHOOK_URL": "bot.example.org", "LAMPLIGHTER_WEBHOOK_SECRET": "s3cret"}, []string{"run"}, 2, "LAMPLIGHTER_WEBHOOK_URL"},
		{"bad secret", map[string]string{"TELEGRAM_BOT_TOKEN": token, "LAMPLIGHTER_WEBHOOK_URL": "https://b.example.org/", "LAMPLIGHTER_WEBHOOK_SECRET": "not ok!"}, []string{"run"}, 2, "LAMPLIGHTER_WEBHOOK_SECRET"},
		{"bad listen", map[string]string{"TELEGRAM_BOT_TOKEN": token, "LAMPLIGHTER_LISTEN": "8080"}, []string{"run"}, 2, "LAMPLIGHTER_LISTEN"},
		{"bad API URL", map[string]string{"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_URL": "ftp://x"}, []string{"run"}, 2, "TELEGRAM_API_URL"},
		{"bad redis URL", map[string]string{"TELEGRAM_BOT_TOKEN": token, "REDIS_URL": "http://localhost"}, []string{"run"}, 2, "REDIS_URL"},
		{"sentinel without master", map[string]string{"TELEGRAM_BOT_TOKEN": token, "REDIS_SENTINEL_ADDRS": "127.0.0.1:26379"}, []string{"run"}, 2, "REDIS_SENTINEL_MASTER"},
		{"cluster and sentinel", map[string]string{"REDIS_CLUSTER_ADDRS": "a:1", "REDIS_SENTINEL_ADDRS": "b:2", "REDIS_SENTINEL_MASTER": "m"}, []string{"audit", "--community", "x"}, 2, "REDIS_CLUSTER_ADDRS"},
		{"bad username", nil, []string{"invite", "--community", "dongan", "--bot-username", "a b"}, 2, "LAMPLIGHTER_BOT_USERNAME"},
		{"env bad, flag wins", map[string]string{"LAMPLIGHTER_LANG": "fr", "REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"audit", "--lang", "en", "--community", "x"}, 1, "REDIS_URL"},
		{"redis unreachable", map[string]string{"TELEGRAM_BOT_TOKEN": token, "REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"run"}, 1, "REDIS_URL"},
		{"global flag", nil, []string{"--redis-url", "redis://127.0.0.1:1/0", "invite", "--community", "x"}, 1, "127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // the unreachable-Redis cases wait for go-redis's retries
			code, _, stderr := runCmd(t, tt.env, "", tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 {
				t.Errorf("stderr has %d lines, want 1:\n%s", len(lines), stderr)
			}
			if !strings.Contains(lines[0], tt.wantText) {
				t.Errorf("stderr = %q, want it to name %q", lines[0], tt.wantText)
			}
			for _, bad := range []string{"goroutine", "panic", ".go:"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr contains %q: %s", bad, stderr)
				}
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"export"}, {"frobnicate"}} {
		code, _, stderr := runCmd(t, nil, "", args...)
		if code != 2 {
			t.Errorf("lamplighter %v: exit code = %d, want 2", args, code)
		}
		if !strings.Contains(stderr, "Usage:") || !strings.Contains(stderr, "members import") {
			t.Errorf("lamplighter %v: stderr lacks the usage text:\n%s", args, stderr)
		}
	}
	code, stdout, _ := runCmd(t, nil, "", "help")
	if code != 0 || !strings.Contains(stdout, "lamplighter run") && !strings.Contains(stdout, "  run ") {
		t.Errorf("lamplighter help: code %d, stdout:\n%s", code, stdout)
	}
	code, stdout, _ = runCmd(t, nil, "", "community", "add", "-h")
	if code != 0 || !strings.Contains(stdout, "-redis-url") || !strings.Contains(stdout, "REDIS_URL") {
		t.Errorf("lamplighter community add -h: code %d, stdout:\n%s", code, stdout)
	}
	code, _, stderr := runCmd(t, nil, "", "community", "add", "--nope")
	if code != 2 || !strings.Contains(stderr, "nope") {
		t.Errorf("lamplighter community add --nope: code %d, stderr:\n%s", code, stderr)
	}
}

// TestProcess runs the real process (this test binary re-executed as the
// program) so that anything written straight to the process's stderr, by a
// library for instance, is seen too.
func TestProcess(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode int
		wantText string
	}{
		{"redis unreachable", []string{"REDIS_URL=redis://127.0.0.1:1/0"}, []string{"audit", "--community", "dongan"}, 1, "REDIS_URL"},
		{"bad zone", []string{"LAMPLIGHTER_TZ=Mars/Olympus", "TELEGRAM_BOT_TOKEN=1:x"}, []string{"run"}, 2, "LAMPLIGHTER_TZ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append([]string{"LAMPLIGHTER_TEST_MAIN=1", "PATH=" + os.Getenv("PATH")}, tt.env...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			code := 0
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantText) {
				t.Errorf("stderr = %q, want one line naming %s", stderr.String(), tt.wantText)
			}
		})
	}
}
