package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
)

// Defaults of the configuration, SPEC section 7.
const (
	defaultAPIURL   = "https://api.telegram.org"
	defaultRedisURL = "redis://127.0.0.1:6379/0"
	defaultListen   = ":8080"
)

// Config is the process configuration: every field comes from an environment
// variable and can be overridden by the flag of the same meaning.
type Config struct {
	Token          string  // TELEGRAM_BOT_TOKEN
	APIURL         string  // TELEGRAM_API_URL
	BotUsername    string  // LAMPLIGHTER_BOT_USERNAME
	RedisURL       string  // REDIS_URL
	ClusterAddrs   string  // REDIS_CLUSTER_ADDRS, comma-separated
	SentinelAddrs  string  // REDIS_SENTINEL_ADDRS, comma-separated
	SentinelMaster string  // REDIS_SENTINEL_MASTER
	AdminsRaw      string  // LAMPLIGHTER_ADMINS, comma-separated Telegram ids
	Admins         []int64 // parsed from AdminsRaw by Validate
	WebhookURL     string  // LAMPLIGHTER_WEBHOOK_URL
	WebhookSecret  string  // LAMPLIGHTER_WEBHOOK_SECRET
	Listen         string  // LAMPLIGHTER_LISTEN
	TimeZone       string  // LAMPLIGHTER_TZ: default zone of new communities
	Language       string  // LAMPLIGHTER_LANG: default language of new communities

	// The web variables (webconfig.go).
	WebAppURL         string         // LAMPLIGHTER_WEBAPP_URL
	PublicURL         string         // LAMPLIGHTER_PUBLIC_URL; Validate fills in its default
	TrustedProxiesRaw string         // LAMPLIGHTER_TRUSTED_PROXIES, comma-separated
	TrustedProxies    []netip.Prefix // parsed from TrustedProxiesRaw by Validate
	WebAppMaxAgeRaw   string         // LAMPLIGHTER_WEBAPP_MAX_AGE (miniapp.go)
	WebAppMaxAge      time.Duration  // parsed from WebAppMaxAgeRaw by Validate

	// Delivery holds LAMPLIGHTER_RATE and the scheduler's variables, which
	// tell an empty value from an unset one (schedule_config.go).
	Delivery deliveryVars
}

// setting ties one environment variable to its flag and Config field.
type setting struct {
	env   string
	flag  string
	usage string
	def   string
	field func(*Config) *string
	mask  func(string) string // how -h shows a secret value; nil shows it as is
}

// settings lists every configuration variable in the order the usage text
// shows them.
var settings = []setting{
	{"TELEGRAM_BOT_TOKEN", "token", "Telegram bot token (required for run)", "", func(c *Config) *string { return &c.Token }, hideSecret},
	{"TELEGRAM_API_URL", "api-url", "Bot API server", defaultAPIURL, func(c *Config) *string { return &c.APIURL }, nil},
	{"LAMPLIGHTER_BOT_USERNAME", "bot-username", "bot username for deep links printed offline", "", func(c *Config) *string { return &c.BotUsername }, nil},
	{"REDIS_URL", "redis-url", "single Redis: redis:// or rediss:// URL", defaultRedisURL, func(c *Config) *string { return &c.RedisURL }, redactURL},
	{"REDIS_CLUSTER_ADDRS", "redis-cluster-addrs", "Redis Cluster seed addresses, comma-separated", "", func(c *Config) *string { return &c.ClusterAddrs }, nil},
	{"REDIS_SENTINEL_ADDRS", "redis-sentinel-addrs", "Redis Sentinel addresses, comma-separated", "", func(c *Config) *string { return &c.SentinelAddrs }, nil},
	{"REDIS_SENTINEL_MASTER", "redis-sentinel-master", "Redis Sentinel master name", "", func(c *Config) *string { return &c.SentinelMaster }, nil},
	{"LAMPLIGHTER_ADMINS", "admins", "district admins: comma-separated Telegram user ids", "", func(c *Config) *string { return &c.AdminsRaw }, nil},
	{"LAMPLIGHTER_WEBHOOK_URL", "webhook-url", "webhook URL (polling when empty)", "", func(c *Config) *string { return &c.WebhookURL }, nil},
	{"LAMPLIGHTER_WEBHOOK_SECRET", "webhook-secret", "webhook secret token (required with a webhook URL)", "", func(c *Config) *string { return &c.WebhookSecret }, hideSecret},
	{"LAMPLIGHTER_LISTEN", "listen", "HTTP listen address for /healthz and the webhook", defaultListen, func(c *Config) *string { return &c.Listen }, nil},
	{"LAMPLIGHTER_TZ", "tz", "time zone of new communities", ll.DefaultTimeZone, func(c *Config) *string { return &c.TimeZone }, nil},
	{"LAMPLIGHTER_LANG", "lang", "language of new communities: zh or en", ll.DefaultLanguage, func(c *Config) *string { return &c.Language }, nil},
	{"LAMPLIGHTER_WEBAPP_URL", "webapp-url", "public HTTPS URL of the Mini App, served on LAMPLIGHTER_LISTEN at its path (http only for a loopback host; its scheme and host are the default of LAMPLIGHTER_PUBLIC_URL)", "", func(c *Config) *string { return &c.WebAppURL }, nil},
	{"LAMPLIGHTER_PUBLIC_URL", "public-url", "base of the statements' /verify/<token> links, served on LAMPLIGHTER_LISTEN (default: scheme and host of LAMPLIGHTER_WEBAPP_URL; none: no online verification)", "", func(c *Config) *string { return &c.PublicURL }, nil},
	{"LAMPLIGHTER_TRUSTED_PROXIES", "trusted-proxies", "reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client of the verify page", "", func(c *Config) *string { return &c.TrustedProxiesRaw }, nil},
	{"LAMPLIGHTER_WEBAPP_MAX_AGE", "webapp-max-age", "oldest Mini App initData accepted, a duration such as 1h", "1h", func(c *Config) *string { return &c.WebAppMaxAgeRaw }, nil},
}

