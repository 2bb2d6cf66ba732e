package grpcapi

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	dockingv1 "github.com/crossdock/crossdock/gen/crossdock/docking/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/enummap"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/pkg/pbtime"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// pageLimits are the docking lists' page sizes.
var pageLimits = paging.Limits{Default: 50, Max: 200}

var listingStatuses = map[dockingv1.ListingStatus]domain.ListingStatus{
	dockingv1.ListingStatus_LISTING_STATUS_QUEUED:    domain.ListingQueued,
	dockingv1.ListingStatus_LISTING_STATUS_PENDING:   domain.ListingPending,
	dockingv1.ListingStatus_LISTING_STATUS_LIVE:      domain.ListingLive,
	dockingv1.ListingStatus_LISTING_STATUS_REJECTED:  domain.ListingRejected,
	dockingv1.ListingStatus_LISTING_STATUS_WITHDRAWN: domain.ListingWithdrawn,
}

var orderStates = map[dockingv1.PartnerOrderState]string{
	dockingv1.PartnerOrderState_PARTNER_ORDER_STATE_IMPORTED: app.PulledImported,
	dockingv1.PartnerOrderState_PARTNER_ORDER_STATE_WAITING:  app.PulledWaiting,
	dockingv1.PartnerOrderState_PARTNER_ORDER_STATE_HELD:     app.PulledHeld,
}

var lineStates = map[dockingv1.SettlementLineState]domain.SettlementState{
	dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_MATCHED:    domain.SettlementMatched,
	dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_MISSING:    domain.SettlementMissing,
	dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_MISMATCH:   domain.SettlementMismatch,
	dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_ACCEPTED:   domain.SettlementAccepted,
	dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_DISMISSED:  domain.SettlementDismissed,
	dockingv1.SettlementLineState_SETTLEMENT_LINE_STATE_UNREADABLE: domain.SettlementUnreadable,
}

var lineResolutions = map[dockingv1.SettlementLineResolution]domain.Resolution{
	dockingv1.SettlementLineResolution_SETTLEMENT_LINE_RESOLUTION_ACCEPT_PARTNER_FIGURES: domain.ResolutionAccept,
	dockingv1.SettlementLineResolution_SETTLEMENT_LINE_RESOLUTION_DISMISS:                domain.ResolutionDismiss,
}

var payoutStates = map[dockingv1.PartnerPayoutState]string{
	dockingv1.PartnerPayoutState_PARTNER_PAYOUT_STATE_RECORDED:   app.PayoutRecorded,
	dockingv1.PartnerPayoutState_PARTNER_PAYOUT_STATE_WAITING:    app.PayoutWaiting,
	dockingv1.PartnerPayoutState_PARTNER_PAYOUT_STATE_UNREADABLE: app.PayoutUnreadable,
	dockingv1.PartnerPayoutState_PARTNER_PAYOUT_STATE_DISMISSED:  app.PayoutDismissed,
}

var (
	listingStatusProto = enummap.Invert(listingStatuses)
	orderStateProto    = enummap.Invert(orderStates)
	lineStateProto     = enummap.Invert(lineStates)
	payoutStateProto   = enummap.Invert(payoutStates)
)

// GetPartnerActivity returns docking's recent work with a partner (admins).
func (s *Docking) GetPartnerActivity(ctx context.Context, req *dockingv1.GetPartnerActivityRequest) (*dockingv1.GetPartnerActivityResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("partner_id", req.GetPartnerId())
	if err != nil {
		return nil, err
	}
	a, err := s.trade.Activity(ctx, c, id)
	if err != nil {
		return nil, err
	}
	out := &dockingv1.PartnerActivity{PartnerId: id.String(), LastPullAt: pbtime.ProtoOf(a.LastPullAt), Watermark: timestamppb.New(a.Watermark),
		LagSeconds: int64(time.Since(a.Watermark) / time.Second), LastError: a.LastError, LastErrorAt: pbtime.ProtoOf(a.LastErrorAt),
		OrdersImported: a.OrdersImported, OrdersHeld: a.OrdersHeld, WaybillsPending: a.WaybillsPending,
		SettlementLinesUnreconciled: a.LinesUnreconciled, LastSettlementPullAt: pbtime.ProtoOf(a.LastSettlementPullAt),
		PayoutsUnrecorded: a.PayoutsUnrecorded, SettlementLinesUncredited: a.LinesUncredited}
	for _, st := range []domain.ListingStatus{domain.ListingQueued, domain.ListingPending, domain.ListingLive, domain.ListingRejected, domain.ListingWithdrawn} {
		if n := a.Listings[st]; n > 0 {
			out.Listings = append(out.Listings, &dockingv1.ListingCount{Status: listingStatusProto[st], Count: n})
		}
	}
	return &dockingv1.GetPartnerActivityResponse{Activity: out}, nil
}

