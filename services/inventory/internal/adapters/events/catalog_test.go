package events_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/events"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
	"github.com/crossdock/crossdock/services/inventory/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The catalog's events travel the way they do in production: written to an
// outbox (the catalog's, here a database of its own), published by the relay
// to the CATALOG stream on a real embedded JetStream, and applied by the
// inventory's inbox consumer.
func TestCatalogEventsShapeTheSKUDirectory(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, nc, js := testkit.JetStream(t)
	log := testkit.Logger(t)

	catalogDB := testkit.Database(t, testkit.Migrations{Name: "catalog-outbox"})
	relay := &outbox.Relay{Pool: catalogDB, JS: js, Log: log}
	publish := func(subject string, msg proto.Message) uuid.UUID {
		t.Helper()
		ev, err := outbox.New(subject, msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := pgx.BeginFunc(ctx, catalogDB, func(tx pgx.Tx) error { return outbox.Add(ctx, tx, ev) }); err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}

	pool := testkit.Database(t, testkit.Migrations{Name: "inventory", FS: migrations.FS})
	store := postgres.New(pool)
	svc := app.New(store, app.DefaultConfig())
	consumer := &events.Catalog{Pool: pool, JS: js, Log: log, Store: store, App: svc, Backoff: []time.Duration{50 * time.Millisecond}}
	done := make(chan struct{})
	lookedForStream := testkit.WatchStreamLookups(t, nc, "CATALOG")
	go func() { defer close(done); _ = consumer.Run(ctx) }() // waits for the stream
	t.Cleanup(func() { cancel(); <-done })
	go func() { _ = relay.Run(ctx) }()

	lookedForStream() // and found none: the catalog has not created its stream yet
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("catalog")); err != nil {
		t.Fatal(err)
	}

	supplierID, productID, skuID := uuid.New(), uuid.New(), uuid.New()
	created := publish(events.SubjectSkuCreated, &catalogv1.SkuCreated{
		SkuId: skuID.String(), ProductId: productID.String(), SupplierId: supplierID.String(), SkuCode: "TEE-RED-M",
		OccurredAt: timestamppb.Now(),
	})
	eventually(t, func() bool { _, err := store.GetSKU(ctx, skuID); return err == nil }, "the SKU never reached the directory")
	sku, _ := store.GetSKU(ctx, skuID)
	if sku.SupplierID != supplierID || sku.ProductID != productID || sku.Code != "TEE-RED-M" || !sku.Reservable {
		t.Errorf("sku = %+v", sku)
	}

	// The supplier can now stock it and sync it by its code; orders can reserve it.
	sup := auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: supplierID.String()}
	w, err := svc.CreateWarehouse(ctx, sup, domain.WarehouseInput{Name: "W", Kind: domain.WarehouseSupplier, CountryCode: "CN", RegionCode: "CN-GD"}, "")
	if err != nil {
		t.Fatal(err)
	}
	results, err := svc.SyncStock(ctx, sup, app.SyncInput{SyncID: "s", WarehouseID: w.ID, Lines: []domain.SyncLine{{Code: "TEE-RED-M", OnHand: 1000}}})
	if err != nil || results[0].Status != domain.SyncApplied || results[0].SKUID != skuID.String() {
		t.Fatalf("sync = %+v, %v", results, err)
	}
	orders := auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	reserve := func(order string) error {
		_, err := svc.Reserve(ctx, orders, app.ReserveInput{OrderID: order, Lines: []domain.OrderLine{{SKUID: skuID, Quantity: 1}}})
		return err
	}
	if err := reserve("o1"); err != nil {
		t.Fatal(err)
	}

	// A redelivered SkuCreated (same event id, fresh message id) changes nothing.
	if err := relay.Republish(ctx, created); err != nil {
		t.Fatal(err)
	}

	// Deleted: reservations are refused. Restored: accepted again.
	publish(events.SubjectProductDeleted, &catalogv1.ProductDeleted{
		ProductId: productID.String(), SupplierId: supplierID.String(), SkuIds: []string{skuID.String()}, OccurredAt: timestamppb.Now(),
	})
	// Each poll is a new order: a reservation made before the delete applied
	// would answer its repeats from the reservation it made.
	eventually(t, func() bool { return errors.Is(reserve(uuid.NewString()), domain.ErrSKUNotReservable) }, "the delete was not applied")
	publish(events.SubjectProductRestored, &catalogv1.ProductRestored{
		ProductId: productID.String(), SupplierId: supplierID.String(), SkuIds: []string{skuID.String()}, OccurredAt: timestamppb.Now(),
	})
	eventually(t, func() bool { return reserve(uuid.NewString()) == nil }, "the restore was not applied")

	var applied int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM inbox WHERE consumer = $1", events.CatalogConsumerName).Scan(&applied); err != nil || applied != 3 {
		t.Errorf("inbox rows = %d, %v; want 3 (the republished event once)", applied, err)
	}

	// A payload that cannot decode is dead-lettered, not retried forever.
	bad := nats.NewMsg(events.SubjectSkuCreated)
	bad.Data = []byte{0xff, 0xff, 0xff}
	bad.Header.Set(natsx.HeaderEventID, uuid.NewString())
	bad.Header.Set(natsx.HeaderMsgID, uuid.NewString())
	if _, err := js.PublishMsg(ctx, bad); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool {
		dead, err := inbox.ListDeadLetters(ctx, js, events.CatalogConsumerName)
		return err == nil && len(dead) == 1
	}, "the undecodable event was not dead-lettered")
}

func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
