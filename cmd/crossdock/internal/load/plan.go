package load

import (
	"math/rand/v2"
	"slices"
)

// MaxLines is the most SKUs one journey buys (each a quantity of 1).
const MaxLines = 3

// Arrival is what one journey will do, decided before the run so that
// setup can stock and fund exactly what the run needs, and so that a seed
// replays the same run.
type Arrival struct {
	Buyer int
	// SKUs are indexes into the run's SKUs, distinct, 1 to MaxLines of them.
	SKUs []int
	// Browse is the listings search the journey starts with.
	Query, Locale string
}

// browseLocales are the demo catalogue's locales.
var browseLocales = []string{"en", "de", "pt"}

// NewPlan decides every arrival of a run: buyers take turns (arrival k is
// buyer k mod buyers, so each has its share and its wallet can be funded
// for it), and each journey buys 1 to MaxLines distinct SKUs, at random from
// seed, and browses with one of queries ("" lists everything).
func NewPlan(arrivals, buyers, skus int, queries []string, seed uint64) []Arrival {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]Arrival, arrivals)
	for k := range out {
		n := 1 + rng.IntN(min(MaxLines, skus))
		a := Arrival{Buyer: k % buyers, SKUs: distinct(rng, n, skus), Locale: browseLocales[rng.IntN(len(browseLocales))]}
		if len(queries) > 0 {
			a.Query = queries[rng.IntN(len(queries))]
		}
		out[k] = a
	}
	return out
}

// distinct draws n distinct numbers below of (n ≤ of, n at most MaxLines),
// in a slice of n: a permutation of every SKU per arrival, kept alive by
// its first few, cost memory in proportion to arrivals × SKUs.
func distinct(rng *rand.Rand, n, of int) []int {
	out := make([]int, 0, n)
	for len(out) < n {
		if i := rng.IntN(of); !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// UnitsPerSKU is how many units of each SKU the plan buys.
func UnitsPerSKU(plan []Arrival, skus int) []int64 {
	out := make([]int64, skus)
	for _, a := range plan {
		for _, s := range a.SKUs {
			out[s]++
		}
	}
	return out
}
