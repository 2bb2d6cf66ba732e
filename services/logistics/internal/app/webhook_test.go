package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// A webhook whose signature is bad, missing, stale or under another secret
// is refused and applies nothing; a replayed delivery applies nothing more.
func TestWebhookSignatureIsChecked(t *testing.T) {
	// Every webhook is lost: the test delivers the feed's events itself.
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 3, UnservedCountries: []string{}}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	events := f.allSimEvents(t)
	var body []byte
	for _, e := range events {
		if e.Reference == sh.ID.String() && e.Type == "tracking" {
			body = mustJSON(t, e)
			break
		}
	}
	if body == nil {
		t.Fatal("the carrier reported nothing")
	}
	now := time.Now()
	for _, tc := range []struct {
		name, signature string
	}{
		{"missing", ""},
		{"malformed", "v1=abc"},
		{"another secret", webhook.Sign([]byte("whsec_someone_else_entirely"), now, body)},
		{"stale", webhook.Sign([]byte(webhookSecret), now.Add(-time.Hour), body)},
		{"from the future", webhook.Sign([]byte(webhookSecret), now.Add(time.Hour), body)},
		{"another body", webhook.Sign([]byte(webhookSecret), now, append([]byte(" "), body...))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.HandleWebhook(ctx, carrierCode, tc.signature, body)
			if !apperr.IsKind(err, apperr.KindUnauthenticated) {
				t.Fatalf("HandleWebhook = %v, want Unauthenticated", err)
			}
		})
	}
	if _, err := f.svc.HandleWebhook(ctx, "nobody", webhook.Sign([]byte(webhookSecret), now, body), body); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Errorf("a webhook for an unknown carrier = %v, want Unauthenticated", err)
	}
	if n := f.count(t, `SELECT count(*) FROM tracking_events`); n != 0 {
		t.Fatalf("%d events applied from refused webhooks", n)
	}

	good := webhook.Sign([]byte(webhookSecret), now, body)
	if applied, err := f.svc.HandleWebhook(ctx, carrierCode, good, body); err != nil || !applied {
		t.Fatalf("a good webhook = %v, %v; want applied", applied, err)
	}
	if applied, err := f.svc.HandleWebhook(ctx, carrierCode, good, body); err != nil || applied {
		t.Fatalf("the same delivery replayed = %v, %v; want accepted and not applied again", applied, err)
	}
	if n := f.count(t, `SELECT count(*) FROM tracking_events`); n != 1 {
		t.Fatalf("%d events recorded after one good delivery and its replay", n)
	}

	// An operator replaces the webhook secret: what the carrier signed with
	// the old one before it switched still verifies, for a day, beside
	// what it signs with the new one; a third secret still does not.
	const rotated = "whsec_rotated_by_an_operator_0123"
	if _, err := f.svc.UpdateCarrier(ctx, admin, f.carrier.ID, app.CarrierUpdate{Endpoints: []domain.Endpoint{
		{Environment: "sandbox", APIURL: f.simURL, WebhookSecret: rotated}}}); err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"the replaced secret": webhookSecret, "the new secret": rotated} {
		if _, err := f.svc.HandleWebhook(ctx, carrierCode, webhook.Sign([]byte(secret), time.Now(), body), body); err != nil {
			t.Errorf("a webhook signed with %s after the change: %v", name, err)
		}
	}
	if _, err := f.svc.HandleWebhook(ctx, carrierCode, webhook.Sign([]byte("whsec_someone_else_entirely"), time.Now(), body), body); !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Errorf("another secret after the change = %v, want Unauthenticated", err)
	}
}

// With every webhook lost, reading the carrier's feed alone brings every
// parcel to the carrier's final status.
func TestPollingCatchesLostWebhooks(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, LateRate: 0.3,
		LateDelay: 50 * time.Millisecond, Seed: 5, UnservedCountries: []string{}}, 4)
	var list []domain.Shipment
	for i := range 20 {
		list = append(list, f.create(t, f.input(i, "air")))
	}
	f.waitQuiet(t, time.Minute)
	if n := f.count(t, `SELECT count(*) FROM tracking_events`); n != 0 {
		t.Fatalf("%d events arrived with every webhook lost", n)
	}
	if err := f.svc.PollCarriers(ctx, 50, testkit.Logger(t)); err != nil {
		t.Fatal(err)
	}
	for _, sh := range list {
		v, err := f.svc.GetShipment(ctx, orders, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if truth := f.truth(t, v.Waybill); string(v.Status) != truth.Status || truth.Status != "delivered" {
			t.Errorf("after polling %s is %s, the carrier says %s", v.ID, v.Status, truth.Status)
		}
		if v.DistanceLeftKm > 0.01 || v.ETA != nil {
			t.Errorf("a delivered parcel shows %.2f km left and ETA %v", v.DistanceLeftKm, v.ETA)
		}
	}
	// A second poll finds nothing new: the cursor moved past what was read.
	before := f.count(t, `SELECT count(*) FROM tracking_events`)
	if err := f.svc.PollCarriers(ctx, 50, testkit.Logger(t)); err != nil {
		t.Fatal(err)
	}
	if after := f.count(t, `SELECT count(*) FROM tracking_events`); after != before {
		t.Errorf("a second poll recorded %d more events", after-before)
	}
}

