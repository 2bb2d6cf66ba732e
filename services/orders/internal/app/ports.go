package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Users reads a buyer's address book.
type Users interface {
	// DefaultAddress returns the buyer's default address, nil when the buyer
	// has none.
	DefaultAddress(ctx context.Context, buyerID string) (*domain.Address, error)
	// FindHolders returns the holders that are accounts, with what each is;
	// the others are absent.
	FindHolders(ctx context.Context, holders []domain.Holder) (map[domain.Holder]domain.AccountKind, error)
}

// Freight estimates a parcel's target freight.
type Freight interface {
	// Estimate returns the target freight of a physical draft shipped to
	// address, converted to currency, with its breakdown.
	Estimate(ctx context.Context, d domain.SubOrderDraft, to domain.Address, currency string) (money.Money, domain.FreightBreakdown, error)
}

// Quote is a rate finance locked for a conversion.
type Quote struct {
	ID   string
	Rate money.Rate
}

// Escrow is a sub-order's escrow as finance holds it.
type Escrow struct {
	Balance money.Money
	Settled bool
}

// TopUpRequest is finance asking the buyer for what escrow lacked.
type TopUpRequest struct {
	ID     string
	Amount money.Money
}

// Finance moves the money: quotes, the checkout's payment, refunds and
// settlement. Every command is idempotent on its key.
type Finance interface {
	// Quote locks the rate from → to for lockFor.
	Quote(ctx context.Context, from, to string, lockFor time.Duration) (Quote, error)
	// PayCheckout takes the order's total from the buyer's wallet into its
	// sub-orders' escrows, once per order id.
	PayCheckout(ctx context.Context, o domain.Order) error
	// Escrow returns a sub-order's escrow; nil when it was never paid.
	Escrow(ctx context.Context, subOrderID uuid.UUID) (*Escrow, error)
	// Refund returns amount of a sub-order's escrow to the buyer, once per
	// refund id: from escrow before settlement, clawed back from the
	// supplier's payable after it.
	Refund(ctx context.Context, subOrderID uuid.UUID, refundID string, amount money.Money) (Refund, error)
	// FundCoupon sets the platform-funded discount in the sub-order's
	// escrow (from coupon expense) before it settles: asked again with less
	// (a return refunded meanwhile), it takes the difference back.
	FundCoupon(ctx context.Context, subOrderID uuid.UUID, couponID string, amount money.Money) error
	// ReclaimCoupon takes back from a settled sub-order's supplier the
	// platform's coupon funding of goods returned, once per reclaim id; a
	// payable that cannot pay it yet is INSUFFICIENT_FUNDS.
	ReclaimCoupon(ctx context.Context, subOrderID uuid.UUID, couponID, reclaimID string, amount money.Money) error
	// Settle pays the supplier the goods and refunds the buyer the rest;
	// when escrow is short it answers the top-up request instead.
	Settle(ctx context.Context, subOrderID uuid.UUID, goods money.Money) (*TopUpRequest, error)
}

// Refund is finance's answer to a refund.
type Refund struct {
	// ClawBack: the sub-order was settled, so the supplier's payable paid.
	ClawBack bool
	// Waiting: the payable could not pay yet; finance pays it later and
	// answers a retry with the refund once done.
	Waiting bool
}

// Inventory holds and releases stock. Each sub-order is its own
// reservation (keyed by its id), so a parcel's pick-up commits only its
// own goods.
type Inventory interface {
	// Available returns the units available per SKU.
	Available(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error)
	// Reserve holds the lines until ttl from now; again with the same lines
	// it extends the hold. held is false when the reservation exists but no
	// longer holds (expired or released).
	Reserve(ctx context.Context, key uuid.UUID, lines []domain.OrderLine, ttl time.Duration) (held bool, err error)
	// ReserveMany is Reserve for several keys at once, answered per key in
	// the order given; an error of the call itself fails them all.
	ReserveMany(ctx context.Context, holds []Hold) ([]HoldAnswer, error)
	// Release gives the stock back; a reservation that never existed is
	// nothing to release.
	Release(ctx context.Context, key uuid.UUID, reason string) error
	// Commit turns the hold into a shipment.
	Commit(ctx context.Context, key uuid.UUID) error
	// Restock puts returned goods back on hand in the supplier's
	// warehouse, once per key.
	Restock(ctx context.Context, warehouseID uuid.UUID, key string, lines []domain.AfterSaleLine) error
	// WarehouseSupplier returns the supplier a warehouse belongs to
	// (uuid.Nil for the platform's central warehouse); NotFound for none.
	WarehouseSupplier(ctx context.Context, warehouseID uuid.UUID) (uuid.UUID, error)
}

