package restmarket

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
)

// sign returns the signature of a call's parameters: the upper-case hex
// HMAC-SHA256, keyed by the app secret, of every parameter but sign sorted
// by name, each written as name then value with no separators. Sorting
// makes it independent of how the form was encoded.
func sign(params url.Values, secret string) string {
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
	return strings.ToUpper(hex.EncodeToString(mac.Sum(nil)))
}

// nonceSign is what the partner answers seller.get with: the hex
// HMAC-SHA256 of "verify:" + nonce under the app secret, which only a
// holder of the secret can compute.
func nonceSign(secret, nonce string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("verify:" + nonce))
	return mac.Sum(nil)
}