// configFromEnv reads every variable through env, applying the defaults of
// unset or empty variables.
func configFromEnv(env func(string) string) Config {
	var c Config
	for _, s := range settings {
		v := strings.TrimSpace(env(s.env))
		if v == "" {
			v = s.def
		}
		*s.field(&c) = v
	}
	return c
}

// bindFlags registers the configuration flags on fs, each defaulting to the
// value already in c, so that a flag given on the command line wins over the
// environment.
func bindFlags(fs *flag.FlagSet, c *Config) {
	for _, s := range settings {
		usage := s.usage + " (" + s.env + ")"
		if s.mask != nil {
			fs.Var(maskedFlag{s.field(c), s.mask}, s.flag, usage)
		} else {
			fs.StringVar(s.field(c), s.flag, *s.field(c), usage)
		}
	}
	if c.Delivery == nil {
		c.Delivery = deliveryVars{}
	}
	bindDeliveryFlags(fs, c.Delivery)
}

// maskedFlag is a string flag whose value -h does not print in full.
type maskedFlag struct {
	p    *string
	mask func(string) string
}

func (f maskedFlag) String() string {
	if f.p == nil || *f.p == "" {
		return ""
	}
	return f.mask(*f.p)
}

func (f maskedFlag) Set(v string) error {
	*f.p = v
	return nil
}

func hideSecret(string) string { return "<set>" }

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<set>"
	}
	return u.Redacted()
}

// configError is a configuration mistake: it names the variable and makes the
// process exit with code 2.
type configError struct {
	env, flag string
	msg       string
}

func (e *configError) Error() string {
	return fmt.Sprintf("%s (--%s): %s", e.env, e.flag, e.msg)
}

func badSetting(env, format string, args ...any) error {
	e := &configError{env: env, msg: fmt.Sprintf(format, args...)}
	for _, s := range settings {
		if s.env == env {
			e.flag = s.flag
		}
	}
	return e
}

