package grpcapi

import (
	"github.com/google/uuid"

	catalogv1 "github.com/crossdock/crossdock/gen/crossdock/catalog/v1"
	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

func idString(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

func moneyProto(m money.Money) *commonv1.Money {
	if m.Currency == "" {
		return nil
	}
	return &commonv1.Money{CurrencyCode: m.Currency, AmountMinor: m.Amount}
}

// moneyFrom maps a wire amount; an unset one is the zero Money, which the
// domain reports as missing.
func moneyFrom(m *commonv1.Money) money.Money {
	return money.Money{Currency: m.GetCurrencyCode(), Amount: m.GetAmountMinor()}
}

func categoryProto(c domain.Category) *catalogv1.Category {
	return &catalogv1.Category{CategoryId: c.ID.String(), ParentId: idString(c.ParentID), Name: c.Name, Slug: c.Slug}
}

func brandProto(b domain.Brand) *catalogv1.Brand {
	return &catalogv1.Brand{BrandId: b.ID.String(), Name: b.Name}
}

var attributeKinds = map[domain.AttributeKind]catalogv1.AttributeKind{
	domain.KindText:   catalogv1.AttributeKind_ATTRIBUTE_KIND_TEXT,
	domain.KindChoice: catalogv1.AttributeKind_ATTRIBUTE_KIND_CHOICE,
	domain.KindNumber: catalogv1.AttributeKind_ATTRIBUTE_KIND_NUMBER,
}

func attributeKind(k catalogv1.AttributeKind) domain.AttributeKind {
	for d, p := range attributeKinds {
		if p == k {
			return d
		}
	}
	return "" // rejected by the domain on "attributes[i].kind"
}

func modelProto(m domain.ProductModel) *catalogv1.ProductModel {
	p := &catalogv1.ProductModel{ModelId: m.ID.String(), Name: m.Name}
	for _, a := range m.Attributes {
		p.Attributes = append(p.Attributes, &catalogv1.ModelAttribute{
			Name: a.Name, Kind: attributeKinds[a.Kind], AllowedValues: a.AllowedValues, Required: a.Required, Spec: a.Spec,
		})
	}
	return p
}

var productTypes = map[domain.ProductType]catalogv1.ProductType{
	domain.ProductPhysical: catalogv1.ProductType_PRODUCT_TYPE_PHYSICAL,
	domain.ProductVirtual:  catalogv1.ProductType_PRODUCT_TYPE_VIRTUAL,
}

func productType(t catalogv1.ProductType) domain.ProductType {
	for d, p := range productTypes {
		if p == t {
			return d
		}
	}
	return "" // rejected by the domain on "type"
}

var productStatuses = map[domain.Status]catalogv1.ProductStatus{
	domain.StatusDraft:            catalogv1.ProductStatus_PRODUCT_STATUS_DRAFT,
	domain.StatusSubmitted:        catalogv1.ProductStatus_PRODUCT_STATUS_SUBMITTED,
	domain.StatusChangesRequested: catalogv1.ProductStatus_PRODUCT_STATUS_CHANGES_REQUESTED,
	domain.StatusRejected:         catalogv1.ProductStatus_PRODUCT_STATUS_REJECTED,
	domain.StatusApproved:         catalogv1.ProductStatus_PRODUCT_STATUS_APPROVED,
	domain.StatusListed:           catalogv1.ProductStatus_PRODUCT_STATUS_LISTED,
	domain.StatusDelisted:         catalogv1.ProductStatus_PRODUCT_STATUS_DELISTED,
}

// productStatus maps a status filter; unspecified means all.
func productStatus(s catalogv1.ProductStatus) (domain.Status, error) {
	if s == catalogv1.ProductStatus_PRODUCT_STATUS_UNSPECIFIED {
		return "", nil
	}
	for d, p := range productStatuses {
		if p == s {
			return d, nil
		}
	}
	return "", apperr.InvalidField("status", "is not a known product status")
}

var revisionStatuses = map[domain.RevisionStatus]catalogv1.RevisionStatus{
	domain.RevisionDraft:            catalogv1.RevisionStatus_REVISION_STATUS_DRAFT,
	domain.RevisionSubmitted:        catalogv1.RevisionStatus_REVISION_STATUS_SUBMITTED,
	domain.RevisionChangesRequested: catalogv1.RevisionStatus_REVISION_STATUS_CHANGES_REQUESTED,
	domain.RevisionRejected:         catalogv1.RevisionStatus_REVISION_STATUS_REJECTED,
	domain.RevisionApproved:         catalogv1.RevisionStatus_REVISION_STATUS_APPROVED,
}

func dimensionsProto(d domain.Dimensions) *catalogv1.Dimensions {
	if d.IsZero() {
		return nil
	}
	return &catalogv1.Dimensions{LengthMm: d.LengthMM, WidthMm: d.WidthMM, HeightMm: d.HeightMM}
}

func originProto(o domain.Origin) *catalogv1.Origin {
	return &catalogv1.Origin{CountryCode: o.CountryCode, RegionCode: o.RegionCode}
}

func contentFrom(c *catalogv1.ProductContent) domain.ContentInput {
	in := domain.ContentInput{
		CategoryID: c.GetCategoryId(), BrandID: c.GetBrandId(), Title: c.GetTitle(), Description: c.GetDescription(),
		Images: c.GetImages(), Attributes: c.GetAttributes(),
	}
	for _, s := range c.GetSkus() {
		sku := domain.SKUInput{
			SkuID: s.GetSkuId(), SkuCode: s.GetSkuCode(), SpecValues: s.GetSpecValues(),
			RetailPrice: moneyFrom(s.GetRetailPrice()), WeightG: s.GetWeightG(),
			Dimensions: domain.Dimensions{
				LengthMM: s.GetDimensions().GetLengthMm(), WidthMM: s.GetDimensions().GetWidthMm(), HeightMM: s.GetDimensions().GetHeightMm(),
			},
		}
		for _, t := range s.GetTierPrices() {
			sku.TierPrices = append(sku.TierPrices, domain.TierPrice{TierCode: t.GetTierCode(), Price: moneyFrom(t.GetPrice())})
		}
		in.SKUs = append(in.SKUs, sku)
	}
	return in
}

func contentProto(c domain.Content) *catalogv1.ProductContent {
	p := &catalogv1.ProductContent{
		CategoryId: c.CategoryID.String(), BrandId: idString(c.BrandID), Title: c.Title, Description: c.Description,
		Images: c.Images, Attributes: c.Attributes,
	}
	for _, s := range c.SKUs {
		sp := &catalogv1.SkuContent{
			SkuId: s.ID.String(), SkuCode: s.Code, SpecValues: s.SpecValues, RetailPrice: moneyProto(s.RetailPrice),
			WeightG: s.WeightG, Dimensions: dimensionsProto(s.Dimensions),
		}
		for _, t := range s.TierPrices {
			sp.TierPrices = append(sp.TierPrices, &catalogv1.TierPrice{TierCode: t.TierCode, Price: moneyProto(t.Price)})
		}
		p.Skus = append(p.Skus, sp)
	}
	return p
}

func revisionProto(r *domain.Revision) *catalogv1.Revision {
	if r == nil {
		return nil
	}
	return &catalogv1.Revision{
		Number: r.Number, Status: revisionStatuses[r.Status], Content: contentProto(r.Content),
		ReviewReason: r.ReviewReason, UpdatedAt: pbtime.Proto(r.UpdatedAt),
	}
}

func translationProto(t domain.Translation) *catalogv1.Translation {
	return &catalogv1.Translation{
		Locale: t.Locale, Title: t.Title, Description: t.Description, AttributeLabels: t.AttributeLabels,
		Complete: t.Complete, TranslatedBy: t.TranslatedBy, UpdatedAt: pbtime.Proto(t.UpdatedAt),
	}
}

func productProto(p domain.Product) *catalogv1.Product {
	out := &catalogv1.Product{
		ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), ModelId: p.ModelID.String(),
		Type: productTypes[p.Type], Origin: originProto(p.Origin), DefaultLocale: p.DefaultLocale,
		Status: productStatuses[p.Status], Live: revisionProto(p.Live), Pending: revisionProto(p.Pending),
		DeletedAt: pbtime.Proto(p.DeletedAt), CreatedAt: pbtime.Proto(p.CreatedAt), ReviewHold: p.ReviewHold,
	}
	if qc := p.QualityCheck; qc != nil {
		out.QualityCheck = &catalogv1.QualityCheck{Passed: qc.Passed, Notes: qc.Notes, CheckedBy: qc.CheckedBy, CheckedAt: pbtime.Proto(qc.CheckedAt)}
	}
	for _, t := range p.Translations {
		out.Translations = append(out.Translations, translationProto(t))
	}
	return out
}

func productsProto(ps []domain.Product) []*catalogv1.Product {
	out := make([]*catalogv1.Product, 0, len(ps))
	for _, p := range ps {
		out = append(out, productProto(p))
	}
	return out
}

func transitionProto(t domain.Transition) *catalogv1.Transition {
	return &catalogv1.Transition{
		From: productStatuses[t.From], To: productStatuses[t.To], Action: t.Action, ActorId: t.Actor,
		Reason: t.Reason, Revision: t.Revision, At: pbtime.Proto(t.At),
	}
}

var sortOrders = map[catalogv1.SortOrder]app.SortOrder{
	catalogv1.SortOrder_SORT_ORDER_UNSPECIFIED: app.SortRelevance,
	catalogv1.SortOrder_SORT_ORDER_PRICE_ASC:   app.SortPriceAsc,
	catalogv1.SortOrder_SORT_ORDER_PRICE_DESC:  app.SortPriceDesc,
	catalogv1.SortOrder_SORT_ORDER_NEWEST:      app.SortNewest,
}

func summaryProto(h app.SearchHit) *catalogv1.ProductSummary {
	return &catalogv1.ProductSummary{
		ProductId: h.ProductID.String(), SupplierId: h.SupplierID.String(), CategoryId: h.CategoryID.String(),
		BrandId: idString(h.BrandID), Locale: h.Locale, Title: h.Title, Image: h.Image,
		FromPrice: moneyProto(h.FromPrice), Type: productTypes[h.Type],
	}
}

func listingProto(l app.Listing) *catalogv1.Listing {
	p, c := l.Product, l.Product.Live.Content
	out := &catalogv1.Listing{
		ProductId: p.ID.String(), SupplierId: p.SupplierID.String(), CategoryId: c.CategoryID.String(),
		BrandId: idString(c.BrandID), Type: productTypes[p.Type], Origin: originProto(p.Origin),
		Locale: l.Text.Locale, Title: l.Text.Title, Description: l.Text.Description, Images: c.Images,
		Attributes: l.Attributes, AvailabilityUnknown: l.AvailabilityUnknown,
	}
	for _, s := range l.SKUs {
		out.Skus = append(out.Skus, &catalogv1.ListingSku{
			SkuId: s.ID.String(), SpecValues: s.SpecValues, Price: moneyProto(s.RetailPrice), Available: s.Available,
			WeightG: s.WeightG, Dimensions: dimensionsProto(s.Dimensions),
		})
	}
	return out
}

func offerProto(o app.Offer) *catalogv1.Offer {
	return &catalogv1.Offer{
		ProductId: o.ProductID.String(), SkuId: o.SKUID.String(), SupplierId: o.SupplierID.String(),
		Title: o.Title, SpecValues: o.SpecValues, Price: moneyProto(o.Price),
	}
}

func skuInfoProto(s app.SKUInfo) *catalogv1.SkuInfo {
	p := &catalogv1.SkuInfo{
		SkuId: s.ID.String(), SkuCode: s.Code, ProductId: s.Product.ID.String(), SupplierId: s.Product.SupplierID.String(),
		Type: productTypes[s.Product.Type], WeightG: s.WeightG, Dimensions: dimensionsProto(s.Dimensions),
		RetailPrice: moneyProto(s.RetailPrice), Origin: originProto(s.Product.Origin),
		OnSale: s.OnSale, Reservable: s.Reservable,
	}
	if s.CategoryID != uuid.Nil {
		p.CategoryId = s.CategoryID.String()
	}
	if s.CostPrice != nil {
		p.CostPrice = moneyProto(*s.CostPrice)
	}
	return p
}
