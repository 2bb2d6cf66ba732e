package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/finance/internal/app"
	"github.com/crossdock/crossdock/services/finance/internal/domain/wallet"
)

// Wallets implements app.WalletStore: top-ups, payouts and the provider
// events applied.
type Wallets struct {
	pool *pgxpool.Pool
}

var _ app.WalletStore = (*Wallets)(nil)

// NewWallets returns the wallet store on the finance store's pool.
func NewWallets(s *Store) *Wallets { return &Wallets{pool: s.pool} }

// walletTx is the store inside a transaction another method owns.
type walletTx struct{ tx pgx.Tx }

var _ app.WalletTx = walletTx{}

func (t walletTx) UpdateTopUp(ctx context.Context, id string, change app.TopUpChange) (wallet.TopUp, error) {
	return topUps.Update(ctx, t.tx, id, pg.Change[wallet.TopUp](change))
}

func (t walletTx) UpdatePayout(ctx context.Context, id string, change app.PayoutChange) (wallet.Payout, error) {
	return payouts.Update(ctx, t.tx, id, pg.Change[wallet.Payout](change))
}
