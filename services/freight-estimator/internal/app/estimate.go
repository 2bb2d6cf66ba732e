package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// EstimateRequest asks for a freight pre-estimate: a route and either a parcel
// or SKU lines.
type EstimateRequest struct {
	Route domain.Route
	// Parcel is the parcel given directly; nil when Lines are given.
	Parcel *domain.ParcelInput
	// Lines are the parcel as catalog SKUs; used when Parcel is nil.
	Lines []domain.SkuLine
	// LinesValue is what the lines' goods were sold for, when that is not
	// their retail prices summed; nil for the retail prices.
	LinesValue *money.Money
	// ShippingMethod picks the rate card's method; "" for the default.
	ShippingMethod string
	// DisplayCurrency also converts the target for display; "" for none.
	DisplayCurrency string
}

// EstimateResult is an estimate with what it was computed from.
type EstimateResult struct {
	domain.Estimate
	// Parcel is the parcel as estimated, its value in the base currency.
	Parcel domain.Parcel
	Route  domain.Route
	Config domain.Config
	// Display is the target in the display currency, when one was asked for,
	// converted at DisplayRate (half-even).
	Display     *money.Money
	DisplayRate string
}

// Errors of an estimate's dependencies.
var (
	ErrCatalogUnavailable = apperr.Unavailable("the catalog cannot be reached to look up the SKUs; try again shortly").WithReason("CATALOG_UNAVAILABLE")
	ErrRatesUnavailable   = apperr.Unavailable("exchange rates cannot be reached; try again shortly").WithReason("RATES_UNAVAILABLE")
	ErrNoRate             = apperr.FailedPrecondition("no exchange rate is recorded for this currency pair").WithReason("NO_EXCHANGE_RATE")
	// ErrRateStale: finance's latest rate for the pair is older than its
	// FX policy allows (finance's own RATE_STALE); freight is not priced on
	// it.
	ErrRateStale = apperr.FailedPrecondition("the exchange rate for this currency pair is out of date; a current rate must be recorded").
			WithReason("RATE_STALE")
	ErrBadSkuOrigin = apperr.FailedPrecondition("the SKUs' shipping origin is not a valid country and region").WithReason("SKU_ORIGIN_INVALID")
)

// Estimate computes the freight pre-estimate of DOMAIN.md. Any signed-in
// caller may ask.
func (s *Service) Estimate(ctx context.Context, caller auth.Caller, req EstimateRequest) (EstimateResult, error) {
	if err := requireCaller(caller); err != nil {
		return EstimateResult{}, err
	}
	if err := s.baseChecked(ctx, estimateWaitsForCheck); err != nil {
		return EstimateResult{}, err
	}
	route, parcel, err := s.parcel(ctx, caller, req)
	if err != nil {
		return EstimateResult{}, err
	}
	now := s.clock()
	ec, err := s.store.EstimateContext(ctx, route, now)
	if err != nil {
		return EstimateResult{}, err
	}
	mult := domain.EffectiveMultiplier(ec.Config, ec.Override)
	var tallies domain.Tallies
	if ec.RouteID != 0 {
		q := domain.NewQuery(parcel, ec.Config, now)
		if tallies, err = s.history.Tally(ctx, ec.RouteID, ec.RouteSeq, q); err != nil {
			return EstimateResult{}, fmt.Errorf("route %s history: %w", route, err)
		}
	}
	est, ok, err := domain.HistoryEstimate(tallies, ec.Config, mult, s.base)
	if err != nil {
		return EstimateResult{}, err
	}
	if !ok {
		card, err := s.store.RateCardAt(ctx, now)
		if err != nil {
			return EstimateResult{}, err
		}
		quote, err := card.Quote(parcel, route, req.ShippingMethod)
		if err != nil {
			return EstimateResult{}, err
		}
		if est, err = domain.RateCardEstimate(quote, mult, s.base); err != nil {
			return EstimateResult{}, err
		}
	}
	res := EstimateResult{Estimate: est, Parcel: parcel, Route: route, Config: ec.Config}
	if req.DisplayCurrency != "" {
		rate, err := s.rate(ctx, s.base, req.DisplayCurrency)
		if err != nil {
			return EstimateResult{}, err
		}
		shown, err := money.Convert(est.Target, req.DisplayCurrency, rate)
		if err != nil {
			return EstimateResult{}, domain.ErrEstimateOverflow.Wrap(err)
		}
		res.Display, res.DisplayRate = &shown, rate.String()
	}
	return res, nil
}

