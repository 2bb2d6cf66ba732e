package domain_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

func supplyPlatform(merchants map[uuid.UUID]domain.SupplyAccount) domain.SupplyPlatform {
	return domain.SupplyPlatform{Code: "wholesale", Name: "Wholesale", Endpoint: "https://supply.example/api",
		SupplierOrgID: uuid.New(), ERPClientID: "erp-1", ERPKey: "seed",
		Defaults: domain.SupplyDefaults{ModelID: uuid.NewString(), CategoryID: uuid.NewString(), BrandID: uuid.NewString(),
			OriginCountry: "cn", OriginRegion: "cn-zj", Locale: "zh-CN", WarehouseID: uuid.NewString()},
		Default: domain.SupplyAccount{AccountID: "acc-default", APIKey: "k0"}, Merchants: merchants}
}

// A merchant with an account of its own gets it; anyone else (another
// merchant, a buyer) gets the default.
func TestAccountRouting(t *testing.T) {
	m1, m2, stranger := uuid.New(), uuid.New(), uuid.New()
	p, err := domain.NewSupplyPlatform(uuid.New(), supplyPlatform(map[uuid.UUID]domain.SupplyAccount{
		m1: {AccountID: "acc-m1", APIKey: "k1"}, m2: {AccountID: "acc-m2", APIKey: "k2"}}), t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		merchant uuid.UUID
		want     string
	}{
		{"first merchant", m1, "acc-m1"},
		{"second merchant", m2, "acc-m2"},
		{"merchant without an account", stranger, "acc-default"},
		{"buyer's order", uuid.Nil, "acc-default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.AccountFor(tt.merchant).AccountID; got != tt.want {
				t.Errorf("AccountFor = %s, want %s", got, tt.want)
			}
		})
	}
	if a, ok := p.AccountByID("acc-m2"); !ok || a.APIKey != "k2" {
		t.Errorf("AccountByID(acc-m2) = %v %v", a, ok)
	}
	if got := fmt.Sprint(p.Default); got != "acc-default [key redacted]" {
		t.Errorf("an account prints as %q", got)
	}
}

func TestNewSupplyPlatformValidates(t *testing.T) {
	m := uuid.New()
	tests := []struct {
		name   string
		change func(*domain.SupplyPlatform)
		field  string
	}{
		{"bad code", func(p *domain.SupplyPlatform) { p.Code = "No Spaces" }, "code"},
		{"endpoint not http", func(p *domain.SupplyPlatform) { p.Endpoint = "supply.example:443" }, "endpoint"},
		{"no supplier", func(p *domain.SupplyPlatform) { p.SupplierOrgID = uuid.Nil }, "supplier_org_id"},
		{"no ERP client", func(p *domain.SupplyPlatform) { p.ERPClientID = "" }, "erp_client_id"},
		{"no ERP key", func(p *domain.SupplyPlatform) { p.ERPKey = "" }, "erp_private_key"},
		{"bad model", func(p *domain.SupplyPlatform) { p.Defaults.ModelID = "m" }, "defaults.model_id"},
		{"no origin region", func(p *domain.SupplyPlatform) { p.Defaults.OriginRegion = "" }, "defaults.origin_region_code"},
		{"region of another country", func(p *domain.SupplyPlatform) { p.Defaults.OriginRegion = "DE-BY" }, "defaults.origin_region_code"},
		{"no default key", func(p *domain.SupplyPlatform) { p.Default.APIKey = "" }, "default_account.api_key"},
		{"account twice", func(p *domain.SupplyPlatform) {
			p.Merchants = map[uuid.UUID]domain.SupplyAccount{m: {AccountID: "acc-default", APIKey: "x"}}
		}, "merchant_accounts.account_id"},
		{"nil merchant", func(p *domain.SupplyPlatform) {
			p.Merchants = map[uuid.UUID]domain.SupplyAccount{uuid.Nil: {AccountID: "a", APIKey: "x"}}
		}, "merchant_accounts.merchant_org_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := supplyPlatform(nil)
			tt.change(&in)
			_, err := domain.NewSupplyPlatform(uuid.New(), in, t0)
			var e *apperr.Error
			if !errors.As(err, &e) || !slices.ContainsFunc(e.Violations, func(v apperr.FieldViolation) bool { return v.Field == tt.field }) {
				t.Errorf("err = %v, want a violation of %s", err, tt.field)
			}
		})
	}
	p, err := domain.NewSupplyPlatform(uuid.New(), supplyPlatform(nil), t0)
	if err != nil || p.Defaults.OriginCountry != "CN" || p.Defaults.OriginRegion != "CN-ZJ" {
		t.Errorf("valid platform: %+v %v", p, err)
	}
}

