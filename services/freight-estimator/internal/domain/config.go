package domain

import (
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crossdock/crossdock/pkg/money"
)

// Config is one version of the estimator's settings. Versions are recorded,
// never changed; the one in force at a time is the latest whose EffectiveFrom
// is not after it.
type Config struct {
	// Version increases with every change; set by the store.
	Version int64
	// Window is how far back history counts (90 days by default).
	Window time.Duration
	// Tolerances are relative: a record's volume is consistent with the
	// parcel's when |v − v₀| ≤ VolumeTolerance · v₀.
	VolumeTolerance, WeightTolerance, ValueTolerance money.Rate
	// Weights of the first (S), secondary (C) and end (F) groups.
	FirstWeight, SecondaryWeight, EndWeight money.Rate
	// Multiplier applies to the weighted total unless the route has its own.
	Multiplier    money.Rate
	EffectiveFrom time.Time
	// ChangedBy is the operator's user id ("system" for the defaults).
	ChangedBy  string
	Reason     string
	RecordedAt time.Time
}

// DefaultConfig is DOMAIN.md's settings, which the first migration records as
// version 1.
func DefaultConfig() Config {
	return Config{
		Version:         1,
		Window:          90 * 24 * time.Hour,
		VolumeTolerance: money.MustParseRate("0.10"),
		WeightTolerance: money.MustParseRate("0.10"),
		ValueTolerance:  money.MustParseRate("0.10"),
		FirstWeight:     money.MustParseRate("0.648"),
		SecondaryWeight: money.MustParseRate("0.25"),
		EndWeight:       money.MustParseRate("0.102"),
		Multiplier:      money.MustParseRate("1.5"),
		EffectiveFrom:   time.Unix(0, 0).UTC(),
		ChangedBy:       "system",
		Reason:          "defaults from the domain rules",
	}
}

// Bounds of the settings.
const (
	MinWindow = 24 * time.Hour
	MaxWindow = 3650 * 24 * time.Hour
	// MaxReasonLength bounds an audit reason, in characters.
	MaxReasonLength = 500
	// EffectiveSkew is how far in the past an effective-from time may lie: a
	// change takes effect from now on, never rewriting what estimates already
	// said, but a client's clock may run a little behind.
	EffectiveSkew = time.Minute
)

var (
	one         = big.NewRat(1, 1)
	maxWeight   = big.NewRat(1000, 1)
	maxMultiple = big.NewRat(100, 1)
)

// ConfigInput is an operator's new configuration, as decimals in text.
type ConfigInput struct {
	Window                                  time.Duration
	VolumeTolerance, WeightTolerance        string
	ValueTolerance                          string
	FirstWeight, SecondaryWeight, EndWeight string
	Multiplier                              string
	// EffectiveFrom zero means now.
	EffectiveFrom time.Time
	Reason        string
}

// NewConfig validates an operator's configuration and returns it unversioned,
// recorded by `by` at now. Every bad field is reported under "config.<field>".
func NewConfig(in ConfigInput, by string, now time.Time) (Config, error) {
	var v violations
	c := Config{Window: in.Window, ChangedBy: by, RecordedAt: now}
	switch {
	case in.Window <= 0:
		v.Add("config.window", "is required")
	case in.Window < MinWindow || in.Window > MaxWindow:
		v.Add("config.window", "must be between 1 and 3650 days")
	case in.Window%time.Second != 0:
		v.Add("config.window", "must be a whole number of seconds")
	}
	tol := decimalRule{max: one}
	c.VolumeTolerance = parseDecimal(&v, "config.volume_tolerance", in.VolumeTolerance, tol)
	c.WeightTolerance = parseDecimal(&v, "config.weight_tolerance", in.WeightTolerance, tol)
	c.ValueTolerance = parseDecimal(&v, "config.value_tolerance", in.ValueTolerance, tol)
	w := decimalRule{positive: true, max: maxWeight}
	c.FirstWeight = parseDecimal(&v, "config.first_weight", in.FirstWeight, w)
	c.SecondaryWeight = parseDecimal(&v, "config.secondary_weight", in.SecondaryWeight, w)
	c.EndWeight = parseDecimal(&v, "config.end_weight", in.EndWeight, w)
	c.Multiplier = parseMultiplier(&v, "config.multiplier", in.Multiplier)
	c.EffectiveFrom = effectiveFrom(&v, "config.effective_from", in.EffectiveFrom, now)
	c.Reason = reason(&v, "config.reason", in.Reason)
	return c, v.Err()
}

// parseMultiplier reads a multiplier: a positive decimal of at most 100.
func parseMultiplier(v *violations, field, s string) money.Rate {
	return parseDecimal(v, field, s, decimalRule{positive: true, max: maxMultiple})
}

// effectiveFrom defaults to now and refuses times in the past.
func effectiveFrom(v *violations, field string, t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	if t.Before(now.Add(-EffectiveSkew)) {
		v.Add(field, "must not be in the past")
	}
	return t.UTC().Truncate(time.Microsecond)
}

// reason requires an audit reason of reasonable length.
func reason(v *violations, field, s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		v.Add(field, "is required: every change says why")
	case utf8.RuneCountInString(s) > MaxReasonLength:
		v.Add(field, "must be at most 500 characters")
	}
	return s
}

// RouteMultiplier overrides the global multiplier on one route from a time.
// A nil Multiplier removes an earlier override.
type RouteMultiplier struct {
	Route         Route
	Multiplier    *money.Rate
	EffectiveFrom time.Time
	ChangedBy     string
	Reason        string
	RecordedAt    time.Time
}

// RouteMultiplierInput is an operator's override; an empty Multiplier removes it.
type RouteMultiplierInput struct {
	Route         Route
	Multiplier    string
	EffectiveFrom time.Time
	Reason        string
}

// NewRouteMultiplier validates an override.
func NewRouteMultiplier(in RouteMultiplierInput, by string, now time.Time) (RouteMultiplier, error) {
	var v violations
	m := RouteMultiplier{ChangedBy: by, RecordedAt: now}
	if in.Route.IsZero() {
		v.Add("route", "is required")
	} else {
		r, err := NewRoute("route", in.Route)
		if err := v.Merge(err); err != nil {
			return RouteMultiplier{}, err
		}
		m.Route = r
	}
	if strings.TrimSpace(in.Multiplier) != "" {
		r := parseMultiplier(&v, "multiplier", in.Multiplier)
		m.Multiplier = &r
	}
	m.EffectiveFrom = effectiveFrom(&v, "effective_from", in.EffectiveFrom, now)
	m.Reason = reason(&v, "reason", in.Reason)
	return m, v.Err()
}

// Multiplier is the multiplier an estimate applies and where it came from.
type Multiplier struct {
	Value money.Rate
	// Route is true when the route's own override applies.
	Route bool
}

// EffectiveMultiplier is the route's override when there is one, else the
// configuration's.
func EffectiveMultiplier(cfg Config, override *RouteMultiplier) Multiplier {
	if override != nil && override.Multiplier != nil {
		return Multiplier{Value: *override.Multiplier, Route: true}
	}
	return Multiplier{Value: cfg.Multiplier}
}
