package textguard_test

import (
	"bytes"
	"slices"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/textguard"
)

// placeholder is valid UTF-8 of the same length as the invalid bytes that
// replace it on the wire, so lengths in the encoding stay right.
const placeholder, invalid = "\u00e9\u00e9", "\xff\xfe\xe9\xe9"

// product is a request with a placeholder in the string fields named by
// where, and ordinary values everywhere else (scalars, enums, nested and
// repeated messages), so a decode that loses or reorders anything shows.
func product(where ...string) *catalogv1.CreateProductRequest {
	pick := func(name, ok string) string {
		if slices.Contains(where, name) {
			return placeholder
		}
		return ok
	}
	return &catalogv1.CreateProductRequest{
		ModelId:       pick("model_id", "m-1"),
		Type:          catalogv1.ProductType(1),
		DefaultLocale: "de",
		Content: &catalogv1.ProductContent{
			Title:      pick("content.title", "Kopfhörer"),
			Images:     []string{"a.png", pick("content.images[1]", "b.png"), "c.png"},
			Attributes: map[string]string{"colour": pick("content.attributes.colour", "schwarz"), "size": "M"},
			Skus: []*catalogv1.SkuContent{
				{SkuCode: "A", WeightG: 120, RetailPrice: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 1999}},
				{SkuCode: pick("content.skus[1].sku_code", "B"), SpecValues: map[string]string{"size": pick("content.skus[1].spec_values.size", "L")}, WeightG: 130},
			},
		},
	}
}

func wire(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte(placeholder), []byte(invalid))
}

func TestCodecKeepsInvalidStringsForTheCheck(t *testing.T) {
	codec := textguard.Codec()
	for _, where := range [][]string{
		{"model_id"},
		{"content.title"},
		{"content.images[1]"},
		{"content.attributes.colour"},
		{"content.skus[1].sku_code"},
		{"content.skus[1].spec_values.size"},
		{"model_id", "content.title", "content.skus[1].spec_values.size"},
	} {
		t.Run(where[len(where)-1], func(t *testing.T) {
			got := new(catalogv1.CreateProductRequest)
			if err := codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire(t, product(where...)))}, got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			fs := fields(textguard.Check(got))
			slices.Sort(fs)
			want := slices.Sorted(slices.Values(where))
			if !slices.Equal(fs, want) {
				t.Errorf("check names %v, want %v", fs, want)
			}
			// Everything else decoded as the standard decoder would.
			if restored := wireToValid(t, got); !proto.Equal(restored, product(where...)) {
				t.Errorf("decoded %v, want %v", restored, product(where...))
			}
		})
	}
}

// wireToValid puts the placeholder back where the invalid bytes were.
func wireToValid(t *testing.T, m *catalogv1.CreateProductRequest) *catalogv1.CreateProductRequest {
	t.Helper()
	fix := func(s string) string {
		if s == invalid {
			return placeholder
		}
		return s
	}
	c := m.GetContent()
	m.ModelId = fix(m.ModelId)
	c.Title = fix(c.Title)
	for i := range c.Images {
		c.Images[i] = fix(c.Images[i])
	}
	for k, v := range c.Attributes {
		c.Attributes[k] = fix(v)
	}
	for _, s := range c.Skus {
		s.SkuCode = fix(s.SkuCode)
		for k, v := range s.SpecValues {
			s.SpecValues[k] = fix(v)
		}
	}
	return m
}

func TestCodecDecodesGoodInputLikeTheStandardOne(t *testing.T) {
	b := wire(t, product())
	got, want := new(catalogv1.CreateProductRequest), new(catalogv1.CreateProductRequest)
	if err := textguard.Codec().Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, got); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(b, want); err != nil || !proto.Equal(got, want) {
		t.Errorf("got %v, want %v (%v)", got, want, err)
	}
}

func TestCodecStillRefusesBrokenWire(t *testing.T) {
	b := wire(t, product("content.title"))
	for _, broken := range [][]byte{b[:len(b)-3], append(slices.Clone(b), 0x0a, 0x7f)} {
		m := new(catalogv1.CreateProductRequest)
		if err := textguard.Codec().Unmarshal(mem.BufferSlice{mem.SliceBuffer(broken)}, m); err == nil {
			t.Errorf("%d broken bytes decoded as %v", len(broken), m)
		}
	}
}
