package up

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockDirAllowsOneMeshPerDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mesh")
	release, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDir(dir); err == nil || !strings.Contains(err.Error(), "another crossdock is running") {
		t.Fatalf("second lock: %v", err)
	}
	release()
	again, err := lockDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}

func TestClearDirKeepsOnlyTheLock(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{lockName, "secrets.json", "postgres/data/PG_VERSION", "nats/jetstream/x"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := clearDir(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != lockName {
		t.Fatalf("left %v", entries)
	}
}

func TestCheckReachable(t *testing.T) {
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(base, "open", "mesh")
	closed := filepath.Join(base, "closed")
	for _, d := range []string{open, filepath.Join(closed, "mesh")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	// t.TempDir's parent is private to the test; only check below it.
	if err := checkReachableBelow(open, base); err != nil {
		t.Fatalf("open: %v", err)
	}
	err := checkReachableBelow(filepath.Join(closed, "mesh"), base)
	if err == nil || !strings.Contains(err.Error(), "chmod o+x "+closed) {
		t.Fatalf("closed: %v", err)
	}
}

// checkReachableBelow runs checkReachable's rule on the part of the path at and
// below top, so the test does not depend on the machine's /tmp.
func checkReachableBelow(dir, top string) error {
	rel, err := filepath.Rel(top, dir)
	if err != nil {
		return err
	}
	d := top
	for _, part := range append([]string{""}, strings.Split(rel, string(filepath.Separator))...) {
		d = filepath.Join(d, part)
		if err := reachable(d); err != nil {
			return err
		}
	}
	return nil
}