// ListListings lists pushed listings (admins; suppliers their own).
func (s *Docking) ListListings(ctx context.Context, req *dockingv1.ListListingsRequest) (*dockingv1.ListListingsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	f := app.ListingFilter{PartnerID: optionalID(&v, "partner_id", req.GetPartnerId()), ProductID: optionalID(&v, "product_id", req.GetProductId()),
		SupplierID: optionalID(&v, "supplier_id", req.GetSupplierId()), Page: req.GetPage().GetPageToken()}
	if req.GetStatus() != dockingv1.ListingStatus_LISTING_STATUS_UNSPECIFIED {
		st, ok := listingStatuses[req.GetStatus()]
		if !ok {
			v.Add("status", "is not a listing status")
		}
		f.Status = st
	}
	size, err := pageLimits.Size(int(req.GetPage().GetPageSize()))
	if err != nil {
		return nil, err
	}
	f.Limit = size
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, next, err := s.trade.ListListings(ctx, c, f)
	if err != nil {
		return nil, err
	}
	codes, err := s.partnerCodes(ctx)
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListListingsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, l := range list {
		out.Listings = append(out.Listings, &dockingv1.PartnerListing{PartnerId: l.PartnerID.String(), PartnerCode: codes[l.PartnerID],
			ProductId: l.ProductID, SkuId: l.SKUID, SupplierId: l.SupplierID, Marker: l.Marker, PartnerListingId: l.PartnerListingID,
			Status: listingStatusProto[l.Status], Reasons: l.Reasons, Locale: l.Locale, Price: moneyProto(l.Price), Stock: l.Stock,
			PushedAt: pbtime.ProtoOf(l.PushedAt), UpdatedAt: timestamppb.New(l.UpdatedAt), LastError: l.LastError})
	}
	return out, nil
}

// partnerCodes maps partner ids to codes for answers; listings are read by
// suppliers too, who may not read partners themselves.
func (s *Docking) partnerCodes(ctx context.Context) (map[uuid.UUID]string, error) {
	return s.trade.PartnerCodes(ctx)
}

// listOf reads what every list of one partner's (or platform's) records
// takes: the caller, the owner's id (field names it) and the page size.
func listOf(ctx context.Context, field, rawID string, page *commonv1.PageRequest) (auth.Caller, uuid.UUID, int, error) {
	c, err := caller(ctx)
	if err != nil {
		return auth.Caller{}, uuid.Nil, 0, err
	}
	id, err := apperr.ParseID(field, rawID)
	if err != nil {
		return auth.Caller{}, uuid.Nil, 0, err
	}
	size, err := pageLimits.Size(int(page.GetPageSize()))
	return c, id, size, err
}

// stateFilter is a list's state filter: none for the unspecified state,
// an InvalidArgument for a number the API does not define (rather than no
// filter, listing everything).
func stateFilter[E ~int32, S any](states map[E]S, e E) (S, error) {
	var none S
	if e == 0 {
		return none, nil
	}
	st, ok := states[e]
	if !ok {
		return none, apperr.InvalidField("state", "is not a state of the list")
	}
	return st, nil
}

// ListPartnerOrders lists a partner's pulled orders (admins).
func (s *Docking) ListPartnerOrders(ctx context.Context, req *dockingv1.ListPartnerOrdersRequest) (*dockingv1.ListPartnerOrdersResponse, error) {
	c, id, size, err := listOf(ctx, "partner_id", req.GetPartnerId(), req.GetPage())
	if err != nil {
		return nil, err
	}
	state, err := stateFilter(orderStates, req.GetState())
	if err != nil {
		return nil, err
	}
	list, next, err := s.trade.ListPulledOrders(ctx, c, app.PulledOrderFilter{PartnerID: id, State: state,
		BelowListingOnly: req.GetBelowListingOnly(), Page: req.GetPage().GetPageToken(), Limit: size})
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListPartnerOrdersResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, o := range list {
		out.Orders = append(out.Orders, pulledOrderProto(o))
	}
	return out, nil
}

