package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

const categoryColumns = `id, parent_id, name, slug, path, created_at`

func scanCategory(row pgx.Row) (domain.Category, error) {
	var c domain.Category
	var parent *uuid.UUID
	if err := row.Scan(&c.ID, &parent, &c.Name, &c.Slug, &c.Path, &c.CreatedAt); err != nil {
		return domain.Category{}, err
	}
	if parent != nil {
		c.ParentID = *parent
	}
	return c, nil
}

func nullID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// CreateCategory inserts a category; a slug taken among its siblings is
// AlreadyExists.
func (r repo) CreateCategory(ctx context.Context, c domain.Category) error {
	_, err := r.q.Exec(ctx, `INSERT INTO categories (`+categoryColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, nullID(c.ParentID), c.Name, c.Slug, c.Path, c.CreatedAt)
	switch {
	case pg.IsUniqueViolation(err, "categories_slug_key"):
		return domain.ErrSlugTaken.Wrap(err)
	case err != nil:
		return fmt.Errorf("insert category: %w", err)
	}
	return nil
}

// GetCategory reads a category.
func (r repo) GetCategory(ctx context.Context, id uuid.UUID) (domain.Category, error) {
	c, err := scanCategory(r.q.QueryRow(ctx, `SELECT `+categoryColumns+` FROM categories WHERE id = $1`, id))
	return c, pg.NoRows(err, apperr.NotFound("category", id.String()))
}

// ListCategories returns the tree depth first: each category right after
// its parent, siblings by name.
func (r repo) ListCategories(ctx context.Context) ([]domain.Category, error) {
	rows, err := r.q.Query(ctx, `
		WITH RECURSIVE tree AS (
			SELECT c.*, ARRAY[lower(c.name), c.id::text] AS sort_key FROM categories c WHERE parent_id IS NULL
			UNION ALL
			SELECT c.*, t.sort_key || ARRAY[lower(c.name), c.id::text] FROM categories c JOIN tree t ON c.parent_id = t.id
		)
		SELECT `+categoryColumns+` FROM tree ORDER BY sort_key`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Category, error) { return scanCategory(row) })
}

// CategoryAndDescendants returns the ids of a category's subtree, itself
// included; empty when it does not exist.
func (r repo) CategoryAndDescendants(ctx context.Context, id uuid.UUID) ([]uuid.UUID, error) {
	rows, err := r.q.Query(ctx, `SELECT d.id FROM categories c JOIN categories d ON d.path LIKE c.path || '%'
		WHERE c.id = $1`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// CreateBrand inserts a brand; a name taken (in any case) is AlreadyExists.
func (r repo) CreateBrand(ctx context.Context, b domain.Brand) error {
	_, err := r.q.Exec(ctx, `INSERT INTO brands (id, name, created_at) VALUES ($1, $2, $3)`, b.ID, b.Name, b.CreatedAt)
	switch {
	case pg.IsUniqueViolation(err, "brands_name_key"):
		return domain.ErrBrandTaken.Wrap(err)
	case err != nil:
		return fmt.Errorf("insert brand: %w", err)
	}
	return nil
}

// GetBrand reads a brand.
func (r repo) GetBrand(ctx context.Context, id uuid.UUID) (domain.Brand, error) {
	var b domain.Brand
	err := r.q.QueryRow(ctx, `SELECT id, name, created_at FROM brands WHERE id = $1`, id).Scan(&b.ID, &b.Name, &b.CreatedAt)
	return b, pg.NoRows(err, apperr.NotFound("brand", id.String()))
}

// ListBrands returns up to limit brands by name, case aside (brands_name_key:
// unique, so a name is a keyset cursor), whose name starts with prefix, after
// the one named after.
func (r repo) ListBrands(ctx context.Context, prefix, after string, limit int) ([]domain.Brand, error) {
	rows, err := r.q.Query(ctx, `SELECT id, name, created_at FROM brands
		WHERE starts_with(lower(name), lower($1)) AND ($2 = '' OR lower(name) > lower($2))
		ORDER BY lower(name) LIMIT $3`, prefix, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Brand, error) {
		var b domain.Brand
		err := row.Scan(&b.ID, &b.Name, &b.CreatedAt)
		return b, err
	})
}

// attributeJSON is how a model attribute is stored.
type attributeJSON struct {
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	AllowedValues []string `json:"allowed_values,omitempty"`
	Required      bool     `json:"required,omitempty"`
	Spec          bool     `json:"spec,omitempty"`
}

// CreateProductModel inserts a model; a name taken is AlreadyExists.
func (r repo) CreateProductModel(ctx context.Context, m domain.ProductModel) error {
	attrs := make([]attributeJSON, 0, len(m.Attributes))
	for _, a := range m.Attributes {
		attrs = append(attrs, attributeJSON{Name: a.Name, Kind: string(a.Kind), AllowedValues: a.AllowedValues, Required: a.Required, Spec: a.Spec})
	}
	doc, err := json.Marshal(attrs)
	if err != nil {
		return err
	}
	_, err = r.q.Exec(ctx, `INSERT INTO product_models (id, name, attributes, created_at) VALUES ($1, $2, $3, $4)`,
		m.ID, m.Name, doc, m.CreatedAt)
	switch {
	case pg.IsUniqueViolation(err, "product_models_name_key"):
		return domain.ErrModelTaken.Wrap(err)
	case err != nil:
		return fmt.Errorf("insert product model: %w", err)
	}
	return nil
}

func scanModel(row pgx.Row) (domain.ProductModel, error) {
	var m domain.ProductModel
	var doc []byte
	if err := row.Scan(&m.ID, &m.Name, &doc, &m.CreatedAt); err != nil {
		return domain.ProductModel{}, err
	}
	var attrs []attributeJSON
	if err := json.Unmarshal(doc, &attrs); err != nil {
		return domain.ProductModel{}, fmt.Errorf("product model %s: %w", m.ID, err)
	}
	for _, a := range attrs {
		m.Attributes = append(m.Attributes, domain.Attribute{
			Name: a.Name, Kind: domain.AttributeKind(a.Kind), AllowedValues: a.AllowedValues, Required: a.Required, Spec: a.Spec,
		})
	}
	return m, nil
}

// GetProductModel reads a model.
func (r repo) GetProductModel(ctx context.Context, id uuid.UUID) (domain.ProductModel, error) {
	m, err := scanModel(r.q.QueryRow(ctx, `SELECT id, name, attributes, created_at FROM product_models WHERE id = $1`, id))
	return m, pg.NoRows(err, apperr.NotFound("product model", id.String()))
}

// ListProductModels returns every model by name.
func (r repo) ListProductModels(ctx context.Context) ([]domain.ProductModel, error) {
	rows, err := r.q.Query(ctx, `SELECT id, name, attributes, created_at FROM product_models ORDER BY lower(name), id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ProductModel, error) { return scanModel(row) })
}
