package app

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// Store is the logistics database. Reads may run on it directly; every
// command runs in one transaction through InTx, and its events commit with it.
type Store interface {
	Repository
	// InTx runs fn in a transaction and commits it when fn returns nil. A
	// serialization failure or deadlock runs fn again, so fn must have no
	// effects outside the transaction.
	InTx(ctx context.Context, fn func(Repository) error) error
}

// Event is one fact to publish through the outbox.
type Event = outbox.Message

// Repository is everything a command may do in its transaction. Methods
// that return one object give an apperr NotFound error when it does not
// exist.
type Repository interface {
	Emit(ctx context.Context, events ...Event) error
	Carriers
	Shipments
	Tracking
	Legs
}

// Carriers stores carriers and their shipping methods.
type Carriers interface {
	// CreateCarrier stores a new carrier; a taken code is AlreadyExists.
	CreateCarrier(ctx context.Context, c domain.Carrier) error
	SaveCarrier(ctx context.Context, c domain.Carrier) error
	GetCarrier(ctx context.Context, id uuid.UUID) (domain.Carrier, error)
	// LockCarrier is GetCarrier holding the row until the transaction
	// ends: an update reads what it changes under the lock.
	LockCarrier(ctx context.Context, id uuid.UUID) (domain.Carrier, error)
	GetCarrierByCode(ctx context.Context, code string) (domain.Carrier, error)
	ListCarriers(ctx context.Context) ([]domain.Carrier, error)
	// CreateMethod stores a new method; a code taken at its carrier is
	// AlreadyExists.
	CreateMethod(ctx context.Context, m domain.Method) error
	SaveMethod(ctx context.Context, m domain.Method) error
	GetMethod(ctx context.Context, id uuid.UUID) (domain.Method, error)
	// LockMethod is GetMethod holding the row until the transaction ends
	// (FOR NO KEY UPDATE: parcels booked on the method meanwhile are not
	// held up by their foreign key's check).
	LockMethod(ctx context.Context, id uuid.UUID) (domain.Method, error)
	// ListMethods lists methods oldest first: active ones of active
	// carriers, or all.
	ListMethods(ctx context.Context, includeInactive bool) ([]domain.Method, error)
}

// ShipmentFilter narrows a list of shipments; zero fields match all.
type ShipmentFilter struct {
	BuyerID       string
	SupplierOrgID uuid.UUID
	Statuses      []domain.Status
	// MerchantOrgID keeps a merchant's parcels, and with BuyerID set also
	// that buyer's parcels booked before parcels named their merchant;
	// OwnOnly keeps those of no merchant (a person's own orders).
	MerchantOrgID uuid.UUID
	OwnOnly       bool
}

// query is what the list's page tokens are bound to (paging.EncodeFor):
// the filter, its statuses in one order. Another filter's list would start
// at the token's place and skip the rows before it.
func (f ShipmentFilter) query() ShipmentFilter {
	f.Statuses = slices.Sorted(slices.Values(f.Statuses))
	return f
}

// ShipmentCursor is the keyset position of a page: newest first.
type ShipmentCursor struct {
	CreatedAt time.Time `json:"t"`
	ID        uuid.UUID `json:"i"`
}

// EventCursor is the keyset position of a page of a shipment's events,
// oldest first: the last event served (its time, sequence, carrier and id,
// which together order events of two carriers at one instant) and the
// shipment the token was made for.
type EventCursor struct {
	ShipmentID uuid.UUID `json:"p"`
	OccurredAt time.Time `json:"t"`
	Seq        int64     `json:"s"`
	CarrierID  uuid.UUID `json:"c"`
	EventID    string    `json:"e"`
}

// Valid refuses a cursor no page could have made.
func (c EventCursor) Valid() bool {
	return c.ShipmentID != uuid.Nil && c.CarrierID != uuid.Nil && c.EventID != ""
}

// Details is a shipment with what its readers see beside it.
type Details struct {
	Shipment    domain.Shipment
	Method      domain.Method
	CarrierCode string
	Legs        []domain.Leg
	Recent      []StoredEvent
}

