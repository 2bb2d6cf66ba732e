package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/crossdock/crossdock/pkg/natsx"
	"github.com/crossdock/crossdock/pkg/periodic"
)

// Relay publishes committed outbox rows to JetStream and marks them published.
// Several replicas may run at once: each claims rows with FOR UPDATE SKIP LOCKED.
// A relay that dies after publishing but before marking leaves the rows to be
// published again; JetStream drops the repeat by Nats-Msg-Id within its duplicate
// window and consumers' inboxes drop it after.
//
// It works in batches: one statement claims up to BatchSize rows, every row is
// published asynchronously and the acknowledgements awaited together, and one
// statement marks the batch. The commit of that mark (a disk flush) overlaps the
// claiming and publishing of the next batch, whose rows the first batch's locks
// keep apart; a batch is published only after the one before it was
// acknowledged, so one relay publishes in commit-visible order.
type Relay struct {
	Pool *pgxpool.Pool
	JS   jetstream.JetStream
	Log  *slog.Logger
	// BatchSize caps the rows claimed per transaction (default 256).
	BatchSize int
	// Retention keeps published rows so they can be re-published by id
	// (default 7 days); older ones are pruned.
	Retention time.Duration
	// Fallback is the longest the relay sleeps without a wake (default 2 s);
	// it covers rows written by another process and rows another relay
	// claimed and then failed to publish.
	Fallback time.Duration

	// ackTimeout bounds the wait for a batch's acknowledgements (default
	// 10 s).
	ackTimeout time.Duration
	// afterPublish runs between publishing and marking; tests use it to die there.
	afterPublish func(context.Context) error
	// pruneBatch bounds the rows one prune statement deletes (default
	// 10,000).
	pruneBatch int
	// looks counts the claims tried, found rows or not (tests).
	looks atomic.Int64
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
	if r.ackTimeout <= 0 {
		r.ackTimeout = 10 * time.Second
	}
	if r.pruneBatch <= 0 {
		r.pruneBatch = 10000
	}
	if r.Log == nil {
		r.Log = slog.Default()
	}
}

// Run publishes until ctx ends. Add wakes it in-process, so an event is
// published a moment after its transaction commits, not after a poll interval.
// Errors are logged and retried; Run returns only when ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	r.defaults()
	wake, unsubscribe := subscribeWake()
	defer unsubscribe()
	pruneCtx, stopPruning := context.WithCancel(ctx)
	pruned := make(chan struct{})
	defer func() { stopPruning(); <-pruned }()
	go func() {
		defer close(pruned)
		periodic.RunPurge(pruneCtx, time.Hour, "published outbox rows", r.Log, r.prune)
	}()
	for ctx.Err() == nil {
		if err := r.relay(ctx, wake); err != nil && ctx.Err() == nil {
			r.Log.Error("outbox relay", "error", err)
			sleep(ctx, time.Second)
		}
	}
	return nil
}

// relay drains the outbox, then waits for a wake. A wake after a commit
// (WakeRelays) is looked at once: the rows are visible, and a transaction
// committing more rows meanwhile wakes it again. After a pending wake (Add
// in a transaction that does not track its commit), and at the start, it
// looks again on the wakeBackoff steps, after a wake and after each batch,
// since those rows may not have committed yet; past the steps it looks only
// on a wake or the fallback.
func (r *Relay) relay(ctx context.Context, wake *wakeSignals) error {
	committing := make(chan error, 1) // the one mark commit in flight, if any
	inFlight := false
	defer func() {
		if inFlight {
			<-committing
		}
	}()
	step := 0
	untracked := true // rows may be added without a commit's wake
	for {
		for {
			tx, n, err := r.claimAndPublish(ctx, skipLocked)
			if partly(err) {
				r.Log.Error("outbox relay", "error", err)
				continue
			}
			if err != nil {
				return err
			}
			if tx == nil {
				break
			}
			// The next batch is claimed while this one's mark commits; wait
			// for the commit before that before starting another.
			if inFlight {
				if err := <-committing; err != nil {
					_ = tx.Rollback(context.WithoutCancel(ctx))
					inFlight = false
					return fmt.Errorf("outbox: mark published: %w", err)
				}
			}
			inFlight = true
			go func() { committing <- tx.Commit(context.WithoutCancel(ctx)) }()
			if untracked {
				step = 0
			}
			if n < r.BatchSize {
				break
			}
		}
		delay := r.Fallback
		if step < len(wakeBackoff) {
			delay = wakeBackoff[step]
			step++
		}
		if err := r.wait(ctx, wake, delay, committing, &inFlight, &untracked, &step); err != nil || ctx.Err() != nil {
			return err
		}
	}
}

