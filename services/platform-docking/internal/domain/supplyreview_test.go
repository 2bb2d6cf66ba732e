package domain_test

import (
	"testing"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

func TestImportedProductSameContent(t *testing.T) {
	sku := func(code string, amount int64) domain.ImportedSKU {
		return domain.ImportedSKU{Code: code, Specs: map[string]string{"colour": "red"}, Price: money.Money{Amount: amount, Currency: "CNY"},
			WeightG: 500, PackageMM: [3]int64{200, 150, 100}}
	}
	ours := domain.ImportedProduct{Title: "Kettle", Description: "Steel", Images: []string{"https://img.example/1.jpg"},
		SKUs: []domain.ImportedSKU{sku("K-1", 1000), sku("K-2", 1200)}, Fingerprint: "ours"}
	for _, c := range []struct {
		name   string
		change func(p *domain.ImportedProduct)
		same   bool
	}{
		{"as submitted", func(*domain.ImportedProduct) {}, true},
		{"kept as the catalogue keeps it: trimmed, SKUs reordered, no fingerprint", func(p *domain.ImportedProduct) {
			p.Title, p.Images, p.Fingerprint = " Kettle ", []string{"https://img.example/1.jpg "}, ""
			p.SKUs = []domain.ImportedSKU{sku("K-2", 1200), sku(" K-1", 1000)}
			p.SKUs[0].Specs = map[string]string{"colour": " red"}
		}, true},
		{"another price", func(p *domain.ImportedProduct) { p.SKUs = []domain.ImportedSKU{sku("K-1", 1000), sku("K-2", 1300)} }, false},
		{"another currency", func(p *domain.ImportedProduct) { p.SKUs[1].Price.Currency = "USD" }, false},
		{"a SKU fewer", func(p *domain.ImportedProduct) { p.SKUs = p.SKUs[:1] }, false},
		{"another title", func(p *domain.ImportedProduct) { p.Title = "Teapot" }, false},
		{"another description", func(p *domain.ImportedProduct) { p.Description = "Glass" }, false},
		{"no images", func(p *domain.ImportedProduct) { p.Images = nil }, false},
		{"another weight", func(p *domain.ImportedProduct) { p.SKUs[0].WeightG = 501 }, false},
		{"another size", func(p *domain.ImportedProduct) { p.SKUs[0].PackageMM[2] = 101 }, false},
		{"another spec", func(p *domain.ImportedProduct) { p.SKUs[0].Specs = map[string]string{"colour": "blue"} }, false},
		{"no specs", func(p *domain.ImportedProduct) { p.SKUs[0].Specs = nil }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			held := ours
			held.Images = append([]string(nil), ours.Images...)
			held.SKUs = []domain.ImportedSKU{sku("K-1", 1000), sku("K-2", 1200)}
			c.change(&held)
			if got := ours.SameContent(held); got != c.same {
				t.Errorf("SameContent = %v, want %v", got, c.same)
			}
			if got := held.SameContent(ours); got != c.same {
				t.Errorf("the other way round: %v, want %v", got, c.same)
			}
		})
	}
	var none, empty domain.ImportedProduct
	empty.Images, empty.SKUs = []string{}, []domain.ImportedSKU{}
	if !none.SameContent(empty) {
		t.Error("empty lists differ from none")
	}
}
