package postgres

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/paging"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Trade implements app.TradeStore on the pool.
type Trade struct {
	pool  *pgxpool.Pool
	lines pg.Repository[lineKey, app.StoredLine]
}

var _ app.TradeStore = Trade{}

// NewTrade returns the trade store on pool.
func NewTrade(pool *pgxpool.Pool) Trade {
	return Trade{pool: pool, lines: pg.Repository[lineKey, app.StoredLine]{Lock: lockLine, Save: saveResolution}}
}

// requeued is how a queued product's turn takes a new change: the later
// queue time, the earlier due time, and fresh again if it was deferred (a
// deferred turn waits behind fresh ones, DueProducts).
const requeued = `queued_at = GREATEST(push_queue.queued_at, EXCLUDED.queued_at), due_at = LEAST(push_queue.due_at, EXCLUDED.due_at), deferred = false`

// QueueProducts queues products for a push on q (the pool, or an inbox's
// transaction); a product already queued is queued again from at.
func QueueProducts(ctx context.Context, q pg.Querier, ids []uuid.UUID, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `INSERT INTO push_queue (product_id, queued_at, due_at) SELECT unnest($1::uuid[]), $2, $2
		ON CONFLICT (product_id) DO UPDATE SET `+requeued, ids, at)
	return err
}

// QueueProductsOfSKU queues the product of a SKU that has listings, to be
// pushed at due (or sooner, when it is queued for sooner already).
func QueueProductsOfSKU(ctx context.Context, q pg.Querier, skuID uuid.UUID, at, due time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO push_queue (product_id, queued_at, due_at)
		SELECT DISTINCT product_id, $2::timestamptz, $3::timestamptz FROM listings WHERE sku_id = $1
		ON CONFLICT (product_id) DO UPDATE SET `+requeued, skuID, at, due)
	return err
}

// QueueWaybill queues a shipped partner sub-order's waybill, once.
func QueueWaybill(ctx context.Context, q pg.Querier, w app.Waybill) error {
	_, err := q.Exec(ctx, `INSERT INTO waybills (sub_order_id, partner_code, partner_order_id, carrier_code, waybill, queued_at, due_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (sub_order_id) DO NOTHING`,
		w.SubOrderID, w.PartnerCode, w.PartnerOrderID, w.CarrierCode, w.Waybill, w.QueuedAt)
	return err
}

func (s Trade) QueueProducts(ctx context.Context, ids []uuid.UUID, at time.Time) error {
	return QueueProducts(ctx, s.pool, ids, at)
}

func (s Trade) QueueListedProducts(ctx context.Context, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO push_queue (product_id, queued_at, due_at)
		SELECT DISTINCT product_id, $1::timestamptz, $1::timestamptz FROM listings WHERE status <> 'withdrawn'
		ON CONFLICT (product_id) DO UPDATE SET `+requeued, at)
	return err
}

func (s Trade) DueProducts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]app.QueuedProduct, error) {
	rows, err := s.pool.Query(ctx, `UPDATE push_queue q SET leased_until = $1::timestamptz + $3::interval
		FROM (SELECT product_id FROM push_queue WHERE due_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
			ORDER BY deferred, due_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
		WHERE q.product_id = due.product_id RETURNING q.product_id, q.queued_at, q.leased_until`, now, limit, lease)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.QueuedProduct, error) {
		var q app.QueuedProduct
		return q, r.Scan(&q.ProductID, &q.QueuedAt, &q.LeasedUntil)
	})
}

// ReleaseProducts ends the leases in qs that are still the ones taken.
func (s Trade) ReleaseProducts(ctx context.Context, qs []app.QueuedProduct) error {
	if len(qs) == 0 {
		return nil
	}
	ids, until := make([]uuid.UUID, len(qs)), make([]time.Time, len(qs))
	for i, q := range qs {
		ids[i], until[i] = q.ProductID, q.LeasedUntil
	}
	_, err := s.pool.Exec(ctx, `UPDATE push_queue q SET leased_until = NULL
		FROM unnest($1::uuid[], $2::timestamptz[]) AS r(product_id, leased_until)
		WHERE q.product_id = r.product_id AND q.leased_until = r.leased_until`, ids, until)
	return err
}

// DoneProduct deletes the product's turn, or, when it was queued again
// while it was pushed, keeps that turn, not leased and not failing: the
// push succeeded.
func (s Trade) DoneProduct(ctx context.Context, q app.QueuedProduct) error {
	_, err := s.pool.Exec(ctx, `WITH done AS (DELETE FROM push_queue WHERE product_id = $1 AND queued_at <= $2)
		UPDATE push_queue SET failing_since = NULL, leased_until = NULL, deferred = false WHERE product_id = $1 AND queued_at > $2`, q.ProductID, q.QueuedAt)
	return err
}

// DeferProduct moves a product's turn back after its push failed; it is
// failing from its first failure on.
func (s Trade) DeferProduct(ctx context.Context, id uuid.UUID, until time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE push_queue SET due_at = $2, failing_since = coalesce(failing_since, now()), leased_until = NULL, deferred = true
		WHERE product_id = $1`, id, until)
	return err
}

// FailingPushes counts, for the kit's failing-steps gauges, the queued
// products whose push to a partner failed and is retried (kind "retrying"),
// since the first failure.
func (s Trade) FailingPushes(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT 'retrying', count(*), coalesce(extract(epoch FROM now() - min(failing_since)), 0)::float8
		FROM push_queue WHERE failing_since IS NOT NULL HAVING count(*) > 0`)
}

const listingColumns = `partner_id, sku_id, product_id, supplier_id, marker, partner_listing_id, status, reasons, locale,
	currency, price_minor, stock, fingerprint, pushed_at, updated_at, last_error`

func scanListing(r pgx.CollectableRow) (app.StoredListing, error) {
	var l app.StoredListing
	var sku, product, supplier uuid.UUID
	err := r.Scan(&l.PartnerID, &sku, &product, &supplier, &l.Marker, &l.PartnerListingID, &l.Status, &l.Reasons, &l.Locale,
		&l.Price.Currency, &l.Price.Amount, &l.Stock, &l.Fingerprint, &l.PushedAt, &l.UpdatedAt, &l.LastError)
	l.SKUID, l.ProductID, l.SupplierID = sku.String(), product.String(), supplier.String()
	return l, err
}

