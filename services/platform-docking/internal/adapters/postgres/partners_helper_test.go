package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// partnerRow stores a partner in status, verified unless it is
// unverified, and returns its id: the adapter's tests need the row their
// partner's other rows refer to, not the partner's own commands.
func partnerRow(t *testing.T, pool *pgxpool.Pool, status string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := pool.Exec(context.Background(), `INSERT INTO partners (partner_id, code, name, protocol, endpoint, locales, commission_bps, status,
		verified_at, created_at, updated_at) VALUES ($1, $2, 'M', 'standard_grpc', 'http://m', '{en}', 500, $3,
		CASE WHEN $3 = 'unverified' THEN NULL ELSE now() END, now(), now())`, id, id.String()[:8], status); err != nil {
		t.Fatal(err)
	}
	return id
}
