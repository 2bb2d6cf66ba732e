package restmarket_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/restmarket"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
	simrest "github.com/crossdock/crossdock/simulators/restmarket"
)

const (
	appKey    = "ak_docking"
	appSecret = "as_docking_secret_0123456789"
)

// market is a REST marketplace served on a loopback port, the partner
// registered for it, and a client.
type market struct {
	*partnersim.Market
	clock   *testkit.Clock
	partner domain.Partner
	client  *restmarket.Client
}

// startMarket serves a marketplace with cfg whose clock starts at now.
func startMarket(t *testing.T, cfg partnersim.MarketConfig, now time.Time) *market {
	t.Helper()
	c := testkit.NewClock(now)
	cfg.Now = c.Now
	m := partnersim.NewMarket(cfg)
	h, err := simrest.New(simrest.Config{AppKey: appKey, AppSecret: appSecret, SellerID: "crossdock-seller", Market: m})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &market{Market: m, clock: c, client: restmarket.New(partnertls.Transport{Plaintext: true}, 2*time.Second), partner: domain.Partner{
		Code: "rest-demo", Protocol: domain.ProtocolRESTMarketplace, Endpoint: srv.URL + "/",
		Credentials: domain.Credentials{AppKey: appKey, AppSecret: appSecret}}}
}

// listing is a listing of sku priced at minor units of currency.
func listing(sku string, minor int64, currency string) domain.Listing {
	return domain.Listing{Marker: domain.Marker(sku), ProductID: "p-" + sku, SKUID: sku, SKUCode: "CODE-" + sku,
		SupplierID: "sup-1", Locale: "en-US", Title: "Tea " + sku, Description: "Loose leaf", Images: []string{"https://img/1.jpg"},
		Attributes: map[string]string{"weight": "100g"}, Price: money.MustNew(minor, currency), Stock: 1000, WeightG: 120}
}

// live pushes a listing through the connector and lets its review pass.
func (m *market) live(t *testing.T, l domain.Listing) {
	t.Helper()
	if _, err := m.client.UpsertListing(t.Context(), m.partner, l); err != nil {
		t.Fatal(err)
	}
	m.clock.Advance(time.Second)
}

// order places a buyer's order of qty of each marker (an empty marker is
// another seller's goods).
func (m *market) order(t *testing.T, paid bool, markers ...string) partnersim.Order {
	t.Helper()
	items := make([]partnersim.ItemInput, 0, len(markers))
	for _, mk := range markers {
		items = append(items, partnersim.ItemInput{Marker: mk, Quantity: 2})
	}
	o, err := m.PlaceOrder("buyer-7", partnersim.Address{Recipient: "Ana Lima", Phone: "+55 11 5555 0000", CountryCode: "BR",
		RegionCode: "BR-SP", City: "São Paulo", Postcode: "01000-000", Lines: []string{"Rua A, 1", "apto 2"}}, items, paid)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
