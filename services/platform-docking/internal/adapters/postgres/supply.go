package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/service"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// Supply implements app.SupplyStore on the pool, sealing every platform's
// secrets under the key ring.
type Supply struct {
	pool      *pgxpool.Pool
	keys      *kek.Ring
	platforms pg.Repository[uuid.UUID, domain.SupplyPlatform]
}

var _ app.SupplyStore = Supply{}

// NewSupply returns the supply store on pool that seals secrets under
// keys.
func NewSupply(pool *pgxpool.Pool, keys *kek.Ring) Supply {
	s := Supply{pool: pool, keys: keys}
	s.platforms = pg.Repository[uuid.UUID, domain.SupplyPlatform]{Lock: s.lockPlatform, Save: s.savePlatform}
	return s
}

// supplySecrets is the plaintext sealed into secrets_sealed: the ERP key
// and every account's API key, by account id, retired accounts' included.
type supplySecrets struct {
	ERPKey  string            `json:"erp_key"`
	APIKeys map[string]string `json:"api_keys"`
}

// supplyRow is a platform's columns as stored: account ids plain, every
// secret sealed in one value with the platform id as associated data.
type supplyRow struct {
	defaults  supplyDefaults
	merchants map[string]string
	retired   []string
	kid       string
	sealed    []byte
}

// row seals a platform's secrets and lays out its accounts for storing.
func (s Supply) row(p domain.SupplyPlatform) (supplyRow, error) {
	secrets := supplySecrets{ERPKey: p.ERPKey, APIKeys: map[string]string{p.Default.AccountID: p.Default.APIKey}}
	r := supplyRow{merchants: map[string]string{}, retired: []string{}}
	for m, a := range p.Merchants {
		r.merchants[m.String()] = a.AccountID
		secrets.APIKeys[a.AccountID] = a.APIKey
	}
	for id, a := range p.Retired {
		r.retired = append(r.retired, id)
		secrets.APIKeys[id] = a.APIKey
	}
	slices.Sort(r.retired)
	plain, err := json.Marshal(secrets)
	if err != nil {
		return supplyRow{}, err
	}
	r.kid, r.sealed = s.keys.Seal(plain, p.ID[:])
	d := p.Defaults
	r.defaults = supplyDefaults{d.ModelID, d.CategoryID, d.BrandID, d.OriginCountry, d.OriginRegion, d.Locale, d.WarehouseID}
	return r, nil
}

type supplyDefaults struct {
	ModelID       string `json:"model_id"`
	CategoryID    string `json:"category_id"`
	BrandID       string `json:"brand_id"`
	OriginCountry string `json:"origin_country"`
	OriginRegion  string `json:"origin_region"`
	Locale        string `json:"locale"`
	WarehouseID   string `json:"warehouse_id"`
}

const supplyColumns = `platform_id, code, name, endpoint, supplier_org_id, erp_client_id, defaults, default_account_id,
	merchant_accounts, retired_account_ids, secrets_kid, secrets_sealed, created_at, updated_at`

