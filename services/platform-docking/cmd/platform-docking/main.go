// Command platform-docking runs the platform-docking service: the registry
// of partner platforms with their terms and sealed credentials, the
// handshake that verifies a partner's endpoint and keys, the partner-facing
// API partners and supplier ERPs call with signed requests, and the jobs
// that dock: product push, order pull, waybill return and settlement
// reconciliation; and the supply platforms docked as suppliers (catalogue and stock import,
// purchase orders placed under merchants' accounts).
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/events"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/marketplace"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/restmarket"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/supplyapi"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/services/platform-docking/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
)

// Config is the service's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// SecretsKey seals partners' credentials at rest (AES-256-GCM): the
	// base64 of 32 bytes, or key-encryption keys "kid:base64key,..." whose
	// first seals and all open, for a rotation.
	SecretsKey string `env:"DOCKING_SECRETS_KEY" secret:"true"`
	// SigningKey is docking's own Ed25519 key, which signs every call to a
	// partner: the base64 of its 32-byte seed, or PKCS#8 PEM.
	SigningKey string `env:"DOCKING_SIGNING_KEY" secret:"true"`
	// ClientID is the client id docking signs its calls to partners as;
	// partners know it, with docking's public key.
	ClientID string `env:"DOCKING_CLIENT_ID" envDefault:"crossdock"`
	// PartnerTimeout bounds one call to a partner.
	PartnerTimeout time.Duration `env:"DOCKING_PARTNER_TIMEOUT" envDefault:"10s"`
	// PartnerPlaintext allows partners and supply platforms without TLS,
	// for development against the simulators: standard-protocol partners
	// are dialled in plaintext, and REST partners and supply platforms may
	// have http endpoints. Never in production.
	PartnerPlaintext bool `env:"DOCKING_PARTNER_PLAINTEXT" envDefault:"false"`
	// PartnerCAFile names a PEM file of certificate authorities trusted for
	// partners' and supply platforms' certificates besides the system's,
	// for those certified by a private CA.
	PartnerCAFile string `env:"DOCKING_PARTNER_CA_FILE"`
	// CatalogAddr is the catalog's gRPC server (products to push).
	CatalogAddr string `env:"CATALOG_ADDR" envDefault:"127.0.0.1:9102"`
	// OrdersAddr is the orders service (partner orders placed).
	OrdersAddr string `env:"ORDERS_ADDR" envDefault:"127.0.0.1:9104"`
	// FinanceAddr is finance (settlement lines credited).
	FinanceAddr string `env:"FINANCE_ADDR" envDefault:"127.0.0.1:9106"`
	// InventoryAddr is inventory (supply platforms' stock synced, as their
	// supplier's ERP; the stock levels supplier ERPs push).
	InventoryAddr string `env:"INVENTORY_ADDR" envDefault:"127.0.0.1:9103"`
	// SupplyImportEvery and SupplyStockEvery pace each supply platform's
	// catalogue import and stock sync; SupplyTrackEvery is how often a
	// placed purchase order is read back for its waybill.
	SupplyImportEvery time.Duration `env:"DOCKING_SUPPLY_IMPORT_EVERY" envDefault:"1m"`
	SupplyStockEvery  time.Duration `env:"DOCKING_SUPPLY_STOCK_EVERY" envDefault:"5m"`
	SupplyTrackEvery  time.Duration `env:"DOCKING_SUPPLY_TRACK_EVERY" envDefault:"5m"`
	// Round is how often the jobs look for work (queued pushes, waybills,
	// due pulls).
	Round time.Duration `env:"DOCKING_ROUND" envDefault:"2s"`
	// RoundGap is the least time between rounds asked for by events (a
	// stock change, a paid order): the events of a busy store share rounds.
	RoundGap time.Duration `env:"DOCKING_ROUND_GAP" envDefault:"250ms"`
	// StockPushDelay is how long a listed product waits after a stock
	// change before its push, so a busy product's changes share one.
	StockPushDelay time.Duration `env:"DOCKING_STOCK_PUSH_DELAY" envDefault:"2s"`
	// PullEvery is how often each partner's orders are pulled.
	PullEvery time.Duration `env:"DOCKING_PULL_EVERY" envDefault:"30s"`
	// SettleEvery is how often each partner's settlement lines are pulled.
	SettleEvery time.Duration `env:"DOCKING_SETTLE_EVERY" envDefault:"5m"`
	// PullLag keeps each pull's window this far behind now: at least the
	// partners' visibility lag.
	PullLag time.Duration `env:"DOCKING_PULL_LAG" envDefault:"2m"`
	// PullOverlap is how much of the previous window each pull reads
	// again, for orders that appeared late or slipped between pages.
	PullOverlap time.Duration `env:"DOCKING_PULL_OVERLAP" envDefault:"30m"`
	// Lookback is how long before its registration a partner's first pull
	// starts.
	Lookback time.Duration `env:"DOCKING_LOOKBACK" envDefault:"24h"`
	// Retry is how long a failed push or waybill waits before the next
	// attempt (doubling per attempt for waybills, at most an hour).
	Retry time.Duration `env:"DOCKING_RETRY" envDefault:"30s"`
}

