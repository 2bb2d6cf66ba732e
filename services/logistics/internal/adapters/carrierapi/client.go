// Package carrierapi is app.CarrierAPI over a carrier's HTTP/JSON API, the
// shape the carrier simulator (simulators/carriersim) speaks: bookings with
// the shipper's reference, cancellation, an event feed read by position and
// webhook bodies of the same events. It is thin: it sends the call with the
// carrier's API key, decodes the answer and maps the carrier's errors to
// apperr kinds:
//
//   - 400 and 422 (the parcel is refused): InvalidArgument naming the field;
//   - 401 and 403 (our key is wrong): FailedPrecondition, reason
//     CARRIER_CREDENTIALS, for an operator to fix;
//   - 404: NotFound (reason RESOURCE_MISSING when the carrier says so);
//     409: FailedPrecondition with the carrier's code;
//   - 429, 5xx, timeouts and transport errors: Unavailable, safe to retry.
package carrierapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/httpjson"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// Client calls carriers. It is safe for concurrent use.
type Client struct {
	http *http.Client
}

var _ app.CarrierAPI = (*Client)(nil)

// New returns a client whose calls each take at most timeout.
func New(timeout time.Duration) *Client { return &Client{http: &http.Client{Timeout: timeout}} }

type addressJSON struct {
	Name        string   `json:"name"`
	Phone       string   `json:"phone,omitempty"`
	CountryCode string   `json:"country_code"`
	RegionCode  string   `json:"region_code,omitempty"`
	City        string   `json:"city"`
	Postcode    string   `json:"postcode,omitempty"`
	Lines       []string `json:"lines"`
	Lat         *float64 `json:"lat"`
	Lng         *float64 `json:"lng"`
}

func address(a domain.Address) addressJSON {
	out := addressJSON{Name: a.Recipient, Phone: a.Phone, CountryCode: a.Country, RegionCode: a.Region, City: a.City, Postcode: a.Postcode, Lines: a.Lines}
	if a.Location != nil {
		out.Lat, out.Lng = &a.Location.Lat, &a.Location.Lng
	}
	return out
}

type amountJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type bookingJSON struct {
	Reference      string      `json:"reference"`
	Service        string      `json:"service"`
	From           addressJSON `json:"from"`
	To             addressJSON `json:"to"`
	WeightG        int64       `json:"weight_g"`
	VolumeCM3      int64       `json:"volume_cm3"`
	DeclaredValue  amountJSON  `json:"declared_value"`
	ChargeCurrency string      `json:"charge_currency"`
}

type shipmentJSON struct {
	Waybill string `json:"waybill"`
	Status  string `json:"status"`
}

// Book books a parcel; the shipment id is both the reference the carrier
// deduplicates on and the idempotency key.
func (c *Client) Book(ctx context.Context, ep domain.Endpoint, b app.Booking) (string, error) {
	var out shipmentJSON
	err := c.do(ctx, ep, http.MethodPost, "/v1/shipments", b.Reference, bookingJSON{
		Reference: b.Reference, Service: b.Service, From: address(b.From), To: address(b.To), WeightG: b.WeightG,
		VolumeCM3: b.VolumeCM3, DeclaredValue: amountJSON{b.DeclaredValue.Amount, b.DeclaredValue.Currency},
		ChargeCurrency: b.ChargeCurrency,
	}, &out)
	if err != nil {
		return "", err
	}
	if out.Waybill == "" {
		return "", apperr.Unavailable("the carrier answered a booking without a waybill").WithReason("CARRIER_UNAVAILABLE")
	}
	return out.Waybill, nil
}

// Cancel cancels a booking.
func (c *Client) Cancel(ctx context.Context, ep domain.Endpoint, waybill string) error {
	var out shipmentJSON
	return c.do(ctx, ep, http.MethodPost, "/v1/shipments/"+url.PathEscape(waybill)+"/cancel", "cancel-"+waybill, struct{}{}, &out)
}

