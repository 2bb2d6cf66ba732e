// Package pgcluster runs a throwaway or long-lived PostgreSQL cluster from the
// machine's own server binaries. Both the test harness and `crossdock up` use it,
// so local development and tests run against the same real database server.
package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrBinariesMissing is returned when no PostgreSQL server binaries can be found.
// Its message says exactly what to install.
var ErrBinariesMissing = errors.New("PostgreSQL server binaries (initdb, postgres) not found: " +
	"install them with `apt-get install -y postgresql` (Debian/Ubuntu) or set PG_BIN_DIR")

// BinDir finds the directory holding initdb and postgres. PG_BIN_DIR wins; then the
// newest /usr/lib/postgresql/<version>/bin (Debian's layout, not on PATH); then PATH.
func BinDir() (string, error) {
	if dir := os.Getenv("PG_BIN_DIR"); dir != "" {
		if hasServer(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("PG_BIN_DIR=%s has no initdb and postgres: %w", dir, ErrBinariesMissing)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorVersion(dirs[i]) > majorVersion(dirs[j]) })
	for _, dir := range dirs {
		if hasServer(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if dir := filepath.Dir(p); hasServer(dir) {
			return dir, nil
		}
	}
	return "", ErrBinariesMissing
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

// majorVersion reads the version out of /usr/lib/postgresql/<version>/bin.
func majorVersion(binDir string) int {
	v, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(binDir)), ".")[0])
	return v
}