// parcel validates the request and returns the route and the parcel in the
// base currency, summing SKU lines through the catalog when given.
func (s *Service) parcel(ctx context.Context, caller auth.Caller, req EstimateRequest) (domain.Route, domain.Parcel, error) {
	var errs []error
	if req.ShippingMethod != "" && !domain.ValidMethod(req.ShippingMethod) {
		errs = append(errs, apperr.InvalidField("shipping_method", "must be 1 to 32 lower-case letters, digits, dashes or underscores"))
	}
	if req.DisplayCurrency != "" && !money.ValidCurrency(req.DisplayCurrency) {
		errs = append(errs, apperr.InvalidField("display_currency", "is not a known ISO 4217 currency"))
	}
	byLines := req.Parcel == nil
	var route domain.Route
	var err error
	switch {
	case req.Route.IsZero():
		errs = append(errs, apperr.InvalidField("route", "is required"))
	case byLines && req.Route.OriginCountry == "" && req.Route.OriginRegion == "":
		route, err = domain.NewDestination("route", req.Route)
		errs = append(errs, err)
	default:
		route, err = domain.NewRoute("route", req.Route)
		errs = append(errs, err)
	}
	switch {
	case !byLines:
		errs = append(errs, domain.ValidateParcel("parcel", *req.Parcel))
	case req.Lines == nil:
		errs = append(errs, apperr.InvalidField("parcel", "is required: give a parcel or SKU lines"))
	default:
		errs = append(errs, domain.ValidateLines(req.Lines))
		if v := req.LinesValue; v != nil {
			errs = append(errs, domain.ValidateValue("lines.declared_value", *v))
		}
	}
	if err := joinInvalid(errs...); err != nil {
		return domain.Route{}, domain.Parcel{}, err
	}
	if !byLines {
		value, err := s.toBase(ctx, "parcel.declared_value", req.Parcel.DeclaredValue)
		if err != nil {
			return domain.Route{}, domain.Parcel{}, err
		}
		return route, domain.Parcel{VolumeCM3: req.Parcel.VolumeCM3, WeightG: req.Parcel.WeightG, Value: value, Dimensions: req.Parcel.Dimensions}, nil
	}
	return s.linesParcel(ctx, caller, route, req.Lines, req.LinesValue)
}

// linesParcel sums SKU lines looked up in the catalog. SKUs the caller may
// not see count as unknown. The parcel's value is sold, converted, when
// given: goods sold below retail (at a merchant's cost) are compared with
// history at what they were sold for.
func (s *Service) linesParcel(ctx context.Context, caller auth.Caller, route domain.Route, lines []domain.SkuLine, sold *money.Money) (domain.Route, domain.Parcel, error) {
	if s.catalog == nil {
		return domain.Route{}, domain.Parcel{}, ErrCatalogUnavailable
	}
	ids := make([]string, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, domain.SkuKey(l.SkuID))
	}
	slices.Sort(ids)
	skus, err := s.catalog.Skus(ctx, slices.Compact(ids))
	if err != nil {
		return domain.Route{}, domain.Parcel{}, err
	}
	sum, err := domain.SumLines(lines, visibleSkus(caller, skus))
	if err != nil {
		return domain.Route{}, domain.Parcel{}, err
	}
	if route.OriginCountry == "" {
		origin, err := sum.OneOrigin()
		if err != nil {
			return domain.Route{}, domain.Parcel{}, err
		}
		route.OriginCountry, route.OriginRegion = origin.OriginCountry, origin.OriginRegion
		if route, err = domain.NewRoute("route", route); err != nil {
			return domain.Route{}, domain.Parcel{}, ErrBadSkuOrigin.Wrap(err)
		}
	}
	if sold != nil {
		value, err := s.toBase(ctx, "lines.declared_value", *sold)
		if err != nil {
			return domain.Route{}, domain.Parcel{}, err
		}
		return route, domain.Parcel{VolumeCM3: sum.VolumeCM3, WeightG: sum.WeightG, Value: value}, nil
	}
	rates := map[string]money.Rate{}
	for _, cur := range sum.Currencies() {
		if cur == s.base {
			continue
		}
		if rates[cur], err = s.rate(ctx, cur, s.base); err != nil {
			return domain.Route{}, domain.Parcel{}, err
		}
	}
	value, err := sum.ValueIn(s.base, rates)
	if err != nil {
		return domain.Route{}, domain.Parcel{}, domain.ErrEstimateOverflow.Wrap(err)
	}
	return route, domain.Parcel{VolumeCM3: sum.VolumeCM3, WeightG: sum.WeightG, Value: value}, nil
}

// toBase converts a declared value (the request's field) into the base
// currency at today's rate.
func (s *Service) toBase(ctx context.Context, field string, m money.Money) (money.Money, error) {
	if m.Currency == s.base {
		return m, nil
	}
	rate, err := s.rate(ctx, m.Currency, s.base)
	if err != nil {
		return money.Money{}, err
	}
	out, err := money.Convert(m, s.base, rate)
	if err != nil {
		return money.Money{}, apperr.InvalidField(field, "is too large").Wrap(err)
	}
	return out, nil
}

// rate returns the rate from one currency to another in force now.
func (s *Service) rate(ctx context.Context, from, to string) (money.Rate, error) {
	if from == to {
		return money.MustParseRate("1"), nil
	}
	if s.rates == nil {
		return money.Rate{}, ErrRatesUnavailable
	}
	r, err := s.rates.Rate(ctx, from, to, s.clock())
	if apperr.IsKind(err, apperr.KindNotFound) {
		return money.Rate{}, ErrNoRate.WithMetadata("from", from).WithMetadata("to", to).Wrap(err)
	}
	return r, err
}

// joinInvalid merges the field violations of several validation errors into
// one InvalidArgument error; nil errors are skipped and any other error is
// returned as is.
func joinInvalid(errs ...error) error {
	var all []apperr.FieldViolation
	for _, err := range errs {
		if err == nil {
			continue
		}
		var e *apperr.Error
		if !errors.As(err, &e) || e.Kind != apperr.KindInvalid {
			return err
		}
		all = append(all, e.Violations...)
	}
	if len(all) == 0 {
		return nil
	}
	return apperr.Invalid(all...)
}
