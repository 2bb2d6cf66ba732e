package seed

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

// SupplyOrganization is the demo supply platform's supplier organization
// (SupplyEmail's).
const SupplyOrganization = "Global Supply Hub"

// The names the demo supply platform's registration is found by again:
// its supplier's warehouse and ERP API client, and the catalogue entries
// every imported product gets. The demo catalogue's models all require
// attributes a supply platform does not send, so its goods get a model of
// their own, with the colour the platform sends per SKU as an optional spec.
const (
	SupplyWarehouseName = "Supply platform stock"
	SupplyClientName    = "Demo supply platform (platform-docking)"
	supplyCategorySlug  = "home"
	supplyCategoryName  = "Home & kitchen"
	supplyModelName     = "Household goods"
	supplyBrandName     = "Unbranded"
)

// DemoSupply is the supply platform the demo docks onto: the supply
// simulator at Endpoint (its base URL), where Crossdock holds a default
// account and one for the demo merchant.
type DemoSupply struct {
	Code, Endpoint               string
	DefaultAccount, DefaultKey   string
	MerchantAccount, MerchantKey string
}

// SupplyResult is where the demo supply platform stands after Supply.
type SupplyResult struct {
	PlatformID string
	// Created is whether this run registered it (false: it was there).
	Created bool
	// Moved is whether this run pointed an earlier registration at
	// Endpoint (the mesh's ports moved).
	Moved bool
}

// Supply registers the demo supply platform as its supplier and an admin
// would, unless a platform with its code exists (then it is kept as it is,
// its endpoint moved to Endpoint when the mesh's ports moved): the supplier's warehouse
// and an ERP API client of its organization holding a key generated here
// (an earlier run's client, if one was left, is given the new key), the
// catalogue entries imported products get, and the two accounts, the
// demo merchant's routed to its organization. Every step is safe to
// repeat.
func Supply(ctx context.Context, a Addrs, dockingAddr string, d DemoSupply) (SupplyResult, error) {
	conns, closeAll, err := dial(map[string]string{"users": a.Users, "catalog": a.Catalog, "inventory": a.Inventory, "docking": dockingAddr})
	if err != nil {
		return SupplyResult{}, err
	}
	defer closeAll()
	users := usersv1.NewUsersServiceClient(conns["users"])
	catalog := catalogv1.NewCatalogServiceClient(conns["catalog"])
	inventory := inventoryv1.NewInventoryServiceClient(conns["inventory"])
	docking := dockingv1.NewDockingServiceClient(conns["docking"])

	admin, err := login(ctx, users, AdminEmail)
	if err != nil {
		return SupplyResult{}, fmt.Errorf("log in the admin: %w", err)
	}
	if p, err := findSupplyPlatform(admin, docking, d.Code); err != nil || p != nil {
		if err != nil {
			return SupplyResult{}, err
		}
		return moveSupplyPlatform(admin, docking, p, d.Endpoint)
	}

	supplier, err := login(ctx, users, SupplyEmail)
	if err != nil {
		return SupplyResult{}, fmt.Errorf("log in %s: %w", SupplyEmail, err)
	}
	org, err := organizationOf(supplier, users)
	if err != nil {
		return SupplyResult{}, fmt.Errorf("the organization of %s: %w", SupplyEmail, err)
	}
	warehouse, err := ensureSupplyWarehouse(supplier, inventory)
	if err != nil {
		return SupplyResult{}, err
	}
	clientID, key, err := ensureSupplyClient(supplier, users, org)
	if err != nil {
		return SupplyResult{}, err
	}
	defaults, err := supplyDefaults(admin, catalog)
	if err != nil {
		return SupplyResult{}, err
	}
	defaults.WarehouseId = warehouse
	merchant, err := login(ctx, users, MerchantEmail)
	if err != nil {
		return SupplyResult{}, fmt.Errorf("log in %s: %w", MerchantEmail, err)
	}
	merchantOrg, err := organizationOf(merchant, users)
	if err != nil {
		return SupplyResult{}, fmt.Errorf("the organization of %s: %w", MerchantEmail, err)
	}

	created, err := docking.CreateSupplyPlatform(admin, &dockingv1.CreateSupplyPlatformRequest{Platform: &dockingv1.SupplyPlatform{
		Code: d.Code, Name: "Demo supply platform", Endpoint: d.Endpoint, SupplierOrgId: org,
		ErpClientId: clientID, ErpPrivateKey: key, Defaults: defaults,
		DefaultAccount: &dockingv1.SupplyAccount{AccountId: d.DefaultAccount, ApiKey: d.DefaultKey},
		MerchantAccounts: []*dockingv1.MerchantAccount{{MerchantOrgId: merchantOrg,
			Account: &dockingv1.SupplyAccount{AccountId: d.MerchantAccount, ApiKey: d.MerchantKey}}},
	}})
	if ignoreExists(err) != nil {
		return SupplyResult{}, fmt.Errorf("register supply platform %s: %w", d.Code, err)
	}
	if err != nil { // registered meanwhile by another start
		p, err := findSupplyPlatform(admin, docking, d.Code)
		return SupplyResult{PlatformID: p.GetPlatformId()}, err
	}
	return SupplyResult{PlatformID: created.GetPlatform().GetPlatformId(), Created: true}, nil
}

