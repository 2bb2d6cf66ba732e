// Package synth generates realistic synthetic shipment history, deterministically
// from a seed: the same options give the same records on every machine. Tests,
// benchmarks and the `crossdock freight import --generate` command use it.
//
// The history looks like a cross-border shop's: a handful of real lanes (mostly
// out of Chinese manufacturing regions), parcels made of one to three items of a
// fixed catalogue (so that sizes repeat, as they do when the same products sell
// again and again), more parcels around the November sales and December, freight
// that grows with chargeable weight and distance, a few foreign-currency rows,
// and a few per cent of bad rows whose transaction amount is below the goods
// price. Floating point is used only to draw the synthetic inputs; every amount
// is emitted as integer minor units.
//
// The package depends on the standard library only, so the command-line tool can
// use it without the service's dependencies.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Endpoint is one end of a lane: an ISO 3166-1 country and ISO 3166-2 region.
type Endpoint struct{ Country, Region string }

// Lane is a route parcels travel, with its distance and how common it is.
type Lane struct {
	Origin, Destination Endpoint
	DistanceKM          int
	// Share is the lane's relative frequency.
	Share float64
}

// Lanes are the generator's routes; the first is the busiest.
var Lanes = []Lane{
	{Endpoint{"CN", "CN-GD"}, Endpoint{"US", "US-CA"}, 11600, 30},
	{Endpoint{"CN", "CN-ZJ"}, Endpoint{"US", "US-NY"}, 11900, 14},
	{Endpoint{"CN", "CN-GD"}, Endpoint{"DE", "DE-BY"}, 9000, 12},
	{Endpoint{"CN", "CN-SH"}, Endpoint{"GB", "GB-ENG"}, 9200, 10},
	{Endpoint{"CN", "CN-GD"}, Endpoint{"AU", "AU-NSW"}, 7400, 8},
	{Endpoint{"CN", "CN-GD"}, Endpoint{"NL", "NL-NH"}, 9200, 7},
	{Endpoint{"DE", "DE-BY"}, Endpoint{"FR", "FR-IDF"}, 700, 7},
	{Endpoint{"US", "US-CA"}, Endpoint{"JP", "JP-13"}, 8800, 5},
	{Endpoint{"CN", "CN-ZJ"}, Endpoint{"BR", "BR-SP"}, 18500, 4},
	{Endpoint{"JP", "JP-13"}, Endpoint{"US", "US-NY"}, 10800, 3},
}

// Shipment is one generated completed shipment. Amounts are minor units of
// Currency.
type Shipment struct {
	ID                  string
	Origin, Destination Endpoint
	VolumeCM3, WeightG  int64
	Currency            string
	DeclaredValue       int64
	TransactionAmount   int64
	GoodsPrice          int64
	CompletedAt         time.Time
	// RateToBase is 1 unit of Currency in USD; empty for USD rows.
	RateToBase string
	// Bad marks a row with negative freight, which an import must refuse.
	Bad bool
}

// Options shape the generated history.
type Options struct {
	// Seed makes the history reproducible.
	Seed uint64
	// End is the latest completion time (default: now, truncated to the
	// second); records spread over [End − Span, End].
	End  time.Time
	Span time.Duration // default 90 days
	// BusyShare, when positive, is the fraction of records on Lanes[0]; the
	// other lanes share the rest by their shares.
	BusyShare float64
	// BadShare is the fraction of rows with negative freight (default 0.03;
	// negative for none).
	BadShare float64
	// ForeignShare is the fraction of rows in EUR with a rate to USD (default
	// 0.1; negative for none). The base currency is USD.
	ForeignShare float64
	// IDPrefix starts every shipment id (default "syn-<seed>-").
	IDPrefix string
}

// item is a product of the generator's catalogue.
type item struct {
	lengthCM, widthCM, heightCM float64
	grams                       float64
	priceCents                  int64
}

// Generator produces shipments one by one.
type Generator struct {
	opts    Options
	rng     *rand.Rand
	catalog []item
	cum     []float64 // cumulative lane shares
	n       int
}

// eurToUSD is the fixed rate of the generator's EUR rows.
const eurToUSD = "1.0850"

