package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// RefreshListing rewrites the product's search documents and offers from
// its state: one document per locale it can be read in when it is on sale,
// nothing otherwise. A translation's document is searched by the original
// text as well (weighted below its own).
func (r repo) RefreshListing(ctx context.Context, p domain.Product) error {
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM listing_docs WHERE product_id = $1`, p.ID)
	b.Queue(`DELETE FROM listing_skus WHERE product_id = $1`, p.ID)
	if p.OnSale() {
		c := p.Live.Content
		translations := p.CompleteTranslations()
		locales := []string{p.DefaultLocale}
		for _, t := range translations {
			locales = append(locales, t.Locale)
		}
		specs := make([]map[string]string, 0, len(c.SKUs))
		for _, s := range c.SKUs {
			specs = append(specs, s.SpecValues)
		}
		specDoc, err := json.Marshal(specs)
		if err != nil {
			return err
		}
		image := ""
		if len(c.Images) > 0 {
			image = c.Images[0]
		}
		price := c.FromPrice()
		// A translation's document also carries the original text, so a
		// search in its locale finds the product by its original words too.
		doc := func(locale string, isDefault bool, title, description, originalTitle, originalDescription string) {
			b.Queue(`INSERT INTO listing_docs (product_id, locale, is_default, product_locales, supplier_id, category_id,
				brand_id, type, title, description, original_title, original_description, image, price_minor, currency,
				sku_specs, listed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
				p.ID, locale, isDefault, locales, p.SupplierID, c.CategoryID, nullID(c.BrandID), string(p.Type),
				title, description, originalTitle, originalDescription, image, price.Amount, price.Currency, specDoc, p.ListedAt)
		}
		doc(p.DefaultLocale, true, c.Title, c.Description, "", "")
		for _, t := range translations {
			doc(t.Locale, false, t.Title, t.Description, c.Title, c.Description)
		}
		for _, s := range c.SKUs {
			spec, err := json.Marshal(s.SpecValues)
			if err != nil {
				return err
			}
			b.Queue(`INSERT INTO listing_skus (sku_id, product_id, supplier_id, category_id, spec_values, price_minor, currency)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				s.ID, p.ID, p.SupplierID, c.CategoryID, spec, s.RetailPrice.Amount, s.RetailPrice.Currency)
		}
	}
	if err := r.q.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("refresh listing of %s: %w", p.ID, err)
	}
	return nil
}

// args collects positional query arguments.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// localeCondition picks, for each product, exactly one of its documents:
// the one in the requested locale, else in its bare language, else the
// default one. Every document carries the locales of all its product's
// documents, so the choice needs no join.
func localeCondition(a *args, chain []string) string {
	if len(chain) == 0 {
		return `d.is_default`
	}
	l, base := chain[0], chain[0]
	if len(chain) > 1 {
		base = chain[1]
	}
	pl, pb := a.add(l), a.add(base)
	return `(d.locale = ` + pl + `
		OR (` + pb + ` <> ` + pl + ` AND d.locale = ` + pb + ` AND NOT (` + pl + ` = ANY (d.product_locales)))
		OR (d.is_default AND NOT (d.product_locales && ARRAY[` + pl + `, ` + pb + `]::text[])))`
}

// prefixQuery turns a buyer's words into a tsquery that matches documents
// holding every word as a prefix of one of their words ("head" finds
// "headphones"), tokenised the way the documents are.
func (r repo) prefixQuery(ctx context.Context, text string) (string, error) {
	var q *string
	err := r.q.QueryRow(ctx, `SELECT string_agg(
			'''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''':*', ' & ')
		FROM unnest(to_tsvector('simple', $1))`, text).Scan(&q)
	if err != nil || q == nil {
		return "", err
	}
	return *q, nil
}

// Search runs a search over the listed products' documents.
func (r repo) Search(ctx context.Context, q app.SearchQuery) ([]app.SearchHit, error) {
	var a args
	where := []string{localeCondition(&a, q.Locales)}
	rank := `0::real`
	if q.Text != "" {
		tsq, err := r.prefixQuery(ctx, q.Text)
		if err != nil {
			return nil, err
		}
		if tsq == "" {
			return nil, nil
		}
		p := a.add(tsq)
		where = append(where, `d.tsv @@ `+p+`::tsquery`)
		rank = `ts_rank(d.tsv, ` + p + `::tsquery)`
	}
	if len(q.CategoryIDs) > 0 {
		where = append(where, `d.category_id = ANY (`+a.add(q.CategoryIDs)+`)`)
	}
	if q.BrandID != uuid.Nil {
		where = append(where, `d.brand_id = `+a.add(q.BrandID))
	}
	if q.Currency != "" {
		where = append(where, `d.currency = `+a.add(q.Currency))
		if q.MinPrice != nil {
			where = append(where, `d.price_minor >= `+a.add(*q.MinPrice))
		}
		if q.MaxPrice != nil {
			where = append(where, `d.price_minor <= `+a.add(*q.MaxPrice))
		}
	}
	if len(q.SpecValues) > 0 {
		spec, err := json.Marshal([]map[string]string{q.SpecValues})
		if err != nil {
			return nil, err
		}
		where = append(where, `d.sku_specs @> `+a.add(string(spec))+`::jsonb`)
	}
	var order string
	c := q.After
	switch q.Sort {
	case app.SortPriceAsc:
		order = `d.currency, d.price_minor, d.product_id`
		if c != nil {
			where = append(where, `(d.currency, d.price_minor, d.product_id) > (`+a.add(c.Currency)+`, `+a.add(c.Price)+`, `+a.add(c.ProductID)+`)`)
		}
	case app.SortPriceDesc:
		order = `d.currency DESC, d.price_minor DESC, d.product_id DESC`
		if c != nil {
			where = append(where, `(d.currency, d.price_minor, d.product_id) < (`+a.add(c.Currency)+`, `+a.add(c.Price)+`, `+a.add(c.ProductID)+`)`)
		}
	case app.SortRelevance:
		order = `rank DESC, d.listed_at DESC, d.product_id DESC`
		if c != nil {
			where = append(where, `(`+rank+`, d.listed_at, d.product_id) < (`+a.add(c.Rank)+`::real, `+a.add(c.ListedAt)+`, `+a.add(c.ProductID)+`)`)
		}
	default:
		order = `d.listed_at DESC, d.product_id DESC`
		if c != nil {
			where = append(where, `(d.listed_at, d.product_id) < (`+a.add(c.ListedAt)+`, `+a.add(c.ProductID)+`)`)
		}
	}
	sql := `SELECT d.product_id, d.supplier_id, d.category_id, d.brand_id, d.type, d.locale, d.title, d.image,
			d.price_minor, d.currency, d.listed_at, ` + rank + ` AS rank
		FROM listing_docs d
		WHERE ` + strings.Join(where, "\n AND ") + `
		ORDER BY ` + order + `
		LIMIT ` + a.add(q.Limit)
	rows, err := r.q.Query(ctx, sql, a...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.SearchHit, error) {
		var h app.SearchHit
		var brand *uuid.UUID
		err := row.Scan(&h.ProductID, &h.SupplierID, &h.CategoryID, &brand, &h.Type, &h.Locale, &h.Title, &h.Image,
			&h.FromPrice.Amount, &h.FromPrice.Currency, &h.ListedAt, &h.Rank)
		if brand != nil {
			h.BrandID = *brand
		}
		return h, err
	})
}

// Offers returns the listed SKUs of a category whose spec values equal one
// of the given sets, with their products' titles in the requested locale.
func (r repo) Offers(ctx context.Context, q app.OfferQuery) ([]app.Offer, error) {
	specs := make([]string, 0, len(q.SpecValues))
	for _, s := range q.SpecValues {
		if s == nil {
			s = map[string]string{}
		}
		b, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		specs = append(specs, string(b))
	}
	var a args
	sql := `SELECT s.product_id, s.sku_id, s.supplier_id, d.title, s.spec_values, s.price_minor, s.currency
		FROM listing_skus s JOIN listing_docs d ON d.product_id = s.product_id AND ` + localeCondition(&a, q.Locales) + `
		WHERE s.category_id = ` + a.add(q.CategoryID) + ` AND s.spec_values = ANY (` + a.add(specs) + `::text[]::jsonb[])
		ORDER BY s.currency <> ` + a.add(q.Currency) + `, s.currency, s.price_minor, s.product_id, s.sku_id
		LIMIT ` + a.add(q.Limit)
	rows, err := r.q.Query(ctx, sql, a...)
	if err != nil {
		return nil, fmt.Errorf("offers: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.Offer, error) {
		var o app.Offer
		var amount int64
		var currency string
		err := row.Scan(&o.ProductID, &o.SKUID, &o.SupplierID, &o.Title, &o.SpecValues, &amount, &currency)
		o.Price = money.Money{Amount: amount, Currency: currency}
		return o, err
	})
}
