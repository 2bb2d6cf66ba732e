package testkit_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/crossdock/crossdock/pkg/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// BenchmarkCalibrationCommit measures what one durable commit costs on this
// host: one INSERT per transaction, one at a time, so every operation waits
// for its own WAL flush. `make bench` prints its p50 and p99 beside the other
// figures, so database-bound results from different hosts (or disks) can be
// compared. It fails when the harness was asked for a durable server and the
// server is not durable.
func BenchmarkCalibrationCommit(b *testing.B) {
	ctx := context.Background()
	pool := testkit.Database(b, testkit.Migrations{Name: "calibration"})
	var fsync, syncCommit string
	if err := pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit); err != nil {
		b.Fatal(err)
	}
	durable := fsync == "on" && syncCommit == "on"
	if testkit.Durable() && !durable {
		b.Fatalf("%s is set but the server runs with fsync=%s, synchronous_commit=%s", testkit.EnvBenchDurable, fsync, syncCommit)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE calibration (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		// Outside an explicit transaction the statement is its own commit.
		if _, err := conn.Exec(ctx, `INSERT INTO calibration (at) VALUES (now())`); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e3 }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(map[bool]float64{true: 1, false: 0}[durable], "durable")
}

// calibrationInput is the fixed CPU workload: 1 MiB of a repeating pattern.
var calibrationInput = func() []byte {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 31)
	}
	return buf
}()

// BenchmarkCalibrationCPU is a fixed CPU loop (SHA-256 of 1 MiB, chained 16
// times per operation) whose ns/op compares one host's cores with another's.
func BenchmarkCalibrationCPU(b *testing.B) {
	b.SetBytes(16 << 20)
	var sum [32]byte
	for range b.N {
		for range 16 {
			h := sha256.New()
			h.Write(sum[:])
			h.Write(calibrationInput)
			h.Sum(sum[:0])
		}
	}
	if sum == [32]byte{} {
		b.Fatal("no work done")
	}
}

// BenchmarkCalibrationStatement measures the CPU one statement costs on this
// host, on each side of the connection: the client (pgx, the socket calls)
// and the server's backends (bind, execute, the socket calls), from 16
// callers sharing a pool over loopback TCP, as a service's queries run. The
// read is a prepared primary-key lookup of one row of 1,000; the write an
// UPDATE of one row, its own transaction, so it pays a durable commit. A
// request's CPU is roughly its calls times BenchmarkUnaryCall's figure plus
// its statements times these.
func BenchmarkCalibrationStatement(b *testing.B) {
	ctx := context.Background()
	pool := testkit.Database(b, testkit.Migrations{Name: "calibration_statement"})
	if _, err := pool.Exec(ctx, `CREATE TABLE calibration (id int PRIMARY KEY, n bigint NOT NULL);
		INSERT INTO calibration SELECT i, 0 FROM generate_series(1, 1000) i`); err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name, sql string
	}{
		{"read", `SELECT n FROM calibration WHERE id = $1`},
		{"write", `UPDATE calibration SET n = n + 1 WHERE id = $1`},
	} {
		b.Run(bb.name, func(b *testing.B) {
			var next atomic.Int64
			exec := func() error {
				_, err := pool.Exec(ctx, bb.sql, next.Add(1)%1000+1)
				return err
			}
			// Warm up from as many callers as the run has, so every
			// connection it uses is open (and its statement prepared)
			// before the backends are listed.
			var warm errgroup.Group
			for range 16 {
				warm.Go(func() error {
					for range 50 {
						if err := exec(); err != nil {
							return err
						}
					}
					return nil
				})
			}
			if err := warm.Wait(); err != nil {
				b.Fatal(err)
			}
			rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`)
			if err != nil {
				b.Fatal(err)
			}
			pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
			if err != nil {
				b.Fatal(err)
			}
			serverBefore, err := testkit.ProcessesCPU(pids)
			if err != nil {
				b.Fatal(err)
			}
			client, wall := testkit.RunParallelCPU(b, exec)
			serverAfter, err := testkit.ProcessesCPU(pids)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(client.Microseconds())/float64(b.N), "client-cpu-µs/op")
			b.ReportMetric(float64((serverAfter-serverBefore).Microseconds())/float64(b.N), "server-cpu-µs/op")
			b.ReportMetric(float64(b.N)/wall.Seconds(), "statements/s")
		})
	}
}

// BenchmarkCalibrationSyscall measures what the kernel costs on this host,
// which the mesh pays on every socket read and write and every wake-up: a
// system call that does nothing (getpid), and a round trip of 100 bytes over
// loopback TCP between two goroutines (two writes, two reads, two wake-ups),
// with the CPU time it takes. Virtual machines differ most here: a bare-metal
// Linux host answers getpid in well under 0.1 µs.
func BenchmarkCalibrationSyscall(b *testing.B) {
	b.Run("getpid", func(b *testing.B) {
		for range b.N {
			syscall.Getpid()
		}
	})
	b.Run("loopback-round-trip", func(b *testing.B) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		go func() {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			buf := make([]byte, 100)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		buf := make([]byte, 100)
		before := testkit.CPUTime()
		b.ResetTimer()
		for range b.N {
			if _, err := c.Write(buf); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(testkit.CPUTime()-before)/float64(b.N)/1e3, "cpu-µs/op")
	})
}
