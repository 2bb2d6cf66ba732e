package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/events"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/catalog/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func publish(t *testing.T, js jetstream.JetStream, eventID uuid.UUID, ev *usersv1.MerchantTierChanged) {
	t.Helper()
	payload, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg("users.merchant.tier_changed")
	msg.Data = payload
	msg.Header.Set(natsx.HeaderEventID, eventID.String())
	msg.Header.Set(natsx.HeaderEventType, string(proto.MessageName(ev)))
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

// The consumer follows the users service's tier changes into the catalog's
// table, starting before the users stream exists, applying each event once
// and never letting an older change undo a newer one.
func TestTierConsumer(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "catalog", FS: migrations.FS})
	_, nc, js := testkit.JetStream(t)
	store := postgres.New(pool)
	log := testkit.Logger(t)

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	c := events.TierConsumer(pool, js, log)
	lookedForStream := testkit.WatchStreamLookups(t, nc, "USERS")
	go func() { done <- c.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })

	lookedForStream() // and found none: the users service has not created it yet
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("users")); err != nil {
		t.Fatal(err)
	}
	merchant := uuid.New()
	now := time.Now()
	first := uuid.New()
	publish(t, js, first, &usersv1.MerchantTierChanged{MerchantId: merchant.String(), Tier: "gold", OccurredAt: timestamppb.New(now)})
	publish(t, js, uuid.New(), &usersv1.MerchantTierChanged{MerchantId: merchant.String(), PreviousTier: "bronze", Tier: "silver",
		OccurredAt: timestamppb.New(now.Add(-time.Hour))}) // older news, arriving late
	publish(t, js, first, &usersv1.MerchantTierChanged{MerchantId: merchant.String(), Tier: "gold", OccurredAt: timestamppb.New(now)}) // a redelivery

	deadline := time.Now().Add(20 * time.Second)
	for {
		var applied int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM inbox WHERE consumer = $1`, events.TierConsumerName).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if applied == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("applied %d events, want 2", applied)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tier, err := store.MerchantTier(ctx, merchant)
	if err != nil || tier != "gold" {
		t.Errorf("tier = %q, %v; want gold", tier, err)
	}
}
