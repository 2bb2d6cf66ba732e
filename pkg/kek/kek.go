// Package kek seals secrets at rest under key-encryption keys, so a copy of
// the database (a backup, a replica, a dump) does not hold them in clear.
// Keys have ids for rotation: the first key of a Ring seals, every key of it
// opens, and what was sealed under an older key can be sealed again under the
// newest one.
package kek

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// KeySize is the length of a key-encryption key: AES-256.
const KeySize = 32

// Overhead is how much longer a sealed value is than its plaintext: the
// GCM nonce in front and the authentication tag behind.
const Overhead = 12 + 16

var keyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ErrUnknownKey is returned for a value sealed under a key the Ring does not
// hold: the key was taken out of the configuration too early.
var ErrUnknownKey = errors.New("kek: sealed under a key-encryption key that is not configured")

// Ring is a set of AES-256-GCM key-encryption keys.
type Ring struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// Parse reads "kid1:base64key,kid2:base64key": ids of 1 to 64 letters,
// digits, dots, dashes or underscores, and keys of 32 bytes in standard or
// URL-safe base64 (padded or not). The first key seals; all open. Errors
// name the key id, never the key.
func Parse(spec string) (*Ring, error) {
	r := &Ring{aeads: map[string]cipher.AEAD{}}
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, encoded, ok := strings.Cut(part, ":")
		if !ok || !keyID.MatchString(id) {
			return nil, fmt.Errorf("key %d: want key_id:base64key with an id of 1 to 64 letters, digits, dots, dashes or underscores", i+1)
		}
		if _, dup := r.aeads[id]; dup {
			return nil, fmt.Errorf("key %q is given twice", id)
		}
		key, ok := decodeKey(encoded)
		if !ok {
			return nil, fmt.Errorf("key %q: want %d bytes in base64", id, KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		if r.primary == "" {
			r.primary = id
		}
		r.aeads[id] = aead
	}
	if r.primary == "" {
		return nil, errors.New("no key given")
	}
	return r, nil
}

// DefaultKeyID names a key given bare in a setting (ParseSetting).
const DefaultKeyID = "default"

// ParseSetting reads a service's key setting: a bare base64 key (one key,
// named DefaultKeyID), or a ring as Parse reads it during a rotation.
// Standard and URL-safe base64 have no colon, so a bare key is never
// mistaken for a ring.
func ParseSetting(spec string) (*Ring, error) {
	spec = strings.TrimSpace(spec)
	if spec != "" && !strings.Contains(spec, ":") {
		spec = DefaultKeyID + ":" + spec
	}
	return Parse(spec)
}

// MustParse is Parse for rings fixed in code (tests, generated development
// keys): it panics on a spec Parse refuses.
func MustParse(spec string) *Ring {
	r, err := Parse(spec)
	if err != nil {
		panic("kek: " + err.Error())
	}
	return r
}

func decodeKey(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, len(b) == KeySize
		}
	}
	return nil, false
}

// Generate returns a new "kid:base64key" entry, for development
// configurations and for operators adding a key.
func Generate(id string) string {
	key := make([]byte, KeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never returns an error
	return id + ":" + base64.StdEncoding.EncodeToString(key)
}

// Primary is the id of the key that seals.
func (r *Ring) Primary() string { return r.primary }

// Seal encrypts plaintext under the primary key and returns that key's id
// and nonce ‖ ciphertext ‖ tag. aad binds the value to where it is stored
// (a row's id), so a sealed value copied to another row does not open.
func (r *Ring) Seal(plaintext, aad []byte) (kid string, sealed []byte) {
	aead := r.aeads[r.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never returns an error
	return r.primary, aead.Seal(nonce, nonce, plaintext, aad)
}

// Open decrypts a value Seal made under key kid with the same aad. A value
// changed in any way, or stored under another aad, does not open.
func (r *Ring) Open(kid string, sealed, aad []byte) ([]byte, error) {
	aead, ok := r.aeads[kid]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, kid)
	}
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, errors.New("kek: sealed value too short")
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("kek: open a value sealed under %q: %w", kid, err)
	}
	return plain, nil
}