func (s Supply) CreateSupplyPlatform(ctx context.Context, p domain.SupplyPlatform) error {
	r, err := s.row(p)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO supply_platforms (`+supplyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		p.ID, p.Code, p.Name, p.Endpoint, p.SupplierOrgID, p.ERPClientID, r.defaults, p.Default.AccountID,
		r.merchants, r.retired, r.kid, r.sealed, p.CreatedAt, p.UpdatedAt)
	switch {
	case pg.IsUniqueViolation(err, "supply_platforms_code_key"):
		return apperr.AlreadyExists("a supply platform with code " + p.Code + " exists").WithReason("SUPPLY_PLATFORM_CODE_TAKEN")
	case pg.IsUniqueViolation(err, "supply_platforms_supplier_org_id_key"):
		return apperr.AlreadyExists("supplier " + p.SupplierOrgID.String() + " is another supply platform's").WithReason("SUPPLIER_TAKEN")
	}
	return err
}

func (s Supply) scanPlatform(row pgx.Row) (domain.SupplyPlatform, error) {
	var p domain.SupplyPlatform
	var d supplyDefaults
	var merchants map[string]string
	var retired []string
	var kid string
	var sealed []byte
	if err := row.Scan(&p.ID, &p.Code, &p.Name, &p.Endpoint, &p.SupplierOrgID, &p.ERPClientID, &d, &p.Default.AccountID,
		&merchants, &retired, &kid, &sealed, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return p, err
	}
	plain, err := s.keys.Open(kid, sealed, p.ID[:])
	if err != nil {
		return p, fmt.Errorf("open the secrets of supply platform %s: %w", p.ID, err)
	}
	var sec supplySecrets
	if err := json.Unmarshal(plain, &sec); err != nil {
		return p, fmt.Errorf("read the secrets of supply platform %s: %w", p.ID, err)
	}
	p.Defaults = domain.SupplyDefaults{ModelID: d.ModelID, CategoryID: d.CategoryID, BrandID: d.BrandID,
		OriginCountry: d.OriginCountry, OriginRegion: d.OriginRegion, Locale: d.Locale, WarehouseID: d.WarehouseID}
	p.ERPKey, p.Default.APIKey = sec.ERPKey, sec.APIKeys[p.Default.AccountID]
	p.Merchants = make(map[uuid.UUID]domain.SupplyAccount, len(merchants))
	for m, account := range merchants {
		id, err := uuid.Parse(m)
		if err != nil {
			return p, fmt.Errorf("supply platform %s: merchant %q: %w", p.ID, m, err)
		}
		p.Merchants[id] = domain.SupplyAccount{AccountID: account, APIKey: sec.APIKeys[account]}
	}
	if len(retired) > 0 {
		p.Retired = make(map[string]domain.SupplyAccount, len(retired))
		for _, account := range retired {
			p.Retired[account] = domain.SupplyAccount{AccountID: account, APIKey: sec.APIKeys[account]}
		}
	}
	return p, nil
}

// UpdateSupplyPlatform is the read-modify-write of one platform under its
// row lock.
func (s Supply) UpdateSupplyPlatform(ctx context.Context, id uuid.UUID, change func(*domain.SupplyPlatform) error) (domain.SupplyPlatform, error) {
	return s.platforms.Update(ctx, s.pool, id, func(p *domain.SupplyPlatform) ([]outbox.Message, error) {
		return nil, change(p)
	})
}

func (s Supply) lockPlatform(ctx context.Context, q pg.Querier, id uuid.UUID) (domain.SupplyPlatform, error) {
	p, err := s.scanPlatform(q.QueryRow(ctx, `SELECT `+supplyColumns+` FROM supply_platforms WHERE platform_id = $1 FOR UPDATE`, id))
	return p, pg.NoRows(err, apperr.NotFound("supply platform", id.String()))
}

// savePlatform writes the changed fields back with the secrets sealed
// again; the code and the supplier organization never change.
func (s Supply) savePlatform(ctx context.Context, q pg.Querier, p domain.SupplyPlatform) error {
	r, err := s.row(p)
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx, `UPDATE supply_platforms SET name = $2, endpoint = $3, erp_client_id = $4, defaults = $5, default_account_id = $6,
		merchant_accounts = $7, retired_account_ids = $8, secrets_kid = $9, secrets_sealed = $10, updated_at = $11
		WHERE platform_id = $1`,
		p.ID, p.Name, p.Endpoint, p.ERPClientID, r.defaults, p.Default.AccountID, r.merchants, r.retired, r.kid, r.sealed, p.UpdatedAt)
	return pg.Affected(tag, err, apperr.NotFound("supply platform", p.ID.String()))
}

func (s Supply) SupplyAccountsInUse(ctx context.Context, id uuid.UUID) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT account_id FROM supply_orders
		WHERE platform_id = $1 AND state IN ('queued', 'placed', 'held') AND account_id <> ''`, id)
	if err != nil {
		return nil, err
	}
	accounts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	out := make(map[string]bool, len(accounts))
	for _, a := range accounts {
		out[a] = true
	}
	return out, err
}

func (s Supply) GetSupplyPlatform(ctx context.Context, id uuid.UUID) (domain.SupplyPlatform, error) {
	p, err := s.scanPlatform(s.pool.QueryRow(ctx, `SELECT `+supplyColumns+` FROM supply_platforms WHERE platform_id = $1`, id))
	return p, pg.NoRows(err, apperr.NotFound("supply platform", id.String()))
}