// New returns a generator for opts.
func New(opts Options) *Generator {
	if opts.End.IsZero() {
		opts.End = time.Now().UTC().Truncate(time.Second)
	}
	if opts.Span <= 0 {
		opts.Span = 90 * 24 * time.Hour
	}
	if opts.BadShare == 0 {
		opts.BadShare = 0.03
	}
	if opts.ForeignShare == 0 {
		opts.ForeignShare = 0.1
	}
	if opts.IDPrefix == "" {
		opts.IDPrefix = fmt.Sprintf("syn-%d-", opts.Seed)
	}
	g := &Generator{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	g.catalog = g.makeCatalog(400)
	shares := make([]float64, len(Lanes))
	var rest float64
	for i, l := range Lanes[1:] {
		shares[i+1] = l.Share
		rest += l.Share
	}
	if opts.BusyShare > 0 && opts.BusyShare < 1 {
		shares[0] = opts.BusyShare
		for i := 1; i < len(shares); i++ {
			shares[i] = shares[i] / rest * (1 - opts.BusyShare)
		}
	} else {
		shares[0] = Lanes[0].Share
	}
	var total float64
	for _, s := range shares {
		total += s
		g.cum = append(g.cum, total)
	}
	return g
}

// makeCatalog draws n products from four families: accessories, apparel,
// electronics and home goods.
func (g *Generator) makeCatalog(n int) []item {
	type family struct {
		l, w, h float64 // typical sides in cm
		density float64 // g per cm³ of the product
		minUSD  float64
		maxUSD  float64
	}
	families := []family{
		{10, 8, 3, 0.35, 4, 30},     // accessories
		{30, 24, 4, 0.18, 12, 90},   // apparel
		{22, 15, 7, 0.45, 25, 450},  // electronics
		{40, 30, 22, 0.10, 18, 160}, // home goods
	}
	out := make([]item, n)
	for i := range out {
		f := families[g.rng.IntN(len(families))]
		scale := math.Exp(g.rng.NormFloat64() * 0.35)
		it := item{
			lengthCM: f.l * scale * (0.8 + 0.4*g.rng.Float64()),
			widthCM:  f.w * scale * (0.8 + 0.4*g.rng.Float64()),
			heightCM: f.h * scale * (0.8 + 0.4*g.rng.Float64()),
		}
		it.grams = it.lengthCM * it.widthCM * it.heightCM * f.density * (0.7 + 0.6*g.rng.Float64())
		it.priceCents = int64(math.Round((f.minUSD + (f.maxUSD-f.minUSD)*math.Pow(g.rng.Float64(), 2)) * 100))
		out[i] = it
	}
	return out
}

// Next returns the next shipment.
func (g *Generator) Next() Shipment {
	g.n++
	r := g.rng
	lane := Lanes[g.lane()]
	s := Shipment{
		ID:          fmt.Sprintf("%s%08d", g.opts.IDPrefix, g.n),
		Origin:      lane.Origin,
		Destination: lane.Destination,
		CompletedAt: g.completedAt(),
		Currency:    "USD",
	}
	// One to three items, popular products more often (a Zipf-like pick).
	var volume, grams float64
	var price int64
	for k := 1 + r.IntN(3); k > 0; k-- {
		it := g.catalog[int(float64(len(g.catalog))*math.Pow(r.Float64(), 2.2))]
		qty := 1
		if r.IntN(5) == 0 {
			qty = 2
		}
		volume += it.lengthCM * it.widthCM * it.heightCM * float64(qty)
		grams += it.grams * float64(qty)
		price += it.priceCents * int64(qty)
	}
	volume *= 1.25            // packaging
	grams += 40 + 0.02*volume // box and filler
	s.VolumeCM3 = max(1, int64(math.Round(volume)))
	s.WeightG = max(1, int64(math.Round(grams)))

	// Freight in USD: a fixed part and a per-kilogram part, both growing
	// with distance, on the chargeable weight, with ±15 % of noise.
	km := float64(lane.DistanceKM)
	chargeableKG := math.Max(grams/1000, volume/5000)
	freightUSD := (3.5 + 0.0004*km + chargeableKG*(1.8+0.0008*km)) * (0.85 + 0.3*r.Float64())
	freight := int64(math.Round(freightUSD * 100))
	goods := price

	if r.Float64() < g.opts.ForeignShare {
		// The same parcel paid in euros.
		s.Currency, s.RateToBase = "EUR", eurToUSD
		goods = int64(math.Round(float64(goods) / 1.085))
		freight = int64(math.Round(float64(freight) / 1.085))
	}
	s.GoodsPrice, s.DeclaredValue = goods, goods
	s.TransactionAmount = goods + freight
	if r.Float64() < g.opts.BadShare {
		s.Bad = true
		s.TransactionAmount = goods - 1 - r.Int64N(max(1, freight))
	}
	return s
}

// lane picks a lane by share.
func (g *Generator) lane() int {
	x := g.rng.Float64() * g.cum[len(g.cum)-1]
	for i, c := range g.cum {
		if x < c {
			return i
		}
	}
	return len(g.cum) - 1
}

// completedAt draws a time in the span, more often in the November sales and
// in December (a seasonal curve by rejection sampling).
func (g *Generator) completedAt() time.Time {
	start := g.opts.End.Add(-g.opts.Span)
	for {
		t := start.Add(time.Duration(g.rng.Int64N(int64(g.opts.Span)) + 1))
		if g.rng.Float64()*seasonMax <= season(t) {
			return t.Truncate(time.Second)
		}
	}
}

const seasonMax = 2.2

// season is the relative number of deliveries on t's day of the year.
func season(t time.Time) float64 {
	day := float64(t.YearDay())
	d := 1 + 0.25*math.Sin(2*math.Pi*(day-80)/365)
	if day >= 315 && day <= 335 { // 11 November to Cyber Monday
		d += 0.8
	}
	if day >= 340 && day <= 358 { // December
		d += 0.5
	}
	return d
}
