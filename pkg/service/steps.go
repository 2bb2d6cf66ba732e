package service

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// FailingSteps is one kind of a service's persisted steps (a saga's tasks,
// a queue of calls to a partner) that failed and wait to be tried again.
// Such steps retry on their own with backoff, so a failure is expected to
// pass; one that has failed for long needs a person (a peer down, a refusal
// no retry will change) while money or stock waits on it. The kit exports
// them so one alert covers every service's steps.
type FailingSteps struct {
	Kind string
	// Count is how many steps of the kind are failing.
	Count int64
	// Longest is how long the step failing longest has failed: since its
	// first failure, not since it was scheduled (a step may be scheduled
	// days ahead).
	Longest time.Duration
}

// FailingStepsProbe reads a queue's failing steps. It is called at each
// scrape, within a short timeout, and should be one cheap query.
type FailingStepsProbe func(ctx context.Context) ([]FailingSteps, error)

// QueryFailingSteps runs a probe's query on q (a pool or a transaction)
// and reads its rows: each the kind (text), how many steps of it fail
// (bigint) and how many seconds the one failing longest has failed
// (float8).
func QueryFailingSteps(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, sql string, args ...any) ([]FailingSteps, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (FailingSteps, error) {
		var f FailingSteps
		var seconds float64
		err := row.Scan(&f.Kind, &f.Count, &seconds)
		f.Longest = time.Duration(max(seconds, 0) * float64(time.Second))
		return f, err
	})
}

type stepsProbe struct {
	queue string
	read  FailingStepsProbe
	kinds []string
}

// ObserveFailingSteps exports what probe reads as crossdock.steps.failing
// and crossdock.steps.failing.oldest.age, labelled with queue and kind.
// Each of kinds is reported at zero while none of its steps fails, so a
// dashboard shows a healthy queue as zero rather than as no data; a kind
// the probe reads that is not among them is reported while it fails. A
// probe that fails is left out of that scrape, as the other sources are.
// Call it while wiring, before Run.
func (r *Runtime) ObserveFailingSteps(queue string, probe FailingStepsProbe, kinds ...string) {
	r.stepsMu.Lock()
	defer r.stepsMu.Unlock()
	r.steps = append(r.steps, stepsProbe{queue: queue, read: probe, kinds: kinds})
}

func (r *Runtime) observeFailingSteps(ctx context.Context, o metric.Observer, count metric.Int64Observable, longest metric.Float64Observable) {
	r.stepsMu.Lock()
	probes := append([]stepsProbe(nil), r.steps...)
	r.stepsMu.Unlock()
	for _, p := range probes {
		failing, err := p.read(ctx)
		if err != nil {
			continue
		}
		for _, kind := range p.kinds {
			if !slices.ContainsFunc(failing, func(f FailingSteps) bool { return f.Kind == kind }) {
				failing = append(failing, FailingSteps{Kind: kind})
			}
		}
		for _, f := range failing {
			attrs := metric.WithAttributes(attribute.String(attrQueue, p.queue), attribute.String(attrKind, f.Kind))
			o.ObserveInt64(count, f.Count, attrs)
			o.ObserveFloat64(longest, f.Longest.Seconds(), attrs)
		}
	}
}