// Shipments stores shipments.
type Shipments interface {
	// InsertShipment stores a new shipment unless one with its key (the
	// sub-order for an outbound parcel, the return id for a return)
	// exists; it reports whether it inserted.
	InsertShipment(ctx context.Context, s domain.Shipment, fingerprint []byte) (bool, error)
	// FindShipmentByKey returns the shipment with a key and the fingerprint
	// of the request that created it.
	FindShipmentByKey(ctx context.Context, kind domain.Kind, subOrderID uuid.UUID, returnID string) (domain.Shipment, []byte, error)
	// GetShipment returns a shipment; forUpdate locks its row until the
	// transaction ends.
	GetShipment(ctx context.Context, id uuid.UUID, forUpdate bool) (domain.Shipment, error)
	// GetSubOrderShipment returns a sub-order's outbound shipment.
	GetSubOrderShipment(ctx context.Context, subOrderID uuid.UUID) (domain.Shipment, error)
	// ShipmentDetails reads a shipment with what its view shows: its
	// method, its carrier's code, its legs and its newest recent events.
	ShipmentDetails(ctx context.Context, id uuid.UUID, recent int) (Details, error)
	SaveShipment(ctx context.Context, s domain.Shipment) error
	// LockShipments locks the shipments whose id or consolidation id is
	// among refs, in id order, until the transaction ends.
	LockShipments(ctx context.Context, refs []uuid.UUID) ([]domain.Shipment, error)
	// WaitingAtCentral returns parcels at the central warehouse without an
	// onward booking, longest waiting first, leaving out those of the
	// carriers in skip.
	WaitingAtCentral(ctx context.Context, now time.Time, limit int, skip []uuid.UUID) ([]domain.Shipment, error)
	// DeferOnward leaves a consolidation's parcels out of WaitingAtCentral
	// until until: the carrier refused their onward booking.
	DeferOnward(ctx context.Context, consolidation uuid.UUID, until time.Time) error
	// WaitingInConsolidation returns a consolidation's parcels still
	// waiting at the central warehouse, however many others wait there.
	WaitingInConsolidation(ctx context.Context, consolidation uuid.UUID) ([]domain.Shipment, error)
	// SetConsolidation puts the parcels among ids that have none into a
	// consolidation, and returns how many it set.
	SetConsolidation(ctx context.Context, ids []uuid.UUID, consolidation uuid.UUID) (int, error)
	// SaveShipments saves several shipments in one round trip.
	SaveShipments(ctx context.Context, list []domain.Shipment) error
	// Unbooked returns shipments created before a time that still have no
	// waybill and are not cancelled (moved by the carrier's events or not),
	// oldest first, a fair share of limit per carrier.
	Unbooked(ctx context.Context, before time.Time, limit int) ([]domain.Shipment, error)
	// UncancelledAtCarrier returns shipments cancelled before a time whose
	// carrier's side is not done, longest cancelled first, a fair share of
	// limit per carrier.
	UncancelledAtCarrier(ctx context.Context, before time.Time, limit int) ([]domain.Shipment, error)
	// DeleteShipment removes a shipment the carrier refused to book, unless
	// it was cancelled meanwhile (the row records the cancellation).
	DeleteShipment(ctx context.Context, id uuid.UUID) error
	ListShipments(ctx context.Context, f ShipmentFilter, after *ShipmentCursor, limit int) ([]domain.Shipment, error)
	// ShipmentsToCommit returns picked-up shipments whose reservation is
	// not committed yet, nor refused by inventory for good.
	ShipmentsToCommit(ctx context.Context, limit int) ([]domain.Shipment, error)
	MarkCommitted(ctx context.Context, id uuid.UUID) error
	// MarkStockCommitRefused records that inventory refused for good to
	// commit a shipment's reservation, and why: it leaves the stock
	// worker's queue and waits for an operator.
	MarkStockCommitRefused(ctx context.Context, id uuid.UUID, reason string, at time.Time) error
}

// StoredEvent is a tracking event as recorded.
type StoredEvent struct {
	domain.TrackingEvent
	Applied    bool
	ReceivedAt time.Time
}

