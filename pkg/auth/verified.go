package auth

import (
	"crypto/ed25519"
	"slices"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// maxVerifiedTokens bounds the tokens a verifier remembers. Only tokens that
// verified are remembered, so filling it takes that many valid tokens; a full
// cache drops its expired entries, and everything when none has expired.
const maxVerifiedTokens = 8192

// verifiedTokens remembers the tokens a verifier accepted, so a token seen
// again (a buyer's every request, a service's token on every call) skips the
// signature check and the JSON decoding, which were about a twentieth of
// every service's CPU. What can change while a token is remembered is checked
// on every use: its expiry (with the leeway), its session's revocation, and
// that its key is still the one the key set publishes under its kid (so a
// withdrawn or replaced key stops it as before).
type verifiedTokens struct {
	mu     sync.Mutex
	tokens map[string]verifiedToken
}

// verifiedToken is what a token's verification established.
type verifiedToken struct {
	caller Caller
	kid    string
	key    ed25519.PublicKey
}

func (c *verifiedTokens) get(token string) (verifiedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[token]
	return t, ok
}

func (c *verifiedTokens) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tokens, token)
}

// remember stores a verified token; expiredBy says whether an entry is past
// use, for making room.
func (c *verifiedTokens) remember(token string, t verifiedToken, expiredBy func(verifiedToken) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil {
		c.tokens = map[string]verifiedToken{}
	}
	if len(c.tokens) >= maxVerifiedTokens {
		for k, e := range c.tokens {
			if expiredBy(e) {
				delete(c.tokens, k)
			}
		}
		if len(c.tokens) >= maxVerifiedTokens {
			clear(c.tokens)
		}
	}
	c.tokens[token] = t
}

// remembered answers a token verified before, when it is still good: in
// date at now (with leeway), its key still published under its kid, its
// session not revoked. ok is false when the token must be verified afresh
// (not remembered, or its key changed); a remembered token that expired or
// was revoked is refused here.
func (v *Verifier) remembered(token string, keyOf func(kid string) (ed25519.PublicKey, error)) (c Caller, ok bool, err error) {
	t, found := v.verified.get(token)
	if !found {
		return Caller{}, false, nil
	}
	if v.expired(t) {
		v.verified.forget(token)
		return Caller{}, true, ErrInvalidToken.Wrap(jwt.ErrTokenExpired)
	}
	if pub, err := keyOf(t.kid); err != nil || !pub.Equal(t.key) {
		v.verified.forget(token)
		return Caller{}, false, nil
	}
	if t.caller.SessionID != "" && v.revoked.Revoked(t.caller.SessionID) {
		return Caller{}, true, ErrInvalidToken.Wrap(errRevoked)
	}
	c = t.caller
	c.Roles = slices.Clone(c.Roles)
	return c, true, nil
}

// expired reports whether a remembered token is past its expiry and the
// leeway, as the parser decides it.
func (v *Verifier) expired(t verifiedToken) bool {
	return !v.now().Before(t.caller.ExpiresAt.Add(v.leeway))
}

func (c *verifiedTokens) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.tokens)
}