// An event in the carrier's feed that this service cannot read (a type it
// does not know) is skipped: the events after it are applied and the
// cursor moves past it, instead of every later poll stopping there.
func TestFeedReadsPastAnUnreadableEvent(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 9, UnservedCountries: []string{}}, 4)
	var list []domain.Shipment
	for i := range 3 {
		list = append(list, f.create(t, f.input(i, "air")))
	}
	f.waitQuiet(t, time.Minute)
	unknown := ""
	f.script(carrierScript{"feed 1": func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		var page map[string]any
		if err := json.Unmarshal(serve(next, r).Body.Bytes(), &page); err != nil {
			t.Errorf("the feed page: %v", err)
		}
		events, _ := page["events"].([]any)
		first, _ := events[0].(map[string]any)
		first["type"] = "label_created"
		unknown, _ = first["id"].(string)
		body, _ := json.Marshal(page)
		writeJSON(w, http.StatusOK, string(body))
	}})
	if _, err := f.svc.PollCarrier(ctx, f.carrier, 1000, testkit.Logger(t)); err != nil {
		t.Fatalf("reading a feed holding an unreadable event: %v", err)
	}
	if unknown == "" {
		t.Fatal("the feed was not read")
	}
	for _, sh := range list {
		v, err := f.svc.GetShipment(ctx, orders, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != "delivered" {
			t.Errorf("after reading past the unreadable event %s is %s, want delivered", v.ID, v.Status)
		}
	}
	all := f.allSimEvents(t)
	if after := f.count(t, `SELECT after_seq FROM carrier_cursors`); after != int(all[len(all)-1].Seq) {
		t.Errorf("the feed cursor stands at %d, want the last event's %d", after, all[len(all)-1].Seq)
	}
}

// payload is the payload of the one outbox event with subject.
func (f *fixture) payload(t testing.TB, subject string) []byte {
	t.Helper()
	var p []byte
	if err := f.pool.QueryRow(ctx, `SELECT payload FROM outbox WHERE subject = $1`, subject).Scan(&p); err != nil {
		t.Fatalf("the one %s event: %v", subject, err)
	}
	return p
}

func (f *fixture) count(t testing.TB, q string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(ctx, q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// One event a carrier dates a year ahead (its clock off) is taken as
// occurring when it arrived: the real events after it still move the
// parcel, which is delivered, where before it stayed the latest for a year
// and the parcel never moved again.
func TestAnEventDatedFarAheadDoesNotFreezeTheParcel(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 5, UnservedCountries: []string{}}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	first := f.firstTracking(t, sh.ID.String())
	ahead := first
	ahead.ID, ahead.OccurredAt = first.ID+"-skewed", first.OccurredAt.AddDate(1, 0, 0)
	body := mustJSON(t, ahead)
	if applied, err := f.svc.HandleWebhook(ctx, carrierCode, webhook.Sign([]byte(webhookSecret), time.Now(), body), body); err != nil || !applied {
		t.Fatalf("the event dated ahead = %v, %v; want applied", applied, err)
	}
	f.catchUp(t) // the rest of the carrier's events, from its feed
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "delivered" {
		t.Errorf("after an event dated a year ahead the parcel is %s, want delivered", v.Status)
	}
}

// A delivery scan dated ahead of its arrival (the carrier's clock fast at
// the door) delivers the parcel, as of when it arrived. Before, it joined
// the history only and, known, was never applied from the feed either:
// the parcel stayed out for delivery and its sub-order never settled.
func TestADeliveryDatedAheadDelivers(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 5, UnservedCountries: []string{}}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	now := time.Now()
	delivered := false
	for _, e := range f.allSimEvents(t) {
		if e.Reference != sh.ID.String() {
			continue
		}
		if e.Type == "tracking" && e.Status == "delivered" {
			e.OccurredAt, delivered = now.Add(20*time.Minute), true
		}
		body := mustJSON(t, e)
		if _, err := f.svc.HandleWebhook(ctx, carrierCode, webhook.Sign([]byte(webhookSecret), now, body), body); err != nil {
			t.Fatalf("webhook: %v", err)
		}
	}
	if !delivered {
		t.Fatal("the carrier never delivered the parcel")
	}
	f.catchUp(t)
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "delivered" {
		t.Fatalf("after a delivery dated 20 minutes ahead the parcel is %s, want delivered", v.Status)
	}
	if _, err := f.svc.CompleteShipment(ctx, orders, sh.ID); err != nil {
		t.Errorf("complete: %v", err)
	}
}

