package up

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/health"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
)

func TestReportListsEveryServiceAndTheURLs(t *testing.T) {
	plan, err := mesh.NewPlan(300)
	if err != nil {
		t.Fatal(err)
	}
	var results []health.Result
	for _, s := range mesh.Services {
		results = append(results, health.Result{Name: s.Name, Status: "SERVING"})
	}
	results[3] = health.Result{Name: "orders", Err: errors.New("connection refused")}
	var out bytes.Buffer
	report(&out, plan, results, "postgres://postgres@/postgres?port=5733", "/data/secrets.json")
	text := out.String()

	rows := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = line
		}
	}
	for _, want := range []struct{ row, fragment string }{
		{"users", "users 127.0.0.1:9401 127.0.0.1:9501 SERVING http://127.0.0.1:9501/metrics"},
		{"orders", "127.0.0.1:9504 connection refused"},
		{"gateway", "gateway - 127.0.0.1:9509 SERVING http://127.0.0.1:9509/metrics"},
	} {
		if !strings.Contains(strings.Join(strings.Fields(rows[want.row]), " "), want.fragment) {
			t.Errorf("row %s = %q, want it to contain %q", want.row, rows[want.row], want.fragment)
		}
	}
	for _, want := range []string{
		"http://127.0.0.1:8380/openapi.json",
		"http://127.0.0.1:8380/docs",
		"http://127.0.0.1:8522",
		"nats://127.0.0.1:4522",
		"http://127.0.0.1:9600",
		"http://127.0.0.1:9604, back office http://127.0.0.1:9704",
		"psql 'postgres://postgres@/postgres?port=5733'",
		"/data/secrets.json",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
