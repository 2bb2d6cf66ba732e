package grpcapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"testing"

	"github.com/google/uuid"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/pkg/testkit"
)

func supplyPlatform(t *testing.T, code string) *dockingv1.SupplyPlatform {
	t.Helper()
	return &dockingv1.SupplyPlatform{Code: code, Name: "Wholesale " + code, Endpoint: "https://supply.example/api",
		SupplierOrgId: uuid.NewString(), ErpClientId: "erp-" + code, ErpPrivateKey: base64.StdEncoding.EncodeToString(newKey(t).Seed()),
		Defaults: &dockingv1.SupplyImportDefaults{ModelId: uuid.NewString(), CategoryId: uuid.NewString(), BrandId: uuid.NewString(),
			OriginCountryCode: "CN", OriginRegionCode: "CN-ZJ", DefaultLocale: "zh-CN", WarehouseId: uuid.NewString()},
		DefaultAccount: &dockingv1.SupplyAccount{AccountId: "acc-default", ApiKey: "default-key-9f81c2"},
		MerchantAccounts: []*dockingv1.MerchantAccount{
			{MerchantOrgId: uuid.NewString(), Account: &dockingv1.SupplyAccount{AccountId: "acc-m1", ApiKey: "merchant-key-77ab10"}}},
	}
}

// Admins register supply platforms; the API keys and the ERP key are
// write-only (sealed at rest, never answered); the code is unique; nobody
// else may read or register.
func TestSupplyPlatformRegistry(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.docking(t, admin)
	in := supplyPlatform(t, "wholesale")
	created, err := c.CreateSupplyPlatform(ctx, &dockingv1.CreateSupplyPlatformRequest{Platform: in})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSupplyPlatform(ctx, &dockingv1.GetSupplyPlatformRequest{PlatformId: created.GetPlatform().GetPlatformId()})
	if err != nil {
		t.Fatal(err)
	}
	p := got.GetPlatform()
	if p.GetErpPrivateKey() != "" || !p.GetHasErpKey() || p.GetDefaultAccount().GetApiKey() != "" || !p.GetDefaultAccount().GetHasApiKey() ||
		len(p.GetMerchantAccounts()) != 1 || p.GetMerchantAccounts()[0].GetAccount().GetApiKey() != "" ||
		p.GetMerchantAccounts()[0].GetAccount().GetAccountId() != "acc-m1" || p.GetActivity() == nil {
		t.Errorf("answered %v", p)
	}
	var raw []byte
	if err := f.pool.QueryRow(context.Background(), `SELECT row_to_json(s)::text::bytea FROM supply_platforms s`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"default-key-9f81c2", "merchant-key-77ab10", in.GetErpPrivateKey()} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("a secret is stored in clear")
		}
	}

	_, err = c.CreateSupplyPlatform(ctx, &dockingv1.CreateSupplyPlatformRequest{Platform: supplyPlatform(t, "wholesale")})
	wantError(t, err, apperr.KindAlreadyExists, "SUPPLY_PLATFORM_CODE_TAKEN")

	bad := supplyPlatform(t, "bad")
	bad.Endpoint, bad.ErpPrivateKey, bad.DefaultAccount.ApiKey = "supply.example:443", "", ""
	_, err = c.CreateSupplyPlatform(ctx, &dockingv1.CreateSupplyPlatformRequest{Platform: bad})
	if fields := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(fields, []string{"default_account.api_key", "endpoint", "erp_private_key"}) {
		t.Errorf("violations %v", fields)
	}

	for _, who := range []struct {
		name string
		c    func() error
	}{
		{"buyer lists", func() error {
			c, ctx := f.docking(t, buyer)
			_, err := c.ListSupplyPlatforms(ctx, &dockingv1.ListSupplyPlatformsRequest{})
			return err
		}},
		{"supplier registers", func() error {
			c, ctx := f.docking(t, supplier)
			_, err := c.CreateSupplyPlatform(ctx, &dockingv1.CreateSupplyPlatformRequest{Platform: supplyPlatform(t, "mine")})
			return err
		}},
		{"supplier reads orders", func() error {
			c, ctx := f.docking(t, supplier)
			_, err := c.ListSupplyOrders(ctx, &dockingv1.ListSupplyOrdersRequest{PlatformId: created.GetPlatform().GetPlatformId()})
			return err
		}},
	} {
		t.Run(who.name, func(t *testing.T) { wantError(t, who.c(), apperr.KindPermissionDenied, "ADMINS_ONLY") })
	}
	list, err := c.ListSupplyOrders(ctx, &dockingv1.ListSupplyOrdersRequest{PlatformId: created.GetPlatform().GetPlatformId()})
	if err != nil || len(list.GetOrders()) != 0 {
		t.Errorf("orders of a new platform: %v %v", list, err)
	}
}