// wait sleeps until a wake or delay. The end of the mark commit in flight
// is no reason to look: the batch it marks was the last one found, and rows
// committed since wake the relay themselves (or are found on the backoff
// steps and the fallback).
func (r *Relay) wait(ctx context.Context, wake *wakeSignals, delay time.Duration, committing chan error, inFlight, untracked *bool, step *int) error {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake.committed:
			*untracked, *step = false, len(wakeBackoff)
			return nil
		case <-wake.pending:
			*untracked, *step = true, 0
			return nil
		case err := <-committing:
			*inFlight = false
			if err != nil {
				return fmt.Errorf("outbox: mark published: %w", err)
			}
		case <-timer.C:
			return nil
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
	return r.publishBatch(ctx, skipLocked)
}

// Flush publishes every unpublished row, batch after batch, until none is
// left or ctx ends: a stopping service's last look, after its relay
// stopped. Unlike the relay it waits for rows another transaction holds
// instead of skipping them: a claim cut off by the relay's cancellation
// keeps its rows locked until the server notices the dropped connection,
// and a skipping flush found nothing and left the drained calls' events
// behind. Rows another replica publishes meanwhile are passed over once
// its lock is released, as they are no longer unpublished.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	r.defaults()
	total := 0
	for {
		n, err := r.publishBatch(ctx, waitForLocked)
		total += n
		if err != nil || n < r.BatchSize {
			return total, err
		}
	}
}

// claimLock is how a claim treats rows another transaction holds.
type claimLock string

const (
	skipLocked    claimLock = "FOR UPDATE SKIP LOCKED"
	waitForLocked claimLock = "FOR UPDATE"
)

// publishBatch claims, publishes and commits one batch.
func (r *Relay) publishBatch(ctx context.Context, lock claimLock) (int, error) {
	tx, n, err := r.claimAndPublish(ctx, lock)
	if err != nil || tx == nil {
		return n, err
	}
	return n, tx.Commit(ctx)
}

