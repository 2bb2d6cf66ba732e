package postgres_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// envCrashChild carries the database URL to the child process of
// TestLedgerSurvivesKill.
const envCrashChild = "LEDGER_CRASH_CHILD_DATABASE_URL"

// crashPayment is payment n of the crash test's stream: a wallet funded in
// the parent pays an escrow.
func crashPayment(n int) ledger.Command {
	return cmd(fmt.Sprintf("crash-%d", n), posted(wallet(fmt.Sprintf("w%d", n%8), "USD"), escrow(fmt.Sprintf("o%d", n%32), "USD"), 10))
}

// TestLedgerCrashChild is the child of TestLedgerSurvivesKill: it executes
// payments from 16 goroutines and prints each acknowledged key, until it is
// killed. Without the variable it does nothing.
func TestLedgerCrashChild(t *testing.T) {
	url := os.Getenv(envCrashChild)
	if url == "" {
		t.Skip("run by TestLedgerSurvivesKill")
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	l := postgres.NewLedger(pool)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for n := g; ; n += 16 {
				if _, err := l.Execute(ctx, crashPayment(n)); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return
				}
				mu.Lock()
				fmt.Printf("ack %s\n", crashPayment(n).IdempotencyKey)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestLedgerSurvivesKill kills (SIGKILL) a process in the middle of a
// stream of group-committed payments and checks that every payment it
// acknowledged is in the book exactly once, that the book balances, and that
// retrying every key afterwards moves each payment at most once.
func TestLedgerSurvivesKill(t *testing.T) {
	l, _, pool := newLedger(t)
	for i := range 8 {
		mustExec(t, l, cmd(fmt.Sprintf("fund-%d", i), posted(provider("USD"), wallet(fmt.Sprintf("w%d", i), "USD"), 1<<40)))
	}
	child := exec.Command(os.Args[0], "-test.run=^TestLedgerCrashChild$", "-test.count=1")
	child.Env = append(os.Environ(), envCrashChild+"="+pool.Config().ConnString())
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill() }) // when the test stops early
	acked := map[string]bool{}
	lines := bufio.NewScanner(out)
	for lines.Scan() && len(acked) < 500 {
		if key, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			acked[key] = true
		}
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := child.Wait(); err == nil {
		t.Fatal("the child ended by itself instead of being killed")
	}
	if len(acked) < 500 {
		t.Fatalf("the child acknowledged only %d payments", len(acked))
	}
	for key := range acked {
		if n := count(t, pool, `SELECT count(*) FROM ledger_transfers t JOIN ledger_commands c ON c.id = t.command_id
			WHERE c.idempotency_key = '`+key+`'`); n != 1 {
			t.Fatalf("acknowledged payment %s has %d transfers", key, n)
		}
	}
	checkBook(t, pool, 0, count(t, pool, `SELECT count(*) FROM ledger_transfers`), true)
	// Retrying the stream: acknowledged payments replay, the rest (unanswered
	// or never sent) execute now, each exactly once.
	committed := count(t, pool, `SELECT count(*) FROM ledger_commands WHERE idempotency_key LIKE 'crash-%'`)
	last := 0
	for key := range acked {
		var n int
		if _, err := fmt.Sscanf(key, "crash-%d", &n); err == nil && n > last {
			last = n
		}
	}
	fresh := 0
	for n := 0; n <= last+16; n++ {
		res, err := l.Execute(ctx, crashPayment(n))
		if err != nil {
			t.Fatalf("retry of payment %d: %v", n, err)
		}
		if acked[crashPayment(n).IdempotencyKey] && !res.Replayed {
			t.Fatalf("acknowledged payment %d executed again", n)
		}
		if !res.Replayed {
			fresh++
		}
	}
	if got := count(t, pool, `SELECT count(*) FROM ledger_commands WHERE idempotency_key LIKE 'crash-%'`); got != committed+fresh {
		t.Errorf("%d payments stored, want %d committed before the kill + %d now", got, committed, fresh)
	}
	checkBook(t, pool, 1, count(t, pool, `SELECT count(*) FROM ledger_transfers`), true)
}
