package mesh

import "net/url"

// Simulator is a party outside the mesh played by a process of its own
// (simulators/): it has no database, and listens on one port, HTTP (probed
// at /healthz) or, for a partner speaking the standard partner protocol,
// gRPC (probed through the standard health service).
type Simulator struct {
	Name    string
	Port    int    // before the offset
	Package string // the binary's Go package, relative to the repository root
	GRPC    bool   // serves gRPC rather than HTTP
	// Admin is whether it serves an admin API (a partner marketplace's:
	// orders placed as its buyers, what it received; a supply platform's
	// back office: the purchase orders by account) on Port + 100.
	Admin bool
}

// PaymentSandbox is the payment provider finance collects top-ups and pays
// out through.
var PaymentSandbox = Simulator{Name: "payment-sandbox", Port: 9300, Package: "./simulators/cmd/payment-sandbox"}

// CarrierSim is the carrier logistics books parcels with and is told where
// they are by.
var CarrierSim = Simulator{Name: "carrier-sim", Port: 9301, Package: "./simulators/cmd/carrier-sim"}

// PartnerSim is the partner marketplace platform-docking docks with over
// the standard partner protocol.
var PartnerSim = Simulator{Name: "partner-sim", Port: 9302, Package: "./simulators/cmd/partner-sim", GRPC: true, Admin: true}

// RestMarketSim is the partner marketplace with a REST API of its own
// (method router, app key and signed parameters) docking docks with too.
var RestMarketSim = Simulator{Name: "rest-market-sim", Port: 9303, Package: "./simulators/cmd/rest-market-sim", Admin: true}

// SupplySim is the supply platform docking imports a supplier's catalogue
// and stock from and places purchase orders with, per merchant account.
var SupplySim = Simulator{Name: "supply-sim", Port: 9304, Package: "./simulators/cmd/supply-sim", Admin: true}

// Simulators lists every simulator the mesh starts, before the services.
var Simulators = []Simulator{PaymentSandbox, CarrierSim, PartnerSim, RestMarketSim, SupplySim}

// marketplaceDemoTimes are the partner simulators' clocks and terms in the
// local mesh: listings reviewed in two seconds and orders settled five
// seconds after they ship (a real platform takes days), so the demo shows a
// whole round in a minute; a 12 % commission and no fixed fee, as the demo
// partners are registered (seed.DemoCommissionBps); what they settled paid
// out to our bank every minute, which docking records as withdrawals. The
// shell may override each.
func marketplaceDemoTimes(prefix string) map[string]string {
	return map[string]string{prefix + "_REVIEW_DELAY": "2s", prefix + "_SETTLEMENT_DELAY": "5s", prefix + "_VISIBILITY_LAG": "2s",
		prefix + "_FEE_BPS": "1200", prefix + "_FIXED_FEE_MINOR": "0", prefix + "_PAYOUT_EVERY": "1m"}
}

// PaymentWebhookPath is the gateway route the payment provider posts its
// webhooks to.
const PaymentWebhookPath = "/v1/webhooks/payment-provider"

// SimulatorAddr is where a simulator listens under the plan.
func (p Plan) SimulatorAddr(s Simulator) string { return loopback(s.Port + p.Offset) }

// simulatorAdminOffset is how far above its API port a partner simulator
// serves its admin API (orders placed as its buyers, what it received).
const simulatorAdminOffset = 100

// SimulatorAdminAddr is where a partner simulator serves its admin API
// under the plan.
func (p Plan) SimulatorAdminAddr(s Simulator) string {
	return loopback(s.Port + simulatorAdminOffset + p.Offset)
}

// PaymentCredentials are the API key finance calls the payment sandbox with
// and the secret the sandbox signs its webhooks with: one pair, given to
// both.
type PaymentCredentials struct {
	APIKey, WebhookSecret string
}

// PaymentProviderEnv is finance's side of the pair: where the provider is
// and its credentials.
func PaymentProviderEnv(p Plan, c PaymentCredentials) map[string]string {
	return map[string]string{
		"PAYMENT_PROVIDER_URL":            "http://" + p.SimulatorAddr(PaymentSandbox),
		"PAYMENT_PROVIDER_API_KEY":        c.APIKey,
		"PAYMENT_PROVIDER_WEBHOOK_SECRET": c.WebhookSecret,
	}
}

