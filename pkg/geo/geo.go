package geo

import (
	"fmt"
	"math"
)

// EarthRadiusKm is the mean radius of the WGS 84 ellipsoid (IUGG), the
// sphere great-circle distances are measured on. The spherical model is off
// by at most about 0.5 % against the ellipsoid, well inside what an ETA needs.
const EarthRadiusKm = 6371.0088

// Point is a WGS 84 position in degrees.
type Point struct {
	Lat, Lng float64
}

// Valid reports whether p is a position on the earth.
func (p Point) Valid() bool {
	return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lng) &&
		p.Lat >= -90 && p.Lat <= 90 && p.Lng >= -180 && p.Lng <= 180
}

// String formats p as "lat,lng" with six decimals (about 0.1 m).
func (p Point) String() string { return fmt.Sprintf("%.6f,%.6f", p.Lat, p.Lng) }

// DistanceKm is the great-circle distance between a and b in kilometres
// (haversine, which stays accurate for points close together).
func DistanceKm(a, b Point) float64 {
	φ1, φ2 := radians(a.Lat), radians(b.Lat)
	dφ, dλ := φ2-φ1, radians(b.Lng-a.Lng)
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Along is the point a fraction f (0 at a, 1 at b) of the way from a to b on
// the great circle through them. A carrier's parcel moves along it.
func Along(a, b Point, f float64) Point {
	switch {
	case f <= 0:
		return a
	case f >= 1:
		return b
	}
	φ1, λ1, φ2, λ2 := radians(a.Lat), radians(a.Lng), radians(b.Lat), radians(b.Lng)
	δ := DistanceKm(a, b) / EarthRadiusKm
	if δ < 1e-12 {
		return a
	}
	s1, s2 := math.Sin((1-f)*δ)/math.Sin(δ), math.Sin(f*δ)/math.Sin(δ)
	x := s1*math.Cos(φ1)*math.Cos(λ1) + s2*math.Cos(φ2)*math.Cos(λ2)
	y := s1*math.Cos(φ1)*math.Sin(λ1) + s2*math.Cos(φ2)*math.Sin(λ2)
	z := s1*math.Sin(φ1) + s2*math.Sin(φ2)
	return Point{Lat: degrees(math.Atan2(z, math.Hypot(x, y))), Lng: degrees(math.Atan2(y, x))}
}

func radians(d float64) float64 { return d * math.Pi / 180 }
func degrees(r float64) float64 { return r * 180 / math.Pi }
