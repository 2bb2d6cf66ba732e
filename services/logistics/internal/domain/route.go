package domain

import (
	"math"
	"time"

	"github.com/crossdock/crossdock/pkg/geo"
)

// LegKind is a kind of leg of a journey, as carriers charge and report them.
type LegKind string

// The kinds of leg: to the origin country's hub, between the hubs, and from
// the destination hub to the address.
const (
	LegDomestic      LegKind = "domestic"
	LegInternational LegKind = "international"
	LegLastMile      LegKind = "last_mile"
)

// Valid reports whether k is a kind of leg.
func (k LegKind) Valid() bool {
	return k == LegDomestic || k == LegInternational || k == LegLastMile
}

// Stage is one leg of the planned route.
type Stage struct {
	Kind     LegKind
	From, To geo.Point
	Km       float64
}

// PlanRoute is the route a parcel is expected to take: origin → the origin
// country's hub → the destination country's hub → address, the way carriers
// route it; within one country there is no international leg. Hubs are the
// countries' reference points.
func PlanRoute(from, to geo.Point, fromCountry, toCountry string) []Stage {
	hubA, ok := geo.CountryPoint(fromCountry)
	if !ok {
		hubA = from
	}
	hubB, ok := geo.CountryPoint(toCountry)
	if !ok {
		hubB = to
	}
	stages := []Stage{{Kind: LegDomestic, From: from, To: hubA}}
	if fromCountry != toCountry {
		stages = append(stages, Stage{Kind: LegInternational, From: hubA, To: hubB})
	} else {
		hubB = hubA
	}
	stages = append(stages, Stage{Kind: LegLastMile, From: hubB, To: to})
	for i := range stages {
		stages[i].Km = geo.DistanceKm(stages[i].From, stages[i].To)
	}
	return stages
}

// Remaining is how long the rest of the journey takes at speed, from a
// position on a leg of kind leg (nil before pick-up, which adds the handling
// time and the whole route). A leg of a kind the route lacks counts as the
// first one the route has after it. The result shrinks as the position
// advances along the route.
func Remaining(route []Stage, speed Speed, leg LegKind, pos *geo.Point) time.Duration {
	days := 0.0
	start := 0
	if pos == nil {
		days += float64(speed.HandlingHours) / 24
	} else {
		start = stageIndex(route, leg)
		st := route[start]
		days += geo.DistanceKm(*pos, st.To) / float64(speed.KmPerDay(st.Kind))
		start++
	}
	for _, st := range route[start:] {
		days += st.Km / float64(speed.KmPerDay(st.Kind))
	}
	return time.Duration(math.Round(days * 24 * float64(time.Hour)))
}

func stageIndex(route []Stage, leg LegKind) int {
	order := map[LegKind]int{LegDomestic: 0, LegInternational: 1, LegLastMile: 2}
	for i, st := range route {
		if order[st.Kind] >= order[leg] {
			return i
		}
	}
	return len(route) - 1
}