// claimAndPublish claims a batch in a new transaction, publishes it and marks
// it, and returns the transaction for the caller to commit; tx is nil when
// there was nothing to claim. Rows JetStream did not acknowledge are marked
// with their error, and the transaction is committed here with the error
// returned, so the caller backs off before the retry.
func (r *Relay) claimAndPublish(ctx context.Context, lock claimLock) (tx pgx.Tx, claimed int, err error) {
	r.looks.Add(1)
	own, err := r.Pool.Begin(ctx)
	if err != nil {
		return nil, 0, err
	}
	tx = own
	defer func() {
		if err != nil {
			// A no-op once committed (the failed-publish path below).
			_ = own.Rollback(context.WithoutCancel(ctx))
		}
	}()
	// The claim and the marks are planned at every execution
	// (planPerCall), not once per connection: a plan cached while the
	// outbox was empty, as in a new database, scans every retained row of
	// the grown table for each batch until an ANALYZE replaces it.
	rows, err := tx.Query(ctx, `SELECT seq, event_id, subject, event_type, payload, headers FROM outbox
		WHERE published_at IS NULL AND (retry_at IS NULL OR retry_at <= now()) ORDER BY seq LIMIT $1 `+string(lock), planPerCall, r.BatchSize)
	if err != nil {
		return tx, 0, err
	}
	pending, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pendingRow, error) {
		var p pendingRow
		var hj []byte
		if err := row.Scan(&p.seq, &p.id, &p.subject, &p.typ, &p.payload, &hj); err != nil {
			return p, err
		}
		return p, json.Unmarshal(hj, &p.headers)
	})
	if err != nil {
		return tx, 0, err
	}
	if len(pending) == 0 {
		_ = tx.Rollback(ctx)
		return nil, 0, nil
	}
	published, failed := r.publish(ctx, pending)
	if r.afterPublish != nil {
		if err := r.afterPublish(ctx); err != nil {
			return tx, len(pending), err
		}
	}
	if len(published) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL
			WHERE seq = ANY($1)`, planPerCall, published); err != nil {
			return tx, len(pending), err
		}
	}
	if len(failed) == 0 {
		return tx, len(pending), nil
	}
	seqs, msgs := make([]int64, 0, len(failed)), make([]string, 0, len(failed))
	var firstErr error
	for _, p := range pending {
		if perr, ok := failed[p.seq]; ok {
			seqs, msgs = append(seqs, p.seq), append(msgs, perr.Error())
			if firstErr == nil {
				firstErr = perr
			}
		}
	}
	// Each failed row waits 1, 2, 4, then 5 s before it is claimed again:
	// a row that keeps failing is not at the head of every batch, and
	// after an outage of the broker every row is tried again within 5 s.
	if _, err := tx.Exec(ctx, `UPDATE outbox o SET attempts = attempts + 1, last_error = f.error,
		retry_at = now() + least(interval '1 second' * power(2, least(attempts, 10)), interval '5 seconds')
		FROM unnest($1::bigint[], $2::text[]) AS f (seq, error) WHERE o.seq = f.seq`, planPerCall, seqs, msgs); err != nil {
		return tx, len(pending), err
	}
	if err := tx.Commit(ctx); err != nil {
		return tx, len(pending), err
	}
	return nil, len(pending), &publishError{failed: len(failed), of: len(pending), first: firstErr}
}

// publishError is a batch JetStream did not take whole: its failed rows
// are marked and wait for their retry, the others are published.
type publishError struct {
	failed, of int
	first      error
}

func (e *publishError) Error() string {
	return fmt.Sprintf("outbox: %d of %d events not published: %v", e.failed, e.of, e.first)
}

func (e *publishError) Unwrap() error { return e.first }

// partly tells a batch of which some rows were published: the broker
// takes events, so the relay goes on with the next batch at once instead
// of pausing as it does when it cannot publish at all.
func partly(err error) bool {
	var pe *publishError
	return errors.As(err, &pe) && pe.failed < pe.of
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
	// One deadline for the whole batch, closed once it passes, so every
	// acknowledgement still missing then counts as failed: a single timer
	// fires once, and the futures after the first to meet it waited on
	// without a bound (a publish the server drops without a reply, a
	// stream without a leader), holding the claimed rows locked.
	wait, cancel := context.WithTimeout(ctx, r.ackTimeout)
	defer cancel()
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
			published = append(published, pending[i].seq)
		case err := <-f.Err():
			failed[pending[i].seq] = err
		case <-wait.Done():
			if err := ctx.Err(); err != nil {
				failed[pending[i].seq] = err
			} else {
				failed[pending[i].seq] = errors.New("publish acknowledgement timed out")
			}
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

// planPerCall runs a statement as an unnamed prepared statement whose
// description pgx caches: one round trip as usual, but PostgreSQL plans it
// with the values of every call instead of settling on a generic plan for
// the connection.
const planPerCall = pgx.QueryExecModeCacheDescribe

// prune deletes the rows published longer ago than the retention, a batch
// at a time (no long transaction, no long hold of the rows' locks), and
// returns how many. Run prunes hourly beside the publishing: a prune of an
// hour's rows at a thousand events a second is millions of rows, and run in
// the relay's loop as one statement it held publishing (every replica's,
// the second waiting on the first's locks) for as long.
func (r *Relay) prune(ctx context.Context) (int, error) {
	return periodic.Drain(ctx, r.pruneBatch, func(ctx context.Context, limit int) (int, error) {
		tag, err := r.Pool.Exec(ctx, `DELETE FROM outbox WHERE seq = ANY(ARRAY(
			SELECT seq FROM outbox WHERE published_at < now() - make_interval(secs => $1) LIMIT $2))`, r.Retention.Seconds(), limit)
		return int(tag.RowsAffected()), err
	})
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
