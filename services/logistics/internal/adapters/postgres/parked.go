package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// parkedEvent is a parked carrier event as stored: its own names, so a
// field renamed in app.CarrierEvent does not empty the events parked
// before.
type parkedEvent struct {
	ID            string        `json:"id"`
	Seq           int64         `json:"seq"`
	SeqInShipment int64         `json:"seq_in_shipment"`
	Type          string        `json:"type"`
	Waybill       string        `json:"waybill"`
	Reference     string        `json:"reference"`
	OccurredAt    time.Time     `json:"occurred_at"`
	Status        string        `json:"status"`
	Leg           string        `json:"leg"`
	LocationName  string        `json:"location_name,omitempty"`
	Point         *parkedPoint  `json:"point,omitempty"`
	Description   string        `json:"description,omitempty"`
	Charge        *parkedCharge `json:"charge,omitempty"`
}

type parkedPoint struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

type parkedCharge struct {
	LegID       string `json:"leg_id"`
	Kind        string `json:"kind"`
	AmountMinor int64  `json:"amount_minor"`
	Currency    string `json:"currency"`
}

func parkedFrom(ev app.CarrierEvent) parkedEvent {
	p := parkedEvent{ID: ev.ID, Seq: ev.Seq, SeqInShipment: ev.SeqInShipment, Type: ev.Type, Waybill: ev.Waybill, Reference: ev.Reference,
		OccurredAt: ev.OccurredAt, Status: ev.Status, Leg: ev.Leg, LocationName: ev.LocationName, Description: ev.Description}
	if ev.Point != nil {
		p.Point = &parkedPoint{Lat: ev.Point.Lat, Lng: ev.Point.Lng}
	}
	if c := ev.Charge; c != nil {
		p.Charge = &parkedCharge{LegID: c.LegID, Kind: string(c.Kind), AmountMinor: c.Amount.Amount, Currency: c.Amount.Currency}
	}
	return p
}

func (p parkedEvent) event() app.CarrierEvent {
	ev := app.CarrierEvent{ID: p.ID, Seq: p.Seq, SeqInShipment: p.SeqInShipment, Type: p.Type, Waybill: p.Waybill, Reference: p.Reference,
		OccurredAt: p.OccurredAt, Status: p.Status, Leg: p.Leg, LocationName: p.LocationName, Description: p.Description}
	if p.Point != nil {
		ev.Point = &geo.Point{Lat: p.Point.Lat, Lng: p.Point.Lng}
	}
	if c := p.Charge; c != nil {
		ev.Charge = &app.Charge{LegID: c.LegID, Kind: domain.LegKind(c.Kind), Amount: money.Money{Amount: c.AmountMinor, Currency: c.Currency}}
	}
	return ev
}

// ParkCarrierEvent parks ev once per carrier: every replica reads the feed,
// and a copy parked again is dropped.
func (r repo) ParkCarrierEvent(ctx context.Context, carrierID uuid.UUID, ev app.CarrierEvent, at time.Time) error {
	reference, err := uuid.Parse(ev.Reference)
	if err != nil {
		return err
	}
	body, err := json.Marshal(parkedFrom(ev))
	if err != nil {
		return err
	}
	_, err = r.q.Exec(ctx, `INSERT INTO parked_carrier_events (carrier_id, event_id, reference, event, parked_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (carrier_id, event_id) DO NOTHING`, carrierID, ev.ID, reference, body, at)
	return err
}

// ParkedCarrierEvents reads only the events whose booking is stored by
// now: none of their consolidation's parcels is still on its first
// booking (the onward one is stored, or the consolidation is gone). Those
// still waiting are not read, so however many there are they hold up none
// that could be applied.
func (r repo) ParkedCarrierEvents(ctx context.Context, carrierID uuid.UUID, limit int) ([]app.ParkedEvent, error) {
	rows, _ := r.q.Query(ctx, `SELECT p.parked_id, p.event, p.parked_at FROM parked_carrier_events p
		WHERE p.carrier_id = $1
		  AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.consolidation_id = p.reference AND s.stage = 1)
		ORDER BY p.parked_id LIMIT $2`, carrierID, limit)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.ParkedEvent, error) {
		var p app.ParkedEvent
		var body []byte
		if err := row.Scan(&p.ID, &body, &p.ParkedAt); err != nil {
			return p, err
		}
		var stored parkedEvent
		if err := json.Unmarshal(body, &stored); err != nil {
			return p, err
		}
		p.Event = stored.event()
		return p, nil
	})
}

func (r repo) UnparkCarrierEvents(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := r.q.Exec(ctx, `DELETE FROM parked_carrier_events WHERE parked_id = ANY($1)`, ids)
	return err
}