func (s Trade) ListingsOfProduct(ctx context.Context, partnerID, productID uuid.UUID) ([]app.StoredListing, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+listingColumns+` FROM listings WHERE partner_id = $1 AND product_id = $2 ORDER BY sku_id`, partnerID, productID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanListing)
}

// ListedPrices reads the listed price of each of the SKUs pushed to the
// partner, in one query. An id that is no SKU id (a partner's marker
// mangled) has no listing.
func (s Trade) ListedPrices(ctx context.Context, partnerID uuid.UUID, skuIDs []string) (map[string]money.Money, error) {
	asked := make(map[uuid.UUID]string, len(skuIDs))
	ids := make([]uuid.UUID, 0, len(skuIDs))
	for _, id := range skuIDs {
		if u, err := uuid.Parse(id); err == nil {
			asked[u] = id
			ids = append(ids, u)
		}
	}
	out := make(map[string]money.Money, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT sku_id, currency, price_minor FROM listings
		WHERE partner_id = $1 AND sku_id = ANY($2) AND pushed_at IS NOT NULL`, partnerID, ids)
	if err != nil {
		return nil, err
	}
	var sku uuid.UUID
	var price money.Money
	_, err = pgx.ForEachRow(rows, []any{&sku, &price.Currency, &price.Amount}, func() error {
		out[asked[sku]] = price
		return nil
	})
	return out, err
}

func (s Trade) SaveListing(ctx context.Context, l app.StoredListing) error {
	if l.Reasons == nil {
		l.Reasons = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO listings (`+listingColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (partner_id, sku_id) DO UPDATE SET product_id = $3, supplier_id = $4, marker = $5, partner_listing_id = $6,
			status = $7, reasons = $8, locale = $9, currency = $10, price_minor = $11, stock = $12, fingerprint = $13,
			pushed_at = $14, updated_at = $15, last_error = $16`,
		l.PartnerID, l.SKUID, l.ProductID, l.SupplierID, l.Marker, l.PartnerListingID, l.Status, l.Reasons, l.Locale,
		l.Price.Currency, l.Price.Amount, l.Stock, l.Fingerprint, l.PushedAt, l.UpdatedAt, l.LastError)
	return err
}

func (s Trade) PendingListings(ctx context.Context, partnerID uuid.UUID, limit int) ([]app.StoredListing, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+listingColumns+` FROM listings WHERE partner_id = $1 AND status = 'pending'
		ORDER BY status_asked_at NULLS FIRST, updated_at LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanListing)
}

func (s Trade) SetListingStates(ctx context.Context, partnerID uuid.UUID, asked []string, states []domain.ListingState, at time.Time) error {
	b := &pgx.Batch{}
	b.Queue(`UPDATE listings SET status_asked_at = $3 WHERE partner_id = $1 AND sku_id = ANY($2::uuid[]) AND status = 'pending'`, partnerID, asked, at)
	for _, st := range states {
		reasons := st.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		// By the SKU the marker names, so the primary key finds the row:
		// matched on the marker, each update read every pending listing of
		// the partner (a first push holds tens of thousands). A marker that
		// is not ours names no listing of ours.
		sku, ok := domain.SKUOfMarker(st.Marker)
		skuID, err := uuid.Parse(sku)
		if !ok || err != nil {
			continue
		}
		// A listing withdrawn or re-queued meanwhile keeps its own state.
		b.Queue(`UPDATE listings SET status = $3, reasons = $4, partner_listing_id = COALESCE(NULLIF($5, ''), partner_listing_id), updated_at = $6
			WHERE partner_id = $1 AND sku_id = $2 AND status = 'pending' AND $3 <> 'pending'`,
			partnerID, skuID, st.Status, reasons, st.PartnerListingID, at)
	}
	return s.pool.SendBatch(ctx, b).Close()
}

// listCursor is the keyset of the newest-first lists: the last row's time
// and key.
type listCursor struct {
	At  time.Time `json:"t"`
	Key string    `json:"k"`
	Sub string    `json:"s"`
}

func (c listCursor) Valid() bool { return !c.At.IsZero() }

// collectPage collects the rows of a newest-first list read with one row
// more than limit, and the token of the page after them: empty when that
// row was not there.
func collectPage[T any](rows pgx.Rows, scan pgx.RowToFunc[T], limit int, query any, cursor func(last T) listCursor) ([]T, string, error) {
	out, err := pgx.CollectRows(rows, scan)
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	out = out[:limit]
	return out, paging.EncodeFor(query, cursor(out[len(out)-1])), nil
}

