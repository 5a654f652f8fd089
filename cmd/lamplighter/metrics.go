package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	ll "github.com/lamplighter-bot/lamplighter"
	"github.com/lamplighter-bot/lamplighter/bot"
	"github.com/lamplighter-bot/lamplighter/scheduler"
)

// metricsTimeout bounds the Redis calls of one scrape (PING and the outbox
// status).
const metricsTimeout = 3 * time.Second

// metricSources are what /metrics reads at each scrape. The Telegram
// adapter, the outbox sender and the scheduler keep their own counters
// (Stats); the outbox's state is read from Redis. The adapter's handler
// latency and Bot API calls are in its Observer, telegramEvents. Any source
// may be nil.
type metricSources struct {
	telegram       func() bot.Stats
	telegramEvents *telegramMetrics
	sender         func() bot.SenderStats
	presenter      func() bot.PresenterStats
	scheduler      func() scheduler.Stats
	outbox         func(ctx context.Context, now time.Time) (ll.OutboxStatus, error)
	ping           func(ctx context.Context) error
	now            func() time.Time
	log            *slog.Logger
}

// metricsHandler serves the Prometheus metrics of a running bot (README
// "Metrics"), the Go runtime's and the process's included.
func (s *server) metricsHandler(now func() time.Time) http.Handler {
	src := metricSources{
		telegram:       s.tg.Stats,
		telegramEvents: s.tgMetrics,
		outbox:         s.store.OutboxStatus,
		ping:           s.store.Ping,
		now:            now,
		log:            s.log,
	}
	if s.sender != nil {
		src.sender = s.sender.Stats
	}
	if s.sched != nil {
		src.scheduler = s.sched.Stats
	}
	if s.presenter != nil {
		src.presenter = s.presenter.Stats
	}
	return newMetricsHandler(src)
}

// newMetricsHandler registers a collector over src, src.telegramEvents,
// and the Go and process collectors, on a registry of its own and returns
// its HTTP handler.
func newMetricsHandler(src metricSources) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newCollector(src),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if src.telegramEvents != nil {
		reg.MustRegister(src.telegramEvents)
	}
	opts := promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}
	if src.log != nil {
		opts.ErrorLog = slog.NewLogLogger(src.log.Handler(), slog.LevelWarn)
	}
	return promhttp.HandlerFor(reg, opts)
}

// desc describes one metric of the lamplighter namespace.
func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("lamplighter_"+name, help, labels, nil)
}

// Metric descriptions. "Replica" metrics count what this process did (sum
// them over replicas); "outbox" metrics describe the shared outbox in Redis
// and read the same on every replica (take one, or max, not the sum).
var (
	mUpdatesReceived = desc("updates_received_total", "Updates taken from Telegram (polling) or accepted by the webhook, by this replica.")
	mUpdatesHandled  = desc("updates_handled_total", "Updates processed to the end by this replica (duplicates, refused and ignored kinds included).")
	mUpdatesDup      = desc("updates_duplicate_total", "Updates skipped because another delivery of the same update_id had been handled.")
	mUpdatesRejected = desc("updates_rejected_total", "Updates refused: reason flood (per-user flood limit), queue_full (webhook answered 503: Telegram delivers it again).", "reason")
	mWebhookRefused  = desc("webhook_refused_total", "Webhook requests refused: wrong secret (401), method or body, or a full queue (503).")
	mUpdatesPanics   = desc("updates_panics_total", "Updates whose handling panicked (recovered).")
	mUpdatesQueued   = desc("updates_queued", "Updates held in memory now, waiting or being handled.")
	mQueueCapacity   = desc("updates_queue_capacity", "The most updates held in memory; at this level polling pauses and the webhook answers 503.")
	mPollPaused      = desc("poll_paused_total", "Times the poller stopped fetching because the update queue was full.")
	mFloodUsers      = desc("flood_tracked_users", "Users the per-user flood limit tracks now (bounded; idle users are forgotten).")

	mSenderDeliveries = desc("sender_deliveries_total", "Outbox deliveries attempted by this replica's sender, by result: sent, 429, 403, failed, deferred (quiet hours).", "result")
	mSenderClaimed    = desc("sender_claimed_total", "Outbox messages claimed by this replica's sender.")

	mPresenterEdits = desc("presenter_edits_total", "Presenter screen (/present) edits by this replica's presenter, by result: edited (\"not modified\" included), 429, failed (a frame or an edit that failed; a deleted message or a blocked chat too), ended (presentations finished), lost (a lease that expired before the edit was finished).", "result")

	mOutboxQueued   = desc("outbox_queued", "Outbox messages waiting (held ones included), whole bot.")
	mOutboxInFlight = desc("outbox_in_flight", "Outbox messages claimed by a sender and not yet acknowledged, whole bot.")
	mOutboxDead     = desc("outbox_dead", "Dead letters: outbox messages given up on after their last attempt.")
	mOutboxChats    = desc("outbox_chats", "Chats with an outbox message waiting.")
	mOutboxOldest   = desc("outbox_oldest_age_seconds", "Age of the oldest outbox message waiting or in flight; 0 when none.")
	mOutboxOverdue  = desc("outbox_overdue_seconds", "How long the most overdue chat has been ready to send; 0 when none.")
	mOutboxRate     = desc("outbox_rate_factor", "Share of LAMPLIGHTER_RATE the senders may use now (below 1 after repeated 429s).")
	mOutboxMessages = desc("outbox_messages_total", "Outbox messages by outcome since the outbox was created, whole bot: enqueued, sent, unreachable, expired (too late to matter, dropped), failed, rate_limited, deferred, reclaimed.", "outcome")

	mRemindersEnqueued = desc("reminders_enqueued_total", "Reminders and digests this replica's scheduler put in the outbox.")
	mRemindersDropped  = desc("reminders_dropped_total", "Reminders not sent: reason late (the activity had started when its run came). Reminders that expire in the outbox count in lamplighter_outbox_messages_total{outcome=\"expired\"}.", "reason")
	mSchedulerRuns     = desc("scheduler_runs_total", "Scheduled runs this replica claimed and completed.")
	mSchedulerErrors   = desc("scheduler_errors_total", "Scheduler ticks or runs that failed (retried on the next tick).")

	mRedisUp   = desc("redis_up", "1 when Redis answered PING at this scrape, else 0.")
	mRedisPing = desc("redis_ping_seconds", "Time Redis took to answer PING at this scrape.")
)

