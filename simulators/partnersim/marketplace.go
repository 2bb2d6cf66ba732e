package partnersim

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
)

// The page sizes of ListOrders, ListSettlements and ListPayouts.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// maxMarkers bounds GetListings, as the protocol documents.
const maxMarkers = 100

// fault answers the injected fault of a call, if any: rate limited as
// RESOURCE_EXHAUSTED with the "retry-after" trailer in whole seconds
// (rounded up), a server error as UNAVAILABLE.
func (s *Server) fault(ctx context.Context) error {
	err := s.market.Fault()
	var f *FaultError
	if !errors.As(err, &f) {
		return nil
	}
	if f.Kind == FaultRateLimited {
		secs := int64(math.Ceil(f.RetryAfter.Seconds()))
		_ = grpc.SetTrailer(ctx, metadata.Pairs("retry-after", strconv.FormatInt(secs, 10)))
		return status.Error(codes.ResourceExhausted, "partnersim: too many calls, retry after "+strconv.FormatInt(secs, 10)+"s")
	}
	return status.Error(codes.Unavailable, "partnersim: server error (injected)")
}

// marketStatus turns the marketplace's errors into the protocol's codes.
func marketStatus(err error) error {
	code := codes.Internal
	switch {
	case errors.Is(err, ErrNotFound):
		code = codes.NotFound
	case errors.Is(err, ErrAlreadyShipped):
		code = codes.AlreadyExists
	case errors.Is(err, ErrConflict):
		code = codes.FailedPrecondition
	case errors.Is(err, ErrInvalid):
		code = codes.InvalidArgument
	}
	return status.Error(code, err.Error())
}

// page reads a page token (the decimal offset) and size.
func page(token string, size int32) (offset, limit int, err error) {
	if token != "" {
		offset, err = strconv.Atoi(token)
		if err != nil || offset < 0 {
			return 0, 0, status.Error(codes.InvalidArgument, "partnersim: page_token is not one of ours")
		}
	}
	switch {
	case size < 0:
		return 0, 0, status.Error(codes.InvalidArgument, "partnersim: page_size must not be negative")
	case size == 0:
		size = defaultPageSize
	case size > maxPageSize:
		size = maxPageSize
	}
	return offset, int(size), nil
}

// nextToken is the token of the page after offset+n, empty on the last.
func nextToken(offset, n int, more bool) string {
	if !more {
		return ""
	}
	return strconv.Itoa(offset + n)
}

// openEnd stands for a window without an upper bound.
var openEnd = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// bound reads a window's bound; unset is open (the zero time or openEnd).
func bound(ts *timestamppb.Timestamp, open time.Time) time.Time {
	if ts == nil {
		return open
	}
	return ts.AsTime()
}

// UpsertListing creates or replaces a listing.
func (s *Server) UpsertListing(ctx context.Context, req *partnerv1.UpsertListingRequest) (*partnerv1.UpsertListingResponse, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	v, err := s.market.UpsertListing(listingInput(req.GetListing()))
	if err != nil {
		return nil, marketStatus(err)
	}
	if err := s.market.Delay(ctx); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return &partnerv1.UpsertListingResponse{State: listingState(v)}, nil
}

// WithdrawListing takes a listing off sale. An unknown marker is answered
// WITHDRAWN: it is not on sale, which is what the caller asked for.
func (s *Server) WithdrawListing(ctx context.Context, req *partnerv1.WithdrawListingRequest) (*partnerv1.WithdrawListingResponse, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	if req.GetMarker() == "" {
		return nil, status.Error(codes.InvalidArgument, "partnersim: marker is required")
	}
	v := s.market.WithdrawListing(req.GetMarker())
	if v.Marker == "" {
		v.Marker, v.Status = req.GetMarker(), ListingWithdrawn
	}
	if err := s.market.Delay(ctx); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return &partnerv1.WithdrawListingResponse{State: listingState(v)}, nil
}

