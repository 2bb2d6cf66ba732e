package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/app"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

const campaignColumns = `id, name, kind, currency, amount_minor, percent_bps, cap_minor, minimum_spend_minor, valid_from, valid_until,
	category_ids, supplier_ids, funded_by, channel, created_by, created_at`

const couponColumns = `id, campaign_id, holder_kind, holder_id, status, order_id, redeemed_at, issuance_id, issued_at`

func (r repo) InsertCampaign(ctx context.Context, c domain.Campaign) (bool, error) {
	var capMinor *int64
	if c.Cap != nil {
		capMinor = &c.Cap.Amount
	}
	tag, err := r.q.Exec(ctx, `INSERT INTO coupon_campaigns (`+campaignColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (id) DO NOTHING`,
		c.ID, c.Name, c.Kind, c.Currency, c.Amount.Amount, c.PercentBPS, capMinor, c.MinimumSpend.Amount, c.ValidFrom, c.ValidUntil,
		ids(c.CategoryIDs), ids(c.SupplierIDs), c.FundedBy, c.Channel, c.CreatedBy, c.CreatedAt)
	return err == nil && tag.RowsAffected() == 1, err
}

// ids stores a nil list as an empty array, which the columns require.
func ids(list []uuid.UUID) []uuid.UUID {
	if list == nil {
		return []uuid.UUID{}
	}
	return list
}

func (r repo) Campaigns(ctx context.Context, list []uuid.UUID) (map[uuid.UUID]domain.Campaign, error) {
	rows, err := r.q.Query(ctx, `SELECT `+campaignColumns+` FROM coupon_campaigns WHERE id = ANY($1)`, list)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, scanCampaign)
	out := make(map[uuid.UUID]domain.Campaign, len(found))
	for _, c := range found {
		out[c.ID] = c
	}
	return out, err
}

func (r repo) ListCampaigns(ctx context.Context, after *app.OrderCursor, limit int) ([]domain.Campaign, error) {
	args := []any{limit}
	where := ``
	if after != nil {
		where, args = ` WHERE (created_at, id) < ($2, $3)`, append(args, after.At, after.ID)
	}
	rows, err := r.q.Query(ctx, `SELECT `+campaignColumns+` FROM coupon_campaigns`+where+` ORDER BY created_at DESC, id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanCampaign)
}

func scanCampaign(row pgx.CollectableRow) (domain.Campaign, error) {
	var c domain.Campaign
	var capMinor *int64
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.Currency, &c.Amount.Amount, &c.PercentBPS, &capMinor, &c.MinimumSpend.Amount,
		&c.ValidFrom, &c.ValidUntil, &c.CategoryIDs, &c.SupplierIDs, &c.FundedBy, &c.Channel, &c.CreatedBy, &c.CreatedAt)
	c.MinimumSpend.Currency = c.Currency
	if c.Kind == domain.FixedAmount {
		c.Amount.Currency = c.Currency
	} else {
		c.Amount = money.Money{}
	}
	if capMinor != nil {
		c.Cap = &money.Money{Amount: *capMinor, Currency: c.Currency}
	}
	if len(c.CategoryIDs) == 0 {
		c.CategoryIDs = nil
	}
	if len(c.SupplierIDs) == 0 {
		c.SupplierIDs = nil
	}
	return c, err
}

