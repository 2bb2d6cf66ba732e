// Command orders runs the orders service: the buyer's cart, checkout into a
// pending order split by supplier and product type, payment into escrow,
// the sub-orders' fulfilment and settlement, orders from partner channels,
// coupon campaigns and their coupons (served beside the orders API),
// returns and exchanges, and the saga (a task runner and inbox consumers)
// that carries each order through them; beside them, the sales figures
// kept from its own order events by their own consumer.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	financev1 "github.com/crossdock/crossdock/gen/crossdock/finance/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/config"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/events"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/peers"
	"github.com/crossdock/crossdock/services/orders/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/orders/migrations"
)

// Config is the service's configuration: the kit's settings plus its own.
type Config struct {
	service.Config
	// CatalogAddr is the catalog's gRPC server (SKUs and prices).
	CatalogAddr string `env:"CATALOG_ADDR" envDefault:"127.0.0.1:9102"`
	// InventoryAddr is inventory's gRPC server (availability, reservations).
	InventoryAddr string `env:"INVENTORY_ADDR" envDefault:"127.0.0.1:9103"`
	// LogisticsAddr is logistics' gRPC server (parcels).
	LogisticsAddr string `env:"LOGISTICS_ADDR" envDefault:"127.0.0.1:9105"`
	// FinanceAddr is finance's gRPC server (quotes, payment, escrow).
	FinanceAddr string `env:"FINANCE_ADDR" envDefault:"127.0.0.1:9106"`
	// FreightAddr is the freight estimator's gRPC server.
	FreightAddr string `env:"FREIGHT_ESTIMATOR_ADDR" envDefault:"127.0.0.1:9107"`
	// PaymentTimeout is how long a placed order waits for payment before
	// it is cancelled and its stock released.
	PaymentTimeout time.Duration `env:"PAYMENT_TIMEOUT" envDefault:"30m"`
	// AutoComplete is how long after delivery a sub-order completes unless
	// the buyer confirms receipt first.
	AutoComplete time.Duration `env:"ORDERS_AUTO_COMPLETE" envDefault:"168h"`
	// FulfilmentHold is how long a paid order's stock stays reserved for
	// its supplier to ship; a sub-order not shipped by then is cancelled
	// and refunded.
	FulfilmentHold time.Duration `env:"ORDERS_FULFILMENT_HOLD" envDefault:"720h"`
	// PaymentSettle is how long after a payment started the deadline waits
	// before asking finance whether it went through.
	PaymentSettle time.Duration `env:"ORDERS_PAYMENT_SETTLE" envDefault:"1m"`
	// AfterSaleWindow is how long after delivery a buyer may ask for a
	// return or an exchange.
	AfterSaleWindow time.Duration `env:"ORDERS_AFTER_SALE_WINDOW" envDefault:"336h"`
	// ReturnReceipt is how long after the carrier delivered a return
	// parcel to its supplier the goods count as received, unless the
	// supplier confirmed them first.
	ReturnReceipt time.Duration `env:"ORDERS_RETURN_RECEIPT" envDefault:"168h"`
	// ReturnSendBy is how long after approval a request's goods may be
	// sent back before its return parcel, never picked up, is cancelled.
	ReturnSendBy time.Duration `env:"ORDERS_RETURN_SEND_BY" envDefault:"336h"`
	// ExternalDelivery is how long after a sub-order shipped outside our
	// logistics (its supplier's own carrier, a supply platform's) it counts
	// as delivered unless the buyer confirms receipt first.
	ExternalDelivery time.Duration `env:"ORDERS_EXTERNAL_DELIVERY" envDefault:"360h"`
	// QuoteReuse is how long one FX quote prices the checkouts of its
	// currency pair (0: a quote per checkout); its rate is locked that much
	// longer than an order needs.
	QuoteReuse time.Duration `env:"ORDERS_QUOTE_REUSE" envDefault:"1m"`
	// WorkInterval is how often due saga steps are looked for when there
	// is nothing to do.
	WorkInterval time.Duration `env:"ORDERS_WORK_INTERVAL" envDefault:"1s"`
}

