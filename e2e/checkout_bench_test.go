package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkCheckoutAndPay offers buyer journeys (browse, checkout, pay)
// through the gateway with `crossdock load` on the running mesh (every
// service, PostgreSQL durable, on this machine), after a 15 s warm-up, at
// 10, 20, 40 and 100 journeys/s, each for 20 s
// (an open model: arrivals do not wait for earlier ones), and reports what
// the mesh achieved: journeys/s, checkout p50/p99, placed→paid p99 and the
// share of arrivals that failed or were dropped. Each rate is one run, not
// b.N of them: a run is its own measurement.
func BenchmarkCheckoutAndPay(b *testing.B) {
	base, offset := apiMesh(b)
	sandbox := "http://" + addr(paymentSandboxPort, offset)
	// A short run first, not measured: a mesh just started is still
	// filling its connection pools and statement caches, and docking is
	// queueing every listed product for its first push. Five seconds were
	// not enough: the first measured run's checkout p99 was about four
	// times the steady state's.
	if code, report, log := loadRun(b, "--gateway", base, "--sandbox", sandbox, "--rate", "20", "--duration", "15s", "--buyers", "40"); code != 0 {
		b.Fatalf("warm-up: exit %d\nreport:\n%s\nstderr:\n%s", code, report, log)
	}
	for _, rate := range []int{10, 20, 40, 100} {
		b.Run("rate="+strconv.Itoa(rate), func(b *testing.B) {
			code, report, log := loadRun(b, "--gateway", base, "--sandbox", sandbox, "--rate", strconv.Itoa(rate),
				"--duration", "20s", "--buyers", strconv.Itoa(2*rate))
			if code != 0 {
				b.Fatalf("exit %d\nreport:\n%s\nstderr:\n%s", code, report, log)
			}
			b.Logf("report:\n%s", report)
			failed := float64(reportCount(b, report, "errors") + reportCount(b, report, "dropped"))
			arrivals := float64(20 * rate)
			b.ReportMetric(achieved(b, report), "journeys/s")
			b.ReportMetric(stepQuantile(b, report, "checkout", 0), "checkout-p50-ms")
			b.ReportMetric(stepQuantile(b, report, "checkout", 2), "checkout-p99-ms")
			b.ReportMetric(stepQuantile(b, report, "placed→paid", 2), "placed-paid-p99-ms")
			b.ReportMetric(100*failed/arrivals, "failed-%")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// achieved reads the report's achieved journeys/s.
func achieved(b testing.TB, report string) float64 {
	m := regexp.MustCompile(`(?m)^achieved\s+([0-9.]+) journeys/s`).FindStringSubmatch(report)
	if m == nil {
		b.Fatalf("no achieved line:\n%s", report)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// stepQuantile reads a step's p50 (0), p95 (1) or p99 (2) in milliseconds.
func stepQuantile(b testing.TB, report, step string, column int) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(step) + `\s+\d+\s+\d+\s+(\S+)\s+(\S+)\s+(\S+)`).FindStringSubmatch(report)
	if m == nil {
		b.Fatalf("no %s row:\n%s", step, report)
	}
	d, err := time.ParseDuration(strings.ReplaceAll(m[1+column], "µ", "u"))
	if err != nil {
		b.Fatalf("%s: %v", m[1+column], err)
	}
	return float64(d) / float64(time.Millisecond)
}
