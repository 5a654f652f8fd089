// Package storage keeps Lamplighter's state in Redis. It is the only package
// that imports go-redis: the rest of the program talks to one concrete
// *Store in domain terms (package lamplighter).
//
// Every multi-key invariant (a post's capacity, a member's claims, the audit
// entry of a privileged change...) is kept by one Lua script whose keys share
// one hash tag, so the store works the same on a single Redis, behind Sentinel
// and on Redis Cluster. The key schema is in keys.go, the scripts in scripts.go.
//
// Errors are domain errors (*lamplighter.Error) or, when Redis cannot be
// reached, errors for which errors.Is(err, lamplighter.ErrUnavailable) holds;
// those keep the go-redis error as their cause.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key when Options.Prefix is empty.
const DefaultPrefix = "ll:"

// CurrentSchema is the version of the key schema this code reads and writes.
// Version 2 adds the per-year minimums of each community (the "years" of
// its JSON, see migrate.go); version 3 the counters of registration's
// choices (cnt:unit, cnt:skill; migrateChoices); version 4 the standing
// index (ya, yc:<year>; migrateYearIndex); version 5 the year's figures
// (yu, yl, yt:<year>:<k>, cnt:bldg; migrateFigures); version 6 the latest
// participation dates of the standing index (yd:<year>; migrateYearIndex
// again).
const CurrentSchema = 6

// updateMarkerTTL is how long MarkUpdate remembers an update id. Telegram
// keeps undelivered updates for 24 hours.
const updateMarkerTTL = 48 * time.Hour

// Options configure a Store.
type Options struct {
	// Prefix starts every key ("ll:" when empty). It must not contain '{' or
	// '}', which would break the hash tags that keep a community in one slot.
	Prefix string
	// Now is the clock for times the caller does not pass (invite expiry,
	// audit entries without a time). Default time.Now.
	Now func() time.Time
}

// Store keeps Lamplighter's state in Redis. It is safe for concurrent use by
// many goroutines and by many processes sharing one Redis.
//
// Methods that take a time (now) use the Options.Now clock when it is zero.
// Member times (Joined, Left) and claim times are kept to the millisecond.
type Store struct {
	c   redis.UniversalClient
	k   keys
	now func() time.Time
}

// New returns a Store on client. It does no I/O; the Store owns client from
// now on and Close closes it. New panics if opts.Prefix contains a brace.
//
// The first call routes go-redis's own log lines (dial failures...) to
// log/slog at debug level, instead of go-redis's default of printing them on
// stderr: the failures they describe reach callers as errors.
func New(client redis.UniversalClient, opts Options) *Store {
	routeRedisLog.Do(func() { redis.SetLogger(slogLogger{}) })
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		panic(fmt.Sprintf("storage: key prefix %q must not contain braces", opts.Prefix))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{c: client, k: keys{prefix: opts.Prefix}, now: opts.Now}
}

// Config says where Redis is. ClusterAddrs, when set, selects Redis Cluster;
// otherwise SentinelAddrs with SentinelMaster select Sentinel; otherwise URL
// (redis://, rediss:// or unix://; default redis://127.0.0.1:6379/0) names
// a single server.
type Config struct {
	URL            string
	ClusterAddrs   []string
	SentinelAddrs  []string
	SentinelMaster string
	// Prefix and Now are passed to New.
	Prefix string
	Now    func() time.Time
}

