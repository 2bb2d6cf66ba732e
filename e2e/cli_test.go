package e2e

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	tests := []struct {
		args   []string
		exit   int
		output string
	}{
		{[]string{"help"}, 0, "up "},
		{[]string{"help", "up"}, 0, "-port-offset"},
		{nil, 2, "no command given"},
		{[]string{"down"}, 2, `unknown command "down"`},
		{[]string{"up", "--port-offset", "70000"}, 2, "--port-offset must be between"},
		{[]string{"up", "--restarts", "-1"}, 2, "--restarts must not be negative"},
		{[]string{"up", "--restart-pause", "0s"}, 2, "--restart-pause must be positive"},
		{[]string{"up", "now"}, 2, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cmd := exec.Command(crossdockBin, tt.args...)
			cmd.Dir = repoRoot
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.exit || !strings.Contains(string(out), tt.output) {
				t.Fatalf("exit %d, output:\n%s\nwant exit %d and %q", code, out, tt.exit, tt.output)
			}
		})
	}
}