// EventKey identifies a tracking event: its carrier and its id there.
type EventKey struct {
	CarrierID uuid.UUID
	EventID   string
}

// RecordedEvent is a tracking event with the parcel it belongs to.
type RecordedEvent struct {
	CarrierID, ShipmentID uuid.UUID
	StoredEvent
}

// Tracking stores the tracking events and how far each carrier's feed was
// read.
type Tracking interface {
	// KnownTrackingEvents returns which of keys are recorded.
	KnownTrackingEvents(ctx context.Context, keys []EventKey) (map[EventKey]bool, error)
	// InsertTrackingEvents records new events (their ids checked unknown
	// under their parcels' locks).
	InsertTrackingEvents(ctx context.Context, events []RecordedEvent) error
	// TrackingEventsPage returns up to size of a shipment's events in
	// event-time order after the cursor (from the first when nil), and the
	// cursor of the last when more follow.
	TrackingEventsPage(ctx context.Context, shipmentID uuid.UUID, after *EventCursor, size int) ([]StoredEvent, *EventCursor, error)
	// FeedCursor returns the last position read from a carrier's feed
	// (0 before the first), named by the environment and its endpoint's API
	// URL: each endpoint is a system of its own, numbering its events from 1.
	FeedCursor(ctx context.Context, carrierID uuid.UUID, feed string) (int64, error)
	SaveFeedCursor(ctx context.Context, carrierID uuid.UUID, feed string, after int64, at time.Time) error
	// ParkCarrierEvent keeps a carrier's event that cannot be applied yet
	// (its consolidation's onward booking not stored), so the feed reads on.
	ParkCarrierEvent(ctx context.Context, carrierID uuid.UUID, ev CarrierEvent, at time.Time) error
	// ParkedCarrierEvents returns up to limit of a carrier's parked events,
	// oldest first.
	ParkedCarrierEvents(ctx context.Context, carrierID uuid.UUID, limit int) ([]ParkedEvent, error)
	// UnparkCarrierEvents removes parked events once applied or found to
	// apply to nothing.
	UnparkCarrierEvents(ctx context.Context, ids []int64) error
}

// ParkedEvent is a carrier event kept until it can be applied.
type ParkedEvent struct {
	ID       int64
	Event    CarrierEvent
	ParkedAt time.Time
}

// PayableLeg is a confirmed leg waiting to be paid, with what the payment
// needs.
type PayableLeg struct {
	domain.Leg
	SubOrderID uuid.UUID
	// CarrierID is the leg's carrier (the shipment's).
	CarrierID uuid.UUID
	// Payer is the shipment's: the escrow, or the platform for a partner
	// platform's order.
	Payer domain.FreightPayer
	// ShipmentKind and ReturnID are the shipment's: a return parcel names
	// its after-sale request.
	ShipmentKind domain.Kind
	ReturnID     string
}

// LegPayment is a leg as finance pays it.
type LegPayment struct {
	SubOrderID uuid.UUID
	// LegID is the leg's payment reference (domain.Leg.PaymentRef), which
	// finance pays once across every carrier; not the carrier's leg id.
	LegID     string
	CarrierID uuid.UUID
	Amount    money.Money
	// FromPlatform pays it from the platform's freight expense; AfterSaleID
	// names the return a return parcel's leg carried back.
	FromPlatform bool
	AfterSaleID  string
}

// Payment is how finance pays the leg. A return parcel's freight is the
// platform's: who is at fault is not recorded (a buyer's reason is free
// text), the carrier is owed once it confirms the leg, and the escrow
// holds the outbound freight the buyer paid, not this. A partner order's
// parcel is the platform's too (its buyer paid the partner); the rest are
// paid from the sub-order's escrow.
func (l PayableLeg) Payment() LegPayment {
	p := LegPayment{SubOrderID: l.SubOrderID, LegID: l.PaymentRef, CarrierID: l.CarrierID, Amount: l.Amount, FromPlatform: l.Payer == domain.PayerPlatform}
	if l.ShipmentKind == domain.KindReturn {
		p.FromPlatform, p.AfterSaleID = true, l.ReturnID
	}
	return p
}