// moveSupplyPlatform points a registered platform at endpoint when it names
// another (a mesh started before on other ports): docking would otherwise
// keep calling where the simulator no longer listens.
func moveSupplyPlatform(admin context.Context, docking dockingv1.DockingServiceClient, p *dockingv1.SupplyPlatform, endpoint string) (SupplyResult, error) {
	if p.GetEndpoint() == endpoint {
		return SupplyResult{PlatformID: p.GetPlatformId()}, nil
	}
	_, err := docking.UpdateSupplyPlatform(admin, &dockingv1.UpdateSupplyPlatformRequest{PlatformId: p.GetPlatformId(), Endpoint: proto.String(endpoint)})
	if err != nil {
		return SupplyResult{}, fmt.Errorf("move supply platform %s to %s: %w", p.GetCode(), endpoint, err)
	}
	return SupplyResult{PlatformID: p.GetPlatformId(), Moved: true}, nil
}

// findSupplyPlatform returns the platform registered under code, or nil.
func findSupplyPlatform(admin context.Context, docking dockingv1.DockingServiceClient, code string) (*dockingv1.SupplyPlatform, error) {
	list, err := docking.ListSupplyPlatforms(admin, &dockingv1.ListSupplyPlatformsRequest{})
	if err != nil {
		return nil, fmt.Errorf("list supply platforms: %w", err)
	}
	for _, p := range list.GetPlatforms() {
		if p.GetCode() == code {
			return p, nil
		}
	}
	return nil, nil
}

// organizationOf is the id of the signed-in account's organization.
func organizationOf(as context.Context, users usersv1.UsersServiceClient) (string, error) {
	me, err := users.GetMe(as, &usersv1.GetMeRequest{})
	if err != nil {
		return "", err
	}
	if me.GetOrganization().GetOrganizationId() == "" {
		return "", fmt.Errorf("no organization")
	}
	return me.GetOrganization().GetOrganizationId(), nil
}

// ensureSupplyWarehouse returns the supplier's warehouse named
// SupplyWarehouseName, created when missing: the platform's stock levels
// are kept there.
func ensureSupplyWarehouse(supplier context.Context, inventory inventoryv1.InventoryServiceClient) (string, error) {
	list, err := inventory.ListWarehouses(supplier, &inventoryv1.ListWarehousesRequest{})
	if err != nil {
		return "", fmt.Errorf("list the supply supplier's warehouses: %w", err)
	}
	for _, w := range list.GetWarehouses() {
		if w.GetName() == SupplyWarehouseName {
			return w.GetWarehouseId(), nil
		}
	}
	r, err := inventory.CreateWarehouse(supplier, &inventoryv1.CreateWarehouseRequest{
		Name: SupplyWarehouseName, Kind: inventoryv1.WarehouseKind_WAREHOUSE_KIND_SUPPLIER, CountryCode: "CN", RegionCode: "CN-GD",
	})
	if err != nil {
		return "", fmt.Errorf("warehouse %s: %w", SupplyWarehouseName, err)
	}
	return r.GetWarehouse().GetWarehouseId(), nil
}

