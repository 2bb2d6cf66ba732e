package e2e

import (
	"strings"
	"testing"
)

// The authorization matrix of finance's exchange rates and FX quotes: only
// admins record rates; any signed-in caller reads them and asks for a quote;
// a quote is visible to the one who asked for it and to admins, and to
// anyone else it does not exist.
func TestFXAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.31")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "buyer": buyerEmail, "supplier": supplierEmail, "merchant": "merchant@demo.crossdock.test",
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	quoteBody := map[string]any{"fromCurrency": "USD", "toCurrency": "EUR", "amountMinor": 10000}
	q := c.do("POST", "/v1/fx/quotes", tokens["buyer"], quoteBody).must(t, 200, "buyer's quote")
	quote := q.str("quote", "quoteId")
	if q.str("quote", "midRate") == "" || q.str("quote", "rate") == q.str("quote", "midRate") {
		t.Errorf("quote without a spread: %s", q.Raw)
	}
	rate := map[string]any{"fromCurrency": "USD", "toCurrency": "CHF", "rate": "0.88", "source": "manual"}
	rateBody := map[string]any{"fromCurrency": "USD", "toCurrency": "CHF", "rate": "0.89", "source": "manual"}
	backDated := map[string]any{"fromCurrency": "USD", "toCurrency": "CHF", "rate": "0.87", "source": "manual", "effectiveAt": "2020-01-01T00:00:00Z"}
	quotePath := "/v1/fx/quotes/" + quote

	authzMatrix{
		services: []string{"crossdock.finance.v1.FinanceService"},
		rows: map[string][]authzCheck{
			"POST /v1/exchange-rates": {
				{actor: "admin", body: rate, want: ok},
				{actor: "admin", body: backDated, want: []int{400}},
				{actor: "buyer", body: rateBody, want: denied},
				{actor: "supplier", body: rateBody, want: denied},
				{actor: "merchant", body: rateBody, want: denied},
			},
			"GET /v1/exchange-rates/{from_currency}/{to_currency}": {
				{actor: "buyer", path: "/v1/exchange-rates/USD/EUR", want: ok},
				{actor: "supplier", path: "/v1/exchange-rates/USD/EUR", want: ok},
			},
			"POST /v1/fx/quotes": {
				{actor: "buyer", body: quoteBody, want: ok},
				{actor: "supplier", body: quoteBody, want: ok},
				{actor: "merchant", body: quoteBody, want: ok},
				{actor: "buyer", body: map[string]any{"fromCurrency": "USD", "toCurrency": "USD"}, want: []int{400}},
			},
			"GET /v1/fx/quotes/{quote_id}": {
				{actor: "buyer", path: quotePath, want: ok},
				{actor: "admin", path: quotePath, want: ok},
				{actor: "supplier", path: quotePath, want: []int{404}},
				{actor: "merchant", path: quotePath, want: []int{404}},
			},
		},
		tokens:  tokens,
		params:  strings.NewReplacer("{from_currency}", "USD", "{to_currency}", "EUR", "{quote_id}", quote),
		secrets: []string{q.str("quote", "rate")},
	}.run(t, c)
}
