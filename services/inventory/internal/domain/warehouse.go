package domain

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/iso3166"
)

// WarehouseKind says whose a warehouse is.
type WarehouseKind string

// A supplier's own warehouse holds only that supplier's SKUs; the platform's
// central consolidation warehouses hold any supplier's.
const (
	WarehouseSupplier WarehouseKind = "supplier"
	WarehouseCentral  WarehouseKind = "central"
)

// Warehouse holds stock.
type Warehouse struct {
	ID   uuid.UUID
	Name string
	Kind WarehouseKind
	// SupplierID is the owning supplier organization; uuid.Nil for a central
	// warehouse.
	SupplierID  uuid.UUID
	CountryCode string
	RegionCode  string
	CreatedBy   string
	CreatedAt   time.Time
}

// WarehouseInput is what a caller asks for when creating a warehouse.
type WarehouseInput struct {
	Name        string
	Kind        WarehouseKind
	SupplierID  uuid.UUID
	CountryCode string
	RegionCode  string
}

// NewWarehouse validates the input (fields "name", "kind", "country_code",
// "region_code") and returns a new warehouse.
func NewWarehouse(in WarehouseInput, actor string, now time.Time) (Warehouse, error) {
	var v violations
	w := Warehouse{
		ID:          uuid.Must(uuid.NewV7()),
		Name:        apperr.CheckText(&v, "name", in.Name, 1, 200),
		Kind:        in.Kind,
		SupplierID:  in.SupplierID,
		CountryCode: strings.ToUpper(strings.TrimSpace(in.CountryCode)),
		RegionCode:  strings.ToUpper(strings.TrimSpace(in.RegionCode)),
		CreatedBy:   actor,
		CreatedAt:   now,
	}
	switch in.Kind {
	case WarehouseSupplier:
		if in.SupplierID == uuid.Nil {
			v.Add("kind", "a supplier warehouse needs a supplier organization")
		}
	case WarehouseCentral:
		w.SupplierID = uuid.Nil
	default:
		v.Add("kind", "must be SUPPLIER or CENTRAL")
	}
	switch {
	case w.CountryCode == "":
		v.Add("country_code", "is required")
	case !iso3166.IsCountry(w.CountryCode):
		v.Add("country_code", "must be an ISO 3166-1 alpha-2 country code such as DE")
	case w.RegionCode == "" && iso3166.HasSubdivisions(w.CountryCode):
		v.Add("region_code", "is required: an ISO 3166-2 code of the country such as "+w.CountryCode+"-…")
	case w.RegionCode != "" && !iso3166.IsSubdivisionOf(w.RegionCode, w.CountryCode):
		v.Add("region_code", "must be an ISO 3166-2 subdivision of "+w.CountryCode)
	}
	if err := v.Err(); err != nil {
		return Warehouse{}, err
	}
	return w, nil
}
