package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

const carrierColumns = `carrier_id, code, name, endpoints, credentials_kid, credentials_sealed, active, created_at, updated_at`

// storedEndpoint is an endpoint as the endpoints column keeps it: where the
// carrier is called, not with what (the credentials are sealed apart). Its
// keys are the ones of rows written before credentials were sealed, whose
// credentials are still here in clear until SealCarrierCredentials runs.
type storedEndpoint struct {
	Environment   string
	APIURL        string
	APIKey        string `json:",omitempty"`
	WebhookSecret string `json:",omitempty"`
}

// endpointSecrets is one environment's credentials inside the sealed value.
type endpointSecrets struct {
	APIKey                string     `json:"api_key"`
	WebhookSecret         string     `json:"webhook_secret"`
	PreviousWebhookSecret string     `json:"previous_webhook_secret,omitempty"`
	PreviousSecretUntil   *time.Time `json:"previous_secret_until,omitempty"`
}

// sealedCarrier is a carrier's columns as written: endpoints without their
// credentials, and the credentials of every environment sealed under the
// primary key with the carrier's id as associated data. A carrier with no
// endpoint is sealed too, so credentials_kid always names the key a row is
// under and a rotation finds every row not under the newest one.
type sealedCarrier struct {
	endpoints []byte
	kid       string
	sealed    []byte
}

func (r repo) sealCarrier(c domain.Carrier) (sealedCarrier, error) {
	eps := make([]storedEndpoint, 0, len(c.Endpoints))
	secrets := make(map[string]endpointSecrets, len(c.Endpoints))
	for _, e := range c.Endpoints {
		eps = append(eps, storedEndpoint{Environment: e.Environment, APIURL: e.APIURL})
		es := endpointSecrets{APIKey: e.APIKey, WebhookSecret: e.WebhookSecret}
		if e.PreviousWebhookSecret != "" {
			es.PreviousWebhookSecret, es.PreviousSecretUntil = e.PreviousWebhookSecret, &e.PreviousSecretUntil
		}
		secrets[e.Environment] = es
	}
	out := sealedCarrier{}
	var err error
	if out.endpoints, err = json.Marshal(eps); err != nil {
		return out, err
	}
	plain, err := json.Marshal(secrets)
	if err != nil {
		return out, err
	}
	out.kid, out.sealed = r.keys.Seal(plain, c.ID[:])
	return out, nil
}

func (r repo) scanCarrier(row pgx.Row) (domain.Carrier, error) {
	var c domain.Carrier
	var endpoints, sealed []byte
	var kid *string
	if err := row.Scan(&c.ID, &c.Code, &c.Name, &endpoints, &kid, &sealed, &c.Active, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, err
	}
	var eps []storedEndpoint
	if err := json.Unmarshal(endpoints, &eps); err != nil {
		return c, fmt.Errorf("read the endpoints of carrier %s: %w", c.ID, err)
	}
	secrets := map[string]endpointSecrets{}
	if kid != nil {
		plain, err := r.keys.Open(*kid, sealed, c.ID[:])
		if err != nil {
			return c, fmt.Errorf("open the credentials of carrier %s: %w", c.ID, err)
		}
		if err := json.Unmarshal(plain, &secrets); err != nil {
			return c, fmt.Errorf("read the credentials of carrier %s: %w", c.ID, err)
		}
	}
	for _, e := range eps {
		ep := domain.Endpoint{Environment: e.Environment, APIURL: e.APIURL, APIKey: e.APIKey, WebhookSecret: e.WebhookSecret}
		if s, ok := secrets[e.Environment]; ok {
			ep.APIKey, ep.WebhookSecret, ep.PreviousWebhookSecret = s.APIKey, s.WebhookSecret, s.PreviousWebhookSecret
			if s.PreviousSecretUntil != nil {
				ep.PreviousSecretUntil = *s.PreviousSecretUntil
			}
		}
		c.Endpoints = append(c.Endpoints, ep)
	}
	return c, nil
}

