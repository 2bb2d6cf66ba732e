// Package peers reaches the services orders calls: the catalog (SKUs as
// they are now), inventory (availability and reservations), users (the
// buyer's default address), the freight estimator, finance (quotes,
// payment, escrow, settlement) and logistics (parcels). Their statuses come
// back as apperr errors.
package peers

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/durationpb"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/server/grpcerr"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// batchLimit is the catalog's and inventory's limit per call.
const batchLimit = 500

// Catalog is app.Catalog over the catalog's BatchGetSkus.
type Catalog struct {
	Client catalogv1.CatalogServiceClient
}

var _ app.Catalog = Catalog{}

// SKUs returns the known SKUs among ids.
func (c Catalog) SKUs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	return c.batch(ctx, ids, "")
}

// MerchantSKUs returns the known SKUs among ids priced at the merchant's
// tier cost price; a SKU without one for the tier is marked NoTierPrice.
func (c Catalog) MerchantSKUs(ctx context.Context, ids []uuid.UUID, merchant uuid.UUID) (map[uuid.UUID]domain.SKU, error) {
	return c.batch(ctx, ids, merchant.String())
}

// batch reads ids in batches the catalog accepts, priced for the merchant
// when one is named.
func (c Catalog) batch(ctx context.Context, ids []uuid.UUID, merchant string) (map[uuid.UUID]domain.SKU, error) {
	out := make(map[uuid.UUID]domain.SKU, len(ids))
	for start := 0; start < len(ids); start += batchLimit {
		resp, err := c.Client.BatchGetSkus(ctx, &catalogv1.BatchGetSkusRequest{SkuIds: idStrings(ids[start:min(start+batchLimit, len(ids))]),
			MerchantOrgId: merchant})
		if err != nil {
			return nil, peerError(err)
		}
		for _, s := range resp.GetSkus() {
			id, err := uuid.Parse(s.GetSkuId())
			if err != nil {
				continue
			}
			k := sku(id, s)
			if merchant != "" {
				if cost := s.GetCostPrice(); cost != nil {
					k.Price = money.Money{Amount: cost.GetAmountMinor(), Currency: cost.GetCurrencyCode()}
				} else {
					k.NoTierPrice = true
				}
			}
			out[id] = k
		}
	}
	return out, nil
}

func sku(id uuid.UUID, s *catalogv1.SkuInfo) domain.SKU {
	d := s.GetDimensions()
	typ := domain.Physical
	if s.GetType() == catalogv1.ProductType_PRODUCT_TYPE_VIRTUAL {
		typ = domain.Virtual
	}
	product, _ := uuid.Parse(s.GetProductId())
	supplier, _ := uuid.Parse(s.GetSupplierId())
	out := domain.SKU{
		ID: id, ProductID: product, SupplierID: supplier, Type: typ, WeightG: s.GetWeightG(),
		// mm³ → cm³, rounded up so a parcel is never under-measured.
		VolumeCM3:     (d.GetLengthMm()*d.GetWidthMm()*d.GetHeightMm() + 999) / 1000,
		Price:         money.Money{Amount: s.GetRetailPrice().GetAmountMinor(), Currency: s.GetRetailPrice().GetCurrencyCode()},
		OriginCountry: s.GetOrigin().GetCountryCode(), OriginRegion: s.GetOrigin().GetRegionCode(),
		OnSale: s.GetOnSale(),
	}
	out.CategoryID, _ = uuid.Parse(s.GetCategoryId())
	return out
}

// Inventory is app.Inventory over inventory's GetAvailability.
type Inventory struct {
	Client inventoryv1.InventoryServiceClient
}

var _ app.Inventory = Inventory{}

// Available returns the units available per SKU (0 for one without stock).
func (i Inventory) Available(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	out := make(map[uuid.UUID]int64, len(ids))
	for start := 0; start < len(ids); start += batchLimit {
		resp, err := i.Client.GetAvailability(ctx, &inventoryv1.GetAvailabilityRequest{SkuIds: idStrings(ids[start:min(start+batchLimit, len(ids))])})
		if err != nil {
			return nil, peerError(err)
		}
		for _, a := range resp.GetAvailability() {
			if id, err := uuid.Parse(a.GetSkuId()); err == nil {
				out[id] = a.GetAvailable()
			}
		}
	}
	return out, nil
}

// Reserve holds a sub-order's lines (again: extends the hold).
func (i Inventory) Reserve(ctx context.Context, key uuid.UUID, lines []domain.OrderLine, ttl time.Duration) (bool, error) {
	req := &inventoryv1.ReserveRequest{OrderId: key.String(), Ttl: durationpb.New(ttl)}
	for _, l := range lines {
		req.Lines = append(req.Lines, &inventoryv1.OrderLine{SkuId: l.SKUID.String(), Quantity: int64(l.Quantity)})
	}
	resp, err := i.Client.Reserve(ctx, req)
	if err != nil {
		return false, peerError(err)
	}
	return holding(resp.GetReservation()), nil
}