// telegramMetrics is the Telegram adapter's bot.Observer: the handler
// latency histogram and the Bot API call counter, updated as the adapter
// tells them and registered on the /metrics registry as one collector.
// It is safe for concurrent use.
type telegramMetrics struct {
	latency prometheus.Histogram
	calls   *prometheus.CounterVec
	// byResult holds calls' counter for each bot.APIResult, made at start
	// so that every result is exposed, at 0 until it happens.
	byResult map[bot.APIResult]prometheus.Counter
}

// apiResultLabels are the values of telegram_calls_total's result label.
var apiResultLabels = map[bot.APIResult]string{
	bot.APIOK:          "ok",
	bot.APIRateLimited: "429",
	bot.APIUnreachable: "403",
	bot.APIFailed:      "error",
}

func newTelegramMetrics() *telegramMetrics {
	m := &telegramMetrics{
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "lamplighter_handler_duration_seconds",
			Help:    "Time the conversation took to answer one request.",
			Buckets: prometheus.DefBuckets,
		}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lamplighter_telegram_calls_total",
			Help: "Bot API calls that send something (replies, outbox deliveries, button answers, menus), by Telegram's answer: ok, 429, 403 (or chat not found), error.",
		}, []string{"result"}),
		byResult: make(map[bot.APIResult]prometheus.Counter, len(apiResultLabels)),
	}
	for r, label := range apiResultLabels {
		m.byResult[r] = m.calls.WithLabelValues(label)
	}
	return m
}

// HandlerDone observes one request's handling time (a negative one as 0).
func (m *telegramMetrics) HandlerDone(d time.Duration) {
	m.latency.Observe(max(d, 0).Seconds())
}

// APICall counts one Bot API call by its answer; an unknown result counts
// as an error.
func (m *telegramMetrics) APICall(r bot.APIResult) {
	c, ok := m.byResult[r]
	if !ok {
		c = m.byResult[bot.APIFailed]
	}
	c.Inc()
}

// Describe sends the histogram's and the counter's descriptions.
func (m *telegramMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.latency.Describe(ch)
	m.calls.Describe(ch)
}

// Collect sends the histogram and the counters.
func (m *telegramMetrics) Collect(ch chan<- prometheus.Metric) {
	m.latency.Collect(ch)
	m.calls.Collect(ch)
}

// collector turns the sources' snapshots into metrics at each scrape.
type collector struct{ src metricSources }

func newCollector(src metricSources) *collector {
	if src.now == nil {
		src.now = time.Now
	}
	return &collector{src: src}
}