// Connect builds a client from cfg, checks that Redis answers PING and loads
// the Lua scripts. An unreachable Redis is an error that names the address and
// satisfies errors.Is(err, lamplighter.ErrUnavailable); a malformed
// configuration is an EINVALID *lamplighter.Error.
func Connect(ctx context.Context, cfg Config) (*Store, error) {
	var (
		client redis.UniversalClient
		where  string
	)
	switch {
	case len(cfg.ClusterAddrs) > 0:
		// The cluster client retries on its own (MaxRedirects, other
		// nodes); only the timeouts are ours.
		client = redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:         cfg.ClusterAddrs,
			DialTimeout:   dialTimeout,
			DialerRetries: dialerRetries,
			ReadTimeout:   ioTimeout,
			WriteTimeout:  ioTimeout,
		})
		where = "redis cluster " + strings.Join(cfg.ClusterAddrs, ",")
	case len(cfg.SentinelAddrs) > 0 || cfg.SentinelMaster != "":
		if len(cfg.SentinelAddrs) == 0 || cfg.SentinelMaster == "" {
			return nil, ll.Invalid("redis", "sentinel needs both REDIS_SENTINEL_ADDRS and REDIS_SENTINEL_MASTER")
		}
		client = redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName:    cfg.SentinelMaster,
			SentinelAddrs: cfg.SentinelAddrs,
			// Fault options: see dialTimeout.
			DialTimeout:     dialTimeout,
			DialerRetries:   dialerRetries,
			ReadTimeout:     ioTimeout,
			WriteTimeout:    ioTimeout,
			MaxRetries:      maxRetries,
			MinRetryBackoff: minRetryBackoff,
			MaxRetryBackoff: maxRetryBackoff,
		})
		where = fmt.Sprintf("redis master %q via sentinel %s", cfg.SentinelMaster, strings.Join(cfg.SentinelAddrs, ","))
	default:
		url := cfg.URL
		if url == "" {
			url = "redis://127.0.0.1:6379/0"
		}
		opt, err := redis.ParseURL(url)
		if err != nil {
			var ue *neturl.Error
			if errors.As(err, &ue) {
				err = ue.Err // without the URL, which may hold a password
			}
			return nil, ll.Invalid("redis", "bad REDIS_URL: %v", err)
		}
		faultOptions(opt)
		client = redis.NewClient(opt)
		where = "redis at " + opt.Addr
	}
	s := New(client, Options{Prefix: cfg.Prefix, Now: cfg.Now})
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s: %w", where, err)
	}
	if err := s.LoadScripts(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s: %w", where, err)
	}
	return s, nil
}

// Client options for faults, used by Connect. go-redis's defaults dial for up
// to 5 s, 5 times per attempt, and make 4 attempts per command, so one call
// to a Redis host that stopped answering could take over a minute before the
// user is told that the service is unavailable. With these a call gives up
// after about 3 attempts of one 2 s dial (6 s), or of one 3 s read; a command
// that meets a broken connection (Redis restarted) is still retried with
// backoff on a new one, and once a pool's dials keep failing it fails fast
// until a background dial succeeds (go-redis, every second). The pool keeps
// go-redis's defaults (10 connections per CPU, waiting up to 4 s for one).
// Values given in a redis:// URL (dial_timeout, max_retries...) win.
const (
	dialTimeout     = 2 * time.Second
	dialerRetries   = 1 // dials per attempt; attempts are retried below
	ioTimeout       = 3 * time.Second
	maxRetries      = 2
	minRetryBackoff = 20 * time.Millisecond
	maxRetryBackoff = 500 * time.Millisecond
)

// faultOptions sets the fault options on opt where the URL left them unset.
func faultOptions(opt *redis.Options) {
	set := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	set(&opt.DialTimeout, dialTimeout)
	set(&opt.ReadTimeout, ioTimeout)
	set(&opt.WriteTimeout, opt.ReadTimeout)
	set(&opt.MinRetryBackoff, minRetryBackoff)
	set(&opt.MaxRetryBackoff, maxRetryBackoff)
	if opt.DialerRetries == 0 {
		opt.DialerRetries = dialerRetries
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = maxRetries
	}
}

// Close closes the Redis client. Calls after Close fail with ErrUnavailable.
func (s *Store) Close() error { return s.c.Close() }

// Ping checks that Redis answers (for /healthz); ErrUnavailable when not.
func (s *Store) Ping(ctx context.Context) error {
	return s.wrap("ping", s.c.Ping(ctx).Err())
}

