package main

import (
	"strings"
	"testing"
)

// TestPaidBroadcastConfig: LAMPLIGHTER_PAID_BROADCAST (or --paid-broadcast)
// turns the paid rate of broadcasts on at 1000 messages a second; off when
// unset, empty or false; anything but a boolean is a configuration error.
func TestPaidBroadcastConfig(t *testing.T) {
	parse := func(env map[string]string, args ...string) (delivery, error) {
		t.Helper()
		p := &program{lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		p.env = func(k string) string { v, _ := p.lookup(k); return v }
		p.cfg = configFromEnv(p.env)
		p.cfg.Delivery = readDelivery(p.lookup)
		if err := p.flagSet("run", nil).Parse(args); err != nil {
			t.Fatal(err)
		}
		return p.cfg.Delivery.parse()
	}
	for _, tt := range []struct {
		env  map[string]string
		args []string
		want float64
	}{
		{nil, nil, 0},
		{map[string]string{"LAMPLIGHTER_PAID_BROADCAST": ""}, nil, 0},
		{map[string]string{"LAMPLIGHTER_PAID_BROADCAST": "false"}, nil, 0},
		{map[string]string{"LAMPLIGHTER_PAID_BROADCAST": "true"}, nil, 1000},
		{nil, []string{"--paid-broadcast=true"}, 1000},
		{map[string]string{"LAMPLIGHTER_PAID_BROADCAST": "true"}, []string{"--paid-broadcast=false"}, 0},
	} {
		d, err := parse(tt.env, tt.args...)
		if err != nil || d.paidRate != tt.want || d.rate != 25 {
			t.Errorf("parse(%v, %v) = paid rate %v, rate %v, %v; want %v, 25", tt.env, tt.args, d.paidRate, d.rate, err, tt.want)
		}
		// What /broadcast's confirmation divides by (handlers.Config.BroadcastRate).
		if want := max(tt.want, 25); d.broadcastRate() != want {
			t.Errorf("parse(%v, %v).broadcastRate() = %v, want %v", tt.env, tt.args, d.broadcastRate(), want)
		}
	}
	if _, err := parse(map[string]string{"LAMPLIGHTER_PAID_BROADCAST": "sometimes"}); err == nil ||
		!strings.Contains(err.Error(), "LAMPLIGHTER_PAID_BROADCAST (--paid-broadcast)") {
		t.Errorf("LAMPLIGHTER_PAID_BROADCAST=sometimes: %v, want an error naming the variable and its flag", err)
	}
}
