package domain_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/geo"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

var (
	shenzhen   = geo.Point{Lat: 22.5431, Lng: 114.0579}
	losAngeles = geo.Point{Lat: 34.0522, Lng: -118.2437}
	air        = domain.Speed{HandlingHours: 24, DomesticKmPerDay: 600, InternationalKmPerDay: 9000, LastMileKmPerDay: 400}
)

func shipment() domain.Shipment {
	return domain.Shipment{
		ID: uuid.New(), Kind: domain.KindOutbound, Status: domain.StatusBooked,
		From: domain.Address{Country: "CN", Region: "CN-GD", Location: &shenzhen},
		To:   domain.Address{Country: "US", Region: "US-CA", Location: &losAngeles},
	}
}

func TestDistanceLeft(t *testing.T) {
	for _, tc := range []struct {
		name      string
		to        domain.Address
		wantKm    float64
		tolerance float64
		basis     geo.Basis
	}{
		{"to the address's coordinates", domain.Address{Country: "US", Region: "US-CA", Location: &losAngeles}, 11_600, 0.005, geo.BasisAddress},
		{"to the region's reference point", domain.Address{Country: "US", Region: "US-CA"}, 11_450, 0.05, geo.BasisRegion},
		{"to the country's reference point", domain.Address{Country: "DE"}, 9_000, 0.05, geo.BasisCountry},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := shipment()
			s.To = tc.to
			km, basis := s.DistanceLeft()
			if basis != tc.basis {
				t.Errorf("basis = %s, want %s", basis, tc.basis)
			}
			if d := km - tc.wantKm; d > tc.tolerance*tc.wantKm || -d > tc.tolerance*tc.wantKm {
				t.Errorf("distance left = %.0f km, want %.0f within %.1f %%", km, tc.wantKm, tc.tolerance*100)
			}
		})
	}
}

// A parcel moving along its route at the method's speed or faster: the
// ETA never grows, the time left always shrinks, and the distance left
// falls to zero.
func TestETAShrinksAsTheParcelAdvances(t *testing.T) {
	s := shipment()
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s.Book("CS0000000001", air, domain.Timing{TimeScale: 1}, start)
	prevETA, prevLeft, prevKm := *s.ETA, s.ETA.Sub(start), 1e9
	at := start.Add(12 * time.Hour)
	seq := int64(0)
	for _, st := range s.Route() {
		prevF := 0.0
		for _, f := range []float64{0.2, 0.5, 0.8, 1} {
			// The scan comes when the parcel would be there at 90 % of
			// the method's time for the leg.
			legTime := st.Km / float64(air.KmPerDay(st.Kind)) * float64(24*time.Hour)
			at = at.Add(time.Duration((f - prevF) * legTime * 0.9))
			prevF = f
			p := geo.Along(st.From, st.To, f)
			seq++
			fx := s.Apply(domain.TrackingEvent{CarrierEventID: "e", OccurredAt: at, Seq: seq, Status: domain.StatusInTransit, Leg: st.Kind, Point: &p}, air, domain.Timing{TimeScale: 1})
			if !fx.Moved {
				t.Fatalf("event %d did not move the parcel", seq)
			}
			if s.ETA.After(prevETA) {
				t.Errorf("%s at %.0f%%: ETA grew from %v to %v", st.Kind, f*100, prevETA, *s.ETA)
			}
			if left := s.ETA.Sub(at); left >= prevLeft {
				t.Errorf("%s at %.0f%%: time left grew from %v to %v", st.Kind, f*100, prevLeft, left)
			} else {
				prevLeft = left
			}
			km, _ := s.DistanceLeft()
			if km > prevKm+1 && st.Kind != domain.LegDomestic { // the first leg may head away from the buyer
				t.Errorf("%s at %.0f%%: distance left grew from %.0f to %.0f", st.Kind, f*100, prevKm, km)
			}
			prevETA, prevKm = *s.ETA, km
		}
	}
	if km, _ := s.DistanceLeft(); km > 1 {
		t.Errorf("at the end of the route %.1f km are left", km)
	}
}

