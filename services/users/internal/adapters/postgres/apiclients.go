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

// A client's Key goes to secret_hash for a service account and to
// public_key for a partner or ERP, and so do its retired keys in
// api_client_retired_keys: separate columns, so the schema itself says (and
// checks) that a signing client's rows hold 32-byte public keys and nothing
// else.
const clientColumns = `client_id, name, kind, organization_id, disabled, secret_hash, public_key, created_at`

// clientSelect reads a client's row with its retired keys, oldest first.
const clientSelect = `SELECT ` + clientColumns + `,
	ARRAY(SELECT coalesce(k.secret_hash, k.public_key) FROM api_client_retired_keys k
		WHERE k.client_id = api_clients.client_id ORDER BY k.id),
	ARRAY(SELECT k.expires_at FROM api_client_retired_keys k
		WHERE k.client_id = api_clients.client_id ORDER BY k.id)
	FROM api_clients`

func scanClient(row pgx.Row) (domain.APIClient, error) {
	var c domain.APIClient
	var org *uuid.UUID
	var hash, pub []byte
	var retired [][]byte
	var expires []time.Time
	if err := row.Scan(&c.ID, &c.Name, &c.Kind, &org, &c.Disabled, &hash, &pub, &c.CreatedAt, &retired, &expires); err != nil {
		return domain.APIClient{}, err
	}
	c.Key = pub
	if c.Kind == domain.ClientService {
		c.Key = hash
	}
	if org != nil {
		c.OrganizationID = *org
	}
	for i, k := range retired {
		c.Retired = append(c.Retired, domain.RetiredKey{Key: k, ExpiresAt: expires[i]})
	}
	return c, nil
}

func clientArgs(c domain.APIClient) []any {
	var org *uuid.UUID
	if c.OrganizationID != uuid.Nil {
		org = &c.OrganizationID
	}
	var hash, pub []byte
	if c.Kind == domain.ClientService {
		hash = c.Key
	} else {
		pub = c.Key
	}
	return []any{c.ID, c.Name, string(c.Kind), org, c.Disabled, hash, pub, c.CreatedAt}
}

// saveRetiredKeys replaces a client's retired keys with c.Retired, in order.
func saveRetiredKeys(ctx context.Context, q pg.Querier, c domain.APIClient) error {
	keys := make([][]byte, len(c.Retired))
	expires := make([]time.Time, len(c.Retired))
	for i, k := range c.Retired {
		keys[i], expires[i] = k.Key, k.ExpiresAt
	}
	_, err := q.Exec(ctx, `WITH gone AS (DELETE FROM api_client_retired_keys WHERE client_id = $1)
		INSERT INTO api_client_retired_keys (client_id, kind, secret_hash, public_key, expires_at)
		SELECT $1, $2, CASE WHEN $2 = 'service' THEN k END, CASE WHEN $2 <> 'service' THEN k END, e
		FROM unnest($3::bytea[], $4::timestamptz[]) WITH ORDINALITY AS r(k, e, n) ORDER BY n`,
		c.ID, string(c.Kind), keys, expires)
	if err != nil {
		return fmt.Errorf("save retired keys: %w", err)
	}
	return nil
}

// CreateAPIClient inserts a client; a taken id is domain.ErrClientIDTaken.
func (r repo) CreateAPIClient(ctx context.Context, c domain.APIClient) error {
	_, err := r.q.Exec(ctx, `INSERT INTO api_clients (`+clientColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, clientArgs(c)...)
	if pg.IsUniqueViolation(err, "api_clients_pkey") {
		return domain.ErrClientIDTaken.Wrap(err)
	}
	if err != nil {
		return fmt.Errorf("insert api client: %w", err)
	}
	if len(c.Retired) == 0 {
		return nil
	}
	return saveRetiredKeys(ctx, r.q, c)
}

// apiClients is the read-modify-write of an API client.
var apiClients = pg.Repository[string, domain.APIClient]{
	Lock: func(ctx context.Context, q pg.Querier, id string) (domain.APIClient, error) {
		return getAPIClient(ctx, q, id, ` FOR UPDATE`)
	},
	Save: func(ctx context.Context, q pg.Querier, c domain.APIClient) error {
		tag, err := q.Exec(ctx, `UPDATE api_clients SET name = $2, kind = $3, organization_id = $4, disabled = $5,
			secret_hash = $6, public_key = $7 WHERE client_id = $1`, clientArgs(c)[:7]...)
		if err := pg.Affected(tag, err, apperr.NotFound("api client", c.ID)); err != nil {
			return err
		}
		return saveRetiredKeys(ctx, q, c)
	},
}

func getAPIClient(ctx context.Context, q pg.Querier, id, lock string) (domain.APIClient, error) {
	c, err := scanClient(q.QueryRow(ctx, clientSelect+` WHERE client_id = $1`+lock, id))
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

// LockOrganizationClients locks an organization's row (no key update: its
// members and clients may still reference it meanwhile) and counts its
// clients.
func (r repo) LockOrganizationClients(ctx context.Context, id uuid.UUID) (domain.Organization, int, error) {
	o, err := getOrganization(ctx, r.q, id, ` FOR NO KEY UPDATE`)
	if err != nil {
		return o, 0, err
	}
	var n int
	err = r.q.QueryRow(ctx, `SELECT count(*) FROM api_clients WHERE organization_id = $1`, id).Scan(&n)
	return o, n, err
}

// ListAPIClients returns all clients, or one organization's, oldest first.
func (r repo) ListAPIClients(ctx context.Context, organizationID *uuid.UUID) ([]domain.APIClient, error) {
	rows, err := r.q.Query(ctx, clientSelect+`
		WHERE $1::uuid IS NULL OR organization_id = $1 ORDER BY created_at, client_id`, organizationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.APIClient, error) { return scanClient(row) })
}
