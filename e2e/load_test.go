package e2e

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// loadRun runs `crossdock load` with args and returns its exit status,
// stdout (the report) and stderr (setup and progress).
func loadRun(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(crossdockBin, append([]string{"load"}, args...)...)
	cmd.Dir = repoRoot
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, stdout.String(), stderr.String()
}

// reportCount reads a "key  N" line of the load report.
func reportCount(t testing.TB, report, key string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + key + `\s+(\d+)\s*$`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("the report has no %q line:\n%s", key, report)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// stepOK reads the "ok" column of a step in the report's latency table.
func stepOK(t *testing.T, report, step string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(step) + `\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("the report's table has no %q row:\n%s", step, report)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// The load generator against the mesh, as a developer runs it: setup signs
// up and funds its buyers through the payment sandbox, a small open-model
// run completes every journey without an error, and the orders it counts
// exist, paid, in its buyers' own order lists.
func TestLoadGeneratorThroughTheGateway(t *testing.T) {
	base, offset := apiMesh(t)
	sandbox := "http://" + addr(paymentSandboxPort, offset)
	run := "e2e-" + strings.ToLower(rand.Text()[:8])
	const buyers, arrivals = 5, 25

	code, report, log := loadRun(t, "--gateway", base, "--sandbox", sandbox, "--rate", "5", "--duration", "5s",
		"--buyers", strconv.Itoa(buyers), "--run-id", run, "--fail-on-errors")
	if code != 0 {
		t.Fatalf("exit %d\nreport:\n%s\nstderr:\n%s", code, report, log)
	}
	t.Logf("report:\n%s", report)
	if got := reportCount(t, report, "completed"); got != arrivals {
		t.Errorf("%d journeys completed, want %d", got, arrivals)
	}
	if got := reportCount(t, report, "errors"); got != 0 {
		t.Errorf("%d journeys failed", got)
	}
	if got := reportCount(t, report, "dropped"); got != 0 {
		t.Errorf("%d arrivals dropped", got)
	}
	for _, step := range []string{"browse", "checkout", "pay", "placed→paid", "journey"} {
		if got := stepOK(t, report, step); got != arrivals {
			t.Errorf("%s: %d timed, want %d", step, got, arrivals)
		}
	}
	if !strings.Contains(log, "setup: "+strconv.Itoa(buyers)+" buyers signed up and funded") {
		t.Errorf("stderr does not report setup:\n%s", log)
	}

	// Every journey's order is the buyer's own, paid, under the run's
	// checkout ids.
	if !strings.Contains(report, "load-"+run+"-0@load.crossdock.test") {
		t.Fatalf("the report does not name the run's buyers:\n%s", report)
	}
	c := newClient(t, base, "127.0.0.44")
	paid := 0
	for i := range buyers {
		email := "load-" + run + "-" + strconv.Itoa(i) + "@load.crossdock.test"
		token, _ := c.login(email, "crossdock-load-2026")
		orders := c.do("GET", "/v1/orders?page.page_size=100", token, nil).must(t, 200, "orders of "+email).list("orders")
		if len(orders) != arrivals/buyers {
			t.Errorf("%s has %d orders, want %d", email, len(orders), arrivals/buyers)
		}
		for _, o := range orders {
			if id, _ := o["checkoutId"].(string); !strings.HasPrefix(id, "load-"+run+"-") {
				t.Errorf("%s has order %v from checkout %q", email, o["orderId"], id)
			}
			if o["status"] == "ORDER_STATUS_PAID" {
				paid++
			} else {
				t.Errorf("%s's order %v is %v", email, o["orderId"], o["status"])
			}
		}
	}
	if paid != arrivals {
		t.Errorf("%d paid orders among the buyers, the report counts %d completed journeys", paid, arrivals)
	}

	// Setup that cannot sign its supplier in stops the run with status 1
	// before any arrival. (An unknown account: a wrong password would count
	// against a demo supplier's sign-in throttle.)
	nobody := uniqueEmail("nobody")
	code, report, log = loadRun(t, "--gateway", base, "--sandbox", sandbox, "--rate", "1", "--duration", "1s", "--suppliers", nobody)
	if code != 1 || report != "" || !strings.Contains(log, "crossdock: setup: sign in as supplier "+nobody) {
		t.Errorf("a failed setup: exit %d, report %q, stderr:\n%s", code, report, log)
	}
}

// The generator only talks to this machine: any other host, or a flag
// mistake, is refused before anything is sent.
func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--gateway", "http://10.1.2.3:8080"}, `--gateway "http://10.1.2.3:8080": 10.1.2.3 is not a loopback address`},
		{[]string{"--gateway", "https://api.crossdock.example"}, "api.crossdock.example is not a loopback address"},
		{[]string{"--sandbox", "http://192.168.0.9:9300"}, "192.168.0.9 is not a loopback address"},
		{[]string{"--rate", "0"}, "the rate must be a positive number"},
		{[]string{"--buyers", "0"}, "--buyers must be between 1 and 10000"},
		{[]string{"--max-in-flight", "0"}, "--max-in-flight must be at least 1"},
		{[]string{"--currency", "usd"}, `--currency "usd" is not an ISO 4217 code`},
		{[]string{"--run-id", "Has Spaces"}, "--run-id must be"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := loadRun(t, tt.args...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}
