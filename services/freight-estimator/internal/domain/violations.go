package domain

import (
	"github.com/crossdock/crossdock/pkg/apperr"
)

// violations collects every bad field of an input (apperr.Violations).
type violations = apperr.Violations

// join prefixes a field path: join("parcel", "weight_g") is "parcel.weight_g".
func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}