// decodeCursor reads the page token of a list filtered by query (the filter
// without its page and size): a token of another filter's list would start
// at its place and skip the rows before it, so it is refused.
func decodeCursor(page string, query any) (*listCursor, error) {
	if page == "" {
		return nil, nil
	}
	var c listCursor
	if err := paging.DecodeFor(page, query, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (s Trade) ListListings(ctx context.Context, f app.ListingFilter) ([]app.StoredListing, string, error) {
	query := f
	query.Page, query.Limit = "", 0 // the token is bound to the filter, not to a page
	cur, err := decodeCursor(f.Page, query)
	if err != nil {
		return nil, "", err
	}
	args := []any{nullUUID(f.PartnerID), nullUUID(f.ProductID), nullUUID(f.SupplierID), string(f.Status), f.Limit + 1, nil, "", ""}
	if cur != nil {
		args[5], args[6], args[7] = cur.At, cur.Key, cur.Sub
	}
	rows, err := s.pool.Query(ctx, `SELECT `+listingColumns+` FROM listings
		WHERE ($1::uuid IS NULL OR partner_id = $1) AND ($2::uuid IS NULL OR product_id = $2) AND ($3::uuid IS NULL OR supplier_id = $3)
		  AND ($4 = '' OR status = $4)
		  AND ($6::timestamptz IS NULL OR (updated_at, partner_id::text, sku_id::text) < ($6, $7, $8))
		ORDER BY updated_at DESC, partner_id::text DESC, sku_id::text DESC LIMIT $5`, args...)
	if err != nil {
		return nil, "", err
	}
	return collectPage(rows, scanListing, f.Limit, query, func(last app.StoredListing) listCursor {
		return listCursor{At: last.UpdatedAt, Key: last.PartnerID.String(), Sub: last.SKUID}
	})
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func (s Trade) PullState(ctx context.Context, partnerID uuid.UUID, start time.Time) (app.PullState, error) {
	if _, err := s.pool.Exec(ctx, `INSERT INTO pull_state (partner_id, watermark, settlement_watermark, payout_watermark) VALUES ($1, $2, $2, $2)
		ON CONFLICT (partner_id) DO NOTHING`, partnerID, start); err != nil {
		return app.PullState{}, err
	}
	var st app.PullState
	var kinds []string
	var froms, tos []time.Time
	err := s.pool.QueryRow(ctx, `SELECT s.partner_id, s.watermark, s.last_pull_at, s.settlement_watermark, s.last_settlement_pull_at,
		s.payout_watermark, s.last_payout_pull_at, s.last_error, s.last_error_at, s.quiet_until, r.kinds, r.froms, r.tos
		FROM pull_state s LEFT JOIN LATERAL (SELECT array_agg(kind) AS kinds, array_agg(reading_from) AS froms, array_agg(reading_to) AS tos
			FROM pull_readings WHERE partner_id = s.partner_id) r ON true
		WHERE s.partner_id = $1`, partnerID).
		Scan(&st.PartnerID, &st.Watermark, &st.LastPullAt, &st.SettlementWatermark, &st.LastSettlementPullAt,
			&st.PayoutWatermark, &st.LastPayoutPullAt, &st.LastError, &st.LastErrorAt, &st.QuietUntil, &kinds, &froms, &tos)
	if err != nil {
		return app.PullState{}, err
	}
	st.Readings = make(map[string]domain.Window, len(kinds))
	for i, kind := range kinds {
		st.Readings[kind] = domain.Window{From: froms[i], To: tos[i]}
	}
	return st, nil
}

// SaveReading records the rest of a window of kind a pull is reading.
func (s Trade) SaveReading(ctx context.Context, partnerID uuid.UUID, kind string, rest domain.Window) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO pull_readings (partner_id, kind, reading_from, reading_to) VALUES ($1, $2, $3, $4)
		ON CONFLICT (partner_id, kind) DO UPDATE SET reading_from = excluded.reading_from, reading_to = excluded.reading_to`,
		partnerID, kind, rest.From, rest.To)
	return err
}

// The watermark savers end the kind's window being read in the same
// statement: its rest is read.

func (s Trade) SaveOrderWatermark(ctx context.Context, partnerID uuid.UUID, watermark, at time.Time) error {
	_, err := s.pool.Exec(ctx, `WITH read AS (DELETE FROM pull_readings WHERE partner_id = $1 AND kind = 'orders')
		UPDATE pull_state SET watermark = GREATEST(watermark, $2), last_pull_at = $3, last_error = '', last_error_at = NULL
		WHERE partner_id = $1`, partnerID, watermark, at)
	return err
}

func (s Trade) SaveSettlementWatermark(ctx context.Context, partnerID uuid.UUID, watermark, at time.Time) error {
	_, err := s.pool.Exec(ctx, `WITH read AS (DELETE FROM pull_readings WHERE partner_id = $1 AND kind = 'settlements')
		UPDATE pull_state SET settlement_watermark = GREATEST(settlement_watermark, $2), last_settlement_pull_at = $3
		WHERE partner_id = $1`, partnerID, watermark, at)
	return err
}

func (s Trade) SavePayoutWatermark(ctx context.Context, partnerID uuid.UUID, watermark, at time.Time) error {
	_, err := s.pool.Exec(ctx, `WITH read AS (DELETE FROM pull_readings WHERE partner_id = $1 AND kind = 'payouts')
		UPDATE pull_state SET payout_watermark = GREATEST(payout_watermark, $2), last_payout_pull_at = $3
		WHERE partner_id = $1`, partnerID, watermark, at)
	return err
}

func (s Trade) RecordFailure(ctx context.Context, partnerID uuid.UUID, msg string, at, quietUntil time.Time) error {
	var quiet *time.Time
	if !quietUntil.IsZero() {
		quiet = &quietUntil
	}
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	_, err := s.pool.Exec(ctx, `UPDATE pull_state SET last_error = $2, last_error_at = $3, quiet_until = COALESCE($4, quiet_until) WHERE partner_id = $1`,
		partnerID, msg, at, quiet)
	return err
}

// JobsRan records a round of a partner's periodic jobs: each job that
// failed is failing from its first failure on (a later failure does not
// restart the count), each that succeeded no longer is.
func (s Trade) JobsRan(ctx context.Context, partnerID uuid.UUID, failed, succeeded []string) error {
	return jobsRan(ctx, s.pool, "partner_job_failures", "partner_id", partnerID, failed, succeeded)
}

// jobsRan records a round of one owner's periodic jobs in a failures table
// keyed by (ownerColumn, job): the failed ones failing from their first
// failure on, the succeeded ones no longer. table and ownerColumn are
// constants of this package, never input.
func jobsRan(ctx context.Context, pool *pgxpool.Pool, table, ownerColumn string, owner uuid.UUID, failed, succeeded []string) error {
	_, err := pool.Exec(ctx, `WITH cleared AS (DELETE FROM `+table+` WHERE `+ownerColumn+` = $1 AND job = ANY($3::text[]))
		INSERT INTO `+table+` (`+ownerColumn+`, job, failing_since) SELECT $1, unnest($2::text[]), now()
		ON CONFLICT (`+ownerColumn+`, job) DO NOTHING`, owner, failed, succeeded)
	return err
}

// FailingPartnerJobs counts, for the kit's failing-steps gauges, the
// verified partners whose periodic job of each kind (app.PartnerJobKinds)
// is failing, since its first failure. A suspended partner runs no jobs:
// its failures are left out.
func (s Trade) FailingPartnerJobs(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT f.job, count(*), extract(epoch FROM now() - min(f.failing_since))::float8
		FROM partner_job_failures f JOIN partners p ON p.partner_id = f.partner_id
		WHERE p.status = 'verified' GROUP BY f.job ORDER BY f.job`)
}

// FailingPartnerPayouts counts, for the kit's failing-steps gauges, the
// partner payouts that finance refused to record (kind "unrecorded") and
// those docking could not read and no operator dismissed (kind
// "unreadable"), since docking first saw them: an operator decides on them.
func (s Trade) FailingPartnerPayouts(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT kind, count(*), coalesce(extract(epoch FROM now() - min(first_seen_at)), 0)::float8
		FROM (SELECT CASE WHEN problems = '{}' THEN 'unrecorded' ELSE 'unreadable' END AS kind, first_seen_at FROM partner_payouts
			WHERE recorded_at IS NULL AND ((problems = '{}' AND last_error <> '') OR (problems <> '{}' AND resolved_at IS NULL))) f
		GROUP BY kind`)
}

func (s Trade) ClearOrderPull(ctx context.Context, partnerID uuid.UUID) error {
	_, err := s.pool.Exec(ctx, `UPDATE pull_state SET last_pull_at = NULL, last_settlement_pull_at = NULL, quiet_until = NULL WHERE partner_id = $1`, partnerID)
	return err
}

const pulledColumns = `partner_id, partner_order_id, state, partner_status, order_id, problem, raw, partner_updated_at, first_seen_at, updated_at,
	commission_bps, fixed_fee_minor, fixed_fee_currency, below_listing`

func scanPulled(r pgx.CollectableRow) (app.PulledOrder, error) {
	var o app.PulledOrder
	var bps *int
	var fixed *int64
	var feeCurrency *string
	var gaps []priceGap
	err := r.Scan(&o.PartnerID, &o.PartnerOrderID, &o.State, &o.PartnerStatus, &o.OrderID, &o.Problem, &o.Raw, &o.PartnerUpdatedAt, &o.FirstSeenAt, &o.UpdatedAt,
		&bps, &fixed, &feeCurrency, &gaps)
	if bps != nil {
		o.Terms = &domain.Terms{CommissionBPS: *bps, Fees: domain.Fees{FixedPerOrder: pg.OrZero(fixed), Currency: pg.OrZero(feeCurrency)}}
	}
	for _, g := range gaps {
		o.BelowListing = append(o.BelowListing, domain.PriceGap{SKUID: g.SKUID,
			SoldAt: money.Money{Amount: g.SoldMinor, Currency: g.Currency}, ListedAt: money.Money{Amount: g.ListedMinor, Currency: g.Currency}})
	}
	return o, err
}

// priceGap is a domain.PriceGap as partner_orders.below_listing keeps it
// (both prices are in one currency).
type priceGap struct {
	SKUID       string `json:"sku_id"`
	Currency    string `json:"currency"`
	SoldMinor   int64  `json:"sold_minor"`
	ListedMinor int64  `json:"listed_minor"`
}

// belowListingColumn is an order's gaps as partner_orders keeps them, NULL
// for none.
func belowListingColumn(gaps []domain.PriceGap) []priceGap {
	if len(gaps) == 0 {
		return nil
	}
	out := make([]priceGap, len(gaps))
	for i, g := range gaps {
		out[i] = priceGap{SKUID: g.SKUID, Currency: g.SoldAt.Currency, SoldMinor: g.SoldAt.Amount, ListedMinor: g.ListedAt.Amount}
	}
	return out
}

// termColumns are an order's terms as partner_orders keeps them, all NULL
// for none.
func termColumns(t *domain.Terms) (bps *int, fixed *int64, feeCurrency *string) {
	if t == nil {
		return nil, nil, nil
	}
	return &t.CommissionBPS, &t.Fees.FixedPerOrder, &t.Fees.Currency
}

func (s Trade) GetPulledOrder(ctx context.Context, partnerID uuid.UUID, partnerOrderID string) (app.PulledOrder, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+pulledColumns+` FROM partner_orders WHERE partner_id = $1 AND partner_order_id = $2`, partnerID, partnerOrderID)
	if err != nil {
		return app.PulledOrder{}, false, err
	}
	o, err := pgx.CollectExactlyOneRow(rows, scanPulled)
	if errors.Is(err, pgx.ErrNoRows) {
		return app.PulledOrder{}, false, nil
	}
	return o, err == nil, err
}

// GetPulledOrders reads the pulled orders among ids in one query.
func (s Trade) GetPulledOrders(ctx context.Context, partnerID uuid.UUID, partnerOrderIDs []string) (map[string]app.PulledOrder, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+pulledColumns+` FROM partner_orders WHERE partner_id = $1 AND partner_order_id = ANY($2)`,
		partnerID, partnerOrderIDs)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, scanPulled)
	if err != nil {
		return nil, err
	}
	out := make(map[string]app.PulledOrder, len(found))
	for _, o := range found {
		out[o.PartnerOrderID] = o
	}
	return out, nil
}

// rawJSON is a partner's record as jsonb: JSON as received, or the text
// wrapped as a JSON string when a partner sent something else. jsonb holds
// neither a NUL character, a lone surrogate nor bytes that are not UTF-8:
// JSON holding them is stored decoded and encoded again with U+FFFD in
// their place (jsonb keeps neither the keys' order nor the spacing
// anyway), other text likewise.
func rawJSON(raw []byte) []byte {
	if json.Valid(raw) {
		if !domain.UnstorableJSON(raw) {
			return raw
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		if d.Decode(&v) == nil {
			if b, err := json.Marshal(withoutNUL(v)); err == nil {
				return b
			}
		}
	}
	b, _ := json.Marshal(strings.ReplaceAll(strings.ToValidUTF8(string(raw), "\uFFFD"), "\x00", "\uFFFD"))
	return b
}

// withoutNUL is a decoded JSON value with every NUL character of its
// strings and keys replaced by U+FFFD (decoding replaced invalid UTF-8
// already).
func withoutNUL(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, "\x00", "\uFFFD")
	case []any:
		for i := range v {
			v[i] = withoutNUL(v[i])
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[strings.ReplaceAll(k, "\x00", "\uFFFD")] = withoutNUL(e)
		}
		return out
	default:
		return v
	}
}

// upsertPulled records a pulled order. An imported order stays imported
// with its order and the terms of its import, whatever a later write says; a write of an older version
// than the one recorded (two rounds racing, a lagging search) changes
// neither its state, its status, its problem nor its raw form.
const upsertPulled = `INSERT INTO partner_orders (` + pulledColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
	ON CONFLICT (partner_id, partner_order_id) DO UPDATE SET
		below_listing = CASE WHEN partner_orders.state = 'imported' THEN partner_orders.below_listing ELSE EXCLUDED.below_listing END,
		commission_bps = COALESCE(partner_orders.commission_bps, EXCLUDED.commission_bps),
		fixed_fee_minor = COALESCE(partner_orders.fixed_fee_minor, EXCLUDED.fixed_fee_minor),
		fixed_fee_currency = COALESCE(partner_orders.fixed_fee_currency, EXCLUDED.fixed_fee_currency),
		state = CASE WHEN partner_orders.state = 'imported' THEN 'imported'
			WHEN EXCLUDED.partner_updated_at < partner_orders.partner_updated_at THEN partner_orders.state ELSE EXCLUDED.state END,
		order_id = COALESCE(partner_orders.order_id, EXCLUDED.order_id),
		partner_status = CASE WHEN EXCLUDED.partner_updated_at < partner_orders.partner_updated_at
			THEN partner_orders.partner_status ELSE EXCLUDED.partner_status END,
		problem = CASE WHEN EXCLUDED.partner_updated_at < partner_orders.partner_updated_at
			THEN partner_orders.problem ELSE EXCLUDED.problem END,
		raw = CASE WHEN EXCLUDED.partner_updated_at < partner_orders.partner_updated_at THEN partner_orders.raw ELSE EXCLUDED.raw END,
		partner_updated_at = GREATEST(partner_orders.partner_updated_at, EXCLUDED.partner_updated_at), updated_at = EXCLUDED.updated_at`

const insertPulledSub = `INSERT INTO partner_sub_orders (partner_id, partner_order_id, sub_order_id, supplier_id, currency, goods_minor, item_ids)
	VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`

func (s Trade) SavePulledOrder(ctx context.Context, o app.PulledOrder, subs []app.ImportedSubOrder) error {
	return s.SavePulledOrders(ctx, []app.PulledRecord{{Order: o, SubOrders: subs}})
}

// SavePulledOrders records pulled orders in one transaction, its
// statements sent in one round trip. Rows are written in key order, so two
// writers of the same orders wait for each other instead of deadlocking.
func (s Trade) SavePulledOrders(ctx context.Context, recs []app.PulledRecord) error {
	if len(recs) == 0 {
		return nil
	}
	recs = slices.Clone(recs)
	slices.SortStableFunc(recs, func(a, b app.PulledRecord) int {
		return cmp.Or(bytes.Compare(a.Order.PartnerID[:], b.Order.PartnerID[:]), strings.Compare(a.Order.PartnerOrderID, b.Order.PartnerOrderID))
	})
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range recs {
			o := r.Order
			bps, fixed, feeCurrency := termColumns(o.Terms)
			b.Queue(upsertPulled, o.PartnerID, o.PartnerOrderID, o.State, o.PartnerStatus, o.OrderID, o.Problem, rawJSON(o.Raw),
				o.PartnerUpdatedAt, o.FirstSeenAt, o.UpdatedAt, bps, fixed, feeCurrency, belowListingColumn(o.BelowListing))
			for _, sub := range r.SubOrders {
				b.Queue(insertPulledSub, o.PartnerID, o.PartnerOrderID, sub.SubOrderID, sub.SupplierID, sub.Currency, sub.GoodsMinor, sub.ItemIDs)
			}
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

func (s Trade) ListPulledOrders(ctx context.Context, f app.PulledOrderFilter) ([]app.PulledOrder, string, error) {
	query := f
	query.Page, query.Limit = "", 0 // the token is bound to the filter, not to a page
	cur, err := decodeCursor(f.Page, query)
	if err != nil {
		return nil, "", err
	}
	args := []any{f.PartnerID, f.State, f.Limit + 1, nil, "", f.BelowListingOnly}
	if cur != nil {
		args[3], args[4] = cur.At, cur.Key
	}
	rows, err := s.pool.Query(ctx, `SELECT `+pulledColumns+` FROM partner_orders WHERE partner_id = $1 AND ($2 = '' OR state = $2)
		AND (NOT $6 OR below_listing IS NOT NULL)
		AND ($4::timestamptz IS NULL OR (first_seen_at, partner_order_id) < ($4, $5))
		ORDER BY first_seen_at DESC, partner_order_id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, "", err
	}
	return collectPage(rows, scanPulled, f.Limit, query, func(last app.PulledOrder) listCursor {
		return listCursor{At: last.FirstSeenAt, Key: last.PartnerOrderID}
	})
}

func (s Trade) SubOrdersOf(ctx context.Context, partnerID uuid.UUID, partnerOrderID string) ([]app.ImportedSubOrder, error) {
	rows, err := s.pool.Query(ctx, `SELECT sub_order_id, supplier_id, currency, goods_minor, item_ids FROM partner_sub_orders
		WHERE partner_id = $1 AND partner_order_id = $2 ORDER BY sub_order_id`, partnerID, partnerOrderID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.ImportedSubOrder, error) {
		var o app.ImportedSubOrder
		var sub, supplier uuid.UUID
		err := r.Scan(&sub, &supplier, &o.Currency, &o.GoodsMinor, &o.ItemIDs)
		o.SubOrderID, o.SupplierID = sub.String(), supplier.String()
		return o, err
	})
}

const waybillColumns = `sub_order_id, partner_code, partner_order_id, carrier_code, waybill, queued_at, due_at, attempts, confirmed_at, already, held, last_error`

func (s Trade) DueWaybills(ctx context.Context, now time.Time, limit int) ([]app.Waybill, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+waybillColumns+` FROM waybills WHERE confirmed_at IS NULL AND NOT held AND due_at <= $1
		ORDER BY due_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Waybill, error) {
		var w app.Waybill
		err := r.Scan(&w.SubOrderID, &w.PartnerCode, &w.PartnerOrderID, &w.CarrierCode, &w.Waybill, &w.QueuedAt, &w.DueAt, &w.Attempts,
			&w.ConfirmedAt, &w.Already, &w.Held, &w.LastError)
		return w, err
	})
}

func (s Trade) SaveWaybill(ctx context.Context, w app.Waybill) error {
	_, err := s.pool.Exec(ctx, `UPDATE waybills SET due_at = $2, attempts = $3, confirmed_at = $4, already = $5, held = $6, last_error = $7,
			failing_since = CASE WHEN $4::timestamptz IS NULL AND ($6 OR $7 <> '') THEN coalesce(failing_since, now()) END
		WHERE sub_order_id = $1 AND confirmed_at IS NULL`, w.SubOrderID, w.DueAt, w.Attempts, w.ConfirmedAt, w.Already, w.Held, w.LastError)
	return err
}

// FailingPartnerOrders counts, for the kit's failing-steps gauges, the
// paid partner orders docking could not place (kind "held", since first
// pulled): the partner's buyer paid and nothing ships until an operator acts.
func (s Trade) FailingPartnerOrders(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT 'held', count(*), coalesce(extract(epoch FROM now() - min(first_seen_at)), 0)::float8
		FROM partner_orders WHERE state = 'held' HAVING count(*) > 0`)
}

// FailingWaybills counts the waybills whose confirmation to the partner
// fails (kind "retrying") or was held for an operator ("held"), for the
// kit's failing-steps gauges.
func (s Trade) FailingWaybills(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT CASE WHEN held THEN 'held' ELSE 'retrying' END, count(*),
			extract(epoch FROM now() - min(failing_since))::float8
		FROM waybills WHERE failing_since IS NOT NULL AND confirmed_at IS NULL GROUP BY 1 ORDER BY 1`)
}

const lineColumns = `partner_id, line_id, partner_order_id, currency, gross_minor, fees_currency, fees_minor, settled_at, raw, state,
	order_id, expected_currency, expected_gross_minor, expected_fees_minor, first_seen_at, reconciled_at, credited_at,
	resolved_from, resolution_note, resolved_by, resolved_at, problems`

func scanLine(r pgx.CollectableRow) (app.StoredLine, error) {
	var l app.StoredLine
	var res domain.LineResolution
	var resolvedAt *time.Time
	err := r.Scan(&l.PartnerID, &l.LineID, &l.PartnerOrderID, &l.Gross.Currency, &l.Gross.Amount, &l.Fees.Currency, &l.Fees.Amount,
		&l.SettledAt, &l.Raw, &l.State, &l.OrderID, &l.Expected.Currency, &l.Expected.GrossMinor, &l.Expected.FeesMinor, &l.FirstSeenAt,
		&l.ReconciledAt, &l.CreditedAt, &res.From, &res.Note, &res.By, &resolvedAt, &l.Problems)
	if resolvedAt != nil {
		res.At = *resolvedAt
		l.Resolution = &res
	}
	return l, err
}

// lineKey names one partner's settlement line.
type lineKey struct {
	partnerID uuid.UUID
	lineID    string
}

// errLineNotFound is a line the partner does not have.
func errLineNotFound(lineID string) error { return apperr.NotFound("settlement line", lineID) }

// readLine reads one partner's line, under its row lock when forUpdate.
func readLine(ctx context.Context, q pg.Querier, k lineKey, forUpdate bool) (app.StoredLine, error) {
	sql := `SELECT ` + lineColumns + ` FROM settlement_lines WHERE partner_id = $1 AND line_id = $2`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, k.partnerID, k.lineID)
	if err != nil {
		return app.StoredLine{}, err
	}
	l, err := pgx.CollectExactlyOneRow(rows, scanLine)
	return l, pg.NoRows(err, errLineNotFound(k.lineID))
}

func lockLine(ctx context.Context, q pg.Querier, k lineKey) (app.StoredLine, error) {
	return readLine(ctx, q, k, true)
}

// saveResolution writes an operator's resolution: the state and who, why
// and when; the partner's figures and what we expected stay as they were.
func saveResolution(ctx context.Context, q pg.Querier, l app.StoredLine) error {
	var res domain.LineResolution
	var at *time.Time
	if l.Resolution != nil {
		res, at = *l.Resolution, &l.Resolution.At
	}
	tag, err := q.Exec(ctx, `UPDATE settlement_lines SET state = $3, resolved_from = $4, resolution_note = $5, resolved_by = $6, resolved_at = $7
		WHERE partner_id = $1 AND line_id = $2`, l.PartnerID, l.LineID, l.State, res.From, res.Note, res.By, at)
	return pg.Affected(tag, err, errLineNotFound(l.LineID))
}

func (s Trade) GetLine(ctx context.Context, partnerID uuid.UUID, lineID string) (app.StoredLine, error) {
	return readLine(ctx, s.pool, lineKey{partnerID, lineID}, false)
}

// UpdateLine changes a line under its lock. A change that would make it a
// second line settling its order is app.ErrOrderAlreadySettled
// (settlement_lines_one_settling).
func (s Trade) UpdateLine(ctx context.Context, partnerID uuid.UUID, lineID string, change func(*app.StoredLine) error) (app.StoredLine, error) {
	var order string
	l, err := s.lines.Update(ctx, s.pool, lineKey{partnerID, lineID}, func(l *app.StoredLine) ([]outbox.Message, error) {
		order = l.PartnerOrderID
		return nil, change(l)
	})
	if pg.IsUniqueViolation(err, oneSettlingLine) {
		return app.StoredLine{}, s.alreadySettled(ctx, partnerID, order, lineID)
	}
	return l, err
}

// oneSettlingLine is the index that lets one line settle a partner order.
const oneSettlingLine = "settlement_lines_one_settling"

// alreadySettled is app.ErrOrderAlreadySettled naming the line that
// settled the order, when it can be read.
func (s Trade) alreadySettled(ctx context.Context, partnerID uuid.UUID, partnerOrderID, lineID string) error {
	if by, err := s.LineSettling(ctx, partnerID, partnerOrderID, lineID); err == nil && by != "" {
		return app.ErrOrderAlreadySettled.WithMetadata("settled_by", by)
	}
	return app.ErrOrderAlreadySettled
}

func (s Trade) SaveSettlementLine(ctx context.Context, l app.StoredLine) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO settlement_lines (partner_id, line_id, partner_order_id, currency, gross_minor, fees_currency, fees_minor,
			settled_at, raw, state, first_seen_at, problems) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (partner_id, line_id) DO UPDATE SET partner_order_id = EXCLUDED.partner_order_id, currency = EXCLUDED.currency,
			gross_minor = EXCLUDED.gross_minor, fees_currency = EXCLUDED.fees_currency, fees_minor = EXCLUDED.fees_minor,
			settled_at = EXCLUDED.settled_at, raw = EXCLUDED.raw, state = EXCLUDED.state, problems = EXCLUDED.problems
		WHERE settlement_lines.state = 'unreadable' AND EXCLUDED.state = 'new'`,
		l.PartnerID, l.LineID, l.PartnerOrderID, l.Gross.Currency, l.Gross.Amount, l.Fees.Currency, l.Fees.Amount, l.SettledAt,
		rawJSON(l.Raw), l.State, l.FirstSeenAt, problemsOf(l.Problems))
	return err
}

func (s Trade) OpenLines(ctx context.Context, partnerID uuid.UUID, limit int) ([]app.StoredLine, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+lineColumns+` FROM settlement_lines WHERE partner_id = $1 AND state IN ('new', 'missing')
		ORDER BY reconciled_at NULLS FIRST, settled_at LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanLine)
}

