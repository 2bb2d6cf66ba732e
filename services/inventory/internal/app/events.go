package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	inventoryv1 "github.com/crossdock/crossdock/gen/crossdock/inventory/v1"
	"github.com/crossdock/crossdock/services/inventory/internal/domain"
)

// Subjects of the events this service publishes (stream INVENTORY). The
// payloads are the messages of crossdock/inventory/v1/events.proto.
const (
	SubjectStockChanged         = "inventory.stock.changed"
	SubjectLowStock             = "inventory.stock.low"
	SubjectReservationReserved  = "inventory.reservation.reserved"
	SubjectReservationReleased  = "inventory.reservation.released"
	SubjectReservationCommitted = "inventory.reservation.committed"
	SubjectReservationExpired   = "inventory.reservation.expired"
)

// stockReasons are the StockChanged reasons of each movement: what partner
// listings and sales views see.
var stockReasons = map[domain.MovementKind]string{
	domain.MoveReceipt:     "inbound",
	domain.MoveAdjustment:  "adjustment",
	domain.MoveSync:        "erp_sync",
	domain.MoveReservation: "reservation",
	domain.MoveCommit:      "shipment",
	domain.MoveRelease:     "release",
	domain.MoveExpiry:      "expiry",
}

// stamp sets who, why and when on movements.
func stamp(moves []domain.Movement, actor, reason, reference string, at time.Time) {
	for i := range moves {
		moves[i].ActorID, moves[i].Reason, moves[i].Reference, moves[i].At = actor, reason, reference, at
	}
}

// stockWriter is what moving stock needs: the levels, the journal and the
// outbox of the command's transaction.
type stockWriter interface {
	Events
	Stock
}

// applyMovements writes the levels the movements left, journals them and
// emits StockChanged for each (every movement changes what is on hand or
// available) and LowStock where a level became low. Each level appears in at
// most one movement of a command.
func applyMovements(ctx context.Context, r stockWriter, moves []domain.Movement, at time.Time) error {
	if len(moves) == 0 {
		return nil
	}
	levels := make([]domain.Level, len(moves))
	for i, m := range moves {
		levels[i] = m.After
	}
	if err := r.SaveLevels(ctx, levels, at); err != nil {
		return err
	}
	if err := r.AppendJournal(ctx, moves); err != nil {
		return err
	}
	return r.Emit(ctx, stockEvents(moves)...)
}

// stockEvents are the events of movements: StockChanged for each (every
// movement changes what is on hand or available) and LowStock where a level
// became low.
func stockEvents(moves []domain.Movement) []Event {
	events := make([]Event, 0, len(moves))
	for _, m := range moves {
		events = append(events, Event{Subject: SubjectStockChanged, Payload: &inventoryv1.StockChanged{
			SkuId: m.After.SKUID.String(), WarehouseId: m.After.WarehouseID.String(),
			QuantityDelta: m.OnHandDelta, OnHand: m.After.OnHand, Available: m.After.Available(),
			Reason: stockReasons[m.Kind], OccurredAt: timestamppb.New(m.At),
		}})
		if m.BecameLow() {
			events = append(events, lowStockEvent(m.After, m.At))
		}
	}
	return events
}

func lowStockEvent(l domain.Level, at time.Time) Event {
	return Event{Subject: SubjectLowStock, Payload: &inventoryv1.LowStock{
		SkuId: l.SKUID.String(), WarehouseId: l.WarehouseID.String(),
		Available: l.Available(), Threshold: l.LowStockThreshold, OccurredAt: timestamppb.New(at),
	}}
}