func (s Supply) ListSupplyPlatforms(ctx context.Context) ([]domain.SupplyPlatform, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+supplyColumns+` FROM supply_platforms ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.SupplyPlatform
	for rows.Next() {
		p, err := s.scanPlatform(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s Supply) SupplyState(ctx context.Context, id uuid.UUID) (app.SupplyState, error) {
	var st app.SupplyState
	err := s.pool.QueryRow(ctx, `SELECT import_watermark, last_import_at, last_stock_sync_at, last_error, last_error_at, quiet_until
		FROM supply_state WHERE platform_id = $1`, id).Scan(&st.ImportWatermark, &st.LastImportAt, &st.LastStockSyncAt, &st.LastError, &st.LastErrorAt, &st.QuietUntil)
	if err == pgx.ErrNoRows {
		return app.SupplyState{}, nil
	}
	return st, err
}

func (s Supply) SaveImportWatermark(ctx context.Context, id uuid.UUID, watermark, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO supply_state (platform_id, import_watermark, last_import_at) VALUES ($1, $2, $3)
		ON CONFLICT (platform_id) DO UPDATE SET import_watermark = GREATEST(supply_state.import_watermark, $2), last_import_at = $3`, id, watermark, at)
	return err
}

func (s Supply) SaveStockSync(ctx context.Context, id uuid.UUID, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO supply_state (platform_id, last_stock_sync_at) VALUES ($1, $2)
		ON CONFLICT (platform_id) DO UPDATE SET last_stock_sync_at = $2`, id, at)
	return err
}

func (s Supply) RecordSupplyFailure(ctx context.Context, id uuid.UUID, msg string, at, quietUntil time.Time) error {
	var quiet *time.Time
	if !quietUntil.IsZero() {
		quiet = &quietUntil
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO supply_state (platform_id, last_error, last_error_at, quiet_until) VALUES ($1, $2, $3, $4)
		ON CONFLICT (platform_id) DO UPDATE SET last_error = $2, last_error_at = $3, quiet_until = COALESCE($4, supply_state.quiet_until)`,
		id, msg, at, quiet)
	return err
}

const supplyProductColumns = `platform_id, platform_product_id, product_id, fingerprint, state, problem, updated_at, deferred, deferred_since`

func scanSupplyProduct(r pgx.CollectableRow) (app.SupplyProductRecord, error) {
	var rec app.SupplyProductRecord
	var product *uuid.UUID
	err := r.Scan(&rec.PlatformID, &rec.PlatformProductID, &product, &rec.Fingerprint, &rec.State, &rec.Problem, &rec.UpdatedAt,
		&rec.Deferred, &rec.DeferredSince)
	if product != nil {
		rec.ProductID = *product
	}
	return rec, err
}

func (s Supply) SupplyProducts(ctx context.Context, platformID uuid.UUID, ids []string) (map[string]app.SupplyProductRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+supplyProductColumns+` FROM supply_products WHERE platform_id = $1 AND platform_product_id = ANY($2)`, platformID, ids)
	if err != nil {
		return nil, err
	}
	recs, err := pgx.CollectRows(rows, scanSupplyProduct)
	out := make(map[string]app.SupplyProductRecord, len(recs))
	for _, r := range recs {
		out[r.PlatformProductID] = r
	}
	return out, err
}

func (s Supply) SupplyProductOf(ctx context.Context, productID uuid.UUID) (app.SupplyProductRecord, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+supplyProductColumns+` FROM supply_products WHERE product_id = $1 LIMIT 1`, productID)
	if err != nil {
		return app.SupplyProductRecord{}, false, err
	}
	recs, err := pgx.CollectRows(rows, scanSupplyProduct)
	if err != nil || len(recs) == 0 {
		return app.SupplyProductRecord{}, false, err
	}
	return recs[0], true, nil
}

