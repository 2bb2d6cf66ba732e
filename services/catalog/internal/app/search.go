package app

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// Page sizes of SearchProducts.
const (
	DefaultSearchPageSize = 20
	MaxSearchPageSize     = 100
)

// Limits of a search request.
const (
	maxQueryLength = 200
	maxSpecFilters = 20
)

// SearchInput is a buyer's search as the request gives it.
type SearchInput struct {
	Locale     string
	Query      string
	CategoryID string
	BrandID    string
	// MinPrice and MaxPrice bound the cheapest SKU's price; nil for none.
	MinPrice, MaxPrice *money.Money
	SpecValues         map[string]string
	Sort               SortOrder
	PageSize           int
	PageToken          string
}

// SearchPage is one page of search hits.
type SearchPage struct {
	Hits []SearchHit
	// NextPageToken fetches the next page; empty on the last.
	NextPageToken string
}

// searchCursor is the page token's content: the last hit's sort keys and a
// fingerprint of the query, so a token is only accepted by the query that
// made it.
type searchCursor struct {
	Query    string    `json:"q"`
	Rank     float32   `json:"r,omitempty"`
	ListedAt time.Time `json:"t"`
	Currency string    `json:"c,omitempty"`
	Price    int64     `json:"p,omitempty"`
	ID       uuid.UUID `json:"i"`
}

// SearchProducts finds listed products, never deleted ones, in the caller's
// locale with fallback to each product's default. Public.
//
// Prices are compared within one currency: a price bound selects products
// priced in its currency, and sorting by price groups products by currency
// code first (a product has one currency; converting would need today's
// rates, which the catalog does not own).
func (s *Service) SearchProducts(ctx context.Context, in SearchInput) (SearchPage, error) {
	q, err := s.searchQuery(ctx, in)
	if err != nil {
		return SearchPage{}, err
	}
	limit := q.Limit
	q.Limit++
	hits, err := s.store.Search(ctx, q)
	if err != nil {
		return SearchPage{}, err
	}
	page := SearchPage{Hits: hits}
	if len(hits) > limit {
		page.Hits = hits[:limit]
		last := page.Hits[limit-1]
		page.NextPageToken = paging.Encode(searchCursor{
			Query: fingerprint(in), Rank: last.Rank, ListedAt: last.ListedAt,
			Currency: last.FromPrice.Currency, Price: last.FromPrice.Amount, ID: last.ProductID,
		})
	}
	return page, nil
}

// searchQuery validates a search (fields named after SearchProductsRequest)
// and resolves its category to the category's subtree.
func (s *Service) searchQuery(ctx context.Context, in SearchInput) (SearchQuery, error) {
	var bad []apperr.FieldViolation
	add := func(field, desc string) { bad = append(bad, apperr.FieldViolation{Field: field, Description: desc}) }
	q := SearchQuery{Sort: in.Sort, SpecValues: map[string]string{}}

	locale, err := optionalLocale(in.Locale)
	if err != nil {
		return SearchQuery{}, err
	}
	q.Locales = domain.LocaleChain(locale)

	text := strings.TrimSpace(in.Query)
	switch {
	case utf8.RuneCountInString(text) > maxQueryLength:
		add("query", "must be at most 200 characters")
	case strings.IndexFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0:
		q.Text = text // words only: punctuation alone searches for nothing in particular
	}

	var category uuid.UUID
	if in.CategoryID != "" {
		if category, err = uuid.Parse(in.CategoryID); err != nil {
			add("category_id", "must be a UUID")
		}
	}
	if in.BrandID != "" {
		if q.BrandID, err = uuid.Parse(in.BrandID); err != nil {
			add("brand_id", "must be a UUID")
		}
	}
	for _, b := range []struct {
		field string
		m     *money.Money
		dst   **int64
	}{{"min_price", in.MinPrice, &q.MinPrice}, {"max_price", in.MaxPrice, &q.MaxPrice}} {
		if b.m == nil {
			continue
		}
		switch {
		case b.m.Validate() != nil:
			add(b.field+".currency_code", "must be an ISO 4217 currency code such as USD")
		case b.m.Amount < 0:
			add(b.field+".amount_minor", "must not be negative")
		case q.Currency != "" && q.Currency != b.m.Currency:
			add(b.field+".currency_code", "must be the same currency as min_price")
		default:
			q.Currency = b.m.Currency
			amount := b.m.Amount
			*b.dst = &amount
		}
	}
	if q.MinPrice != nil && q.MaxPrice != nil && *q.MinPrice > *q.MaxPrice {
		add("max_price.amount_minor", "must not be less than min_price")
	}
	if len(in.SpecValues) > maxSpecFilters {
		add("spec_values", "must hold at most 20 values")
	}
	for _, k := range slices.Sorted(maps.Keys(in.SpecValues)) {
		v := strings.TrimSpace(in.SpecValues[k])
		if k == "" || len(k) > 40 || v == "" || utf8.RuneCountInString(v) > 200 {
			add(apperr.MapKey("spec_values", k), "must be an attribute name with a value of at most 200 characters")
			continue
		}
		q.SpecValues[k] = v
	}
	if q.Sort < SortRelevance || q.Sort > SortNewest {
		add("sort", "is not a known sort order")
	}
	if q.Limit, err = searchPages.Size(in.PageSize); err != nil {
		return SearchQuery{}, err
	}
	if len(bad) > 0 {
		return SearchQuery{}, apperr.Invalid(bad...)
	}
	if q.Sort == SortRelevance && q.Text == "" {
		q.Sort = SortNewest
	}
	if in.PageToken != "" {
		var c searchCursor
		if err := paging.Decode(in.PageToken, &c); err != nil || c.Query != fingerprint(in) || c.ID == uuid.Nil {
			return SearchQuery{}, paging.ErrBadToken
		}
		q.After = &SearchCursor{Rank: c.Rank, ListedAt: c.ListedAt, Currency: c.Currency, Price: c.Price, ProductID: c.ID}
	}
	if category != uuid.Nil {
		ids, err := s.store.CategoryAndDescendants(ctx, category)
		if err != nil {
			return SearchQuery{}, err
		}
		if len(ids) == 0 {
			return SearchQuery{}, apperr.InvalidField("category_id", "is not a known category")
		}
		q.CategoryIDs = ids
	}
	return q, nil
}

// optionalLocale reads the "locale" field of a buyer's request: empty means
// each product's default locale.
func optionalLocale(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", nil
	}
	l, ok := domain.ParseLocale(raw)
	if !ok {
		return "", apperr.InvalidField("locale", "must be a BCP 47 language tag such as en, de or pt-BR")
	}
	return l, nil
}

// fingerprint identifies a search's parameters apart from paging.
func fingerprint(in SearchInput) string {
	in.PageSize, in.PageToken = 0, ""
	return idempotency.Fingerprint(in)[:16]
}
