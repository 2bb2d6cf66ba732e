package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// Status is where an order or a sub-order is in its life.
type Status string

// The statuses. An order is pending payment, paid, cancelled or completed;
// its sub-orders go on from paid through their supplier's fulfilment.
const (
	PendingPayment Status = "pending_payment"
	Paid           Status = "paid"
	Accepted       Status = "accepted"
	Shipped        Status = "shipped"
	Delivered      Status = "delivered"
	// AwaitingTopUp: settlement found the escrow short; the buyer is asked
	// for the difference and the sub-order completes once it is paid.
	AwaitingTopUp Status = "awaiting_top_up"
	Completed     Status = "completed"
	Cancelled     Status = "cancelled"
)

// Terminal reports whether nothing follows s.
func (s Status) Terminal() bool { return s == Completed || s == Cancelled }

// subOrderMoves are the transitions a sub-order may make.
var subOrderMoves = map[Status][]Status{
	PendingPayment: {Paid, Cancelled},
	Paid:           {Accepted, Shipped, Cancelled},
	Accepted:       {Shipped, Delivered, Cancelled},
	Shipped:        {Delivered, Cancelled}, // cancelled: returned to its sender
	Delivered:      {Completed, AwaitingTopUp},
	AwaitingTopUp:  {Completed},
}

// orderMoves are the transitions an order may make.
var orderMoves = map[Status][]Status{
	PendingPayment: {Paid, Cancelled},
	Paid:           {Completed, Cancelled},
}

// ActorKind says who made a change.
type ActorKind string

// The kinds of actor in a change log.
const (
	ActorBuyer    ActorKind = "buyer"
	ActorSupplier ActorKind = "supplier"
	ActorOperator ActorKind = "operator"
	// ActorSystem is the service itself: a timer, an event handled.
	ActorSystem ActorKind = "system"
)

// Actor is who made a change.
type Actor struct {
	Kind ActorKind
	ID   string
}

// Change is one entry of an order's change log: who moved what from which
// status to which, when and why.
type Change struct {
	OrderID    uuid.UUID
	SubOrderID uuid.UUID // zero for the order itself
	From, To   Status
	Actor      Actor
	Reason     string
	At         time.Time
}

// transition checks a move against the table and returns its log entry.
func transition(moves map[Status][]Status, what string, from, to Status) error {
	for _, allowed := range moves[from] {
		if allowed == to {
			return nil
		}
	}
	return apperr.FailedPrecondition("the "+what+" is "+string(from)+" and cannot become "+string(to)).
		WithReason("INVALID_TRANSITION").WithMetadata("from", string(from)).WithMetadata("to", string(to))
}

// Move changes the sub-order's status and returns the change to log; a
// move the state machine does not allow is FailedPrecondition and changes
// nothing.
func (s *SubOrder) Move(to Status, by Actor, reason string, at time.Time) (Change, error) {
	if err := transition(subOrderMoves, "sub-order", s.Status, to); err != nil {
		return Change{}, err
	}
	c := Change{OrderID: s.OrderID, SubOrderID: s.ID, From: s.Status, To: to, Actor: by, Reason: reason, At: at}
	s.Status = to
	return c, nil
}

// Cancellable reports whether the buyer may still cancel: nothing shipped.
func (s SubOrder) Cancellable() bool {
	return s.Status == PendingPayment || s.Status == Paid || s.Status == Accepted
}

// Move changes the order's status and returns the change to log.
func (o *Order) Move(to Status, by Actor, reason string, at time.Time) (Change, error) {
	if err := transition(orderMoves, "order", o.Status, to); err != nil {
		return Change{}, err
	}
	c := Change{OrderID: o.ID, From: o.Status, To: to, Actor: by, Reason: reason, At: at}
	o.Status = to
	return c, nil
}

// Pay moves a pending order and every sub-order to paid, before its
// deadline; after it the order is cancelled by its timer, not paid.
func (o *Order) Pay(by Actor, at time.Time) ([]Change, error) {
	if o.Status == PendingPayment && !at.Before(o.PaymentDueAt) {
		return nil, apperr.FailedPrecondition("the payment deadline has passed").WithReason("PAYMENT_DEADLINE_PASSED")
	}
	return o.moveAll(Paid, by, "paid", at)
}

// RecordPayment moves a pending order and its sub-orders to paid whatever
// the time: finance took the money (perhaps in the deadline's last
// moment), so the order is paid.
func (o *Order) RecordPayment(by Actor, at time.Time) ([]Change, error) {
	return o.moveAll(Paid, by, "paid", at)
}

// Cancel cancels a pending order (timeout or the buyer), or a paid one whose
// sub-orders have not shipped; the changes list what to compensate.
func (o *Order) Cancel(by Actor, reason string, at time.Time) ([]Change, error) {
	for _, s := range o.SubOrders {
		if !s.Cancellable() && s.Status != Cancelled {
			return nil, apperr.FailedPrecondition("sub-order " + s.ID.String() + " has shipped; the order can no longer be cancelled").WithReason("ALREADY_SHIPPED")
		}
	}
	return o.moveAll(Cancelled, by, reason, at)
}

// moveAll moves the order and its sub-orders not already there; all or
// nothing.
func (o *Order) moveAll(to Status, by Actor, reason string, at time.Time) ([]Change, error) {
	next := *o
	next.SubOrders = append([]SubOrder(nil), o.SubOrders...)
	first, err := next.Move(to, by, reason, at)
	if err != nil {
		return nil, err
	}
	changes := []Change{first}
	for i := range next.SubOrders {
		if next.SubOrders[i].Status == to {
			continue
		}
		c, err := next.SubOrders[i].Move(to, by, reason, at)
		if err != nil {
			return nil, err
		}
		changes = append(changes, c)
	}
	*o = next
	return changes, nil
}

// Settle records a sub-order's completion and completes the order once
// every sub-order is completed or cancelled.
func (o *Order) Settle(subOrderID uuid.UUID, by Actor, at time.Time) ([]Change, error) {
	return o.MoveSubOrder(subOrderID, Completed, by, "settled", at)
}

// MoveSubOrder moves one sub-order and, when that leaves every sub-order
// completed or cancelled, finishes the order: cancelled when nothing was
// completed, completed otherwise.
func (o *Order) MoveSubOrder(subOrderID uuid.UUID, to Status, by Actor, reason string, at time.Time) ([]Change, error) {
	s := o.SubOrder(subOrderID)
	if s == nil {
		return nil, apperr.NotFound("sub-order", subOrderID.String())
	}
	c, err := s.Move(to, by, reason, at)
	if err != nil {
		return nil, err
	}
	return append([]Change{c}, o.finish(by, at)...), nil
}

// finish moves a paid order on once none of its sub-orders has anything
// left to do.
func (o *Order) finish(by Actor, at time.Time) []Change {
	if o.Status != Paid {
		return nil
	}
	completed := false
	for _, s := range o.SubOrders {
		if !s.Status.Terminal() {
			return nil
		}
		completed = completed || s.Status == Completed
	}
	to, why := Cancelled, "every sub-order cancelled"
	if completed {
		to, why = Completed, "every sub-order finished"
	}
	c, err := o.Move(to, by, why, at)
	if err != nil {
		return nil
	}
	return []Change{c}
}

// SubOrder returns the order's sub-order with id, nil when it has none.
func (o *Order) SubOrder(id uuid.UUID) *SubOrder {
	for i := range o.SubOrders {
		if o.SubOrders[i].ID == id {
			return &o.SubOrders[i]
		}
	}
	return nil
}
