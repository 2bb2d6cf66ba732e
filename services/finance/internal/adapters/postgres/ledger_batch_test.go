package postgres_test

import (
	"errors"
	"testing"

	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/finance/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

func TestLedgerBatch(t *testing.T) {
	ev := []outbox.Message{{Subject: "finance.payment.captured", Payload: &financev1.PaymentCaptured{}}}
	fund := cmd("fund", posted(provider("USD"), wallet("u1", "USD"), 1_000))
	spend := func(key string, amount int64) ledger.Command {
		return cmd(key, posted(wallet("u1", "USD"), escrow("o1", "USD"), amount))
	}
	type outcome struct {
		replayed bool
		kind     apperr.Kind // 0: success
		is       error
	}
	cases := []struct {
		name       string
		batch      []postgres.Batched
		want       []outcome
		walletNet  int64
		transfers  int
		outboxRows int
	}{
		{
			name:      "a later command sees an earlier one",
			batch:     []postgres.Batched{{Cmd: fund}, {Cmd: spend("s", 800)}},
			want:      []outcome{{}, {}},
			walletNet: 200, transfers: 2,
		},
		{
			name:      "a refused command leaves the others",
			batch:     []postgres.Batched{{Cmd: fund, Events: ev}, {Cmd: spend("s1", 800), Events: ev}, {Cmd: spend("s2", 800), Events: ev}, {Cmd: spend("s3", 200), Events: ev}},
			want:      []outcome{{}, {}, {kind: apperr.KindFailedPrecondition, is: ledger.ErrInsufficientFunds}, {}},
			walletNet: 0, transfers: 3, outboxRows: 3,
		},
		{
			name:      "the same key twice is a replay",
			batch:     []postgres.Batched{{Cmd: fund, Events: ev}, {Cmd: fund, Events: ev}},
			want:      []outcome{{}, {replayed: true}},
			walletNet: 1_000, transfers: 1, outboxRows: 1,
		},
		{
			name:      "the same key with another body is refused",
			batch:     []postgres.Batched{{Cmd: fund}, {Cmd: cmd("fund", posted(provider("USD"), wallet("u1", "USD"), 5))}},
			want:      []outcome{{}, {kind: apperr.KindAlreadyExists, is: ledger.ErrIdempotencyKeyReused}},
			walletNet: 1_000, transfers: 1,
		},
		{
			name:      "a key whose first command was refused is free for the next",
			batch:     []postgres.Batched{{Cmd: spend("k", 5)}, {Cmd: fund}, {Cmd: spend("k", 7)}},
			want:      []outcome{{kind: apperr.KindFailedPrecondition, is: ledger.ErrInsufficientFunds}, {}, {}},
			walletNet: 993, transfers: 2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, _, pool := newLedger(t)
			res, errs := l.ExecuteBatch(ctx, tc.batch)
			for i, w := range tc.want {
				if apperr.KindOf(errs[i]) != w.kind || (w.is != nil && !errors.Is(errs[i], w.is)) || (w.kind == 0 && errs[i] != nil) {
					t.Errorf("command %d: err %v, want kind %v", i, errs[i], w.kind)
				}
				if res[i].Replayed != w.replayed {
					t.Errorf("command %d: replayed %v", i, res[i].Replayed)
				}
			}
			if tc.want[len(tc.want)-1].replayed && res[1].Transfers[0].ID != res[0].Transfers[0].ID {
				t.Errorf("replay answered %s, first %s", res[1].Transfers[0].ID, res[0].Transfers[0].ID)
			}
			if b := balanceOf(t, l, wallet("u1", "USD")); b.Net() != tc.walletNet {
				t.Errorf("wallet net %d, want %d", b.Net(), tc.walletNet)
			}
			if n := count(t, pool, `SELECT count(*) FROM ledger_transfers`); n != tc.transfers {
				t.Errorf("%d transfers, want %d", n, tc.transfers)
			}
			if n := count(t, pool, `SELECT count(*) FROM outbox`); n != tc.outboxRows {
				t.Errorf("%d outbox rows, want %d", n, tc.outboxRows)
			}
			// Every stored command has its transfers; none is left without.
			if n := count(t, pool, `SELECT count(*) FROM ledger_commands c
				WHERE NOT EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.command_id = c.id)`); n != 0 {
				t.Errorf("%d commands without transfers", n)
			}
			// After the batch, a retry of each successful command replays.
			for i, b := range tc.batch {
				if errs[i] != nil {
					continue
				}
				again, err := l.Execute(ctx, b.Cmd)
				if err != nil || !again.Replayed || again.Transfers[0].ID != res[i].Transfers[0].ID {
					t.Errorf("retry of command %d: %+v, %v", i, again, err)
				}
			}
		})
	}
}
