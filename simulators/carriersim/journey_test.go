package carriersim_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/crossdock/crossdock/pkg/geo"
)

func (p point) geo() geo.Point { return geo.Point{Lat: p.Lat, Lng: p.Lng} }

// shipmentEvents reads a shipment's events.
func shipmentEvents(t *testing.T, base, waybill string) []event {
	t.Helper()
	var out struct {
		Events []event `json:"events"`
	}
	if status := call(t, "GET", base+"/v1/shipments/"+waybill+"/events", "", nil, &out); status != http.StatusOK {
		t.Fatalf("events of %s: %d", waybill, status)
	}
	return out.Events
}

func TestJourney(t *testing.T) {
	tests := []struct {
		name     string
		service  string
		to       map[string]any // replaces the destination
		currency string         // charge_currency; empty takes the declared value's
		legs     []string
	}{
		{"air to Los Angeles", "air", nil, "EUR", []string{"domestic", "international", "last_mile"}},
		{"sea, charged in the declared currency", "sea", nil, "", []string{"domestic", "international", "last_mile"}},
		{"express to a region without coordinates", "express",
			map[string]any{"country_code": "DE", "region_code": "DE-BY", "city": "München"}, "JPY", []string{"domestic", "international", "last_mile"}},
		{"ground within one country", "ground",
			map[string]any{"country_code": "CN", "region_code": "CN-BJ", "city": "Beijing", "lat": 39.9042, "lng": 116.4074}, "CNY", []string{"domestic", "last_mile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := start(t, fastConfig(""))
			body := booking("j-1")
			body["service"] = tt.service
			if tt.to != nil {
				body["to"] = tt.to
			}
			if tt.currency != "" {
				body["charge_currency"] = tt.currency
			}
			sh := book(t, base, body)
			var kinds []string
			for _, l := range sh.Legs {
				kinds = append(kinds, l.Kind)
				if l.DistanceKm <= 0 {
					t.Errorf("leg %+v has no length", l)
				}
			}
			if !slices.Equal(kinds, tt.legs) || len(sh.Route) != len(tt.legs)+1 || sh.Position != sh.Route[0] {
				t.Fatalf("route %+v legs %+v position %+v", sh.Route, sh.Legs, sh.Position)
			}
			waitQuiet(t, s)

			var final shipment
			call(t, "GET", base+"/v1/shipments/"+sh.Waybill, "", nil, &final)
			to := sh.Route[len(sh.Route)-1]
			if final.Status != "delivered" || final.DeliveredAt == nil || final.Position != to {
				t.Fatalf("final %+v, want delivered at %+v", final, to)
			}
			events := shipmentEvents(t, base, sh.Waybill)
			if final.Events != len(events) {
				t.Errorf("shipment counts %d events, its list has %d", final.Events, len(events))
			}

			// Tracking: picked up first, delivered last, in time order,
			// each position further along the route than the one before.
			var tracking []event
			charges := map[string]int64{}
			for i, ev := range events {
				if ev.SeqInShipment != i+1 || ev.Waybill != sh.Waybill || ev.Reference != "j-1" || ev.ID == "" {
					t.Fatalf("event %d: %+v", i, ev)
				}
				if i > 0 && ev.OccurredAt.Before(events[i-1].OccurredAt) {
					t.Fatalf("event %d happened before the one before it", i)
				}
				switch ev.Type {
				case "tracking":
					tracking = append(tracking, ev)
				case "charge":
					want := tt.currency
					if want == "" {
						want = "USD"
					}
					if ev.Charge == nil || ev.Charge.Amount <= 0 || ev.Charge.Currency != want || ev.Status != "" {
						t.Fatalf("charge %+v, want a positive amount in %s", ev.Charge, want)
					}
					if _, dup := charges[ev.Charge.LegID]; dup {
						t.Fatalf("leg %s charged twice", ev.Charge.LegID)
					}
					charges[ev.Charge.LegID] = ev.Charge.Amount
				default:
					t.Fatalf("event type %q", ev.Type)
				}
			}
			if len(charges) != len(sh.Legs) {
				t.Fatalf("%d charges for %d legs", len(charges), len(sh.Legs))
			}
			for _, l := range sh.Legs {
				if charges[l.LegID] == 0 {
					t.Errorf("leg %s not charged", l.LegID)
				}
			}
			if first, last := tracking[0], tracking[len(tracking)-1]; first.Status != "picked_up" || first.Location != sh.Route[0] ||
				last.Status != "delivered" || last.Location != to || !last.OccurredAt.Equal(*final.DeliveredAt) {
				t.Fatalf("first %+v, last %+v", first, last)
			}
			// Along the route, the distance still to travel shrinks with
			// every move: measured leg by leg from the position.
			left := func(p point) float64 {
				best := -1.0
				for i := range len(sh.Route) - 1 {
					a, b := sh.Route[i].geo(), sh.Route[i+1].geo()
					// p lies on leg i when going through it costs nothing.
					if d := geo.DistanceKm(a, p.geo()) + geo.DistanceKm(p.geo(), b) - geo.DistanceKm(a, b); d < 1 {
						rest := geo.DistanceKm(p.geo(), b)
						for j := i + 1; j < len(sh.Route)-1; j++ {
							rest += geo.DistanceKm(sh.Route[j].geo(), sh.Route[j+1].geo())
						}
						if best < 0 || rest < best {
							best = rest
						}
					}
				}
				if best < 0 {
					t.Fatalf("position %+v is off the route", p)
				}
				return best
			}
			prev := left(tracking[0].Location)
			moves := 0
			for _, ev := range tracking[1:] {
				d := left(ev.Location)
				if d > prev+0.001 {
					t.Fatalf("%s at %+v: %.1f km left, %.1f before", ev.Status, ev.Location, d, prev)
				}
				if d < prev-0.001 {
					moves++
				}
				prev = d
			}
			if want := 6*len(sh.Legs) + len(sh.Legs); moves < want-1 {
				t.Fatalf("%d moves, want at least %d", moves, want-1)
			}
			// From the origin hub on, the parcel only gets closer to the
			// recipient.
			closest := geo.DistanceKm(sh.Route[1].geo(), to.geo())
			for _, ev := range tracking {
				if ev.Leg == "domestic" {
					continue
				}
				d := geo.DistanceKm(ev.Location.geo(), to.geo())
				if d > closest+0.001 {
					t.Fatalf("%s %q: %.1f km from the recipient, was %.1f", ev.Status, ev.Description, d, closest)
				}
				closest = d
			}
		})
	}
}