// LoadScripts loads every Lua script into Redis's script cache (on every
// master of a cluster), so that the first call of each method costs one round
// trip instead of two. Scripts missing from the cache (after a restart or a
// failover) are sent again on demand, so calling it is optional; Connect and
// Migrate do.
func (s *Store) LoadScripts(ctx context.Context) error {
	for _, sc := range allScripts {
		if err := sc.Load(ctx, s.c).Err(); err != nil {
			return s.wrap("load scripts", err)
		}
	}
	return nil
}

// MarkUpdate records that the Telegram update updateID is being handled.
// first is true for exactly one caller per update id within 48 hours, across
// every replica; a redelivered update gets false.
func (s *Store) MarkUpdate(ctx context.Context, updateID int64) (first bool, err error) {
	first, err = s.c.SetNX(ctx, s.k.update(updateID), "1", updateMarkerTTL).Result()
	return first, s.wrap("mark update "+strconv.FormatInt(updateID, 10), err)
}

// SchemaVersion returns the schema version of the stored data, 0 when none
// was recorded (an empty Redis).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := s.c.Get(ctx, s.k.schema()).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, s.wrap("schema version", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("schema version: stored value %q is not a number", v)
	}
	return n, nil
}

// Migrate brings the stored data to CurrentSchema and loads the Lua scripts.
// It is safe to run from several replicas at once, and again after it was
// interrupted: each step is idempotent, and the version is recorded only
// once every step is done. Data without a recorded version is version 1
// (the first schema; an empty Redis too). From 1 to 2 it seeds the per-year
// minimums of every community (migrateYears); from 2 to 3 it builds the
// counters of registration's choices (migrateChoices). It returns an error, changing
// nothing, when the data is newer than this code.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.c.SetNX(ctx, s.k.schema(), 1, 0).Err(); err != nil {
		return s.wrap("migrate", err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if v > CurrentSchema {
		return fmt.Errorf("migrate: stored schema version %d is newer than this program's %d; run a newer lamplighter", v, CurrentSchema)
	}
	if err := s.LoadScripts(ctx); err != nil {
		return err
	}
	if v < 2 {
		if err := s.migrateYears(ctx); err != nil {
			return fmt.Errorf("migrate to schema 2: %w", err)
		}
	}
	if v < 3 {
		if err := s.migrateChoices(ctx); err != nil {
			return fmt.Errorf("migrate to schema 3: %w", err)
		}
	}
	if v < 4 {
		if err := s.migrateYearIndex(ctx); err != nil {
			return fmt.Errorf("migrate to schema 4: %w", err)
		}
	}
	if v < 5 {
		if err := s.migrateFigures(ctx); err != nil {
			return fmt.Errorf("migrate to schema 5: %w", err)
		}
	}
	if v == 5 { // below 5, the steps above have built yd with the rest
		if err := s.migrateYearIndex(ctx); err != nil {
			return fmt.Errorf("migrate to schema 6: %w", err)
		}
	}
	if v < CurrentSchema {
		if _, _, err := s.run(ctx, "migrate", raiseSchemaScript, []string{s.k.schema()}, CurrentSchema); err != nil {
			return err
		}
	}
	return nil
}

var routeRedisLog sync.Once

// slogLogger is a go-redis logger writing to slog.Default at debug level.
type slogLogger struct{}