// SaveSupplyProduct stores the record and its SKUs in one transaction; a
// product deferred keeps the time of its first deferral.
func (s Supply) SaveSupplyProduct(ctx context.Context, r app.SupplyProductRecord, skus map[string]uuid.UUID) error {
	var product *uuid.UUID
	if r.ProductID != uuid.Nil {
		product = &r.ProductID
	}
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO supply_products (`+supplyProductColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $8::jsonb IS NULL THEN NULL ELSE now() END)
			ON CONFLICT (platform_id, platform_product_id) DO UPDATE SET product_id = $3, fingerprint = $4, state = $5, problem = $6, updated_at = $7,
				deferred = $8, deferred_since = CASE WHEN $8::jsonb IS NULL THEN NULL ELSE COALESCE(supply_products.deferred_since, now()) END`,
			r.PlatformID, r.PlatformProductID, product, r.Fingerprint, r.State, r.Problem, r.UpdatedAt, r.Deferred); err != nil {
			return err
		}
		for code, sku := range skus {
			if _, err := tx.Exec(ctx, `INSERT INTO supply_skus (platform_id, sku_id, sku_code, product_id) VALUES ($1, $2, $3, $4)
				ON CONFLICT (platform_id, sku_code) DO UPDATE SET sku_id = $2, product_id = $4`, r.PlatformID, sku, code, r.ProductID); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s Supply) SubmittedSupplyProducts(ctx context.Context, platformID uuid.UUID, limit int) ([]app.SupplyProductRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+supplyProductColumns+` FROM supply_products
		WHERE platform_id = $1 AND state = 'submitted' ORDER BY approval_checked_at NULLS FIRST, updated_at LIMIT $2`, platformID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanSupplyProduct)
}

