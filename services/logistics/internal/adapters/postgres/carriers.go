package postgres

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

const carrierColumns = `carrier_id, code, name, endpoints, active, created_at, updated_at`

func scanCarrier(row pgx.Row) (domain.Carrier, error) {
	var c domain.Carrier
	var endpoints []byte
	if err := row.Scan(&c.ID, &c.Code, &c.Name, &endpoints, &c.Active, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	return c, json.Unmarshal(endpoints, &c.Endpoints)
}

func (r repo) CreateCarrier(ctx context.Context, c domain.Carrier) error {
	eps, err := json.Marshal(c.Endpoints)
	if err != nil {
		return err
	}
	_, err = r.q.Exec(ctx, `INSERT INTO carriers (`+carrierColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.Code, c.Name, eps, c.Active, c.CreatedAt, c.UpdatedAt)
	if pg.IsUniqueViolation(err, "carriers_code_key") {
		return apperr.AlreadyExists("a carrier with code " + c.Code + " exists").WithReason("CARRIER_CODE_TAKEN")
	}
	return err
}

func (r repo) SaveCarrier(ctx context.Context, c domain.Carrier) error {
	eps, err := json.Marshal(c.Endpoints)
	if err != nil {
		return err
	}
	tag, err := r.q.Exec(ctx, `UPDATE carriers SET name = $2, endpoints = $3, active = $4, updated_at = $5 WHERE carrier_id = $1`,
		c.ID, c.Name, eps, c.Active, c.UpdatedAt)
	return pg.Affected(tag, err, apperr.NotFound("carrier", c.ID.String()))
}

func (r repo) GetCarrier(ctx context.Context, id uuid.UUID) (domain.Carrier, error) {
	c, err := scanCarrier(r.q.QueryRow(ctx, `SELECT `+carrierColumns+` FROM carriers WHERE carrier_id = $1`, id))
	return c, pg.NoRows(err, apperr.NotFound("carrier", id.String()))
}

func (r repo) GetCarrierByCode(ctx context.Context, code string) (domain.Carrier, error) {
	c, err := scanCarrier(r.q.QueryRow(ctx, `SELECT `+carrierColumns+` FROM carriers WHERE code = $1`, code))
	return c, pg.NoRows(err, apperr.NotFound("carrier", code))
}

func (r repo) ListCarriers(ctx context.Context) ([]domain.Carrier, error) {
	rows, err := r.q.Query(ctx, `SELECT `+carrierColumns+` FROM carriers ORDER BY created_at, carrier_id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Carrier, error) { return scanCarrier(row) })
}

const methodColumns = `method_id, carrier_id, code, name, mode, handling_hours, domestic_km_per_day,
	international_km_per_day, last_mile_km_per_day, zones, active, created_at, updated_at`

func scanMethod(row pgx.Row) (domain.Method, error) {
	var m domain.Method
	err := row.Scan(methodDests(&m)...)
	return m, err
}

// methodDests are the scan destinations of methodColumns.
func methodDests(m *domain.Method) []any {
	return []any{&m.ID, &m.CarrierID, &m.Code, &m.Name, &m.Mode, &m.Speed.HandlingHours, &m.Speed.DomesticKmPerDay,
		&m.Speed.InternationalKmPerDay, &m.Speed.LastMileKmPerDay, &m.Zones, &m.Active, &m.CreatedAt, &m.UpdatedAt}
}

func zones(m domain.Method) []string {
	if m.Zones == nil {
		return []string{}
	}
	return m.Zones
}

func (r repo) CreateMethod(ctx context.Context, m domain.Method) error {
	_, err := r.q.Exec(ctx, `INSERT INTO shipping_methods (`+methodColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		m.ID, m.CarrierID, m.Code, m.Name, m.Mode, m.Speed.HandlingHours, m.Speed.DomesticKmPerDay,
		m.Speed.InternationalKmPerDay, m.Speed.LastMileKmPerDay, zones(m), m.Active, m.CreatedAt, m.UpdatedAt)
	if pg.IsUniqueViolation(err, "shipping_methods_carrier_id_code_key") {
		return apperr.AlreadyExists("the carrier already has a method with code " + m.Code).WithReason("METHOD_CODE_TAKEN")
	}
	return err
}

func (r repo) SaveMethod(ctx context.Context, m domain.Method) error {
	tag, err := r.q.Exec(ctx, `UPDATE shipping_methods SET name = $2, handling_hours = $3, domestic_km_per_day = $4,
		international_km_per_day = $5, last_mile_km_per_day = $6, zones = $7, active = $8, updated_at = $9 WHERE method_id = $1`,
		m.ID, m.Name, m.Speed.HandlingHours, m.Speed.DomesticKmPerDay, m.Speed.InternationalKmPerDay,
		m.Speed.LastMileKmPerDay, zones(m), m.Active, m.UpdatedAt)
	return pg.Affected(tag, err, apperr.NotFound("shipping method", m.ID.String()))
}

func (r repo) GetMethod(ctx context.Context, id uuid.UUID) (domain.Method, error) {
	m, err := scanMethod(r.q.QueryRow(ctx, `SELECT `+methodColumns+` FROM shipping_methods WHERE method_id = $1`, id))
	return m, pg.NoRows(err, apperr.NotFound("shipping method", id.String()))
}

func (r repo) ListMethods(ctx context.Context, includeInactive bool) ([]domain.Method, error) {
	rows, err := r.q.Query(ctx, `SELECT `+prefixed("m.", methodColumns)+` FROM shipping_methods m JOIN carriers c USING (carrier_id)
		WHERE $1 OR (m.active AND c.active) ORDER BY m.created_at, m.method_id`, includeInactive)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Method, error) { return scanMethod(row) })
}