func pulledOrderProto(o app.PulledOrder) *dockingv1.PulledOrder {
	po := &dockingv1.PulledOrder{PartnerId: o.PartnerID.String(), PartnerOrderId: o.PartnerOrderID, State: orderStateProto[o.State],
		PartnerStatus: o.PartnerStatus, Problem: o.Problem, Raw: string(o.Raw), FirstSeenAt: timestamppb.New(o.FirstSeenAt), UpdatedAt: timestamppb.New(o.UpdatedAt)}
	if o.OrderID != nil {
		po.OrderId = o.OrderID.String()
	}
	for _, g := range o.BelowListing {
		po.BelowListing = append(po.BelowListing, &dockingv1.PriceBelowListing{SkuId: g.SKUID, SoldAt: moneyProto(g.SoldAt), ListedAt: moneyProto(g.ListedAt)})
	}
	return po
}

// ListSettlementLines lists a partner's settlement lines (admins).
func (s *Docking) ListSettlementLines(ctx context.Context, req *dockingv1.ListSettlementLinesRequest) (*dockingv1.ListSettlementLinesResponse, error) {
	c, id, size, err := listOf(ctx, "partner_id", req.GetPartnerId(), req.GetPage())
	if err != nil {
		return nil, err
	}
	state, err := stateFilter(lineStates, req.GetState())
	if err != nil {
		return nil, err
	}
	list, next, err := s.trade.ListLines(ctx, c, app.LineFilter{PartnerID: id, State: state, Page: req.GetPage().GetPageToken(), Limit: size})
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListSettlementLinesResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, l := range list {
		out.Lines = append(out.Lines, lineProto(l))
	}
	return out, nil
}

// ResolveSettlementLine applies an operator's resolution to a line
// (admins). Every bad field is named in one answer.
func (s *Docking) ResolveSettlementLine(ctx context.Context, req *dockingv1.ResolveSettlementLineRequest) (*dockingv1.ResolveSettlementLineResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	resolution := lineResolutions[req.GetResolution()]
	id, err := partnerIDWithFields(req.GetPartnerId(), domain.ValidateResolution(req.GetLineId(), resolution, req.GetNote()))
	if err != nil {
		return nil, err
	}
	l, err := s.trade.ResolveLine(ctx, c, app.LineResolutionInput{PartnerID: id, LineID: req.GetLineId(), Resolution: resolution, Note: req.GetNote()})
	if err != nil {
		return nil, err
	}
	return &dockingv1.ResolveSettlementLineResponse{Line: lineProto(l)}, nil
}

// partnerIDWithFields parses a request's partner id and answers its bad fields and
// the request's others (fields, from the domain's validation) together.
func partnerIDWithFields(partnerID string, fields error) (uuid.UUID, error) {
	var v apperr.Violations
	id, err := apperr.ParseID("partner_id", partnerID)
	if err := v.Merge(err); err != nil {
		return uuid.Nil, err
	}
	if err := v.Merge(fields); err != nil {
		return uuid.Nil, err
	}
	return id, v.Err()
}

// lineProto maps a stored line for operators: the partner's figures, what
// we expected, and the resolution once there is one.
func lineProto(l app.StoredLine) *dockingv1.SettlementLine {
	pl := &dockingv1.SettlementLine{PartnerId: l.PartnerID.String(), LineId: l.LineID, PartnerOrderId: l.PartnerOrderID,
		State: lineStateProto[l.State], Gross: moneyProto(l.Gross), Fees: moneyProto(l.Fees), SettledAt: timestamppb.New(l.SettledAt),
		ReconciledAt: pbtime.ProtoOf(l.ReconciledAt), CreditedAt: pbtime.ProtoOf(l.CreditedAt), Problems: l.Problems}
	if l.Expected.Currency != "" {
		pl.ExpectedGross = moneyProto(money.Money{Amount: l.Expected.GrossMinor, Currency: l.Expected.Currency})
		pl.ExpectedFees = moneyProto(money.Money{Amount: l.Expected.FeesMinor, Currency: l.Expected.Currency})
	}
	if l.OrderID != nil {
		pl.OrderId = l.OrderID.String()
	}
	if l.State == domain.SettlementUnreadable {
		pl.Raw = string(l.Raw)
		if l.Gross.Currency == "" {
			pl.Gross = nil
		}
		if l.Fees.Currency == "" {
			pl.Fees = nil
		}
	}
	if r := l.Resolution; r != nil {
		pl.Resolution = &dockingv1.LineResolution{PreviousState: lineStateProto[r.From], Note: r.Note, ResolvedBy: r.By,
			ResolvedAt: timestamppb.New(r.At)}
	}
	return pl
}

