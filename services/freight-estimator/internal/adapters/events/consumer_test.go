package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/events"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
	"github.com/crossdock/crossdock/services/freight-estimator/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func completed(id string, transaction int64) *logisticsv1.ShipmentCompleted {
	usd := func(n int64) *commonv1.Money { return &commonv1.Money{CurrencyCode: "USD", AmountMinor: n} }
	return &logisticsv1.ShipmentCompleted{
		ShipmentId: id, SubOrderId: "so-1",
		Route:     &commonv1.Route{OriginCountryCode: "CN", OriginRegionCode: "CN-GD", DestinationCountryCode: "US", DestinationRegionCode: "US-CA"},
		VolumeCm3: 1000, WeightG: 2000,
		DeclaredValue: usd(5000), TransactionAmount: usd(transaction), GoodsPrice: usd(5000),
		CompletedAt: timestamppb.New(time.Now().Add(-time.Hour)),
	}
}

func publish(t *testing.T, js jetstream.JetStream, ev *logisticsv1.ShipmentCompleted, eventID uuid.UUID, msgID string) {
	t.Helper()
	payload, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg(app.SubjectShipmentCompleted)
	msg.Data = payload
	msg.Header.Set(natsx.HeaderMsgID, msgID)
	msg.Header.Set(natsx.HeaderEventID, eventID.String())
	msg.Header.Set(natsx.HeaderEventType, string(proto.MessageName(ev)))
	if _, err := js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

// A completed shipment published on NATS lands in the history once, however
// often it is delivered: twice with the same event id (a redelivery the stream
// did not catch, since the message ids differ), and once more under a new
// event id (logistics reporting the same shipment again). A shipment with
// negative freight is refused and counted, not retried.
func TestShipmentCompletedFeedsHistoryOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool := testkit.Database(t, testkit.Migrations{Name: "freight", FS: migrations.FS})
	_, _, js := testkit.JetStream(t)
	store := postgres.New(pool)
	svc, err := app.New(store, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.EnsureDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	feed := events.ShipmentHistory{
		Service: svc, Repo: func(tx pgx.Tx) app.Repository { return store.WithTx(tx) },
		Pool: pool, JS: js, Log: testkit.Logger(t),
	}
	done := make(chan error, 1)
	go func() { done <- feed.Run(ctx) }() // waits for the stream logistics owns
	if _, err := natsx.EnsureStream(ctx, js, natsx.AreaStream("logistics")); err != nil {
		t.Fatal(err)
	}

	first, again, bad := uuid.New(), uuid.New(), uuid.New()
	publish(t, js, completed("ship-1", 6000), first, "msg-1")
	publish(t, js, completed("ship-1", 6000), first, "msg-2")
	publish(t, js, completed("ship-1", 6000), again, "msg-3")
	publish(t, js, completed("ship-2", 4000), bad, "msg-4")

	// The stream kept all four: the redelivery is the inbox's to catch.
	stream, err := js.Stream(ctx, "LOGISTICS")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := stream.Info(ctx); err != nil || info.State.Msgs != 4 {
		t.Fatalf("stream holds %v messages (%v), want 4", info.State.Msgs, err)
	}
	count := func(sql string) int {
		var n int
		if err := pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, func() bool {
		return count(`SELECT count(*) FROM inbox WHERE consumer = '`+events.ConsumerName+`'`) == 3
	},
		"the consumer did not record the three distinct events")
	if n := count(`SELECT count(*) FROM shipments`); n != 1 {
		t.Errorf("%d shipments in the history, want 1", n)
	}
	if n := count(`SELECT count(*) FROM rejected_shipments WHERE shipment_id = 'ship-2' AND source = 'event'`); n != 1 {
		t.Errorf("negative freight not counted as rejected")
	}
	// The record is there for estimates: S = {10.00}; × 1.5 = 15.00.
	res, err := svc.Estimate(ctx, auth.Caller{Subject: "b", Kind: auth.KindUser}, app.EstimateRequest{
		Route:  domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD", DestinationCountry: "US", DestinationRegion: "US-CA"},
		Parcel: &domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: money.MustNew(5000, "USD")},
	})
	if err != nil || res.Groups[0].Count != 1 || res.Target.Amount != 1500 {
		t.Errorf("estimate = %+v, %v", res, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("consumer stopped with %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
