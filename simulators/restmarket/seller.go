package restmarket

import "net/url"

// sellerGet answers the seller account the credentials act for and
// nonce_sign, the HMAC of the caller's nonce under the app secret: a
// caller checks it to know the endpoint really holds the secret it issued.
func sellerGet(s *server, params url.Values) (any, *apiError) {
	nonce, e := required(params, "nonce")
	if e != nil {
		return nil, e
	}
	return map[string]string{
		"seller_id":   s.cfg.SellerID,
		"seller_nick": s.cfg.SellerNick,
		"nonce_sign":  NonceSign(s.cfg.AppSecret, nonce),
	}, nil
}