// secretsRing reads DOCKING_SECRETS_KEY.
func (c Config) secretsRing() (*kek.Ring, error) { return kek.ParseSetting(c.SecretsKey) }

// partnerTransport reads DOCKING_PARTNER_PLAINTEXT and DOCKING_PARTNER_CA_FILE.
func (c Config) partnerTransport() (partnertls.Transport, error) {
	return partnertls.Load(c.PartnerPlaintext, c.PartnerCAFile)
}

// Validate checks the service's own settings; errors never quote a key.
func (c Config) Validate() error {
	var errs []error
	if _, err := c.secretsRing(); err != nil {
		errs = append(errs, fmt.Errorf("DOCKING_SECRETS_KEY must be the base64 of 32 bytes (or kid:base64key,...): %w", err))
	}
	if _, err := auth.ParseRequestPrivateKey(c.SigningKey); err != nil {
		errs = append(errs, errors.New("DOCKING_SIGNING_KEY must be the base64 of a 32-byte Ed25519 seed, or PKCS#8 PEM"))
	}
	if c.ClientID == "" || len(c.ClientID) > 128 {
		errs = append(errs, errors.New("DOCKING_CLIENT_ID must be 1 to 128 characters"))
	}
	if _, err := c.partnerTransport(); err != nil {
		errs = append(errs, fmt.Errorf("DOCKING_PARTNER_CA_FILE: %w", err))
	}
	for name, d := range map[string]time.Duration{"DOCKING_PARTNER_TIMEOUT": c.PartnerTimeout, "DOCKING_ROUND": c.Round,
		"DOCKING_PULL_EVERY": c.PullEvery, "DOCKING_SETTLE_EVERY": c.SettleEvery, "DOCKING_RETRY": c.Retry,
		"DOCKING_SUPPLY_IMPORT_EVERY": c.SupplyImportEvery, "DOCKING_SUPPLY_STOCK_EVERY": c.SupplyStockEvery, "DOCKING_SUPPLY_TRACK_EVERY": c.SupplyTrackEvery} {
		if d <= 0 {
			errs = append(errs, errors.New(name+" must be positive"))
		}
	}
	for name, d := range map[string]time.Duration{"DOCKING_PULL_LAG": c.PullLag, "DOCKING_PULL_OVERLAP": c.PullOverlap, "DOCKING_LOOKBACK": c.Lookback} {
		if d < 0 {
			errs = append(errs, errors.New(name+" must not be negative"))
		}
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("platform-docking", run(ctx))
}

// apiClientKeysTTL is how long a partner's API client keys are trusted
// for handshakes without asking users again.
const apiClientKeysTTL = 30 * time.Second

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	ring, _ := cfg.secretsRing()                                 // checked by Validate
	signingKey, _ := auth.ParseRequestPrivateKey(cfg.SigningKey) // checked by Validate
	transport, _ := cfg.partnerTransport()                       // checked by Validate
	rt, err := service.New(ctx, service.Spec{
		Name:       "platform-docking",
		Stream:     natsx.AreaStream("docking"),
		Migrations: migrations.FS,
		// Partners call PartnerService with signed requests; operators call
		// DockingService with access tokens.
		SignedRequests: true,
		Settings:       cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	keys := auth.UsersKeyLookup(usersv1.NewUsersServiceClient(rt.Users), apiClientKeysTTL,
		grpc.PerRPCCredentials(rt.ServiceTokens.PerRPCCredentials()))
	if transport.Plaintext {
		rt.Log.Warn("partners and supply platforms may be reached without TLS (DOCKING_PARTNER_PLAINTEXT): for development only")
	}
	signer := marketplace.Signer{ClientID: cfg.ClientID, Key: signingKey}
	handshakers := map[domain.Protocol]app.Handshaker{
		domain.ProtocolStandardGRPC: marketplace.NewHandshaker(signer, cfg.PartnerTimeout, transport),
	}
	// One connector per protocol: the standard protocol's keeps a
	// connection per partner endpoint; the REST marketplaces' is HTTPS with
	// the partner's app key and secret. Both take the same transport.
	standard := marketplace.NewConnector(signer, cfg.PartnerTimeout, transport)
	defer standard.Close()
	rest := restmarket.New(transport, cfg.PartnerTimeout)
	connectors := map[domain.Protocol]app.Connector{
		domain.ProtocolStandardGRPC:    standard.App(),
		domain.ProtocolRESTMarketplace: rest.App(),
	}
	peerConns := map[string]string{"CATALOG_ADDR": cfg.CatalogAddr, "ORDERS_ADDR": cfg.OrdersAddr, "FINANCE_ADDR": cfg.FinanceAddr,
		"INVENTORY_ADDR": cfg.InventoryAddr}
	dialed := map[string]*grpc.ClientConn{}
	for name, addr := range peerConns {
		conn, err := rt.DialPeer(addr)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer conn.Close()
		dialed[name] = conn
	}
	partners := postgres.New(rt.Pool, ring)
	catalog := peers.Catalog{Client: catalogv1.NewCatalogServiceClient(dialed["CATALOG_ADDR"])}
	orders := peers.Orders{Client: ordersv1.NewOrdersServiceClient(dialed["ORDERS_ADDR"])}
	tradeStore, supplyStore := postgres.NewTrade(rt.Pool), postgres.NewSupply(rt.Pool, ring)
	trade := app.NewTrade(partners, tradeStore, connectors, catalog, orders,
		peers.Finance{Client: financev1.NewEscrowServiceClient(dialed["FINANCE_ADDR"])},
		app.Timing{Round: cfg.Round, RoundGap: cfg.RoundGap, PullEvery: cfg.PullEvery, SettleEvery: cfg.SettleEvery,
			Pull: domain.PullTiming{Lag: cfg.PullLag, Overlap: cfg.PullOverlap}, Lookback: cfg.Lookback, Retry: cfg.Retry}, rt.Log)
	// Supply platforms dock in the same rounds, their API reached over the
	// partners' transport. Their catalogue and stock calls are signed as
	// each platform's ERP API client over the peers' connections (a signed
	// call is checked as the ERP, not as docking).
	trade.WithSupply(app.NewSupply(supplyStore, supplyapi.New(transport, cfg.PartnerTimeout),
		peers.SupplyCatalog{Catalog: dialed["CATALOG_ADDR"], Inventory: dialed["INVENTORY_ADDR"]}, orders,
		app.SupplyTiming{ImportEvery: cfg.SupplyImportEvery, StockEvery: cfg.SupplyStockEvery, TrackEvery: cfg.SupplyTrackEvery, Retry: cfg.Retry}, rt.Log,
		app.WithPlaintextSupply(transport.Plaintext)))
	registry := app.New(partners, handshakers, keys, app.WithPlaintextPartners(transport.Plaintext),
		app.WithCredentialCheckers(map[domain.Protocol]app.CredentialChecker{domain.ProtocolRESTMarketplace: rest}))
	// Supplier ERPs' calls are relayed as docking's service account, naming
	// the ERP's supplier, to the services that own stock and sub-orders.
	erp := app.NewERP(peers.Inventory{Client: inventoryv1.NewInventoryServiceClient(dialed["INVENTORY_ADDR"])}, orders, catalog)
	grpcapi.Register(rt.Server.GRPC(), registry, trade, erp)

	// Workers start once the database is migrated and the streams exist.
	for _, c := range (events.Consumers{Nudge: trade.Nudge, StockPushDelay: cfg.StockPushDelay}).All() {
		rt.Consume(c)
	}
	rt.Go("docking-jobs", trade.Run)
	rt.ObserveFailingSteps("partner_orders", tradeStore.FailingPartnerOrders, "held")
	rt.ObserveFailingSteps("waybills", tradeStore.FailingWaybills, "retrying", "held")
	rt.ObserveFailingSteps("supply_orders", supplyStore.FailingSupplyOrders, "retrying", "held")
	rt.ObserveFailingSteps("supply_jobs", supplyStore.FailingSupplyJobs, app.SupplyJobKinds...)
	rt.ObserveFailingSteps("supply_reviews", supplyStore.OverdueSupplyReviews, "overdue")
	rt.ObserveFailingSteps("supply_products", supplyStore.RefusedSupplyProducts, "refused")
	rt.ObserveFailingSteps("partner_jobs", tradeStore.FailingPartnerJobs, app.PartnerJobKinds...)
	rt.ObserveFailingSteps("pushes", tradeStore.FailingPushes, "retrying")
	rt.ObserveFailingSteps("pull_requests", tradeStore.FailingPullRequests, "retrying")
	rt.ObserveFailingSteps("partner_payouts", tradeStore.FailingPartnerPayouts, "unrecorded", "unreadable")
	return rt.Run(ctx)
}
