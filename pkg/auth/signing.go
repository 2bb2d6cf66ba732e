package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// signingContext is the fixed message that turns a client secret into its
// request-signing key; the version lets the derivation change one day
// without ambiguity.
const signingContext = "crossdock-request-signing-v1"

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

// DeriveSigningKey turns a client secret into the key both sides sign
// requests with: HMAC-SHA256(key=secret, "crossdock-request-signing-v1").
// The users service stores only this derived key, never the secret.
func DeriveSigningKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signingContext))
	return m.Sum(nil)
}

// StringToSign is what a request's signature covers:
// method "\n" unix-seconds "\n" nonce "\n" hex(sha256(body)).
func StringToSign(method string, unixSeconds int64, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	return method + "\n" + strconv.FormatInt(unixSeconds, 10) + "\n" + nonce + "\n" + hex.EncodeToString(sum[:])
}

// SignRequest returns the base64url (unpadded) HMAC-SHA256 of the request's
// StringToSign under key.
func SignRequest(key []byte, method string, ts time.Time, nonce string, body []byte) string {
	return b64.EncodeToString(mac(key, StringToSign(method, ts.Unix(), nonce, body)))
}

func mac(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// APIClient is a signed-request client as the verifier needs it: the keys
// it may currently sign with (the current one and, during a secret
// rotation's overlap, the previous one) and what it acts as.
type APIClient struct {
	Keys [][]byte
	// Roles are RolePartner or RoleERP.
	Roles []string
	// OrganizationID is the supplier an ERP client acts for.
	OrganizationID string
}

// KeyLookup returns a client's keys and identity. An unknown or disabled
// client is an apperr NotFound or Unauthenticated error; any other error
// means the client could not be looked up.
type KeyLookup func(ctx context.Context, clientID string) (APIClient, error)

// NonceStore remembers the nonces of accepted requests, per client.
type NonceStore interface {
	// Remember records the nonce and reports whether it was new; it must be
	// remembered at least until `until`.
	Remember(ctx context.Context, clientID, nonce string, until time.Time) (bool, error)
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

// Verify checks a signed request from clientID. The signature is compared,
// in constant time, against every key the client may use; the timestamp
// (unix seconds) must be within ±Skew of now; and the nonce must not have
// been seen in the last 2×Skew. The nonce is recorded only after the
// signature checks out, so a forged request cannot burn a nonce a legitimate
// client is about to use. The result is the client as a Caller, valid until
// the timestamp leaves the window.
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
	if len(signature) != b64.EncodedLen(sha256.Size) {
		return Caller{}, ErrBadSignature
	}
	var given [sha256.Size]byte
	if n, err := b64.Decode(given[:], []byte(signature)); err != nil || n != sha256.Size {
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
	msg := StringToSign(method, sec, nonce, body)
	match := 0
	for _, k := range client.Keys {
		// Every key is tried even after a match, so timing does not reveal
		// which key (current or previous) a client uses.
		if hmac.Equal(mac(k, msg), given[:]) {
			match = 1
		}
	}
	if match == 0 {
		return Caller{}, ErrBadSignature
	}
	fresh, err := v.Nonces.Remember(ctx, clientID, nonce, now.Add(2*skew))
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
