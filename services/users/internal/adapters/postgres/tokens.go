package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// signingKeysLock is the advisory lock id that serialises key rotation.
const signingKeysLock = 0x75736b // "usk"

// CreateRefreshToken stores a refresh token's hash.
func (r repo) CreateRefreshToken(ctx context.Context, t domain.RefreshToken) error {
	_, err := r.q.Exec(ctx, `INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, t.Hash, t.FamilyID, t.UserID, t.IssuedAt, t.ExpiresAt)
	if err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

// GetRefreshTokenForUpdate reads a token by hash and locks it, so two
// exchanges of one token are serialised and the second sees it spent.
func (r repo) GetRefreshTokenForUpdate(ctx context.Context, hash []byte) (domain.RefreshToken, error) {
	var t domain.RefreshToken
	var used, revoked *time.Time
	err := r.q.QueryRow(ctx, `SELECT token_hash, family_id, user_id, issued_at, expires_at, used_at, revoked_at
		FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`, hash).
		Scan(&t.Hash, &t.FamilyID, &t.UserID, &t.IssuedAt, &t.ExpiresAt, &used, &revoked)
	if err != nil {
		return t, pg.NoRows(err, apperr.NotFound("refresh token", ""))
	}
	if used != nil {
		t.UsedAt = *used
	}
	if revoked != nil {
		t.RevokedAt = *revoked
	}
	return t, nil
}

// MarkRefreshTokenUsed records that the token was exchanged.
func (r repo) MarkRefreshTokenUsed(ctx context.Context, hash []byte, at time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1`, hash, at)
	return err
}

// RevokeRefreshFamily revokes every token of a family not yet revoked.
func (r repo) RevokeRefreshFamily(ctx context.Context, familyID uuid.UUID, at time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`, familyID, at)
	return err
}

// DeleteRefreshTokensExpiredBefore removes tokens that expired before t.
func (r repo) DeleteRefreshTokensExpiredBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := r.q.Exec(ctx, `DELETE FROM refresh_tokens WHERE expires_at < $1`, t)
	return tag.RowsAffected(), err
}

// SigningKeys returns every stored key, the latest to activate first.
func (r repo) SigningKeys(ctx context.Context) ([]domain.SigningKey, error) {
	rows, err := r.q.Query(ctx, `SELECT kid, private_key, created_at, activates_at FROM signing_keys
		ORDER BY activates_at DESC, created_at DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []domain.SigningKey
	for rows.Next() {
		var k domain.SigningKey
		var priv []byte
		if err := rows.Scan(&k.ID, &priv, &k.CreatedAt, &k.ActivatesAt); err != nil {
			return nil, err
		}
		k.Private = priv
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// CreateSigningKey stores a key.
func (r repo) CreateSigningKey(ctx context.Context, k domain.SigningKey) error {
	_, err := r.q.Exec(ctx, `INSERT INTO signing_keys (kid, private_key, created_at, activates_at) VALUES ($1, $2, $3, $4)`,
		k.ID, []byte(k.Private), k.CreatedAt, k.ActivatesAt)
	if err != nil {
		return fmt.Errorf("insert signing key: %w", err)
	}
	return nil
}

// ActivateSigningKey moves a key's activation to at.
func (r repo) ActivateSigningKey(ctx context.Context, id string, at time.Time) error {
	tag, err := r.q.Exec(ctx, `UPDATE signing_keys SET activates_at = $2 WHERE kid = $1`, id, at)
	return pg.Affected(tag, err, apperr.NotFound("signing key", id))
}

// DeleteSigningKeys removes the given keys.
func (r repo) DeleteSigningKeys(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := r.q.Exec(ctx, `DELETE FROM signing_keys WHERE kid = ANY ($1)`, ids)
	return err
}

// LockSigningKeys takes a transaction-scoped advisory lock.
func (r repo) LockSigningKeys(ctx context.Context) error {
	_, err := r.q.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, signingKeysLock)
	return err
}
