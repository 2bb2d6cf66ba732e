package grpcapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
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
		{"supplier reads products", func() error {
			c, ctx := f.docking(t, supplier)
			_, err := c.ListSupplyProducts(ctx, &dockingv1.ListSupplyProductsRequest{PlatformId: created.GetPlatform().GetPlatformId()})
			return err
		}},
		{"supplier retries an order", func() error {
			c, ctx := f.docking(t, supplier)
			_, err := c.RetrySupplyOrder(ctx, &dockingv1.RetrySupplyOrderRequest{PlatformId: created.GetPlatform().GetPlatformId(), SubOrderId: uuid.NewString()})
			return err
		}},
	} {
		t.Run(who.name, func(t *testing.T) { wantError(t, who.c(), apperr.KindPermissionDenied, "ADMINS_ONLY") })
	}
	list, err := c.ListSupplyOrders(ctx, &dockingv1.ListSupplyOrdersRequest{PlatformId: created.GetPlatform().GetPlatformId()})
	if err != nil || len(list.GetOrders()) != 0 {
		t.Errorf("orders of a new platform: %v %v", list, err)
	}
	products, err := c.ListSupplyProducts(ctx, &dockingv1.ListSupplyProductsRequest{PlatformId: created.GetPlatform().GetPlatformId(), WithProblem: true})
	if err != nil || len(products.GetProducts()) != 0 {
		t.Errorf("products of a new platform: %v %v", products, err)
	}
	_, err = c.ListSupplyProducts(ctx, &dockingv1.ListSupplyProductsRequest{PlatformId: uuid.NewString()})
	wantError(t, err, apperr.KindNotFound, "")
	_, err = c.RetrySupplyOrder(ctx, &dockingv1.RetrySupplyOrderRequest{PlatformId: "nope"})
	if got := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(got, []string{"platform_id", "sub_order_id"}) {
		t.Errorf("retry with bad ids: %v (fields %v)", err, got)
	}
	_, err = c.RetrySupplyOrder(ctx, &dockingv1.RetrySupplyOrderRequest{PlatformId: created.GetPlatform().GetPlatformId(), SubOrderId: uuid.NewString()})
	wantError(t, err, apperr.KindNotFound, "")
}

