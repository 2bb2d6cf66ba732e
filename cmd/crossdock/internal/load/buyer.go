package load

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// Buyer is one account of the pool: the gateway as seen from its own client
// address, and its tokens.
type Buyer struct {
	Email string
	API   *API

	password string
	mu       sync.Mutex
	access   string
	refresh  string
	renewAt  time.Time
}

// Token returns an access token, renewing it with the refresh token shortly
// before it expires (access tokens live 15 minutes; a long run outlives
// them), or by signing in again when the refresh fails.
func (b *Buyer) Token(ctx context.Context) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.access != "" && time.Now().Before(b.renewAt) {
		return b.access, nil
	}
	if b.refresh != "" {
		var t tokensJSON
		if err := b.API.Call(ctx, "POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": b.refresh}, &t); err == nil {
			b.keep(t)
			return b.access, nil
		}
	}
	if err := b.login(ctx); err != nil {
		return "", err
	}
	return b.access, nil
}

// login signs the buyer in with its password.
func (b *Buyer) login(ctx context.Context) error {
	var t tokensJSON
	if err := b.API.Call(ctx, "POST", "/v1/auth/login", "", map[string]string{"email": b.Email, "password": b.password}, &t); err != nil {
		return fmt.Errorf("sign in as %s: %w", b.Email, err)
	}
	if t.Tokens.AccessToken == "" {
		return &UnexpectedError{What: "sign in as " + b.Email + ": the answer holds no access token"}
	}
	b.keep(t)
	return nil
}

func (b *Buyer) keep(t tokensJSON) {
	ttl := time.Duration(t.Tokens.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 15 * time.Minute
	}
	b.access, b.refresh = t.Tokens.AccessToken, t.Tokens.RefreshToken
	b.renewAt = time.Now().Add(ttl - min(ttl/5, time.Minute))
}

// sourceAddr is buyer i's own loopback client address, 127.1.x.y. The
// gateway rate-limits per client address; real buyers come from addresses of
// their own, and a pool sharing one would measure the limiter instead of the
// mesh (and sign-ups would crawl at the credential routes' limit).
func sourceAddr(i int) net.IP {
	return net.IPv4(127, 1, byte(i/254), byte(i%254+1))
}

// canSpread reports whether the gateway can be reached from a 127.1.x.y
// client address: true on Linux for an IPv4 loopback gateway; not where only
// 127.0.0.1 is configured (macOS), nor for ::1.
func canSpread(ctx context.Context, hostport string) bool {
	d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: sourceAddr(0)}}
	c, err := d.DialContext(ctx, "tcp4", hostport)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