// ShipInput is a sub-order's parcel for logistics to book.
type ShipInput struct {
	Order    domain.Order
	SubOrder domain.SubOrder
	MethodID uuid.UUID
	From     domain.Address
	// PlatformPays has the carrier's legs paid from the platform's freight
	// expense, not the sub-order's escrow: a partner order's parcel
	// (Order.FreightPaidByPlatform) and an exchange's replacement.
	PlatformPays bool
}

// ReturnInput is an after-sale request's parcel back to the supplier, by
// the method the goods came with.
type ReturnInput struct {
	AfterSale domain.AfterSale
	SubOrder  domain.SubOrder
	MethodID  string
	To        domain.Address
	// MerchantOrgID is the merchant whose order it is, uuid.Nil for none:
	// its members read the parcel.
	MerchantOrgID uuid.UUID
}

// Shipment is a booked parcel.
type Shipment struct {
	ID          uuid.UUID
	Waybill     string
	CarrierCode string
}

// Parcel is where a shipped sub-order's parcel is.
type Parcel struct {
	Shipment
	MethodID, MethodName string
	Status               string
	Position             string
	DistanceLeftKM       float64
	ETA, DeliveredAt     *time.Time
	// From is where it was shipped from: where its returns go.
	From *domain.Address
	// UnpaidLegs counts confirmed freight legs not yet paid from escrow
	// (and not refused for good): settlement waits for them.
	UnpaidLegs int
	// FreightPending: the carrier's last charge is still on its way (for a
	// bounded time after delivery or return); settlement, and a returned
	// parcel's refund, wait for it too.
	FreightPending bool
}

// Delivered reports whether the carrier delivered the parcel: logistics
// stamps its delivery time when, and only when, it publishes
// logistics.shipment.delivered.
func (p Parcel) Delivered() bool { return p.DeliveredAt != nil }

// ReturnedToSender reports whether the carrier gave up delivering the
// parcel and took it back to where it was shipped from.
func (p Parcel) ReturnedToSender() bool { return p.Status == ParcelReturned }

// Cancelled reports whether the parcel's booking was cancelled.
func (p Parcel) Cancelled() bool { return p.Status == ParcelCancelled }

// The statuses of a parcel returned to its sender and of one cancelled.
const (
	ParcelReturned  = "SHIPMENT_STATUS_RETURNED"
	ParcelCancelled = "SHIPMENT_STATUS_CANCELLED"
)

// Logistics books, tracks, cancels and completes parcels.
type Logistics interface {
	Ship(ctx context.Context, in ShipInput) (Shipment, error)
	// ShipReturn books a return parcel from the buyer back to the
	// supplier, once per after-sale request.
	ShipReturn(ctx context.Context, in ReturnInput) (Shipment, error)
	// Parcel returns the sub-order's outbound parcel, nil when none.
	Parcel(ctx context.Context, subOrderID uuid.UUID) (*Parcel, error)
	// ReturnParcel returns a request's return parcel by its shipment id,
	// nil when logistics has none.
	ReturnParcel(ctx context.Context, shipmentID uuid.UUID) (*Parcel, error)
	// Cancel cancels the sub-order's parcel if it has one not picked up.
	Cancel(ctx context.Context, subOrderID uuid.UUID, reason string) error
	// CancelReturn cancels a return parcel; cancelled is false when the
	// carrier has picked it up (the goods are on their way back).
	CancelReturn(ctx context.Context, shipmentID uuid.UUID, reason string) (cancelled bool, err error)
	// Complete records that the sub-order completed (the actual bill goes
	// to the freight history).
	Complete(ctx context.Context, shipmentID uuid.UUID) error
}

// Hold is one key's stock to reserve in a ReserveMany.
type Hold struct {
	Key   uuid.UUID
	Lines []domain.OrderLine
	TTL   time.Duration
}

// HoldAnswer is one Hold's answer: Held as Reserve's, or its refusal.
type HoldAnswer struct {
	Held bool
	Err  error
}