func TestETAIsNeverInThePast(t *testing.T) {
	s := shipment()
	booked := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s.Book("CS0000000001", air, domain.Timing{TimeScale: 1}, booked)
	late := s.ETA.Add(72 * time.Hour)
	eta := s.ETAAt(late, 12*time.Hour)
	if eta == nil || !eta.After(late) {
		t.Fatalf("an overdue parcel's ETA = %v at %v, want after now", eta, late)
	}
	if got := s.ETAAt(booked, 12*time.Hour); !got.Equal(*s.ETA) {
		t.Errorf("a parcel on time shows ETA %v, want its own %v", got, *s.ETA)
	}
	s.Apply(domain.TrackingEvent{CarrierEventID: "d", OccurredAt: booked.Add(time.Hour), Seq: 1, Status: domain.StatusDelivered, Point: &losAngeles}, air, domain.Timing{TimeScale: 1})
	if got := s.ETAAt(late, 12*time.Hour); got != nil {
		t.Errorf("a delivered parcel has ETA %v", got)
	}
}

// Late events join the history without moving the parcel backwards, except
// a delivery, which ends the parcel whenever it is dated; a delivered parcel
// moves no more.
func TestApplyOrdersByEventTime(t *testing.T) {
	s := shipment()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	hub := geo.Point{Lat: 35, Lng: 105}
	ev := func(seq int64, at time.Duration, st domain.Status, p geo.Point) domain.TrackingEvent {
		return domain.TrackingEvent{CarrierEventID: "e", OccurredAt: t0.Add(at), Seq: seq, Status: st, Leg: domain.LegDomestic, Point: &p}
	}
	steps := []struct {
		ev         domain.TrackingEvent
		moved      bool
		pickedUp   bool
		wantStatus domain.Status
	}{
		{ev(2, 2*time.Hour, domain.StatusInTransit, hub), true, true, domain.StatusInTransit},
		{ev(1, time.Hour, domain.StatusPickedUp, shenzhen), false, false, domain.StatusInTransit},        // late: history only
		{ev(3, 2*time.Hour, domain.StatusCustomsHold, hub), true, false, domain.StatusCustomsHold},       // same instant, later seq
		{ev(6, 7*time.Hour, domain.StatusOutForDelivery, hub), true, false, domain.StatusOutForDelivery}, // its scanner's clock fast
		{ev(4, 5*time.Hour, domain.StatusDelivered, losAngeles), true, false, domain.StatusDelivered},    // final: moves, though dated before
		{ev(5, 8*time.Hour, domain.StatusException, hub), false, false, domain.StatusDelivered},          // after final
	}
	for i, st := range steps {
		fx := s.Apply(st.ev, air, domain.Timing{TimeScale: 1})
		if fx.Moved != st.moved || fx.PickedUp != st.pickedUp || s.Status != st.wantStatus {
			t.Errorf("step %d: moved %v picked up %v status %s; want %v %v %s", i, fx.Moved, fx.PickedUp, s.Status, st.moved, st.pickedUp, st.wantStatus)
		}
	}
	if !s.PickedUpAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("picked up at %v, want the late pick-up scan's time %v", s.PickedUpAt, t0.Add(time.Hour))
	}
	if s.Position.Point != losAngeles || s.DeliveredAt == nil {
		t.Errorf("final position %v delivered %v", s.Position, s.DeliveredAt)
	}
}

