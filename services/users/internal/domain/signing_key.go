package domain

import (
	"crypto/ed25519"
	"time"
)

// SigningKey is an Ed25519 key that signs access tokens. The newest active
// key signs; older ones only verify until the tokens they signed have
// expired. A key is published from CreatedAt and signs from ActivatesAt.
type SigningKey struct {
	ID          string
	Private     ed25519.PrivateKey
	CreatedAt   time.Time
	ActivatesAt time.Time
}

// Public returns the key's public half.
func (k SigningKey) Public() ed25519.PublicKey { return k.Private.Public().(ed25519.PublicKey) }
