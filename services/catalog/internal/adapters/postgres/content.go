package postgres

import (
	"encoding/json"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// contentJSON is how a revision's content is stored: the contract's
// ProductContent in JSON, so the document reads the same in psql as on the
// wire.
type contentJSON struct {
	CategoryID  uuid.UUID         `json:"category_id"`
	BrandID     *uuid.UUID        `json:"brand_id,omitempty"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Images      []string          `json:"images"`
	Attributes  map[string]string `json:"attributes"`
	SKUs        []skuJSON         `json:"skus"`
}

type skuJSON struct {
	ID          uuid.UUID         `json:"sku_id"`
	Code        string            `json:"sku_code"`
	SpecValues  map[string]string `json:"spec_values"`
	RetailPrice moneyJSON         `json:"retail_price"`
	TierPrices  []tierJSON        `json:"tier_prices,omitempty"`
	WeightG     int64             `json:"weight_g,omitempty"`
	Dimensions  *dimensionsJSON   `json:"dimensions,omitempty"`
}

type moneyJSON struct {
	Currency string `json:"currency_code"`
	Amount   int64  `json:"amount_minor"`
}

type tierJSON struct {
	TierCode string    `json:"tier_code"`
	Price    moneyJSON `json:"price"`
}

type dimensionsJSON struct {
	LengthMM int64 `json:"length_mm"`
	WidthMM  int64 `json:"width_mm"`
	HeightMM int64 `json:"height_mm"`
}

func toMoneyJSON(m money.Money) moneyJSON { return moneyJSON{Currency: m.Currency, Amount: m.Amount} }
func (m moneyJSON) money() money.Money    { return money.Money{Currency: m.Currency, Amount: m.Amount} }

func marshalContent(c domain.Content) ([]byte, error) {
	doc := contentJSON{
		CategoryID: c.CategoryID, BrandID: nullID(c.BrandID), Title: c.Title, Description: c.Description,
		Images: c.Images, Attributes: c.Attributes,
	}
	if doc.Images == nil {
		doc.Images = []string{}
	}
	if doc.Attributes == nil {
		doc.Attributes = map[string]string{}
	}
	for _, s := range c.SKUs {
		sj := skuJSON{ID: s.ID, Code: s.Code, SpecValues: s.SpecValues, RetailPrice: toMoneyJSON(s.RetailPrice), WeightG: s.WeightG}
		if sj.SpecValues == nil {
			sj.SpecValues = map[string]string{}
		}
		for _, t := range s.TierPrices {
			sj.TierPrices = append(sj.TierPrices, tierJSON{TierCode: t.TierCode, Price: toMoneyJSON(t.Price)})
		}
		if !s.Dimensions.IsZero() {
			d := s.Dimensions
			sj.Dimensions = &dimensionsJSON{LengthMM: d.LengthMM, WidthMM: d.WidthMM, HeightMM: d.HeightMM}
		}
		doc.SKUs = append(doc.SKUs, sj)
	}
	return json.Marshal(doc)
}

func unmarshalContent(b []byte) (domain.Content, error) {
	var doc contentJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		return domain.Content{}, err
	}
	c := domain.Content{
		CategoryID: doc.CategoryID, Title: doc.Title, Description: doc.Description,
		Images: doc.Images, Attributes: doc.Attributes,
	}
	if doc.BrandID != nil {
		c.BrandID = *doc.BrandID
	}
	for _, sj := range doc.SKUs {
		c.SKUs = append(c.SKUs, sj.sku())
	}
	return c, nil
}

func (sj skuJSON) sku() domain.SKU {
	s := domain.SKU{ID: sj.ID, Code: sj.Code, SpecValues: sj.SpecValues, RetailPrice: sj.RetailPrice.money(), WeightG: sj.WeightG}
	for _, t := range sj.TierPrices {
		s.TierPrices = append(s.TierPrices, domain.TierPrice{TierCode: t.TierCode, Price: t.Price.money()})
	}
	if d := sj.Dimensions; d != nil {
		s.Dimensions = domain.Dimensions{LengthMM: d.LengthMM, WidthMM: d.WidthMM, HeightMM: d.HeightMM}
	}
	return s
}
