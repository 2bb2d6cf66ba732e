package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// SKUCreated is the part of catalog's SkuCreated that inventory keeps.
type SKUCreated struct {
	SKUID, ProductID, SupplierID uuid.UUID
	Code                         string
	At                           time.Time
}

// ProductBinChanged is a catalog product moved to or restored from the bin.
type ProductBinChanged struct {
	ProductID, SupplierID uuid.UUID
	Deleted               bool
	At                    time.Time
}

// HandleSKUCreated adds a new SKU to the directory inside the consumer's
// transaction r, so stock can be kept for it and ERP syncs can address it by
// its code. A SKU seen before is left unchanged (a redelivery).
func (s *Service) HandleSKUCreated(ctx context.Context, r SKUs, ev SKUCreated) error {
	if ev.SKUID == uuid.Nil || ev.ProductID == uuid.Nil || ev.SupplierID == uuid.Nil {
		return apperr.Invalid(apperr.FieldViolation{Field: "sku_id, product_id, supplier_id", Description: "are required"})
	}
	code, err := domain.Text("sku_code", ev.Code, 100, false)
	if err != nil {
		return err
	}
	at := ev.At
	if at.IsZero() {
		at = s.clock()
	}
	return r.SaveSKU(ctx, domain.SKU{ID: ev.SKUID, ProductID: ev.ProductID, SupplierID: ev.SupplierID, Code: code}, at)
}

// HandleProductBinChanged makes a product's SKUs refuse reservations while it
// is in the catalog's bin, and accept them again once it is restored. The
// state is kept per product with the event's time, so a late older event does
// not undo a newer one, and SKUs the directory has not seen yet follow it when
// they arrive.
func (s *Service) HandleProductBinChanged(ctx context.Context, r SKUs, ev ProductBinChanged) error {
	if ev.ProductID == uuid.Nil || ev.SupplierID == uuid.Nil {
		return apperr.Invalid(apperr.FieldViolation{Field: "product_id, supplier_id", Description: "are required"})
	}
	at := ev.At
	if at.IsZero() {
		at = s.clock()
	}
	return r.SetProductDeleted(ctx, ev.ProductID, ev.SupplierID, ev.Deleted, at)
}
