package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// ProductSKUs returns the code → id of every SKU the product ever had.
func (r repo) ProductSKUs(ctx context.Context, productID uuid.UUID) (map[string]uuid.UUID, error) {
	return pg.QueryMap[string, uuid.UUID](ctx, r.q, `SELECT sku_code, id FROM skus WHERE product_id = $1`, productID)
}

// SKUCodeOwners returns the product of each given code the supplier uses.
func (r repo) SKUCodeOwners(ctx context.Context, supplierID uuid.UUID, codes []string) (map[string]uuid.UUID, error) {
	return pg.QueryMap[string, uuid.UUID](ctx, r.q, `SELECT sku_code, product_id FROM skus WHERE supplier_id = $1 AND sku_code = ANY($2)`, supplierID, codes)
}

// CreateSKUs registers new SKUs; a code the supplier uses already is
// AlreadyExists.
func (r repo) CreateSKUs(ctx context.Context, supplierID, productID uuid.UUID, skus []domain.SKU, at time.Time) error {
	for _, s := range skus {
		_, err := r.q.Exec(ctx, `INSERT INTO skus (id, product_id, supplier_id, sku_code, created_at) VALUES ($1, $2, $3, $4, $5)`,
			s.ID, productID, supplierID, s.Code, at)
		switch {
		case pg.IsUniqueViolation(err, "skus_code_key"):
			return domain.ErrSKUCodeTaken.Wrap(err)
		case err != nil:
			return fmt.Errorf("insert sku: %w", err)
		}
	}
	return nil
}

// SKUs reads the given SKUs with their products. A SKU's description comes
// from the live revision, else the pending one, else the latest approved
// revision that still had it (describeRetired).
func (r repo) SKUs(ctx context.Context, ids []uuid.UUID) ([]app.SKURecord, error) {
	return untorn(r, func(r repo) ([]app.SKURecord, error) { return r.skus(ctx, ids) })
}

func (r repo) skus(ctx context.Context, ids []uuid.UUID) ([]app.SKURecord, error) {
	// The SKUs, their products and the products' revisions and
	// translations in one round trip: the later reads find the products
	// through the SKUs themselves.
	const ofSKUs = `(SELECT product_id FROM skus WHERE id = ANY($1))`
	b := &pgx.Batch{}
	b.Queue(`SELECT id, sku_code, product_id FROM skus WHERE id = ANY($1)`, ids)
	b.Queue(`SELECT `+productColumns+` FROM products p WHERE p.id IN `+ofSKUs, ids)
	queueContent(b, `r.product_id IN `+ofSKUs, `product_id IN `+ofSKUs, ids)
	br := r.q.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	type ref struct {
		id, product uuid.UUID
		code        string
	}
	refs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ref, error) {
		var s ref
		err := row.Scan(&s.id, &s.code, &s.product)
		return s, err
	})
	if err != nil {
		return nil, err
	}
	prows, err := br.Query()
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(prows, func(row pgx.CollectableRow) (productRow, error) { return scanProduct(row) })
	if err != nil {
		return nil, err
	}
	products, err := fillContent(br, found, r.acceptTorn)
	if err != nil {
		return nil, err
	}
	if err := br.Close(); err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		return nil, nil
	}
	byID := make(map[uuid.UUID]domain.Product, len(products))
	for _, p := range products {
		byID[p.ID] = p
	}
	out := make([]app.SKURecord, 0, len(refs))
	retired := map[int]uuid.UUID{} // the records neither the live nor the pending revision describes, with their products
	for _, s := range refs {
		product, ok := byID[s.product]
		if !ok {
			continue // purged between the two reads: the SKU is gone
		}
		rec := app.SKURecord{ID: s.id, Code: s.code, Product: product}
		p := &rec.Product
		if p.Live != nil {
			rec.Content, rec.InLive = p.Live.Content.SKU(s.id)
		}
		if !rec.InLive {
			var ok bool
			if p.Pending != nil {
				rec.Content, ok = p.Pending.Content.SKU(s.id)
			}
			if !ok {
				retired[len(out)] = s.product
			}
		}
		out = append(out, rec)
	}
	if err := r.describeRetired(ctx, out, retired); err != nil {
		return nil, err
	}
	return out, nil
}

// describeRetired describes the SKUs of recs at the indexes in retired
// (with their products), which neither the live nor the pending revision
// has, from the latest approved revision that had each (a rejected or
// abandoned one's figures were never on sale), else the latest of any
// status, all in one query. A SKU no
// revision has (a draft edited in place dropped it after it was announced)
// is described by its id and code alone: known, not on sale.
func (r repo) describeRetired(ctx context.Context, recs []app.SKURecord, retired map[int]uuid.UUID) error {
	if len(retired) == 0 {
		return nil
	}
	products, skus := make([]uuid.UUID, 0, len(retired)), make([]string, 0, len(retired))
	at := make(map[uuid.UUID]int, len(retired))
	for j, product := range retired {
		products, skus = append(products, product), append(skus, recs[j].ID.String())
		at[recs[j].ID] = j
		recs[j].Content = domain.SKU{ID: recs[j].ID, Code: recs[j].Code}
	}
	rows, err := r.q.Query(ctx, `SELECT DISTINCT ON (x.sku_id) x.sku_id, s
		FROM unnest($1::uuid[], $2::text[]) AS x(product_id, sku_id)
		JOIN product_revisions r ON r.product_id = x.product_id, jsonb_array_elements(r.content->'skus') s
		WHERE s->>'sku_id' = x.sku_id
		ORDER BY x.sku_id, r.status = 'approved' DESC, r.number DESC`, products, skus)
	if err != nil {
		return fmt.Errorf("retired skus: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var sku skuJSON
		if err := rows.Scan(&id, &sku); err != nil {
			return fmt.Errorf("retired skus: %w", err)
		}
		recs[at[id]].Content = sku.sku()
	}
	return rows.Err()
}