// IssueCoupons claims the issuance id first: a concurrent command with the
// same id waits on it until this transaction ends, then finds it taken and
// reads what this one stored. The coupons go in with one statement.
func (r repo) IssueCoupons(ctx context.Context, iss domain.Issuance, coupons []domain.Coupon) (domain.Issuance, bool, error) {
	tag, err := r.q.Exec(ctx, `INSERT INTO coupon_issuances (id, campaign_id, fingerprint, issued_by, issued_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, iss.ID, iss.CampaignID, iss.Fingerprint, iss.IssuedBy, iss.IssuedAt)
	if err != nil {
		return iss, false, err
	}
	if tag.RowsAffected() == 0 {
		stored, err := r.issuance(ctx, iss.ID)
		return stored, false, err
	}
	n := len(coupons)
	couponIDs, kinds, holders := make([]uuid.UUID, n), make([]string, n), make([]uuid.UUID, n)
	for i, c := range coupons {
		couponIDs[i], kinds[i], holders[i] = c.ID, string(c.Holder.Kind), c.Holder.ID
	}
	_, err = r.q.Exec(ctx, `INSERT INTO coupons (id, campaign_id, issuance_id, position, holder_kind, holder_id, status, issued_at)
		SELECT v.id, $4, $5, v.n - 1, v.kind, v.holder, 'available', $6
		FROM unnest($1::uuid[], $2::text[], $3::uuid[]) WITH ORDINALITY AS v(id, kind, holder, n)`,
		couponIDs, kinds, holders, iss.CampaignID, iss.ID, iss.IssuedAt)
	return iss, true, err
}

// issuance reads a stored issuance with its coupon ids in the holders'
// order.
func (r repo) issuance(ctx context.Context, id string) (domain.Issuance, error) {
	iss := domain.Issuance{ID: id}
	err := r.q.QueryRow(ctx, `SELECT campaign_id, fingerprint, issued_by, issued_at FROM coupon_issuances WHERE id = $1`, id).
		Scan(&iss.CampaignID, &iss.Fingerprint, &iss.IssuedBy, &iss.IssuedAt)
	if err != nil {
		return iss, err
	}
	rows, err := r.q.Query(ctx, `SELECT id FROM coupons WHERE issuance_id = $1 ORDER BY position`, id)
	if err != nil {
		return iss, err
	}
	iss.CouponIDs, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	return iss, err
}

func (r repo) GetCoupon(ctx context.Context, id uuid.UUID) (domain.Coupon, error) {
	rows, err := r.q.Query(ctx, `SELECT `+couponColumns+` FROM coupons WHERE id = $1`, id)
	if err != nil {
		return domain.Coupon{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCoupon)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, apperr.NotFound("coupon", id.String())
	}
	return c, err
}

func (r repo) ListCoupons(ctx context.Context, holders []domain.Holder, status domain.CouponStatus, after *app.OrderCursor, limit int) ([]domain.Coupon, error) {
	kinds, holderIDs := make([]string, len(holders)), make([]uuid.UUID, len(holders))
	for i, h := range holders {
		kinds[i], holderIDs[i] = string(h.Kind), h.ID
	}
	args := []any{kinds, holderIDs, limit}
	where := ``
	if status != "" {
		where, args = ` AND status = $4`, append(args, status)
	}
	if after != nil {
		n := len(args)
		where += ` AND (issued_at, id) < ($` + strconv.Itoa(n+1) + `, $` + strconv.Itoa(n+2) + `)`
		args = append(args, after.At, after.ID)
	}
	rows, err := r.q.Query(ctx, `SELECT `+couponColumns+` FROM coupons
		WHERE (holder_kind, holder_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))`+where+`
		ORDER BY issued_at DESC, id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanCoupon)
}

func scanCoupon(row pgx.CollectableRow) (domain.Coupon, error) {
	var c domain.Coupon
	err := row.Scan(&c.ID, &c.CampaignID, &c.Holder.Kind, &c.Holder.ID, &c.Status, &c.OrderID, &c.RedeemedAt, &c.IssuanceID, &c.IssuedAt)
	return c, err
}

// RedeemCoupon is one conditional UPDATE: of concurrent redemptions the
// first takes the row lock, and the others, re-checking the condition on
// the row it committed, find it redeemed by another order and change
// nothing. The same order's retry matches and keeps its first time.
func (r repo) RedeemCoupon(ctx context.Context, id uuid.UUID, holder domain.Holder, orderID uuid.UUID, at time.Time) (domain.Coupon, bool, error) {
	rows, err := r.q.Query(ctx, `UPDATE coupons SET status = 'redeemed', order_id = $4, redeemed_at = COALESCE(redeemed_at, $5)
		WHERE id = $1 AND holder_kind = $2 AND holder_id = $3 AND (status = 'available' OR order_id = $4)
		RETURNING `+couponColumns, id, holder.Kind, holder.ID, orderID, at)
	if err != nil {
		return domain.Coupon{}, false, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCoupon)
	if errors.Is(err, pgx.ErrNoRows) {
		c, err = r.GetCoupon(ctx, id)
		return c, false, err
	}
	return c, err == nil, err
}

func (r repo) RestoreCoupons(ctx context.Context, orderID uuid.UUID) error {
	_, err := r.q.Exec(ctx, `UPDATE coupons SET status = 'available', order_id = NULL, redeemed_at = NULL
		WHERE order_id = $1 AND status = 'redeemed'`, orderID)
	return err
}
