// Package workspace finds the repository the CLI works on: the directory
// holding go.work, from which every service binary is built.
package workspace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotFound is returned outside a Crossdock checkout.
var ErrNotFound = errors.New("no go.work found here or in any parent directory: run crossdock inside the repository")

// Root walks up from dir to the first directory holding go.work.
func Root(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		st, err := os.Stat(filepath.Join(dir, "go.work"))
		switch {
		case err == nil && !st.IsDir():
			return dir, nil
		case err != nil && !errors.Is(err, os.ErrNotExist):
			return "", fmt.Errorf("look for go.work: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNotFound
		}
		dir = parent
	}
}