func TestMapSupplyProduct(t *testing.T) {
	base := domain.SupplyProduct{ID: "p1", Title: " Kettle ", Currency: "CNY", SKUs: []domain.SupplySKU{
		{Code: "B", Price: "12.5", WeightG: 900, PackageMM: [3]int64{200, 150, 100}, Stock: 3},
		{Code: "A", Price: "89.00", WeightG: 1200, PackageMM: [3]int64{260, 200, 240}, Stock: 1}}}
	got, err := domain.MapSupplyProduct(base)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Kettle" || len(got.SKUs) != 2 || got.SKUs[0].Code != "A" || got.SKUs[0].Price != money.MustNew(8900, "CNY") ||
		got.SKUs[0].PackageMM != [3]int64{260, 200, 240} ||
		got.SKUs[1].Price != money.MustNew(1250, "CNY") {
		t.Errorf("mapped: %+v", got)
	}
	restocked := base
	restocked.SKUs = slices.Clone(base.SKUs)
	restocked.SKUs[0].Stock = 99
	if again, _ := domain.MapSupplyProduct(restocked); again.Fingerprint != got.Fingerprint {
		t.Error("a stock change moved the fingerprint: stock flows through inventory")
	}
	repriced := base
	repriced.SKUs = slices.Clone(base.SKUs)
	repriced.SKUs[0].Price = "12.51"
	if again, _ := domain.MapSupplyProduct(repriced); again.Fingerprint == got.Fingerprint {
		t.Error("a price change kept the fingerprint")
	}

	bad := []struct {
		name   string
		change func(*domain.SupplyProduct)
	}{
		{"no title", func(p *domain.SupplyProduct) { p.Title = " " }},
		{"no SKUs", func(p *domain.SupplyProduct) { p.SKUs = nil }},
		{"repeated code", func(p *domain.SupplyProduct) { p.SKUs[1].Code = "B" }},
		{"too many places", func(p *domain.SupplyProduct) { p.SKUs[0].Price = "1.234" }},
		{"negative price", func(p *domain.SupplyProduct) { p.SKUs[0].Price = "-1" }},
		{"zero price", func(p *domain.SupplyProduct) { p.SKUs[0].Price = "0.00" }},
		{"no weight", func(p *domain.SupplyProduct) { p.SKUs[0].WeightG = 0 }},
		{"no packed size", func(p *domain.SupplyProduct) { p.SKUs[0].PackageMM[2] = 0 }},
		{"unknown currency", func(p *domain.SupplyProduct) { p.Currency = "XXQ" }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			p.SKUs = slices.Clone(base.SKUs)
			tt.change(&p)
			if _, err := domain.MapSupplyProduct(p); !errors.Is(err, domain.ErrNotImportable) {
				t.Errorf("err = %v, want ErrNotImportable", err)
			}
		})
	}
}

func TestParseSupplyPriceByExponent(t *testing.T) {
	tests := []struct {
		in, currency string
		want         int64
		ok           bool
	}{
		{"12.30", "CNY", 1230, true},
		{"12", "CNY", 1200, true},
		{"1200", "JPY", 1200, true},
		{"12.5", "JPY", 0, false},
		{"12.", "CNY", 0, false},
		{"1.234", "KWD", 1234, true},
		{"abc", "CNY", 0, false},
	}
	for _, tt := range tests {
		got, err := domain.ParseSupplyPrice(tt.in, tt.currency)
		if (err == nil) != tt.ok || (tt.ok && got.Amount != tt.want) {
			t.Errorf("ParseSupplyPrice(%q, %s) = %v, %v", tt.in, tt.currency, got, err)
		}
	}
}