// The feed cursor belongs to the feed it was read from. A carrier whose
// endpoint now points at another of its systems (a new URL, or the
// service switched to the carrier's other environment) is read from that
// feed's start, not from where the old feed was left: the new feed numbers
// its events from 1, and every event below the old cursor, the only record
// of a lost webhook, was skipped before.
func TestAnotherEndpointsFeedIsReadFromItsStart(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 9, UnservedCountries: []string{}}, 4)
	log := testkit.Logger(t)
	for i := range 3 {
		f.create(t, f.input(i, "air"))
	}
	f.waitQuiet(t, time.Minute)
	if _, err := f.svc.PollCarrier(ctx, f.carrier, 1000, log); err != nil {
		t.Fatal(err)
	}
	other, err := carriersim.New(carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 10, UnservedCountries: []string{},
		APIKey: apiKey, WebhookURL: "http://127.0.0.1:1", WebhookSecret: []byte(webhookSecret)})
	if err != nil {
		t.Fatal(err)
	}
	otherSrv := httptest.NewServer(other.Handler())
	t.Cleanup(func() { otherSrv.Close(); other.Close() })
	moved := []domain.Endpoint{{Environment: "sandbox", APIURL: otherSrv.URL}}
	car, err := f.svc.UpdateCarrier(ctx, admin, f.carrier.ID, app.CarrierUpdate{Endpoints: moved})
	if err != nil {
		t.Fatal(err)
	}
	sh := f.create(t, f.input(3, "air"))
	for deadline := time.Now().Add(time.Minute); !other.Quiet(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the other carrier system never went quiet")
		}
	}
	if n, err := f.svc.PollCarrier(ctx, car, 1000, log); err != nil || n == 0 {
		t.Fatalf("reading the other system's feed applied %d events (%v), want its parcel's", n, err)
	}
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "delivered" {
		t.Errorf("the parcel booked on the other system is %s, want delivered", v.Status)
	}
}

// Two events of a booking from a carrier whose clock runs 20 minutes fast,
// the later first: each is taken as received, and the earlier, arriving
// after, joins the history only, the carrier's numbering saying it
// happened first (kept with the parcel between the two). Before, the time
// it arrived made it the latest, and the parcel moved back a stage.
func TestAnEventTheCarrierNumbersEarlierDoesNotMoveTheParcelBack(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 5, UnservedCountries: []string{}}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	var tracking []carrierapi.EventJSON
	for _, e := range f.allSimEvents(t) {
		if e.Reference == sh.ID.String() && e.Type == "tracking" && e.Status != "delivered" {
			tracking = append(tracking, e)
		}
	}
	var earlier, later *carrierapi.EventJSON
	for i := 1; i < len(tracking) && later == nil; i++ {
		if tracking[i].Status != tracking[0].Status && tracking[i].SeqInShipment > tracking[0].SeqInShipment {
			earlier, later = &tracking[0], &tracking[i]
		}
	}
	if later == nil {
		t.Fatalf("the carrier reported no two tracking events of different statuses: %v", tracking)
	}
	for _, e := range []carrierapi.EventJSON{*later, *earlier} {
		e.OccurredAt = time.Now().Add(20 * time.Minute)
		body := mustJSON(t, e)
		if _, err := f.svc.HandleWebhook(ctx, carrierCode, webhook.Sign([]byte(webhookSecret), time.Now(), body), body); err != nil {
			t.Fatalf("webhook: %v", err)
		}
	}
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(v.Status) != later.Status {
		t.Errorf("after the carrier's events %d (%s) then %d (%s) the parcel is %s, want %s", later.SeqInShipment, later.Status,
			earlier.SeqInShipment, earlier.Status, v.Status, later.Status)
	}
}

// An event whose text the database would refuse (a NUL character) or that
// is longer than an id may be is refused as the event's own fault, and the
// carrier's other events still apply. Before, the database's error failed
// every event of the batch, and read from the feed stopped it there.
func TestAnEventWithTextTheDatabaseRefusesIsRefusedAlone(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 3, UnservedCountries: []string{}}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	first := f.firstTracking(t, sh.ID.String())
	nul, long := first, first
	nul.ID, nul.Description = first.ID+"-nul", "scanned\x00at the hub"
	long.ID = first.ID + "-" + strings.Repeat("x", 300)
	for name, e := range map[string]carrierapi.EventJSON{"a NUL in its description": nul, "a 300-byte id": long} {
		body := mustJSON(t, e)
		if _, err := f.svc.HandleWebhook(ctx, carrierCode, webhook.Sign([]byte(webhookSecret), time.Now(), body), body); !apperr.IsKind(err, apperr.KindInvalid) {
			t.Errorf("an event with %s = %v, want InvalidArgument", name, err)
		}
	}
	f.post(t, first)
	if n := f.count(t, `SELECT count(*) FROM tracking_events`); n != 1 {
		t.Errorf("%d events recorded, want the good one", n)
	}
}

// firstTracking is the first tracking event the carrier made of the
// parcel with reference ref.
func (f *fixture) firstTracking(t *testing.T, ref string) carrierapi.EventJSON {
	t.Helper()
	for _, e := range f.allSimEvents(t) {
		if e.Reference == ref && e.Type == "tracking" {
			return e
		}
	}
	t.Fatal("the carrier reported nothing")
	return carrierapi.EventJSON{}
}
