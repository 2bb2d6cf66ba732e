package testkit

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// CPUTime is the CPU time (user and system) this process has used: a
// benchmark's CPU per operation is the difference over b.N, whatever the
// wall clock did while it waited on sockets and disks.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru) // RUSAGE_SELF cannot fail
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTick is the unit of /proc/<pid>/stat's times: USER_HZ, 100 on every
// Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// ProcessesCPU is the CPU time (user and system) processes pids have used,
// read from /proc: a PostgreSQL server's backends, say, whose work a
// client's own CPUTime does not show. Its resolution is 10 ms per process.
func ProcessesCPU(pids []int) (time.Duration, error) {
	var total time.Duration
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, err
		}
		// The command name (field 2) may hold spaces; the fields after
		// its closing parenthesis start with the state (field 3).
		_, after, ok := strings.Cut(string(raw), ") ")
		fields := strings.Fields(after)
		if !ok || len(fields) < 13 {
			return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
		}
		for _, f := range fields[11:13] { // utime and stime, fields 14 and 15
			ticks, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
			}
			total += time.Duration(ticks) * clockTick
		}
	}
	return total, nil
}

// RunParallelCPU runs op b.N times from 16 callers on 2 cores (8 per
// GOMAXPROCS, as a service's concurrent requests share its connections) and
// returns the CPU time this process used and the wall time the run took; a
// failing op fails the benchmark.
func RunParallelCPU(b *testing.B, op func() error) (cpu, wall time.Duration) {
	b.Helper()
	before, start := CPUTime(), time.Now()
	b.ResetTimer()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	return CPUTime() - before, time.Since(start)
}
