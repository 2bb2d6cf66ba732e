package domain

import (
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/money"
)

// Status is where a parcel is in its journey.
type Status string

// The statuses of a shipment. Carriers report all but booked and cancelled,
// which Crossdock sets itself.
const (
	StatusBooked         Status = "booked"
	StatusPickedUp       Status = "picked_up"
	StatusInTransit      Status = "in_transit"
	StatusCustomsHold    Status = "customs_hold"
	StatusOutForDelivery Status = "out_for_delivery"
	StatusDelivered      Status = "delivered"
	StatusException      Status = "exception"
	StatusReturned       Status = "returned"
	StatusCancelled      Status = "cancelled"
)

// Final reports whether nothing moves a shipment in s any more.
func (s Status) Final() bool {
	return s == StatusDelivered || s == StatusReturned || s == StatusCancelled
}

// Kind says which way a parcel goes.
type Kind string

// The kinds of shipment.
const (
	KindOutbound Kind = "outbound"
	KindReturn   Kind = "return"
)

// Line is one SKU in a parcel.
type Line struct {
	SKUID    uuid.UUID
	Quantity int32
}

// Position is where a parcel was last seen.
type Position struct {
	Point geo.Point
	Name  string
	At    time.Time
}

// Shipment is one parcel booked with a carrier.
type Shipment struct {
	ID            uuid.UUID
	Kind          Kind
	SubOrderID    uuid.UUID
	OrderID       uuid.UUID
	ReturnID      string
	BuyerID       string
	SupplierOrgID uuid.UUID
	MethodID      uuid.UUID
	CarrierID     uuid.UUID
	Waybill       string
	Status        Status
	From, To      Address
	Lines         []Line
	WeightG       int64
	VolumeCM3     int64
	DeclaredValue money.Money
	GoodsPrice    money.Money
	ReservationID string
	// FreightPayer pays the carrier's confirmed legs.
	FreightPayer FreightPayer
	// MerchantOrgID is the merchant whose order the parcel carries (uuid.Nil
	// for a person's own): its members read it.
	MerchantOrgID uuid.UUID

	Position *Position
	// Leg is the kind of leg the position is on.
	Leg LegKind
	// LastEventAt, LastEventSeq and LastEventStage order the events
	// applied: a later one moves the parcel, an earlier one only joins the
	// history. LastEventStage is the booking the last event reported on (0:
	// not known, for parcels whose last event was applied before it was
	// kept).
	LastEventAt    time.Time
	LastEventSeq   int64
	LastEventStage int
	// ETA is the expected delivery, recomputed on every applied event; nil
	// once the parcel is delivered, returned or cancelled.
	ETA *time.Time

	CreatedAt   time.Time
	PickedUpAt  *time.Time
	DeliveredAt *time.Time
	// DeliveryReceivedAt is when this service learned of the delivery, or
	// the return (nil for parcels delivered or returned before it was
	// kept).
	DeliveryReceivedAt *time.Time
	CompletedAt        *time.Time
	CancelledAt        *time.Time
	// Committed is set once inventory's reservation has been committed.
	Committed bool
	// StockCommitRefusedAt is set when inventory refused for good to commit
	// the picked-up parcel's reservation (StockCommitRefusal says why: it
	// expired, was released, or is unknown there): the goods left, yet
	// inventory still counts them on hand. The stock worker does not ask
	// again; an operator settles it. Only the stock worker writes these
	// (SaveShipment leaves them).
	StockCommitRefusedAt *time.Time
	StockCommitRefusal   string
	// CarrierCancelDoneAt is set once a cancelled parcel's carrier holds no
	// live booking for it (cancelled there, or never made), or has refused
	// for good to cancel it (CarrierCancelRefusal says why: it has the
	// parcel). Until then the carrier would run, and charge, a parcel we
	// cancelled. See cancel.go.
	CarrierCancelDoneAt  *time.Time
	CarrierCancelRefusal string

	// Central is the central warehouse a parcel goes through, nil for a
	// direct parcel. Stage 1 is the booking to it (Waybill), stage 2 the
	// onward one to the address (OnwardWaybill), which parcels of one buyer
	// to one address share under one ConsolidationID.
	Central         *Address
	Stage           int
	AtCentralAt     *time.Time
	ConsolidationID uuid.UUID
	OnwardWaybill   string
}

