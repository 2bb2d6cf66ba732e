package restmarket_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/restmarket"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

func unreachable(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Kind == apperr.KindUnavailable && e.Reason == "PARTNER_UNREACHABLE"
}

// Each way a call can fail maps to what docking does about it; none of
// them quotes the app secret.
func TestCallErrors(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()
	tests := []struct {
		name    string
		faults  partnersim.Faults
		partner func(p *domain.Partner)
		check   func(t *testing.T, err error)
	}{
		{"rate limited", partnersim.Faults{RateLimit: 1, RetryAfter: 2 * time.Second}, nil, func(t *testing.T, err error) {
			if after, ok := app.RetryAfter(err); !ok || after != 2*time.Second {
				t.Errorf("%v: want RateLimited after 2s", err)
			}
		}},
		{"server error", partnersim.Faults{ServerError: 1}, nil, func(t *testing.T, err error) {
			if !unreachable(err) {
				t.Errorf("%v: want Unavailable PARTNER_UNREACHABLE", err)
			}
		}},
		{"timeout", partnersim.Faults{Timeout: 1, TimeoutDelay: 5 * time.Second}, nil, func(t *testing.T, err error) {
			if !unreachable(err) {
				t.Errorf("%v: want Unavailable PARTNER_UNREACHABLE", err)
			}
		}},
		{"nothing listening", partnersim.Faults{}, func(p *domain.Partner) { p.Endpoint = closedURL }, func(t *testing.T, err error) {
			if !unreachable(err) {
				t.Errorf("%v: want Unavailable PARTNER_UNREACHABLE", err)
			}
		}},
		{"wrong secret", partnersim.Faults{}, func(p *domain.Partner) { p.Credentials.AppSecret = "as_wrong" }, func(t *testing.T, err error) {
			if !errors.Is(err, restmarket.ErrRefused) {
				t.Errorf("%v: want PARTNER_REFUSED", err)
			}
		}},
		{"wrong app key", partnersim.Faults{}, func(p *domain.Partner) { p.Credentials.AppKey = "ak_other" }, func(t *testing.T, err error) {
			if !errors.Is(err, restmarket.ErrRefused) {
				t.Errorf("%v: want PARTNER_REFUSED", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startMarket(t, partnersim.MarketConfig{Faults: tt.faults}, start)
			client := restmarket.New(partnertls.Transport{Plaintext: true}, 300*time.Millisecond)
			if tt.partner != nil {
				tt.partner(&m.partner)
			}
			began := time.Now()
			_, err := client.GetOrder(t.Context(), m.partner, "po-1")
			tt.check(t, err)
			if d := time.Since(began); d > 2*time.Second {
				t.Errorf("the call took %v despite its 300ms timeout", d)
			}
			if err != nil && strings.Contains(err.Error(), m.partner.Credentials.AppSecret) {
				t.Errorf("the error quotes the app secret: %v", err)
			}
		})
	}
}
