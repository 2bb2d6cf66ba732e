package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// CreateWarehouse adds a warehouse: a supplier's own, owned by the caller's
// organization, or (admins only) a central consolidation warehouse. With an
// idempotency key a retry answers the warehouse the first call created.
func (s *Service) CreateWarehouse(ctx context.Context, c auth.Caller, in domain.WarehouseInput, idempotencyKey string) (domain.Warehouse, error) {
	scope := "warehouse:" + c.Subject
	switch in.Kind {
	case domain.WarehouseCentral:
		if !c.IsAdmin() {
			return domain.Warehouse{}, ErrAdminsOnly
		}
	case domain.WarehouseSupplier:
		org, ok := c.SupplierOrg()
		if !ok {
			return domain.Warehouse{}, ErrSuppliersOnly
		}
		in.SupplierID = org
		scope = "warehouse:" + org.String()
	}
	key, err := domain.Text("idempotency_key", idempotencyKey, 128, false)
	if err != nil {
		return domain.Warehouse{}, err
	}
	w, err := domain.NewWarehouse(in, c.Subject, s.clock())
	if err != nil {
		return domain.Warehouse{}, err
	}
	// The answer has a variable of its own: a transaction retried (a
	// deadlock) creates w again, not what the failed attempt left.
	var made domain.Warehouse
	err = s.store.InTx(ctx, func(r Repository) error {
		made, err = createdOnce(ctx, r, scope, key, idempotency.Fingerprint(in), w.CreatedAt,
			func() (domain.Warehouse, uuid.UUID, error) { return w, w.ID, r.CreateWarehouse(ctx, w) },
			func(id uuid.UUID) (domain.Warehouse, error) { return r.GetWarehouse(ctx, id) })
		return err
	})
	if err != nil {
		return domain.Warehouse{}, err
	}
	return made, nil
}

// MaxListedWarehouses bounds the warehouses one list may name.
const MaxListedWarehouses = 100

// ListWarehouses lists the caller's organization's warehouses; operators and
// services see every warehouse. Naming some (only), it lists those of them
// the caller may see: a service asking whose one warehouse is reads one row,
// not every warehouse there is.
func (s *Service) ListWarehouses(ctx context.Context, c auth.Caller, only ...uuid.UUID) ([]domain.Warehouse, error) {
	if c.IsOperator() || c.IsService() {
		return s.store.ListWarehouses(ctx, nil, only)
	}
	org, ok := c.SupplierOrg()
	if !ok {
		return nil, ErrSuppliersOnly
	}
	return s.store.ListWarehouses(ctx, &org, only)
}

// readWarehouse returns a warehouse the caller may see.
func (s *Service) readWarehouse(ctx context.Context, r Warehouses, c auth.Caller, id uuid.UUID) (domain.Warehouse, error) {
	w, err := r.GetWarehouse(ctx, id)
	if err != nil {
		return domain.Warehouse{}, err
	}
	if !canReadWarehouse(c, w) {
		return domain.Warehouse{}, warehouseNotFound(id)
	}
	return w, nil
}

// ownWarehouse returns a warehouse whose stock the caller manages.
func (s *Service) ownWarehouse(ctx context.Context, r Warehouses, c auth.Caller, id uuid.UUID) (domain.Warehouse, error) {
	w, err := r.GetWarehouse(ctx, id)
	if err != nil {
		return domain.Warehouse{}, err
	}
	return w, ownedWarehouse(c, w)
}

// adjustableWarehouse returns a warehouse whose stock the caller may
// adjust: its owner's, or any for a service (orders puts returned goods
// back where the supplier said).
func (s *Service) adjustableWarehouse(ctx context.Context, r Warehouses, c auth.Caller, id uuid.UUID) (domain.Warehouse, error) {
	if c.IsService() {
		return r.GetWarehouse(ctx, id)
	}
	return s.ownWarehouse(ctx, r, c, id)
}

// stockSKU returns a SKU that may be stocked in w: known, and the warehouse
// supplier's own unless w is central.
func stockSKU(ctx context.Context, r SKUs, w domain.Warehouse, id uuid.UUID) (domain.SKU, error) {
	sku, err := r.GetSKU(ctx, id)
	if err != nil {
		return domain.SKU{}, err
	}
	return sku, stockableSKU(w, sku)
}
