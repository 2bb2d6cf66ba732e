package up

import (
	"context"
	"fmt"
	"io"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/seed"
)

// seedCommerce records demo exchange rates and fills the demo catalogue, its
// stock, a freight history and coupon campaigns, once the demo accounts
// exist. Every step is
// safe to repeat.
func seedCommerce(ctx context.Context, plan mesh.Plan, say io.Writer) error {
	addr := func(name string) string { return plan.Of(mesh.Service{Name: name}).GRPC }
	if err := seed.ExchangeRates(ctx, addr(mesh.Users), addr("finance")); err != nil {
		return fmt.Errorf("seed exchange rates: %w", err)
	}
	if err := seed.Catalogue(ctx, seed.Addrs{Users: addr(mesh.Users), Catalog: addr("catalog"), Inventory: addr("inventory")}); err != nil {
		return fmt.Errorf("seed demo catalogue: %w", err)
	}
	sum, err := seed.FreightHistory(ctx, addr(mesh.Users), addr("freight-estimator"))
	if err != nil {
		return fmt.Errorf("seed freight history: %w", err)
	}
	if err := seed.Coupons(ctx, addr(mesh.Users), addr("orders")); err != nil {
		return fmt.Errorf("seed demo coupons: %w", err)
	}
	fmt.Fprintf(say, "demo exchange rates, catalogue and coupons recorded; freight history: %d shipments imported, %d already there, %d bad rows refused\n",
		sum.Imported, sum.Duplicates, sum.Rejected)
	return nil
}