// FreightPayer is who pays the carrier for the legs it confirms on an
// outbound parcel.
type FreightPayer string

const (
	// PayerEscrow is the sub-order's escrow: the buyer paid the freight to
	// us at checkout. The zero value.
	PayerEscrow FreightPayer = ""
	// PayerPlatform is the platform's freight expense: an order a partner
	// platform sold, whose buyer paid the partner, leaving no escrow.
	PayerPlatform FreightPayer = "platform"
)

// NewShipmentInput is what a shipment is created from.
type NewShipmentInput struct {
	Kind          Kind
	SubOrderID    uuid.UUID
	OrderID       uuid.UUID
	ReturnID      string
	BuyerID       string
	SupplierOrgID uuid.UUID
	MethodID      uuid.UUID
	From, To      Address
	Lines         []Line
	WeightG       int64
	VolumeCM3     int64
	DeclaredValue money.Money
	GoodsPrice    money.Money
	ReservationID string
	// Central routes the parcel through the central warehouse.
	Central *Address
	// FreightPayer pays the carrier's legs (outbound only). Left out of a
	// request's fingerprint when it is the escrow, so creations made before
	// it existed replay unchanged.
	FreightPayer FreightPayer `json:",omitempty"`
	// MerchantOrgID is the merchant whose order it is. Left out of the
	// request's fingerprint: it follows from the order, and a creation
	// recorded before orders sent it must replay when retried with it.
	MerchantOrgID uuid.UUID `json:"-"`
}

// MaxWeightG bounds a parcel's weight (1 t): more is a freight booking, not
// a parcel.
const MaxWeightG = 1_000_000

// Validate checks a new shipment's input; the method is checked apart,
// since it has to be looked up.
func (in NewShipmentInput) Validate() error {
	var v violations
	switch in.Kind {
	case KindOutbound:
		if in.ReturnID != "" {
			v.Add("return_id", "is only for a return shipment")
		}
	case KindReturn:
		apperr.CheckText(&v, "return_id", in.ReturnID, 1, 64)
		if in.FreightPayer != PayerEscrow {
			v.Add("freight_payer", "is only for an outbound shipment")
		}
	default:
		v.Add("kind", "must be outbound or return")
	}
	if in.FreightPayer != PayerEscrow && in.FreightPayer != PayerPlatform {
		v.Add("freight_payer", "must be the escrow or the platform")
	}
	if in.SubOrderID == uuid.Nil {
		v.Add("sub_order_id", "is required")
	}
	if in.OrderID == uuid.Nil {
		v.Add("order_id", "is required")
	}
	if !ValidBuyer(in.BuyerID) {
		v.Add("buyer_id", `must be the buyer's user id (a UUID), or a partner channel's buyer ("partner:<code>/<buyer>")`)
	}
	if in.SupplierOrgID == uuid.Nil {
		v.Add("supplier_org_id", "is required")
	}
	apperr.CheckText(&v, "reservation_id", in.ReservationID, 0, 200)
	in.From.validate(&v, "from")
	in.To.validate(&v, "to")
	if in.Central != nil {
		in.Central.validate(&v, "central_warehouse")
	}
	if len(in.Lines) == 0 {
		v.Add("lines", "a parcel holds at least one line")
	}
	for i, l := range in.Lines {
		if l.SKUID == uuid.Nil {
			v.Add(apperr.Index("lines", i, "sku_id"), "is required")
		}
		if l.Quantity <= 0 {
			v.Add(apperr.Index("lines", i, "quantity"), "must be positive")
		}
	}
	switch {
	case in.WeightG <= 0:
		v.Add("weight_g", "a parcel has a weight: give it in grams")
	case in.WeightG > MaxWeightG:
		v.Add("weight_g", "must be at most 1000000 (one tonne)")
	}
	if in.VolumeCM3 < 0 {
		v.Add("volume_cm3", "must not be negative")
	}
	checkMoney(&v, "declared_value", in.DeclaredValue)
	checkMoney(&v, "goods_price", in.GoodsPrice)
	return v.Err()
}

func checkMoney(v *violations, field string, m money.Money) {
	if err := m.Validate(); err != nil || m.Amount < 0 {
		v.Add(field, "must be a non-negative amount in an ISO 4217 currency")
	}
}

// Origin is where distances start before pick-up.
func (s Shipment) Origin() geo.Point {
	p, _, _ := s.From.Point()
	return p
}

