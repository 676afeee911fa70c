// Package metrics holds the service's Prometheus collectors, on a registry
// of its own so that tests can make a fresh set each time.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the counters the web side and the worker move.
type Metrics struct {
	Registry      *prometheus.Registry
	Signups       *prometheus.CounterVec // by result
	Confirmations prometheus.Counter
	Unsubscribes  prometheus.Counter
	Sent          *prometheus.CounterVec // by kind: confirm, step, letter
	Failed        *prometheus.CounterVec // by kind and reason: rejected, gave_up
	Retried       *prometheus.CounterVec // by kind
	Dropped       *prometheus.CounterVec // by kind and reason
	SendSeconds   prometheus.Histogram
	Paused        prometheus.Gauge       // 1 while sending is paused
	Pauses        *prometheus.CounterVec // by who paused: author, breaker, data-loss
	Refusals      prometheus.Counter     // refusals of the sender or the message (5.7.x and kin)
	Deferrals     prometheus.Counter     // 4xx replies that slowed sending down
}

// Depth reports the queue's size and how much of it is due.
type Depth interface {
	Depth(ctx context.Context, now time.Time) (total, due int64, err error)
}

// New makes the collectors and registers them, with Go and process
// collectors, and the queue gauges read from q at scrape time.
func New(q Depth) *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		Signups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsletter_signups_total", Help: "Signups accepted, by result.",
		}, []string{"result"}),
		Confirmations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsletter_confirmations_total", Help: "Addresses confirmed (double opt-in).",
		}),
		Unsubscribes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsletter_unsubscribes_total", Help: "Unsubscribes.",
		}),
		Sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsletter_mails_sent_total", Help: "Mails accepted by the SMTP server, by kind.",
		}, []string{"kind"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsletter_mails_failed_total", Help: "Mails given up on, by kind and reason.",
		}, []string{"kind", "reason"}),
		Retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsletter_mails_retried_total", Help: "Temporary send failures put back in the queue, by kind.",
		}, []string{"kind"}),
		Dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsletter_jobs_dropped_total", Help: "Queued work dropped before sending, by kind and reason.",
		}, []string{"kind", "reason"}),
		SendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "newsletter_send_seconds", Help: "Time for the SMTP server to accept one mail.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		Paused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newsletter_sending_paused", Help: "1 while letters and steps are paused (as this process last saw it).",
		}),
		Pauses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsletter_sending_pauses_total", Help: "Times sending was paused, by who paused it.",
		}, []string{"by"}),
		Refusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsletter_smtp_refusals_total", Help: "Refusals of the sender or the message (they bounce nobody).",
		}),
		Deferrals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "newsletter_smtp_deferrals_total", Help: "4xx replies; each slows every worker down for a while.",
		}),
	}
	r.MustRegister(m.Signups, m.Confirmations, m.Unsubscribes, m.Sent, m.Failed, m.Retried, m.Dropped, m.SendSeconds,
		m.Paused, m.Pauses, m.Refusals, m.Deferrals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if q != nil {
		depth := func(due bool) func() float64 {
			return func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				total, d, err := q.Depth(ctx, time.Now())
				if err != nil {
					return -1
				}
				if due {
					return float64(d)
				}
				return float64(total)
			}
		}
		r.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "newsletter_queue_depth", Help: "Jobs in the queue."}, depth(false)),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "newsletter_queue_due", Help: "Jobs in the queue that are due now."}, depth(true)),
		)
	}
	return m
}
