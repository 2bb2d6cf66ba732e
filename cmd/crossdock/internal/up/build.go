package up

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
)

// buildAll builds every service and simulator binary into binDir with one `go build`, which
// compiles the shared packages once and links the binaries in parallel. It
// runs from the repository root so go.work ties the modules together.
func buildAll(ctx context.Context, root, binDir string, out io.Writer) error {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-o", binDir + string(filepath.Separator)}
	for _, s := range mesh.Services {
		args = append(args, s.Package())
	}
	for _, s := range mesh.Simulators {
		args = append(args, s.Package)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = out, out
	// The compiler and linker run as go's children: an interrupted build takes
	// its whole group with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// The parent-death signal follows the forking thread, not the process:
	// hold this thread until the build is over (see package child).
	runtime.LockOSThread()
	err := cmd.Run()
	runtime.UnlockOSThread()
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("go build failed (%v): see its output above", err)
	}
	names := make([]string, 0, len(mesh.Services)+len(mesh.Simulators))
	for _, s := range mesh.Services {
		names = append(names, s.Name)
	}
	for _, s := range mesh.Simulators {
		names = append(names, s.Name)
	}
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(binDir, name)); err != nil {
			return fmt.Errorf("go build did not produce %s: %w", name, err)
		}
	}
	return nil
}