// GetListings returns the listings with the markers asked.
func (s *Server) GetListings(ctx context.Context, req *partnerv1.GetListingsRequest) (*partnerv1.GetListingsResponse, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	if len(req.GetMarkers()) > maxMarkers {
		return nil, status.Error(codes.InvalidArgument, "partnersim: at most 100 markers")
	}
	resp := &partnerv1.GetListingsResponse{}
	for _, v := range s.market.Listings(append([]string{}, req.GetMarkers()...)) {
		resp.Listings = append(resp.Listings, listingState(v))
	}
	if err := s.market.Delay(ctx); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return resp, nil
}

// ListOrders lists a page of the orders updated in the window.
func (s *Server) ListOrders(ctx context.Context, req *partnerv1.ListOrdersRequest) (*partnerv1.ListOrdersResponse, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	offset, limit, err := page(req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	from, to := bound(req.GetUpdatedFrom(), time.Time{}), bound(req.GetUpdatedTo(), openEnd)
	orders, more := s.market.ListOrders(from, to, offset, limit)
	resp := &partnerv1.ListOrdersResponse{NextPageToken: nextToken(offset, len(orders), more)}
	for _, o := range orders {
		resp.Orders = append(resp.Orders, partnerOrder(o))
	}
	if err := s.market.Delay(ctx); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return resp, nil
}

// GetOrder returns one order.
func (s *Server) GetOrder(ctx context.Context, req *partnerv1.GetOrderRequest) (*partnerv1.GetOrderResponse, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	o, ok := s.market.Order(req.GetOrderId())
	if !ok {
		return nil, status.Error(codes.NotFound, "partnersim: no order "+strconv.Quote(req.GetOrderId()))
	}
	if err := s.market.Delay(ctx); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return &partnerv1.GetOrderResponse{Order: partnerOrder(o)}, nil
}

// ConfirmShipment records a package of an order shipped.
func (s *Server) ConfirmShipment(ctx context.Context, req *partnerv1.ConfirmShipmentRequest) (*partnerv1.ConfirmShipmentResponse, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	already, err := s.market.ConfirmShipment(req.GetOrderId(), req.GetItemIds(), req.GetCarrierCode(), req.GetWaybill())
	if err != nil {
		return nil, marketStatus(err)
	}
	if err := s.market.Delay(ctx); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return &partnerv1.ConfirmShipmentResponse{AlreadyConfirmed: already}, nil
}

// ListSettlements lists a page of the settlement lines booked in the window.
func (s *Server) ListSettlements(ctx context.Context, req *partnerv1.ListSettlementsRequest) (*partnerv1.ListSettlementsResponse, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	offset, limit, err := page(req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	from, to := bound(req.GetSettledFrom(), time.Time{}), bound(req.GetSettledTo(), openEnd)
	lines, more := s.market.Settlements(from, to, offset, limit)
	resp := &partnerv1.ListSettlementsResponse{NextPageToken: nextToken(offset, len(lines), more)}
	for _, l := range lines {
		resp.Lines = append(resp.Lines, settlementLine(l))
	}
	if err := s.market.Delay(ctx); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return resp, nil
}

// ListPayouts lists a page of the payouts made in the window.
func (s *Server) ListPayouts(ctx context.Context, req *partnerv1.ListPayoutsRequest) (*partnerv1.ListPayoutsResponse, error) {
	if err := s.fault(ctx); err != nil {
		return nil, err
	}
	offset, limit, err := page(req.GetPageToken(), req.GetPageSize())
	if err != nil {
		return nil, err
	}
	from, to := bound(req.GetPaidFrom(), time.Time{}), bound(req.GetPaidTo(), openEnd)
	payouts, more := s.market.Payouts(from, to, offset, limit)
	resp := &partnerv1.ListPayoutsResponse{NextPageToken: nextToken(offset, len(payouts), more)}
	for _, p := range payouts {
		resp.Payouts = append(resp.Payouts, payout(p))
	}
	if err := s.market.Delay(ctx); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	return resp, nil
}