func TestPurchaseLines(t *testing.T) {
	codes := map[string]string{"sku-1": "B", "sku-2": "A", "sku-3": "B"}
	tests := []struct {
		name  string
		lines []domain.PaidLine
		want  []domain.PurchaseLine
		err   error
	}{
		{"sorted by code", []domain.PaidLine{{"sku-1", 2}, {"sku-2", 1}}, []domain.PurchaseLine{{"A", 1}, {"B", 2}}, nil},
		{"one code twice is one line", []domain.PaidLine{{"sku-1", 2}, {"sku-3", 3}}, []domain.PurchaseLine{{"B", 5}}, nil},
		{"a SKU not imported", []domain.PaidLine{{"sku-9", 1}}, nil, domain.ErrSKUNotImported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.PurchaseLines(tt.lines, codes)
			if !errors.Is(err, tt.err) || !slices.Equal(got, tt.want) {
				t.Errorf("= %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
		})
	}
	if _, err := domain.PurchaseLines(nil, codes); err == nil {
		t.Error("no lines accepted")
	}
}

func ptr[T any](v T) *T { return &v }

// An edit changes only what it sets; an account it replaces or removes is
// retired with its key (orders may be under it), one routed to again is
// active again, and a retired account no order needs is dropped at the
// next edit, unless that edit retires it.
func TestSupplyApply(t *testing.T) {
	m1, m2 := uuid.New(), uuid.New()
	registered := func(t *testing.T) domain.SupplyPlatform {
		p, err := domain.NewSupplyPlatform(uuid.New(), supplyPlatform(map[uuid.UUID]domain.SupplyAccount{
			m1: {AccountID: "acc-m1", APIKey: "k1"}, m2: {AccountID: "acc-m2", APIKey: "k2"}}), t0)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	inUse := func(ids ...string) func(string) bool { return func(id string) bool { return slices.Contains(ids, id) } }
	tests := []struct {
		name      string
		before    []domain.SupplyUpdate // applied first, nothing in use
		u         domain.SupplyUpdate
		inUse     func(string) bool
		accounts  map[string]string // merchant ("" the default) → account after the edit
		retired   map[string]string // retired account → its key
		checkKeys map[string]string // account → key after the edit
	}{
		{"a name keeps every account", nil, domain.SupplyUpdate{Name: ptr("Renamed")}, nil,
			map[string]string{"": "acc-default", "m1": "acc-m1", "m2": "acc-m2"}, map[string]string{}, nil},
		{"a key rotation retires nothing", nil, domain.SupplyUpdate{Default: &domain.SupplyAccount{AccountID: "acc-default", APIKey: "k0b"},
			SetMerchants: map[uuid.UUID]domain.SupplyAccount{m1: {AccountID: "acc-m1", APIKey: "k1b"}}}, nil,
			map[string]string{"": "acc-default", "m1": "acc-m1", "m2": "acc-m2"}, map[string]string{}, map[string]string{"acc-default": "k0b", "acc-m1": "k1b"}},
		{"another account for a merchant retires its old one", nil, domain.SupplyUpdate{
			SetMerchants: map[uuid.UUID]domain.SupplyAccount{m1: {AccountID: "acc-m1b", APIKey: "k1b"}}}, nil,
			map[string]string{"": "acc-default", "m1": "acc-m1b", "m2": "acc-m2"}, map[string]string{"acc-m1": "k1"}, nil},
		{"a removed merchant goes to the default", nil, domain.SupplyUpdate{RemoveMerchants: []uuid.UUID{m2, uuid.New()}}, nil,
			map[string]string{"": "acc-default", "m1": "acc-m1", "m2": "acc-default"}, map[string]string{"acc-m2": "k2"}, nil},
		{"another default account", nil, domain.SupplyUpdate{Default: &domain.SupplyAccount{AccountID: "acc-d2", APIKey: "kd2"}}, nil,
			map[string]string{"": "acc-d2", "m1": "acc-m1", "m2": "acc-m2"}, map[string]string{"acc-default": "k0"}, nil},
		{"an account moved to another merchant stays active", nil, domain.SupplyUpdate{
			SetMerchants:    map[uuid.UUID]domain.SupplyAccount{m2: {AccountID: "acc-m1", APIKey: "k1"}},
			RemoveMerchants: []uuid.UUID{m1}}, nil,
			map[string]string{"": "acc-default", "m1": "acc-default", "m2": "acc-m1"}, map[string]string{"acc-m2": "k2"}, nil},
		{"a retired account no order needs is dropped", []domain.SupplyUpdate{{RemoveMerchants: []uuid.UUID{m2}}},
			domain.SupplyUpdate{Name: ptr("Renamed")}, inUse(),
			map[string]string{"": "acc-default", "m1": "acc-m1", "m2": "acc-default"}, map[string]string{}, nil},
		{"a retired account an order needs is kept", []domain.SupplyUpdate{{RemoveMerchants: []uuid.UUID{m2}}},
			domain.SupplyUpdate{Name: ptr("Renamed")}, inUse("acc-m2"),
			map[string]string{"": "acc-default", "m1": "acc-m1", "m2": "acc-default"}, map[string]string{"acc-m2": "k2"}, nil},
		{"a retired account routed to again is active", []domain.SupplyUpdate{{RemoveMerchants: []uuid.UUID{m2}}},
			domain.SupplyUpdate{SetMerchants: map[uuid.UUID]domain.SupplyAccount{m2: {AccountID: "acc-m2", APIKey: "k2b"}}}, inUse("acc-m2"),
			map[string]string{"": "acc-default", "m1": "acc-m1", "m2": "acc-m2"}, map[string]string{}, map[string]string{"acc-m2": "k2b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := registered(t)
			for _, u := range tt.before {
				if err := p.Apply(u, nil, t0); err != nil {
					t.Fatal(err)
				}
			}
			now := t0.Add(time.Hour)
			if err := p.Apply(tt.u, tt.inUse, now); err != nil {
				t.Fatal(err)
			}
			for who, want := range tt.accounts {
				merchant := map[string]uuid.UUID{"": uuid.Nil, "m1": m1, "m2": m2}[who]
				if got := p.AccountFor(merchant).AccountID; got != want {
					t.Errorf("%q is routed to %s, want %s", who, got, want)
				}
			}
			if len(p.Retired) != len(tt.retired) {
				t.Errorf("retired %v, want %v", p.Retired, tt.retired)
			}
			for id, key := range tt.retired {
				if a, ok := p.AccountByID(id); !ok || a.APIKey != key || p.Retired[id].APIKey != key {
					t.Errorf("retired account %s: %v %v, want its key %s", id, a, ok, key)
				}
			}
			for id, key := range tt.checkKeys {
				if a, _ := p.AccountByID(id); a.APIKey != key {
					t.Errorf("account %s has key %q, want %q", id, a.APIKey, key)
				}
			}
			if !p.UpdatedAt.Equal(now) || p.Code != "wholesale" || !p.CreatedAt.Equal(t0) {
				t.Errorf("after the edit: %+v", p)
			}
		})
	}
}

// A refused edit names its bad fields and leaves the platform as it was.
func TestSupplyApplyRefuses(t *testing.T) {
	m := uuid.New()
	p, err := domain.NewSupplyPlatform(uuid.New(), supplyPlatform(map[uuid.UUID]domain.SupplyAccount{m: {AccountID: "acc-m", APIKey: "km"}}), t0)
	if err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprintf("%+v", p)
	for _, tt := range []struct {
		name   string
		u      domain.SupplyUpdate
		fields []string
	}{
		{"no name", domain.SupplyUpdate{Name: ptr("")}, []string{"name"}},
		{"a merchant without a key", domain.SupplyUpdate{SetMerchants: map[uuid.UUID]domain.SupplyAccount{uuid.New(): {AccountID: "acc-n"}}},
			[]string{"merchant_accounts.api_key"}},
		{"a nil merchant", domain.SupplyUpdate{SetMerchants: map[uuid.UUID]domain.SupplyAccount{uuid.Nil: {AccountID: "acc-n", APIKey: "k"}}},
			[]string{"merchant_accounts.merchant_org_id"}},
		{"set and removed", domain.SupplyUpdate{SetMerchants: map[uuid.UUID]domain.SupplyAccount{m: {AccountID: "acc-m", APIKey: "k"}},
			RemoveMerchants: []uuid.UUID{m}}, []string{"remove_merchant_org_ids"}},
		{"another ERP client alone", domain.SupplyUpdate{ERPClientID: ptr("erp-2")}, []string{"erp_private_key"}},
		{"a region outside the country", domain.SupplyUpdate{OriginRegion: ptr("US-CA")}, []string{"defaults.origin_region_code"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Apply(tt.u, nil, t0.Add(time.Hour))
			if got := testkit.Fields(t, err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
			if after := fmt.Sprintf("%+v", p); after != before {
				t.Errorf("a refused edit changed the platform:\n%s\nwas\n%s", after, before)
			}
		})
	}
	if err := p.Apply(domain.SupplyUpdate{ERPClientID: ptr(" erp-1 ")}, nil, t0); err != nil {
		t.Errorf("the same ERP client without a key: %v", err)
	}
}

// A supply platform's endpoint must be https unless the installation
// allows plaintext, as a REST partner's.
func TestSupplyValidateTransport(t *testing.T) {
	for _, tt := range []struct {
		endpoint  string
		plaintext bool
		fields    []string
	}{
		{"https://supply.example/api", false, nil},
		{"http://supply.example/api", false, []string{"endpoint"}},
		{"http://supply-sim:9304", true, nil},
		{"https://supply.example/api", true, nil},
	} {
		p := domain.SupplyPlatform{Endpoint: tt.endpoint}
		if got := testkit.Fields(t, p.ValidateTransport(tt.plaintext)); !slices.Equal(got, tt.fields) {
			t.Errorf("%s with plaintext %v: fields %v, want %v", tt.endpoint, tt.plaintext, got, tt.fields)
		}
	}
}
