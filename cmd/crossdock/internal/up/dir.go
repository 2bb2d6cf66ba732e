package up

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockName is the file in the mesh directory that one running mesh holds a lock
// on, so a second `crossdock up` (or a --fresh wipe) cannot pull the data out
// from under the first.
const lockName = ".lock"

// lockDir creates dir if needed and takes its lock. The lock is released when
// the returned function is called or the process exits, however it exits.
func lockDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another crossdock is running on %s: stop it first", dir)
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// clearDir removes everything in dir but the lock, for --fresh.
func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == lockName {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// checkReachable fails when another user could not walk down to dir: as root,
// PostgreSQL runs as the postgres user and must reach its data directory
// inside dir. Checking first turns a permission error deep inside initdb into
// a message that says what to do.
func checkReachable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		if err := reachable(d); err != nil {
			return err
		}
		if parent := filepath.Dir(d); parent == d {
			return nil
		}
	}
}

// reachable fails when users other than the owner may not enter d.
func reachable(d string) error {
	st, err := os.Stat(d)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o001 == 0 {
		return fmt.Errorf("PostgreSQL runs as the postgres user, which cannot enter %s (mode %v): "+
			"use a --dir outside it, or allow it with `chmod o+x %s`", d, st.Mode().Perm(), d)
	}
	return nil
}
