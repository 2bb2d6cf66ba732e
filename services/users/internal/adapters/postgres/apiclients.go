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
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// A client's Key and PreviousKey go to secret_hash and previous_secret_hash
// for a service account, and to public_key and previous_public_key for a
// partner or ERP: separate columns, so the schema itself says (and checks)
// that a signing client's row holds a 32-byte public key and nothing else.
const clientColumns = `client_id, name, kind, organization_id, disabled, secret_hash, previous_secret_hash,
	public_key, previous_public_key, previous_expires_at, created_at`

func scanClient(row pgx.Row) (domain.APIClient, error) {
	var c domain.APIClient
	var org *uuid.UUID
	var prevExpires *time.Time
	var hash, prevHash, pub, prevPub []byte
	if err := row.Scan(&c.ID, &c.Name, &c.Kind, &org, &c.Disabled, &hash, &prevHash, &pub, &prevPub, &prevExpires, &c.CreatedAt); err != nil {
		return domain.APIClient{}, err
	}
	c.Key, c.PreviousKey = pub, prevPub
	if c.Kind == domain.ClientService {
		c.Key, c.PreviousKey = hash, prevHash
	}
	if org != nil {
		c.OrganizationID = *org
	}
	if prevExpires != nil {
		c.PreviousExpiresAt = *prevExpires
	}
	return c, nil
}

func clientArgs(c domain.APIClient) []any {
	var org *uuid.UUID
	if c.OrganizationID != uuid.Nil {
		org = &c.OrganizationID
	}
	var prevExpires *time.Time
	if !c.PreviousExpiresAt.IsZero() {
		prevExpires = &c.PreviousExpiresAt
	}
	var hash, prevHash, pub, prevPub []byte
	if c.Kind == domain.ClientService {
		hash, prevHash = c.Key, c.PreviousKey
	} else {
		pub, prevPub = c.Key, c.PreviousKey
	}
	return []any{c.ID, c.Name, string(c.Kind), org, c.Disabled, hash, prevHash, pub, prevPub, prevExpires, c.CreatedAt}
}

// CreateAPIClient inserts a client; a taken id is domain.ErrClientIDTaken.
func (r repo) CreateAPIClient(ctx context.Context, c domain.APIClient) error {
	_, err := r.q.Exec(ctx, `INSERT INTO api_clients (`+clientColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, clientArgs(c)...)
	if pg.IsUniqueViolation(err, "api_clients_pkey") {
		return domain.ErrClientIDTaken.Wrap(err)
	}
	if err != nil {
		return fmt.Errorf("insert api client: %w", err)
	}
	return nil
}

// apiClients is the read-modify-write of an API client.
var apiClients = pg.Repository[string, domain.APIClient]{
	Lock: func(ctx context.Context, q pg.Querier, id string) (domain.APIClient, error) {
		return getAPIClient(ctx, q, id, ` FOR UPDATE`)
	},
	Save: func(ctx context.Context, q pg.Querier, c domain.APIClient) error {
		tag, err := q.Exec(ctx, `UPDATE api_clients SET name = $2, kind = $3, organization_id = $4, disabled = $5,
			secret_hash = $6, previous_secret_hash = $7, public_key = $8, previous_public_key = $9, previous_expires_at = $10
			WHERE client_id = $1`, clientArgs(c)[:10]...)
		return pg.Affected(tag, err, apperr.NotFound("api client", c.ID))
	},
}

func getAPIClient(ctx context.Context, q pg.Querier, id, lock string) (domain.APIClient, error) {
	c, err := scanClient(q.QueryRow(ctx, `SELECT `+clientColumns+` FROM api_clients WHERE client_id = $1`+lock, id))
	return c, pg.NoRows(err, apperr.NotFound("api client", id))
}

// GetAPIClient reads a client.
func (r repo) GetAPIClient(ctx context.Context, id string) (domain.APIClient, error) {
	return getAPIClient(ctx, r.q, id, "")
}

// UpdateAPIClient changes a client under its row lock and writes the
// change's events with it (see pg.Repository.Update).
func (r repo) UpdateAPIClient(ctx context.Context, id string, change func(*domain.APIClient) ([]outbox.Message, error)) (domain.APIClient, error) {
	return apiClients.Update(ctx, r.q, id, change)
}

// ListAPIClients returns all clients, or one organization's, oldest first.
func (r repo) ListAPIClients(ctx context.Context, organizationID *uuid.UUID) ([]domain.APIClient, error) {
	rows, err := r.q.Query(ctx, `SELECT `+clientColumns+` FROM api_clients
		WHERE $1::uuid IS NULL OR organization_id = $1 ORDER BY created_at, client_id`, organizationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.APIClient, error) { return scanClient(row) })
}
