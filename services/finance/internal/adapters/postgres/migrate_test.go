package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
	"github.com/crossdock/crossdock/services/finance/migrations"
)

// Migration 00006 turns the partner virtual accounts opened before it into
// assets (credits must not exceed debits). Those accounts hold nothing;
// one that would break the new flag keeps the old one for an operator.
func TestPartnerVirtualMigration(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.MigrationsBefore(t, "finance", migrations.FS, "00006"))
	old := int32(ledger.FlagDebitsMustNotExceedCredits)
	accounts := []struct {
		kind            ledger.Kind
		debits, credits int64
		want            ledger.Flags
	}{
		{ledger.KindPartnerVirtual, 9700, 9700, ledger.FlagCreditsMustNotExceedDebits},
		{ledger.KindPartnerVirtual, 100, 300, ledger.FlagDebitsMustNotExceedCredits}, // would break the new flag
		{ledger.KindPartnerFees, 0, 300, ledger.FlagDebitsMustNotExceedCredits},
	}
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = uuid.NewString()
		if _, err := pool.Exec(ctx, `INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, currency, flags, debits_posted, credits_posted, created_at)
			VALUES ($1, $2, 'partner', $3, 'USD', $4, $5, $6, $7)`, ids[i], string(a.kind), ids[i], old, a.debits, a.credits, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	for i, a := range accounts {
		var flags int32
		if err := pool.QueryRow(ctx, `SELECT flags FROM ledger_accounts WHERE id = $1`, ids[i]).Scan(&flags); err != nil {
			t.Fatal(err)
		}
		if ledger.Flags(flags) != a.want {
			t.Errorf("%s %d/%d: flags %d, want %d", a.kind, a.debits, a.credits, flags, a.want)
		}
	}
}

// Migration 00008 counts what the ledger already returned to each
// sub-order's payer: a settled escrow's remainder, the refunds out of its
// escrow account, and the claw-backs that waited.
func TestEscrowRefundsMigration(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.MigrationsBefore(t, "finance", migrations.FS, "00008"))
	now := time.Now()
	if _, err := pool.Exec(ctx, `INSERT INTO escrows (sub_order_id, order_id, buyer_id, buyer_currency, supplier_org_id, supplier_currency,
		paid_minor, escrowed_minor, state, created_at, settled_at, settled_goods_minor, commission_minor, supplier_net_minor, refunded_minor)
		VALUES ('s-1', 'o-1', 'b-1', 'USD', 'org-1', 'USD', 10000, 10000, 'settled', $1, $1, 5000, 250, 4750, 4500),
		       ('s-2', 'o-1', 'b-1', 'USD', 'org-1', 'USD', 10000, 10000, 'held', $1, NULL, NULL, NULL, NULL, NULL)`, now); err != nil {
		t.Fatal(err)
	}
	escrow1 := oldAccount(t, pool, ledger.KindEscrow, "order", "s-1")
	wallet := oldAccount(t, pool, ledger.KindBuyerWallet, "user", "b-1")
	payable := oldAccount(t, pool, ledger.KindSupplierPayable, "organization", "org-1")
	oldTransfer(t, pool, escrow1, wallet, 500, ledger.CodeRefund, "r-pre")
	oldTransfer(t, pool, escrow1, wallet, 4500, ledger.CodeEscrowRefund, "s-1")
	oldTransfer(t, pool, payable, wallet, 1000, ledger.CodeClawBack, "r-claw") // never waited: no sub-order to tell
	if _, err := pool.Exec(ctx, `INSERT INTO waiting_refunds (refund_id, sub_order_id, amount_minor, state, created_at)
		VALUES ('r-w', 's-1', 300, 'waiting', $1)`, now); err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	var remainder int64
	var held *int64
	if err := pool.QueryRow(ctx, `SELECT (SELECT remainder_minor FROM escrows WHERE sub_order_id = 's-1'), (SELECT remainder_minor FROM escrows WHERE sub_order_id = 's-2')`).
		Scan(&remainder, &held); err != nil {
		t.Fatal(err)
	}
	if remainder != 4500 || held != nil {
		t.Errorf("remainders %d and %v, want 4500 and none", remainder, held)
	}
	rows, err := pool.Query(ctx, `SELECT refund_id || ':' || sub_order_id || ':' || amount_minor FROM escrow_refunds ORDER BY refund_id`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"r-pre:s-1:500", "r-w:s-1:300"}; !slices.Equal(got, want) {
		t.Errorf("refunds %v, want %v", got, want)
	}
}