func (slogLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// unavailableError marks an error of the Redis connection; it unwraps to both
// lamplighter.ErrUnavailable and the go-redis cause.
type unavailableError struct {
	op    string
	cause error
}

func (e *unavailableError) Error() string {
	return e.op + ": redis unavailable: " + e.cause.Error()
}

func (e *unavailableError) Unwrap() []error { return []error{ll.ErrUnavailable, e.cause} }

// wrap adds op as context to a go-redis error. Connection failures become
// ErrUnavailable; domain errors pass unchanged.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *ll.Error
	if errors.As(err, &de) {
		return err
	}
	if unavailable(err) {
		return &unavailableError{op: op, cause: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unavailable reports whether err means that Redis could not be reached or
// cannot serve right now, rather than that a command was wrong.
func unavailable(err error) bool {
	switch {
	case errors.Is(err, redis.ErrClosed),
		errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, redis.ErrPoolExhausted),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY", "NOREPLICAS", "BUSY "} {
		if redis.HasErrorPrefix(err, p) {
			return true
		}
	}
	return false
}

// run runs a script and returns its reply: the status first, then the rest.
func (s *Store) run(ctx context.Context, op string, sc *redis.Script, keys []string, args ...any) (string, []any, error) {
	v, err := sc.Run(ctx, s.c, keys, args...).Result()
	if err != nil {
		return "", nil, s.wrap(op, err)
	}
	r, ok := v.([]any)
	if !ok || len(r) == 0 {
		return "", nil, fmt.Errorf("%s: unexpected script reply %v", op, v)
	}
	st, _ := r[0].(string)
	return st, r[1:], nil
}

// notFound is the ENOTFOUND error for an object of a kind ("post") and id.
func notFound(kind, id string) *ll.Error {
	return &ll.Error{Code: ll.ENOTFOUND, Message: fmt.Sprintf("%s %s not found", kind, id), Detail: kind}
}

// statusError maps a script's failure status to a domain error. ids names
// the objects the call was about, by kind ("post": "P3").
func statusError(op, st string, rest []any, ids map[string]string) error {
	detail := str(rest, 0)
	switch st {
	case "notfound":
		id := str(rest, 1)
		if id == "" {
			id = ids[detail]
		}
		return notFound(detail, id)
	case "notmember":
		id := str(rest, 0)
		if id == "" {
			id = ids["member"]
		}
		return &ll.Error{Code: ll.ENOTMEMBER, Message: fmt.Sprintf("member %s is not active", id), Detail: id}
	case "closed":
		return &ll.Error{Code: ll.ECONFLICT, Message: fmt.Sprintf("post %s is closed", ids["post"]), Detail: ll.ReasonClosed}
	case "full":
		return &ll.Error{Code: ll.EFULL, Detail: ll.ReasonPost, Message: fmt.Sprintf("post %s is full", ids["post"])}
	}
	return fmt.Errorf("%s: unexpected script status %q", op, st)
}

// str returns r[i] as a string, "" when absent or not a string.
func str(r []any, i int) string {
	if i >= len(r) {
		return ""
	}
	switch v := r[i].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// num returns r[i] as an integer, 0 when absent or not a number.
func num(r []any, i int) int64 {
	if i >= len(r) {
		return 0
	}
	switch v := r[i].(type) {
	case int64:
		return v
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// strs returns r[i] as a list of strings.
func strs(r []any, i int) []string {
	if i >= len(r) {
		return nil
	}
	l, _ := r[i].([]any)
	out := make([]string, 0, len(l))
	for j := range l {
		out = append(out, str(l, j))
	}
	return out
}

// millis encodes t as unix milliseconds, "" for the zero time.
func millis(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// millis is millis(now), the store's clock standing in for a zero now.
func (s *Store) millis(now time.Time) string {
	if now.IsZero() {
		now = s.now()
	}
	return millis(now)
}

// fromMS decodes unix milliseconds; "" or garbage is the zero time.
func fromMS(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || s == "" {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// validID reports whether id is a normalised short id with that prefix ("P3").
func validID(prefix byte, id string) bool { return id != "" && ll.NormalizeID(prefix, id) == id }

// checkCommunity returns ErrNotFound for a malformed community id, which
// cannot exist.
func checkCommunity(id string) error {
	if !ll.ValidCommunityID(id) {
		return notFound("community", id)
	}
	return nil
}

// changedResult maps the answer of a script that either changes something
// ("ok"), finds it already done ("noop"), or refuses: changed is true for
// "ok", false for "noop"; any other status becomes its domain error, with
// details naming the objects for ErrNotFound.
func changedResult(op, st string, rest []any, err error, details map[string]string) (bool, error) {
	switch {
	case err != nil:
		return false, err
	case st == "ok":
		return true, nil
	case st == "noop":
		return false, nil
	}
	return false, statusError(op, st, rest, details)
}
