package cli_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/cli"
)

// commands has one real command with a flag and a nested group, as
// `freight import` will be.
func commands(got *[]string) []cli.Command {
	var out bytes.Buffer
	up := cli.Command{Name: "up", Summary: "run the mesh", Run: func(_ context.Context, args []string) error {
		fs := cli.FlagSet("crossdock", "up", "Run the mesh.", &out)
		offset := fs.Int("port-offset", 0, "added to every port")
		if err := cli.Parse(fs, args); err != nil {
			return err
		}
		*got = append(*got, "up", strings.Repeat("+", *offset))
		return nil
	}}
	freight := []cli.Command{{Name: "import", Summary: "import rates", Run: func(context.Context, []string) error {
		*got = append(*got, "freight import")
		return nil
	}}}
	return []cli.Command{up, {Name: "freight", Summary: "freight tools", Run: func(ctx context.Context, args []string) error {
		return cli.Dispatch(ctx, "crossdock freight", freight, args, &out, &out)
	}}, {Name: "fail", Summary: "always fails", Run: func(context.Context, []string) error {
		return errors.New("boom")
	}}}
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		args     []string
		wantRun  []string
		wantExit int
		stdout   string // a fragment of what is printed there
		stderr   string
	}{
		{args: []string{"up"}, wantRun: []string{"up", ""}},
		{args: []string{"up", "--port-offset", "3"}, wantRun: []string{"up", "+++"}},
		{args: []string{"freight", "import"}, wantRun: []string{"freight import"}},
		{args: []string{"help"}, stdout: "Usage: crossdock <command>"},
		{args: []string{"--help"}, stdout: "  up       run the mesh"},
		{args: []string{"help", "up"}},
		{args: []string{"up", "-h"}},
		{args: nil, wantExit: 2, stderr: "crossdock: no command given"},
		{args: []string{"down"}, wantExit: 2, stderr: `crossdock: unknown command "down"`},
		{args: []string{"up", "--nope"}, wantExit: 2, stderr: "flag provided but not defined: -nope"},
		{args: []string{"up", "extra"}, wantExit: 2, stderr: `unexpected argument "extra"`},
		{args: []string{"up", "--port-offset", "x"}, wantExit: 2},
		{args: []string{"freight", "export"}, wantExit: 2, stderr: `unknown command "export"`},
		{args: []string{"fail"}, wantExit: 1, stderr: "crossdock: boom"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got []string
			var stdout, stderr bytes.Buffer
			err := cli.Dispatch(context.Background(), "crossdock", commands(&got), tt.args, &stdout, &stderr)
			if code := cli.ExitCode("crossdock", err, &stderr); code != tt.wantExit {
				t.Fatalf("exit %d, want %d (err %v)", code, tt.wantExit, err)
			}
			if strings.Join(got, "|") != strings.Join(tt.wantRun, "|") {
				t.Errorf("ran %q, want %q", got, tt.wantRun)
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.stderr)
			}
		})
	}
}

// ParseArgs keeps positional arguments wherever the flags are.
func TestParseArgs(t *testing.T) {
	tests := []struct {
		args       []string
		positional []string
		offset     int
		usage      bool
	}{
		{args: []string{"12", "13"}, positional: []string{"12", "13"}},
		{args: []string{"--port-offset", "3", "12"}, positional: []string{"12"}, offset: 3},
		{args: []string{"12", "--port-offset", "3", "13"}, positional: []string{"12", "13"}, offset: 3},
		{args: []string{"12", "--nope"}, usage: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := cli.FlagSet("crossdock", "dlq replay", "Replay.", &bytes.Buffer{})
			offset := fs.Int("port-offset", 0, "added to every port")
			got, err := cli.ParseArgs(fs, tt.args)
			var usage *cli.UsageError
			if tt.usage != errors.As(err, &usage) || (err != nil && !tt.usage) {
				t.Fatalf("err = %v, want usage error %v", err, tt.usage)
			}
			if !tt.usage && (strings.Join(got, ",") != strings.Join(tt.positional, ",") || *offset != tt.offset) {
				t.Errorf("positional %v offset %d, want %v and %d", got, *offset, tt.positional, tt.offset)
			}
		})
	}
}