// Migration 00011 records the coupon reclaims the ledger already holds,
// by the sub-order and reclaim id their reference names (a reclaim id may
// hold colons), so later reclaims count them against the funding.
func TestCouponReclaimsMigration(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.MigrationsBefore(t, "finance", migrations.FS, "00011"))
	now := time.Now()
	if _, err := pool.Exec(ctx, `INSERT INTO escrows (sub_order_id, order_id, buyer_id, buyer_currency, supplier_org_id, supplier_currency,
		paid_minor, escrowed_minor, state, created_at, settled_at, settled_goods_minor, commission_minor, supplier_net_minor, refunded_minor)
		VALUES ('s-1', 'o-1', 'b-1', 'USD', 'org-1', 'USD', 10000, 10000, 'settled', $1, $1, 10000, 500, 9500, 0)`, now); err != nil {
		t.Fatal(err)
	}
	payable := oldAccount(t, pool, ledger.KindSupplierPayable, "organization", "org-1")
	expense := oldAccount(t, pool, ledger.KindCouponExpense, "platform", "platform")
	oldTransfer(t, pool, payable, expense, 300, ledger.CodeCouponReclaim, "coupon-back:s-1:return:a-1")
	oldTransfer(t, pool, payable, expense, 200, ledger.CodeCouponReclaim, "coupon-back:s-1:return:a-2")
	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT reclaim_id || '|' || sub_order_id || '|' || amount_minor FROM coupon_reclaims ORDER BY reclaim_id`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"return:a-1|s-1|300", "return:a-2|s-1|200"}; !slices.Equal(got, want) {
		t.Errorf("reclaims %v, want %v", got, want)
	}
}

// oldAccount inserts a USD ledger account as a migration before finds it.
func oldAccount(t *testing.T, pool *pgxpool.Pool, kind ledger.Kind, ownerType, owner string) string {
	t.Helper()
	id := uuid.NewString()
	if _, err := pool.Exec(context.Background(), `INSERT INTO ledger_accounts (id, kind, owner_type, owner_id, currency, flags, created_at)
		VALUES ($1, $2, $3, $4, 'USD', 0, $5)`, id, string(kind), ownerType, owner, time.Now()); err != nil {
		t.Fatal(err)
	}
	return id
}

// oldTransfer inserts a posted USD transfer as a migration before finds it.
func oldTransfer(t *testing.T, pool *pgxpool.Pool, debit, credit string, amount int64, code ledger.Code, ref string) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `INSERT INTO ledger_transfers (id, command_id, position, debit_account, credit_account, amount, currency, code, reference,
		phase, created_at, debit_debits_posted, debit_credits_posted, debit_debits_pending, debit_credits_pending,
		credit_debits_posted, credit_credits_posted, credit_debits_pending, credit_credits_pending)
		VALUES ($1, $1, 0, $2, $3, $4, 'USD', $5, $6, 'posted', $7, 0, 0, 0, 0, 0, 0, 0, 0)`,
		uuid.NewString(), debit, credit, amount, string(code), ref, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// Migration 00017 numbers the refund claims made before it in the order of
// their times, and a claim made after it comes after them all.
func TestRefundClaimOrderMigration(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.MigrationsBefore(t, "finance", migrations.FS, "00017"))
	now := time.Now()
	if _, err := pool.Exec(ctx, `INSERT INTO escrows (sub_order_id, order_id, buyer_id, buyer_currency, supplier_org_id, supplier_currency,
		paid_minor, escrowed_minor, state, created_at)
		VALUES ('s-1', 'o-1', 'b-1', 'USD', 'org-1', 'USD', 10000, 10000, 'held', $1)`, now); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO escrow_refunds (refund_id, sub_order_id, amount_minor, attempt_id, created_at)
		VALUES ('r-b', 's-1', 100, gen_random_uuid(), $1), ('r-a', 's-1', 200, gen_random_uuid(), $1::timestamptz - interval '1 hour'), ('r-c', 's-1', 300, gen_random_uuid(), $1)`,
		now); err != nil {
		t.Fatal(err)
	}
	if err := pg.Migrate(ctx, pool, migrations.FS); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO escrow_refunds (refund_id, sub_order_id, amount_minor, attempt_id, created_at)
		VALUES ('r-d', 's-1', 400, gen_random_uuid(), $1::timestamptz - interval '2 hours')`, now); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT refund_id FROM escrow_refunds ORDER BY claim_seq`)
	if err != nil {
		t.Fatal(err)
	}
	order, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || !slices.Equal(order, []string{"r-a", "r-b", "r-c", "r-d"}) {
		t.Errorf("claims in the order %v, %v; want by time before the migration, then the one made after", order, err)
	}
}
