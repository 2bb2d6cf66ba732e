package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

const productColumns = `p.id, p.supplier_id, p.model_id, p.type, p.origin_country, p.origin_region, p.default_locale,
	p.status, p.live_revision, p.pending_revision, p.last_revision, p.qc_passed, p.qc_notes, p.qc_checked_by,
	p.qc_checked_at, p.review_since, p.listed_at, p.deleted_at, p.created_at, p.updated_at, p.review_hold`

// productRow is a products row with the revision numbers it points at.
type productRow struct {
	domain.Product
	live, pending *int64
}

func scanProduct(row pgx.Row) (productRow, error) {
	var r productRow
	p := &r.Product
	var qcPassed *bool
	var qcAt, reviewSince, listedAt, deletedAt *time.Time
	var qcNotes, qcBy string
	if err := row.Scan(&p.ID, &p.SupplierID, &p.ModelID, &p.Type, &p.Origin.CountryCode, &p.Origin.RegionCode,
		&p.DefaultLocale, &p.Status, &r.live, &r.pending, &p.LastRevision, &qcPassed, &qcNotes, &qcBy,
		&qcAt, &reviewSince, &listedAt, &deletedAt, &p.CreatedAt, &p.UpdatedAt, &p.ReviewHold); err != nil {
		return productRow{}, err
	}
	if qcPassed != nil && qcAt != nil {
		p.QualityCheck = &domain.QualityCheck{Passed: *qcPassed, Notes: qcNotes, CheckedBy: qcBy, CheckedAt: *qcAt}
	}
	p.ReviewSince, p.ListedAt, p.DeletedAt = pg.OrZero(reviewSince), pg.OrZero(listedAt), pg.OrZero(deletedAt)
	return r, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func revisionNumber(r *domain.Revision) *int64 {
	if r == nil {
		return nil
	}
	return &r.Number
}

func productArgs(p domain.Product) []any {
	var qcPassed *bool
	var qcAt *time.Time
	var qcNotes, qcBy string
	if qc := p.QualityCheck; qc != nil {
		qcPassed, qcNotes, qcBy, qcAt = &qc.Passed, qc.Notes, qc.CheckedBy, &qc.CheckedAt
	}
	return []any{p.ID, p.SupplierID, p.ModelID, string(p.Type), p.Origin.CountryCode, p.Origin.RegionCode, p.DefaultLocale,
		string(p.Status), revisionNumber(p.Live), revisionNumber(p.Pending), p.LastRevision, qcPassed, qcNotes, qcBy,
		qcAt, nullTime(p.ReviewSince), nullTime(p.ListedAt), nullTime(p.DeletedAt), p.CreatedAt, p.UpdatedAt, p.ReviewHold}
}

// updateArgs are productArgs without created_at, which never changes.
func updateArgs(p domain.Product) []any {
	a := productArgs(p)
	return append(a[:18:18], a[19:]...)
}

// CreateProduct inserts a product and its revisions.
func (r repo) CreateProduct(ctx context.Context, p domain.Product) error {
	_, err := r.q.Exec(ctx, `INSERT INTO products (id, supplier_id, model_id, type, origin_country, origin_region,
		default_locale, status, live_revision, pending_revision, last_revision, qc_passed, qc_notes, qc_checked_by,
		qc_checked_at, review_since, listed_at, deleted_at, created_at, updated_at, review_hold)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`, productArgs(p)...)
	if err != nil {
		return fmt.Errorf("insert product: %w", err)
	}
	return r.saveRevisions(ctx, p)
}

// productRepository is the read-modify-write of a product.
var productRepository = pg.Repository[uuid.UUID, domain.Product]{
	Lock: func(ctx context.Context, q pg.Querier, id uuid.UUID) (domain.Product, error) {
		return repo{q: q, acceptTorn: true}.getProduct(ctx, id, ` FOR UPDATE`)
	},
	Save: func(ctx context.Context, q pg.Querier, p domain.Product) error {
		return repo{q: q}.saveProduct(ctx, p)
	},
}

// UpdateProduct changes a product under its row lock and writes the
// change's events with it (see pg.Repository.Update).
func (r repo) UpdateProduct(ctx context.Context, id uuid.UUID, change func(*domain.Product) ([]outbox.Message, error)) (domain.Product, error) {
	return productRepository.Update(ctx, r.q, id, change)
}

// saveProduct writes a product's state and upserts its live and pending
// revisions.
func (r repo) saveProduct(ctx context.Context, p domain.Product) error {
	tag, err := r.q.Exec(ctx, `UPDATE products SET supplier_id = $2, model_id = $3, type = $4, origin_country = $5,
		origin_region = $6, default_locale = $7, status = $8, live_revision = $9, pending_revision = $10,
		last_revision = $11, qc_passed = $12, qc_notes = $13, qc_checked_by = $14, qc_checked_at = $15,
		review_since = $16, listed_at = $17, deleted_at = $18, updated_at = $19, review_hold = $20 WHERE id = $1`, updateArgs(p)...)
	if err := pg.Affected(tag, err, apperr.NotFound("product", p.ID.String())); err != nil {
		return err
	}
	return r.saveRevisions(ctx, p)
}

func (r repo) saveRevisions(ctx context.Context, p domain.Product) error {
	for _, rev := range p.Revisions() {
		doc, err := marshalContent(rev.Content)
		if err != nil {
			return err
		}
		if _, err := r.q.Exec(ctx, `INSERT INTO product_revisions (product_id, number, status, content, review_reason, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (product_id, number) DO UPDATE SET status = EXCLUDED.status, content = EXCLUDED.content,
				review_reason = EXCLUDED.review_reason, updated_at = EXCLUDED.updated_at`,
			p.ID, rev.Number, string(rev.Status), doc, rev.ReviewReason, rev.CreatedAt, rev.UpdatedAt); err != nil {
			return fmt.Errorf("save revision %d of %s: %w", rev.Number, p.ID, err)
		}
	}
	return nil
}

// GetProduct reads one product with its revisions and translations.
func (r repo) GetProduct(ctx context.Context, id uuid.UUID) (domain.Product, error) {
	return untorn(r, func(r repo) (domain.Product, error) { return r.getProduct(ctx, id, "") })
}

// errTornRead is a product whose row names a revision that the read of its
// revisions, a statement later, did not find under it: an approval (the
// pending revision made live) committed between the two reads, each
// statement seeing its own snapshot. Taken as it was, the product would
// look not on sale (no live revision) for that one read, and a buyer's
// listing or checkout refused. The read is done again.
var errTornRead = errors.New("a product changed between the reads of its row and its revisions")

// untorn runs read over r, and again while it is torn; the last time it
// takes the product as read (acceptTorn): a row naming a revision that is
// not there at all, which no approval explains, reads as it did before
// (without that revision) rather than fail every read of it.
func untorn[T any](r repo, read func(repo) (T, error)) (T, error) {
	v, err := read(r)
	for i := 0; i < 2 && errors.Is(err, errTornRead); i++ {
		v, err = read(r)
	}
	if errors.Is(err, errTornRead) {
		r.acceptTorn = true
		v, err = read(r)
	}
	return v, err
}

func (r repo) getProduct(ctx context.Context, id uuid.UUID, lock string) (domain.Product, error) {
	row, err := scanProduct(r.q.QueryRow(ctx, `SELECT `+productColumns+` FROM products p WHERE p.id = $1`+lock, id))
	if err != nil {
		return domain.Product{}, pg.NoRows(err, apperr.NotFound("product", id.String()))
	}
	products, err := r.complete(ctx, []productRow{row})
	if err != nil {
		return domain.Product{}, err
	}
	return products[0], nil
}

// ListProducts returns one page of products (see app.ProductQuery).
func (r repo) ListProducts(ctx context.Context, q app.ProductQuery) ([]domain.Product, error) {
	return untorn(r, func(r repo) ([]domain.Product, error) { return r.listProducts(ctx, q) })
}

func (r repo) listProducts(ctx context.Context, q app.ProductQuery) ([]domain.Product, error) {
	var afterAt *time.Time
	var afterID *uuid.UUID
	if q.After != nil {
		afterAt, afterID = &q.After.At, &q.After.ID
	}
	var sql string
	var args []any
	if q.ReviewQueue {
		sql = `SELECT ` + productColumns + ` FROM products p
			WHERE p.review_since IS NOT NULL AND p.deleted_at IS NULL
			  AND ($1::timestamptz IS NULL OR (p.review_since, p.id) > ($1, $2))
			ORDER BY p.review_since, p.id LIMIT $3`
		args = []any{afterAt, afterID, q.Limit}
	} else {
		sql = `SELECT ` + productColumns + ` FROM products p
			WHERE p.supplier_id = $1 AND (p.deleted_at IS NOT NULL) = $2 AND ($3 = '' OR p.status = $3)
			  AND ($4::timestamptz IS NULL OR (p.created_at, p.id) < ($4, $5))
			ORDER BY p.created_at DESC, p.id DESC LIMIT $6`
		args = []any{q.SupplierID, q.Deleted, string(q.Status), afterAt, afterID, q.Limit}
	}
	rows, err := r.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (productRow, error) { return scanProduct(row) })
	if err != nil {
		return nil, err
	}
	return r.complete(ctx, found)
}

