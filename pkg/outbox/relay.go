package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/natsx"
)

// Relay publishes committed outbox rows to JetStream and marks them published.
// Several replicas may run at once: each claims rows with FOR UPDATE SKIP LOCKED.
// A relay that dies after publishing but before marking leaves the rows to be
// published again; JetStream drops the repeat by Nats-Msg-Id within its duplicate
// window and consumers' inboxes drop it after.
type Relay struct {
	Pool *pgxpool.Pool
	JS   jetstream.JetStream
	Log  *slog.Logger
	// BatchSize caps the rows claimed per transaction (default 256).
	BatchSize int
	// Retention keeps published rows so they can be re-published by id
	// (default 7 days); older ones are pruned.
	Retention time.Duration
	// Fallback is the longest the relay sleeps without a notification (default
	// 2 s); it covers rows another relay claimed and then failed to publish.
	Fallback time.Duration

	// afterPublish runs between publishing and marking; tests use it to die there.
	afterPublish func(context.Context) error
}

func (r *Relay) defaults() {
	if r.BatchSize <= 0 {
		r.BatchSize = 256
	}
	if r.Retention <= 0 {
		r.Retention = 7 * 24 * time.Hour
	}
	if r.Fallback <= 0 {
		r.Fallback = 2 * time.Second
	}
	if r.Log == nil {
		r.Log = slog.Default()
	}
}

// Run publishes until ctx ends. It holds one connection that LISTENs for commits,
// so an event is published a moment after its transaction commits, not after a
// poll interval. Errors are logged and retried; Run returns only when ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	r.defaults()
	for ctx.Err() == nil {
		if err := r.listenAndRelay(ctx); err != nil && ctx.Err() == nil {
			r.Log.Error("outbox relay", "error", err)
			sleep(ctx, time.Second)
		}
	}
	return nil
}

func (r *Relay) listenAndRelay(ctx context.Context) error {
	conn, err := r.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+wakeChannel); err != nil {
		return err
	}
	defer func() {
		// The connection goes back to the pool: stop listening on it.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "UNLISTEN *")
	}()
	lastPrune := time.Time{}
	for {
		// Drain everything pending, then wait for the next commit.
		for {
			n, err := r.PublishPending(ctx)
			if err != nil {
				return err
			}
			if n < r.BatchSize {
				break
			}
		}
		if time.Since(lastPrune) > time.Hour {
			if err := r.prune(ctx); err != nil {
				r.Log.Warn("outbox prune", "error", err)
			}
			lastPrune = time.Now()
		}
		waitCtx, cancel := context.WithTimeout(ctx, r.Fallback)
		_, err := conn.Conn().WaitForNotification(waitCtx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
	}
}

type pendingRow struct {
	seq     int64
	id      uuid.UUID
	subject string
	typ     string
	payload []byte
	headers map[string]string
}

// PublishPending claims one batch of unpublished rows, publishes them and marks
// those JetStream acknowledged. It returns how many rows it claimed.
func (r *Relay) PublishPending(ctx context.Context) (int, error) {
	r.defaults()
	claimed, notPublished := 0, 0
	var firstErr error
	err := pgx.BeginFunc(ctx, r.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT seq, event_id, subject, event_type, payload, headers FROM outbox
			WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`, r.BatchSize)
		if err != nil {
			return err
		}
		pending, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pendingRow, error) {
			var p pendingRow
			var hj []byte
			if err := row.Scan(&p.seq, &p.id, &p.subject, &p.typ, &p.payload, &hj); err != nil {
				return p, err
			}
			return p, json.Unmarshal(hj, &p.headers)
		})
		if err != nil || len(pending) == 0 {
			return err
		}
		claimed = len(pending)
		published, failed := r.publish(ctx, pending)
		if r.afterPublish != nil {
			if err := r.afterPublish(ctx); err != nil {
				return err
			}
		}
		if len(published) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL
				WHERE seq = ANY($1)`, published); err != nil {
				return err
			}
		}
		for seq, perr := range failed {
			if _, err := tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1`,
				seq, perr.Error()); err != nil {
				return err
			}
		}
		notPublished = len(failed)
		for _, perr := range failed {
			firstErr = perr
			break
		}
		return nil
	})
	if err == nil && notPublished > 0 {
		// Marked with their error; the caller backs off before the retry.
		err = fmt.Errorf("outbox: %d of %d events not published: %w", notPublished, claimed, firstErr)
	}
	return claimed, err
}

// publish sends the rows asynchronously and waits for every acknowledgement.
func (r *Relay) publish(ctx context.Context, pending []pendingRow) (published []int64, failed map[int64]error) {
	failed = map[int64]error{}
	futures := make([]jetstream.PubAckFuture, len(pending))
	for i, p := range pending {
		msg := toMsg(p.id, p.subject, p.typ, p.payload, p.headers)
		f, err := r.JS.PublishMsgAsync(msg)
		if err != nil {
			failed[p.seq] = err
			continue
		}
		futures[i] = f
	}
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
			published = append(published, pending[i].seq)
		case err := <-f.Err():
			failed[pending[i].seq] = err
		case <-timeout.C:
			failed[pending[i].seq] = errors.New("publish acknowledgement timed out")
		case <-ctx.Done():
			failed[pending[i].seq] = ctx.Err()
		}
	}
	return published, failed
}

func toMsg(id uuid.UUID, subject, typ string, payload []byte, headers map[string]string) *nats.Msg {
	msg := nats.NewMsg(subject)
	msg.Data = payload
	for k, v := range headers {
		msg.Header.Set(k, v)
	}
	msg.Header.Set(natsx.HeaderMsgID, id.String())
	msg.Header.Set(natsx.HeaderEventID, id.String())
	msg.Header.Set(natsx.HeaderEventType, typ)
	return msg
}

// Republish publishes a stored event again by id, whether or not it was already
// published, with a fresh Nats-Msg-Id so JetStream's duplicate window does not
// drop it. Consumers' inboxes still apply it at most once.
func (r *Relay) Republish(ctx context.Context, id uuid.UUID) error {
	var p pendingRow
	var hj []byte
	err := r.Pool.QueryRow(ctx, `SELECT seq, event_id, subject, event_type, payload, headers FROM outbox WHERE event_id = $1`, id).
		Scan(&p.seq, &p.id, &p.subject, &p.typ, &p.payload, &hj)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("outbox: event %s not found (never written, or pruned)", id)
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(hj, &p.headers); err != nil {
		return err
	}
	msg := toMsg(p.id, p.subject, p.typ, p.payload, p.headers)
	msg.Header.Set(natsx.HeaderMsgID, p.id.String()+":republish:"+time.Now().UTC().Format(time.RFC3339Nano))
	_, err = r.JS.PublishMsg(ctx, msg)
	return err
}

func (r *Relay) prune(ctx context.Context) error {
	_, err := r.Pool.Exec(ctx, `DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)`, r.Retention.Seconds())
	return err
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
