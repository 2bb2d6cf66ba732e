package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// fundsFactor is how many times the goods of a buyer's planned journeys its
// wallet is topped up with. The checkout adds freight to each physical
// sub-order and converts at a rate with a spread; three times the goods
// covers both with room to spare. A shortfall would show in the report as
// pay errors FAILED_PRECONDITION INSUFFICIENT_FUNDS.
const fundsFactor = 3

// budgets computes each buyer's top-up: fundsFactor × the goods of its
// planned journeys in the buyer's currency. rates are from the buyer's
// currency into each price currency, so a price converts back by dividing.
func budgets(plan []Arrival, buyers int, skus []SKU, currency string, rates map[string]money.Rate) ([]int64, error) {
	perSKU := make([]int64, len(skus))
	for i, s := range skus {
		if s.Price.Currency == currency {
			perSKU[i] = s.Price.Amount
			continue
		}
		rate, ok := rates[s.Price.Currency]
		if !ok {
			return nil, fmt.Errorf("no rate from %s into %s, the price of SKU %s", currency, s.Price.Currency, s.ID)
		}
		c, err := money.ConvertBack(s.Price, currency, rate)
		if err != nil {
			return nil, fmt.Errorf("price of SKU %s in %s: %w", s.ID, currency, err)
		}
		perSKU[i] = c.Amount
	}
	out := make([]int64, buyers)
	for _, a := range plan {
		for _, s := range a.SKUs {
			out[a.Buyer] += fundsFactor * perSKU[s]
		}
	}
	return out, nil
}

// destinations are where the buyers live, in turn: three countries, so
// freight is estimated on several routes from both demo suppliers.
var destinations = []map[string]any{
	{"recipient": "Load Buyer", "phone": "+4915112345678", "countryCode": "DE", "regionCode": "DE-BE", "city": "Berlin", "postcode": "10115", "lines": []string{"Invalidenstraße 1"}},
	{"recipient": "Load Buyer", "phone": "+351912345678", "countryCode": "PT", "regionCode": "PT-11", "city": "Lisboa", "postcode": "1100-148", "lines": []string{"Praça do Comércio 1"}},
	{"recipient": "Load Buyer", "phone": "+12135550100", "countryCode": "US", "regionCode": "US-CA", "city": "Los Angeles", "postcode": "90012", "lines": []string{"200 N Spring St"}},
}

// signUpBuyer creates buyer i's account, signs it in and gives it a default
// address.
func signUpBuyer(ctx context.Context, b *Buyer, i int, runID string) error {
	err := retrying(ctx, func() error {
		return b.API.Call(ctx, "POST", "/v1/auth/signup", "", map[string]any{
			"email": b.Email, "password": b.password, "accountType": "ACCOUNT_TYPE_BUYER",
			"displayName": "Load buyer " + strconv.Itoa(i) + " of run " + runID,
		}, nil)
	})
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusConflict {
		return fmt.Errorf("sign up %s: the account exists: run id %q was used before, give another --run-id", b.Email, runID)
	}
	if err != nil {
		return fmt.Errorf("sign up %s: %w", b.Email, err)
	}
	if err := retrying(ctx, func() error { return b.login(ctx) }); err != nil {
		return err
	}
	token, err := b.Token(ctx)
	if err != nil {
		return err
	}
	err = b.API.Call(ctx, "POST", "/v1/me/addresses", token, map[string]any{"address": destinations[i%len(destinations)]}, nil)
	if err != nil {
		return fmt.Errorf("address of %s: %w", b.Email, err)
	}
	return nil
}

// fund tops buyer i's wallet up with amount through the payment sandbox, as
// the buyer's client does (finance opens an intent; the client confirms it
// with the test card tok_visa; the sandbox's signed webhook credits the
// wallet a moment later), and waits until the wallet shows the money.
func fund(ctx context.Context, b *Buyer, sandbox *API, runID string, i int, amount money.Money) error {
	token, err := b.Token(ctx)
	if err != nil {
		return err
	}
	var top topUpJSON
	err = retrying(ctx, func() error {
		return b.API.Call(ctx, "POST", "/v1/wallet/top-ups", token, map[string]any{
			"amount":         map[string]any{"currencyCode": amount.Currency, "amountMinor": strconv.FormatInt(amount.Amount, 10)},
			"idempotencyKey": "load-" + runID + "-" + strconv.Itoa(i),
		}, &top)
	})
	if err != nil {
		return fmt.Errorf("top up %s's wallet: %w", b.Email, err)
	}
	if top.TopUp.ID == "" || top.ClientSecret == "" || top.TopUp.IntentID == "" {
		return fmt.Errorf("top up %s's wallet: the answer lacks the top-up id, intent or client secret", b.Email)
	}
	// The intent is confirmed at the sandbox given on the command line
	// (checked to be loopback), on the path the provider named.
	path := "/v1/payment_intents/" + url.PathEscape(top.TopUp.IntentID) + "/confirm"
	if u, err := url.Parse(top.ConfirmURL); err == nil && u.Path != "" {
		path = u.EscapedPath()
	}
	err = retrying(ctx, func() error {
		return sandbox.CallOnce(ctx, "POST", path, "", "load-"+runID+"-"+strconv.Itoa(i)+"-confirm",
			map[string]string{"client_secret": top.ClientSecret, "payment_method": "tok_visa"}, nil)
	})
	if err != nil {
		return fmt.Errorf("confirm %s's top-up at the payment sandbox: %w", b.Email, err)
	}
	return waitForFunds(ctx, b, top.TopUp.ID, amount)
}

// fundsPatience is how long a wallet may take to show a confirmed top-up
// (the webhook is retried with backoff when the gateway is busy).
const fundsPatience = 60 * time.Second

// waitForFunds polls the wallet until it holds amount, or the top-up failed.
func waitForFunds(ctx context.Context, b *Buyer, topUpID string, amount money.Money) error {
	stop := time.Now().Add(fundsPatience)
	for {
		token, err := b.Token(ctx)
		if err != nil {
			return err
		}
		var w walletJSON
		if err := b.API.Call(ctx, "GET", "/v1/wallet", token, nil, &w); err != nil {
			return fmt.Errorf("wallet of %s: %w", b.Email, err)
		}
		var held int64
		for _, bal := range w.Balances {
			if bal.CurrencyCode == amount.Currency {
				held = int64(bal.AvailableMinor)
			}
		}
		if held >= amount.Amount {
			return nil
		}
		var top topUpJSON
		if err := b.API.Call(ctx, "GET", "/v1/top-ups/"+url.PathEscape(topUpID), token, nil, &top); err == nil && top.TopUp.State == "failed" {
			return fmt.Errorf("top-up %s of %s failed at the provider", topUpID, b.Email)
		}
		if time.Now().After(stop) {
			return fmt.Errorf("the wallet of %s holds %d of the %s topped up after %v: the payment sandbox's webhook has not credited it", b.Email, held, amount, fundsPatience)
		}
		select {
		case <-time.After(250 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
