// Package postgresbin makes sure the machine has PostgreSQL server binaries
// before the mesh starts: it finds them, installs them when it may (as root,
// with apt-get), and otherwise says exactly what to run.
package postgresbin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/crossdock/crossdock/pkg/pgcluster"
)

// InstallCommands install the server on Debian and Ubuntu.
var InstallCommands = [][]string{
	{"apt-get", "update"},
	{"apt-get", "install", "-y", "--no-install-recommends", "postgresql"},
}

// Finder locates the binaries the way pgcluster does.
type Finder struct {
	// Find returns the directory holding initdb and postgres.
	Find func() (string, error)
	// MayInstall is true when the process may install packages itself (root
	// with apt-get available, and PG_BIN_DIR not pinning another location).
	MayInstall bool
	// Run runs one install command with its output on out.
	Run func(ctx context.Context, out io.Writer, argv []string) error
}

// System is the Finder for this machine and process.
func System() Finder {
	_, aptErr := exec.LookPath("apt-get")
	return Finder{
		Find:       pgcluster.BinDir,
		MayInstall: os.Geteuid() == 0 && aptErr == nil && os.Getenv("PG_BIN_DIR") == "",
		Run:        run,
	}
}

// Ensure returns the binaries' directory, installing the server first when it
// is missing and installing is allowed.
func (f Finder) Ensure(ctx context.Context, out io.Writer) (string, error) {
	dir, err := f.Find()
	if err == nil {
		return dir, nil
	}
	if !errors.Is(err, pgcluster.ErrBinariesMissing) {
		return "", err
	}
	if !f.MayInstall {
		return "", fmt.Errorf("%w\n\nInstall them with:\n  %s\nor point PG_BIN_DIR at a directory holding initdb and postgres",
			err, Hint())
	}
	fmt.Fprintln(out, "PostgreSQL server binaries not found: installing them")
	for _, argv := range InstallCommands {
		fmt.Fprintf(out, "$ %s\n", strings.Join(argv, " "))
		if err := f.Run(ctx, out, argv); err != nil {
			return "", fmt.Errorf("install PostgreSQL (%s): %w", strings.Join(argv, " "), err)
		}
	}
	dir, err = f.Find()
	if err != nil {
		return "", fmt.Errorf("PostgreSQL was installed but its binaries are still not found: %w", err)
	}
	return dir, nil
}

// Hint is the one-line command a user without root runs.
func Hint() string {
	parts := make([]string, len(InstallCommands))
	for i, argv := range InstallCommands {
		parts[i] = "sudo " + strings.Join(argv, " ")
	}
	return strings.Join(parts, " && ")
}

func run(ctx context.Context, out io.Writer, argv []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	cmd.Stdout, cmd.Stderr = out, out
	return cmd.Run()
}