// ensureSupplyClient gives the supplier's ERP API client named
// SupplyClientName a key generated here, creating the client when
// missing, and returns its id and the private key (base64 of the seed)
// for docking's registration. No private key is ever read back from
// users, so an earlier run's client that never got registered is rotated
// to the new key rather than left with one nobody holds.
func ensureSupplyClient(supplier context.Context, users usersv1.UsersServiceClient, org string) (string, string, error) {
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	encoded := base64.StdEncoding.EncodeToString(public)
	key := base64.StdEncoding.EncodeToString(private.Seed())
	list, err := users.ListApiClients(supplier, &usersv1.ListApiClientsRequest{})
	if err != nil {
		return "", "", fmt.Errorf("list the supply supplier's API clients: %w", err)
	}
	for _, c := range list.GetClients() {
		if c.GetName() == SupplyClientName && c.GetKind() == usersv1.ApiClientKind_API_CLIENT_KIND_ERP && !c.GetDisabled() {
			if _, err := users.RotateApiClientSecret(supplier, &usersv1.RotateApiClientSecretRequest{ClientId: c.GetClientId(), PublicKey: encoded}); err != nil {
				return "", "", fmt.Errorf("give the supply platform's ERP client a new key: %w", err)
			}
			return c.GetClientId(), key, nil
		}
	}
	created, err := users.CreateApiClient(supplier, &usersv1.CreateApiClientRequest{
		Name: SupplyClientName, Kind: usersv1.ApiClientKind_API_CLIENT_KIND_ERP, OrganizationId: org, PublicKey: encoded,
	})
	if err != nil {
		return "", "", fmt.Errorf("create the supply platform's ERP client: %w", err)
	}
	return created.GetClient().GetClientId(), key, nil
}

// supplyDefaults finds (or creates, as the admin) the category, model and
// brand every imported product gets, with the origin and locale of the
// simulator's goods.
func supplyDefaults(admin context.Context, catalog catalogv1.CatalogServiceClient) (*dockingv1.SupplyImportDefaults, error) {
	d := &dockingv1.SupplyImportDefaults{OriginCountryCode: "CN", OriginRegionCode: "CN-GD", DefaultLocale: "en"}
	categories, err := catalog.ListCategories(admin, &catalogv1.ListCategoriesRequest{})
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	for _, c := range categories.GetCategories() {
		if c.GetParentId() == "" && c.GetSlug() == supplyCategorySlug {
			d.CategoryId = c.GetCategoryId()
		}
	}
	if d.CategoryId == "" {
		r, err := catalog.CreateCategory(admin, &catalogv1.CreateCategoryRequest{Name: supplyCategoryName, Slug: supplyCategorySlug})
		if err != nil {
			return nil, fmt.Errorf("category %s: %w", supplyCategorySlug, err)
		}
		d.CategoryId = r.GetCategory().GetCategoryId()
	}
	models, err := catalog.ListProductModels(admin, &catalogv1.ListProductModelsRequest{})
	if err != nil {
		return nil, fmt.Errorf("list product models: %w", err)
	}
	for _, m := range models.GetModels() {
		if m.GetName() == supplyModelName {
			d.ModelId = m.GetModelId()
		}
	}
	if d.ModelId == "" {
		r, err := catalog.CreateProductModel(admin, &catalogv1.CreateProductModelRequest{Name: supplyModelName, Attributes: []*catalogv1.ModelAttribute{
			{Name: "colour", Kind: catalogv1.AttributeKind_ATTRIBUTE_KIND_TEXT, Spec: true},
		}})
		if err != nil {
			return nil, fmt.Errorf("model %s: %w", supplyModelName, err)
		}
		d.ModelId = r.GetModel().GetModelId()
	}
	brands, err := seedBrands(admin, catalog, supplyBrandName)
	if err != nil {
		return nil, err
	}
	d.BrandId = brands[supplyBrandName]
	return d, nil
}
