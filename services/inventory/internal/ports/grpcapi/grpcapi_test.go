package grpcapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
	"github.com/crossdock/crossdock/services/inventory/internal/ports/grpcapi"
	"github.com/crossdock/crossdock/services/inventory/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

type env struct {
	client inventoryv1.InventoryServiceClient
	svc    *app.Service
	store  *postgres.Store
	key    auth.SigningKey
}

// start runs the real gRPC server (the kit's interceptors plus token
// authentication with the contract's public methods) on a loopback port.
func start(t *testing.T) *env {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "inventory", FS: migrations.FS})
	store := postgres.New(pool)
	svc := app.New(store, app.DefaultConfig())
	key, keys := testkit.SigningKey(t)
	conn := testkit.ServeAPI(t, "inventory", keys, grpcapi.PublicMethods, grpcapi.New(svc).Register)
	return &env{client: inventoryv1.NewInventoryServiceClient(conn), svc: svc, store: store, key: key}
}

// as returns a context carrying an access token for c.
func (e *env) as(t *testing.T, c auth.Caller) context.Context {
	t.Helper()
	return testkit.As(t, e.key, c)
}

func wantCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	if got := status.Code(err); got != code {
		t.Fatalf("code = %v (%v), want %v", got, err, code)
	}
}

// violations returns the BadRequest fields of an error, sorted.
func violations(err error) []string {
	var out []string
	st, _ := status.FromError(err)
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestInventoryOverGRPC(t *testing.T) {
	e := start(t)
	orgID := uuid.New()
	sup := e.as(t, auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: orgID.String()})
	svc := e.as(t, auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}})
	skuID := uuid.New()
	err := e.store.InTx(context.Background(), func(r app.Repository) error {
		return e.svc.HandleSKUCreated(context.Background(), r, app.SKUCreated{SKUID: skuID, ProductID: uuid.New(), SupplierID: orgID, Code: "A-1"})
	})
	if err != nil {
		t.Fatal(err)
	}

	wr, err := e.client.CreateWarehouse(sup, &inventoryv1.CreateWarehouseRequest{
		Name: "Shenzhen", Kind: inventoryv1.WarehouseKind_WAREHOUSE_KIND_SUPPLIER, CountryCode: "cn", RegionCode: "cn-gd",
	})
	if err != nil {
		t.Fatal(err)
	}
	w := wr.GetWarehouse()
	if w.GetSupplierId() != orgID.String() || w.GetCountryCode() != "CN" || w.GetKind() != inventoryv1.WarehouseKind_WAREHOUSE_KIND_SUPPLIER {
		t.Errorf("warehouse = %v", w)
	}
	// A creation's key comes in the request or, over REST, as the
	// Idempotency-Key header the gateway forwards: both name one warehouse.
	keyed := &inventoryv1.CreateWarehouseRequest{Name: "Dongguan", Kind: inventoryv1.WarehouseKind_WAREHOUSE_KIND_SUPPLIER,
		CountryCode: "CN", RegionCode: "CN-GD", IdempotencyKey: "wh-2"}
	first, err := e.client.CreateWarehouse(sup, keyed)
	if err != nil {
		t.Fatal(err)
	}
	keyed.IdempotencyKey = ""
	again, err := e.client.CreateWarehouse(metadata.AppendToOutgoingContext(sup, "idempotency-key", "wh-2"), keyed)
	if err != nil || again.GetWarehouse().GetWarehouseId() != first.GetWarehouse().GetWarehouseId() {
		t.Errorf("the same creation keyed by the header = %v, %v; want %s", again, err, first.GetWarehouse().GetWarehouseId())
	}
	sync, err := e.client.SyncStock(sup, &inventoryv1.SyncStockRequest{SyncId: "1", WarehouseId: w.GetWarehouseId(),
		Lines: []*inventoryv1.SyncLine{{SkuCode: "A-1", OnHand: 5}, {SkuCode: "B-2", OnHand: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := sync.GetResults(); r[0].GetStatus() != inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_APPLIED ||
		r[1].GetStatus() != inventoryv1.SyncLineStatus_SYNC_LINE_STATUS_REJECTED || r[1].GetMessage() == "" {
		t.Errorf("sync = %v", r)
	}

	// Availability is public: no token needed.
	avail, err := e.client.GetAvailability(context.Background(), &inventoryv1.GetAvailabilityRequest{SkuIds: []string{skuID.String()}})
	if err != nil || avail.GetAvailability()[0].GetAvailable() != 5 {
		t.Fatalf("availability = %v, %v", avail, err)
	}

	// Reservations are for services.
	req := &inventoryv1.ReserveRequest{OrderId: "order-1", Lines: []*inventoryv1.OrderLine{{SkuId: skuID.String(), Quantity: 2}}, Ttl: durationpb.New(time.Hour)}
	_, err = e.client.Reserve(context.Background(), req)
	wantCode(t, err, codes.Unauthenticated)
	_, err = e.client.Reserve(sup, req)
	wantCode(t, err, codes.PermissionDenied)
	res, err := e.client.Reserve(svc, req)
	if err != nil {
		t.Fatal(err)
	}
	rv := res.GetReservation()
	if rv.GetStatus() != inventoryv1.ReservationStatus_RESERVATION_STATUS_ACTIVE || len(rv.GetLines()) != 1 ||
		rv.GetLines()[0].GetWarehouseId() != w.GetWarehouseId() || rv.GetExpiresAt().AsTime().Sub(rv.GetCreatedAt().AsTime()) != time.Hour {
		t.Errorf("reservation = %v", rv)
	}
	_, err = e.client.Reserve(svc, &inventoryv1.ReserveRequest{OrderId: "order-2", Lines: []*inventoryv1.OrderLine{{SkuId: skuID.String(), Quantity: 4}}})
	wantCode(t, err, codes.FailedPrecondition)
	_, err = e.client.Reserve(svc, &inventoryv1.ReserveRequest{OrderId: "order-1", Lines: []*inventoryv1.OrderLine{{SkuId: skuID.String(), Quantity: 3}}})
	wantCode(t, err, codes.AlreadyExists)
	_, err = e.client.Reserve(svc, &inventoryv1.ReserveRequest{OrderId: "order-3", Lines: []*inventoryv1.OrderLine{{SkuId: uuid.NewString(), Quantity: 1}}})
	wantCode(t, err, codes.NotFound)

	// ReserveMany answers each order on its own: one held, one short of
	// stock, one malformed; a supplier may not call it.
	many := &inventoryv1.ReserveManyRequest{Reservations: []*inventoryv1.ReserveRequest{
		{OrderId: "order-4", Lines: []*inventoryv1.OrderLine{{SkuId: skuID.String(), Quantity: 1}}},
		{OrderId: "order-5", Lines: []*inventoryv1.OrderLine{{SkuId: skuID.String(), Quantity: 10}}},
		{OrderId: "order-6", Lines: []*inventoryv1.OrderLine{{SkuId: "nope", Quantity: 1}}},
	}}
	_, err = e.client.ReserveMany(sup, many)
	wantCode(t, err, codes.PermissionDenied)
	answers, err := e.client.ReserveMany(svc, many)
	if err != nil {
		t.Fatal(err)
	}
	r := answers.GetResults()
	if len(r) != 3 || r[0].GetProblem() != nil || r[0].GetReservation().GetOrderId() != "order-4" ||
		r[1].GetProblem().GetCode() != "FAILED_PRECONDITION" || r[1].GetReservation() != nil ||
		r[2].GetProblem().GetCode() != "INVALID_ARGUMENT" || len(r[2].GetProblem().GetFieldViolations()) != 1 {
		t.Fatalf("reserve many = %v", r)
	}
	if _, err := e.client.Release(svc, &inventoryv1.ReleaseRequest{OrderId: "order-4"}); err != nil {
		t.Fatal(err)
	}

	_, err = e.client.Commit(svc, &inventoryv1.CommitRequest{OrderId: "order-1", ShippedAt: &timestamppb.Timestamp{Seconds: -1 << 40}})
	wantCode(t, err, codes.InvalidArgument)
	got, err := e.client.Commit(svc, &inventoryv1.CommitRequest{OrderId: "order-1", ShippedAt: timestamppb.Now()})
	if err != nil || got.GetReservation().GetStatus() != inventoryv1.ReservationStatus_RESERVATION_STATUS_COMMITTED {
		t.Fatalf("commit = %v, %v", got, err)
	}
	stock, err := e.client.GetStock(sup, &inventoryv1.GetStockRequest{SkuId: skuID.String()})
	if err != nil || stock.GetLevels()[0].GetOnHand() != 3 || stock.GetLevels()[0].GetAvailable() != 3 {
		t.Fatalf("stock = %v, %v", stock, err)
	}
	journal, err := e.client.ListJournal(sup, &inventoryv1.ListJournalRequest{SkuId: skuID.String(), Page: &commonv1.PageRequest{PageSize: 2}})
	if err != nil || len(journal.GetEntries()) != 2 || journal.GetPage().GetNextPageToken() == "" || journal.GetEntries()[0].GetKind() != "commit" {
		t.Fatalf("journal = %v, %v", journal, err)
	}

	po, err := e.client.CreatePurchaseOrder(sup, &inventoryv1.CreatePurchaseOrderRequest{WarehouseId: w.GetWarehouseId(),
		Lines: []*inventoryv1.OrderLine{{SkuId: skuID.String(), Quantity: 10}}, Reference: "PO-9"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := e.client.ReceivePurchaseOrder(sup, &inventoryv1.ReceivePurchaseOrderRequest{PurchaseOrderId: po.GetPurchaseOrder().GetPurchaseOrderId(),
		ReceiptId: "r1", Lines: []*inventoryv1.OrderLine{{SkuId: skuID.String(), Quantity: 4}}})
	if err != nil || rec.GetPurchaseOrder().GetStatus() != inventoryv1.PurchaseOrderStatus_PURCHASE_ORDER_STATUS_PARTIALLY_RECEIVED ||
		rec.GetPurchaseOrder().GetLines()[0].GetReceived() != 4 {
		t.Fatalf("receive = %v, %v", rec, err)
	}
	list, err := e.client.ListPurchaseOrders(sup, &inventoryv1.ListPurchaseOrdersRequest{})
	if err != nil || len(list.GetPurchaseOrders()) != 1 {
		t.Fatalf("list = %v, %v", list, err)
	}
	other := e.as(t, auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: uuid.NewString()})
	_, err = e.client.GetPurchaseOrder(other, &inventoryv1.GetPurchaseOrderRequest{PurchaseOrderId: po.GetPurchaseOrder().GetPurchaseOrderId()})
	wantCode(t, err, codes.NotFound)
	_, err = e.client.ListStock(other, &inventoryv1.ListStockRequest{WarehouseId: w.GetWarehouseId()})
	wantCode(t, err, codes.NotFound)
}

func TestBadRequestsNameTheirFields(t *testing.T) {
	e := start(t)
	sup := e.as(t, auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: uuid.NewString()})
	svc := e.as(t, auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}})
	tests := []struct {
		name   string
		call   func() error
		fields []string
	}{
		{"reserve with malformed SKU ids", func() error {
			_, err := e.client.Reserve(svc, &inventoryv1.ReserveRequest{OrderId: "o", Lines: []*inventoryv1.OrderLine{{SkuId: "nope", Quantity: 1}, {SkuId: "x", Quantity: 1}}})
			return err
		}, []string{"lines[0].sku_id", "lines[1].sku_id"}},
		{"reserve with nothing", func() error {
			_, err := e.client.Reserve(svc, &inventoryv1.ReserveRequest{Ttl: durationpb.New(-time.Second)})
			return err
		}, []string{"lines", "order_id", "ttl"}},
		{"reserve zero units", func() error {
			_, err := e.client.Reserve(svc, &inventoryv1.ReserveRequest{OrderId: "o", Lines: []*inventoryv1.OrderLine{{SkuId: uuid.NewString()}}})
			return err
		}, []string{"lines[0].quantity"}},
		{"adjust without ids", func() error {
			_, err := e.client.AdjustStock(sup, &inventoryv1.AdjustStockRequest{QuantityDelta: 1, Reason: "x"})
			return err
		}, []string{"sku_id", "warehouse_id"}},
		{"adjust without a key", func() error {
			_, err := e.client.AdjustStock(sup, &inventoryv1.AdjustStockRequest{WarehouseId: uuid.NewString(), SkuId: uuid.NewString(), QuantityDelta: 1, Reason: "x"})
			return err
		}, []string{"idempotency_key"}},
		{"availability with a malformed id", func() error {
			_, err := e.client.GetAvailability(context.Background(), &inventoryv1.GetAvailabilityRequest{SkuIds: []string{uuid.NewString(), "bad"}})
			return err
		}, []string{"sku_ids[1]"}},
		{"warehouse of no kind", func() error {
			_, err := e.client.CreateWarehouse(sup, &inventoryv1.CreateWarehouseRequest{Name: "W", CountryCode: "DE", RegionCode: "DE-BE"})
			return err
		}, []string{"kind"}},
		{"warehouses named by a malformed id", func() error {
			_, err := e.client.ListWarehouses(svc, &inventoryv1.ListWarehousesRequest{WarehouseIds: []string{uuid.NewString(), "bad"}})
			return err
		}, []string{"warehouse_ids[1]"}},
		{"too many warehouses named", func() error {
			ids := make([]string, app.MaxListedWarehouses+1)
			for i := range ids {
				ids[i] = uuid.NewString()
			}
			_, err := e.client.ListWarehouses(svc, &inventoryv1.ListWarehousesRequest{WarehouseIds: ids})
			return err
		}, []string{"warehouse_ids"}},
		{"sync without lines", func() error {
			_, err := e.client.SyncStock(sup, &inventoryv1.SyncStockRequest{SyncId: "s", WarehouseId: uuid.NewString()})
			return err
		}, []string{"lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantCode(t, err, codes.InvalidArgument)
			if got := violations(err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v, want %v", got, tt.fields)
			}
		})
	}
}