func TestJourneyFaults(t *testing.T) {
	tests := []struct {
		name     string
		customs  float64
		failed   float64
		final    string
		statuses []string // the statuses that must appear, in order
	}{
		{"customs hold", 1, 0, "delivered", []string{"picked_up", "customs_hold", "in_transit", "out_for_delivery", "delivered"}},
		{"every attempt fails", 0, 1, "returned", []string{"picked_up", "out_for_delivery", "delivery_failed", "out_for_delivery",
			"delivery_failed", "out_for_delivery", "delivery_failed", "returned"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig("")
			cfg.CustomsHoldRate, cfg.FailedAttemptRate = tt.customs, tt.failed
			s, base := start(t, cfg)
			sh := book(t, base, booking("f-1"))
			waitQuiet(t, s)
			var final shipment
			call(t, "GET", base+"/v1/shipments/"+sh.Waybill, "", nil, &final)
			if final.Status != tt.final {
				t.Fatalf("final status %s, want %s", final.Status, tt.final)
			}
			if tt.final == "returned" && (final.Position != sh.Route[0] || final.DeliveredAt != nil) {
				t.Fatalf("returned parcel at %+v, delivered at %v", final.Position, final.DeliveredAt)
			}
			var statuses []string
			charges := 0
			for _, ev := range shipmentEvents(t, base, sh.Waybill) {
				if ev.Type == "charge" {
					charges++
					continue
				}
				if len(statuses) == 0 || statuses[len(statuses)-1] != ev.Status {
					statuses = append(statuses, ev.Status)
				}
			}
			if charges != len(sh.Legs) {
				t.Errorf("%d charges for %d legs", charges, len(sh.Legs))
			}
			i := 0
			for _, st := range statuses {
				if i < len(tt.statuses) && st == tt.statuses[i] {
					i++
				}
			}
			if i != len(tt.statuses) || statuses[len(statuses)-1] != tt.final {
				t.Fatalf("statuses %v, want %v in order", statuses, tt.statuses)
			}
		})
	}
}

// A carrier's feed numbers only go up, across restarts too: the feed is in
// memory, and a client that kept its position from the last run must still
// read every event of the new one. Numbered from 1 again, they were all
// skipped until the new feed passed the old position.
func TestAFeedStartedAgainNumbersAboveTheLastRun(t *testing.T) {
	s, base := start(t, fastConfig(""))
	book(t, base, booking("run-1"))
	waitQuiet(t, s)
	last := feed(t, base)
	if len(last) == 0 {
		t.Fatal("the first run published nothing")
	}
	position := last[len(last)-1].Seq
	s.Close()

	s2, base2 := start(t, fastConfig(""))
	book(t, base2, booking("run-2"))
	waitQuiet(t, s2)
	if got := feedAfter(t, base2, position); len(got) == 0 || got[0].Seq <= position || got[0].Reference != "run-2" {
		t.Fatalf("after the last run's position %d the new run's feed reads %+v, want its events numbered above it", position, got)
	}
}
