package postgresbin_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/postgresbin"
	"github.com/crossdock/crossdock/pkg/pgcluster"
)

func TestEnsure(t *testing.T) {
	other := errors.New("PG_BIN_DIR=/nope has no initdb")
	tests := []struct {
		name       string
		found      []error // results of successive Find calls (nil: found)
		mayInstall bool
		runErr     error
		wantRuns   int
		wantErr    error
		wantInErr  string
	}{
		{name: "already there", found: []error{nil}},
		{name: "missing, not root", found: []error{pgcluster.ErrBinariesMissing}, wantErr: pgcluster.ErrBinariesMissing,
			wantInErr: "sudo apt-get update && sudo apt-get install -y --no-install-recommends postgresql"},
		{name: "missing, root installs", found: []error{pgcluster.ErrBinariesMissing, nil}, mayInstall: true, wantRuns: 2},
		{name: "install fails", found: []error{pgcluster.ErrBinariesMissing}, mayInstall: true,
			runErr: errors.New("exit status 100"), wantRuns: 1, wantInErr: "apt-get update"},
		{name: "installed but still missing", found: []error{pgcluster.ErrBinariesMissing, pgcluster.ErrBinariesMissing},
			mayInstall: true, wantRuns: 2, wantErr: pgcluster.ErrBinariesMissing},
		{name: "other error is not an install case", found: []error{other}, mayInstall: true, wantErr: other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls, runs := 0, 0
			f := postgresbin.Finder{
				Find: func() (string, error) {
					err := tt.found[min(calls, len(tt.found)-1)]
					calls++
					if err != nil {
						return "", err
					}
					return "/usr/lib/postgresql/15/bin", nil
				},
				MayInstall: tt.mayInstall,
				Run: func(_ context.Context, _ io.Writer, argv []string) error {
					if strings.Join(argv, " ") != strings.Join(postgresbin.InstallCommands[runs], " ") {
						t.Errorf("ran %v", argv)
					}
					runs++
					return tt.runErr
				},
			}
			var out bytes.Buffer
			dir, err := f.Ensure(context.Background(), &out)
			if runs != tt.wantRuns {
				t.Errorf("%d install commands run, want %d", runs, tt.wantRuns)
			}
			if tt.wantErr == nil && tt.wantInErr == "" {
				if err != nil || dir == "" {
					t.Fatalf("Ensure = %q, %v", dir, err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q lacks %q", err, tt.wantInErr)
			}
		})
	}
}