// SaveLineState records a round's reconciliation of an open line. A line
// resolved meanwhile, or matched while another line of its order settled
// it meanwhile (settlement_lines_one_settling), is not saved: it stays open,
// and the next round reconciles it again.
func (s Trade) SaveLineState(ctx context.Context, l app.StoredLine) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE settlement_lines SET state = $3, order_id = $4, expected_currency = $5, expected_gross_minor = $6,
		expected_fees_minor = $7, reconciled_at = $8 WHERE partner_id = $1 AND line_id = $2 AND state IN ('new', 'missing')`,
		l.PartnerID, l.LineID, l.State, l.OrderID, l.Expected.Currency, l.Expected.GrossMinor, l.Expected.FeesMinor, l.ReconciledAt)
	if pg.IsUniqueViolation(err, oneSettlingLine) {
		return false, nil
	}
	return err == nil && tag.RowsAffected() == 1, err
}

// LineSettling returns the line (other than exceptLine) that settled a
// partner order, matched or accepted, or "" when none did.
func (s Trade) LineSettling(ctx context.Context, partnerID uuid.UUID, partnerOrderID, exceptLine string) (string, error) {
	var lineID string
	err := s.pool.QueryRow(ctx, `SELECT line_id FROM settlement_lines WHERE partner_id = $1 AND partner_order_id = $2
		AND line_id <> $3 AND state IN ('matched', 'accepted') ORDER BY line_id LIMIT 1`, partnerID, partnerOrderID, exceptLine).Scan(&lineID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return lineID, err
}

func (s Trade) UncreditedLines(ctx context.Context, partnerID uuid.UUID, limit int) ([]app.StoredLine, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+lineColumns+` FROM settlement_lines
		WHERE partner_id = $1 AND state IN ('matched', 'accepted') AND credited_at IS NULL
		ORDER BY credit_refused_at NULLS FIRST, COALESCE(resolved_at, reconciled_at), line_id LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanLine)
}