// Admins edit supply platforms; anyone else is PERMISSION_DENIED and
// changes nothing. Rotated keys are sealed again and never answered; an
// account an edit replaced is listed as retired, without its key; bad
// fields are named as the request spells them; an unknown platform is
// NOT_FOUND.
func TestUpdateSupplyPlatform(t *testing.T) {
	f := newFixture(t)
	c, ctx := f.docking(t, admin)
	in := supplyPlatform(t, "wholesale")
	created, err := c.CreateSupplyPlatform(ctx, &dockingv1.CreateSupplyPlatformRequest{Platform: in})
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetPlatform().GetPlatformId()
	merchant := in.GetMerchantAccounts()[0].GetMerchantOrgId()
	get := func() *dockingv1.SupplyPlatform {
		t.Helper()
		got, err := c.GetSupplyPlatform(ctx, &dockingv1.GetSupplyPlatformRequest{PlatformId: id})
		if err != nil {
			t.Fatal(err)
		}
		got.GetPlatform().Activity = nil
		return got.GetPlatform()
	}
	before := get()

	for _, who := range []struct {
		name   string
		caller auth.Caller
	}{{"buyer", buyer}, {"supplier", supplier}} {
		t.Run(who.name, func(t *testing.T) {
			c, ctx := f.docking(t, who.caller)
			_, err := c.UpdateSupplyPlatform(ctx, &dockingv1.UpdateSupplyPlatformRequest{PlatformId: id, Name: proto.String("Mine"),
				DefaultAccount: &dockingv1.SupplyAccount{AccountId: "acc-theirs", ApiKey: "their-key"}})
			wantError(t, err, apperr.KindPermissionDenied, "ADMINS_ONLY")
		})
	}
	if after := get(); !proto.Equal(before, after) {
		t.Errorf("refused edits changed the platform:\nbefore %v\nafter  %v", before, after)
	}

	_, err = c.UpdateSupplyPlatform(ctx, &dockingv1.UpdateSupplyPlatformRequest{PlatformId: id, Endpoint: proto.String("http://supply.example"),
		DefaultAccount:       &dockingv1.SupplyAccount{AccountId: "acc-default"},
		Defaults:             &dockingv1.SupplyImportDefaultsUpdate{OriginRegionCode: proto.String("DE-BY")},
		RemoveMerchantOrgIds: []string{merchant},
		MerchantAccounts:     []*dockingv1.MerchantAccount{{MerchantOrgId: merchant, Account: &dockingv1.SupplyAccount{AccountId: "acc-m9", ApiKey: "k"}}}})
	if fields := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(fields,
		[]string{"default_account.api_key", "defaults.origin_region_code", "remove_merchant_org_ids"}) {
		t.Errorf("violations %v", fields)
	}
	_, err = c.UpdateSupplyPlatform(ctx, &dockingv1.UpdateSupplyPlatformRequest{PlatformId: id, Endpoint: proto.String("http://supply.example")})
	if fields := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(fields, []string{"endpoint"}) {
		t.Errorf("an http endpoint where TLS is required: violations %v", fields)
	}
	_, err = c.UpdateSupplyPlatform(ctx, &dockingv1.UpdateSupplyPlatformRequest{PlatformId: id, RemoveMerchantOrgIds: []string{"nope"}})
	if fields := testkit.Fields(t, grpcerr.FromError(err)); !slices.Equal(fields, []string{"remove_merchant_org_ids"}) {
		t.Errorf("violations %v", fields)
	}
	if after := get(); !proto.Equal(before, after) {
		t.Errorf("bad edits changed the platform:\nbefore %v\nafter  %v", before, after)
	}
	_, err = c.UpdateSupplyPlatform(ctx, &dockingv1.UpdateSupplyPlatformRequest{PlatformId: uuid.NewString(), Name: proto.String("Nobody")})
	wantError(t, err, apperr.KindNotFound, "")

	const rotated, moved = "default-key-rotated-5d1e", "merchant-key-moved-0b7c"
	erpKey := base64.StdEncoding.EncodeToString(newKey(t).Seed())
	updated, err := c.UpdateSupplyPlatform(ctx, &dockingv1.UpdateSupplyPlatformRequest{PlatformId: id, Name: proto.String("Wholesale, renamed"),
		ErpPrivateKey:    proto.String(erpKey),
		DefaultAccount:   &dockingv1.SupplyAccount{AccountId: "acc-default", ApiKey: rotated},
		MerchantAccounts: []*dockingv1.MerchantAccount{{MerchantOrgId: merchant, Account: &dockingv1.SupplyAccount{AccountId: "acc-m2", ApiKey: moved}}},
		Defaults:         &dockingv1.SupplyImportDefaultsUpdate{OriginRegionCode: proto.String("CN-GD")}})
	if err != nil {
		t.Fatal(err)
	}
	p := updated.GetPlatform()
	if p.GetName() != "Wholesale, renamed" || p.GetCode() != "wholesale" || p.GetDefaults().GetOriginRegionCode() != "CN-GD" ||
		p.GetDefaults().GetCategoryId() != before.GetDefaults().GetCategoryId() || p.GetMerchantAccounts()[0].GetAccount().GetAccountId() != "acc-m2" ||
		len(p.GetRetiredAccounts()) != 1 || p.GetRetiredAccounts()[0].GetAccountId() != "acc-m1" || !p.GetRetiredAccounts()[0].GetHasApiKey() ||
		!p.GetUpdatedAt().AsTime().After(p.GetCreatedAt().AsTime()) {
		t.Errorf("after the edit: %v", p)
	}
	list, err := c.ListSupplyPlatforms(ctx, &dockingv1.ListSupplyPlatformsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := f.pool.QueryRow(context.Background(), `SELECT row_to_json(s)::text::bytea FROM supply_platforms s`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{rotated, moved, "merchant-key-77ab10", erpKey} {
		for _, m := range []proto.Message{updated, list, get()} {
			if strings.Contains(protojson.Format(m), secret) {
				t.Errorf("an answer carries a key: %v", m)
			}
		}
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("a key is stored in clear")
		}
	}
}
