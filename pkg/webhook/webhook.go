// Package webhook signs and verifies webhook deliveries the way payment
// providers do (Stripe's scheme): the sender puts
//
//	t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// in a header. Signing the timestamp with the body lets the receiver refuse
// a replay of an old delivery without keeping every body it has seen; the
// receiver still deduplicates by event id for deliveries inside the window.
// A header may carry several v1 values, so a sender can sign with an old and
// a new secret while they are rotated.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a delivery's timestamp may be from the
// receiver's clock, either way.
const DefaultTolerance = 5 * time.Minute

// Errors Verify returns; the receiver answers each with a client error and
// credits nothing.
var (
	// ErrMalformed: the header is missing or not in the t=…,v1=… form.
	ErrMalformed = errors.New("webhook: malformed signature header")
	// ErrSignature: no v1 value matches the body under the secret.
	ErrSignature = errors.New("webhook: signature does not match")
	// ErrTimestamp: the signed time is further from now than the tolerance.
	ErrTimestamp = errors.New("webhook: timestamp outside the tolerance")
)

// Sign returns the header value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// Verify checks header against body: one v1 value must be the HMAC of the
// signed payload under one of secrets, and the signed time must be within
// tolerance of now. It returns the signed time.
func Verify(header string, body []byte, now time.Time, tolerance time.Duration, secrets ...[]byte) (time.Time, error) {
	ts, sigs, err := parse(header)
	if err != nil {
		return time.Time{}, err
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, ErrMalformed
	}
	matched := false
	for _, secret := range secrets {
		want := mac(secret, ts, body)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				matched = true
			}
		}
	}
	if !matched {
		return time.Time{}, ErrSignature
	}
	signed := time.Unix(sec, 0)
	if d := now.Sub(signed); d > tolerance || d < -tolerance {
		return signed, ErrTimestamp
	}
	return signed, nil
}

func parse(header string) (ts string, sigs [][]byte, err error) {
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", nil, ErrMalformed
		}
		switch k {
		case "t":
			if ts != "" {
				return "", nil, ErrMalformed
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return "", nil, ErrMalformed
			}
			sigs = append(sigs, sig)
		}
		// Other schemes (v0, …) are ignored, as providers ask receivers to.
	}
	if ts == "" || len(sigs) == 0 {
		return "", nil, ErrMalformed
	}
	return ts, sigs, nil
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
