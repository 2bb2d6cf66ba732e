package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// Request-signing keys are Ed25519 key pairs. The client keeps the private
// key; Crossdock stores and caches only the public key, so nothing it holds
// can sign a request. Keys travel in the forms common tools read and write:
// PEM (PKCS#8 "PRIVATE KEY", PKIX "PUBLIC KEY", as `openssl genpkey
// -algorithm ed25519` makes them) or the base64 of the raw 32 bytes (the
// private key's seed, or the public key).

// GenerateRequestKey returns a new key pair for a signing client.
func GenerateRequestKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("auth: generate request-signing key: %w", err)
	}
	return priv, nil
}

// EncodeRequestPrivateKey returns key as PKCS#8 PEM, the form handed to a
// client once.
func EncodeRequestPrivateKey(key ed25519.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("auth: encode request-signing key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// EncodeRequestPublicKey returns key as PKIX PEM, the form shown in client
// listings.
func EncodeRequestPublicKey(key ed25519.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("auth: encode request-verifying key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ErrNotEd25519Key is returned for a key that is neither PEM nor base64 of
// an Ed25519 key of the expected kind.
var ErrNotEd25519Key = errors.New("not an Ed25519 key: want PEM or the base64 of its 32 bytes")

// ParseRequestPrivateKey reads a client's private key: PKCS#8 PEM, or the
// base64 (standard or URL alphabet, padded or not) of its 32-byte seed.
func ParseRequestPrivateKey(text string) (ed25519.PrivateKey, error) {
	text = strings.TrimSpace(text)
	if block, _ := pem.Decode([]byte(text)); block != nil {
		if block.Type != "PRIVATE KEY" {
			return nil, ErrNotEd25519Key
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotEd25519Key, err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, ErrNotEd25519Key
		}
		return priv, nil
	}
	seed, ok := decodeKeyBytes(text, ed25519.SeedSize)
	if !ok {
		return nil, ErrNotEd25519Key
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ParseRequestPublicKey reads a client's public key: PKIX PEM, or the base64
// (standard or URL alphabet, padded or not) of its 32 bytes.
func ParseRequestPublicKey(text string) (ed25519.PublicKey, error) {
	text = strings.TrimSpace(text)
	if block, _ := pem.Decode([]byte(text)); block != nil {
		if block.Type != "PUBLIC KEY" {
			return nil, ErrNotEd25519Key
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotEd25519Key, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, ErrNotEd25519Key
		}
		return pub, nil
	}
	raw, ok := decodeKeyBytes(text, ed25519.PublicKeySize)
	if !ok {
		return nil, ErrNotEd25519Key
	}
	return ed25519.PublicKey(raw), nil
}

// decodeKeyBytes decodes base64 in any of its four common spellings and
// checks the length.
func decodeKeyBytes(text string, size int) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil {
			return b, len(b) == size
		}
	}
	return nil, false
}
