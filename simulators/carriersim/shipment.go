package carriersim

import (
	"encoding/json"
	"time"
)

// The statuses of a shipment and of its tracking events.
const (
	statusBooked         = "booked"
	statusCancelled      = "cancelled"
	statusPickedUp       = "picked_up"
	statusInTransit      = "in_transit"
	statusCustomsHold    = "customs_hold"
	statusOutForDelivery = "out_for_delivery"
	statusDelivered      = "delivered"
	statusDeliveryFailed = "delivery_failed"
	statusReturned       = "returned"
)

// shipmentJSON is a shipment on the wire: the carrier's truth about it.
type shipmentJSON struct {
	Waybill     string     `json:"waybill"`
	Reference   string     `json:"reference"`
	Service     string     `json:"service"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	Route       []place    `json:"route"`
	Legs        []legJSON  `json:"legs"`
	Position    place      `json:"position"`
	DeliveredAt *time.Time `json:"delivered_at"`
	// Events counts the shipment's events published so far: a late one
	// counts once it enters the feed.
	Events int `json:"events"`
}

// shipment is one booked parcel and its journey.
type shipment struct {
	shipmentJSON
	// plan is the journey, planned at booking; next is the index of the
	// first event still to happen. A cancelled shipment has no plan left.
	plan []planned
	next int
	// heapIndex is the shipment's place in the server's due queue, -1 when
	// it is not in it.
	heapIndex int
	// seq counts the events that have happened (seq_in_shipment).
	seq int
	// events are the published events' bodies, in feed order.
	events []json.RawMessage
	// late counts the events that have happened but wait to be published.
	late int
	// held are the webhooks a reorder fault holds back until the next
	// event has been handed over.
	held []delivery
	// out is the shipment's webhook queue.
	out outbox
}

// due is when the shipment's next event happens; ok is false when it has
// none left.
func (s *shipment) due() (at time.Time, ok bool) {
	if s.next >= len(s.plan) {
		return time.Time{}, false
	}
	return s.plan[s.next].at, true
}

// morePending reports whether the shipment will publish another event.
func (s *shipment) morePending() bool { return s.next < len(s.plan) || s.late > 0 }

// view is the shipment on the wire as it stands.
func (s *shipment) view() shipmentJSON {
	v := s.shipmentJSON
	v.Events = len(s.events)
	return v
}
