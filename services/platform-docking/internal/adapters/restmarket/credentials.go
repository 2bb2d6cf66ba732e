package restmarket

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"net/url"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

var _ app.CredentialChecker = (*Client)(nil)

// CheckCredentials verifies a REST partner: it calls seller.get with the
// nonce (in hex), signed with the stored app key and secret, and checks
// the partner's nonce_sign with the secret. The partner accepting our
// signature and answering the HMAC proves the endpoint is the partner that
// issued these credentials, as the handshake proves a standard one. A
// partner refusing or answering a wrong nonce_sign is app.HandshakeFailed;
// an endpoint that cannot be reached or is rate limiting is Unavailable.
func (c *Client) CheckCredentials(ctx context.Context, p domain.Partner, nonce []byte) error {
	if p.Credentials.AppKey == "" || p.Credentials.AppSecret == "" {
		return app.HandshakeFailed("no app key and secret are stored for it", nil)
	}
	n := hex.EncodeToString(nonce)
	var a struct {
		SellerID  string `json:"seller_id"`
		NonceSign string `json:"nonce_sign"`
	}
	err := c.call(ctx, p, "seller.get", url.Values{"nonce": {n}}, &a)
	if after, limited := app.RetryAfter(err); limited {
		return apperr.Unavailable("the partner is rate limiting us").WithReason("PARTNER_UNREACHABLE").
			WithRetryDelay(after).Wrap(err)
	}
	switch apperr.KindOf(err) {
	case apperr.KindUnknown:
		if err != nil {
			return err
		}
	case apperr.KindUnavailable:
		return err
	default:
		return app.HandshakeFailed("the partner refused seller.get signed with the stored app key and secret", err)
	}
	got, decodeErr := hex.DecodeString(a.NonceSign)
	if decodeErr != nil || !hmac.Equal(got, nonceSign(p.Credentials.AppSecret, n)) {
		return app.HandshakeFailed("its nonce_sign does not verify with the stored app secret", nil)
	}
	return nil
}
