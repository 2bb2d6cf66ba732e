package load

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run, written to stdout at its end.
type Report struct {
	RunID    string
	Buyers   []string // the buyers' e-mails, in order
	SKUs     int
	Currency string

	Target      Schedule
	Interrupted bool
	// Elapsed is the load phase from the first arrival until the last
	// journey ended (the tail of journeys in flight included).
	Elapsed time.Duration
	Counts  Counts
	MaxLate time.Duration
	Steps   []StepStats
	Errors  []ErrorCount
}

// NewReport reads the recorder at the end of a run.
func NewReport(rec *Recorder, target Schedule, elapsed time.Duration) Report {
	steps, errs := rec.stats()
	return Report{
		Target: target, Elapsed: elapsed, Counts: rec.Counts(), MaxLate: time.Duration(rec.maxLate.Load()),
		Steps: steps, Errors: errs,
	}
}

// Window is the time the achieved rate is measured over: the scheduled
// duration, or the load phase when the last journeys ended after it (or the
// run was interrupted before it). Measuring over the load phase alone would
// credit a run with more than its target when the last arrival, due just
// before the end, answers fast.
func (r Report) Window() time.Duration {
	if r.Interrupted {
		return r.Elapsed
	}
	return max(r.Target.Duration, r.Elapsed)
}

// Achieved is the completed journeys per second over the window.
func (r Report) Achieved() float64 {
	if r.Window() <= 0 {
		return 0
	}
	return float64(r.Counts.Completed) / r.Window().Seconds()
}

// ErrorTotal is the number of failed journeys.
func (r Report) ErrorTotal() int64 { return r.Counts.Failed }

// Shortfall says why a run fell short of its target, for --fail-on-errors:
// journeys failed, or arrivals were dropped at the in-flight bound (the
// mesh could not keep up: a run that dropped most of its arrivals is no
// pass). Nil when every arrival ran and none failed.
func (r Report) Shortfall() error {
	var errs []error
	if n := r.ErrorTotal(); n > 0 {
		errs = append(errs, fmt.Errorf("%d of %d journeys failed", n, r.Counts.Arrivals-r.Counts.Dropped))
	}
	if n := r.Counts.Dropped; n > 0 {
		errs = append(errs, fmt.Errorf("%d of %d arrivals dropped at the in-flight bound", n, r.Counts.Arrivals))
	}
	return errors.Join(errs...)
}

// Write prints the report. Its first lines are "key  value" pairs a script
// can read (run, buyers, completed, errors, dropped); then the latency
// table; then the errors by step and class, each with its first message.
func (r Report) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "run        %s\n", r.RunID)
	if n := len(r.Buyers); n > 0 {
		fmt.Fprintf(&b, "buyers     %d (%s", n, r.Buyers[0])
		if n > 1 {
			fmt.Fprintf(&b, " … %s", r.Buyers[n-1])
		}
		fmt.Fprintf(&b, "), paying in %s, %d SKUs\n", r.Currency, r.SKUs)
	}
	fmt.Fprintf(&b, "target     %s journeys/s for %v (%d arrivals)\n", rate(r.Target.Rate), r.Target.Duration, r.Target.Arrivals())
	fmt.Fprintf(&b, "achieved   %s journeys/s (%d completed in %v)\n", rate(r.Achieved()), r.Counts.Completed, r.Window().Round(time.Millisecond))
	if r.Interrupted {
		fmt.Fprintf(&b, "interrupted after %d of %d arrivals\n", r.Counts.Arrivals, r.Target.Arrivals())
	}
	fmt.Fprintf(&b, "arrivals   %d (%d launched, %d dropped at the in-flight bound; latest launch %v after its time)\n",
		r.Counts.Arrivals, r.Counts.Arrivals-r.Counts.Dropped, r.Counts.Dropped, r.MaxLate.Round(time.Microsecond))
	fmt.Fprintf(&b, "completed  %d\n", r.Counts.Completed)
	fmt.Fprintf(&b, "errors     %d\n", r.Counts.Failed)
	fmt.Fprintf(&b, "dropped    %d\n\n", r.Counts.Dropped)

	fmt.Fprintf(&b, "%-12s %7s %7s %9s %9s %9s %9s\n", "step", "ok", "errors", "p50", "p95", "p99", "max")
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "%-12s %7d %7d %9s %9s %9s %9s\n", s.Step, s.Count, s.Errors, latency(s.P50), latency(s.P95), latency(s.P99), latency(s.Max))
	}
	b.WriteString("(placed→paid: from the checkout's answer, the order pending payment, to the pay answer showing it PAID;\n journey: from when the arrival was due (the generator's lateness, its token renewed when due, the browse call) to that answer; ok counts successful steps, errors failed ones)\n")
	if len(r.Errors) > 0 {
		b.WriteString("\nerrors by step and code:\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, e := range r.Errors {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", e.Step, e.Class, e.Count, truncate(e.Example, 160))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rate prints a rate with one decimal, or more when it is small.
func rate(v float64) string {
	if v != 0 && v < 0.1 {
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// latency prints a duration to three significant places, "-" for none.
func latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
