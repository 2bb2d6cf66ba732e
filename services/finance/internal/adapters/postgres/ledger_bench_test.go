package postgres_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// benchBatch reads LEDGER_BATCH_SIZE and LEDGER_BATCH_CONCURRENCY, so a run
// can compare settings; unset, the defaults apply.
func benchBatch() (size, concurrency int) {
	size, _ = strconv.Atoi(os.Getenv("LEDGER_BATCH_SIZE"))
	concurrency, _ = strconv.Atoi(os.Getenv("LEDGER_BATCH_CONCURRENCY"))
	return size, concurrency
}

// benchWallets is how many funded buyer wallets the benchmarks pay from.
const benchWallets = 1000

// fundWallets opens benchWallets USD wallets with ample money, 64 top-ups a
// command, and returns their refs.
func fundWallets(b *testing.B, l *postgres.Ledger) []ledger.AccountRef {
	b.Helper()
	refs := make([]ledger.AccountRef, benchWallets)
	for i := range refs {
		refs[i] = wallet(fmt.Sprintf("bench-%d", i), "USD")
	}
	for chunk := range slices.Chunk(refs, ledger.MaxTransfersPerCommand) {
		var specs []ledger.TransferSpec
		for _, r := range chunk {
			specs = append(specs, posted(provider("USD"), r, 1<<40))
		}
		mustExec(b, l, cmd("fund-"+chunk[0].Owner.ID, specs...))
	}
	return refs
}

// payment is order n's payment: the buyer's wallet pays two sub-orders'
// escrows, one ledger transaction of two transfers.
func payment(wallets []ledger.AccountRef, n int64) ledger.Command {
	w := wallets[int(n)%len(wallets)]
	s1 := posted(w, escrow(fmt.Sprintf("bench-%d-a", n%benchWallets), "USD"), 100)
	s2 := posted(w, escrow(fmt.Sprintf("bench-%d-b", n%benchWallets), "USD"), 250)
	s1.Code, s2.Code = ledger.CodePayment, ledger.CodePayment
	return cmd(fmt.Sprintf("pay-%d", n), s1, s2)
}

// BenchmarkLedgerTransfers pays from 256 concurrent callers as fast as the
// ledger commits and reports committed transfers per second (two per
// payment). Concurrent payments are group-committed: many per transaction,
// each touched account written once per batch.
func BenchmarkLedgerTransfers(b *testing.B) {
	l, _, _ := newLedger(b, postgres.WithLedgerClock(time.Now), postgres.WithBatching(benchBatch()))
	wallets := fundWallets(b, l)
	var seq atomic.Int64
	b.SetParallelism(128)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Execute(ctx, payment(wallets, seq.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/elapsed.Seconds(), "transfers/s")
}

// BenchmarkLedgerPaymentAt1000PerSecond offers 1,000 payments a second for
// 3 s and reports each payment's latency (Execute call to answer, after its
// commit). Each iteration is one such run, after a second at the same rate
// that is not measured: the pool's connections and their prepared
// statements are made then, as in a service that has been running.
func BenchmarkLedgerPaymentAt1000PerSecond(b *testing.B) {
	const rate, seconds = 1000, 3
	l, _, _ := newLedger(b, postgres.WithLedgerClock(time.Now))
	wallets := fundWallets(b, l)
	var seq atomic.Int64
	offer := func(n int) []time.Duration {
		lat := make([]time.Duration, n)
		tick := time.NewTicker(time.Second / rate)
		defer tick.Stop()
		var wg sync.WaitGroup
		for i := range lat {
			<-tick.C
			wg.Go(func() {
				start := time.Now()
				if _, err := l.Execute(ctx, payment(wallets, seq.Add(1))); err != nil {
					b.Error(err)
				}
				lat[i] = time.Since(start)
			})
		}
		wg.Wait()
		return lat
	}
	offer(rate)
	b.ResetTimer()
	for range b.N {
		lat := offer(rate * seconds)
		slices.Sort(lat)
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
		b.ReportMetric(q(0.50), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(q(1), "max-ms")
	}
}
