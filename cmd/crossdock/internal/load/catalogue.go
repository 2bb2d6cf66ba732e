package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/crossdock/crossdock/pkg/money"
)

// Account is an e-mail and password to sign in with.
type Account struct{ Email, Password string }

// supplier is a signed-in supplier whose goods the run buys and restocks.
type supplier struct {
	Account
	orgID, token string
}

// SKU is one SKU the run buys: on sale, from one of the run's suppliers.
type SKU struct {
	ID, ProductID, Title string
	// Type is PRODUCT_TYPE_PHYSICAL or PRODUCT_TYPE_VIRTUAL.
	Type      string
	Price     money.Money
	Available int64
	supplier  *supplier
}

// signInSupplier signs a supplier in and learns its organization.
func signInSupplier(ctx context.Context, gw *API, a Account) (*supplier, error) {
	var t tokensJSON
	err := retrying(ctx, func() error {
		return gw.Call(ctx, "POST", "/v1/auth/login", "", map[string]string{"email": a.Email, "password": a.Password}, &t)
	})
	if err != nil {
		return nil, fmt.Errorf("sign in as supplier %s: %w", a.Email, err)
	}
	var me meJSON
	if err := gw.Call(ctx, "GET", "/v1/me", t.Tokens.AccessToken, nil, &me); err != nil {
		return nil, fmt.Errorf("supplier %s: %w", a.Email, err)
	}
	if me.User.OrganizationID == "" {
		return nil, fmt.Errorf("%s belongs to no organization: not a supplier", a.Email)
	}
	return &supplier{Account: a, orgID: me.User.OrganizationID, token: t.Tokens.AccessToken}, nil
}

// maxPages bounds the paging through a supplier's products.
const maxPages = 50

// skusOf finds the supplier's listed products and reads each one's listing
// as buyers see it: its SKUs, their prices and the units available now.
func skusOf(ctx context.Context, gw *API, s *supplier) ([]SKU, error) {
	var ids []string
	token := ""
	for range maxPages {
		q := url.Values{"status": {"PRODUCT_STATUS_LISTED"}, "page.page_size": {"100"}}
		if token != "" {
			q.Set("page.page_token", token)
		}
		var page supplierProductsJSON
		if err := gw.Call(ctx, "GET", "/v1/supplier/products?"+q.Encode(), s.token, nil, &page); err != nil {
			return nil, fmt.Errorf("products of %s: %w", s.Email, err)
		}
		for _, p := range page.Products {
			ids = append(ids, p.ProductID)
		}
		if token = page.Page.NextPageToken; token == "" {
			break
		}
	}
	var out []SKU
	for _, id := range ids {
		var l listingJSON
		err := gw.Call(ctx, "GET", "/v1/listings/"+url.PathEscape(id)+"?locale=en", "", nil, &l)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			continue // delisted since
		}
		if err != nil {
			return nil, fmt.Errorf("listing of %s's product %s: %w", s.Email, id, err)
		}
		if l.Listing.SupplierID != s.orgID {
			continue
		}
		for _, k := range l.Listing.Skus {
			price, err := money.New(int64(k.Price.AmountMinor), k.Price.CurrencyCode)
			if err != nil || price.Amount <= 0 {
				continue // not something a checkout can price
			}
			out = append(out, SKU{
				ID: k.SkuID, ProductID: id, Title: l.Listing.Title, Type: l.Listing.Type,
				Price: price, Available: int64(k.Available), supplier: s,
			})
		}
	}
	return out, nil
}

// browseQueries are the searches journeys start with: everything, and the
// first word of each product's title, so searches find the run's goods.
func browseQueries(skus []SKU) []string {
	out := []string{""}
	for _, s := range skus {
		if w, _, _ := strings.Cut(strings.ToLower(s.Title), " "); w != "" && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// restock adds units of a SKU in its supplier's warehouse holding most of
// it (or its first warehouse), as the supplier, once per run and SKU.
func restock(ctx context.Context, gw *API, runID string, s SKU, units int64) error {
	var stock stockJSON
	if err := gw.Call(ctx, "GET", "/v1/stock/"+url.PathEscape(s.ID), s.supplier.token, nil, &stock); err != nil {
		return fmt.Errorf("stock of SKU %s: %w", s.ID, err)
	}
	warehouse := ""
	var most int64 = -1
	for _, l := range stock.Levels {
		if int64(l.Available) > most {
			warehouse, most = l.WarehouseID, int64(l.Available)
		}
	}
	if warehouse == "" {
		var ws warehousesJSON
		if err := gw.Call(ctx, "GET", "/v1/warehouses", s.supplier.token, nil, &ws); err != nil {
			return fmt.Errorf("warehouses of %s: %w", s.supplier.Email, err)
		}
		if len(ws.Warehouses) == 0 {
			return fmt.Errorf("%s has no warehouse to restock SKU %s in", s.supplier.Email, s.ID)
		}
		warehouse = ws.Warehouses[0].WarehouseID
	}
	path := "/v1/warehouses/" + url.PathEscape(warehouse) + "/stock/" + url.PathEscape(s.ID) + ":adjust"
	err := retrying(ctx, func() error {
		return gw.Call(ctx, "POST", path, s.supplier.token, map[string]any{
			"quantityDelta": units, "reason": "crossdock load run " + runID, "idempotencyKey": "load-" + runID + "-" + s.ID,
		}, nil)
	})
	if err != nil {
		return fmt.Errorf("restock SKU %s (%s): %w", s.ID, s.Title, err)
	}
	return nil
}

// rates reads, for each price currency of skus, the rate from the buyer's
// currency into it: the direction the checkout quotes in, so setup fails
// exactly when checkouts would (a pair with no rate).
func rates(ctx context.Context, gw *API, token, buyer string, skus []SKU) (map[string]money.Rate, error) {
	out := map[string]money.Rate{}
	for _, s := range skus {
		to := s.Price.Currency
		if _, ok := out[to]; ok || to == buyer {
			continue
		}
		var r rateJSON
		if err := gw.Call(ctx, "GET", "/v1/exchange-rates/"+buyer+"/"+to, token, nil, &r); err != nil {
			return nil, fmt.Errorf("exchange rate %s→%s, which a checkout of SKU %s (priced in %s) paid in %s needs: %w", buyer, to, s.ID, to, buyer, err)
		}
		rate, err := money.ParseRate(r.Rate.Rate)
		if err != nil || rate.IsZero() {
			return nil, fmt.Errorf("exchange rate %s→%s: %q is not a rate", buyer, to, r.Rate.Rate)
		}
		out[to] = rate
	}
	return out, nil
}
