package e2e

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The authorization matrix of finance's ledger views: operators (admins)
// list the accounts of a kind and read any account, balance, statement,
// transfer and the trial balance;
// buyers, suppliers, merchants and reviewers get nothing.
func TestLedgerAuthorizationMatrix(t *testing.T) {
	base, _ := apiMesh(t)
	c := newClient(t, base, "127.0.0.31")
	tokens := map[string]string{}
	for actor, email := range map[string]string{
		"admin": adminEmail, "reviewer": reviewerEmail, "buyer": buyerEmail,
		"supplier": supplierEmail, "merchant": "merchant@demo.crossdock.test",
	} {
		tokens[actor], _ = c.login(email, demoPassword)
	}
	// An account that exists when the demo has money in the book, else an id
	// that names none: either way an admin passes authorization (200 or 404).
	account, found := uuid.NewString(), []int{200, 404}
	if lines := c.do("GET", "/v1/ledger/trial-balance", tokens["admin"], nil).must(t, 200, "trial balance").list("lines"); len(lines) > 0 {
		t.Logf("trial balance: %v", lines)
	}
	org := c.do("GET", "/v1/me", tokens["supplier"], nil).must(t, 200, "supplier's profile").str("user", "organizationId")
	for _, b := range c.do("GET", "/v1/suppliers/"+org+"/payable", tokens["admin"], nil).must(t, 200, "payable").list("balances") {
		if id, _ := b["accountId"].(string); id != "" {
			account, found = id, ok
		}
	}
	transfer := uuid.NewString()
	accountPath := "/v1/ledger/accounts/" + account
	lookup := "/v1/ledger/account-lookup?kind=supplier_payable&ownerType=organization&ownerId=" + org + "&currencyCode=USD"
	badLookup := "/v1/ledger/account-lookup?kind=vault&ownerType=organization&ownerId=" + org + "&currencyCode=USD"
	balance := accountPath + "/balance?at=2026-01-01T00:00:00Z"

	row := func(path string, admin []int) []authzCheck {
		return []authzCheck{
			{"admin", path, nil, admin},
			{"buyer", path, nil, denied}, {"supplier", path, nil, denied},
			{"merchant", path, nil, denied}, {"reviewer", path, nil, denied},
		}
	}
	rows := map[string][]authzCheck{
		"GET /v1/ledger/accounts": append(row("/v1/ledger/accounts?kind=supplier_payable&nonzero=true", ok),
			authzCheck{"admin", "/v1/ledger/accounts?kind=vault", nil, []int{400}}),
		"GET /v1/ledger/accounts/{account_id}":           row(accountPath, found),
		"GET /v1/ledger/account-lookup":                  append(row(lookup, found), authzCheck{"admin", badLookup, nil, []int{400}}),
		"GET /v1/ledger/accounts/{account_id}/balance":   row(balance, found),
		"GET /v1/ledger/accounts/{account_id}/transfers": row(accountPath+"/transfers", found),
		"GET /v1/ledger/transfers/{transfer_id}":         row("/v1/ledger/transfers/"+transfer, []int{404}),
		"GET /v1/ledger/trial-balance":                   row("", ok),
	}
	authzMatrix{
		services: []string{"crossdock.finance.v1.LedgerService"},
		rows:     rows,
		tokens:   tokens,
		params:   strings.NewReplacer("{account_id}", account, "{transfer_id}", transfer),
	}.run(t, c)
}