func (s Supply) ApprovalChecked(ctx context.Context, platformID uuid.UUID, platformProductIDs []string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE supply_products SET approval_checked_at = $3
		WHERE platform_id = $1 AND platform_product_id = ANY($2) AND state = 'submitted'`, platformID, platformProductIDs, at)
	return err
}

func (s Supply) ImportedSKUCodes(ctx context.Context, platformID uuid.UUID) (map[string]uuid.UUID, error) {
	return pg.QueryMap[string, uuid.UUID](ctx, s.pool, `SELECT sku_code, sku_id FROM supply_skus WHERE platform_id = $1`, platformID)
}

// paidLine is a supply order's line as stored.
type paidLine struct {
	SKUID    string `json:"sku_id"`
	Quantity int64  `json:"quantity"`
}

// QueueSupplyOrders queues, on q (an inbox's transaction), every paid
// sub-order whose supplier is a supply platform's organization, once per
// sub-order: a repeated event queues nothing. One statement for the whole
// order.
func QueueSupplyOrders(ctx context.Context, q pg.Querier, orderID, merchant uuid.UUID, subs []app.PaidSubOrder, at time.Time) (int, error) {
	if len(subs) == 0 {
		return 0, nil
	}
	var m *uuid.UUID
	if merchant != uuid.Nil {
		m = &merchant
	}
	ids, suppliers, lines := make([]uuid.UUID, len(subs)), make([]uuid.UUID, len(subs)), make([]string, len(subs))
	for i, sub := range subs {
		paid := make([]paidLine, len(sub.Lines))
		for j, l := range sub.Lines {
			paid[j] = paidLine{SKUID: l.SKUID, Quantity: l.Quantity}
		}
		encoded, err := json.Marshal(paid)
		if err != nil {
			return 0, err
		}
		ids[i], suppliers[i], lines[i] = sub.SubOrderID, sub.SupplierID, string(encoded)
	}
	tag, err := q.Exec(ctx, `INSERT INTO supply_orders (sub_order_id, platform_id, order_id, merchant_org_id, lines, state, due_at, queued_at, updated_at)
		SELECT v.sub_order_id, p.platform_id, $1, $2, v.lines::jsonb, 'queued', $3, $3, $3
		FROM unnest($4::uuid[], $5::uuid[], $6::text[]) AS v (sub_order_id, supplier_id, lines)
		JOIN supply_platforms p ON p.supplier_org_id = v.supplier_id
		ON CONFLICT (sub_order_id) DO NOTHING`, orderID, m, at, ids, suppliers, lines)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

const supplyOrderColumns = `sub_order_id, platform_id, order_id, merchant_org_id, lines, account_id, state, platform_order_id, platform_status,
	carrier_code, waybill, attempts, due_at, problem, queued_at, placed_at, updated_at, cancel_requested_at`

func scanSupplyOrder(r pgx.CollectableRow) (app.SupplyOrder, error) {
	var o app.SupplyOrder
	var merchant *uuid.UUID
	var lines []paidLine
	err := r.Scan(&o.SubOrderID, &o.PlatformID, &o.OrderID, &merchant, &lines, &o.AccountID, &o.State, &o.PlatformOrderID, &o.PlatformStatus,
		&o.CarrierCode, &o.Waybill, &o.Attempts, &o.DueAt, &o.Problem, &o.QueuedAt, &o.PlacedAt, &o.UpdatedAt, &o.CancelRequestedAt)
	if merchant != nil {
		o.MerchantOrgID = *merchant
	}
	for _, l := range lines {
		o.Lines = append(o.Lines, domain.PaidLine{SKUID: l.SKUID, Quantity: l.Quantity})
	}
	return o, err
}

// WithSupplyLock runs fn unless another replica runs the supply jobs.
func (s Supply) WithSupplyLock(ctx context.Context, fn func(context.Context) error) (bool, error) {
	return withJobLock(ctx, s.pool, uuid.Nil, "supply", fn)
}

func (s Supply) DueSupplyOrders(ctx context.Context, now time.Time, limit int, platforms []uuid.UUID) ([]app.SupplyOrder, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+supplyOrderColumns+` FROM supply_orders
		WHERE state IN ('queued', 'placed') AND due_at <= $1 AND platform_id = ANY($3) ORDER BY due_at LIMIT $2`, now, limit, platforms)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanSupplyOrder)
}

func (s Supply) GetSupplyOrder(ctx context.Context, platformID, subOrderID uuid.UUID) (app.SupplyOrder, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+supplyOrderColumns+` FROM supply_orders WHERE platform_id = $1 AND sub_order_id = $2`, platformID, subOrderID)
	if err != nil {
		return app.SupplyOrder{}, err
	}
	o, err := pgx.CollectExactlyOneRow(rows, scanSupplyOrder)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, apperr.NotFound("supply order", subOrderID.String())
	}
	return o, err
}

func (s Supply) RequeueHeldSupplyOrder(ctx context.Context, platformID, subOrderID uuid.UUID, now time.Time) (app.SupplyOrder, bool, error) {
	rows, err := s.pool.Query(ctx, `UPDATE supply_orders
		SET state = CASE WHEN platform_order_id = '' THEN 'queued' ELSE 'placed' END, problem = '', attempts = 0, due_at = $3, updated_at = $3,
			failing_since = NULL
		WHERE platform_id = $1 AND sub_order_id = $2 AND state = 'held'
		RETURNING `+supplyOrderColumns, platformID, subOrderID, now)
	if err != nil {
		return app.SupplyOrder{}, false, err
	}
	o, err := pgx.CollectExactlyOneRow(rows, scanSupplyOrder)
	if errors.Is(err, pgx.ErrNoRows) {
		return app.SupplyOrder{}, false, nil
	}
	return o, err == nil, err
}

// SaveSupplyOrder saves what the worker did with an order it read. A
// cancellation requested meanwhile (o.CancelRequestedAt unset, the row's
// set) is kept, and makes the order due at once.
func (s Supply) SaveSupplyOrder(ctx context.Context, o app.SupplyOrder) error {
	tag, err := s.pool.Exec(ctx, `UPDATE supply_orders SET account_id = $2, state = $3, platform_order_id = $4, platform_status = $5,
		carrier_code = $6, waybill = $7, attempts = $8, problem = $10, placed_at = $11, updated_at = $12,
		due_at = CASE WHEN $13::timestamptz IS NULL AND cancel_requested_at IS NOT NULL THEN LEAST($9, cancel_requested_at) ELSE $9 END,
		failing_since = CASE WHEN $3 = 'held' OR ($3 IN ('queued', 'placed') AND $10 <> '') THEN coalesce(failing_since, now()) END
		WHERE sub_order_id = $1`, o.SubOrderID, o.AccountID, o.State, o.PlatformOrderID, o.PlatformStatus,
		o.CarrierCode, o.Waybill, o.Attempts, o.DueAt, o.Problem, o.PlacedAt, o.UpdatedAt, o.CancelRequestedAt)
	return pg.Affected(tag, err, apperr.NotFound("supply order", o.SubOrderID.String()))
}

// RequestSupplyOrderCancel records, in the consumer's transaction, that
// orders cancelled a sub-order: its purchase order, queued or placed, is
// due at once to be cancelled at its platform (a held one when an
// operator requeues it). A sub-order with no purchase order (not a supply
// platform's) changes nothing.
func RequestSupplyOrderCancel(ctx context.Context, q pg.Querier, subOrderID uuid.UUID, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE supply_orders SET cancel_requested_at = coalesce(cancel_requested_at, $2),
		due_at = CASE WHEN state IN ('queued', 'placed') THEN LEAST(due_at, $2) ELSE due_at END
		WHERE sub_order_id = $1`, subOrderID, at)
	return err
}

