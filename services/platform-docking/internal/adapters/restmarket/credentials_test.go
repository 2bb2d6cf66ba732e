package restmarket_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// The partner proves it holds the secret by signing our nonce; with a
// secret it did not issue, the check fails, and a partner out of reach is
// not a failed proof.
func TestCheckCredentials(t *testing.T) {
	nonce := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name   string
		faults partnersim.Faults
		secret string
		check  func(error) bool
	}{
		{"the secret it issued", partnersim.Faults{}, appSecret, func(err error) bool { return err == nil }},
		{"another secret", partnersim.Faults{}, "as_not_issued", func(err error) bool { return errors.Is(err, app.ErrHandshakeFailed) }},
		{"no secret", partnersim.Faults{}, "", func(err error) bool { return errors.Is(err, app.ErrHandshakeFailed) }},
		{"server error", partnersim.Faults{ServerError: 1}, appSecret, unreachable},
		{"rate limited", partnersim.Faults{RateLimit: 1}, appSecret, unreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startMarket(t, partnersim.MarketConfig{Faults: tt.faults}, time.Now())
			m.partner.Credentials.AppSecret = tt.secret
			if err := m.client.CheckCredentials(t.Context(), m.partner, nonce); !tt.check(err) {
				t.Errorf("CheckCredentials = %v", err)
			}
		})
	}
}
