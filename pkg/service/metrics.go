package service

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/outbox"
)

// Metric names of the event flow and the pool every service exports on /metrics (the
// Prometheus names add the unit: crossdock_outbox_oldest_pending_age_seconds).
// The alerts and dashboards under deploy/ query them; a test there checks
// that each name they use is exported.
const (
	metricOutboxPending      = "crossdock.outbox.pending"
	metricOutboxOldestAge    = "crossdock.outbox.oldest_pending.age"
	metricConsumerPending    = "crossdock.inbox.consumer.pending"
	metricConsumerUnacked    = "crossdock.inbox.consumer.unacknowledged"
	metricDeadLetters        = "crossdock.inbox.dead_letters"
	metricPoolAcquired       = "crossdock.db.pool.acquired"
	metricPoolMax            = "crossdock.db.pool.max"
	metricStepsFailing       = "crossdock.steps.failing"
	metricStepsFailingAge    = "crossdock.steps.failing.oldest.age"
	attrQueue, attrKind      = "queue", "kind"
	observeTimeout           = 2 * time.Second
	attrConsumer, attrStream = "consumer", "stream"
)

// observeEventFlow registers the gauges of the outbox backlog, each
// consumer's lag and its dead letters, the database pool's use and the
// failing steps of the queues a service registered (ObserveFailingSteps). They are read when Prometheus scrapes,
// each source within observeTimeout; a source that does not answer (the
// database or NATS down, migrations not applied yet) is left out of that
// scrape rather than reported as zero, and the readiness checks say why.
func (r *Runtime) observeEventFlow() error {
	m := otel.Meter("github.com/crossdock/crossdock/pkg/service")
	pending, err := m.Int64ObservableGauge(metricOutboxPending, metric.WithUnit("{event}"),
		metric.WithDescription("Events in the outbox not yet published to NATS."))
	if err != nil {
		return err
	}
	oldest, err := m.Float64ObservableGauge(metricOutboxOldestAge, metric.WithUnit("s"),
		metric.WithDescription("How long the oldest unpublished outbox event has waited; 0 when none waits."))
	if err != nil {
		return err
	}
	lag, err := m.Int64ObservableGauge(metricConsumerPending, metric.WithUnit("{message}"),
		metric.WithDescription("Messages of a durable consumer's subjects not yet delivered to it."))
	if err != nil {
		return err
	}
	unacked, err := m.Int64ObservableGauge(metricConsumerUnacked, metric.WithUnit("{message}"),
		metric.WithDescription("Messages delivered to a durable consumer and not yet acknowledged."))
	if err != nil {
		return err
	}
	dead, err := m.Int64ObservableGauge(metricDeadLetters, metric.WithUnit("{message}"),
		metric.WithDescription("Dead letters a consumer left in the DEADLETTER stream, waiting for an operator."))
	if err != nil {
		return err
	}
	acquired, err := m.Int64ObservableGauge(metricPoolAcquired, metric.WithUnit("{connection}"),
		metric.WithDescription("Database connections of the pool in use: near the maximum, requests queue for one."))
	if err != nil {
		return err
	}
	maxConns, err := m.Int64ObservableGauge(metricPoolMax, metric.WithUnit("{connection}"),
		metric.WithDescription("The pool's maximum (DATABASE_MAX_CONNS)."))
	if err != nil {
		return err
	}
	failing, err := m.Int64ObservableGauge(metricStepsFailing, metric.WithUnit("{step}"),
		metric.WithDescription("Persisted steps (a saga's, a queue's) that failed and wait to be tried again, by queue and kind."))
	if err != nil {
		return err
	}
	failingAge, err := m.Float64ObservableGauge(metricStepsFailingAge, metric.WithUnit("s"),
		metric.WithDescription("How long the step failing longest, by queue and kind, has failed."))
	if err != nil {
		return err
	}
	r.metricsReg, err = m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, observeTimeout)
		defer cancel()
		stat := r.Pool.Stat()
		o.ObserveInt64(acquired, int64(stat.AcquiredConns()))
		o.ObserveInt64(maxConns, int64(stat.MaxConns()))
		if r.migrated.Load() {
			if b, err := outbox.PendingBacklog(ctx, r.Pool); err == nil {
				o.ObserveInt64(pending, b.Pending)
				o.ObserveFloat64(oldest, b.OldestAge.Seconds())
			}
			r.observeFailingSteps(ctx, o, failing, failingAge)
		}
		consumers := r.consumers()
		for _, c := range consumers {
			attrs := metric.WithAttributes(attribute.String(attrConsumer, c.Name), attribute.String(attrStream, c.Stream))
			if l, err := inbox.ConsumerLag(ctx, r.JS, c.Stream, c.Name); err == nil {
				o.ObserveInt64(lag, int64(l.Pending), attrs)
				o.ObserveInt64(unacked, int64(l.Unacknowledged), attrs)
			}
		}
		if len(consumers) > 0 {
			names := make([]string, len(consumers))
			for i, c := range consumers {
				names[i] = c.Name
			}
			if counts, err := inbox.CountDeadLetters(ctx, r.JS, names); err == nil {
				for name, n := range counts {
					o.ObserveInt64(dead, int64(n), metric.WithAttributes(attribute.String(attrConsumer, name)))
				}
			}
		}
		return nil
	}, pending, oldest, lag, unacked, dead, acquired, maxConns, failing, failingAge)
	return err
}