// FailingSupplyOrders counts the purchase orders whose placing or tracking
// fails (kind "retrying") or was held for an operator ("held"), for the
// kit's failing-steps gauges.
func (s Supply) FailingSupplyOrders(ctx context.Context) ([]service.FailingSteps, error) {
	return service.QueryFailingSteps(ctx, s.pool, `SELECT CASE WHEN state = 'held' THEN 'held' ELSE 'retrying' END, count(*),
			extract(epoch FROM now() - min(failing_since))::float8
		FROM supply_orders WHERE failing_since IS NOT NULL GROUP BY 1 ORDER BY 1`)
}

func (s Supply) ListSupplyProducts(ctx context.Context, f app.SupplyProductFilter) ([]app.SupplyProductRecord, string, error) {
	query := f
	query.Page, query.Limit = "", 0 // the token is bound to the filter, not to a page
	cur, err := decodeCursor(f.Page, query)
	if err != nil {
		return nil, "", err
	}
	args := []any{f.PlatformID, f.WithProblem, f.Limit + 1, nil, ""}
	if cur != nil {
		args[3], args[4] = cur.At, cur.Key
	}
	rows, err := s.pool.Query(ctx, `SELECT `+supplyProductColumns+` FROM supply_products
		WHERE platform_id = $1 AND (NOT $2 OR problem <> '')
		  AND ($4::timestamptz IS NULL OR (updated_at, platform_product_id) < ($4, $5))
		ORDER BY updated_at DESC, platform_product_id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, "", err
	}
	return collectPage(rows, scanSupplyProduct, f.Limit, query, func(last app.SupplyProductRecord) listCursor {
		return listCursor{At: last.UpdatedAt, Key: last.PlatformProductID}
	})
}

func (s Supply) ListSupplyOrders(ctx context.Context, f app.SupplyOrderFilter) ([]app.SupplyOrder, string, error) {
	query := f
	query.Page, query.Limit = "", 0 // the token is bound to the filter, not to a page
	cur, err := decodeCursor(f.Page, query)
	if err != nil {
		return nil, "", err
	}
	args := []any{f.PlatformID, f.State, f.Limit + 1, nil, ""}
	if cur != nil {
		args[3], args[4] = cur.At, cur.Key
	}
	rows, err := s.pool.Query(ctx, `SELECT `+supplyOrderColumns+` FROM supply_orders
		WHERE platform_id = $1 AND ($2 = '' OR state = $2)
		  AND ($4::timestamptz IS NULL OR (queued_at, sub_order_id::text) < ($4, $5))
		ORDER BY queued_at DESC, sub_order_id::text DESC LIMIT $3`, args...)
	if err != nil {
		return nil, "", err
	}
	return collectPage(rows, scanSupplyOrder, f.Limit, query, func(last app.SupplyOrder) listCursor {
		return listCursor{At: last.QueuedAt, Key: last.SubOrderID.String()}
	})
}

func (s Supply) SupplyActivity(ctx context.Context, id uuid.UUID) (app.SupplyActivity, error) {
	st, err := s.SupplyState(ctx, id)
	if err != nil {
		return app.SupplyActivity{}, err
	}
	a := app.SupplyActivity{SupplyState: st}
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM supply_products WHERE platform_id = $1 AND product_id IS NOT NULL),
		(SELECT count(*) FROM supply_orders WHERE platform_id = $1 AND state = 'queued'),
		(SELECT count(*) FROM supply_orders WHERE platform_id = $1 AND state IN ('placed', 'shipped')),
		(SELECT count(*) FROM supply_orders WHERE platform_id = $1 AND state = 'held'),
		(SELECT count(*) FROM supply_products WHERE platform_id = $1 AND deferred IS NOT NULL AND problem = ''),
		(SELECT count(*) FROM supply_products WHERE platform_id = $1 AND deferred IS NOT NULL AND problem <> '')`, id).
		Scan(&a.ProductsImported, &a.OrdersQueued, &a.OrdersPlaced, &a.OrdersHeld, &a.ProductsWaitingForReview, &a.ProductsRefused)
	return a, err
}
