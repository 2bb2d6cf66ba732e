package marketplace

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// maxMarkers is how many listings one GetListings may ask for.
const maxMarkers = 100

// UpsertListing pushes a listing; the partner answers it pending (or as it
// was, when nothing changed).
func (c *Connector) UpsertListing(ctx context.Context, p domain.Partner, l domain.Listing) (domain.ListingState, error) {
	var resp *partnerv1.UpsertListingResponse
	err := c.call(ctx, p, func(ctx context.Context, mc partnerv1.MarketplaceServiceClient, opt grpc.CallOption) (err error) {
		resp, err = mc.UpsertListing(ctx, &partnerv1.UpsertListingRequest{Listing: partnerListing(l)}, opt)
		return err
	})
	if err != nil {
		return domain.ListingState{}, err
	}
	return listingState(resp.GetState())
}

// WithdrawListing takes a listing off sale.
func (c *Connector) WithdrawListing(ctx context.Context, p domain.Partner, marker string) (domain.ListingState, error) {
	var resp *partnerv1.WithdrawListingResponse
	err := c.call(ctx, p, func(ctx context.Context, mc partnerv1.MarketplaceServiceClient, opt grpc.CallOption) (err error) {
		resp, err = mc.WithdrawListing(ctx, &partnerv1.WithdrawListingRequest{Marker: marker}, opt)
		return err
	})
	if err != nil {
		return domain.ListingState{}, err
	}
	return listingState(resp.GetState())
}

