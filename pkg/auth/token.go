package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// algEdDSA is the only JWS algorithm this package signs or accepts.
const algEdDSA = "EdDSA"

// b64 is base64url without padding (RFC 7515 §2), strict so that every value
// has exactly one encoding: JWK key material, ids and request signatures.
var b64 = base64.RawURLEncoding.Strict()

// SigningKey is an Ed25519 key that signs access tokens. ID is the JWS "kid"
// that lets verifiers pick the matching public key during a rotation.
type SigningKey struct {
	ID      string
	Private ed25519.PrivateKey
}

// NewSigningKey generates a key with a random URL-safe id.
func NewSigningKey() (SigningKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("auth: generate signing key: %w", err)
	}
	return SigningKey{ID: randomID(12), Private: priv}, nil
}

// Public returns the public half of the key.
func (k SigningKey) Public() ed25519.PublicKey {
	return k.Private.Public().(ed25519.PublicKey)
}

// JWK returns the key's public half as published in the JWKS.
func (k SigningKey) JWK() JWK {
	return PublicJWK(k.ID, k.Public())
}

// claims is the token payload: the registered claims (checked by the jwt
// library's validator) plus Crossdock's own, checked by Validate.
type claims struct {
	jwt.RegisteredClaims
	Kind    Kind     `json:"kind"`
	Roles   []string `json:"roles"`
	Org     string   `json:"org,omitempty"`
	OrgRole string   `json:"org_role,omitempty"`
	Sid     string   `json:"sid,omitempty"`
}

// Validate refuses tokens that are well signed and in date but lack what a
// Caller needs; the jwt validator calls it after its own checks.
func (c *claims) Validate() error {
	if c.Subject == "" || c.ID == "" || (c.Kind != KindUser && c.Kind != KindService) {
		return errClaims
	}
	return nil
}

// Sign issues an access token for c, valid from now for ttl. The token id is
// random; c.TokenID and c.ExpiresAt are ignored. Only user and service
// callers get tokens: API clients sign each request instead.
func Sign(key SigningKey, c Caller, ttl time.Duration, now time.Time) (string, error) {
	switch {
	case key.ID == "":
		return "", errors.New("auth: signing key has no id")
	case len(key.Private) != ed25519.PrivateKeySize:
		return "", errors.New("auth: signing key is not an Ed25519 private key")
	case c.Subject == "":
		return "", errors.New("auth: token subject is empty")
	case c.Kind != KindUser && c.Kind != KindService:
		return "", fmt.Errorf("auth: cannot issue a token to a caller of kind %q", c.Kind)
	case ttl <= 0:
		return "", errors.New("auth: token lifetime must be positive")
	}
	roles := c.Roles
	if roles == nil {
		roles = []string{}
	}
	issued := jwt.NewNumericDate(now)
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, &claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Audience: jwt.ClaimStrings{Audience}, Subject: c.Subject,
			IssuedAt: issued, NotBefore: issued, ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			ID: randomID(16),
		},
		Kind: c.Kind, Roles: roles, Org: c.OrganizationID, OrgRole: c.OrganizationRole,
		Sid: c.SessionID,
	})
	tok.Header["kid"] = key.ID
	s, err := tok.SignedString(key.Private)
	if err != nil {
		return "", fmt.Errorf("auth: sign access token: %w", err)
	}
	return s, nil
}

// randomID returns n random bytes as base64url: token ids, key ids, nonces.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return b64.EncodeToString(b)
}
