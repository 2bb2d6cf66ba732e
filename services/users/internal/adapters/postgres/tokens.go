package postgres

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/kek"
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
	var used, revoked, superseded *time.Time
	var usedBy *string
	err := r.q.QueryRow(ctx, `SELECT token_hash, family_id, user_id, issued_at, expires_at, used_at, used_by, revoked_at, superseded_at
		FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`, hash).
		Scan(&t.Hash, &t.FamilyID, &t.UserID, &t.IssuedAt, &t.ExpiresAt, &used, &usedBy, &revoked, &superseded)
	if err != nil {
		return t, pg.NoRows(err, apperr.NotFound("refresh token", ""))
	}
	if usedBy != nil {
		t.UsedBy = *usedBy
	}
	for _, f := range []struct {
		to   *time.Time
		from *time.Time
	}{{&t.UsedAt, used}, {&t.RevokedAt, revoked}, {&t.SupersededAt, superseded}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	return t, nil
}

// SupersedeLiveRefreshTokens marks the family's live tokens (not used,
// revoked or superseded) superseded at at. A token being exchanged at this
// moment (its row locked) is skipped rather than waited for: two siblings
// exchanged at once would each wait for the other's lock; the next
// exchange supersedes what they left.
func (r repo) SupersedeLiveRefreshTokens(ctx context.Context, familyID uuid.UUID, at time.Time) error {
	_, err := r.q.Exec(ctx, `UPDATE refresh_tokens SET superseded_at = $2 WHERE token_hash IN (
		SELECT token_hash FROM refresh_tokens
		WHERE family_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND superseded_at IS NULL
		FOR UPDATE SKIP LOCKED)`, familyID, at)
	return err
}

// MarkRefreshTokenUsed records that client exchanged the token at at.
func (r repo) MarkRefreshTokenUsed(ctx context.Context, hash []byte, at time.Time, client string) error {
	_, err := r.q.Exec(ctx, `UPDATE refresh_tokens SET used_at = $2, used_by = $3 WHERE token_hash = $1`, hash, at, client)
	return err
}

// familyRevoked asks whether any token of a family is revoked, by the
// revoked tokens alone (refresh_tokens_revoked_by_family), not every token
// the family was given.
const familyRevoked = `SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NOT NULL)`

// RefreshFamilyRevoked reports whether any token of a family is revoked.
func (r repo) RefreshFamilyRevoked(ctx context.Context, familyID uuid.UUID) (bool, error) {
	var revoked bool
	err := r.q.QueryRow(ctx, familyRevoked, familyID).Scan(&revoked)
	return revoked, err
}