// PaymentSandboxEnv is the sandbox process's environment: the defaults and
// the parent's (so `FAIL_RATE=0.1 crossdock up` injects faults), then its
// address, the shared credentials and the gateway's webhook route, which win.
func PaymentSandboxEnv(p Plan, c PaymentCredentials, parent []string) []string {
	addr := p.SimulatorAddr(PaymentSandbox)
	webhookURL, _ := url.JoinPath(p.GatewayURL(), PaymentWebhookPath)
	return merge(nil, parent, map[string]string{
		"PAYMENT_SANDBOX_ADDR":           addr,
		"PAYMENT_SANDBOX_PUBLIC_URL":     "http://" + addr,
		"PAYMENT_SANDBOX_API_KEY":        c.APIKey,
		"PAYMENT_SANDBOX_WEBHOOK_SECRET": c.WebhookSecret,
		"PAYMENT_SANDBOX_WEBHOOK_URL":    webhookURL,
	})
}

// CarrierWebhookPath is the gateway route the carrier simulator posts its
// webhooks to: logistics' webhook endpoint for the carrier coded "sim".
const CarrierWebhookPath = "/v1/webhooks/carriers/sim"

// CarrierCode is the code logistics seeds the simulated carrier under.
const CarrierCode = "sim"

// CarrierTimeScale is how fast the mesh's carrier runs: a simulated day per
// ten seconds, so a demo parcel crosses the world in about a minute.
// Logistics is given the same (its ETAs run on the carrier's clock), so the
// mesh fixes it rather than letting the shell set one side only.
const CarrierTimeScale = "8640"

// CarrierCredentials are the API key logistics calls the carrier simulator
// with and the secret the simulator signs its webhooks with: one pair,
// given to both.
type CarrierCredentials struct {
	APIKey, WebhookSecret string
}

// CarrierSimEnv is the simulator process's environment: the defaults and
// the parent's (so `CARRIER_SIM_LOSE_RATE=0.1 crossdock up` injects
// faults), then its address, the shared credentials, the gateway's webhook
// route and the time scale, which win.
func CarrierSimEnv(p Plan, c CarrierCredentials, parent []string) []string {
	webhookURL, _ := url.JoinPath(p.GatewayURL(), CarrierWebhookPath)
	return merge(nil, parent, map[string]string{
		"CARRIER_SIM_ADDR":           p.SimulatorAddr(CarrierSim),
		"CARRIER_SIM_API_KEY":        c.APIKey,
		"CARRIER_SIM_WEBHOOK_SECRET": c.WebhookSecret,
		"CARRIER_SIM_WEBHOOK_URL":    webhookURL,
		"CARRIER_SIM_TIME_SCALE":     CarrierTimeScale,
	})
}

// LogisticsCarrierEnv is logistics' side of the pair: the carrier it seeds,
// where the simulator is, its credentials, and the simulator's time scale
// (ETAs are computed in the same simulated time).
func LogisticsCarrierEnv(p Plan, c CarrierCredentials) map[string]string {
	return map[string]string{
		"LOGISTICS_SEED_CARRIER_CODE":           CarrierCode,
		"LOGISTICS_SEED_CARRIER_URL":            "http://" + p.SimulatorAddr(CarrierSim),
		"LOGISTICS_SEED_CARRIER_API_KEY":        c.APIKey,
		"LOGISTICS_SEED_CARRIER_WEBHOOK_SECRET": c.WebhookSecret,
		"LOGISTICS_TIME_SCALE":                  CarrierTimeScale,
	}
}

// PartnerCode is the demo partner's code in docking's registry, which the
// partner simulator answers handshakes for.
const PartnerCode = "demo-partner"

// DockingClientID is the client id platform-docking signs its calls to
// partners as (DOCKING_CLIENT_ID); the partner simulator accepts only it.
const DockingClientID = "crossdock"

