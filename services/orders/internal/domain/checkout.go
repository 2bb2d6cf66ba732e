package domain

import (
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/iso3166"
)

// MaxCheckoutIDLength bounds a client's checkout id.
const MaxCheckoutIDLength = 64

// ids derive an order's and its sub-orders' ids from what makes the order
// unique (the buyer's checkout id, or the partner's order id), so a retried
// checkout reserves stock, locks rates and books freight under the same
// keys instead of doing it twice.
var idSpace = uuid.MustParse("8b0c2f8e-3f4a-4d59-9d0c-6f1f6c1b7a10")

// OrderID is the order id of a buyer's checkout or a channel's order.
func OrderID(channel, owner, key string) uuid.UUID {
	return uuid.NewSHA1(idSpace, []byte(channel+"\x00"+owner+"\x00"+key))
}

// SubOrderID is the id of the sub-order at position within an order.
func SubOrderID(order uuid.UUID, supplier uuid.UUID, typ ProductType) uuid.UUID {
	return uuid.NewSHA1(order, []byte(supplier.String()+"/"+string(typ)))
}

// CheckCheckoutID validates a client's checkout id.
func CheckCheckoutID(v *apperr.Violations, field, id string) {
	switch {
	case id == "":
		v.Add(field, "is required: a retry with the same id answers the same order")
	case !printableKey(id):
		v.Add(field, "must be 1 to 64 printable characters")
	}
}

// printableKey reports a client's idempotency key fits the house shape: at
// most 64 bytes of printable UTF-8.
func printableKey(id string) bool {
	return len(id) <= MaxCheckoutIDLength && utf8.ValidString(id) && !strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// CheckAddress validates an address a parcel can go to: a recipient, a
// country (ISO 3166-1), a region of that country when given (ISO 3166-2),
// a city and at least one street line; every text one line of printable
// characters (a NUL, which PostgreSQL cannot store, or a line break in a
// carrier's label field is the client's mistake), a phone and a postcode
// when given short.
func CheckAddress(v *apperr.Violations, field string, a Address) {
	apperr.CheckText(v, field+".recipient", a.Recipient, 1, 200)
	apperr.CheckText(v, field+".phone", a.Phone, 0, 40)
	if !iso3166.IsCountry(a.Country) {
		v.Add(field+".country_code", "must be an ISO 3166-1 alpha-2 code such as DE")
	} else if a.Region != "" && !iso3166.IsSubdivisionOf(a.Region, a.Country) {
		v.Add(field+".region_code", "must be an ISO 3166-2 code of "+a.Country)
	}
	apperr.CheckText(v, field+".city", a.City, 1, 200)
	apperr.CheckText(v, field+".postcode", a.Postcode, 0, 20)
	if len(a.Lines) == 0 || len(a.Lines) > 5 {
		v.Add(field+".lines", "needs 1 to 5 street lines")
	}
	for i, l := range a.Lines {
		apperr.CheckText(v, apperr.Index(field+".lines", i, ""), l, 1, 200)
	}
	if (a.Latitude == nil) != (a.Longitude == nil) ||
		(a.Latitude != nil && (*a.Latitude < -90 || *a.Latitude > 90 || *a.Longitude < -180 || *a.Longitude > 180)) {
		v.Add(field+".location", "needs both a latitude in [-90, 90] and a longitude in [-180, 180]")
	}
}

// CheckDestination validates an address goods are bought to: an address
// (CheckAddress) with its region where the country has regions, which the
// freight estimate matches its history by.
func CheckDestination(v *apperr.Violations, field string, a Address) {
	CheckAddress(v, field, a)
	if a.Region == "" && iso3166.HasSubdivisions(a.Country) {
		v.Add(field+".region_code", "is required: the freight is estimated by region (an ISO 3166-2 code of "+a.Country+")")
	}
}

// SupplierAddress sends one supplier's physical goods elsewhere than the
// buyer's default address.
type SupplierAddress struct {
	SupplierID uuid.UUID
	Address    Address
}

// AssignAddresses gives every physical draft its address: the supplier's
// own from overrides, else def. A supplier named in overrides whose goods in
// this order are all virtual is refused (virtual goods take no address), as
// is one named twice or not in the order, and a physical draft with no
// address at all. field names the overrides' list in violations.
func AssignAddresses(drafts []SubOrderDraft, def *Address, overrides []SupplierAddress, field string) ([]*Address, error) {
	var v apperr.Violations
	physical, known := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	for _, d := range drafts {
		known[d.SupplierID] = true
		if d.Type == Physical {
			physical[d.SupplierID] = true
		}
	}
	chosen := map[uuid.UUID]Address{}
	for i, o := range overrides {
		f := apperr.Index(field, i, "supplier_id")
		switch _, twice := chosen[o.SupplierID]; {
		case !known[o.SupplierID]:
			v.Add(f, "is not a supplier of this order")
		case !physical[o.SupplierID]:
			v.Add(f, "sells only virtual goods in this order, which take no address")
		case twice:
			v.Add(f, "is named twice")
		default:
			CheckDestination(&v, apperr.Index(field, i, "address"), o.Address)
			chosen[o.SupplierID] = o.Address
		}
	}
	out := make([]*Address, len(drafts))
	for i, d := range drafts {
		if d.Type != Physical {
			continue
		}
		if a, ok := chosen[d.SupplierID]; ok {
			out[i] = &a
			continue
		}
		if def == nil {
			v.Add("address", "physical goods need an address: give one or set a default address")
			break
		}
		a := *def
		out[i] = &a
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckExternalParcel validates the carrier code and waybill of a parcel
// booked outside our logistics: what a buyer is given to track it, so
// printable and of the sizes carriers use.
func CheckExternalParcel(v *apperr.Violations, carrierCode, waybill string) {
	if carrierCode == "" || len(carrierCode) > 32 || !printableKey(carrierCode) || strings.TrimSpace(carrierCode) != carrierCode {
		v.Add("carrier_code", "is required: the carrier's code, 1 to 32 printable characters")
	}
	if waybill == "" || !printableKey(waybill) || strings.TrimSpace(waybill) != waybill {
		v.Add("waybill", "is required: the carrier's tracking number, 1 to 64 printable characters")
	}
}