// EventJSON is a carrier event on the wire.
type EventJSON struct {
	ID            string    `json:"id"`
	Seq           int64     `json:"seq"`
	SeqInShipment int64     `json:"seq_in_shipment"`
	Type          string    `json:"type"`
	Waybill       string    `json:"waybill"`
	Reference     string    `json:"reference"`
	OccurredAt    time.Time `json:"occurred_at"`
	Status        string    `json:"status"`
	Leg           string    `json:"leg"`
	Location      *struct {
		Name string   `json:"name"`
		Lat  *float64 `json:"lat"`
		Lng  *float64 `json:"lng"`
	} `json:"location"`
	Description string `json:"description"`
	Charge      *struct {
		LegID    string `json:"leg_id"`
		Kind     string `json:"kind"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	} `json:"charge"`
}

// statusNames are the carrier's statuses whose names differ from ours: a
// failed delivery attempt is an exception the carrier recovers from.
var statusNames = map[string]domain.Status{"delivery_failed": domain.StatusException}

func (e EventJSON) event() (app.CarrierEvent, error) {
	if e.ID == "" || e.Reference == "" || e.OccurredAt.IsZero() {
		return app.CarrierEvent{}, fmt.Errorf("an event needs an id, a reference and occurred_at")
	}
	out := app.CarrierEvent{ID: e.ID, Seq: e.Seq, SeqInShipment: e.SeqInShipment, Type: e.Type, Waybill: e.Waybill,
		Reference: e.Reference, OccurredAt: e.OccurredAt, Status: e.Status, Leg: e.Leg, Description: e.Description}
	if s, ok := statusNames[e.Status]; ok {
		out.Status = string(s)
	}
	if e.Location != nil {
		out.LocationName = e.Location.Name
		if e.Location.Lat != nil && e.Location.Lng != nil {
			out.Point = &geo.Point{Lat: *e.Location.Lat, Lng: *e.Location.Lng}
		}
	}
	switch e.Type {
	case "tracking":
	case "charge":
		if e.Charge == nil {
			return app.CarrierEvent{}, fmt.Errorf("a charge event needs a charge")
		}
		out.Charge = &app.Charge{LegID: e.Charge.LegID, Kind: domain.LegKind(e.Charge.Kind),
			Amount: money.Money{Amount: e.Charge.Amount, Currency: e.Charge.Currency}}
	default:
		return app.CarrierEvent{}, fmt.Errorf("unknown event type %q", e.Type)
	}
	return out, nil
}

// ParseEvent decodes a webhook body.
func (c *Client) ParseEvent(body []byte) (app.CarrierEvent, error) {
	var e EventJSON
	if err := json.Unmarshal(body, &e); err != nil {
		return app.CarrierEvent{}, fmt.Errorf("not a carrier event: %w", err)
	}
	return e.event()
}

// Events reads the feed after a position. An event it cannot read comes
// back marked Unreadable, in its place, so the reader can move past it.
func (c *Client) Events(ctx context.Context, ep domain.Endpoint, after int64, limit int) ([]app.CarrierEvent, bool, error) {
	var out struct {
		Events  []EventJSON `json:"events"`
		HasMore bool        `json:"has_more"`
	}
	path := "/v1/events?after=" + strconv.FormatInt(after, 10) + "&limit=" + strconv.Itoa(limit)
	if err := c.do(ctx, ep, http.MethodGet, path, "", nil, &out); err != nil {
		return nil, false, err
	}
	events := make([]app.CarrierEvent, 0, len(out.Events))
	for _, e := range out.Events {
		ev, err := e.event()
		if err != nil {
			ev = app.CarrierEvent{ID: e.ID, Seq: e.Seq, Unreadable: err.Error()}
		}
		events = append(events, ev)
	}
	return events, out.HasMore, nil
}

const maxResponse = 4 << 20

func (c *Client) do(ctx context.Context, ep domain.Endpoint, method, path, idemKey string, body, out any) error {
	req, err := httpjson.NewRequest(ctx, method, strings.TrimSuffix(ep.APIURL, "/")+path, ep.APIKey, idemKey, body)
	if err != nil {
		return fmt.Errorf("carrier: %w", err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return apperr.Unavailable("carrier unreachable").WithReason("CARRIER_UNAVAILABLE").Wrap(err)
	}
	raw, err := httpjson.ReadBody(res, maxResponse)
	if err != nil {
		return apperr.Unavailable("carrier answer cut short").WithReason("CARRIER_UNAVAILABLE").Wrap(err)
	}
	if res.StatusCode/100 != 2 {
		return carrierError(res.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return apperr.Unavailable("carrier answer undecodable: " + err.Error()).WithReason("CARRIER_UNAVAILABLE")
	}
	return nil
}

// carrierError maps a non-2xx answer (see the package comment).
func carrierError(status int, raw []byte) error {
	e := httpjson.ParseError(raw)
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	msg = "carrier: " + msg
	code := strings.ToUpper(e.Code)
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		field := e.Param
		if field == "" {
			field = "request"
		}
		reason := code
		if reason == "" {
			reason = "CARRIER_REFUSED"
		}
		return apperr.InvalidField(field, msg).WithReason(reason)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return apperr.FailedPrecondition(msg).WithReason(app.ReasonCarrierCredentials)
	case status == http.StatusNotFound && code == app.CarrierCodeResourceMissing:
		// The carrier's own answer that it holds no such resource, apart
		// from any other 404 (a wrong URL, a proxy's page).
		return apperr.NotFound("carrier resource", msg).WithReason(app.CarrierCodeResourceMissing)
	case status == http.StatusNotFound:
		return apperr.NotFound("carrier resource", msg)
	case status == http.StatusConflict:
		if code == "" {
			code = "CARRIER_CONFLICT"
		}
		return apperr.FailedPrecondition(msg).WithReason(code)
	default:
		return apperr.Unavailable(msg).WithReason("CARRIER_UNAVAILABLE")
	}
}