// Within a booking, the carrier's numbering of its events orders them,
// whatever their dates: a carrier clock running more than FutureTolerance
// fast has its events applied as received, and one read late from the
// feed moved the parcel back a stage. An onward booking numbers its events
// from 1 again, and its first moves the parcel on.
func TestABookingsEventsAreOrderedByTheCarriersNumbering(t *testing.T) {
	s := shipment()
	hub := geo.Point{Lat: 35, Lng: 105}
	s.Central = &domain.Address{Country: "CN", Region: "CN-GD", Location: &hub}
	r0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	fast := 20 * time.Minute // the carrier's clock
	apply := func(seq int64, stage int, st domain.Status, received time.Duration) domain.Effects {
		ev := domain.TrackingEvent{CarrierEventID: "e", OccurredAt: r0.Add(received + fast - time.Duration(seq)*time.Minute), Seq: seq,
			Status: st, Leg: domain.LegDomestic, Point: &hub, Stage: stage}
		return s.Apply(domain.AsApplied(ev, r0.Add(received)), air, domain.Timing{TimeScale: 1})
	}
	if fx := apply(2, 1, domain.StatusInTransit, 0); !fx.Moved || s.Status != domain.StatusInTransit {
		t.Fatalf("the first event: moved %v, status %s", fx.Moved, s.Status)
	}
	// Happened first, read a minute later: dated ahead too, so taken as
	// received, a minute after the other.
	if fx := apply(1, 1, domain.StatusPickedUp, time.Minute); fx.Moved || s.Status != domain.StatusInTransit {
		t.Errorf("an event the carrier numbers earlier, read late: moved %v, status %s; want history only, in transit", fx.Moved, s.Status)
	}
	if fx := apply(3, 1, domain.StatusDelivered, 2*time.Minute); !fx.AtCentral {
		t.Fatalf("the first booking's delivery did not bring the parcel to the central warehouse: %+v", fx)
	}
	s.BookOnward(uuid.New(), "WB-ONWARD", air, domain.Timing{TimeScale: 1}, r0.Add(3*time.Minute))
	// Dated before the arrival at the central warehouse (the onward
	// carrier's clock behind): still the onward booking's, after it.
	onwardFirst := domain.TrackingEvent{CarrierEventID: "o1", OccurredAt: r0, Seq: 1, Status: domain.StatusInTransit, Leg: domain.LegDomestic,
		Point: &hub, Stage: 2}
	if fx := s.ApplyReceived(onwardFirst, r0.Add(time.Hour), air, domain.Timing{TimeScale: 1}); !fx.Moved {
		t.Error("the onward booking's first event, numbered 1 and dated before the central arrival, did not move the parcel")
	}
	if fx := apply(2, 2, domain.StatusOutForDelivery, 2*time.Hour); !fx.Moved || s.Status != domain.StatusOutForDelivery {
		t.Errorf("the onward booking's second event: moved %v, status %s", fx.Moved, s.Status)
	}
}

