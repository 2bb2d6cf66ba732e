package peers

import (
	"context"
	"time"

	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// skusRemembered bounds the SKUs a SkuCache holds (a few hundred bytes
// each): a catalogue larger than that still works, with more catalog calls.
const skusRemembered = 50_000

// SkuCache remembers what the catalog answered of each SKU for a short time,
// so a stream of estimates over the same SKUs (checkouts estimating each
// physical sub-order) costs one catalog call per SKU and ttl instead of one
// per estimate. A change to an SKU (weight, size, price, origin, on sale) is
// seen at most ttl late; an estimate is a pre-estimate, and checkout checks
// what it sells against the catalog itself. Only found SKUs are remembered:
// an unknown id is asked again every time, and failures are never kept. The
// catalog's answer does not depend on who asks (BatchGetSkus is for services
// and answers every SKU); who may see which SKU is decided after, per caller.
type SkuCache struct {
	next app.Catalog
	now  func() time.Time
	skus *recent[string, domain.SkuInfo]
}

var _ app.Catalog = (*SkuCache)(nil)

// NewSkuCache caches next's answers for ttl by the clock now; a ttl of zero
// or less turns the cache off and returns next itself.
func NewSkuCache(next app.Catalog, ttl time.Duration, now func() time.Time) app.Catalog {
	if ttl <= 0 {
		return next
	}
	return &SkuCache{next: next, now: now, skus: newRecent[string, domain.SkuInfo](ttl, skusRemembered)}
}

// Skus answers the SKUs remembered from memory and asks next for the others,
// in one call.
func (c *SkuCache) Skus(ctx context.Context, ids []string) (map[string]domain.SkuInfo, error) {
	at := c.now()
	out := make(map[string]domain.SkuInfo, len(ids))
	var missing []string
	for _, id := range ids {
		if s, ok := c.skus.get(id, at); ok {
			out[id] = s
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := c.next.Skus(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, s := range found {
		out[id] = s
		c.skus.put(id, s, at)
	}
	return out, nil
}