func (s Trade) MarkLineCredited(ctx context.Context, partnerID uuid.UUID, lineID string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE settlement_lines SET credited_at = $3
		WHERE partner_id = $1 AND line_id = $2 AND state IN ('matched', 'accepted') AND credited_at IS NULL`, partnerID, lineID, at)
	return err
}

func (s Trade) MarkLineCreditRefused(ctx context.Context, partnerID uuid.UUID, lineID string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE settlement_lines SET credit_refused_at = $3
		WHERE partner_id = $1 AND line_id = $2 AND credited_at IS NULL`, partnerID, lineID, at)
	return err
}

func (s Trade) ListLines(ctx context.Context, f app.LineFilter) ([]app.StoredLine, string, error) {
	query := f
	query.Page, query.Limit = "", 0 // the token is bound to the filter, not to a page
	cur, err := decodeCursor(f.Page, query)
	if err != nil {
		return nil, "", err
	}
	args := []any{f.PartnerID, string(f.State), f.Limit + 1, nil, ""}
	if cur != nil {
		args[3], args[4] = cur.At, cur.Key
	}
	rows, err := s.pool.Query(ctx, `SELECT `+lineColumns+` FROM settlement_lines WHERE partner_id = $1 AND ($2 = '' OR state = $2)
		AND ($4::timestamptz IS NULL OR (settled_at, line_id) < ($4, $5))
		ORDER BY settled_at DESC, line_id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, "", err
	}
	return collectPage(rows, scanLine, f.Limit, query, func(last app.StoredLine) listCursor { return listCursor{At: last.SettledAt, Key: last.LineID} })
}

func (s Trade) SavePayout(ctx context.Context, p app.StoredPayout) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO partner_payouts (partner_id, payout_id, amount_minor, currency, paid_at, raw, first_seen_at, problems)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (partner_id, payout_id) DO UPDATE SET amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency,
			paid_at = EXCLUDED.paid_at, raw = EXCLUDED.raw, problems = EXCLUDED.problems
		WHERE partner_payouts.problems <> '{}' AND partner_payouts.resolved_at IS NULL AND EXCLUDED.problems = '{}'`,
		p.PartnerID, p.PayoutID, p.Amount.Amount, p.Amount.Currency, p.PaidAt, rawJSON(p.Raw), p.FirstSeenAt, problemsOf(p.Problems))
	return err
}