// RevokeRefreshFamily revokes every token of a family not yet revoked,
// and reports whether there was one.
func (r repo) RevokeRefreshFamily(ctx context.Context, familyID uuid.UUID, at time.Time) (bool, error) {
	tag, err := r.q.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`, familyID, at)
	return tag.RowsAffected() > 0, err
}

func (r repo) RevokeUserRefreshFamilies(ctx context.Context, userID uuid.UUID, at time.Time) ([]uuid.UUID, error) {
	rows, err := r.q.Query(ctx, `WITH revoked AS (
		UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING family_id)
		SELECT DISTINCT family_id FROM revoked ORDER BY family_id`, userID, at)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// DeleteRefreshTokensExpiredBefore removes tokens that expired before t,
// but for a revoked one while its family still has a token that has not:
// the revoked rows are what refuses a newer token that escaped the
// revocation (RefreshFamilyRevoked), so they stay as long as it could be
// spent. A live session's spent tokens go as they expire.
func (r repo) DeleteRefreshTokensExpiredBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := r.q.Exec(ctx, `DELETE FROM refresh_tokens d WHERE d.expires_at < $1
		AND (d.revoked_at IS NULL OR NOT EXISTS (SELECT 1 FROM refresh_tokens l WHERE l.family_id = d.family_id AND l.expires_at >= $1))`, t)
	return tag.RowsAffected(), err
}

// SigningKeys returns every stored key, opened, the latest to activate
// first. A key sealed under a key-encryption key the store does not hold is
// an error that names it.
func (r repo) SigningKeys(ctx context.Context) ([]domain.SigningKey, error) {
	rows, err := r.q.Query(ctx, `SELECT kid, private_key_sealed, kek_id, created_at, activates_at FROM signing_keys
		ORDER BY activates_at DESC, created_at DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []domain.SigningKey
	for rows.Next() {
		var k domain.SigningKey
		var stored []byte
		var kekID *string
		if err := rows.Scan(&k.ID, &stored, &kekID, &k.CreatedAt, &k.ActivatesAt); err != nil {
			return nil, err
		}
		if k.Private, err = r.openSigningKey(k.ID, stored, kekID); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// CreateSigningKey stores a key, sealed.
func (r repo) CreateSigningKey(ctx context.Context, k domain.SigningKey) error {
	kekID, sealed, err := r.sealSigningKey(k)
	if err != nil {
		return err
	}
	_, err = r.q.Exec(ctx, `INSERT INTO signing_keys (kid, private_key_sealed, kek_id, created_at, activates_at)
		VALUES ($1, $2, $3, $4, $5)`, k.ID, sealed, kekID, k.CreatedAt, k.ActivatesAt)
	if err != nil {
		return fmt.Errorf("insert signing key: %w", err)
	}
	return nil
}

// ResealSigningKeys seals every key not sealed under the store's current
// key-encryption key (sealed under an older one, or stored in clear before
// keys were sealed) under the current one, and returns how many it
// changed. Run it inside InTx after LockSigningKeys.
func (r repo) ResealSigningKeys(ctx context.Context) (int, error) {
	if r.keys == nil {
		return 0, errNoKEK
	}
	rows, err := r.q.Query(ctx, `SELECT kid, private_key_sealed, kek_id FROM signing_keys
		WHERE kek_id IS DISTINCT FROM $1 FOR UPDATE`, r.keys.Primary())
	if err != nil {
		return 0, err
	}
	var stale []domain.SigningKey
	for rows.Next() {
		var k domain.SigningKey
		var stored []byte
		var kekID *string
		if err := rows.Scan(&k.ID, &stored, &kekID); err != nil {
			rows.Close()
			return 0, err
		}
		if k.Private, err = r.openSigningKey(k.ID, stored, kekID); err != nil {
			rows.Close()
			return 0, err
		}
		stale = append(stale, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, k := range stale {
		kekID, sealed, err := r.sealSigningKey(k)
		if err != nil {
			return 0, err
		}
		if _, err := r.q.Exec(ctx, `UPDATE signing_keys SET private_key_sealed = $2, kek_id = $3 WHERE kid = $1`,
			k.ID, sealed, kekID); err != nil {
			return 0, fmt.Errorf("reseal signing key %s: %w", k.ID, err)
		}
	}
	return len(stale), nil
}

// errNoKEK is a store built without key-encryption keys asked to handle a
// sealed signing key.
var errNoKEK = errors.New("signing keys are sealed at rest: SIGNING_KEY_ENCRYPTION_KEY is required")

// signingKeyAAD binds a sealed key to its row, so a sealed value copied onto
// another key id does not open.
func signingKeyAAD(kid string) []byte { return []byte("crossdock.users.signing_keys:" + kid) }

func (r repo) sealSigningKey(k domain.SigningKey) (string, []byte, error) {
	if r.keys == nil {
		return "", nil, errNoKEK
	}
	kekID, sealed := r.keys.Seal(k.Private, signingKeyAAD(k.ID))
	return kekID, sealed, nil
}

// openSigningKey opens a stored key; kekID nil is a key stored in clear
// before keys were sealed, which ResealSigningKeys seals at start.
func (r repo) openSigningKey(kid string, stored []byte, kekID *string) (ed25519.PrivateKey, error) {
	if kekID == nil {
		return stored, nil
	}
	if r.keys == nil {
		return nil, errNoKEK
	}
	priv, err := r.keys.Open(*kekID, stored, signingKeyAAD(kid))
	if errors.Is(err, kek.ErrUnknownKey) {
		return nil, fmt.Errorf("signing key %s is sealed under key-encryption key %q, which SIGNING_KEY_ENCRYPTION_KEY does not hold: keep a retired key there until every row is resealed: %w",
			kid, *kekID, err)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", kid, err)
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("signing key %s: opened %d bytes, want %d", kid, len(priv), ed25519.PrivateKeySize)
	}
	return priv, nil
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
