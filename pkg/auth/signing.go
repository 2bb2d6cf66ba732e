package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// signatureEncoding spells a request signature: base64url without padding,
// strict, so a signature has one spelling.
var signatureEncoding = base64.RawURLEncoding.Strict()

// DefaultSkew is how far a signed request's timestamp may be from the
// verifier's clock.
const DefaultSkew = 5 * time.Minute

// Errors of signed-request verification. They are deliberately coarse: a
// client learns that the request was refused, not which check failed
// (except for the clock window, which an honest client needs to know to fix
// its clock).
var (
	ErrBadSignature   = apperr.Unauthenticated("invalid request signature").WithReason("INVALID_SIGNATURE")
	ErrStaleTimestamp = apperr.Unauthenticated("request timestamp outside the allowed window").WithReason("TIMESTAMP_OUTSIDE_WINDOW")
	ErrReplayedNonce  = apperr.Unauthenticated("request nonce already used").WithReason("NONCE_REUSED")
)

// StringToSign is what a request's signature covers:
// method "\n" unix-seconds "\n" nonce "\n" hex(sha256(body)).
func StringToSign(method string, unixSeconds int64, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	return method + "\n" + strconv.FormatInt(unixSeconds, 10) + "\n" + nonce + "\n" + hex.EncodeToString(sum[:])
}

// SignRequest returns the base64url (unpadded) Ed25519 signature of the
// request's StringToSign under the client's private key.
func SignRequest(key ed25519.PrivateKey, method string, ts time.Time, nonce string, body []byte) string {
	return signatureEncoding.EncodeToString(ed25519.Sign(key, []byte(StringToSign(method, ts.Unix(), nonce, body))))
}

// APIClient is a signed-request client as the verifier needs it: the public
// keys that verify its signatures (the current one and, during a rotation's
// overlap, the previous one) and what it acts as. Only public keys: nothing
// a verifier holds can sign.
type APIClient struct {
	Keys []ed25519.PublicKey
	// Roles are RolePartner or RoleERP.
	Roles []string
	// OrganizationID is the supplier an ERP client acts for.
	OrganizationID string
}

// KeyLookup returns a client's keys and identity. An unknown or disabled
// client is an apperr NotFound or Unauthenticated error; any other error
// means the client could not be looked up.
type KeyLookup func(ctx context.Context, clientID string) (APIClient, error)

// NonceStore remembers the nonces of accepted requests, per signer (the
// key that signed them: RequestVerifier names it "key:" and its base64).
type NonceStore interface {
	// Remember records the nonce and reports whether it was new; it must be
	// remembered at least until `until`.
	Remember(ctx context.Context, signer, nonce string, until time.Time) (bool, error)
}

// RequestVerifier checks signed requests. Keys and Nonces are required; Skew
// defaults to DefaultSkew and Now to time.Now.
type RequestVerifier struct {
	Keys   KeyLookup
	Nonces NonceStore
	Skew   time.Duration
	Now    func() time.Time
}

// Nonce limits: long enough to be unguessable, short enough to store.
const (
	minNonceLen = 16
	maxNonceLen = 128
	maxIDLen    = 128
)

// nonceClockMargin is how much longer than its request may be accepted a
// nonce is remembered, for a nonce store whose clock runs ahead.
const nonceClockMargin = time.Minute

// Verify checks a signed request from clientID. The Ed25519 signature must
// verify under one of the client's public keys; the timestamp
// (unix seconds) must be within ±Skew of now; and the nonce must not have
// been seen while a request with it could be accepted (until its timestamp
// is Skew old, and nonceClockMargin more). The nonce is recorded only after
// the signature checks out, so a forged request cannot burn a nonce a
// legitimate client is about to use. The result is the client as a Caller,
// valid until the timestamp leaves the window.
func (v *RequestVerifier) Verify(ctx context.Context, clientID, method, timestamp, nonce, signature string, body []byte) (Caller, error) {
	skew := v.Skew
	if skew <= 0 {
		skew = DefaultSkew
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if clientID == "" || len(clientID) > maxIDLen || !validNonce(nonce) {
		return Caller{}, ErrBadSignature
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || strconv.FormatInt(sec, 10) != timestamp {
		return Caller{}, ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > skew || d < -skew {
		return Caller{}, ErrStaleTimestamp
	}
	if len(signature) != signatureEncoding.EncodedLen(ed25519.SignatureSize) {
		return Caller{}, ErrBadSignature
	}
	var given [ed25519.SignatureSize]byte
	if n, err := signatureEncoding.Decode(given[:], []byte(signature)); err != nil || n != ed25519.SignatureSize {
		return Caller{}, ErrBadSignature
	}
	client, err := v.Keys(ctx, clientID)
	if err != nil {
		switch apperr.KindOf(err) {
		case apperr.KindNotFound, apperr.KindUnauthenticated, apperr.KindPermissionDenied:
			return Caller{}, ErrBadSignature.Wrap(err)
		}
		return Caller{}, fmt.Errorf("auth: look up keys of client %q: %w", clientID, err)
	}
	msg := []byte(StringToSign(method, sec, nonce, body))
	var signer ed25519.PublicKey
	for _, k := range client.Keys {
		// The keys are public, so the time a check takes reveals nothing
		// worth hiding; a key of the wrong size never matches.
		if len(k) == ed25519.PublicKeySize && ed25519.Verify(k, msg, given[:]) {
			signer = k
			break
		}
	}
	if signer == nil {
		return Caller{}, ErrBadSignature
	}
	// The nonce is remembered for the key that signed, not the client id
	// the request names: the string signed does not name the client, so a
	// request replayed under another client holding the same key (an
	// integrator's one key for several suppliers) is a replay too.
	// It is remembered for as long as the request could be accepted (until
	// its timestamp is Skew old) and nonceClockMargin more: the Postgres
	// store ends its memory by the database's clock, which may run ahead
	// of this one. Before, the memory ended at exactly the last moment a
	// request signed Skew ahead could still be accepted, so a database
	// clock any ahead let it be replayed for that long.
	until := time.Unix(sec, 0).Add(skew + nonceClockMargin)
	fresh, err := v.Nonces.Remember(ctx, "key:"+base64.RawStdEncoding.EncodeToString(signer), nonce, until)
	if err != nil {
		return Caller{}, fmt.Errorf("auth: remember nonce: %w", err)
	}
	if !fresh {
		return Caller{}, ErrReplayedNonce
	}
	return Caller{
		Subject:        clientID,
		Kind:           KindAPIClient,
		Roles:          client.Roles,
		OrganizationID: client.OrganizationID,
		ExpiresAt:      time.Unix(sec, 0).Add(skew),
	}, nil
}

// validNonce accepts printable ASCII without spaces or the newline that
// separates the fields of the string to sign.
func validNonce(nonce string) bool {
	if len(nonce) < minNonceLen || len(nonce) > maxNonceLen {
		return false
	}
	for i := 0; i < len(nonce); i++ {
		if nonce[i] <= ' ' || nonce[i] > '~' {
			return false
		}
	}
	return true
}

// NewNonce returns a random nonce for a signed request.
func NewNonce() string {
	return randomID(18)
}
