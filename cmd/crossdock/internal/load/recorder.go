package load

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Step names one timed part of a journey.
type Step string

// The steps of a buyer journey, in order, and the measures derived from them.
const (
	// StepAuth is renewing the buyer's access token when it is about to
	// expire; it only appears in a report when it failed.
	StepAuth     Step = "auth"
	StepBrowse   Step = "browse"
	StepCheckout Step = "checkout"
	StepPay      Step = "pay"
	// StepPlacedToPaid runs from the moment the client has the checkout's
	// answer (the order exists, pending payment) to the moment it has the
	// pay answer showing the order PAID: how long a placed order waits for
	// its money, as the buyer's client sees it. It is the pay call plus the
	// client's own turnaround between the two calls.
	StepPlacedToPaid Step = "placed→paid"
	// StepJourney runs from when the arrival was due (the generator's
	// lateness and the journey's start included, then its token, renewed
	// when due, and the browse call) to the pay answer: the whole journey
	// of a completed arrival.
	StepJourney Step = "journey"
)

// reportSteps is the order of the report's latency table.
var reportSteps = []Step{StepBrowse, StepCheckout, StepPay, StepPlacedToPaid, StepJourney}

// Sample is one timed step of one journey; Err is set when the step failed
// (Took is then how long the failure took).
type Sample struct {
	Step Step
	Took time.Duration
	Err  error
}

// Outcome is what one journey did: its samples in order. A journey stops at
// its first failed step, so at most one sample carries an error.
type Outcome struct {
	Samples []Sample
}

// Failed returns the failed sample, if any.
func (o Outcome) Failed() (Sample, bool) {
	for _, s := range o.Samples {
		if s.Err != nil {
			return s, true
		}
	}
	return Sample{}, false
}

// errorKey groups errors for the report.
type errorKey struct {
	step  Step
	class string
}

// errorTally counts one group and keeps its first message as an example.
type errorTally struct {
	count   int
	example string
}

// Recorder collects the outcomes of a run. Counters are atomic so the
// progress line reads them without taking the lock the samples need.
type Recorder struct {
	arrivals, dropped, inFlight, completed, failed atomic.Int64
	// maxLate is the largest delay, in nanoseconds, between an arrival's due
	// time and its launch: how well the generator itself kept up.
	maxLate atomic.Int64

	mu      sync.Mutex
	samples map[Step][]time.Duration
	errors  map[errorKey]*errorTally
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{samples: map[Step][]time.Duration{}, errors: map[errorKey]*errorTally{}}
}

// arrived counts an arrival, launched or dropped, and how late it fired.
func (r *Recorder) arrived(late time.Duration, dropped bool) {
	r.arrivals.Add(1)
	if dropped {
		r.dropped.Add(1)
	} else {
		r.inFlight.Add(1)
	}
	for {
		cur := r.maxLate.Load()
		if int64(late) <= cur || r.maxLate.CompareAndSwap(cur, int64(late)) {
			return
		}
	}
}

// finished records a launched journey's outcome.
func (r *Recorder) finished(o Outcome) {
	r.mu.Lock()
	for _, s := range o.Samples {
		if s.Err == nil {
			r.samples[s.Step] = append(r.samples[s.Step], s.Took)
			continue
		}
		k := errorKey{s.Step, ErrorClass(s.Err)}
		t := r.errors[k]
		if t == nil {
			t = &errorTally{example: s.Err.Error()}
			r.errors[k] = t
		}
		t.count++
	}
	r.mu.Unlock()
	if _, failed := o.Failed(); failed {
		r.failed.Add(1)
	} else {
		r.completed.Add(1)
	}
	r.inFlight.Add(-1)
}

// Counts are the recorder's counters at one moment.
type Counts struct {
	Arrivals, Dropped, InFlight, Completed, Failed int64
}

// Counts reads the counters.
func (r *Recorder) Counts() Counts {
	return Counts{
		Arrivals: r.arrivals.Load(), Dropped: r.dropped.Load(), InFlight: r.inFlight.Load(),
		Completed: r.completed.Load(), Failed: r.failed.Load(),
	}
}

// StepStats are one step's latencies over its successful samples.
type StepStats struct {
	Step               Step
	Count, Errors      int
	P50, P95, P99, Max time.Duration
}

// ErrorCount is one group of errors.
type ErrorCount struct {
	Step    Step
	Class   string
	Count   int
	Example string
}

// stats computes the latency table and the error groups.
func (r *Recorder) stats() ([]StepStats, []ErrorCount) {
	r.mu.Lock()
	defer r.mu.Unlock()
	errorsByStep := map[Step]int{}
	var errs []ErrorCount
	for k, t := range r.errors {
		errorsByStep[k.step] += t.count
		errs = append(errs, ErrorCount{Step: k.step, Class: k.class, Count: t.count, Example: t.example})
	}
	slices.SortFunc(errs, func(a, b ErrorCount) int {
		if c := stepOrder(a.Step) - stepOrder(b.Step); c != 0 {
			return c
		}
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.Class < b.Class {
			return -1
		}
		return 1
	})
	steps := []Step{}
	if errorsByStep[StepAuth] > 0 {
		steps = append(steps, StepAuth)
	}
	steps = append(steps, reportSteps...)
	out := make([]StepStats, 0, len(steps))
	for _, step := range steps {
		sorted := slices.Clone(r.samples[step])
		slices.Sort(sorted)
		out = append(out, StepStats{
			Step: step, Count: len(sorted), Errors: errorsByStep[step],
			P50: Percentile(sorted, 50), P95: Percentile(sorted, 95), P99: Percentile(sorted, 99), Max: Percentile(sorted, 100),
		})
	}
	return out, errs
}

// stepOrder sorts steps as a journey runs them.
func stepOrder(s Step) int {
	if s == StepAuth {
		return -1
	}
	if i := slices.Index(reportSteps, s); i >= 0 {
		return i
	}
	return len(reportSteps)
}