func TestNewShipmentInputValidate(t *testing.T) {
	valid := func() domain.NewShipmentInput {
		return domain.NewShipmentInput{
			Kind: domain.KindOutbound, SubOrderID: uuid.New(), OrderID: uuid.New(), BuyerID: uuid.NewString(),
			SupplierOrgID: uuid.New(), MethodID: uuid.New(),
			From:  domain.Address{Recipient: "Warehouse", Country: "CN", Region: "CN-GD", City: "Shenzhen", Lines: []string{"1 Road"}},
			To:    domain.Address{Recipient: "Ann", Country: "US", Region: "US-CA", City: "Los Angeles", Lines: []string{"2 Street"}},
			Lines: []domain.Line{{SKUID: uuid.New(), Quantity: 2}}, WeightG: 1200, VolumeCM3: 3000,
			DeclaredValue: money.MustNew(5000, "USD"), GoodsPrice: money.MustNew(5000, "USD"),
		}
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	partnerBuyer := valid()
	partnerBuyer.BuyerID = "partner:demo-partner/buyer-42"
	if err := partnerBuyer.Validate(); err != nil {
		t.Fatalf("a partner channel's buyer refused: %v", err)
	}
	partnerBuyer.FreightPayer = domain.PayerPlatform
	if err := partnerBuyer.Validate(); err != nil {
		t.Fatalf("a partner order's parcel with its freight on the platform refused: %v", err)
	}
	for _, tc := range []struct {
		field  string
		change func(*domain.NewShipmentInput)
	}{
		{"weight_g", func(in *domain.NewShipmentInput) { in.WeightG = 0 }},
		{"weight_g", func(in *domain.NewShipmentInput) { in.WeightG = domain.MaxWeightG + 1 }},
		{"to.country_code", func(in *domain.NewShipmentInput) { in.To.Country = "XX" }},
		{"to.region_code", func(in *domain.NewShipmentInput) { in.To.Region = "DE-BY" }},
		{"lines", func(in *domain.NewShipmentInput) { in.Lines = nil }},
		{"lines[0].quantity", func(in *domain.NewShipmentInput) { in.Lines[0].Quantity = 0 }},
		{"return_id", func(in *domain.NewShipmentInput) { in.Kind = domain.KindReturn }},
		{"buyer_id", func(in *domain.NewShipmentInput) { in.BuyerID = "someone" }},
		{"buyer_id", func(in *domain.NewShipmentInput) { in.BuyerID = "partner:/someone" }},
		{"buyer_id", func(in *domain.NewShipmentInput) { in.BuyerID = "partner:dh/ " }},
		{"buyer_id", func(in *domain.NewShipmentInput) { in.BuyerID = "partner:dh/bob\x00" }},
		{"to.phone", func(in *domain.NewShipmentInput) { in.To.Phone = "+1\x00555" }},
		{"reservation_id", func(in *domain.NewShipmentInput) { in.ReservationID = "res\x00x" }},
		{"goods_price", func(in *domain.NewShipmentInput) { in.GoodsPrice = money.Money{Amount: 1, Currency: "XYZ"} }},
		{"freight_payer", func(in *domain.NewShipmentInput) { in.FreightPayer = "buyer" }},
		{"freight_payer", func(in *domain.NewShipmentInput) {
			in.Kind, in.ReturnID, in.FreightPayer = domain.KindReturn, "ret-1", domain.PayerPlatform
		}},
	} {
		in := valid()
		tc.change(&in)
		err := in.Validate()
		if !hasViolation(err, tc.field) {
			t.Errorf("changing %s: %v, want a violation on it", tc.field, err)
		}
	}
}

func hasViolation(err error, field string) bool {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, v := range e.Violations {
		if v.Field == field {
			return true
		}
	}
	return false
}

// A webhook secret replaced by an update stays accepted for a day beside
// the new one, so webhooks the carrier signed before it switched still
// verify; an update that leaves the secret alone keeps that overlap as it
// was.
func TestReplacedWebhookSecretOverlaps(t *testing.T) {
	at := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	c := domain.Carrier{Endpoints: []domain.Endpoint{{Environment: "sandbox", APIURL: "https://c.test", APIKey: "k", WebhookSecret: "whsec_old_0123456789"}}}
	secrets := func(now time.Time) []string {
		ep, _ := c.Endpoint("sandbox")
		var out []string
		for _, s := range ep.WebhookSecrets(now) {
			out = append(out, string(s))
		}
		return out
	}
	if got := secrets(at); !slices.Equal(got, []string{"whsec_old_0123456789"}) {
		t.Fatalf("before any change: %v", got)
	}
	c.MergeEndpoints([]domain.Endpoint{{Environment: "sandbox", APIURL: "https://c.test", WebhookSecret: "whsec_new_0123456789"}}, at)
	if got := secrets(at.Add(time.Hour)); !slices.Equal(got, []string{"whsec_new_0123456789", "whsec_old_0123456789"}) {
		t.Errorf("an hour after the change: %v, want the new and the old", got)
	}
	c.MergeEndpoints([]domain.Endpoint{{Environment: "sandbox", APIURL: "https://c2.test"}}, at.Add(2*time.Hour))
	if got := secrets(at.Add(23 * time.Hour)); !slices.Equal(got, []string{"whsec_new_0123456789", "whsec_old_0123456789"}) {
		t.Errorf("after an update leaving the secret alone: %v, want the overlap kept", got)
	}
	if got := secrets(at.Add(domain.WebhookSecretOverlap)); !slices.Equal(got, []string{"whsec_new_0123456789"}) {
		t.Errorf("a day after the change: %v, want the new one only", got)
	}
	c.MergeEndpoints([]domain.Endpoint{{Environment: "sandbox", APIURL: "https://c2.test", WebhookSecret: "whsec_new_0123456789"}}, at.Add(30*time.Hour))
	if got := secrets(at.Add(30 * time.Hour)); !slices.Equal(got, []string{"whsec_new_0123456789"}) {
		t.Errorf("the same secret sent again: %v, want no overlap started", got)
	}
}

// A delivered or returned parcel's bill is pending while its last
// booking's last-mile leg is not charged (an onward booking's share is
// "<leg>/<shipment>"), for at most the grace after the delivery or return,
// counted from when it was learned of if that is later than the carrier's
// date.
func TestFreightPending(t *testing.T) {
	delivered := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s := shipment()
	leg := func(k domain.LegKind, id string) domain.Leg { return domain.Leg{Kind: k, LegID: id} }
	first, onward := leg(domain.LegLastMile, "WB1-3"), leg(domain.LegLastMile, domain.ShareLegID("WB9-2", s.ID))
	grace := 2 * time.Minute
	del, ret := domain.StatusDelivered, domain.StatusReturned
	for _, tc := range []struct {
		name      string
		stage     int
		end       domain.Status // delivered, returned or "" (on its way)
		received  time.Duration // after the carrier's date; 0: not kept
		completed bool
		legs      []domain.Leg
		after     time.Duration
		want      bool
	}{
		{"not delivered", 1, "", 0, false, nil, 0, false},
		{"delivered, nothing charged", 1, del, 0, false, nil, time.Second, true},
		{"delivered, the last mile not charged", 1, del, 0, false, []domain.Leg{leg(domain.LegDomestic, "WB1-1"), leg(domain.LegInternational, "WB1-2")}, time.Minute, true},
		{"delivered, the last mile charged", 1, del, 0, false, []domain.Leg{leg(domain.LegDomestic, "WB1-1"), first}, time.Second, false},
		{"the grace ran out", 1, del, 0, false, []domain.Leg{leg(domain.LegDomestic, "WB1-1")}, grace, false},
		{"learned of late: the grace counts from then", 1, del, 10 * time.Minute, false, nil, 11 * time.Minute, true},
		{"learned of late, the grace ran out since", 1, del, 10 * time.Minute, false, nil, 12 * time.Minute, false},
		{"completed", 1, del, 0, true, nil, time.Second, false},
		{"onward booking, only the first booking's last mile", 2, del, 0, false, []domain.Leg{first, leg(domain.LegDomestic, domain.ShareLegID("WB9-1", s.ID))}, time.Second, true},
		{"onward booking, two first-booking last miles", 2, del, 0, false, []domain.Leg{first, leg(domain.LegLastMile, "WB1-4")}, time.Second, true},
		{"onward booking, its last mile charged", 2, del, 0, false, []domain.Leg{first, onward}, time.Second, false},
		{"returned, nothing charged", 1, ret, 0, false, nil, time.Second, true},
		{"returned, the last mile charged", 1, ret, 0, false, []domain.Leg{first}, time.Second, false},
		{"returned, the grace ran out", 1, ret, 0, false, nil, grace, false},
		{"returned, learned of late", 1, ret, 10 * time.Minute, false, nil, 11 * time.Minute, true},
		{"returned by the onward booking, only the first booking's last mile", 2, ret, 0, false, []domain.Leg{first}, time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh := s
			sh.Stage = tc.stage
			switch tc.end {
			case del:
				sh.Status, sh.DeliveredAt = del, &delivered
			case ret:
				sh.Status, sh.LastEventAt = ret, delivered
			}
			if tc.received > 0 {
				at := delivered.Add(tc.received)
				sh.DeliveryReceivedAt = &at
			}
			if tc.completed {
				sh.CompletedAt = &delivered
			}
			if got := sh.FreightPending(tc.legs, delivered.Add(tc.after), grace); got != tc.want {
				t.Errorf("FreightPending = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIsShareOf(t *testing.T) {
	parcel, other := uuid.New(), uuid.New()
	for _, tc := range []struct {
		legID string
		want  bool
	}{
		{domain.ShareLegID("WB9-2", parcel), true},
		{domain.ShareLegID("WB9-2", other), false},
		{"WB9-2", false},
		{parcel.String(), false},
	} {
		if got := domain.IsShareOf(tc.legID, parcel); got != tc.want {
			t.Errorf("IsShareOf(%q) = %v, want %v", tc.legID, got, tc.want)
		}
	}
}