// Describe sends every metric's description.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		mUpdatesReceived, mUpdatesHandled, mUpdatesDup, mUpdatesRejected, mWebhookRefused, mUpdatesPanics, mUpdatesQueued,
		mQueueCapacity, mPollPaused, mFloodUsers,
		mSenderDeliveries, mSenderClaimed, mPresenterEdits,
		mOutboxQueued, mOutboxInFlight, mOutboxDead, mOutboxChats, mOutboxOldest, mOutboxOverdue, mOutboxRate, mOutboxMessages,
		mRemindersEnqueued, mRemindersDropped, mSchedulerRuns, mSchedulerErrors,
		mRedisUp, mRedisPing,
	} {
		ch <- d
	}
}

// Collect reads every source once. Redis is asked for PING and the outbox
// status; when it does not answer, redis_up is 0 and the outbox metrics
// are left out of this scrape.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}

	if c.src.telegram != nil {
		st := c.src.telegram()
		counter(mUpdatesReceived, st.Received)
		counter(mUpdatesHandled, st.Handled)
		counter(mUpdatesDup, st.Duplicates)
		counter(mUpdatesRejected, st.Flooded, "flood")
		counter(mUpdatesRejected, st.QueueFull, "queue_full")
		counter(mWebhookRefused, st.Rejected)
		counter(mUpdatesPanics, st.Panics)
		gauge(mUpdatesQueued, float64(st.Queued))
		gauge(mQueueCapacity, float64(st.QueueSize))
		counter(mPollPaused, st.PollPaused)
		gauge(mFloodUsers, float64(st.FloodUsers))
	}
	if c.src.sender != nil {
		st := c.src.sender()
		counter(mSenderClaimed, st.Claimed)
		counter(mSenderDeliveries, st.Sent, "sent")
		counter(mSenderDeliveries, st.RateLimited, "429")
		counter(mSenderDeliveries, st.Unreachable, "403")
		counter(mSenderDeliveries, st.Failed, "failed")
		counter(mSenderDeliveries, st.Deferred, "deferred")
	}
	if c.src.presenter != nil {
		st := c.src.presenter()
		counter(mPresenterEdits, st.Edited, "edited")
		counter(mPresenterEdits, st.RateLimited, "429")
		counter(mPresenterEdits, st.Failed, "failed")
		counter(mPresenterEdits, st.Ended, "ended")
		counter(mPresenterEdits, st.Lost, "lost")
	}
	if c.src.scheduler != nil {
		st := c.src.scheduler()
		counter(mRemindersEnqueued, st.Messages)
		counter(mRemindersDropped, st.Late, "late")
		counter(mSchedulerRuns, st.Runs)
		counter(mSchedulerErrors, st.Errors)
	}

	ctx, cancel := context.WithTimeout(context.Background(), metricsTimeout)
	defer cancel()
	up := c.src.ping != nil
	if up {
		start := time.Now()
		err := c.src.ping(ctx)
		gauge(mRedisPing, time.Since(start).Seconds())
		if err != nil {
			up = false
			if c.src.log != nil {
				c.src.log.Warn("metrics: redis does not answer", "err", err)
			}
		}
	}
	if up {
		gauge(mRedisUp, 1)
	} else {
		gauge(mRedisUp, 0)
	}
	if !up || c.src.outbox == nil {
		return
	}
	ob, err := c.src.outbox(ctx, c.src.now())
	if err != nil {
		if c.src.log != nil {
			c.src.log.Warn("metrics: outbox status", "err", err)
		}
		return
	}
	gauge(mOutboxQueued, float64(ob.Queued))
	gauge(mOutboxInFlight, float64(ob.InFlight))
	gauge(mOutboxDead, float64(ob.Dead))
	gauge(mOutboxChats, float64(ob.Chats))
	gauge(mOutboxOldest, ob.Oldest.Seconds())
	gauge(mOutboxOverdue, ob.Overdue.Seconds())
	gauge(mOutboxRate, ob.RateFactor)
	for _, o := range []struct {
		outcome string
		n       int64
	}{
		{"enqueued", ob.Enqueued}, {"sent", ob.Sent}, {"unreachable", ob.Unreachable}, {"expired", ob.Expired},
		{"failed", ob.Failed}, {"rate_limited", ob.RateLimited}, {"deferred", ob.Deferred}, {"reclaimed", ob.Reclaimed},
	} {
		counter(mOutboxMessages, o.n, o.outcome)
	}
}
