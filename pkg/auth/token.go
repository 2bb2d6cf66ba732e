package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// algEdDSA is the only JWS algorithm this package signs or accepts.
const algEdDSA = "EdDSA"

// b64 is base64url without padding (RFC 7515 §2), strict so that every value
// has exactly one encoding and tokens cannot be altered without breaking them.
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

// header is the JOSE header. Crit is decoded only to refuse tokens that
// demand extensions this package does not implement (RFC 7515 §4.1.11).
type header struct {
	Alg  string          `json:"alg"`
	Typ  string          `json:"typ,omitempty"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit,omitempty"`
}

// claims is the token payload: the registered claims plus Crossdock's own.
type claims struct {
	Iss     string   `json:"iss"`
	Aud     audience `json:"aud"`
	Sub     string   `json:"sub"`
	Iat     int64    `json:"iat"`
	Nbf     int64    `json:"nbf"`
	Exp     int64    `json:"exp"`
	Jti     string   `json:"jti"`
	Kind    Kind     `json:"kind"`
	Roles   []string `json:"roles"`
	Org     string   `json:"org,omitempty"`
	OrgRole string   `json:"org_role,omitempty"`
}

// audience is the "aud" claim, which RFC 7519 allows as a string or an array
// of strings. It is always written as an array.
type audience []string

func (a *audience) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	return json.Unmarshal(data, (*[]string)(a))
}

func (a audience) contains(s string) bool {
	for _, v := range a {
		if v == s {
			return true
		}
	}
	return false
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
	hdr, err := json.Marshal(header{Alg: algEdDSA, Typ: "JWT", Kid: key.ID})
	if err != nil {
		return "", err
	}
	roles := c.Roles
	if roles == nil {
		roles = []string{}
	}
	iat := now.Unix()
	payload, err := json.Marshal(claims{
		Iss: Issuer, Aud: audience{Audience}, Sub: c.Subject,
		Iat: iat, Nbf: iat, Exp: now.Add(ttl).Unix(),
		Jti:  randomID(16),
		Kind: c.Kind, Roles: roles, Org: c.OrganizationID, OrgRole: c.OrganizationRole,
	})
	if err != nil {
		return "", err
	}
	signingInput := b64.EncodeToString(hdr) + "." + b64.EncodeToString(payload)
	sig := ed25519.Sign(key.Private, []byte(signingInput))
	return signingInput + "." + b64.EncodeToString(sig), nil
}

// randomID returns n random bytes as base64url: token ids, key ids, nonces.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	return b64.EncodeToString(b)
}
