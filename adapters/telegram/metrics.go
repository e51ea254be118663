package telegram

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The bot's series. They are read from the outbox's and the limits'
// counters at scrape time: nothing here counts anything twice.
var (
	descSends    = botDesc("sends_total", "Messages sent to Telegram (each part of a split text counts).")
	descEdits    = botDesc("edits_total", "Messages edited in place (an unchanged message counts).")
	descAnswers  = botDesc("answers_total", "Button presses answered (answerCallbackQuery).")
	descTooMany  = botDesc("too_many_requests_total", "Bot API calls Telegram answered 429 Too Many Requests.")
	descRetries  = botDesc("retries_total", "Bot API calls repeated after a 429 or a transient failure.")
	descFailed   = botDesc("failed_total", "Sends, edits and answers that failed for good: someone missed a message.")
	descHits     = botDesc("rate_limit_hits_total", "Actions refused by the per-person or global rate limits (an update is a message; some are also an operation or a payment).", "action")
	descDropped  = botDesc("updates_dropped_total", "Updates dropped because their person's queue was full.")
	descSessions = botDesc("sessions", "People whose session is running now.")
	descHandled  = botDesc("update_handling_seconds", "Updates handled, by how long their handler took (rate limit, engine call, reply queued).")
	descShown    = botDesc("login_codes_shown_total", "Login codes shown to their numbers' holders: the latest on a press, or a new one pushed while they waited.")
)

var botDescs = []*prometheus.Desc{descSends, descEdits, descAnswers, descTooMany, descRetries, descFailed,
	descHits, descDropped, descSessions, descHandled, descShown}

func botDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("allot_telegram_"+name, help, labels, nil)
}

// botCollector reads the bot that bot returns at each scrape.
type botCollector struct{ bot func() *Bot }

// NewCollector returns the bot's Prometheus series (allot_telegram_*),
// read at each scrape from the bot that bot returns. It may be made before
// the bot exists: while bot returns nil (not started yet, or no BOT_TOKEN)
// the series are absent. bot must be safe to call from any goroutine.
func NewCollector(bot func() *Bot) prometheus.Collector { return &botCollector{bot: bot} }

func (c *botCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range botDescs {
		ch <- d
	}
}

func (c *botCollector) Collect(ch chan<- prometheus.Metric) {
	b := c.bot()
	if b == nil {
		return
	}
	o := b.out.Stats()
	ch <- botCounter(descSends, o.Sent)
	ch <- botCounter(descEdits, o.Edited)
	ch <- botCounter(descAnswers, o.Answered)
	ch <- botCounter(descTooMany, o.TooManyRequests)
	ch <- botCounter(descRetries, o.Retries)
	ch <- botCounter(descFailed, o.Failed)
	for a, n := range b.lim.Hits() {
		ch <- botCounter(descHits, n, a.String())
	}
	b.mu.Lock()
	dropped, sessions := b.dropped, len(b.sessions)
	b.mu.Unlock()
	ch <- botCounter(descDropped, dropped)
	ch <- botCounter(descShown, b.shown.Load())
	ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(sessions))
	buckets, count, sum := b.handled.read()
	ch <- prometheus.MustNewConstHistogram(descHandled, count, sum, buckets)
}

func botCounter(d *prometheus.Desc, v uint64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

// latencies counts handled updates by how long they took, in buckets that
// double from 1 ms: lock-free, read by the metrics collector at scrape.
type latencies struct {
	buckets [latencyBuckets + 1]atomic.Uint64 // the last is +Inf
	count   atomic.Uint64
	sumNs   atomic.Uint64
}

// latencyBuckets is 1 ms, 2 ms, … about 16 s.
const latencyBuckets = 15

func latencyBound(i int) time.Duration { return time.Millisecond << i }

func (l *latencies) observe(d time.Duration) {
	i := 0
	for i < latencyBuckets && d > latencyBound(i) {
		i++
	}
	l.buckets[i].Add(1)
	l.count.Add(1)
	l.sumNs.Add(uint64(max(d, 0)))
}

// read returns cumulative counts by upper bound in seconds, the count and
// the sum in seconds, as a Prometheus histogram wants them.
func (l *latencies) read() (map[float64]uint64, uint64, float64) {
	out := make(map[float64]uint64, latencyBuckets)
	var run uint64
	for i := 0; i < latencyBuckets; i++ {
		run += l.buckets[i].Load()
		out[latencyBound(i).Seconds()] = run
	}
	return out, l.count.Load(), float64(l.sumNs.Load()) / 1e9
}
