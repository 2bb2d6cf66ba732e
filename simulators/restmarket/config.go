package restmarket

import (
	"errors"
	"time"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

// Config is the marketplace's open platform.
type Config struct {
	// AppKey and AppSecret are the credentials the platform issued to
	// Crossdock: calls must carry the key and be signed with the secret.
	AppKey, AppSecret string
	// SellerID and SellerNick are the seller account the credentials act
	// for, answered by seller.get. SellerNick defaults to SellerID.
	SellerID, SellerNick string
	// Market is the marketplace behind the API.
	Market *partnersim.Market
	// Now is the clock calls' timestamps are checked against; nil is
	// time.Now. It is not the market's clock, which tests may step.
	Now func() time.Time
}

// MaxClockSkew is how far a call's timestamp may be from the platform's
// clock, either way, before the call is refused.
const MaxClockSkew = 5 * time.Minute

func (c *Config) validate() error {
	var errs []error
	if c.AppKey == "" {
		errs = append(errs, errors.New("restmarket: the app key is required"))
	}
	if c.AppSecret == "" {
		errs = append(errs, errors.New("restmarket: the app secret is required"))
	}
	if c.SellerID == "" {
		errs = append(errs, errors.New("restmarket: the seller id is required"))
	}
	if c.Market == nil {
		errs = append(errs, errors.New("restmarket: a market is required"))
	}
	if c.SellerNick == "" {
		c.SellerNick = c.SellerID
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return errors.Join(errs...)
}
