package partnersim

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
)

// The translation between the marketplace's values and the standard
// protocol's messages.

// listingInput is a pushed listing as the marketplace takes it.
func listingInput(l *partnerv1.PartnerListing) ListingInput {
	return ListingInput{
		Marker: l.GetMarker(), ProductID: l.GetProductId(), SKUID: l.GetSkuId(), SKUCode: l.GetSkuCode(),
		SupplierID: l.GetSupplierId(), Locale: l.GetLocale(), Title: l.GetTitle(), Description: l.GetDescription(),
		Images: slices.Clone(l.GetImages()), Attributes: maps.Clone(l.GetAttributes()),
		Currency: l.GetPrice().GetCurrencyCode(), PriceMinor: l.GetPrice().GetAmountMinor(),
		Stock: l.GetStock(), WeightG: l.GetWeightG(),
	}
}

var listingStatuses = map[string]partnerv1.ListingStatus{
	ListingPending:   partnerv1.ListingStatus_LISTING_STATUS_PENDING,
	ListingLive:      partnerv1.ListingStatus_LISTING_STATUS_LIVE,
	ListingRejected:  partnerv1.ListingStatus_LISTING_STATUS_REJECTED,
	ListingWithdrawn: partnerv1.ListingStatus_LISTING_STATUS_WITHDRAWN,
}

func listingState(v ListingView) *partnerv1.ListingState {
	st := &partnerv1.ListingState{Marker: v.Marker, ListingId: v.ListingID, Status: listingStatuses[v.Status], Reasons: v.Reasons}
	if !v.UpdatedAt.IsZero() {
		st.UpdatedAt = timestamppb.New(v.UpdatedAt)
	}
	return st
}

// orderStatuses are the documented statuses; any other number (FaultStatus)
// is sent as it is, which proto3's open enums allow.
var orderStatuses = map[OrderStatus]partnerv1.OrderStatus{
	StatusAwaitingPayment: partnerv1.OrderStatus_ORDER_STATUS_AWAITING_PAYMENT,
	StatusPaid:            partnerv1.OrderStatus_ORDER_STATUS_PAID,
	StatusShipped:         partnerv1.OrderStatus_ORDER_STATUS_SHIPPED,
	StatusCompleted:       partnerv1.OrderStatus_ORDER_STATUS_COMPLETED,
	StatusCancelled:       partnerv1.OrderStatus_ORDER_STATUS_CANCELLED,
}

func orderStatus(s OrderStatus) partnerv1.OrderStatus {
	if st, ok := orderStatuses[s]; ok {
		return st
	}
	return partnerv1.OrderStatus(s)
}

func money(amount int64, currency string) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: currency, AmountMinor: amount}
}

func partnerOrder(o Order) *partnerv1.PartnerOrder {
	a := o.Address
	po := &partnerv1.PartnerOrder{
		OrderId: o.OrderID, Status: orderStatus(o.Status), BuyerRef: o.BuyerRef,
		Address: &commonv1.Address{Recipient: a.Recipient, Phone: a.Phone, CountryCode: a.CountryCode,
			RegionCode: a.RegionCode, City: a.City, Postcode: a.Postcode, Lines: a.Lines},
		Total:     money(o.TotalMinor, o.Currency),
		PlacedAt:  timestamppb.New(o.PlacedAt),
		UpdatedAt: timestamppb.New(o.UpdatedAt),
	}
	if o.PaidAt != nil {
		po.PaidAt = timestamppb.New(*o.PaidAt)
	}
	for _, it := range o.Items {
		po.Items = append(po.Items, &partnerv1.OrderItem{ItemId: it.ItemID, ListingId: it.ListingID, Marker: it.Marker,
			Quantity: it.Quantity, UnitPrice: money(it.UnitPriceMinor, it.Currency)})
	}
	return po
}

func settlementLine(l SettlementLine) *partnerv1.SettlementLine {
	return &partnerv1.SettlementLine{LineId: l.LineID, OrderId: l.OrderID,
		Gross: money(l.GrossMinor, l.Currency), Fees: money(l.FeesMinor, l.Currency), SettledAt: timestamppb.New(l.SettledAt)}
}

func payout(p Payout) *partnerv1.Payout {
	return &partnerv1.Payout{PayoutId: p.PayoutID, Amount: money(p.AmountMinor, p.Currency), PaidAt: timestamppb.New(p.PaidAt)}
}