// ListPartnerPayouts lists a partner's payouts (admins).
func (s *Docking) ListPartnerPayouts(ctx context.Context, req *dockingv1.ListPartnerPayoutsRequest) (*dockingv1.ListPartnerPayoutsResponse, error) {
	c, id, size, err := listOf(ctx, "partner_id", req.GetPartnerId(), req.GetPage())
	if err != nil {
		return nil, err
	}
	state, err := stateFilter(payoutStates, req.GetState())
	if err != nil {
		return nil, err
	}
	list, next, err := s.trade.ListPayouts(ctx, c, app.PayoutFilter{PartnerID: id, State: state, Page: req.GetPage().GetPageToken(), Limit: size})
	if err != nil {
		return nil, err
	}
	out := &dockingv1.ListPartnerPayoutsResponse{Page: &commonv1.PageResponse{NextPageToken: next}}
	for _, p := range list {
		out.Payouts = append(out.Payouts, payoutProto(p))
	}
	return out, nil
}

// ResolvePartnerPayout records a waiting payout beyond what was credited,
// or dismisses an unreadable one (admins). Every bad field is named in one
// answer.
func (s *Docking) ResolvePartnerPayout(ctx context.Context, req *dockingv1.ResolvePartnerPayoutRequest) (*dockingv1.ResolvePartnerPayoutResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := partnerIDWithFields(req.GetPartnerId(), domain.ValidatePayoutResolution(req.GetPayoutId(), req.GetNote()))
	if err != nil {
		return nil, err
	}
	p, err := s.trade.ResolvePayout(ctx, c, app.PayoutResolutionInput{PartnerID: id, PayoutID: req.GetPayoutId(), Note: req.GetNote(),
		Dismiss: req.GetDismiss()})
	if err != nil {
		return nil, err
	}
	return &dockingv1.ResolvePartnerPayoutResponse{Payout: payoutProto(p)}, nil
}

// payoutProto maps a stored payout for operators: its state, finance's
// last refusal while it waits, what could not be read of an unreadable one
// (and the payout as sent), and an operator's resolution once there is one.
func payoutProto(p app.StoredPayout) *dockingv1.PartnerPayout {
	pp := &dockingv1.PartnerPayout{PartnerId: p.PartnerID.String(), PayoutId: p.PayoutID,
		Amount: moneyProto(p.Amount), State: payoutStateProto[p.State()], PaidAt: timestamppb.New(p.PaidAt),
		FirstSeenAt: timestamppb.New(p.FirstSeenAt), RecordedAt: pbtime.ProtoOf(p.RecordedAt), LastRefusal: p.LastError}
	if len(p.Problems) > 0 {
		pp.Problems, pp.Raw = p.Problems, string(p.Raw)
		if p.Amount.Currency == "" {
			pp.Amount = nil
		}
	}
	if r := p.Resolution; r != nil {
		pp.Resolution = &dockingv1.PayoutResolution{Note: r.Note, ResolvedBy: r.By, ResolvedAt: timestamppb.New(r.At)}
		if p.RecordedAt != nil {
			pp.Unallocated = moneyProto(money.Money{Amount: p.Unallocated, Currency: p.Amount.Currency})
		}
	}
	return pp
}

// SyncPartner asks for a full push and pull now (admins).
func (s *Docking) SyncPartner(ctx context.Context, req *dockingv1.SyncPartnerRequest) (*dockingv1.SyncPartnerResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := apperr.ParseID("partner_id", req.GetPartnerId())
	if err != nil {
		return nil, err
	}
	if err := s.trade.Sync(ctx, c, id); err != nil {
		return nil, err
	}
	return &dockingv1.SyncPartnerResponse{}, nil
}

// RetryPartnerOrder reads a held partner order again (admins).
func (s *Docking) RetryPartnerOrder(ctx context.Context, req *dockingv1.RetryPartnerOrderRequest) (*dockingv1.RetryPartnerOrderResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v apperr.Violations
	id := requiredID(&v, "partner_id", req.GetPartnerId())
	if req.GetPartnerOrderId() == "" {
		v.Add("partner_order_id", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, err := s.trade.RetryPartnerOrder(ctx, c, id, req.GetPartnerOrderId())
	if err != nil {
		return nil, err
	}
	return &dockingv1.RetryPartnerOrderResponse{Order: pulledOrderProto(o)}, nil
}

// requiredID reads an id that must be given.
func requiredID(v *apperr.Violations, field, raw string) uuid.UUID {
	if raw == "" {
		v.Add(field, "is required")
		return uuid.Nil
	}
	return optionalID(v, field, raw)
}

func optionalID(v *apperr.Violations, field, raw string) uuid.UUID {
	if raw == "" {
		return uuid.Nil
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		v.Add(field, "is not a valid id")
	}
	return id
}

func moneyProto(m money.Money) *commonv1.Money {
	return &commonv1.Money{CurrencyCode: m.Currency, AmountMinor: m.Amount}
}
