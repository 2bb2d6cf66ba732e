package load

import (
	"strings"
	"testing"
	"time"
)

func TestReportWrite(t *testing.T) {
	target := Schedule{Rate: 5, Duration: 5 * time.Second}
	base := Report{
		RunID: "abc123", Buyers: []string{"load-abc123-0@load.crossdock.test", "load-abc123-1@load.crossdock.test"},
		SKUs: 7, Currency: "USD", Target: target, Elapsed: 5200 * time.Millisecond, MaxLate: 1500 * time.Microsecond,
		Counts: Counts{Arrivals: 25, Completed: 23, Failed: 2},
		Steps: []StepStats{
			{Step: StepBrowse, Count: 25, P50: 3200 * time.Microsecond, P95: 8 * time.Millisecond, P99: 9 * time.Millisecond, Max: 9500 * time.Microsecond},
			{Step: StepCheckout, Count: 23, Errors: 2, P50: 150 * time.Millisecond, P95: 1200 * time.Millisecond, P99: 2 * time.Second, Max: 2100 * time.Millisecond},
			{Step: StepPay, Count: 23},
			{Step: StepPlacedToPaid, Count: 23, P50: 800 * time.Microsecond, P95: time.Millisecond, P99: time.Millisecond, Max: time.Millisecond},
		},
		Errors: []ErrorCount{{Step: StepCheckout, Class: "HTTP 400 FAILED_PRECONDITION INSUFFICIENT_STOCK", Count: 2,
			Example: "POST /v1/checkouts: HTTP 400 FAILED_PRECONDITION (INSUFFICIENT_STOCK): " + strings.Repeat("x", 300)}},
	}
	tests := []struct {
		name   string
		edit   func(*Report)
		want   []string // lines or fragments that must appear
		absent []string
	}{
		{name: "a run with errors", edit: func(*Report) {}, want: []string{
			"run        abc123\n",
			"buyers     2 (load-abc123-0@load.crossdock.test … load-abc123-1@load.crossdock.test), paying in USD, 7 SKUs\n",
			"target     5.0 journeys/s for 5s (25 arrivals)\n",
			"achieved   4.4 journeys/s (23 completed in 5.2s)\n",
			"arrivals   25 (25 launched, 0 dropped at the in-flight bound; latest launch 1.5ms after its time)\n",
			"completed  23\n", "errors     2\n", "dropped    0\n",
			"step              ok  errors       p50       p95       p99       max\n",
			"browse            25       0     3.2ms     8.0ms     9.0ms     9.5ms\n",
			"checkout          23       2   150.0ms     1.20s     2.00s     2.10s\n",
			"pay               23       0         -         -         -         -\n",
			"placed→paid       23       0     800µs     1.0ms     1.0ms     1.0ms\n",
			"errors by step and code:\n",
			"  checkout  HTTP 400 FAILED_PRECONDITION INSUFFICIENT_STOCK  2  POST /v1/checkouts",
			"xxx…\n",
		}, absent: []string{"interrupted", strings.Repeat("x", 200)}},
		{name: "a clean run", edit: func(r *Report) {
			r.Counts, r.Errors, r.Buyers = Counts{Arrivals: 25, Completed: 25}, nil, r.Buyers[:1]
			r.Elapsed = 5 * time.Second
		}, want: []string{
			"buyers     1 (load-abc123-0@load.crossdock.test), paying",
			"achieved   5.0 journeys/s (25 completed in 5s)\n",
			"errors     0\n",
		}, absent: []string{"errors by step", "…"}},
		{name: "a run that ends before its duration is measured over the duration", edit: func(r *Report) {
			r.Counts, r.Errors = Counts{Arrivals: 25, Completed: 25}, nil
			r.Elapsed = 4870 * time.Millisecond
		}, want: []string{"achieved   5.0 journeys/s (25 completed in 5s)\n"}},
		{name: "an interrupted run with drops", edit: func(r *Report) {
			r.Interrupted = true
			r.Counts = Counts{Arrivals: 10, Dropped: 4, Completed: 6}
			r.Errors = nil
			r.Elapsed = 2 * time.Second
		}, want: []string{
			"achieved   3.0 journeys/s (6 completed in 2s)\n",
			"interrupted after 10 of 25 arrivals\n",
			"arrivals   10 (6 launched, 4 dropped at the in-flight bound;",
			"dropped    4\n",
		}},
		{name: "a slow target", edit: func(r *Report) {
			r.Target = Schedule{Rate: 0.05, Duration: time.Minute}
		}, want: []string{"target     0.050 journeys/s for 1m0s (3 arrivals)\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			r.Buyers = append([]string(nil), base.Buyers...)
			tt.edit(&r)
			var out strings.Builder
			if err := r.Write(&out); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(out.String(), a) {
					t.Errorf("report holds %q:\n%s", a, out.String())
				}
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	tests := []struct {
		elapsed time.Duration
		counts  Counts
		rate    float64
		want    string
	}{
		{1200 * time.Millisecond, Counts{Arrivals: 10, Completed: 8, InFlight: 2}, 8, "   1s  arrivals 10  completed 8  in flight 2  errors 0  8.0/s"},
		{65 * time.Second, Counts{Arrivals: 650, Completed: 600, InFlight: 30, Failed: 5, Dropped: 15}, 9.55,
			" 1m5s  arrivals 650  completed 600  in flight 30  errors 5  dropped 15  9.6/s"},
	}
	for _, tt := range tests {
		if got := progressLine(tt.elapsed, tt.counts, tt.rate); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

// On a terminal the line is redrawn in place and padded over a longer one;
// elsewhere each report is a line of its own.
func TestProgressShow(t *testing.T) {
	for _, terminal := range []bool{true, false} {
		var out strings.Builder
		rec := NewRecorder()
		p := &Progress{W: &out, Terminal: terminal, Recorder: rec}
		now := time.Now()
		p.start, p.lastAt = now, now
		for range 12 {
			rec.arrived(0, false)
		}
		p.show(now.Add(time.Second))
		for range 12 {
			rec.finished(Outcome{})
		}
		p.show(now.Add(2 * time.Second))
		p.show(now.Add(3 * time.Second))
		got := out.String()
		if terminal {
			first := "\r   1s  arrivals 12  completed 0  in flight 12  errors 0  0.0/s"
			second := "\r   2s  arrivals 12  completed 12  in flight 0  errors 0  12.0/s"
			third := "\r   3s  arrivals 12  completed 12  in flight 0  errors 0  0.0/s " // padded over the longer second
			if got != first+second+third || strings.Contains(got, "\n") {
				t.Errorf("terminal output %q", got)
			}
		} else if lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n"); len(lines) != 3 || strings.Contains(got, "\r") {
			t.Errorf("plain output %q", got)
		}
	}
}

// A run falls short when a journey failed or an arrival was dropped: one
// that dropped nearly every arrival at the in-flight bound, none failing,
// is no pass for --fail-on-errors.
func TestShortfall(t *testing.T) {
	tests := []struct {
		name                      string
		arrivals, failed, dropped int64
		want                      []string
	}{
		{"every arrival ran", 10, 0, 0, nil},
		{"a journey failed", 10, 1, 0, []string{"1 of 10 journeys failed"}},
		{"arrivals dropped", 10, 0, 9, []string{"9 of 10 arrivals dropped"}},
		{"both", 10, 1, 2, []string{"1 of 8 journeys failed", "2 of 10 arrivals dropped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Report
			r.Counts.Arrivals, r.Counts.Failed, r.Counts.Dropped = tt.arrivals, tt.failed, tt.dropped
			err := r.Shortfall()
			if (err == nil) != (tt.want == nil) {
				t.Fatalf("Shortfall() = %v, want %v", err, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Shortfall() = %q, want it to say %q", err, w)
				}
			}
		})
	}
}
