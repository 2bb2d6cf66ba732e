package carriersim

import (
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/geo"
)

// service is a shipping method's speed profile: days from booking to pickup,
// and simulated kilometres per day on each kind of leg.
type service struct {
	HandlingDays float64
	KmPerDay     map[string]float64
}

var services = map[string]service{
	"air":     {1, map[string]float64{legDomestic: 600, legInternational: 9000, legLastMile: 400}},
	"express": {0.5, map[string]float64{legDomestic: 800, legInternational: 12000, legLastMile: 500}},
	"sea":     {2, map[string]float64{legDomestic: 600, legInternational: 700, legLastMile: 400}},
	"ground":  {1, map[string]float64{legDomestic: 600, legInternational: 900, legLastMile: 400}},
}

const (
	day = 24 * time.Hour
	// positionSteps is how many position updates a leg gets before its
	// arrival: one every 15 % of its length.
	positionSteps = 6
	positionStep  = 0.15
	// maxAttempts is how many delivery attempts fail before the parcel goes
	// back to the sender.
	maxAttempts = 3
	// reattemptDelay is the simulated time between a failed attempt and the
	// next one (or the return); attemptTime is the van's round after it
	// leaves again; customsDelay is how long customs holds a parcel.
	reattemptDelay = day
	attemptTime    = 4 * time.Hour
	customsDelay   = day
)

// planned is one event of a journey, fixed at booking.
type planned struct {
	at          time.Time // real time: booking + simulated offset / TimeScale
	typ         string    // eventTracking or eventCharge
	status      string    // tracking only
	leg         string
	loc         place
	description string
	charge      *chargeJSON // charge only
}

// journey builds a plan event by event on a simulated clock.
type journey struct {
	start time.Time
	scale float64
	sim   time.Duration // simulated time since booking
	plan  []planned
}

// at is the real time of a simulated offset from booking.
func (j *journey) at(sim time.Duration) time.Time {
	return j.start.Add(time.Duration(float64(sim) / j.scale))
}

func (j *journey) wait(d time.Duration) { j.sim += d }

func (j *journey) track(status, legKind string, loc place, description string) {
	j.plan = append(j.plan, planned{at: j.at(j.sim), typ: eventTracking, status: status, leg: legKind, loc: loc, description: description})
}

func days(d float64) time.Duration { return time.Duration(d * float64(day)) }

// planJourney draws the whole journey of a booking: pickup after handling,
// positions every 15 % of each leg at the service's speed, an arrival and a
// charge at the end of each leg, the customs hold and the failed attempts
// its fault rates give, and the delivery or the return.
func (s *Server) planJourney(in *bookRequest, r route, booked time.Time) []planned {
	svc := services[in.Service]
	grams := chargeableGrams(in.WeightG, in.VolumeCm3)
	j := &journey{start: booked, scale: s.cfg.TimeScale}
	j.wait(days(svc.HandlingDays))
	j.track(statusPickedUp, legDomestic, r.places[0], "picked up from the sender")
	for _, l := range r.legs {
		if l.Kind == legLastMile && len(r.legs) == 3 && s.rand.chance(s.cfg.CustomsHoldRate) {
			j.track(statusCustomsHold, legInternational, l.From, "held by customs for inspection")
			j.wait(customsDelay)
			j.track(statusInTransit, legInternational, l.From, "released from customs")
		}
		legTime := days(l.Km / svc.KmPerDay[l.Kind])
		status, description := statusInTransit, "in transit to "+l.To.Name
		if l.Kind == legLastMile {
			status, description = statusOutForDelivery, "out for delivery"
		}
		for k := 1; k <= positionSteps; k++ {
			f := positionStep * float64(k)
			p := geo.Along(l.From.point(), l.To.point(), f)
			j.plan = append(j.plan, planned{
				at: j.at(j.sim + time.Duration(f*float64(legTime))), typ: eventTracking, status: status, leg: l.Kind,
				loc: place{Name: "en route to " + l.To.Name, Lat: p.Lat, Lng: p.Lng}, description: description,
			})
		}
		j.wait(legTime)
		charge := s.chargeEvent(l, grams, in.ChargeCurrency)
		switch l.Kind {
		case legDomestic:
			j.track(statusInTransit, l.Kind, l.To, "arrived at origin hub")
			j.charge(charge)
		case legInternational:
			j.track(statusInTransit, l.Kind, l.To, "arrived at destination hub")
			j.charge(charge)
		default:
			s.planAttempts(j, l, r.places[0], charge)
		}
	}
	return j.plan
}

// charge adds a leg's charge at the current time, with the leg's arrival.
func (j *journey) charge(c planned) {
	c.at = j.at(j.sim)
	j.plan = append(j.plan, c)
}

// planAttempts plans the delivery attempts at the end of the last leg: each
// fails with FailedAttemptRate and is tried again a day later; the third
// failure sends the parcel back to the sender. The leg is charged once, at
// the first attempt, whatever follows.
func (s *Server) planAttempts(j *journey, l leg, sender place, charge planned) {
	for attempt := 1; ; attempt++ {
		failed := s.rand.chance(s.cfg.FailedAttemptRate)
		if failed {
			j.track(statusDeliveryFailed, l.Kind, l.To, "delivery attempt "+strconv.Itoa(attempt)+" failed: nobody at the address")
		} else {
			j.track(statusDelivered, l.Kind, l.To, "delivered")
		}
		if attempt == 1 {
			j.charge(charge)
		}
		if !failed {
			return
		}
		j.wait(reattemptDelay)
		if attempt == maxAttempts {
			j.track(statusReturned, l.Kind, sender, "returned to the sender after "+strconv.Itoa(maxAttempts)+" failed delivery attempts")
			return
		}
		j.track(statusOutForDelivery, l.Kind, l.To, "out for delivery, attempt "+strconv.Itoa(attempt+1))
		j.wait(attemptTime)
	}
}
