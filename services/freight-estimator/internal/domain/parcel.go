package domain

import (
	"github.com/crossdock/crossdock/pkg/money"
)

// Limits of a parcel: far beyond any real parcel, small enough that products
// of them stay exact in int64 where the code relies on it.
const (
	MaxVolumeCM3 = 1_000_000_000_000 // a million cubic metres
	MaxWeightG   = 1_000_000_000_000 // a million tonnes
	MaxSideMM    = 1_000_000         // a kilometre
)

// Dimensions of a box in millimetres.
type Dimensions struct {
	LengthMM, WidthMM, HeightMM int64
}

// Parcel is what is shipped, as far as freight is concerned.
type Parcel struct {
	VolumeCM3 int64
	WeightG   int64
	// Value is the declared value (the goods price) in the base currency.
	Value money.Money
	// Dimensions, when known, give the rate card's volumetric weight;
	// without them it uses VolumeCM3.
	Dimensions *Dimensions
}

// ParcelInput is a parcel as a client gives it: its declared value may be in
// any currency, to be converted to the base currency.
type ParcelInput struct {
	VolumeCM3     int64
	WeightG       int64
	DeclaredValue money.Money
	Dimensions    *Dimensions
}

// ValidateParcel checks a parcel given directly, reporting every bad field
// under "<field>.<name>".
func ValidateParcel(field string, in ParcelInput) error {
	var v violations
	checkPositive(&v, join(field, "volume_cm3"), in.VolumeCM3, MaxVolumeCM3)
	checkPositive(&v, join(field, "weight_g"), in.WeightG, MaxWeightG)
	checkValue(&v, join(field, "declared_value"), in.DeclaredValue)
	if d := in.Dimensions; d != nil {
		df := join(field, "dimensions")
		checkPositive(&v, join(df, "length_mm"), d.LengthMM, MaxSideMM)
		checkPositive(&v, join(df, "width_mm"), d.WidthMM, MaxSideMM)
		checkPositive(&v, join(df, "height_mm"), d.HeightMM, MaxSideMM)
	}
	return v.Err()
}

func checkPositive(v *violations, field string, n, limit int64) {
	switch {
	case n <= 0:
		v.Add(field, "must be positive")
	case n > limit:
		v.Add(field, "is too large")
	}
}

// ValidateValue checks a declared value given on its own (SKU lines' value),
// reporting under field.
func ValidateValue(field string, m money.Money) error {
	var v violations
	checkValue(&v, field, m)
	return v.Err()
}

// checkValue checks a declared value: a known currency, a positive amount.
func checkValue(v *violations, field string, m money.Money) {
	switch {
	case m.Currency == "" && m.Amount == 0:
		v.Add(field, "is required")
	case !money.ValidCurrency(m.Currency):
		v.Add(join(field, "currency_code"), "is not a known ISO 4217 currency")
	case m.Amount <= 0:
		v.Add(join(field, "amount_minor"), "must be positive")
	}
}
