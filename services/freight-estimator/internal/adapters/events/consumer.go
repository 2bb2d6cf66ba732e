// Package events connects the estimator to NATS JetStream: it consumes the
// logistics.shipment.completed events that feed the history.
package events

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// ConsumerName is the durable consumer and inbox key of the history feed.
const ConsumerName = "freight-shipment-history"

// LogisticsStream is the stream logistics publishes its facts on.
var LogisticsStream = natsx.AreaStream("logistics")

// ShipmentHistory consumes completed shipments into the history.
type ShipmentHistory struct {
	Service *app.Service
	// Repo gives the repository inside the inbox's transaction.
	Repo func(pgx.Tx) app.Repository
	Pool *pgxpool.Pool
	JS   jetstream.JetStream
	Log  *slog.Logger
}

// Run consumes until ctx ends. The logistics service owns and creates the
// LOGISTICS stream; until it exists Run waits (the estimator still starts and
// serves estimates), and consumption begins once it appears.
func (h ShipmentHistory) Run(ctx context.Context) error { return h.Consumer().Run(ctx) }

// Consumer is the inbox consumer of the feed.
func (h ShipmentHistory) Consumer() *inbox.Consumer {
	return &inbox.Consumer{
		Name:     ConsumerName,
		Stream:   LogisticsStream.Name,
		Subjects: []string{app.SubjectShipmentCompleted},
		Pool:     h.Pool,
		JS:       h.JS,
		Log:      h.Log,
		Handler:  h.handle,
	}
}

func (h ShipmentHistory) handle(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
	var ev logisticsv1.ShipmentCompleted
	if err := proto.Unmarshal(msg.Payload, &ev); err != nil {
		return inbox.Permanent(fmt.Errorf("decode ShipmentCompleted: %w", err))
	}
	outcome, reason, err := h.Service.RecordCompletedShipment(ctx, h.Repo(tx), ShipmentInput(&ev))
	if err != nil {
		return err
	}
	if outcome == app.OutcomeRejected && h.Log != nil {
		h.Log.Warn("completed shipment refused as bad data", "shipment_id", ev.GetShipmentId(), "event_id", msg.EventID, "reason", reason)
	}
	return nil
}

// ShipmentInput maps the event to the history's input.
func ShipmentInput(ev *logisticsv1.ShipmentCompleted) domain.ShipmentInput {
	in := domain.ShipmentInput{
		ShipmentID:        ev.GetShipmentId(),
		Route:             route(ev.GetRoute()),
		VolumeCM3:         ev.GetVolumeCm3(),
		WeightG:           ev.GetWeightG(),
		DeclaredValue:     moneyOf(ev.GetDeclaredValue()),
		TransactionAmount: moneyOf(ev.GetTransactionAmount()),
		GoodsPrice:        moneyOf(ev.GetGoodsPrice()),
		RateToBase:        ev.GetRateToBase(),
	}
	if ev.GetCompletedAt() != nil {
		in.CompletedAt = ev.GetCompletedAt().AsTime()
	}
	return in
}

func route(r *commonv1.Route) domain.Route {
	return domain.Route{
		OriginCountry: r.GetOriginCountryCode(), OriginRegion: r.GetOriginRegionCode(),
		DestinationCountry: r.GetDestinationCountryCode(), DestinationRegion: r.GetDestinationRegionCode(),
	}
}

func moneyOf(m *commonv1.Money) money.Money {
	return money.Money{Amount: m.GetAmountMinor(), Currency: m.GetCurrencyCode()}
}
