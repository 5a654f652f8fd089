package main

import (
	"errors"
	"flag"
	"math"
	"strconv"
	"strings"

	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/scheduler"
)

// The outbox's rate and the scheduler's variables (SPEC sections 4, 5 and
// 7). They are read apart from the other settings because for them a
// variable set to the empty string (which turns a reminder, or the quiet
// hours, off) differs from an unset one (the default); each is also a flag,
// and a flag given, even empty, wins.

// deliverySetting is one such variable and its flag.
type deliverySetting struct {
	env, flag, usage, def string
}

var deliverySettings = []deliverySetting{
	{"LAMPLIGHTER_RATE", "rate", "outbox messages per second for the whole bot, shared by every replica", "25"},
	{"LAMPLIGHTER_PAID_BROADCAST", "paid-broadcast", "send broadcasts with allow_paid_broadcast, up to 1000 messages per second (Telegram charges per message)", "false"},
	{scheduler.EnvBelowMinimum, "cron-below-minimum", "schedules of the below-minimum reminder, ;-separated; empty: off", scheduler.DefaultBelowMinimum},
	{scheduler.EnvNoPost, "cron-no-post", "schedules of the no-post reminder; empty: off", scheduler.DefaultNoPost},
	{scheduler.EnvDigest, "cron-digest", "schedules of the committee digest; empty: off", scheduler.DefaultDigest},
	{scheduler.EnvEscalation, "cron-escalation", "schedules of the year-end escalation; empty: off", scheduler.DefaultEscalation},
	{scheduler.EnvActivityReminders, "activity-reminders", "activity reminders, offsets before the start; empty: off", scheduler.DefaultActivityReminders},
	{scheduler.EnvQuietHours, "quiet-hours", "quiet hours in each community's zone, e.g. 21:00-08:00; empty: none", "21:00-08:00"},
}

// optional is a value that may be unset, set, or set to the empty string.
type optional struct {
	value string
	set   bool
}

// deliveryVars holds the raw values of deliverySettings, by variable.
type deliveryVars map[string]*optional

// readDelivery reads the variables through lookup (unset is not empty).
func readDelivery(lookup func(string) (string, bool)) deliveryVars {
	d := deliveryVars{}
	for _, s := range deliverySettings {
		v, ok := lookup(s.env)
		d[s.env] = &optional{value: strings.TrimSpace(v), set: ok}
	}
	return d
}

// optionalFlag sets an optional value from the command line.
type optionalFlag struct {
	o   *optional
	def string
}

func (f optionalFlag) String() string {
	if f.o == nil || !f.o.set {
		return f.def
	}
	return f.o.value
}

func (f optionalFlag) Set(v string) error {
	f.o.value, f.o.set = strings.TrimSpace(v), true
	return nil
}

// bindDeliveryFlags registers a flag for each delivery variable on fs.
func bindDeliveryFlags(fs *flag.FlagSet, d deliveryVars) {
	for _, s := range deliverySettings {
		o := d[s.env]
		if o == nil {
			o = &optional{}
			d[s.env] = o
		}
		fs.Var(optionalFlag{o: o, def: s.def}, s.flag, s.usage+" ("+s.env+")")
	}
}

// delivery is the parsed outbox and scheduler configuration.
type delivery struct {
	rate      float64
	paidRate  float64 // bot.PaidBroadcastRate with LAMPLIGHTER_PAID_BROADCAST, else 0
	schedules scheduler.Schedules
	warnings  []string
}

// broadcastRate is how many of a broadcast's messages go out a second: the
// paid rate with LAMPLIGHTER_PAID_BROADCAST, else LAMPLIGHTER_RATE.
func (d delivery) broadcastRate() float64 {
	if d.paidRate > 0 {
		return d.paidRate
	}
	return d.rate
}

// parse checks every delivery variable; a bad value is a configuration
// error naming it (exit status 2).
func (d deliveryVars) parse() (delivery, error) {
	lookup := func(env string) (string, bool) {
		if o := d[env]; o != nil && o.set {
			return o.value, true
		}
		return "", false
	}
	var out delivery
	out.rate = bot.DefaultRate
	if v, ok := lookup("LAMPLIGHTER_RATE"); ok {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) || r > 1000 {
			return delivery{}, deliveryError("LAMPLIGHTER_RATE", "%q is not a positive number of messages per second (at most 1000)", v)
		}
		out.rate = r
	}
	if v, ok := lookup("LAMPLIGHTER_PAID_BROADCAST"); ok && v != "" {
		paid, err := strconv.ParseBool(v)
		if err != nil {
			return delivery{}, deliveryError("LAMPLIGHTER_PAID_BROADCAST", "%q is not true or false", v)
		}
		if paid {
			out.paidRate = bot.PaidBroadcastRate
		}
	}
	s, warnings, err := scheduler.LoadSchedules(lookup)
	if err != nil {
		var ce *scheduler.ConfigError
		if errors.As(err, &ce) {
			return delivery{}, deliveryError(ce.Variable, "%v", ce.Err)
		}
		return delivery{}, err
	}
	out.schedules, out.warnings = s, warnings
	return out, nil
}

// deliveryError is the configuration error of a delivery variable.
func deliveryError(env, format string, args ...any) error {
	e := badSetting(env, format, args...).(*configError)
	for _, s := range deliverySettings {
		if s.env == env {
			e.flag = s.flag
		}
	}
	return e
}
