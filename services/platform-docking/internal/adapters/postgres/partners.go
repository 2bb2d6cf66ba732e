package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

const partnerColumns = `partner_id, code, name, protocol, endpoint, api_client_id, locales, quality_check_required,
	commission_bps, fee_currency, fee_fixed_minor, credentials_kid, credentials_sealed, status, verified_at,
	created_at, updated_at, version`

// sealedCredentials is the plaintext sealed into credentials_sealed.
type sealedCredentials struct {
	AppKey    string `json:"app_key"`
	AppSecret string `json:"app_secret"`
}

// seal returns the credentials' key id and sealed value, both NULL when
// there are none. The partner id is the associated data.
func (s *Store) seal(p domain.Partner) (*string, []byte, error) {
	if p.Credentials.Empty() {
		return nil, nil, nil
	}
	plain, err := json.Marshal(sealedCredentials{AppKey: p.Credentials.AppKey, AppSecret: p.Credentials.AppSecret})
	if err != nil {
		return nil, nil, err
	}
	kid, sealed := s.keys.Seal(plain, p.ID[:])
	return &kid, sealed, nil
}

func (s *Store) scanPartner(row pgx.Row) (domain.Partner, error) {
	var p domain.Partner
	var apiClient, kid *string
	var sealed []byte
	if err := row.Scan(&p.ID, &p.Code, &p.Name, &p.Protocol, &p.Endpoint, &apiClient, &p.Locales, &p.QualityCheckRequired,
		&p.CommissionBPS, &p.Fees.Currency, &p.Fees.FixedPerOrder, &kid, &sealed, &p.Status, &p.VerifiedAt,
		&p.CreatedAt, &p.UpdatedAt, &p.Version); err != nil {
		return p, err
	}
	if apiClient != nil {
		p.APIClientID = *apiClient
	}
	if kid == nil {
		return p, nil
	}
	plain, err := s.keys.Open(*kid, sealed, p.ID[:])
	if err != nil {
		return p, fmt.Errorf("open the credentials of partner %s: %w", p.ID, err)
	}
	var c sealedCredentials
	if err := json.Unmarshal(plain, &c); err != nil {
		return p, fmt.Errorf("read the credentials of partner %s: %w", p.ID, err)
	}
	p.Credentials = domain.Credentials{AppKey: c.AppKey, AppSecret: c.AppSecret}
	return p, nil
}

// nullable stores an empty API client id as NULL, so the unique index
// leaves partners without one alone.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CreatePartner inserts a partner; a taken code or API client is
// AlreadyExists.
func (s *Store) CreatePartner(ctx context.Context, p domain.Partner) error {
	kid, sealed, err := s.seal(p)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO partners (`+partnerColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		p.ID, p.Code, p.Name, p.Protocol, p.Endpoint, nullable(p.APIClientID), p.Locales, p.QualityCheckRequired,
		p.CommissionBPS, p.Fees.Currency, p.Fees.FixedPerOrder, kid, sealed, p.Status, p.VerifiedAt,
		p.CreatedAt, p.UpdatedAt, p.Version)
	switch {
	case pg.IsUniqueViolation(err, "partners_code_key"):
		return apperr.AlreadyExists("a partner with code " + p.Code + " exists").WithReason("PARTNER_CODE_TAKEN")
	case pg.IsUniqueViolation(err, "partners_api_client_id_key"):
		return apperr.AlreadyExists("API client " + p.APIClientID + " belongs to another partner").WithReason("API_CLIENT_TAKEN")
	}
	return err
}

// GetPartner reads a partner by id.
func (s *Store) GetPartner(ctx context.Context, id uuid.UUID) (domain.Partner, error) {
	p, err := s.scanPartner(s.pool.QueryRow(ctx, `SELECT `+partnerColumns+` FROM partners WHERE partner_id = $1`, id))
	return p, pg.NoRows(err, apperr.NotFound("partner", id.String()))
}

// GetPartnerByAPIClient reads the partner that signs as clientID.
func (s *Store) GetPartnerByAPIClient(ctx context.Context, clientID string) (domain.Partner, error) {
	p, err := s.scanPartner(s.pool.QueryRow(ctx, `SELECT `+partnerColumns+` FROM partners WHERE api_client_id = $1`, clientID))
	return p, pg.NoRows(err, apperr.NotFound("partner", clientID).WithReason("NO_PARTNER_FOR_CLIENT"))
}

// ListPartners reads every partner by code.
func (s *Store) ListPartners(ctx context.Context) ([]domain.Partner, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+partnerColumns+` FROM partners ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Partner
	for rows.Next() {
		p, err := s.scanPartner(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpdatePartner is the read-modify-write of one partner under its row lock.
func (s *Store) UpdatePartner(ctx context.Context, id uuid.UUID, change func(*domain.Partner) error) (domain.Partner, error) {
	return s.partners.Update(ctx, s.pool, id, func(p *domain.Partner) ([]outbox.Message, error) {
		if err := change(p); err != nil {
			return nil, err
		}
		p.Version++ // as savePartner does in the row
		return nil, nil
	})
}

func (s *Store) lockPartner(ctx context.Context, q pg.Querier, id uuid.UUID) (domain.Partner, error) {
	p, err := s.scanPartner(q.QueryRow(ctx, `SELECT `+partnerColumns+` FROM partners WHERE partner_id = $1 FOR UPDATE`, id))
	return p, pg.NoRows(err, apperr.NotFound("partner", id.String()))
}

// savePartner writes the changed fields back and bumps the version; the
// code, protocol and API client never change.
func (s *Store) savePartner(ctx context.Context, q pg.Querier, p domain.Partner) error {
	kid, sealed, err := s.seal(p)
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx, `UPDATE partners SET name = $2, endpoint = $3, locales = $4, quality_check_required = $5,
		commission_bps = $6, fee_currency = $7, fee_fixed_minor = $8, credentials_kid = $9, credentials_sealed = $10,
		status = $11, verified_at = $12, updated_at = $13, version = version + 1
		WHERE partner_id = $1`,
		p.ID, p.Name, p.Endpoint, p.Locales, p.QualityCheckRequired, p.CommissionBPS, p.Fees.Currency, p.Fees.FixedPerOrder,
		kid, sealed, p.Status, p.VerifiedAt, p.UpdatedAt)
	return pg.Affected(tag, err, apperr.NotFound("partner", p.ID.String()))
}