// Route is the route of the shipment's current booking: to the central
// warehouse in stage 1 of a parcel going through it, else to the address.
func (s Shipment) Route() []Stage {
	if s.Central != nil && s.Stage < 2 {
		return route(s.From, *s.Central)
	}
	if s.Central != nil {
		return route(*s.Central, s.To)
	}
	return route(s.From, s.To)
}

// onward is the route from the central warehouse, still ahead in stage 1.
func (s Shipment) onward() []Stage {
	if s.Central == nil || s.Stage >= 2 {
		return nil
	}
	return route(*s.Central, s.To)
}

func route(from, to Address) []Stage {
	a, _, _ := from.Point()
	b, _, _ := to.Point()
	return PlanRoute(a, b, from.Country, to.Country)
}

// remaining is how long the rest of the journey takes from pos on a leg of
// kind leg of the current booking (nil: not picked up), including the
// onward booking's handling and route for a parcel still on its way to the
// central warehouse, and the consolidation wait there.
func (s Shipment) remaining(speed Speed, leg LegKind, pos *geo.Point, consolidation time.Duration) time.Duration {
	d := Remaining(s.Route(), speed, leg, pos)
	if onward := s.onward(); onward != nil {
		d += consolidation + Remaining(onward, speed, LegDomestic, nil)
	}
	return d
}

// DistanceLeft is the great-circle distance from the parcel (or its origin
// before pick-up) to the address, and what the address end stands for.
func (s Shipment) DistanceLeft() (float64, geo.Basis) {
	to, basis, _ := s.To.Point()
	from := s.Origin()
	if s.Position != nil {
		from = s.Position.Point
	}
	return geo.DistanceKm(from, to), basis
}

// ETAAt is the expected delivery as a reader sees it at now: unset once the
// journey is over, and never in the past (a parcel running late is expected
// overdueSlack from now).
func (s Shipment) ETAAt(now time.Time, overdueSlack time.Duration) *time.Time {
	if s.Status.Final() || s.ETA == nil {
		return nil
	}
	if s.ETA.Before(now) {
		t := now.Add(overdueSlack)
		return &t
	}
	return s.ETA
}

// Book records the carrier's waybill and, unless tracking events arrived
// before the booking's answer was stored, the first ETA.
func (s *Shipment) Book(waybill string, speed Speed, timing Timing, at time.Time) {
	s.Waybill = waybill
	if s.LastEventAt.IsZero() {
		eta := at.Add(timing.Scaled(s.remaining(speed, LegDomestic, nil, timing.Consolidation)))
		s.ETA = &eta
	}
}

// BookOnward records the onward booking from the central warehouse shared
// by a consolidation: the parcel is in stage 2, waiting for the carrier.
func (s *Shipment) BookOnward(consolidation uuid.UUID, waybill string, speed Speed, timing Timing, at time.Time) {
	s.ConsolidationID, s.OnwardWaybill, s.Stage = consolidation, waybill, 2
	s.Status, s.Leg = StatusInTransit, LegDomestic
	eta := at.Add(timing.Scaled(s.remaining(speed, LegDomestic, nil, 0)))
	s.ETA = &eta
}

// Timing is how journey durations become times: the carrier's time scale
// (1 for a real one; a simulator's runs faster than real time) and how long
// parcels wait at the central warehouse for others to consolidate with.
type Timing struct {
	TimeScale     float64
	Consolidation time.Duration
}

// Scaled divides a journey's duration by the time scale.
func (t Timing) Scaled(d time.Duration) time.Duration {
	if t.TimeScale <= 1 {
		return d
	}
	return time.Duration(float64(d) / t.TimeScale)
}

// ValidBuyer accepts a Crossdock user id, or the buyer of an order a
// partner platform sold ("partner:<code>/<the partner's buyer>"): their
// parcels travel like any other, and consolidate per such buyer too.
func ValidBuyer(id string) bool {
	if _, err := uuid.Parse(id); err == nil {
		return true
	}
	channel, buyer, ok := strings.Cut(id, "/")
	return ok && strings.HasPrefix(channel, "partner:") && len(channel) > len("partner:") && strings.TrimSpace(buyer) != "" && len(id) <= 300 &&
		!strings.ContainsFunc(id, unicode.IsControl)
}