// Validate checks every value and fills in Admins. needToken is true for the
// commands that talk to Telegram. The error names the offending variable.
func (c *Config) Validate(needToken bool) error {
	if needToken && c.Token == "" {
		return badSetting("TELEGRAM_BOT_TOKEN", "required: the bot token from @BotFather")
	}
	if strings.ContainsAny(c.Token, " \t/") {
		return badSetting("TELEGRAM_BOT_TOKEN", "malformed token")
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badSetting("TELEGRAM_API_URL", "%q is not an http(s) URL", c.APIURL)
	}
	if c.BotUsername != "" {
		c.BotUsername = strings.TrimPrefix(c.BotUsername, "@")
		if !validUsername(c.BotUsername) {
			return badSetting("LAMPLIGHTER_BOT_USERNAME", "%q is not a Telegram bot username", c.BotUsername)
		}
	}
	if err := c.validateRedis(); err != nil {
		return err
	}
	c.Admins = nil
	for _, f := range strings.Split(c.AdminsRaw, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return badSetting("LAMPLIGHTER_ADMINS", "%q is not a Telegram user id", f)
		}
		c.Admins = append(c.Admins, id)
	}
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return badSetting("LAMPLIGHTER_WEBHOOK_URL", "%q is not an https URL", c.WebhookURL)
		}
		if c.WebhookSecret == "" {
			return badSetting("LAMPLIGHTER_WEBHOOK_SECRET", "required when LAMPLIGHTER_WEBHOOK_URL is set")
		}
	}
	if c.WebhookSecret != "" && !validSecret(c.WebhookSecret) {
		return badSetting("LAMPLIGHTER_WEBHOOK_SECRET", "must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
	}
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
		return badSetting("LAMPLIGHTER_LISTEN", "%q is not a listen address such as :8080 or 127.0.0.1:8080", c.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return badSetting("LAMPLIGHTER_LISTEN", "%q: bad port", c.Listen)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return badSetting("LAMPLIGHTER_TZ", "unknown time zone %q", c.TimeZone)
	}
	if !ll.ValidLanguage(c.Language) {
		return badSetting("LAMPLIGHTER_LANG", "%q is not a supported language (zh or en)", c.Language)
	}
	if err := c.validateWeb(); err != nil {
		return err
	}
	if err := c.validateMiniApp(); err != nil {
		return err
	}
	return nil
}

func (c *Config) validateRedis() error {
	cluster, sentinel := splitList(c.ClusterAddrs), splitList(c.SentinelAddrs)
	switch {
	case len(cluster) > 0 && len(sentinel) > 0:
		return badSetting("REDIS_CLUSTER_ADDRS", "set either REDIS_CLUSTER_ADDRS or REDIS_SENTINEL_ADDRS, not both")
	case len(sentinel) > 0 && c.SentinelMaster == "":
		return badSetting("REDIS_SENTINEL_MASTER", "required with REDIS_SENTINEL_ADDRS")
	case len(sentinel) == 0 && c.SentinelMaster != "":
		return badSetting("REDIS_SENTINEL_ADDRS", "required with REDIS_SENTINEL_MASTER")
	}
	for _, a := range append(cluster, sentinel...) {
		if !strings.Contains(a, ":") {
			env := "REDIS_CLUSTER_ADDRS"
			if len(sentinel) > 0 {
				env = "REDIS_SENTINEL_ADDRS"
			}
			return badSetting(env, "%q is not host:port", a)
		}
	}
	if len(cluster) == 0 && len(sentinel) == 0 {
		u, err := url.Parse(c.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			return badSetting("REDIS_URL", "%q is not a redis:// or rediss:// URL", redactURL(c.RedisURL))
		}
	}
	return nil
}

// redisTarget describes where the store connects, for messages.
func (c *Config) redisTarget() string {
	switch {
	case c.ClusterAddrs != "":
		return "Redis Cluster " + c.ClusterAddrs
	case c.SentinelAddrs != "":
		return "Redis Sentinel " + c.SentinelAddrs + " master " + c.SentinelMaster
	}
	if u, err := url.Parse(c.RedisURL); err == nil {
		return "Redis " + u.Redacted()
	}
	return "Redis"
}

// redisVariable names the variable that says where Redis is.
func (c *Config) redisVariable() string {
	switch {
	case c.ClusterAddrs != "":
		return "REDIS_CLUSTER_ADDRS"
	case c.SentinelAddrs != "":
		return "REDIS_SENTINEL_ADDRS"
	}
	return "REDIS_URL"
}

// IsAdmin reports whether tg is a configured district admin.
func (c *Config) IsAdmin(tg int64) bool {
	for _, a := range c.Admins {
		if a == tg {
			return true
		}
	}
	return false
}

// inviteLink is the deep link of an invite code, or the bare start payload
// when no bot username is configured.
func (c *Config) inviteLink(code string) string {
	if c.BotUsername == "" {
		return "join_" + code
	}
	return "https://t.me/" + c.BotUsername + "?start=join_" + code
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// validSecret follows Telegram's rule for secret_token: 1-256 characters,
// A-Z, a-z, 0-9, _ and - (https://core.telegram.org/bots/api#setwebhook).
func validSecret(s string) bool {
	if len(s) == 0 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// isConfigError reports whether err is a configuration or usage mistake
// (exit code 2) rather than a runtime failure (exit code 1).
func isConfigError(err error) bool {
	var ce *configError
	var ue *usageError
	return errors.As(err, &ce) || errors.As(err, &ue)
}

// usageError is a command-line mistake; the message is followed by a hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}
