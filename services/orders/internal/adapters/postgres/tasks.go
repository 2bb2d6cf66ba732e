package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/orders/internal/app"
)

func (r repo) Schedule(ctx context.Context, tasks ...app.Task) error {
	b := &pgx.Batch{}
	queueSchedule(b, tasks)
	return send(ctx, r.q, b)
}

func (r repo) Unschedule(ctx context.Context, kind app.TaskKind, subject uuid.UUID) error {
	b := &pgx.Batch{}
	queueUnschedule(b, app.Task{Kind: kind, Subject: subject})
	return send(ctx, r.q, b)
}

// queueSchedule queues adding tasks, or moving an existing one's due time.
func queueSchedule(b *pgx.Batch, tasks []app.Task) {
	for _, t := range tasks {
		b.Queue(`INSERT INTO saga_tasks (kind, subject, order_id, due_at, created_at) VALUES ($1, $2, $3, $4, now())
			ON CONFLICT (kind, subject) DO UPDATE SET due_at = EXCLUDED.due_at, attempts = 0, failing_since = NULL, version = saga_tasks.version + 1`, t.Kind, t.Subject, t.OrderID, t.DueAt)
	}
}

// queueUnschedule queues removing the tasks (by kind and subject) that
// exist.
func queueUnschedule(b *pgx.Batch, tasks ...app.Task) {
	for _, t := range tasks {
		b.Queue(`DELETE FROM saga_tasks WHERE kind = $1 AND subject = $2`, t.Kind, t.Subject)
	}
}

// FinishTasks removes tasks that ran, in one statement, except those
// scheduled again while they ran (their version moved on): they stay for
// that.
func (r repo) FinishTasks(ctx context.Context, tasks ...app.Task) error {
	if len(tasks) == 0 {
		return nil
	}
	kinds, subjects, versions := make([]string, len(tasks)), make([]uuid.UUID, len(tasks)), make([]int64, len(tasks))
	for i, t := range tasks {
		kinds[i], subjects[i], versions[i] = string(t.Kind), t.Subject, t.Version
	}
	_, err := r.q.Exec(ctx, `DELETE FROM saga_tasks t USING unnest($1::text[], $2::uuid[], $3::bigint[]) AS f (kind, subject, version)
		WHERE t.kind = f.kind AND t.subject = f.subject AND t.version = f.version`, kinds, subjects, versions)
	return err
}

func (r repo) RetryTask(ctx context.Context, t app.Task, due time.Time, cause string) error {
	_, err := r.q.Exec(ctx, `UPDATE saga_tasks SET due_at = $4, last_error = $5, failing_since = coalesce(failing_since, now())
		WHERE kind = $1 AND subject = $2 AND version = $3`,
		t.Kind, t.Subject, t.Version, due, cause)
	return err
}

func (r repo) PostponeTask(ctx context.Context, t app.Task, until time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE saga_tasks SET due_at = $4, last_error = '', failing_since = NULL
		WHERE kind = $1 AND subject = $2 AND version = $3`,
		t.Kind, t.Subject, t.Version, until)
	return err
}

// HandBackTask undoes a claim of a step not run: due at until, its
// attempts as before the claim, its failing state kept.
func (r repo) HandBackTask(ctx context.Context, t app.Task, until time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE saga_tasks SET due_at = $4, attempts = greatest(attempts - 1, 0)
		WHERE kind = $1 AND subject = $2 AND version = $3`,
		t.Kind, t.Subject, t.Version, until)
	return err
}

// FailingSteps counts the saga's failing steps by kind, with how long the
// one failing longest has failed, for the kit's failing-steps gauges.
func (s *Store) FailingSteps(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT kind, count(*), extract(epoch FROM now() - min(failing_since))::float8
		FROM saga_tasks WHERE failing_since IS NOT NULL GROUP BY kind ORDER BY kind`, pgx.QueryExecModeCacheDescribe)
}

// OverdueReturnParcels is, for the kit's failing-steps gauges, the
// after-sale requests whose goods were due back sendBy after their
// approval and whose return parcel, picked up by then, has still not
// arrived (kind "return_parcel_overdue") overdue after that, counted from
// the approval: their expiry step looks the parcel up daily and waits, and
// a parcel lost on its way without a word from its carrier needs an
// operator.
func (s *Store) OverdueReturnParcels(sendBy, overdue time.Duration) service.FailingStepsProbe {
	return func(ctx context.Context) ([]service.FailingSteps, error) {
		return service.QueryFailingSteps(ctx, s.pool, `SELECT 'return_parcel_overdue', count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
			FROM saga_tasks WHERE kind = 'expire_return' AND created_at < now() - make_interval(secs => $1) HAVING count(*) > 0`,
			(sendBy + overdue).Seconds())
	}
}

// claimTasks leases the due tasks ($1 now, $2 the lease's end, $3 the most).
const claimTasks = `UPDATE saga_tasks SET due_at = $2, attempts = attempts + 1, version = version + 1
	WHERE ctid = ANY(ARRAY(SELECT ctid FROM saga_tasks WHERE due_at <= $1 ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED))
	RETURNING kind, subject, order_id, due_at, attempts, version`

// ClaimTasks leases due tasks: each claimed row's due time moves a lease
// ahead and its attempts count up, in one statement, so replicas never run
// the same step at once and a crashed replica's steps come back when the
// lease ends. The rows locked by the subquery are updated by their ctid (a
// TID scan): joined back on the key, PostgreSQL chose to read the whole
// table into a hash on every claim while it held a few thousand rows (every
// pending order's deadline), which under load is every wake.
func (s *Store) ClaimTasks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]app.Task, error) {
	rows, err := s.pool.Query(ctx, claimTasks, now, now.Add(lease), limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.Task, error) {
		var t app.Task
		err := row.Scan(&t.Kind, &t.Subject, &t.OrderID, &t.DueAt, &t.Attempts, &t.Version)
		return t, err
	})
}
