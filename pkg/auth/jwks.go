package auth

import (
	"context"
	"crypto/ed25519"
	"fmt"

	usersv1 "github.com/crossdock/crossdock/gen/crossdock/users/v1"
)

// JWK is one public key in RFC 7517 form. Access-token keys are
// {"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig"} with the raw public
// key, base64url-encoded, in X (RFC 8037).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS is a JSON Web Key Set, the document GetJwks returns.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK describes an Ed25519 public key as a JWK with the given key id.
func PublicJWK(kid string, pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(pub), Kid: kid, Alg: algEdDSA, Use: "sig"}
}

// Proto converts the key to its wire form in the users contract.
func (k JWK) Proto() *usersv1.Jwk {
	return &usersv1.Jwk{Kty: k.Kty, Crv: k.Crv, X: k.X, Kid: k.Kid, Alg: k.Alg, Use: k.Use}
}

// Proto converts the key set to the GetJwks response.
func (s JWKS) Proto() *usersv1.GetJwksResponse {
	resp := &usersv1.GetJwksResponse{Keys: make([]*usersv1.Jwk, 0, len(s.Keys))}
	for _, k := range s.Keys {
		resp.Keys = append(resp.Keys, k.Proto())
	}
	return resp
}

// JWKSFromProto converts a GetJwks response back to a key set.
func JWKSFromProto(resp *usersv1.GetJwksResponse) JWKS {
	set := JWKS{Keys: make([]JWK, 0, len(resp.GetKeys()))}
	for _, k := range resp.GetKeys() {
		set.Keys = append(set.Keys, JWK{Kty: k.GetKty(), Crv: k.GetCrv(), X: k.GetX(), Kid: k.GetKid(), Alg: k.GetAlg(), Use: k.GetUse()})
	}
	return set
}

// KeySource returns the current public keys that verify access tokens.
type KeySource func(ctx context.Context) (JWKS, error)

// UsersKeySource fetches the keys from the users service's GetJwks.
func UsersKeySource(client usersv1.UsersServiceClient) KeySource {
	return func(ctx context.Context) (JWKS, error) {
		resp, err := client.GetJwks(ctx, &usersv1.GetJwksRequest{})
		if err != nil {
			return JWKS{}, fmt.Errorf("auth: fetch JWKS from users: %w", err)
		}
		return JWKSFromProto(resp), nil
	}
}

// StaticKeySource always returns the same keys: for the users service, which
// verifies with the keys it holds, and for tests.
func StaticKeySource(keys ...JWK) KeySource {
	set := JWKS{Keys: keys}
	return func(context.Context) (JWKS, error) { return set, nil }
}

// publicKeys indexes the usable Ed25519 signing keys of a set by kid. Keys of
// other types or uses are skipped rather than rejected, so the issuer can
// publish new kinds of keys without breaking older verifiers; the first of
// duplicate kids wins.
func publicKeys(set JWKS) map[string]ed25519.PublicKey {
	keys := make(map[string]ed25519.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Kid == "" ||
			(k.Alg != "" && k.Alg != algEdDSA) || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if _, dup := keys[k.Kid]; dup {
			continue
		}
		x, err := b64.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			continue
		}
		keys[k.Kid] = ed25519.PublicKey(x)
	}
	return keys
}
