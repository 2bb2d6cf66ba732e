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
// the partner simulators as the demo partners (the standard protocol's and
// the REST marketplace), and registers the supply simulator as the demo
// supply platform, once the demo accounts exist.
// Every step is safe to repeat.
func seedCommerce(ctx context.Context, plan mesh.Plan, partner mesh.PartnerCredentials, restCreds mesh.RestMarketCredentials,
	supply mesh.SupplyCredentials, say io.Writer) error {
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
	fmt.Fprintf(say, "demo partner %s at %s: %s\n", mesh.PartnerCode, plan.SimulatorAddr(mesh.PartnerSim), partnerState(docked))
	restEndpoint := "http://" + plan.SimulatorAddr(mesh.RestMarketSim)
	rest, err := seed.RestPartner(ctx, addr(mesh.Users), addr(mesh.PlatformDocking), seed.DemoRestPartner{
		Code: mesh.RestPartnerCode, Endpoint: restEndpoint, AppKey: restCreds.AppKey, AppSecret: restCreds.AppSecret,
	})
	if err != nil {
		return fmt.Errorf("seed the demo REST partner: %w", err)
	}
	fmt.Fprintf(say, "demo partner %s at %s: %s\n", mesh.RestPartnerCode, restEndpoint, partnerState(rest))
	supplyEndpoint := "http://" + plan.SimulatorAddr(mesh.SupplySim)
	platform, err := seed.Supply(ctx, seed.Addrs{Users: addr(mesh.Users), Catalog: addr("catalog"), Inventory: addr("inventory")}, addr(mesh.PlatformDocking),
		seed.DemoSupply{Code: mesh.SupplyPlatformCode, Endpoint: supplyEndpoint,
			DefaultAccount: supply.DefaultAccount, DefaultKey: supply.DefaultKey, MerchantAccount: supply.MerchantAccount, MerchantKey: supply.MerchantKey})
	if err != nil {
		return fmt.Errorf("seed the demo supply platform: %w", err)
	}
	state := "registered"
	switch {
	case platform.Moved:
		state = "registered before (moved to this endpoint)"
	case !platform.Created:
		state = "registered before (kept as it was)"
	}
	fmt.Fprintf(say, "demo supply platform %s at %s: %s; docking imports its catalogue as %s's products, for review\n",
		mesh.SupplyPlatformCode, supplyEndpoint, state, seed.SupplyEmail)
	return nil
}

// partnerState says where a seeded partner stands.
func partnerState(r seed.PartnerResult) string {
	state := strings.TrimPrefix(r.Status.String(), "PARTNER_STATUS_")
	if r.Warning != "" {
		state += " (left as it was: this start's handshake failed: " + r.Warning + ")"
	}
	return state
}
