package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

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
