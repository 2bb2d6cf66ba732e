package domain

import (
	"maps"
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
	// Retired are accounts an edit replaced or removed, by account id. No
	// new order goes to them, but a purchase order placed (or first tried)
	// under one stays there: a platform knows an order only under the
	// account that placed it, so its retries and its tracking need that
	// account's key.
	Retired   map[string]SupplyAccount
	CreatedAt time.Time
	UpdatedAt time.Time
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

// AccountByID returns the platform account with this id, retired or not:
// an order keeps the account it was first sent under.
func (p SupplyPlatform) AccountByID(id string) (SupplyAccount, bool) {
	if p.Default.AccountID == id {
		return p.Default, true
	}
	for _, a := range p.Merchants {
		if a.AccountID == id {
			return a, true
		}
	}
	a, ok := p.Retired[id]
	return a, ok
}

// activeAccounts returns the accounts orders are routed to, by account id.
func (p SupplyPlatform) activeAccounts() map[string]SupplyAccount {
	out := map[string]SupplyAccount{p.Default.AccountID: p.Default}
	for _, a := range p.Merchants {
		out[a.AccountID] = a
	}
	return out
}

// NewSupplyPlatform validates a registration and returns it with its id
// and creation time.
func NewSupplyPlatform(id uuid.UUID, in SupplyPlatform, now time.Time) (SupplyPlatform, error) {
	in.ID, in.CreatedAt, in.UpdatedAt, in.Retired = id, now, now, nil
	in.normalize()
	if err := in.Validate(); err != nil {
		return SupplyPlatform{}, err
	}
	return in, nil
}

// normalize trims what people type with stray spaces and spells country
// and region codes in capitals.
func (p *SupplyPlatform) normalize() {
	p.Code, p.Name, p.Endpoint = strings.TrimSpace(p.Code), strings.TrimSpace(p.Name), strings.TrimSpace(p.Endpoint)
	p.ERPClientID = strings.TrimSpace(p.ERPClientID)
	p.Defaults.OriginCountry = strings.ToUpper(strings.TrimSpace(p.Defaults.OriginCountry))
	p.Defaults.OriginRegion = strings.ToUpper(strings.TrimSpace(p.Defaults.OriginRegion))
}

// Validate checks a registration as it is about to be stored, naming every
// bad field as the API spells it. Retired accounts are not checked: they
// were valid when they were routed to, and are only kept.
func (p SupplyPlatform) Validate() error {
	var v apperr.Violations
	apperr.CheckText(&v, "name", p.Name, 1, 120)
	if !codePattern.MatchString(p.Code) {
		v.Add("code", "must be 2 to 32 lower-case letters, digits or dashes, starting with a letter or digit")
	}
	if u, err := url.Parse(p.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(p.Endpoint) > maxEndpointLen {
		v.Add("endpoint", "must be an http(s) base URL")
	}
	if p.SupplierOrgID == uuid.Nil {
		v.Add("supplier_org_id", "is required: the approved supplier organization the platform's goods belong to")
	}
	if p.ERPClientID == "" || len(p.ERPClientID) > 128 {
		v.Add("erp_client_id", "is required: the supplier's ERP API client docking signs catalogue and stock calls as")
	}
	if p.ERPKey == "" {
		v.Add("erp_private_key", "is required: the ERP API client's Ed25519 key")
	}
	for field, s := range map[string]string{"defaults.model_id": p.Defaults.ModelID, "defaults.category_id": p.Defaults.CategoryID,
		"defaults.brand_id": p.Defaults.BrandID, "defaults.warehouse_id": p.Defaults.WarehouseID} {
		if _, err := uuid.Parse(s); err != nil {
			v.Add(field, "must be a UUID")
		}
	}
	if len(p.Defaults.OriginCountry) != 2 {
		v.Add("defaults.origin_country_code", "must be an ISO 3166-1 alpha-2 code")
	}
	if region, ok := strings.CutPrefix(p.Defaults.OriginRegion, p.Defaults.OriginCountry+"-"); !ok || region == "" || len(p.Defaults.OriginRegion) > 6 {
		v.Add("defaults.origin_region_code", "must be an ISO 3166-2 code within the origin country, e.g. CN-GD")
	}
	if p.Defaults.Locale == "" {
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
	check("default_account", p.Default)
	for m, a := range p.Merchants {
		if m == uuid.Nil {
			v.Add("merchant_accounts.merchant_org_id", "must be a UUID")
		}
		check("merchant_accounts", a)
	}
	return v.Err()
}

// ValidateTransport checks the platform's endpoint can be reached over TLS
// (https), unless the installation allows plaintext, as for REST partners.
// It is separate from Validate because the rule is the installation's, not
// the platform's.
func (p SupplyPlatform) ValidateTransport(plaintextAllowed bool) error {
	return httpsOnly(p.Endpoint, plaintextAllowed)
}

// SupplyUpdate is a change to a supply platform's registration; nil (and
// empty) fields keep their value. The code and the supplier organization
// never change: the supplier's catalogue, stock and sub-orders are what
// the platform is.
type SupplyUpdate struct {
	Name, Endpoint *string
	// ERPClientID and ERPKey change the ERP API client docking acts as;
	// another client needs its key in the same update.
	ERPClientID, ERPKey *string
	// Default replaces the default account, key included.
	Default *SupplyAccount
	// SetMerchants adds or replaces merchants' accounts, keys included;
	// RemoveMerchants removes merchants' accounts (one without an account
	// is nothing to remove).
	SetMerchants    map[uuid.UUID]SupplyAccount
	RemoveMerchants []uuid.UUID
	// CategoryID and OriginRegion are the import defaults that may change.
	CategoryID, OriginRegion *string
}

// Apply makes the change. An account the change replaces or removes is
// retired rather than forgotten, since orders may already be placed (or
// tried) under it; a retired account whose id is routed to again is active
// again, with the key given. inUse reports the accounts orders still need
// (placing or followed; nil: none): retired accounts they do not need are
// dropped, but never one this change retires, as an order may be on its
// way to it.
func (p *SupplyPlatform) Apply(u SupplyUpdate, inUse func(accountID string) bool, now time.Time) error {
	var v apperr.Violations
	if u.ERPClientID != nil && strings.TrimSpace(*u.ERPClientID) != p.ERPClientID && u.ERPKey == nil {
		v.Add("erp_private_key", "is required with another erp_client_id: the new client's key")
	}
	for _, m := range u.RemoveMerchants {
		if _, ok := u.SetMerchants[m]; ok {
			v.Add("remove_merchant_org_ids", "names "+m.String()+", whose account merchant_accounts sets")
		}
	}
	next := *p
	next.Merchants = maps.Clone(p.Merchants)
	if next.Merchants == nil {
		next.Merchants = map[uuid.UUID]SupplyAccount{}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&next.Name, u.Name)
	set(&next.Endpoint, u.Endpoint)
	set(&next.ERPClientID, u.ERPClientID)
	set(&next.ERPKey, u.ERPKey)
	set(&next.Defaults.CategoryID, u.CategoryID)
	set(&next.Defaults.OriginRegion, u.OriginRegion)
	if u.Default != nil {
		next.Default = *u.Default
	}
	for m, a := range u.SetMerchants {
		next.Merchants[m] = a
	}
	for _, m := range u.RemoveMerchants {
		delete(next.Merchants, m)
	}
	next.normalize()
	_ = v.Merge(next.Validate()) // Validate returns only violations
	if err := v.Err(); err != nil {
		return err
	}
	active := next.activeAccounts()
	next.Retired = map[string]SupplyAccount{}
	for id, a := range p.Retired {
		if _, back := active[id]; !back && inUse != nil && inUse(id) {
			next.Retired[id] = a
		}
	}
	for id, a := range p.activeAccounts() {
		if _, still := active[id]; !still {
			next.Retired[id] = a
		}
	}
	next.UpdatedAt = now
	*p = next
	return nil
}