// Validate checks the service's own settings.
func (c Config) Validate() error {
	var errs []error
	if c.PaymentTimeout < 10*time.Second || c.PaymentTimeout > 23*time.Hour {
		errs = append(errs, errors.New("PAYMENT_TIMEOUT must be between 10s and 23h (finance locks a rate for at most a day)"))
	}
	if c.FulfilmentHold < time.Hour || c.FulfilmentHold > 720*time.Hour {
		errs = append(errs, errors.New("ORDERS_FULFILMENT_HOLD must be between 1h and 720h"))
	}
	if c.AutoComplete <= 0 || c.PaymentSettle <= 0 || c.WorkInterval <= 0 || c.AfterSaleWindow <= 0 || c.ExternalDelivery <= 0 || c.ReturnReceipt <= 0 || c.ReturnSendBy <= 0 {
		errs = append(errs, errors.New("ORDERS_AUTO_COMPLETE, ORDERS_PAYMENT_SETTLE, ORDERS_AFTER_SALE_WINDOW, ORDERS_EXTERNAL_DELIVERY, ORDERS_RETURN_RECEIPT, ORDERS_RETURN_SEND_BY and ORDERS_WORK_INTERVAL must be positive"))
	}
	if c.QuoteReuse < 0 || c.QuoteReuse > 10*time.Minute {
		errs = append(errs, errors.New("ORDERS_QUOTE_REUSE must be between 0 and 10m"))
	} else if c.PaymentTimeout+c.PaymentSettle+c.QuoteReuse > 24*time.Hour {
		errs = append(errs, errors.New("PAYMENT_TIMEOUT, ORDERS_PAYMENT_SETTLE and ORDERS_QUOTE_REUSE together must not exceed 24h (finance locks a rate for at most a day)"))
	}
	return errors.Join(errs...)
}

func main() {
	ctx, stop := service.SignalContext()
	defer stop()
	service.Exit("orders", run(ctx))
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	rt, err := service.New(ctx, service.Spec{
		Name:       "orders",
		Stream:     natsx.AreaStream("orders"),
		Migrations: migrations.FS,
		Settings:   cfg,
	}, cfg.Config)
	if err != nil {
		return err
	}
	conns := map[string]string{"CATALOG_ADDR": cfg.CatalogAddr, "INVENTORY_ADDR": cfg.InventoryAddr, "USERS_ADDR": cfg.Auth.UsersAddr,
		"LOGISTICS_ADDR": cfg.LogisticsAddr, "FINANCE_ADDR": cfg.FinanceAddr, "FREIGHT_ESTIMATOR_ADDR": cfg.FreightAddr}
	dialed := map[string]*grpc.ClientConn{}
	for name, addr := range conns {
		conn, err := rt.DialPeer(addr)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer conn.Close()
		dialed[name] = conn
	}

	store := postgres.New(rt.Pool)
	svc := app.New(store, app.Peers{
		Catalog:   peers.Catalog{Client: catalogv1.NewCatalogServiceClient(dialed["CATALOG_ADDR"])},
		Inventory: peers.Inventory{Client: inventoryv1.NewInventoryServiceClient(dialed["INVENTORY_ADDR"])},
		Users:     peers.Users{Client: usersv1.NewUsersServiceClient(dialed["USERS_ADDR"])},
		Freight:   peers.Freight{Client: freightv1.NewFreightServiceClient(dialed["FREIGHT_ESTIMATOR_ADDR"])},
		Finance: peers.Finance{FX: financev1.NewFinanceServiceClient(dialed["FINANCE_ADDR"]),
			Escrows: financev1.NewEscrowServiceClient(dialed["FINANCE_ADDR"])},
		Logistics: peers.Logistics{Client: logisticsv1.NewLogisticsServiceClient(dialed["LOGISTICS_ADDR"])},
	}, app.Config{PaymentTimeout: cfg.PaymentTimeout, FulfilmentHold: cfg.FulfilmentHold, AutoComplete: cfg.AutoComplete, ExternalDelivery: cfg.ExternalDelivery, PaymentSettle: cfg.PaymentSettle,
		AfterSaleWindow: cfg.AfterSaleWindow, ReturnReceipt: cfg.ReturnReceipt, ReturnSendBy: cfg.ReturnSendBy, QuoteReuse: cfg.QuoteReuse})
	grpcapi.New(svc).Register(rt.Server.GRPC())
	grpcapi.NewAfterSale(svc).Register(rt.Server.GRPC())
	salesStore := postgres.NewSales(rt.Pool)
	sales := app.NewSales(salesStore, svc.Catalog, peers.Supply{Client: inventoryv1.NewInventoryServiceClient(dialed["INVENTORY_ADDR"])})
	grpcapi.NewSales(sales).Register(rt.Server.GRPC())

	// Workers start once the database is migrated and the stream exists.
	for _, c := range (events.Consumers{Service: svc, Repo: func(tx pgx.Tx) app.Repository { return store.WithTx(tx) }}).All() {
		rt.Consume(c)
	}
	rt.Consume(events.SalesConsumer{Sales: sales, Repo: salesStore.WithTx}.Consumer())
	rt.Go("saga", func(ctx context.Context) error { return svc.RunSaga(ctx, cfg.WorkInterval, rt.Log) })
	rt.ObserveFailingSteps("saga", store.FailingSteps, app.TaskKindNames()...)
	rt.ObserveFailingSteps("after_sales", store.OverdueReturnParcels(cfg.ReturnSendBy, app.ReturnParcelOverdue), "return_parcel_overdue")
	return rt.Run(ctx)
}