// PartnerCredentials are the keys of the docking pair: the partner
// simulator's private key (base64 of its Ed25519 seed), whose public half
// its users API client holds, and docking's public key (base64 of 32
// bytes), which the simulator checks docking's calls with.
type PartnerCredentials struct {
	Key, DockingPublicKey string
}

// PartnerSimEnv is the simulator process's environment: the defaults and
// the parent's (so `PARTNER_SIM_REFUSE=true crossdock up` injects a fault),
// then its address, code and keys, docking's client id and where its order
// webhooks go (docking's PartnerService; the simulator learns its own client
// id from docking's verification handshake), which win.
func PartnerSimEnv(p Plan, c PartnerCredentials, parent []string) []string {
	return merge(marketplaceDemoTimes("PARTNER_SIM"), parent, map[string]string{
		"PARTNER_SIM_ADDR":                p.SimulatorAddr(PartnerSim),
		"PARTNER_SIM_CODE":                PartnerCode,
		"PARTNER_SIM_KEY":                 c.Key,
		"PARTNER_SIM_CROSSDOCK_CLIENT_ID": DockingClientID,
		"PARTNER_SIM_CROSSDOCK_KEY":       c.DockingPublicKey,
		"PARTNER_SIM_WEBHOOK_ADDR":        p.Of(Service{Name: PlatformDocking}).GRPC,
	})
}

// RestPartnerCode is the demo REST partner's code in docking's registry.
const RestPartnerCode = "demo-rest-market"

// RestMarketCredentials are the app key and secret the REST marketplace
// simulator issued to Crossdock's seller account: the simulator checks
// signatures with them, docking's registry holds them sealed.
type RestMarketCredentials struct {
	AppKey, AppSecret string
}

// RestMarketSimEnv is the REST simulator's environment: the demo times and
// the parent's (so `REST_MARKET_SIM_RATE_LIMIT=0.2 crossdock up` injects
// faults), then its address and the credentials, which win.
func RestMarketSimEnv(p Plan, c RestMarketCredentials, parent []string) []string {
	return merge(marketplaceDemoTimes("REST_MARKET_SIM"), parent, map[string]string{
		"REST_MARKET_SIM_ADDR":       p.SimulatorAddr(RestMarketSim),
		"REST_MARKET_SIM_APP_KEY":    c.AppKey,
		"REST_MARKET_SIM_APP_SECRET": c.AppSecret,
	})
}

// SupplyPlatformCode is the demo supply platform's code in docking's
// registry.
const SupplyPlatformCode = "demo-supply"

// SupplyShipAfter is how long after a purchase order the mesh's supply
// simulator ships it: seconds rather than its default minute, so the demo
// shows a waybill while one watches. The shell may override it.
const SupplyShipAfter = "10s"

// The demo supply platform's account ids: Crossdock's default account and
// the one the demo merchant (seed.MerchantEmail's organization) buys
// through.
const (
	SupplyDefaultAccount  = "crossdock-default"
	SupplyMerchantAccount = "lisboa-corner-shop"
)

// SupplyCredentials are the supply simulator's accounts and their API
// keys: the default account, which places buyers' orders and reads the
// catalogue, and the demo merchant's own. The simulator knows them
// (SUPPLY_SIM_ACCOUNTS); docking's registration holds them sealed.
type SupplyCredentials struct {
	DefaultAccount, DefaultKey   string
	MerchantAccount, MerchantKey string
}

// SupplySimEnv is the supply simulator's environment: the demo's shipping
// delay and the parent's (so `SUPPLY_SIM_RATE_LIMIT=0.2 crossdock up`
// injects faults), then its address and accounts, which win.
func SupplySimEnv(p Plan, c SupplyCredentials, parent []string) []string {
	return merge(map[string]string{"SUPPLY_SIM_SHIP_AFTER": SupplyShipAfter}, parent, map[string]string{
		"SUPPLY_SIM_ADDR":     p.SimulatorAddr(SupplySim),
		"SUPPLY_SIM_ACCOUNTS": c.DefaultAccount + ":" + c.DefaultKey + "," + c.MerchantAccount + ":" + c.MerchantKey,
	})
}
