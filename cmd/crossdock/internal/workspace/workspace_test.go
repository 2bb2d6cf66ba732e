package workspace_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/workspace"
)

func TestRoot(t *testing.T) {
	base := t.TempDir()
	repo := filepath.Join(base, "repo")
	deep := filepath.Join(repo, "services", "users", "cmd")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "go.work"), []byte("go 1.26.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory named go.work is not a workspace file.
	if err := os.MkdirAll(filepath.Join(deep, "go.work"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, want string
		err              error
	}{
		{"at the root", repo, repo, nil},
		{"deep inside", deep, repo, nil},
		{"outside", base, "", workspace.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := workspace.Root(tt.from)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("Root(%s) = %q, %v; want %q, %v", tt.from, got, err, tt.want, tt.err)
			}
		})
	}
}