// ListingStates reads the states of up to 100 listings.
func (c *Connector) ListingStates(ctx context.Context, p domain.Partner, markers []string) ([]domain.ListingState, error) {
	if len(markers) > maxMarkers {
		return nil, apperr.InvalidField("markers", "at most 100 at a time")
	}
	var resp *partnerv1.GetListingsResponse
	err := c.call(ctx, p, func(ctx context.Context, mc partnerv1.MarketplaceServiceClient, opt grpc.CallOption) (err error) {
		resp, err = mc.GetListings(ctx, &partnerv1.GetListingsRequest{Markers: markers}, opt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return domain.ReadableStates(resp.GetListings(), listingState)
}

// ListOrders reads a page of the orders updated in w.
func (c *Connector) ListOrders(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.OrderPage, error) {
	from, to := windowBounds(w)
	var resp *partnerv1.ListOrdersResponse
	err := c.call(ctx, p, func(ctx context.Context, mc partnerv1.MarketplaceServiceClient, opt grpc.CallOption) (err error) {
		resp, err = mc.ListOrders(ctx, &partnerv1.ListOrdersRequest{UpdatedFrom: from, UpdatedTo: to, PageToken: page}, opt)
		return err
	})
	if err != nil {
		return domain.OrderPage{}, err
	}
	out := domain.OrderPage{Next: resp.GetNextPageToken(), Orders: make([]domain.PartnerOrder, 0, len(resp.GetOrders()))}
	for _, o := range resp.GetOrders() {
		po, err := partnerOrder(o)
		if err != nil {
			return domain.OrderPage{}, err
		}
		out.Orders = append(out.Orders, po)
	}
	return out, nil
}

// GetOrder reads one order.
func (c *Connector) GetOrder(ctx context.Context, p domain.Partner, orderID string) (domain.PartnerOrder, error) {
	var resp *partnerv1.GetOrderResponse
	err := c.call(ctx, p, func(ctx context.Context, mc partnerv1.MarketplaceServiceClient, opt grpc.CallOption) (err error) {
		resp, err = mc.GetOrder(ctx, &partnerv1.GetOrderRequest{OrderId: orderID}, opt)
		return err
	})
	if err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return domain.PartnerOrder{}, apperr.NotFound("partner order", orderID).Wrap(errors.Unwrap(err))
		}
		return domain.PartnerOrder{}, err
	}
	return partnerOrder(resp.GetOrder())
}

// ErrWaybillConflict is items the partner has confirmed under another
// waybill: retrying cannot help, an operator must look.
var ErrWaybillConflict = app.ErrWaybillConflict

// ConfirmShipment confirms a package's waybill; the same waybill again is
// success with already = true.
func (c *Connector) ConfirmShipment(ctx context.Context, p domain.Partner, s domain.Shipment) (bool, error) {
	var resp *partnerv1.ConfirmShipmentResponse
	err := c.call(ctx, p, func(ctx context.Context, mc partnerv1.MarketplaceServiceClient, opt grpc.CallOption) (err error) {
		resp, err = mc.ConfirmShipment(ctx, &partnerv1.ConfirmShipmentRequest{OrderId: s.PartnerOrderID,
			ItemIds: s.ItemIDs, CarrierCode: s.CarrierCode, Waybill: s.Waybill}, opt)
		return err
	})
	// The refusal wraps the partner's status: ALREADY_EXISTS is the
	// protocol's answer to another waybill for items already confirmed.
	if err != nil && status.Code(err) == codes.AlreadyExists {
		return false, ErrWaybillConflict.Wrap(errors.Unwrap(err))
	}
	if err != nil {
		return false, err
	}
	return resp.GetAlreadyConfirmed(), nil
}

// ListSettlements reads a page of the settlement lines booked in w.
func (c *Connector) ListSettlements(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.SettlementPage, error) {
	from, to := windowBounds(w)
	var resp *partnerv1.ListSettlementsResponse
	err := c.call(ctx, p, func(ctx context.Context, mc partnerv1.MarketplaceServiceClient, opt grpc.CallOption) (err error) {
		resp, err = mc.ListSettlements(ctx, &partnerv1.ListSettlementsRequest{SettledFrom: from, SettledTo: to, PageToken: page}, opt)
		return err
	})
	if err != nil {
		return domain.SettlementPage{}, err
	}
	out := domain.SettlementPage{Next: resp.GetNextPageToken(), Lines: make([]domain.SettlementLine, 0, len(resp.GetLines()))}
	for _, l := range resp.GetLines() {
		line, err := settlementLine(l)
		if err != nil {
			return domain.SettlementPage{}, err
		}
		out.Lines = append(out.Lines, line)
	}
	return out, nil
}

// ReadSettlementLine reads a line again from its Raw (protojson).
func (c *Connector) ReadSettlementLine(raw []byte) (domain.SettlementLine, error) {
	var l partnerv1.SettlementLine
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, &l); err != nil {
		return domain.SettlementLine{}, badAnswer("a kept settlement line is not one").Wrap(err)
	}
	return settlementLine(&l)
}

// ReadPayout reads a payout again from its Raw (protojson).
func (c *Connector) ReadPayout(raw []byte) (domain.Payout, error) {
	var po partnerv1.Payout
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, &po); err != nil {
		return domain.Payout{}, badAnswer("a kept payout is not one").Wrap(err)
	}
	return payoutOf(&po)
}

// ListPayouts reads a page of the payouts made in w.
func (c *Connector) ListPayouts(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.PayoutPage, error) {
	from, to := windowBounds(w)
	var resp *partnerv1.ListPayoutsResponse
	err := c.call(ctx, p, func(ctx context.Context, mc partnerv1.MarketplaceServiceClient, opt grpc.CallOption) (err error) {
		resp, err = mc.ListPayouts(ctx, &partnerv1.ListPayoutsRequest{PaidFrom: from, PaidTo: to, PageToken: page}, opt)
		return err
	})
	if err != nil {
		return domain.PayoutPage{}, err
	}
	out := domain.PayoutPage{Next: resp.GetNextPageToken(), Payouts: make([]domain.Payout, 0, len(resp.GetPayouts()))}
	for _, po := range resp.GetPayouts() {
		payout, err := payoutOf(po)
		if err != nil {
			return domain.PayoutPage{}, err
		}
		out.Payouts = append(out.Payouts, payout)
	}
	return out, nil
}