// reserveManyLimit is the most reservations inventory takes per call.
const reserveManyLimit = 200

// ReserveMany holds several sub-orders' stock in as few calls as inventory
// allows, each answered on its own.
func (i Inventory) ReserveMany(ctx context.Context, holds []app.Hold) ([]app.HoldAnswer, error) {
	out := make([]app.HoldAnswer, 0, len(holds))
	for start := 0; start < len(holds); start += reserveManyLimit {
		req := &inventoryv1.ReserveManyRequest{}
		for _, h := range holds[start:min(start+reserveManyLimit, len(holds))] {
			r := &inventoryv1.ReserveRequest{OrderId: h.Key.String(), Ttl: durationpb.New(h.TTL)}
			for _, l := range h.Lines {
				r.Lines = append(r.Lines, &inventoryv1.OrderLine{SkuId: l.SKUID.String(), Quantity: int64(l.Quantity)})
			}
			req.Reservations = append(req.Reservations, r)
		}
		resp, err := i.Client.ReserveMany(ctx, req)
		if err != nil {
			return nil, peerError(err)
		}
		if len(resp.GetResults()) != len(req.GetReservations()) {
			return nil, fmt.Errorf("inventory answered %d of %d reservations", len(resp.GetResults()), len(req.GetReservations()))
		}
		for _, r := range resp.GetResults() {
			if p := r.GetProblem(); p != nil {
				out = append(out, app.HoldAnswer{Err: grpcerr.FromProblem(p)})
				continue
			}
			out = append(out, app.HoldAnswer{Held: holding(r.GetReservation())})
		}
	}
	return out, nil
}

// holding tells a reservation that still holds (or shipped) from one that
// expired or was released.
func holding(r *inventoryv1.Reservation) bool {
	st := r.GetStatus()
	return st == inventoryv1.ReservationStatus_RESERVATION_STATUS_ACTIVE || st == inventoryv1.ReservationStatus_RESERVATION_STATUS_COMMITTED
}

// Release gives a sub-order's stock back; none reserved is nothing to do,
// and a committed one (shipped) is not released.
func (i Inventory) Release(ctx context.Context, key uuid.UUID, reason string) error {
	_, err := i.Client.Release(ctx, &inventoryv1.ReleaseRequest{OrderId: key.String(), Reason: reason})
	err = peerError(err)
	if apperr.IsKind(err, apperr.KindNotFound) || apperr.IsKind(err, apperr.KindFailedPrecondition) {
		return nil
	}
	return err
}

// Commit turns a sub-order's hold into a shipment.
func (i Inventory) Commit(ctx context.Context, key uuid.UUID) error {
	_, err := i.Client.Commit(ctx, &inventoryv1.CommitRequest{OrderId: key.String()})
	return peerError(err)
}

// Restock adds returned goods to the supplier's warehouse, one adjustment
// per SKU keyed by key and the SKU, so a retry adds nothing twice.
func (i Inventory) Restock(ctx context.Context, warehouseID uuid.UUID, key string, lines []domain.AfterSaleLine) error {
	for _, l := range lines {
		_, err := i.Client.AdjustStock(ctx, &inventoryv1.AdjustStockRequest{
			WarehouseId: warehouseID.String(), SkuId: l.SKUID.String(), QuantityDelta: int64(l.Quantity),
			Reason: "returned goods restocked (" + key + ")", IdempotencyKey: key + ":" + l.SKUID.String(),
		})
		if err != nil {
			return peerError(err)
		}
	}
	return nil
}

// WarehouseSupplier asks inventory for one warehouse and returns its
// supplier.
func (i Inventory) WarehouseSupplier(ctx context.Context, warehouseID uuid.UUID) (uuid.UUID, error) {
	resp, err := i.Client.ListWarehouses(ctx, &inventoryv1.ListWarehousesRequest{WarehouseIds: []string{warehouseID.String()}})
	if err != nil {
		return uuid.Nil, peerError(err)
	}
	for _, w := range resp.GetWarehouses() {
		if w.GetWarehouseId() != warehouseID.String() {
			continue
		}
		if w.GetSupplierId() == "" {
			return uuid.Nil, nil
		}
		return uuid.Parse(w.GetSupplierId())
	}
	return uuid.Nil, apperr.NotFound("warehouse", warehouseID.String())
}

// idStrings is ids in their text form, as the peers take them.
func idStrings(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// peerError is a peer's answer as an *apperr.Error (grpcerr.FromPeer: our
// own credentials refused is Unavailable, not our caller's).
func peerError(err error) error { return grpcerr.FromPeer(err) }
