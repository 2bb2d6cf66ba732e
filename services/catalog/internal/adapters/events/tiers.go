// Package events holds the catalog's consumers of other services' events.
package events

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
)

// TierConsumerName is the durable consumer (and inbox key) of merchant tier
// changes.
const TierConsumerName = "catalog-merchant-tiers"

// TierConsumer keeps the catalog's copy of each merchant's tier, which
// GetMerchantPrices reads, from the users service's tier changes. Its Run
// waits for the USERS stream, which the users service creates.
func TierConsumer(pool *pgxpool.Pool, js jetstream.JetStream, log *slog.Logger) *inbox.Consumer {
	return &inbox.Consumer{
		Name: TierConsumerName, Stream: "USERS", Subjects: []string{app.SubjectMerchantTierChanged},
		Pool: pool, JS: js, Log: log, Handler: HandleTierChanged,
	}
}

// HandleTierChanged applies one MerchantTierChanged event.
func HandleTierChanged(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
	var ev usersv1.MerchantTierChanged
	if err := proto.Unmarshal(msg.Payload, &ev); err != nil {
		return inbox.Permanent(fmt.Errorf("decode %s: %w", msg.Subject, err))
	}
	merchant, err := uuid.Parse(ev.GetMerchantId())
	if err != nil || ev.GetOccurredAt() == nil {
		return inbox.Permanent(fmt.Errorf("%s without a merchant id or a time", msg.Subject))
	}
	return postgres.ApplyMerchantTier(ctx, tx, merchant, ev.GetTier(), ev.GetOccurredAt().AsTime())
}
