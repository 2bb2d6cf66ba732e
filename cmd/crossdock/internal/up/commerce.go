package up

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/mesh"
	"github.com/crossdock/crossdock/cmd/crossdock/internal/seed"
)

// seedCommerce records demo exchange rates and fills the demo catalogue, its
// stock, a freight history and coupon campaigns, and registers and verifies
// the partner simulator as the demo partner, once the demo accounts exist.
// Every step is safe to repeat.
func seedCommerce(ctx context.Context, plan mesh.Plan, partner mesh.PartnerCredentials, say io.Writer) error {
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
	key, err := partnerPublicKey(partner)
	if err != nil {
		return fmt.Errorf("the partner simulator's key: %w", err)
	}
	docked, err := seed.Partner(ctx, addr(mesh.Users), addr(mesh.PlatformDocking), seed.DemoPartner{
		Code: mesh.PartnerCode, Endpoint: plan.SimulatorAddr(mesh.PartnerSim), PublicKey: key,
	})
	if err != nil {
		return fmt.Errorf("seed the demo partner: %w", err)
	}
	state := strings.TrimPrefix(docked.Status.String(), "PARTNER_STATUS_")
	if docked.Warning != "" {
		state += " (left as it was: this start's handshake failed: " + docked.Warning + ")"
	}
	fmt.Fprintf(say, "demo partner %s at %s: %s\n", mesh.PartnerCode, plan.SimulatorAddr(mesh.PartnerSim), state)
	return nil
}