func (s Trade) UnrecordedPayouts(ctx context.Context, partnerID uuid.UUID, limit int) ([]app.StoredPayout, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+payoutColumns+`
		FROM partner_payouts WHERE partner_id = $1 AND recorded_at IS NULL AND problems = '{}'
		ORDER BY paid_at, payout_id LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanPayout)
}

// SavePayoutRecord never unrecords a payout: an operator's resolution and
// a settlement round may ask finance about the same payout at once, and a
// refusal the round saves after the resolution's recording must not undo
// it.
func (s Trade) SavePayoutRecord(ctx context.Context, partnerID uuid.UUID, payoutID string, recordedAt *time.Time, unallocated int64, msg string) error {
	if recordedAt == nil {
		_, err := s.pool.Exec(ctx, `UPDATE partner_payouts SET last_error = $3
			WHERE partner_id = $1 AND payout_id = $2 AND recorded_at IS NULL`, partnerID, payoutID, msg)
		return err
	}
	_, err := s.pool.Exec(ctx, `UPDATE partner_payouts SET recorded_at = $3, unallocated_minor = $4, last_error = ''
		WHERE partner_id = $1 AND payout_id = $2 AND recorded_at IS NULL`, partnerID, payoutID, recordedAt, unallocated)
	return err
}

func (s Trade) ResolvePayout(ctx context.Context, partnerID uuid.UUID, payoutID string, dismiss bool, r app.PayoutResolution) (app.StoredPayout, error) {
	rows, err := s.pool.Query(ctx, `UPDATE partner_payouts SET resolution_note = $3, resolved_by = $4, resolved_at = $5
		WHERE partner_id = $1 AND payout_id = $2 AND recorded_at IS NULL AND resolved_at IS NULL AND (problems <> '{}') = $6
		RETURNING `+payoutColumns, partnerID, payoutID, r.Note, r.By, r.At, dismiss)
	if err != nil {
		return app.StoredPayout{}, err
	}
	po, err := pgx.CollectExactlyOneRow(rows, scanPayout)
	if !errors.Is(err, pgx.ErrNoRows) {
		return po, err
	}
	// Not the payout the decision is about (read whole or not), resolved
	// before (answered as it is), recorded without a resolution, or not
	// the partner's.
	po, err = s.GetPayout(ctx, partnerID, payoutID)
	switch {
	case err != nil:
		return app.StoredPayout{}, err
	case po.RecordedAt != nil && po.Resolution == nil:
		return app.StoredPayout{}, domain.ErrPayoutRecorded
	case dismiss && len(po.Problems) == 0:
		return app.StoredPayout{}, domain.ErrPayoutReadable
	case !dismiss && len(po.Problems) > 0:
		return app.StoredPayout{}, domain.ErrPayoutUnreadable
	case po.Resolution != nil:
		return po, nil
	default:
		return app.StoredPayout{}, domain.ErrPayoutRecorded
	}
}

func (s Trade) GetPayout(ctx context.Context, partnerID uuid.UUID, payoutID string) (app.StoredPayout, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+payoutColumns+` FROM partner_payouts WHERE partner_id = $1 AND payout_id = $2`, partnerID, payoutID)
	if err != nil {
		return app.StoredPayout{}, err
	}
	po, err := pgx.CollectExactlyOneRow(rows, scanPayout)
	return po, pg.NoRows(err, apperr.NotFound("payout", payoutID))
}

const payoutColumns = `partner_id, payout_id, amount_minor, currency, paid_at, raw, first_seen_at, recorded_at, last_error,
	resolution_note, resolved_by, resolved_at, unallocated_minor, problems`

func scanPayout(r pgx.CollectableRow) (app.StoredPayout, error) {
	var p app.StoredPayout
	var note, by *string
	var at *time.Time
	err := r.Scan(&p.PartnerID, &p.PayoutID, &p.Amount.Amount, &p.Amount.Currency, &p.PaidAt, &p.Raw, &p.FirstSeenAt, &p.RecordedAt, &p.LastError,
		&note, &by, &at, &p.Unallocated, &p.Problems)
	if at != nil {
		p.Resolution = &app.PayoutResolution{Note: *note, By: *by, At: *at}
	}
	return p, err
}

// payoutState is a payout's state as app.StoredPayout.State tells it.
const payoutState = `CASE WHEN recorded_at IS NOT NULL THEN 'recorded' WHEN problems = '{}' THEN 'waiting'
	WHEN resolved_at IS NULL THEN 'unreadable' ELSE 'dismissed' END`

func (s Trade) ListPayouts(ctx context.Context, f app.PayoutFilter) ([]app.StoredPayout, string, error) {
	query := f
	query.Page, query.Limit = "", 0 // the token is bound to the filter, not to a page
	cur, err := decodeCursor(f.Page, query)
	if err != nil {
		return nil, "", err
	}
	args := []any{f.PartnerID, f.State, f.Limit + 1, nil, ""}
	if cur != nil {
		args[3], args[4] = cur.At, cur.Key
	}
	rows, err := s.pool.Query(ctx, `SELECT `+payoutColumns+` FROM partner_payouts WHERE partner_id = $1
		AND ($2 = '' OR $2 = `+payoutState+`)
		AND ($4::timestamptz IS NULL OR (paid_at, payout_id) < ($4, $5))
		ORDER BY paid_at DESC, payout_id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, "", err
	}
	return collectPage(rows, scanPayout, f.Limit, query, func(last app.StoredPayout) listCursor { return listCursor{At: last.PaidAt, Key: last.PayoutID} })
}