// complete loads the live and pending revisions and the translations of
// products read from their rows, both in one round trip.
func (r repo) complete(ctx context.Context, rows []productRow) ([]domain.Product, error) {
	if len(rows) == 0 {
		return []domain.Product{}, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	b := &pgx.Batch{}
	queueContent(b, `r.product_id = ANY($1)`, `product_id = ANY($1)`, ids)
	br := r.q.SendBatch(ctx, b)
	defer br.Close()
	out, err := fillContent(br, rows, r.acceptTorn)
	if err != nil {
		return nil, err
	}
	return out, br.Close()
}

// queueContent queues the reads of products' live and pending revisions
// (products matching revisionsOf, over r) and translations (matching
// translationsOf), for fillContent.
func queueContent(b *pgx.Batch, revisionsOf, translationsOf string, args ...any) {
	b.Queue(`SELECT r.product_id, r.number, r.status, r.content, r.review_reason, r.created_at, r.updated_at
		FROM product_revisions r JOIN products p ON p.id = r.product_id
		WHERE `+revisionsOf+` AND r.number IN (p.live_revision, p.pending_revision)`, args...)
	b.Queue(`SELECT product_id, locale, title, description, attribute_labels, complete, translated_by, updated_at
		FROM product_translations WHERE `+translationsOf+` ORDER BY product_id, locale`, args...)
}

// fillContent reads the next two results of br, queued by queueContent,
// into the products of rows.
func fillContent(br pgx.BatchResults, rows []productRow, acceptTorn bool) ([]domain.Product, error) {
	out := make([]domain.Product, len(rows))
	index := make(map[uuid.UUID]int, len(rows))
	for i, row := range rows {
		out[i], index[row.ID] = row.Product, i
	}
	revs, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer revs.Close()
	for revs.Next() {
		var pid uuid.UUID
		var rev domain.Revision
		var doc []byte
		if err := revs.Scan(&pid, &rev.Number, &rev.Status, &doc, &rev.ReviewReason, &rev.CreatedAt, &rev.UpdatedAt); err != nil {
			return nil, err
		}
		if rev.Content, err = unmarshalContent(doc); err != nil {
			return nil, fmt.Errorf("revision %d of %s: %w", rev.Number, pid, err)
		}
		i, ok := index[pid]
		if !ok {
			continue // a product created after the products were read
		}
		if l := rows[i].live; l != nil && *l == rev.Number {
			live := rev
			out[i].Live = &live
		}
		if p := rows[i].pending; p != nil && *p == rev.Number {
			pending := rev
			out[i].Pending = &pending
		}
	}
	if err := revs.Err(); err != nil {
		return nil, err
	}
	for i, row := range rows {
		if !acceptTorn && ((row.live != nil && out[i].Live == nil) || (row.pending != nil && out[i].Pending == nil)) {
			return nil, errTornRead
		}
	}
	trs, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer trs.Close()
	for trs.Next() {
		var pid uuid.UUID
		var t domain.Translation
		var labels []byte
		if err := trs.Scan(&pid, &t.Locale, &t.Title, &t.Description, &labels, &t.Complete, &t.TranslatedBy, &t.UpdatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(labels, &t.AttributeLabels); err != nil {
			return nil, err
		}
		if i, ok := index[pid]; ok {
			out[i].Translations = append(out[i].Translations, t)
		}
	}
	return out, trs.Err()
}

// SaveTranslation adds or replaces a product's translation in one locale.
func (r repo) SaveTranslation(ctx context.Context, productID uuid.UUID, t domain.Translation) error {
	labels := t.AttributeLabels
	if labels == nil {
		labels = map[string]string{}
	}
	doc, err := json.Marshal(labels)
	if err != nil {
		return err
	}
	_, err = r.q.Exec(ctx, `INSERT INTO product_translations (product_id, locale, title, description, attribute_labels, complete, translated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (product_id, locale) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,
			attribute_labels = EXCLUDED.attribute_labels, complete = EXCLUDED.complete,
			translated_by = EXCLUDED.translated_by, updated_at = EXCLUDED.updated_at`,
		productID, t.Locale, t.Title, t.Description, doc, t.Complete, t.TranslatedBy, t.UpdatedAt)
	if err != nil {
		return fmt.Errorf("save translation: %w", err)
	}
	return nil
}

// AddTransitions appends to a product's history.
func (r repo) AddTransitions(ctx context.Context, productID uuid.UUID, ts ...domain.Transition) error {
	for _, t := range ts {
		if _, err := r.q.Exec(ctx, `INSERT INTO product_transitions (product_id, from_status, to_status, action, actor_id, reason, revision, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			productID, string(t.From), string(t.To), t.Action, t.Actor, t.Reason, t.Revision, t.At); err != nil {
			return fmt.Errorf("add transition: %w", err)
		}
	}
	return nil
}

// Transitions returns a product's history, oldest first.
func (r repo) Transitions(ctx context.Context, productID uuid.UUID, afterSeq int64, limit int) ([]app.NumberedTransition, error) {
	rows, err := r.q.Query(ctx, `SELECT seq, from_status, to_status, action, actor_id, reason, revision, at
		FROM product_transitions WHERE product_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, productID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.NumberedTransition, error) {
		var t app.NumberedTransition
		err := row.Scan(&t.Seq, &t.From, &t.To, &t.Action, &t.Actor, &t.Reason, &t.Revision, &t.At)
		return t, err
	})
}
