package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

const addressColumns = `id, user_id, recipient, phone, country_code, region_code, city, postcode, lines,
	latitude, longitude, is_default, created_at, updated_at`

func scanAddress(row pgx.Row) (domain.UserAddress, error) {
	var a domain.UserAddress
	var lat, lon *float64
	err := row.Scan(&a.ID, &a.UserID, &a.Address.Recipient, &a.Address.Phone, &a.Address.CountryCode,
		&a.Address.RegionCode, &a.Address.City, &a.Address.Postcode, &a.Address.Lines,
		&lat, &lon, &a.IsDefault, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return domain.UserAddress{}, err
	}
	if lat != nil && lon != nil {
		a.Address.Location = &domain.GeoPoint{Latitude: *lat, Longitude: *lon}
	}
	return a, nil
}

func addressArgs(a domain.UserAddress) []any {
	var lat, lon *float64
	if p := a.Address.Location; p != nil {
		lat, lon = &p.Latitude, &p.Longitude
	}
	ad := a.Address
	return []any{a.ID, a.UserID, ad.Recipient, ad.Phone, ad.CountryCode, ad.RegionCode, ad.City, ad.Postcode, ad.Lines,
		lat, lon, a.IsDefault, a.CreatedAt, a.UpdatedAt}
}

func addressNotFound(id uuid.UUID) error { return apperr.NotFound("address", id.String()) }

// ListAddresses returns the user's addresses, the default first.
func (r repo) ListAddresses(ctx context.Context, userID uuid.UUID) ([]domain.UserAddress, error) {
	rows, err := r.q.Query(ctx, `SELECT `+addressColumns+` FROM addresses WHERE user_id = $1
		ORDER BY is_default DESC, created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.UserAddress, error) { return scanAddress(row) })
}

// GetAddress returns the user's address id; someone else's is NotFound.
func (r repo) GetAddress(ctx context.Context, userID, id uuid.UUID) (domain.UserAddress, error) {
	a, err := scanAddress(r.q.QueryRow(ctx, `SELECT `+addressColumns+` FROM addresses WHERE id = $1 AND user_id = $2`, id, userID))
	return a, pg.NoRows(err, addressNotFound(id))
}

// CreateAddress inserts an address.
func (r repo) CreateAddress(ctx context.Context, a domain.UserAddress) error {
	_, err := r.q.Exec(ctx, `INSERT INTO addresses (`+addressColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, addressArgs(a)...)
	if err != nil {
		return fmt.Errorf("insert address: %w", err)
	}
	return nil
}

// UpdateAddress replaces the postal fields of the user's address.
func (r repo) UpdateAddress(ctx context.Context, a domain.UserAddress) error {
	args := addressArgs(a)
	tag, err := r.q.Exec(ctx, `UPDATE addresses SET recipient = $3, phone = $4, country_code = $5, region_code = $6,
		city = $7, postcode = $8, lines = $9, latitude = $10, longitude = $11, updated_at = $12
		WHERE id = $1 AND user_id = $2`, append(args[:11:11], a.UpdatedAt)...)
	return pg.Affected(tag, err, addressNotFound(a.ID))
}

// DeleteAddress removes the user's address.
func (r repo) DeleteAddress(ctx context.Context, userID, id uuid.UUID) error {
	tag, err := r.q.Exec(ctx, `DELETE FROM addresses WHERE id = $1 AND user_id = $2`, id, userID)
	return pg.Affected(tag, err, addressNotFound(id))
}

// SetDefaultAddress clears the user's default and sets id as the new one.
// The partial unique index addresses_one_default makes a second default
// impossible, so the old one is cleared first.
func (r repo) SetDefaultAddress(ctx context.Context, userID, id uuid.UUID, at time.Time) error {
	if _, err := r.q.Exec(ctx, `UPDATE addresses SET is_default = false, updated_at = $2
		WHERE user_id = $1 AND is_default AND id <> $3`, userID, at, id); err != nil {
		return err
	}
	tag, err := r.q.Exec(ctx, `UPDATE addresses SET is_default = true, updated_at = $3
		WHERE id = $1 AND user_id = $2`, id, userID, at)
	return pg.Affected(tag, err, addressNotFound(id))
}