func (s Trade) Activity(ctx context.Context, partnerID uuid.UUID, start time.Time) (app.Activity, error) {
	a := app.Activity{Listings: map[domain.ListingStatus]int64{}}
	st, err := s.PullState(ctx, partnerID, start)
	if err != nil {
		return a, err
	}
	a.PullState = st
	rows, err := s.pool.Query(ctx, `SELECT status, count(*) FROM listings WHERE partner_id = $1 GROUP BY status`, partnerID)
	if err != nil {
		return a, err
	}
	var status domain.ListingStatus
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&status, &n}, func() error { a.Listings[status] = n; return nil }); err != nil {
		return a, err
	}
	err = s.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM partner_orders WHERE partner_id = $1 AND state = 'imported'),
			(SELECT count(*) FROM partner_orders WHERE partner_id = $1 AND state = 'held'),
			(SELECT count(*) FROM waybills w JOIN partners p ON p.code = w.partner_code WHERE p.partner_id = $1 AND w.confirmed_at IS NULL),
			(SELECT count(*) FROM settlement_lines WHERE partner_id = $1 AND state IN ('new', 'missing', 'mismatch', 'unreadable')),
			(SELECT count(*) FROM settlement_lines WHERE partner_id = $1 AND state IN ('matched', 'accepted') AND credited_at IS NULL),
			(SELECT count(*) FROM partner_payouts WHERE partner_id = $1 AND recorded_at IS NULL AND (problems = '{}' OR resolved_at IS NULL))`, partnerID).
		Scan(&a.OrdersImported, &a.OrdersHeld, &a.WaybillsPending, &a.LinesUnreconciled, &a.LinesUncredited, &a.PayoutsUnrecorded)
	return a, err
}

// WithPartnerLock holds a session advisory lock on a connection of its own
// while fn runs, so one replica at a time runs a partner's job; another
// replica holding it makes this one skip.
func (s Trade) WithPartnerLock(ctx context.Context, partnerID uuid.UUID, job string, fn func(context.Context) error) (bool, error) {
	return withJobLock(ctx, s.pool, partnerID, job, fn)
}

// withJobLock runs fn under a session advisory lock named by owner and
// job, held on a connection of its own, unless another session holds it:
// then ran is false and fn does not run.
func withJobLock(ctx context.Context, pool *pgxpool.Pool, owner uuid.UUID, job string, fn func(context.Context) error) (ran bool, err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	h := fnv.New64a()
	h.Write(owner[:])
	h.Write([]byte(job))
	key := int64(h.Sum64())
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil || !got {
		return false, err
	}
	defer func() {
		// A lock left behind by a failed unlock dies with the connection.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	return true, fn(ctx)
}

// problemsOf is a line's problems as the column takes them: an empty
// array, never NULL, for a line read whole.
func problemsOf(problems []string) []string {
	if problems == nil {
		return []string{}
	}
	return problems
}
