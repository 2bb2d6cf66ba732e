package iso3166_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/crossdock/crossdock/pkg/iso3166"
)

func TestCountriesAndSubdivisions(t *testing.T) {
	tests := []struct {
		country, region      string
		isCountry, inCountry bool
	}{
		{"DE", "DE-BY", true, true},
		{"US", "US-CA", true, true},
		{"CN", "CN-GD", true, true},
		{"GB", "GB-ENG", true, true},
		{"DE", "US-CA", true, false},  // a real region of another country
		{"DE", "DE-XX", true, false},  // no such region
		{"de", "de-by", false, false}, // codes are upper-case
		{"XX", "", false, false},
		{"", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.country+"/"+tt.region, func(t *testing.T) {
			if got := iso3166.IsCountry(tt.country); got != tt.isCountry {
				t.Errorf("IsCountry(%q) = %v, want %v", tt.country, got, tt.isCountry)
			}
			if got := iso3166.IsSubdivisionOf(tt.region, tt.country); got != tt.inCountry {
				t.Errorf("IsSubdivisionOf(%q, %q) = %v, want %v", tt.region, tt.country, got, tt.inCountry)
			}
		})
	}
	if c, ok := iso3166.LookupCountry("JP"); !ok || c.Alpha3 != "JPN" || c.Name != "Japan" {
		t.Errorf("LookupCountry(JP) = %+v, %v", c, ok)
	}
	if !iso3166.HasSubdivisions("FR") || iso3166.HasSubdivisions("AQ") {
		t.Error("HasSubdivisions: FR has subdivisions, Antarctica has none")
	}
	// Nested subdivisions carry their parent's full code.
	if s, ok := iso3166.LookupSubdivision("AZ-BAB"); !ok || s.Parent != "AZ-NX" {
		t.Errorf("LookupSubdivision(AZ-BAB) = %+v, %v; want parent AZ-NX", s, ok)
	}
}

// The committed tables must match the iso-codes data on this machine, when it
// has the package: a stale table means `go generate` was not re-run.
func TestTablesMatchIsoCodes(t *testing.T) {
	dir := "/usr/share/iso-codes/json"
	raw1, err1 := os.ReadFile(filepath.Join(dir, "iso_3166-1.json"))
	raw2, err2 := os.ReadFile(filepath.Join(dir, "iso_3166-2.json"))
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must install iso-codes so the tables are checked")
		}
		t.Skip("iso-codes is not installed")
	}
	var c1 struct {
		Countries []struct {
			Alpha2 string `json:"alpha_2"`
		} `json:"3166-1"`
	}
	var c2 struct {
		Subdivisions []struct {
			Code string `json:"code"`
		} `json:"3166-2"`
	}
	if err := json.Unmarshal(raw1, &c1); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw2, &c2); err != nil {
		t.Fatal(err)
	}
	if len(c1.Countries) != iso3166.Countries() || len(c2.Subdivisions) != iso3166.Subdivisions() {
		t.Fatalf("tables hold %d countries and %d subdivisions, iso-codes %d and %d: run go generate",
			iso3166.Countries(), iso3166.Subdivisions(), len(c1.Countries), len(c2.Subdivisions))
	}
	for _, c := range c1.Countries {
		if !iso3166.IsCountry(c.Alpha2) {
			t.Errorf("country %s missing", c.Alpha2)
		}
	}
	for _, s := range c2.Subdivisions {
		if !iso3166.IsSubdivisionOf(s.Code, s.Code[:2]) {
			t.Errorf("subdivision %s missing", s.Code)
		}
	}
}
