// Package events connects the inventory service to other areas' events: the
// catalog's SKU and product facts feed the SKU directory through an inbox
// consumer, so each event changes the directory exactly once.
package events

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/services/inventory/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/inventory/internal/app"
)

// Catalog subjects inventory consumes (stream CATALOG; see
// crossdock/catalog/v1/events.proto).
const (
	SubjectSkuCreated      = "catalog.sku.created"
	SubjectProductDeleted  = "catalog.product.deleted"
	SubjectProductRestored = "catalog.product.restored"
)

// CatalogConsumerName is the durable consumer's name and inbox key.
const CatalogConsumerName = "inventory-catalog"

// CatalogStream is the stream the catalog publishes to.
var CatalogStream = natsx.AreaStream("catalog")

// Catalog consumes the catalog events that shape the SKU directory.
type Catalog struct {
	Pool  *pgxpool.Pool
	JS    jetstream.JetStream
	Log   *slog.Logger
	Store *postgres.Store
	App   *app.Service
	// Backoff overrides the consumer's redelivery delays (tests shorten them).
	Backoff []time.Duration
}

// Consumer returns the inbox consumer applying the events.
func (c *Catalog) Consumer() *inbox.Consumer {
	return &inbox.Consumer{
		Name:     CatalogConsumerName,
		Stream:   CatalogStream.Name,
		Subjects: []string{SubjectSkuCreated, SubjectProductDeleted, SubjectProductRestored},
		Pool:     c.Pool,
		JS:       c.JS,
		Log:      c.Log,
		Handler:  c.Handle,
		Backoff:  c.Backoff,
	}
}

// Run consumes until ctx ends. The catalog service owns and creates its
// stream; until it exists (the catalog not started yet) Run waits rather
// than failing the service.
func (c *Catalog) Run(ctx context.Context) error { return c.Consumer().Run(ctx) }

// Handle applies one catalog event inside the inbox transaction. A payload
// that does not decode or lacks its ids can never succeed and is
// dead-lettered at once.
func (c *Catalog) Handle(ctx context.Context, tx pgx.Tx, msg inbox.Message) error {
	repo := c.Store.WithTx(tx)
	var err error
	switch msg.Subject {
	case SubjectSkuCreated:
		var ev catalogv1.SkuCreated
		if err := proto.Unmarshal(msg.Payload, &ev); err != nil {
			return inbox.Permanent(fmt.Errorf("decode %s: %w", msg.Subject, err))
		}
		err = c.App.HandleSKUCreated(ctx, repo, app.SKUCreated{
			SKUID: parse(ev.GetSkuId()), ProductID: parse(ev.GetProductId()), SupplierID: parse(ev.GetSupplierId()),
			Code: ev.GetSkuCode(), At: occurred(ev.GetOccurredAt()),
		})
	case SubjectProductDeleted:
		var ev catalogv1.ProductDeleted
		if err := proto.Unmarshal(msg.Payload, &ev); err != nil {
			return inbox.Permanent(fmt.Errorf("decode %s: %w", msg.Subject, err))
		}
		err = c.App.HandleProductBinChanged(ctx, repo, app.ProductBinChanged{
			ProductID: parse(ev.GetProductId()), SupplierID: parse(ev.GetSupplierId()), Deleted: true, At: occurred(ev.GetOccurredAt()),
		})
	case SubjectProductRestored:
		var ev catalogv1.ProductRestored
		if err := proto.Unmarshal(msg.Payload, &ev); err != nil {
			return inbox.Permanent(fmt.Errorf("decode %s: %w", msg.Subject, err))
		}
		err = c.App.HandleProductBinChanged(ctx, repo, app.ProductBinChanged{
			ProductID: parse(ev.GetProductId()), SupplierID: parse(ev.GetSupplierId()), Deleted: false, At: occurred(ev.GetOccurredAt()),
		})
	default:
		return nil // a subject this consumer does not filter on
	}
	if apperr.IsKind(err, apperr.KindInvalid) {
		return inbox.Permanent(err)
	}
	return err
}

// parse reads an id; a malformed one becomes uuid.Nil, which the handlers
// refuse.
func parse(raw string) uuid.UUID {
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.Nil
	}
	return id
}

// occurred is the event's time, or zero when it carries none (the handler
// then uses its own clock).
func occurred(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}
