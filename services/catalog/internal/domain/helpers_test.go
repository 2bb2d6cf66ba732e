package domain_test

import (
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// shirtModel has a required choice spec (size), an optional text spec
// (colour) and a required product attribute (material).
func shirtModel() domain.ProductModel {
	m, err := domain.NewProductModel("Shirt", []domain.Attribute{
		{Name: "size", Kind: domain.KindChoice, AllowedValues: []string{"S", "M", "L"}, Required: true, Spec: true},
		{Name: "colour", Kind: domain.KindText, Spec: true},
		{Name: "material", Kind: domain.KindText, Required: true},
		{Name: "weight_class", Kind: domain.KindNumber},
	}, now)
	if err != nil {
		panic(err)
	}
	return m
}

func usd(amount int64) money.Money { return money.MustNew(amount, "USD") }

func validContent() domain.ContentInput {
	return domain.ContentInput{
		CategoryID: uuid.NewString(), Title: "Linen shirt", Description: "A light shirt.",
		Images:     []string{"https://img.example.com/shirt.jpg"},
		Attributes: map[string]string{"material": "linen"},
		SKUs: []domain.SKUInput{
			{SkuCode: "SHIRT-S", SpecValues: map[string]string{"size": "S"}, RetailPrice: usd(1999),
				TierPrices: []domain.TierPrice{{TierCode: "gold", Price: usd(1200)}},
				WeightG:    200, Dimensions: domain.Dimensions{LengthMM: 300, WidthMM: 200, HeightMM: 20}},
			{SkuCode: "SHIRT-M", SpecValues: map[string]string{"size": "M", "colour": "blue"}, RetailPrice: usd(2099),
				WeightG: 220, Dimensions: domain.Dimensions{LengthMM: 300, WidthMM: 200, HeightMM: 20}},
		},
	}
}

func validProduct() domain.ProductInput {
	return domain.ProductInput{
		ModelID: uuid.NewString(), Type: domain.ProductPhysical,
		Origin:        domain.Origin{CountryCode: "cn", RegionCode: "cn-gd"},
		DefaultLocale: "en", Content: validContent(),
	}
}
