package domain

import "github.com/google/uuid"

// SKU is what inventory knows of a catalog SKU: who owns it, the supplier's
// own code for it (ERP sync addresses SKUs by that code), and whether it may
// be reserved (not while its product is in the catalog's bin).
type SKU struct {
	ID         uuid.UUID
	ProductID  uuid.UUID
	SupplierID uuid.UUID
	Code       string
	Reservable bool
}
