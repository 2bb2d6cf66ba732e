// Package e2e drives the real processes of the mesh from outside, as a
// developer or an operator would: it builds the crossdock CLI, runs the mesh
// with it, and talks to the services over their public ports.
package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var (
	// repoRoot is the directory holding go.work.
	repoRoot string
	// crossdockBin is the CLI, built once for every test of the package.
	crossdockBin string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	if repoRoot, err = findRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binDir, err := os.MkdirTemp("", "crossdock-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(binDir)
	crossdockBin = filepath.Join(binDir, "crossdock")
	build := exec.Command("go", "build", "-o", crossdockBin, "./cmd/crossdock")
	build.Dir = repoRoot
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build crossdock:", err)
		return 1
	}
	defer stopSharedMesh()
	return m.Run()
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work above the test directory")
		}
		dir = parent
	}
}
