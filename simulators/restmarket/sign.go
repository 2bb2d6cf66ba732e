package restmarket

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
)

// Sign returns a call's signature: the upper-case hex HMAC-SHA256, keyed by
// the app secret, of every parameter but sign sorted by name, each written
// as name then value with no separators. Exported for tests and tools that
// call the simulator by hand.
func Sign(params url.Values, secret string) string {
	return strings.ToUpper(hex.EncodeToString(signature(params, secret)))
}

func signature(params url.Values, secret string) []byte {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "sign" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	mac := hmac.New(sha256.New, []byte(secret))
	for _, name := range names {
		mac.Write([]byte(name))
		mac.Write([]byte(params.Get(name)))
	}
	return mac.Sum(nil)
}

// signed reports whether the call's sign is its signature (hex in either
// case), compared in constant time.
func signed(params url.Values, secret string) bool {
	got, err := hex.DecodeString(params.Get("sign"))
	return err == nil && hmac.Equal(got, signature(params, secret))
}

// NonceSign is seller.get's proof that the platform holds the app secret:
// the lower-case hex HMAC-SHA256 of "verify:" + nonce under it.
func NonceSign(secret, nonce string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("verify:" + nonce))
	return hex.EncodeToString(mac.Sum(nil))
}
