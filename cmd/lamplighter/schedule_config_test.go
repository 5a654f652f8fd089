package main

import (
	"strings"
	"testing"
	"time"
)

// TestDeliveryConfigErrors: a bad rate, schedule, offset or quiet-hours
// value stops "run" before it connects anywhere, with one line naming the
// variable, exit status 2 — also for the specs that panic in robfig/cron.
func TestDeliveryConfigErrors(t *testing.T) {
	const token = "123456:ABCDEF"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"rate not a number", map[string]string{"LAMPLIGHTER_RATE": "fast"}, nil, "LAMPLIGHTER_RATE (--rate)"},
		{"rate zero", map[string]string{"LAMPLIGHTER_RATE": "0"}, nil, "LAMPLIGHTER_RATE"},
		{"rate negative", map[string]string{"LAMPLIGHTER_RATE": "-3"}, nil, "LAMPLIGHTER_RATE"},
		{"rate flag", nil, []string{"--rate", "NaN"}, "LAMPLIGHTER_RATE (--rate)"},
		{"TZ=0", map[string]string{"LAMPLIGHTER_CRON_DIGEST": "TZ=0"}, nil, "LAMPLIGHTER_CRON_DIGEST (--cron-digest)"},
		{"CRON_TZ without a space", map[string]string{"LAMPLIGHTER_CRON_BELOW_MINIMUM": "0 10 1 3-9 *;CRON_TZ=Asia/Shanghai"}, nil, "LAMPLIGHTER_CRON_BELOW_MINIMUM"},
		{"bad field", map[string]string{"LAMPLIGHTER_CRON_NO_POST": "0 25 * * 3"}, nil, "LAMPLIGHTER_CRON_NO_POST"},
		{"bad zone", map[string]string{"LAMPLIGHTER_CRON_ESCALATION": "CRON_TZ=Mars/Olympus 0 9 * 12 1"}, nil, "LAMPLIGHTER_CRON_ESCALATION"},
		{"cron flag", nil, []string{"--cron-digest", "every monday"}, "LAMPLIGHTER_CRON_DIGEST (--cron-digest)"},
		{"bad offset", map[string]string{"LAMPLIGHTER_ACTIVITY_REMINDERS": "24h,soon"}, nil, "LAMPLIGHTER_ACTIVITY_REMINDERS"},
		{"bad quiet hours", map[string]string{"LAMPLIGHTER_QUIET_HOURS": "9pm-8am"}, nil, "LAMPLIGHTER_QUIET_HOURS (--quiet-hours)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"TELEGRAM_BOT_TOKEN": token, "REDIS_URL": "redis://127.0.0.1:1/0"}
			for k, v := range tt.env {
				env[k] = v
			}
			code, _, stderr := runCmd(t, env, "", append([]string{"run"}, tt.args...)...)
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and one line naming %s", code, stderr, tt.want)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
				t.Errorf("stderr shows a panic:\n%s", stderr)
			}
		})
	}
}

// TestDeliveryConfigValues: defaults when unset, off when set but empty
// (in the environment or by a flag), flags over the environment.
func TestDeliveryConfigValues(t *testing.T) {
	parse := func(env map[string]string, args ...string) delivery {
		t.Helper()
		p := &program{lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		p.env = func(k string) string { v, _ := p.lookup(k); return v }
		p.cfg = configFromEnv(p.env)
		p.cfg.Delivery = readDelivery(p.lookup)
		fs := p.flagSet("run", nil)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		d, err := p.cfg.Delivery.parse()
		if err != nil {
			t.Fatalf("parse(%v, %v) = %v", env, args, err)
		}
		return d
	}
	d := parse(nil)
	if d.rate != 25 || len(d.schedules.BelowMinimum) != 2 || len(d.schedules.Digest) != 1 ||
		d.schedules.Quiet.String() != "21:00-08:00" || len(d.schedules.ActivityOffsets) != 2 {
		t.Errorf("defaults: rate %v, %+v", d.rate, d.schedules)
	}
	d = parse(map[string]string{"LAMPLIGHTER_CRON_DIGEST": "", "LAMPLIGHTER_QUIET_HOURS": "", "LAMPLIGHTER_RATE": "12.5"})
	if len(d.schedules.Digest) != 0 || !d.schedules.Quiet.None() || d.rate != 12.5 || len(d.schedules.NoPost) != 1 {
		t.Errorf("set but empty: rate %v, %+v", d.rate, d.schedules)
	}
	d = parse(map[string]string{"LAMPLIGHTER_CRON_DIGEST": "0 8 * * 1"}, "--cron-digest=", "--activity-reminders", "2h")
	if len(d.schedules.Digest) != 0 || len(d.schedules.ActivityOffsets) != 1 || d.schedules.ActivityOffsets[0] != 2*time.Hour {
		t.Errorf("flags: %+v", d.schedules)
	}
	d = parse(map[string]string{"LAMPLIGHTER_CRON_DIGEST": "0 9 1 * 1"})
	if len(d.warnings) != 1 {
		t.Errorf("a day-of-month and day-of-week spec gives warnings %v, want one", d.warnings)
	}
}
