package supplysim

import "testing"

// Prices are written with the currency's decimals: two for yuan, none for
// yen, three for dinars; more than the currency has is not a price. Before,
// every currency was read and written with two.
func TestPricesUseTheCurrencysDecimals(t *testing.T) {
	for _, tc := range []struct {
		price  string
		places int
		minor  int64
		ok     bool
		writes string
	}{
		{"12.30", 2, 1230, true, "12.30"},
		{"12.3", 2, 1230, true, "12.30"},
		{"0.05", 2, 5, true, "0.05"},
		{"1230", 0, 1230, true, "1230"},
		{"12.30", 0, 0, false, ""},
		{"1.234", 3, 1234, true, "1.234"},
		{"0.007", 3, 7, true, "0.007"},
		{"1.2345", 3, 0, false, ""},
		{"12.", 2, 0, false, ""},
		{"-1.00", 2, 0, false, ""},
	} {
		minor, err := parseMinor(tc.price, tc.places)
		if (err == nil) != tc.ok || minor != tc.minor {
			t.Errorf("parseMinor(%q, %d) = %d, %v; want %d, ok %v", tc.price, tc.places, minor, err, tc.minor, tc.ok)
			continue
		}
		if tc.ok {
			if got := formatMinor(minor, tc.places); got != tc.writes {
				t.Errorf("formatMinor(%d, %d) = %q, want %q", minor, tc.places, got, tc.writes)
			}
		}
	}
}
