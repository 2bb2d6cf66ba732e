package domain

import (
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// SupplyAccount is one account we hold on a supply platform: the platform
// knows the calls it receives by the account's API key, and a purchase
// order belongs to the account that placed it.
type SupplyAccount struct {
	AccountID string
	// APIKey is write-only: sealed at rest, never answered.
	APIKey string
}

// String never prints the key, so an account in a log line leaks nothing.
func (a SupplyAccount) String() string { return a.AccountID + " [key redacted]" }

// SupplyDefaults is what the catalogue needs that a supply platform does
// not say: every product imported from it gets these.
type SupplyDefaults struct {
	ModelID, CategoryID, BrandID string
	OriginCountry                string
	OriginRegion                 string
	Locale                       string
	// WarehouseID is the supplier's warehouse whose levels follow the
	// platform's stock.
	WarehouseID string
}

// SupplyPlatform is a third-party supply platform docked as a supplier:
// its catalogue and stock flow into the catalogue as SupplierOrgID's, which
// docking acts for through the ERP API client ERPClientID (whose key it
// holds), and that supplier's paid sub-orders are placed with the platform
// under the merchant's own account, or the default account.
type SupplyPlatform struct {
	ID            uuid.UUID
	Code, Name    string
	Endpoint      string
	SupplierOrgID uuid.UUID
	ERPClientID   string
	// ERPKey is the ERP API client's Ed25519 private key as given (base64
	// seed or PKCS#8 PEM); write-only like the API keys.
	ERPKey   string
	Defaults SupplyDefaults
	// Default places the sub-orders of merchants without an account of
	// their own (and of buyers), and reads the catalogue and stock.
	Default   SupplyAccount
	Merchants map[uuid.UUID]SupplyAccount
	CreatedAt time.Time
}

// AccountFor returns the account a sub-order of merchant is placed under:
// the merchant's own account when it has one, the default otherwise (a
// buyer's order has no merchant: uuid.Nil).
func (p SupplyPlatform) AccountFor(merchant uuid.UUID) SupplyAccount {
	if a, ok := p.Merchants[merchant]; ok && merchant != uuid.Nil {
		return a
	}
	return p.Default
}

// AccountByID returns the platform account with this id.
func (p SupplyPlatform) AccountByID(id string) (SupplyAccount, bool) {
	if p.Default.AccountID == id {
		return p.Default, true
	}
	for _, a := range p.Merchants {
		if a.AccountID == id {
			return a, true
		}
	}
	return SupplyAccount{}, false
}

// NewSupplyPlatform validates a registration and returns it with its id
// and creation time.
func NewSupplyPlatform(id uuid.UUID, in SupplyPlatform, now time.Time) (SupplyPlatform, error) {
	in.ID, in.CreatedAt = id, now
	in.Code, in.Name, in.Endpoint = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Endpoint)
	in.ERPClientID = strings.TrimSpace(in.ERPClientID)
	in.Defaults.OriginCountry = strings.ToUpper(strings.TrimSpace(in.Defaults.OriginCountry))
	in.Defaults.OriginRegion = strings.ToUpper(strings.TrimSpace(in.Defaults.OriginRegion))
	var v apperr.Violations
	checkText(&v, "name", in.Name, 120)
	if !codePattern.MatchString(in.Code) {
		v.Add("code", "must be 2 to 32 lower-case letters, digits or dashes, starting with a letter or digit")
	}
	if u, err := url.Parse(in.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.Endpoint) > maxEndpointLen {
		v.Add("endpoint", "must be an http(s) base URL")
	}
	if in.SupplierOrgID == uuid.Nil {
		v.Add("supplier_org_id", "is required: the approved supplier organization the platform's goods belong to")
	}
	if in.ERPClientID == "" || len(in.ERPClientID) > 128 {
		v.Add("erp_client_id", "is required: the supplier's ERP API client docking signs catalogue and stock calls as")
	}
	if in.ERPKey == "" {
		v.Add("erp_private_key", "is required: the ERP API client's Ed25519 key")
	}
	for field, s := range map[string]string{"defaults.model_id": in.Defaults.ModelID, "defaults.category_id": in.Defaults.CategoryID,
		"defaults.brand_id": in.Defaults.BrandID, "defaults.warehouse_id": in.Defaults.WarehouseID} {
		if _, err := uuid.Parse(s); err != nil {
			v.Add(field, "must be a UUID")
		}
	}
	if len(in.Defaults.OriginCountry) != 2 {
		v.Add("defaults.origin_country_code", "must be an ISO 3166-1 alpha-2 code")
	}
	if region, ok := strings.CutPrefix(in.Defaults.OriginRegion, in.Defaults.OriginCountry+"-"); !ok || region == "" || len(in.Defaults.OriginRegion) > 6 {
		v.Add("defaults.origin_region_code", "must be an ISO 3166-2 code within the origin country, e.g. CN-GD")
	}
	if in.Defaults.Locale == "" {
		v.Add("defaults.default_locale", "is required")
	}
	seen := map[string]bool{}
	check := func(field string, a SupplyAccount) {
		switch {
		case a.AccountID == "" || len(a.AccountID) > 128:
			v.Add(field+".account_id", "is required, at most 128 characters")
		case seen[a.AccountID]:
			v.Add(field+".account_id", "is given twice: each account places one merchant's orders")
		}
		seen[a.AccountID] = true
		if a.APIKey == "" || len(a.APIKey) > maxCredential {
			v.Add(field+".api_key", "is required, at most 512 characters")
		}
	}
	check("default_account", in.Default)
	for m, a := range in.Merchants {
		if m == uuid.Nil {
			v.Add("merchant_accounts.merchant_org_id", "must be a UUID")
		}
		check("merchant_accounts", a)
	}
	if err := v.Err(); err != nil {
		return SupplyPlatform{}, err
	}
	return in, nil
}
