package app

import (
	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// Authorization errors.
var (
	ErrServicesOnly    = apperr.PermissionDenied("this method is for service accounts").WithReason("SERVICES_ONLY")
	ErrAdminsOnly      = apperr.PermissionDenied("only admins manage central warehouses").WithReason("ADMINS_ONLY")
	ErrSuppliersOnly   = apperr.PermissionDenied("this method is for members of an approved supplier").WithReason("SUPPLIERS_ONLY")
	ErrNotOwner        = apperr.PermissionDenied("only the warehouse's owner may change its stock").WithReason("NOT_WAREHOUSE_OWNER")
	ErrSyncCallerNoOrg = apperr.PermissionDenied("this caller cannot be tied to a supplier organization").WithReason("NO_ORGANIZATION")
)

// ownsWarehouse reports whether the caller manages the warehouse's stock: its
// supplier's members, or admins for a central warehouse.
func ownsWarehouse(c auth.Caller, w domain.Warehouse) bool {
	if w.Kind == domain.WarehouseCentral {
		return c.IsAdmin()
	}
	org, ok := c.SupplierOrg()
	return ok && org == w.SupplierID
}

// canReadWarehouse reports whether the caller may see the warehouse at all.
func canReadWarehouse(c auth.Caller, w domain.Warehouse) bool {
	return ownsWarehouse(c, w) || c.IsOperator() || c.IsService()
}

// canReadSKU reports whether the caller may see a SKU's stock: its supplier,
// operators and services.
func canReadSKU(c auth.Caller, sku domain.SKU) bool {
	if c.IsOperator() || c.IsService() {
		return true
	}
	org, ok := c.SupplierOrg()
	return ok && org == sku.SupplierID
}

// warehouseNotFound is what a caller who may not see a warehouse gets, so
// another supplier's warehouse ids reveal nothing.
func warehouseNotFound(id uuid.UUID) error { return apperr.NotFound("warehouse", id.String()) }

func skuNotFound(id uuid.UUID) error { return domain.SKUNotFound(id) }

// ownedWarehouse reads a warehouse the caller manages: NotFound when the
// caller may not see it, PermissionDenied when it may see but not change it.
func ownedWarehouse(c auth.Caller, w domain.Warehouse) error {
	if !canReadWarehouse(c, w) {
		return warehouseNotFound(w.ID)
	}
	if !ownsWarehouse(c, w) {
		return ErrNotOwner
	}
	return nil
}

// stockableSKU checks that sku may be stocked in w: any SKU in a central
// warehouse, only the supplier's own in a supplier's warehouse. Another
// supplier's SKU is NotFound, like an unknown one.
func stockableSKU(w domain.Warehouse, sku domain.SKU) error {
	if w.Kind == domain.WarehouseSupplier && sku.SupplierID != w.SupplierID {
		return skuNotFound(sku.ID)
	}
	return nil
}
