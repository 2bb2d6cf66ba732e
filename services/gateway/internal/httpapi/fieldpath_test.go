package httpapi

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
)

// TestJSONFieldPath spells the field paths the services and the gateway's
// parsers write (proto names) with the JSON names the document and the
// TypeScript client promise, keeping indices, map keys and names that are
// no field (headers, "body") as they are.
func TestJSONFieldPath(t *testing.T) {
	estimate := (&freightv1.EstimateRequest{}).ProtoReflect().Descriptor()
	product := (&catalogv1.CreateProductRequest{}).ProtoReflect().Descriptor()
	search := (&catalogv1.SearchProductsRequest{}).ProtoReflect().Descriptor()
	for _, tt := range []struct {
		name  string
		input protoreflect.MessageDescriptor
		path  string
		want  string
	}{
		{"nested field", estimate, "parcel.weight_g", "parcel.weightG"},
		{"three levels", estimate, "parcel.declared_value.amount_minor", "parcel.declaredValue.amountMinor"},
		{"a message alone", estimate, "route", "route"},
		{"top-level field", estimate, "display_currency", "displayCurrency"},
		{"list element", estimate, "lines.lines[0].sku_id", "lines.lines[0].skuId"},
		{"already JSON", estimate, "parcel.weightG", "parcel.weightG"},
		{"no such field: the rest unchanged", estimate, "parcel.no_such.weight_g", "parcel.no_such.weight_g"},
		{"past a scalar: unchanged", estimate, "display_currency.sub_field", "displayCurrency.sub_field"},
		{"a header", estimate, "Idempotency-Key", "Idempotency-Key"},
		{"the body", estimate, "body", "body"},
		{"element of a list in a list", product, "content.skus[2].tier_prices[1].tier_code", "content.skus[2].tierPrices[1].tierCode"},
		{"map key kept", product, "content.skus[0].spec_values.size_eu", "content.skus[0].specValues.size_eu"},
		{"quoted map key with a dot", product, "content.attributes.`fit.cut_type`", "content.attributes.`fit.cut_type`"},
		{"map key as an index", product, "content.skus[0].spec_values[size_eu]", "content.skus[0].specValues[size_eu]"},
		{"paging", search, "page.page_token", "page.pageToken"},
		{"no input", nil, "page.page_token", "page.page_token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := jsonFieldPath(tt.input, tt.path); got != tt.want {
				t.Errorf("jsonFieldPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}
