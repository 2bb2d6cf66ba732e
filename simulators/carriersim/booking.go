package carriersim

import (
	"net/http"
	"slices"
	"strings"

	"github.com/crossdock/crossdock/pkg/iso3166"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/simulators/jsonapi"
)

// address is a sender's or recipient's address. Lat and Lng are optional;
// without them the region's or the country's reference point stands in.
type address struct {
	Name        string   `json:"name"`
	Phone       string   `json:"phone"`
	CountryCode string   `json:"country_code"`
	RegionCode  string   `json:"region_code"`
	City        string   `json:"city"`
	Postcode    string   `json:"postcode"`
	Lines       []string `json:"lines"`
	Lat         *float64 `json:"lat"`
	Lng         *float64 `json:"lng"`
}

// label names an address's place in the route and in events.
func (a address) label() string {
	for _, s := range []string{a.City, a.Postcode, a.Name} {
		if strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s) + ", " + a.CountryCode
		}
	}
	return a.CountryCode
}

// amount is a sum of money in minor units.
type amount struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// bookRequest is the body of POST /v1/shipments.
type bookRequest struct {
	Reference      string  `json:"reference"`
	Service        string  `json:"service"`
	From           address `json:"from"`
	To             address `json:"to"`
	WeightG        int64   `json:"weight_g"`
	VolumeCm3      int64   `json:"volume_cm3"`
	DeclaredValue  amount  `json:"declared_value"`
	ChargeCurrency string  `json:"charge_currency"`
}

// validate checks a booking the way a carrier's API does, naming the first
// offending field.
func (in *bookRequest) validate() *jsonapi.Error {
	if strings.TrimSpace(in.Reference) == "" {
		return jsonapi.Invalid("reference", "reference (the shipper's id for the parcel) is required")
	}
	if _, ok := services[in.Service]; !ok {
		return jsonapi.Invalid("service", "service must be air, express, sea or ground, got "+quote(in.Service))
	}
	for _, a := range []struct {
		param string
		addr  address
	}{{"from", in.From}, {"to", in.To}} {
		if !iso3166.IsCountry(a.addr.CountryCode) {
			return jsonapi.Invalid(a.param+".country_code", a.param+".country_code must be an ISO 3166-1 alpha-2 code, got "+quote(a.addr.CountryCode))
		}
		if (a.addr.Lat == nil) != (a.addr.Lng == nil) {
			return jsonapi.Invalid(a.param+".lat", a.param+".lat and "+a.param+".lng come together or not at all")
		}
		if a.addr.Lat != nil && !(place{Lat: *a.addr.Lat, Lng: *a.addr.Lng}).point().Valid() {
			return jsonapi.Invalid(a.param+".lat", a.param+".lat must be within ±90 and "+a.param+".lng within ±180")
		}
	}
	if in.WeightG <= 0 {
		return jsonapi.Invalid("weight_g", "weight_g must be a positive number of grams")
	}
	if in.VolumeCm3 < 0 {
		return jsonapi.Invalid("volume_cm3", "volume_cm3 must not be negative")
	}
	if !money.ValidCurrency(in.DeclaredValue.Currency) {
		return jsonapi.Invalid("declared_value.currency", "declared_value.currency must be an ISO 4217 code, got "+quote(in.DeclaredValue.Currency))
	}
	if in.DeclaredValue.Amount < 0 {
		return jsonapi.Invalid("declared_value.amount", "declared_value.amount must not be negative")
	}
	if in.ChargeCurrency == "" {
		in.ChargeCurrency = in.DeclaredValue.Currency
	}
	if !money.ValidCurrency(in.ChargeCurrency) {
		return jsonapi.Invalid("charge_currency", "charge_currency must be an ISO 4217 code, got "+quote(in.ChargeCurrency))
	}
	return nil
}

func quote(s string) string { return "\"" + s + "\"" }

// book answers POST /v1/shipments: 201 with a new shipment, or 200 with the
// one already booked under the same reference (a carrier deduplicates on
// the shipper's reference, so a shipper retrying without an
// Idempotency-Key never books a parcel twice).
func (s *Server) book(_ *http.Request, body []byte) jsonapi.Response {
	var in bookRequest
	if err := jsonapi.Decode(body, &in); err != nil {
		return err.Response()
	}
	if err := in.validate(); err != nil {
		return err.Response()
	}
	if sh, ok := s.byReference[in.Reference]; ok {
		return jsonapi.Response{Status: http.StatusOK, Body: sh.view()}
	}
	if slices.Contains(s.cfg.UnservedCountries, in.To.CountryCode) {
		return unserved("to.country_code", in.To.CountryCode).Response()
	}
	waybill := s.newWaybill()
	r, param, ok := planRoute(waybill, in.From, in.To)
	if !ok {
		return unserved(param, "").Response()
	}
	now := s.cfg.Now().UTC()
	sh := &shipment{
		shipmentJSON: shipmentJSON{
			Waybill: waybill, Reference: in.Reference, Service: in.Service, Status: statusBooked,
			CreatedAt: now, Route: r.places, Legs: r.json(), Position: r.places[0],
		},
		heapIndex: -1,
	}
	sh.plan = s.planJourney(&in, r, now)
	s.shipments[waybill] = sh
	s.byReference[in.Reference] = sh
	s.schedule(sh)
	return jsonapi.Response{Status: http.StatusCreated, Body: sh.view()}
}

func unserved(param, country string) *jsonapi.Error {
	msg := "the carrier does not deliver to " + country
	if country == "" {
		msg = "the carrier has no hub for the country in " + param
	}
	return &jsonapi.Error{Status: http.StatusUnprocessableEntity, Type: "invalid_request_error", Code: "unserved_destination",
		Param: param, Message: msg}
}

// newWaybill returns an unused waybill number: "CS" and ten digits.
func (s *Server) newWaybill() string {
	for {
		w := "CS" + s.rand.digits(10)
		if _, taken := s.shipments[w]; !taken {
			return w
		}
	}
}

func (s *Server) lookup(r *http.Request) (*shipment, *jsonapi.Error) {
	sh, ok := s.shipments[r.PathValue("waybill")]
	if !ok {
		return nil, jsonapi.NotFound("no such shipment: " + r.PathValue("waybill"))
	}
	return sh, nil
}

// getShipment answers GET /v1/shipments/{waybill}.
func (s *Server) getShipment(r *http.Request, _ []byte) jsonapi.Response {
	sh, err := s.lookup(r)
	if err != nil {
		return err.Response()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: sh.view()}
}

// cancelShipment answers POST /v1/shipments/{waybill}/cancel: a parcel not yet
// picked up is cancelled and its journey dropped; cancelling it again
// answers the same. Once picked up it is too late.
func (s *Server) cancelShipment(r *http.Request, _ []byte) jsonapi.Response {
	sh, err := s.lookup(r)
	if err != nil {
		return err.Response()
	}
	switch sh.Status {
	case statusBooked:
		sh.Status = statusCancelled
		sh.plan = nil
		s.unschedule(sh)
	case statusCancelled:
	default:
		return (&jsonapi.Error{Status: http.StatusConflict, Type: "invalid_request_error", Code: "already_picked_up",
			Message: "shipment " + sh.Waybill + " is " + sh.Status + ": only a booked shipment can be cancelled"}).Response()
	}
	return jsonapi.Response{Status: http.StatusOK, Body: sh.view()}
}
