package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
)

// RequestHeldPulls requests a pull of up to limit of the partner's held
// orders first seen since seenSince and not read since readBefore, least
// recently read first, and returns how many it requested. An order whose
// id a pull by id cannot name (empty, or longer than a pull request holds)
// is left out: it would fail the whole insert, every round, and stop the
// partner's other pulls; it is read again when the partner updates it.
func (s Trade) RequestHeldPulls(ctx context.Context, partnerID uuid.UUID, at, readBefore, seenSince time.Time, limit int) (int, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO pull_requests (partner_id, partner_order_id, requested_at, due_at)
		SELECT partner_id, partner_order_id, $2, $2 FROM partner_orders
		WHERE partner_id = $1 AND state = 'held' AND updated_at <= $3 AND first_seen_at >= $4
		  AND length(partner_order_id) BETWEEN 1 AND 128 -- a pull request's bound
		ORDER BY updated_at LIMIT $5
		ON CONFLICT (partner_id, partner_order_id) DO NOTHING`, partnerID, at, readBefore, seenSince, limit)
	return int(tag.RowsAffected()), err
}

// RequestPull inserts the request, or on a pending one only moves
// requested_at forward: its due time stays, so a partner's backoff is not
// cut short by another notification.
func (s Trade) RequestPull(ctx context.Context, partnerID uuid.UUID, partnerOrderID string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO pull_requests (partner_id, partner_order_id, requested_at, due_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (partner_id, partner_order_id) DO UPDATE SET requested_at = GREATEST(pull_requests.requested_at, EXCLUDED.requested_at)`,
		partnerID, partnerOrderID, at)
	return err
}

func (s Trade) DuePullRequests(ctx context.Context, partnerID uuid.UUID, now time.Time, limit int) ([]app.PullRequest, error) {
	rows, err := s.pool.Query(ctx, `SELECT partner_id, partner_order_id, requested_at, due_at, attempts, last_error FROM pull_requests
		WHERE partner_id = $1 AND due_at <= $2 ORDER BY due_at, partner_order_id LIMIT $3`, partnerID, now, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.PullRequest, error) {
		var q app.PullRequest
		return q, r.Scan(&q.PartnerID, &q.PartnerOrderID, &q.RequestedAt, &q.DueAt, &q.Attempts, &q.LastError)
	})
}

// DonePullRequest deletes the request, or, when the order was requested
// again meanwhile, keeps that request as not failing: the pull succeeded.
func (s Trade) DonePullRequest(ctx context.Context, r app.PullRequest) error {
	_, err := s.pool.Exec(ctx, `WITH done AS (DELETE FROM pull_requests WHERE partner_id = $1 AND partner_order_id = $2 AND requested_at <= $3)
		UPDATE pull_requests SET failing_since = NULL
		WHERE partner_id = $1 AND partner_order_id = $2 AND requested_at > $3 AND failing_since IS NOT NULL`,
		r.PartnerID, r.PartnerOrderID, r.RequestedAt)
	return err
}

func (s Trade) DeferPullRequest(ctx context.Context, r app.PullRequest, until time.Time, msg string) error {
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	_, err := s.pool.Exec(ctx, `UPDATE pull_requests SET attempts = attempts + 1, last_error = $3, due_at = $4,
		failing_since = coalesce(failing_since, now())
		WHERE partner_id = $1 AND partner_order_id = $2`, r.PartnerID, r.PartnerOrderID, msg, until)
	return err
}

// FailingPullRequests counts, for the kit's failing-steps gauges, the pulls
// a partner's webhook asked for that failed and are retried (kind
// "retrying"), since the first failure.
func (s Trade) FailingPullRequests(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT 'retrying', count(*), coalesce(extract(epoch FROM now() - min(failing_since)), 0)::float8
		FROM pull_requests WHERE failing_since IS NOT NULL HAVING count(*) > 0`)
}
