package app

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/users/internal/domain"
)

// Credential is what a new or rotated client is shown once and Crossdock
// never keeps: a service account's secret, or the private key generated for
// a partner or ERP (PKCS#8 PEM; empty when the client registered its own
// public key).
type Credential struct {
	Secret     string
	PrivateKey string
}

// secretHashContext keys the hash of a service account's secret. It keeps
// the value of the request-signing derivation it replaced, so the hashes of
// service accounts stored before stay valid.
const secretHashContext = "crossdock-request-signing-v1"

// hashClientSecret is what is stored of a service account's secret: a keyed
// SHA-256 is enough because the secret is long and random (or configured
// with at least minServiceSecretLength characters), unlike a password.
func hashClientSecret(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(secretHashContext))
	return m.Sum(nil)
}

// newCredential makes a credential for a client of kind and returns what to
// store (its verifier, see domain.APIClient.Key) and what to show once. A
// partner or ERP that sent publicKey registers it; otherwise a key pair is
// generated. A public key that does not parse is InvalidArgument on
// "public_key".
func newCredential(kind domain.APIClientKind, publicKey string) ([]byte, Credential, error) {
	if kind == domain.ClientService {
		if publicKey != "" {
			return nil, Credential{}, apperr.InvalidField("public_key", "is only for partner and ERP clients")
		}
		secret := randomToken()
		return hashClientSecret(secret), Credential{Secret: secret}, nil
	}
	if publicKey != "" {
		pub, err := auth.ParseRequestPublicKey(publicKey)
		if err != nil {
			return nil, Credential{}, apperr.InvalidField("public_key", "must be an Ed25519 public key: PEM (PUBLIC KEY) or the base64 of its 32 bytes")
		}
		return pub, Credential{}, nil
	}
	priv, err := auth.GenerateRequestKey()
	if err != nil {
		return nil, Credential{}, err
	}
	text, err := auth.EncodeRequestPrivateKey(priv)
	if err != nil {
		return nil, Credential{}, err
	}
	return priv.Public().(ed25519.PublicKey), Credential{PrivateKey: text}, nil
}