// Legs stores the freight legs carriers confirmed.
type Legs interface {
	// InsertLeg records a leg, with its payment reference, unless its
	// carrier has a leg with its id (another carrier's leg of that id is
	// another leg); it reports whether it was new.
	InsertLeg(ctx context.Context, carrierID uuid.UUID, l domain.Leg) (bool, error)
	ListLegs(ctx context.Context, shipmentID uuid.UUID) ([]domain.Leg, error)
	// UnpaidLegs returns legs not yet paid nor refused, of outbound and
	// return shipments, oldest first.
	UnpaidLegs(ctx context.Context, limit int) ([]PayableLeg, error)
	// MarkLegPaid and MarkLegRefused name a leg by its carrier and the
	// carrier's leg id.
	MarkLegPaid(ctx context.Context, carrierID uuid.UUID, legID string, at time.Time) error
	// MarkLegRefused records that finance refused a leg for good.
	MarkLegRefused(ctx context.Context, carrierID uuid.UUID, legID, reason string, at time.Time) error
}

// Booking is what a carrier needs to book a parcel.
type Booking struct {
	Reference      string
	Service        string
	From, To       domain.Address
	WeightG        int64
	VolumeCM3      int64
	DeclaredValue  money.Money
	ChargeCurrency string
}

// Charge is a carrier's confirmed charge for a leg.
type Charge struct {
	LegID  string
	Kind   domain.LegKind
	Amount money.Money
}

// CarrierEvent is one event of a carrier, as a webhook or the feed brings it.
type CarrierEvent struct {
	ID            string
	Seq           int64
	SeqInShipment int64
	// Type is "tracking" or "charge".
	Type         string
	Waybill      string
	Reference    string
	OccurredAt   time.Time
	Status       string
	Leg          string
	LocationName string
	Point        *geo.Point
	Description  string
	Charge       *Charge
	// Unreadable says why the adapter could not read this feed event (a
	// type it does not know, a charge without its charge). Such an event
	// carries only its ID and Seq: the feed is read past it, so one event
	// no version of this service can apply does not stop the carrier's
	// feed for good.
	Unreadable string
}

// ReasonCarrierCredentials is the reason of a carrier's refusal of our
// credentials: an operator's to fix, after which the same call succeeds,
// unlike the carrier's refusals of the call itself.
const ReasonCarrierCredentials = "CARRIER_CREDENTIALS"

// CarrierAPI is a carrier's HTTP API.
type CarrierAPI interface {
	// Book books a parcel and returns its waybill; the carrier deduplicates
	// on the reference. A refusal of the parcel (an unserved destination,
	// say) is an apperr InvalidArgument naming the field.
	Book(ctx context.Context, ep domain.Endpoint, b Booking) (string, error)
	// Cancel cancels a booking; cancelling it again answers the same. After
	// pick-up it is FailedPrecondition, a waybill the carrier does not know
	// NotFound; credentials it refuses are FailedPrecondition with
	// ReasonCarrierCredentials.
	Cancel(ctx context.Context, ep domain.Endpoint, waybill string) error
	// Events reads the carrier's event feed after a position.
	Events(ctx context.Context, ep domain.Endpoint, after int64, limit int) (events []CarrierEvent, more bool, err error)
	// ParseEvent decodes a webhook body.
	ParseEvent(body []byte) (CarrierEvent, error)
}

// Finance pays freight legs and knows exchange rates.
type Finance interface {
	// PayFreightLeg pays a leg to the carrier from the sub-order's escrow,
	// or from the platform's freight expense (LegPayment.FromPlatform),
	// idempotent on the leg id.
	PayFreightLeg(ctx context.Context, p LegPayment) error
	// RateToBase is one unit of currency in base-currency units, now.
	RateToBase(ctx context.Context, currency string) (string, error)
}

// Inventory commits a parcel's reserved stock when the carrier takes it.
type Inventory interface {
	// Commit commits a reservation whose goods left at shippedAt (the
	// carrier's pick-up): a count inventory got since then already did
	// without them.
	Commit(ctx context.Context, reservationID string, shippedAt time.Time) error
}
