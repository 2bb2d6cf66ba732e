package geo_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/crossdock/crossdock/pkg/geo"
)

var (
	shenzhen   = geo.Point{Lat: 22.5431, Lng: 114.0579}
	losAngeles = geo.Point{Lat: 34.0522, Lng: -118.2437}
)

func TestDistanceKm(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b geo.Point
		want float64 // km, from published great-circle figures
		tol  float64 // relative
	}{
		{"Shenzhen to Los Angeles", shenzhen, losAngeles, 11_600, 0.005},
		{"London to Paris", geo.Point{Lat: 51.5074, Lng: -0.1278}, geo.Point{Lat: 48.8566, Lng: 2.3522}, 343.5, 0.005},
		{"New York to London", geo.Point{Lat: 40.7128, Lng: -74.0060}, geo.Point{Lat: 51.5074, Lng: -0.1278}, 5_570, 0.005},
		{"Sydney to Singapore", geo.Point{Lat: -33.8688, Lng: 151.2093}, geo.Point{Lat: 1.3521, Lng: 103.8198}, 6_300, 0.01},
		{"quarter meridian", geo.Point{Lat: 0, Lng: 0}, geo.Point{Lat: 90, Lng: 0}, math.Pi / 2 * geo.EarthRadiusKm, 1e-9},
		{"across the antimeridian", geo.Point{Lat: 0, Lng: 179.5}, geo.Point{Lat: 0, Lng: -179.5}, math.Pi / 180 * geo.EarthRadiusKm, 1e-9},
		{"same point", shenzhen, shenzhen, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := geo.DistanceKm(tc.a, tc.b)
			if math.Abs(got-tc.want) > tc.tol*tc.want+1e-9 {
				t.Errorf("DistanceKm = %.1f km, want %.1f within %.2f %%", got, tc.want, tc.tol*100)
			}
			if back := geo.DistanceKm(tc.b, tc.a); math.Abs(back-got) > 1e-6 {
				t.Errorf("not symmetric: %.6f and %.6f", got, back)
			}
		})
	}
}

// A parcel moving along the great circle gets steadily closer: every point
// along it splits the distance exactly.
func TestAlongSplitsTheGreatCircle(t *testing.T) {
	total := geo.DistanceKm(shenzhen, losAngeles)
	prev := total
	for _, f := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9, 1} {
		p := geo.Along(shenzhen, losAngeles, f)
		if !p.Valid() {
			t.Fatalf("Along(%v) = %v, not a position", f, p)
		}
		left := geo.DistanceKm(p, losAngeles)
		if math.Abs(left-(1-f)*total) > 1e-3 {
			t.Errorf("at %v: %.3f km left, want %.3f", f, left, (1-f)*total)
		}
		if left > prev+1e-9 {
			t.Errorf("at %v the distance left grew from %.3f to %.3f", f, prev, left)
		}
		prev = left
	}
	if p := geo.Along(shenzhen, losAngeles, -1); p != shenzhen {
		t.Errorf("Along before the start = %v, want the start", p)
	}
}

func TestReference(t *testing.T) {
	for _, tc := range []struct {
		country, region string
		basis           geo.Basis
		near            geo.Point
		withinKm        float64
	}{
		{"CN", "CN-GD", geo.BasisRegion, geo.Point{Lat: 23.13, Lng: 113.26}, 50},  // Guangdong: the library's old code 44, matched by name
		{"US", "US-CA", geo.BasisRegion, geo.Point{Lat: 36.78, Lng: -119.42}, 50}, // California
		{"DE", "DE-XX", geo.BasisCountry, geo.Point{Lat: 51.17, Lng: 10.45}, 100}, // unknown region: the country
		{"DE", "", geo.BasisCountry, geo.Point{Lat: 51.17, Lng: 10.45}, 100},
	} {
		p, basis, ok := geo.Reference(tc.country, tc.region)
		if !ok || basis != tc.basis {
			t.Errorf("Reference(%s, %s) = %v, %v, %v; want basis %v", tc.country, tc.region, p, basis, ok, tc.basis)
			continue
		}
		if d := geo.DistanceKm(p, tc.near); d > tc.withinKm {
			t.Errorf("Reference(%s, %s) = %v, %.0f km from %v", tc.country, tc.region, p, d, tc.near)
		}
	}
	if _, _, ok := geo.Reference("ZZ", ""); ok {
		t.Error("an unknown country has a reference point")
	}
}

// The committed table must be what the generator makes of this machine's
// data, when the machine has it: a stale table means `go generate` was not
// re-run after the data package changed.
func TestTableMatchesTheDataPackage(t *testing.T) {
	if _, err := os.Stat("/usr/share/rubygems-integration/all/gems/countries-3.0.0/lib/countries/data"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must install ruby-countries so the table is checked")
		}
		t.Skip("ruby-countries is not installed")
	}
	out := filepath.Join(t.TempDir(), "refpoints_gen.go")
	cmd := exec.Command("go", "run", "gen/main.go", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("refpoints_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("refpoints_gen.go differs from what the data package generates: run go generate ./pkg/geo")
	}
	countries, regions := geo.ReferenceCounts()
	if countries < 240 || regions < 3500 {
		t.Errorf("the table places %d countries and %d regions; the data has more", countries, regions)
	}
}