func (r repo) CreateCarrier(ctx context.Context, c domain.Carrier) error {
	sc, err := r.sealCarrier(c)
	if err != nil {
		return err
	}
	_, err = r.q.Exec(ctx, `INSERT INTO carriers (`+carrierColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.Code, c.Name, sc.endpoints, sc.kid, sc.sealed, c.Active, c.CreatedAt, c.UpdatedAt)
	if pg.IsUniqueViolation(err, "carriers_code_key") {
		return apperr.AlreadyExists("a carrier with code " + c.Code + " exists").WithReason("CARRIER_CODE_TAKEN")
	}
	return err
}

func (r repo) SaveCarrier(ctx context.Context, c domain.Carrier) error {
	sc, err := r.sealCarrier(c)
	if err != nil {
		return err
	}
	tag, err := r.q.Exec(ctx, `UPDATE carriers SET name = $2, endpoints = $3, credentials_kid = $4, credentials_sealed = $5,
		active = $6, updated_at = $7 WHERE carrier_id = $1`,
		c.ID, c.Name, sc.endpoints, sc.kid, sc.sealed, c.Active, c.UpdatedAt)
	return pg.Affected(tag, err, apperr.NotFound("carrier", c.ID.String()))
}

// SealCarrierCredentials seals again, under the primary key, the
// credentials of every carrier not sealed under it: sealed under an older
// key during a rotation, or written in clear before credentials were
// sealed. It returns how many carriers it wrote. The rows are locked while
// it runs, so replicas starting together do not write them twice, and a
// carrier that does not open under any configured key stops it: that key
// must stay configured until every row is sealed under the new one.
func (s *Store) SealCarrierCredentials(ctx context.Context) (int, error) {
	n := 0
	err := s.InTx(ctx, func(tx app.Repository) error {
		r := tx.(repo)
		rows, err := r.q.Query(ctx, `SELECT `+carrierColumns+` FROM carriers
			WHERE credentials_kid IS DISTINCT FROM $1 ORDER BY carrier_id FOR UPDATE`, r.keys.Primary())
		if err != nil {
			return err
		}
		stale, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Carrier, error) { return r.scanCarrier(row) })
		if err != nil {
			return err
		}
		for _, c := range stale {
			if err := r.SaveCarrier(ctx, c); err != nil { // sealed under the primary key, the rest as read
				return err
			}
		}
		n = len(stale)
		return nil
	})
	return n, err
}

func (r repo) GetCarrier(ctx context.Context, id uuid.UUID) (domain.Carrier, error) {
	c, err := r.scanCarrier(r.q.QueryRow(ctx, `SELECT `+carrierColumns+` FROM carriers WHERE carrier_id = $1`, id))
	return c, pg.NoRows(err, apperr.NotFound("carrier", id.String()))
}

func (r repo) LockCarrier(ctx context.Context, id uuid.UUID) (domain.Carrier, error) {
	c, err := r.scanCarrier(r.q.QueryRow(ctx, `SELECT `+carrierColumns+` FROM carriers WHERE carrier_id = $1 FOR UPDATE`, id))
	return c, pg.NoRows(err, apperr.NotFound("carrier", id.String()))
}

func (r repo) GetCarrierByCode(ctx context.Context, code string) (domain.Carrier, error) {
	c, err := r.scanCarrier(r.q.QueryRow(ctx, `SELECT `+carrierColumns+` FROM carriers WHERE code = $1`, code))
	return c, pg.NoRows(err, apperr.NotFound("carrier", code))
}

func (r repo) ListCarriers(ctx context.Context) ([]domain.Carrier, error) {
	rows, err := r.q.Query(ctx, `SELECT `+carrierColumns+` FROM carriers ORDER BY created_at, carrier_id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Carrier, error) { return r.scanCarrier(row) })
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

func (r repo) LockMethod(ctx context.Context, id uuid.UUID) (domain.Method, error) {
	m, err := scanMethod(r.q.QueryRow(ctx, `SELECT `+methodColumns+` FROM shipping_methods WHERE method_id = $1 FOR NO KEY UPDATE`, id))
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
