// Package memlimit gives the Go runtime a soft memory limit below the
// container's own.
//
// The kernel kills a container the moment it passes its memory limit; the Go
// collector only works harder as the heap nears the runtime's soft limit, and
// may pass it for a moment, while memory the runtime does not count (the
// kernel's socket buffers, page cache charged to the container) grows beside
// it. A soft limit equal to the container's (GOMEMLIMIT from limits.memory)
// leaves none of that room; a share of it does. A Kubernetes resourceFieldRef
// cannot express a share, so the container passes its limit in MiB
// (MEMORY_LIMIT_MIB) and the process sets the share itself.
package memlimit

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
)

// Share is the part of the container's memory limit, in percent, the Go
// runtime is told to stay under.
const Share = 90

// Set gives the runtime a soft limit of Share percent of MEMORY_LIMIT_MIB,
// read through getenv (os.Getenv), and returns it in bytes. It sets nothing
// and returns 0 when MEMORY_LIMIT_MIB is unset, or when GOMEMLIMIT is set: an
// operator's explicit limit, which the runtime has read at start, wins. A
// MEMORY_LIMIT_MIB that is not a positive whole number is an error.
func Set(getenv func(string) string) (int64, error) {
	raw := getenv("MEMORY_LIMIT_MIB")
	if raw == "" || getenv("GOMEMLIMIT") != "" {
		return 0, nil
	}
	mib, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || mib <= 0 || mib > 1<<40 {
		return 0, fmt.Errorf("MEMORY_LIMIT_MIB=%q: want the container's memory limit in MiB, a positive whole number", raw)
	}
	limit := mib << 20 / 100 * Share
	debug.SetMemoryLimit(limit)
	return limit, nil
}

// Apply is Set from the process's environment, the limit set logged: what
// every crossdock process calls at start, after its logger.
func Apply(log *slog.Logger) error {
	limit, err := Set(os.Getenv)
	if err != nil {
		return err
	}
	if limit > 0 {
		log.Info("memory limit", "soft_limit_mib", limit>>20, "share_of_container_pct", Share)
	}
	return nil
}
