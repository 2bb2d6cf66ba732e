package app_test

import (
	"slices"
	"testing"

	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// A supplier's product list pages through every product of its filter, and
// a page token belongs to its filter: taken to another (a status, the bin),
// it is refused. Before, it was taken, and the other list started at the
// first list's row, silently skipping what came before it.
func TestASupplierProductPageTokenBelongsToItsFilter(t *testing.T) {
	f := newFixture(t)
	for i, title := range []string{"Lamp One", "Lamp Two", "Lamp Three"} {
		f.create(t, f.supplierA, title, "LAMP-"+string(rune('1'+i)), map[string]int64{"black": 1000})
	}
	var seen int
	var first string
	for token := ""; ; {
		page := must(f.svc.ListSupplierProducts(ctx, f.supplierA, domain.StatusDraft, false, 1, token))(t)
		seen += len(page.Products)
		if first == "" {
			first = page.NextPageToken
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if seen != 3 {
		t.Fatalf("paged through %d drafts, want 3", seen)
	}
	for _, other := range []struct {
		status  domain.Status
		deleted bool
	}{{"", false}, {domain.StatusDraft, true}, {domain.StatusListed, false}} {
		_, err := f.svc.ListSupplierProducts(ctx, f.supplierA, other.status, other.deleted, 1, first)
		if fields := testkit.Fields(t, err); !slices.Equal(fields, []string{"page.page_token"}) {
			t.Errorf("a drafts token with status %q, deleted %v: %v, want page.page_token refused", other.status, other.deleted, err)
		}
	}
}
