package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/users/internal/app"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

const orgColumns = `id, name, kind, status, rejection_reason, merchant_tier, decided_by, decided_at, created_at`

func scanOrganization(row pgx.Row) (domain.Organization, error) {
	var o domain.Organization
	var tier *string
	var decidedBy *uuid.UUID
	var decidedAt *time.Time
	if err := row.Scan(&o.ID, &o.Name, &o.Kind, &o.Status, &o.RejectionReason, &tier, &decidedBy, &decidedAt, &o.CreatedAt); err != nil {
		return domain.Organization{}, err
	}
	if tier != nil {
		o.MerchantTier = *tier
	}
	if decidedBy != nil {
		o.DecidedBy = *decidedBy
	}
	if decidedAt != nil {
		o.DecidedAt = *decidedAt
	}
	return o, nil
}

func orgArgs(o domain.Organization) []any {
	var tier *string
	if o.MerchantTier != "" {
		tier = &o.MerchantTier
	}
	var decidedBy *uuid.UUID
	if o.DecidedBy != uuid.Nil {
		decidedBy = &o.DecidedBy
	}
	var decidedAt *time.Time
	if !o.DecidedAt.IsZero() {
		decidedAt = &o.DecidedAt
	}
	return []any{o.ID, o.Name, string(o.Kind), string(o.Status), o.RejectionReason, tier, decidedBy, decidedAt, o.CreatedAt}
}

// CreateOrganization inserts an organization.
func (r repo) CreateOrganization(ctx context.Context, o domain.Organization) error {
	_, err := r.q.Exec(ctx, `INSERT INTO organizations (`+orgColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, orgArgs(o)...)
	if err != nil {
		return fmt.Errorf("insert organization: %w", err)
	}
	return nil
}

// organizations is the read-modify-write of an organization.
var organizations = pg.Repository[uuid.UUID, domain.Organization]{
	Lock: func(ctx context.Context, q pg.Querier, id uuid.UUID) (domain.Organization, error) {
		return getOrganization(ctx, q, id, ` FOR UPDATE`)
	},
	Save: func(ctx context.Context, q pg.Querier, o domain.Organization) error {
		tag, err := q.Exec(ctx, `UPDATE organizations SET name = $2, kind = $3, status = $4, rejection_reason = $5,
			merchant_tier = $6, decided_by = $7, decided_at = $8 WHERE id = $1`, orgArgs(o)[:8]...)
		return pg.Affected(tag, err, apperr.NotFound("organization", o.ID.String()))
	},
}

func getOrganization(ctx context.Context, q pg.Querier, id uuid.UUID, lock string) (domain.Organization, error) {
	o, err := scanOrganization(q.QueryRow(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = $1`+lock, id))
	return o, pg.NoRows(err, apperr.NotFound("organization", id.String()))
}

// GetOrganization reads an organization.
func (r repo) GetOrganization(ctx context.Context, id uuid.UUID) (domain.Organization, error) {
	return getOrganization(ctx, r.q, id, "")
}

// UpdateOrganization changes an organization under its row lock and writes
// the change's events with it (see pg.Repository.Update).
func (r repo) UpdateOrganization(ctx context.Context, id uuid.UUID, change func(*domain.Organization) ([]outbox.Message, error)) (domain.Organization, error) {
	return organizations.Update(ctx, r.q, id, change)
}

// ListOrganizations returns one page of organizations, oldest first.
func (r repo) ListOrganizations(ctx context.Context, q app.OrganizationQuery) ([]domain.Organization, error) {
	var afterAt *time.Time
	var afterID *uuid.UUID
	if q.After != nil {
		afterAt, afterID = &q.After.CreatedAt, &q.After.ID
	}
	rows, err := r.q.Query(ctx, `SELECT `+orgColumns+` FROM organizations
		WHERE ($1 = '' OR status = $1)
		  AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3))
		ORDER BY created_at, id LIMIT $4`, string(q.Status), afterAt, afterID, q.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Organization, error) { return scanOrganization(row) })
}

// FindAccounts reads which of the ids are users and which organizations, in
// one round trip.
func (r repo) FindAccounts(ctx context.Context, users, orgs []uuid.UUID) (app.FoundAccounts, error) {
	found := app.FoundAccounts{Organizations: map[uuid.UUID]domain.OrganizationKind{}}
	b := &pgx.Batch{}
	b.Queue(`SELECT id FROM users WHERE id = ANY($1)`, users).Query(func(rows pgx.Rows) error {
		var err error
		found.Users, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	b.Queue(`SELECT id, kind FROM organizations WHERE id = ANY($1)`, orgs).Query(func(rows pgx.Rows) error {
		var id uuid.UUID
		var kind domain.OrganizationKind
		_, err := pgx.ForEachRow(rows, []any{&id, &kind}, func() error {
			found.Organizations[id] = kind
			return nil
		})
		return err
	})
	if err := r.q.SendBatch(ctx, b).Close(); err != nil {
		return app.FoundAccounts{}, err
	}
	return found, nil
}
