package domain

import (
	"time"

	"github.com/google/uuid"
)

// RefreshToken is the stored side of an opaque refresh token: only the
// SHA-256 of the token is kept. Tokens chain in a family, one login's worth:
// each works once, and presenting a spent one means it was stolen or replayed,
// so the whole family is revoked.
type RefreshToken struct {
	Hash      []byte
	FamilyID  uuid.UUID
	UserID    uuid.UUID
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until exchanged
	// UsedBy is the client (its address) that exchanged it; "" until then,
	// and for tokens exchanged before it was kept.
	UsedBy    string
	RevokedAt time.Time // zero until its family is revoked
	// SupersededAt is set when another live token of the family (one
	// issued by an exchange within the reuse grace) was exchanged first:
	// the session went on without this one.
	SupersededAt time.Time
}

// Spent reports a token that was already exchanged, revoked or superseded:
// presenting it is a reuse.
func (t RefreshToken) Spent() bool {
	return !t.UsedAt.IsZero() || !t.RevokedAt.IsZero() || !t.SupersededAt.IsZero()
}

// InReuseGrace reports a token exchanged by client, neither revoked nor
// superseded, less than grace before now: presenting it again is a second
// tab of that client refreshing at once, not a reuse. Presented by another
// client it is a reuse however soon.
func (t RefreshToken) InReuseGrace(now time.Time, grace time.Duration, client string) bool {
	return !t.UsedAt.IsZero() && t.UsedBy != "" && t.UsedBy == client && t.RevokedAt.IsZero() && t.SupersededAt.IsZero() &&
		now.Before(t.UsedAt.Add(grace))
}

// Expired reports whether the token is past its lifetime at now.
func (t RefreshToken) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }
